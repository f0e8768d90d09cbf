//! Exceptions and panics: what happened, the registers, a symbolised backtrace, then QEMU
//! exits with a failure code so a test fails fast instead of hanging.

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::backtrace::{self, MAX_FRAMES};
use crate::arch::layout::sections;
use crate::arch::qemu::{self, ExitCode};
use crate::arch::trap::TrapFrame;
use crate::arch::{cpu, gdt};
use crate::console;

static DYING: AtomicBool = AtomicBool::new(false);

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error (#DE)",
    "debug (#DB)",
    "NMI",
    "breakpoint (#BP)",
    "overflow (#OF)",
    "bound range (#BR)",
    "invalid opcode (#UD)",
    "device not available (#NM)",
    "double fault (#DF)",
    "coprocessor segment overrun",
    "invalid TSS (#TS)",
    "segment not present (#NP)",
    "stack-segment fault (#SS)",
    "general protection fault (#GP)",
    "page fault (#PF)",
    "reserved",
    "x87 floating-point (#MF)",
    "alignment check (#AC)",
    "machine check (#MC)",
    "SIMD floating-point (#XM)",
    "virtualization (#VE)",
    "control protection (#CP)",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection (#HV)",
    "VMM communication (#VC)",
    "security (#SX)",
    "reserved",
];

/// Writes one backtrace line per frame: `#n 0xaddr symbol+0xoff`.
pub fn print_backtrace(out: &mut impl Write, rip: Option<u64>, rbp: u64) {
    let mut frames = [0u64; MAX_FRAMES];
    let n = backtrace::walk(rbp, &mut frames);
    let _ = writeln!(out, "backtrace:");
    let mut index = 0;
    let mut line = |addr: u64, out: &mut dyn Write| {
        match crate::ksyms::lookup(addr) {
            Some((name, off)) => {
                let _ = writeln!(out, "  #{index:<2} {addr:#018x} {name}+{off:#x}");
            }
            None => {
                let _ = writeln!(out, "  #{index:<2} {addr:#018x} ?");
            }
        }
        index += 1;
    };
    if let Some(rip) = rip {
        line(rip, out);
    }
    let mut repeats = 0;
    for (i, &ret) in frames[..n].iter().enumerate() {
        if i >= 2 && frames[i - 1] == ret && frames[i - 2] == ret {
            repeats += 1;
            continue;
        }
        if repeats > 0 {
            let _ = writeln!(out, "  ... {repeats} more identical frames");
            repeats = 0;
        }
        // A return address points after the call; look up the call itself.
        line(ret - 1, out);
    }
    if repeats > 0 {
        let _ = writeln!(out, "  ... {repeats} more identical frames");
    }
    if !crate::ksyms::available() {
        let _ = writeln!(out, "  (no symbol table in this image: run tests/ksyms.py on it)");
    }
}

/// Handles a CPU exception taken in kernel mode.
pub fn handle_exception(frame: &mut TrapFrame) {
    let vector = frame.vector as usize;
    match vector {
        2 => {
            log::warn!(target: "fault", "NMI at {:#x}", frame.rip);
            return;
        }
        3 if !frame.from_user() => {
            log::warn!(target: "fault", "breakpoint at {:#x}", frame.rip);
            return;
        }
        _ => {}
    }
    if frame.from_user() {
        // User mode does not exist yet; reaching here means a kernel bug.
        fatal(frame, "exception from user mode before user mode exists");
    }
    fatal(frame, "unexpected exception in kernel mode");
}

fn fatal(frame: &TrapFrame, why: &str) -> ! {
    cpu::disable_interrupts();
    let first = !DYING.swap(true, Ordering::SeqCst);
    let mut out = console::panic_output();
    let vector = frame.vector as usize;
    let _ = writeln!(out, "\n!!! KERNEL FAULT: {} — {why}", EXCEPTION_NAMES.get(vector).unwrap_or(&"?"));
    let cr2 = cpu::read_cr2();
    let guard = sections::boot_stack_guard();
    let in_guard = (guard..guard + 4096).contains(&cr2);
    if vector == 14 {
        let _ = writeln!(
            out,
            "faulting address (CR2) {cr2:#018x}: {} {} in {} mode{}",
            if frame.error_code & 1 != 0 { "protection violation" } else { "page not present" },
            if frame.error_code & 2 != 0 {
                "on write"
            } else if frame.error_code & 16 != 0 {
                "on instruction fetch"
            } else {
                "on read"
            },
            if frame.error_code & 4 != 0 { "user" } else { "kernel" },
            if in_guard { " — kernel stack overflow (guard page)" } else { "" },
        );
    } else if vector == 8 && in_guard {
        let _ = writeln!(out, "last page fault at {cr2:#018x} — kernel stack overflow (guard page)");
    }
    let _ = writeln!(out, "CR3 {:#018x}", cpu::read_cr3());
    let _ = writeln!(out, "{frame}");
    if first {
        print_backtrace(&mut out, Some(frame.rip), frame.rbp);
    }
    let _ = writeln!(out, "stacks: {:x?}", gdt::stacks().ranges);
    flush_trace_on_failure();
    qemu::exit(ExitCode::Failure)
}

/// Dumps state that should survive a crash: the executor trace (with `trace=com3`).
fn flush_trace_on_failure() {
    crate::tracedump::dump();
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    cpu::disable_interrupts();
    let mut out = console::panic_output();
    if DYING.swap(true, Ordering::SeqCst) {
        let _ = writeln!(out, "\n!!! panic while dying: {info}");
        qemu::exit(ExitCode::Failure);
    }
    let _ = writeln!(out, "\n!!! KERNEL PANIC: {info}");
    let _ =
        writeln!(out, "RSP {:#018x}  RBP {:#018x}  CR3 {:#018x}", cpu::read_rsp(), cpu::read_rbp(), cpu::read_cr3());
    print_backtrace(&mut out, None, cpu::read_rbp());
    flush_trace_on_failure();
    qemu::exit(ExitCode::Failure)
}
