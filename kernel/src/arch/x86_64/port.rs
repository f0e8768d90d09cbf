//! Raw port I/O, the one place `in`/`out` instructions are issued.

use x86_64::instructions::port::Port;

/// Writes a byte to an I/O port.
pub fn outb(port: u16, value: u8) {
    // SAFETY: callers in `arch` address only legacy devices the kernel owns (UART, PIC, PIT,
    // CMOS, debug-exit); writing them has no effect on memory safety.
    unsafe { Port::<u8>::new(port).write(value) }
}

/// Reads a byte from an I/O port.
pub fn inb(port: u16) -> u8 {
    // SAFETY: as for `outb`; reads of these device registers have no memory effects.
    unsafe { Port::<u8>::new(port).read() }
}

/// Writes a 32-bit value to an I/O port.
pub fn outl(port: u16, value: u32) {
    // SAFETY: as for `outb` (PCI configuration space and debug ports).
    unsafe { Port::<u32>::new(port).write(value) }
}

/// Reads a 32-bit value from an I/O port.
pub fn inl(port: u16) -> u32 {
    // SAFETY: as for `inb`.
    unsafe { Port::<u32>::new(port).read() }
}

/// Writes a 16-bit value to an I/O port.
pub fn outw(port: u16, value: u16) {
    // SAFETY: as for `outb` (ACPI PM control).
    unsafe { Port::<u16>::new(port).write(value) }
}
