//! Leaving the machine: QEMU's `isa-debug-exit` device (the test harness's verdict) and ACPI
//! power-off as a fallback.

use super::port::{outl, outw};

/// I/O port of `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
const DEBUG_EXIT_PORT: u16 = 0xf4;

/// Exit codes written to the debug-exit port; QEMU exits with `(code << 1) | 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    /// Clean shutdown / all tests passed: QEMU exits with status 33.
    Success = 0x10,
    /// Panic, fault or failed test: QEMU exits with status 35.
    Failure = 0x11,
}

/// Exits QEMU (or powers off) and never returns.
pub fn exit(code: ExitCode) -> ! {
    outl(DEBUG_EXIT_PORT, code as u32);
    // No debug-exit device: try ACPI S5 on q35 (PM1a_CNT at 0x604) and on i440fx (0xb004).
    outw(0x604, 0x2000);
    outw(0xb004, 0x2000);
    super::cpu::halt_forever()
}
