//! A minimal kernel monitor on the serial console, started by `make run` until user space
//! exists: it reads lines through the async console stream and answers a few commands.

use alloc::string::String;

use crate::arch::qemu::ExitCode;
use crate::{console, kprint, kprintln};

/// Reads one line from the console with echo and backspace handling.
pub async fn read_line() -> String {
    let mut line = String::new();
    let mut buf = [0u8; 64];
    loop {
        let n = console::read(&mut buf).await;
        for &b in &buf[..n] {
            match b {
                b'\r' | b'\n' => {
                    kprintln!();
                    return line;
                }
                0x7f | 0x08 if line.pop().is_some() => {
                    kprint!("\x08 \x08");
                }
                0x20..=0x7e => {
                    line.push(b as char);
                    kprint!("{}", b as char);
                }
                _ => {}
            }
        }
    }
}

/// The monitor task.
pub async fn run() {
    kprintln!("Kairos monitor: no user space yet. Commands: help, uptime, mem, tasks, trace, sleep MS, poweroff");
    loop {
        kprint!("kairos> ");
        let line = read_line().await;
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            None => {}
            Some("help") => kprintln!("help uptime mem tasks trace sleep MS poweroff"),
            Some("uptime") => {
                let ns = crate::time::now_ns();
                kprintln!(
                    "up {}.{:03} s, {} timer interrupts",
                    ns / 1_000_000_000,
                    (ns / 1_000_000) % 1000,
                    crate::irq::timer_interrupts()
                );
            }
            Some("mem") => {
                let (total, used) = crate::mm::frame::stats();
                let (heap_user, heap_actual, heap_total) = crate::arch::heap::stats();
                kprintln!(
                    "frames: {used}/{total} in use; heap: {heap_user} B requested, {heap_actual} B reserved of {heap_total} B"
                );
            }
            Some("tasks") => {
                for t in crate::sched::spawner().tasks() {
                    kprintln!("{t:?}");
                }
            }
            Some("trace") => {
                let events = crate::sched::spawner().trace().snapshot();
                kprintln!("{} trace events held", events.len());
                for e in events.iter().rev().take(10) {
                    kprintln!("{e:?}");
                }
            }
            Some("sleep") => {
                let ms: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(1000);
                let start = crate::time::now_ns();
                crate::sched::spawner().sleep(ms * 1_000_000).await;
                kprintln!("slept {} us", (crate::time::now_ns() - start) / 1000);
            }
            Some("poweroff") => {
                kprintln!("powering off");
                crate::power_off(ExitCode::Success);
            }
            Some(other) => kprintln!("unknown command: {other}"),
        }
    }
}
