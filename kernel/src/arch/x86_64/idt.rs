//! The interrupt descriptor table: every vector points at its stub in `trap.rs`; double
//! fault, NMI and machine check run on their own IST stacks.

use core::arch::asm;

use super::gdt::{IST_DOUBLE_FAULT, IST_MACHINE_CHECK, IST_NMI, KERNEL_CS};
use super::trap::stub_address;

#[derive(Clone, Copy)]
#[repr(C)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

impl Gate {
    const EMPTY: Gate =
        Gate { offset_low: 0, selector: 0, ist: 0, type_attr: 0, offset_mid: 0, offset_high: 0, reserved: 0 };

    /// An interrupt gate (interrupts off on entry) with the given privilege level and IST.
    fn new(handler: u64, dpl: u8, ist: u16) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: KERNEL_CS,
            ist: ist as u8,
            type_attr: 0x80 | (dpl << 5) | 0xe,
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; 256]);

static IDT: spin::Once<Idt> = spin::Once::new();

/// Builds (once) and loads the IDT on this CPU.
pub fn init() {
    let idt = IDT.call_once(|| {
        let mut gates = [Gate::EMPTY; 256];
        for (v, gate) in gates.iter_mut().enumerate() {
            let ist = match v {
                2 => IST_NMI,
                8 => IST_DOUBLE_FAULT,
                18 => IST_MACHINE_CHECK,
                _ => 0,
            };
            // int3 and into may be raised from user mode on purpose.
            let dpl = if v == 3 || v == 4 { 3 } else { 0 };
            *gate = Gate::new(stub_address(v as u8), dpl, ist);
        }
        Idt(gates)
    });
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let ptr = Pointer { limit: (core::mem::size_of::<Idt>() - 1) as u16, base: idt as *const Idt as u64 };
    // SAFETY: the IDT lives in a 'static `Once` and every gate points at a valid stub.
    unsafe { asm!("lidt [{}]", in(reg) &ptr, options(readonly, nostack, preserves_flags)) };
}
