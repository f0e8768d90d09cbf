//! PCI: enumeration of the functions behind the host bridge (bus 0 and any PCI-to-PCI bridges
//! below it), BAR decoding, the capability list, and MSI-X table programming.
//!
//! Configuration space is reached through `arch::pci_cfg` (the only place that issues the
//! port I/O); this module is safe code. It assigns nothing: the firmware (SeaBIOS, which QEMU
//! runs before our PVH entry) has already placed the BARs, so a BAR reading 0 is treated as
//! unusable rather than reprogrammed.

use alloc::vec::Vec;

use crate::arch::mmio::Mmio;
use crate::arch::pci_cfg::{self, PciAddress};

/// Configuration-space offsets of the type-0/type-1 header.
mod reg {
    pub const VENDOR_ID: u8 = 0x00;
    pub const DEVICE_ID: u8 = 0x02;
    pub const COMMAND: u8 = 0x04;
    pub const STATUS: u8 = 0x06;
    pub const REVISION_CLASS: u8 = 0x08;
    pub const HEADER_TYPE: u8 = 0x0e;
    pub const BAR0: u8 = 0x10;
    pub const SECONDARY_BUS: u8 = 0x19;
    pub const CAPABILITIES: u8 = 0x34;
    pub const INTERRUPT_LINE: u8 = 0x3c;
    pub const INTERRUPT_PIN: u8 = 0x3d;
}

/// Command register bits.
pub mod command {
    /// Respond to memory-space accesses.
    pub const MEMORY: u16 = 1 << 1;
    /// Allow the function to master the bus (DMA, MSI writes).
    pub const BUS_MASTER: u16 = 1 << 2;
    /// Do not assert INTx.
    pub const INTX_DISABLE: u16 = 1 << 10;
}

/// Capability ids.
pub mod cap_id {
    /// MSI-X.
    pub const MSIX: u8 = 0x11;
    /// Vendor-specific (virtio's transport capabilities).
    pub const VENDOR: u8 = 0x09;
}

const STATUS_CAP_LIST: u16 = 1 << 4;

/// One PCI function found by [`enumerate`].
#[derive(Clone, Copy, Debug)]
pub struct PciDevice {
    /// Where it lives.
    pub addr: PciAddress,
    /// Vendor id.
    pub vendor: u16,
    /// Device id.
    pub device: u16,
    /// Class code (base class << 16 | subclass << 8 | programming interface).
    pub class: u32,
}

/// A decoded base address register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    /// Memory space at this physical address (32- or 64-bit BAR).
    Memory(u64),
    /// I/O space at this port.
    Io(u16),
}

impl PciDevice {
    /// Reads a 32-bit configuration register.
    pub fn read32(&self, offset: u8) -> u32 {
        pci_cfg::read32(self.addr, offset)
    }

    /// Reads a 16-bit configuration register.
    pub fn read16(&self, offset: u8) -> u16 {
        pci_cfg::read16(self.addr, offset)
    }

    /// Reads an 8-bit configuration register.
    pub fn read8(&self, offset: u8) -> u8 {
        pci_cfg::read8(self.addr, offset)
    }

    /// Decodes BAR `index` (0..6); None if unimplemented, unassigned or malformed.
    pub fn bar(&self, index: u8) -> Option<Bar> {
        if index >= 6 {
            return None;
        }
        let off = reg::BAR0 + 4 * index;
        let low = self.read32(off);
        if low & 1 == 1 {
            let port = (low & !0x3) as u16;
            return (port != 0).then_some(Bar::Io(port));
        }
        let addr = match (low >> 1) & 0x3 {
            0 => u64::from(low & !0xf),
            2 if index < 5 => u64::from(low & !0xf) | (u64::from(self.read32(off + 4)) << 32),
            _ => return None,
        };
        (addr != 0).then_some(Bar::Memory(addr))
    }

    /// Sets `set` and clears `clear` in the command register.
    pub fn update_command(&self, set: u16, clear: u16) {
        let cmd = self.read16(reg::COMMAND);
        pci_cfg::write16(self.addr, reg::COMMAND, (cmd | set) & !clear);
    }

    /// Offsets of the capabilities with id `id`, in list order. The walk is bounded, so a
    /// looping list cannot hang the kernel.
    pub fn capabilities(&self, id: u8) -> Vec<u8> {
        let mut found = Vec::new();
        if self.read16(reg::STATUS) & STATUS_CAP_LIST == 0 {
            return found;
        }
        let mut ptr = self.read8(reg::CAPABILITIES) & 0xfc;
        for _ in 0..48 {
            if ptr < 0x40 {
                break;
            }
            if self.read8(ptr) == id {
                found.push(ptr);
            }
            ptr = self.read8(ptr + 1) & 0xfc;
        }
        found
    }

    /// The legacy interrupt pin (1 = INTA# .. 4 = INTD#, 0 = none) and the line the firmware
    /// wrote for it.
    pub fn interrupt_pin_line(&self) -> (u8, u8) {
        (self.read8(reg::INTERRUPT_PIN), self.read8(reg::INTERRUPT_LINE))
    }

    /// Enables MSI-X with every table entry masked except entry 0, which is programmed to
    /// deliver `vector` to this CPU. Returns the table size, or None if the function has no
    /// usable MSI-X capability.
    pub fn enable_msix_entry0(&self, vector: u8) -> Option<u16> {
        let cap = *self.capabilities(cap_id::MSIX).first()?;
        let control = self.read16(cap + 2);
        let table_size = (control & 0x7ff) + 1;
        let table = self.read32(cap + 4);
        let bir = (table & 0x7) as u8;
        let Some(Bar::Memory(base)) = self.bar(bir) else {
            return None;
        };
        let table = Mmio::map(base + u64::from(table & !0x7), u64::from(table_size) * 16);
        // Function mask on while the table is written, then enable.
        const ENABLE: u16 = 1 << 15;
        const FUNCTION_MASK: u16 = 1 << 14;
        pci_cfg::write16(self.addr, cap + 2, control | ENABLE | FUNCTION_MASK);
        let (addr, data) = crate::arch::apic::msi_message(vector);
        for entry in 0..u64::from(table_size) {
            let e = entry * 16;
            table.write32(e + 12, 1);
            if entry == 0 {
                table.write32(e, addr as u32);
                table.write32(e + 4, (addr >> 32) as u32);
                table.write32(e + 8, data);
                table.write32(e + 12, 0);
            }
        }
        pci_cfg::write16(self.addr, cap + 2, (control | ENABLE) & !FUNCTION_MASK);
        self.update_command(command::INTX_DISABLE, 0);
        Some(table_size)
    }
}

/// The I/O APIC input (GSI) that `dev`'s INTx pin reaches, when the chipset's routing is
/// known: on QEMU's q35 (host bridge 8086:29c0), a bus-0 device's INTA..D go to PIRQ E..H
/// (`(slot + pin) % 4 + 4`, QEMU's `ich9_cc_init` default, matching its ACPI `_PRT`), and PIRQ
/// A..H are I/O APIC inputs 16..23. Other chipsets would need ACPI's `_PRT`: None.
pub fn legacy_gsi(dev: &PciDevice) -> Option<u32> {
    let host = pci_cfg::read32(PciAddress { bus: 0, device: 0, function: 0 }, reg::VENDOR_ID);
    let (pin, _line) = dev.interrupt_pin_line();
    if host != 0x29c0_8086 || dev.addr.bus != 0 || !(1..=4).contains(&pin) {
        return None;
    }
    let pirq = (u32::from(dev.addr.device) + u32::from(pin - 1)) % 4 + 4;
    Some(16 + pirq)
}

fn probe_function(addr: PciAddress) -> Option<PciDevice> {
    let id = pci_cfg::read32(addr, reg::VENDOR_ID);
    let vendor = id as u16;
    if vendor == 0xffff || vendor == 0 {
        return None;
    }
    let class = pci_cfg::read32(addr, reg::REVISION_CLASS) >> 8;
    let device = pci_cfg::read16(addr, reg::DEVICE_ID);
    Some(PciDevice { addr, vendor, device, class })
}

fn scan_bus(bus: u8, out: &mut Vec<PciDevice>, depth: u32) {
    for device in 0..32u8 {
        let f0 = PciAddress { bus, device, function: 0 };
        let Some(first) = probe_function(f0) else { continue };
        let multi = pci_cfg::read8(f0, reg::HEADER_TYPE) & 0x80 != 0;
        let functions = if multi { 8 } else { 1 };
        for function in 0..functions {
            let addr = PciAddress { bus, device, function };
            let found = if function == 0 { Some(first) } else { probe_function(addr) };
            let Some(dev) = found else { continue };
            out.push(dev);
            // A PCI-to-PCI bridge (header type 1): scan its secondary bus too.
            if pci_cfg::read8(addr, reg::HEADER_TYPE) & 0x7f == 1 && depth < 8 {
                let secondary = pci_cfg::read8(addr, reg::SECONDARY_BUS);
                if secondary > bus {
                    scan_bus(secondary, out, depth + 1);
                }
            }
        }
    }
}

/// Every PCI function reachable from bus 0, in bus/device/function order.
pub fn enumerate() -> Vec<PciDevice> {
    let mut out = Vec::new();
    scan_bus(0, &mut out, 0);
    out
}
