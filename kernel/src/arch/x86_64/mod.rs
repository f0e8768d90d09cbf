//! x86_64 support: everything that touches the CPU or legacy devices directly. This is the
//! only module tree of the kernel allowed to use `unsafe` (plus drivers that must poke
//! hardware); it hands each event to safe code at once.

pub mod apic;
pub mod backtrace;
pub mod boot;
pub mod cpu;
pub mod dma;
pub mod gdt;
pub mod heap;
pub mod idt;
pub mod layout;
pub mod mmio;
pub mod paging;
pub mod pci_cfg;
pub mod phys;
pub mod port;
pub mod qemu;
pub mod rtc;
pub mod serial;
pub mod trap;
pub mod user;
