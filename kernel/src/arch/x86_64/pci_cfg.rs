//! PCI configuration space through the legacy configuration mechanism #1 (ports `0xCF8`
//! address / `0xCFC` data), which QEMU's q35 (and every PC chipset) still decodes. Only the
//! first 256 bytes of each function are reachable this way, which covers the standard header
//! and the capability list that the drivers walk.
//!
//! The address/data pair is one piece of shared state, so every access holds a lock with
//! interrupts off. Interrupt handlers never touch configuration space.

use super::cpu::without_interrupts;
use super::port::{inl, outl};

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// Serialises use of the address/data port pair.
static LOCK: spin::Mutex<()> = spin::Mutex::new(());

/// A PCI function's address: bus, device (0..32), function (0..8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PciAddress {
    /// Bus number.
    pub bus: u8,
    /// Device number (0..32).
    pub device: u8,
    /// Function number (0..8).
    pub function: u8,
}

impl core::fmt::Display for PciAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus, self.device, self.function)
    }
}

fn address_word(addr: PciAddress, offset: u8) -> u32 {
    (1 << 31)
        | (u32::from(addr.bus) << 16)
        | (u32::from(addr.device & 0x1f) << 11)
        | (u32::from(addr.function & 0x7) << 8)
        | u32::from(offset & 0xfc)
}

/// Reads the aligned 32-bit configuration register containing byte `offset`.
pub fn read32(addr: PciAddress, offset: u8) -> u32 {
    without_interrupts(|| {
        let _guard = LOCK.lock();
        // Port I/O to the configuration mechanism has no memory effects (the `port` helpers
        // carry the SAFETY argument); the lock keeps the address/data pair together.
        outl(CONFIG_ADDRESS, address_word(addr, offset));
        inl(CONFIG_DATA)
    })
}

/// Writes the aligned 32-bit configuration register containing byte `offset`.
pub fn write32(addr: PciAddress, offset: u8, value: u32) {
    without_interrupts(|| {
        let _guard = LOCK.lock();
        outl(CONFIG_ADDRESS, address_word(addr, offset));
        outl(CONFIG_DATA, value);
    })
}

/// Reads a 16-bit configuration register (`offset` 2-byte aligned).
pub fn read16(addr: PciAddress, offset: u8) -> u16 {
    (read32(addr, offset) >> ((u32::from(offset) & 2) * 8)) as u16
}

/// Reads an 8-bit configuration register.
pub fn read8(addr: PciAddress, offset: u8) -> u8 {
    (read32(addr, offset) >> ((u32::from(offset) & 3) * 8)) as u8
}

/// Writes a 16-bit configuration register (`offset` 2-byte aligned) by a read-modify-write
/// of its 32-bit word. Used for the command register: the status register sharing its word
/// has write-1-to-clear error bits, which this clears if set (harmless during probe).
pub fn write16(addr: PciAddress, offset: u8, value: u16) {
    let shift = (u32::from(offset) & 2) * 8;
    let old = read32(addr, offset);
    let new = (old & !(0xffff << shift)) | (u32::from(value) << shift);
    write32(addr, offset, new);
}
