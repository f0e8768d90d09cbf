//! Getting the executor trace out of the machine: with `trace=com3` on the command line, the
//! whole ring is written in a compact binary form to the third serial port when the machine
//! powers off, panics or faults, so a trace survives a crash. `tests/trace.py` turns it into a
//! Perfetto/Chrome timeline, a summary and a picture.
//!
//! Format (little endian):
//! ```text
//! "KAIROSTR" | version u32 = 1 | cpus u32 | tsc_hz u64 | recorded u64 | dropped u64 | count u64
//! count × { ts u64 | kind u16 | cpu u16 | pad u32 | task u64 | a u64 | b u64 }   (40 bytes)
//! names u64 | names × { task u64 | len u16 | bytes }                              (live tasks)
//! "KAIROEND"
//! ```

use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::port::outb;

/// Base port of COM3.
const COM3: u16 = 0x3e8;
static ENABLED: AtomicBool = AtomicBool::new(false);
static DUMPED: AtomicBool = AtomicBool::new(false);

/// Reads the `trace=` option.
pub fn init(opts: &crate::cmdline::Options) {
    if opts.get("trace") == Some("com3") {
        // 8N1, FIFO; the baud rate does not matter to QEMU's file backend.
        for (off, v) in [(1u16, 0u8), (3, 0x80), (0, 1), (1, 0), (3, 3), (2, 0xc7), (4, 0x0b)] {
            outb(COM3 + off, v);
        }
        ENABLED.store(true, Ordering::Relaxed);
    }
}

fn put(bytes: &[u8]) {
    for &b in bytes {
        while crate::arch::port::inb(COM3 + 5) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM3, b);
    }
}

/// Writes the trace to COM3 once (no-op unless enabled). Safe on the panic path: it only
/// reads the lock-free ring and the task table.
pub fn dump() {
    if !ENABLED.load(Ordering::Relaxed) || DUMPED.swap(true, Ordering::SeqCst) {
        return;
    }
    let Some(spawner) = crate::sched::try_spawner() else { return };
    let trace = spawner.trace();
    trace.set_enabled(false);
    let events = trace.snapshot();
    put(b"KAIROSTR");
    put(&1u32.to_le_bytes());
    put(&1u32.to_le_bytes());
    put(&crate::time::tsc_hz().to_le_bytes());
    put(&trace.recorded().to_le_bytes());
    put(&trace.dropped().to_le_bytes());
    put(&(events.len() as u64).to_le_bytes());
    for e in &events {
        put(&e.ts.to_le_bytes());
        put(&e.kind.to_le_bytes());
        put(&e.cpu.to_le_bytes());
        put(&0u32.to_le_bytes());
        put(&e.task.to_le_bytes());
        put(&e.a.to_le_bytes());
        put(&e.b.to_le_bytes());
    }
    let tasks = spawner.tasks();
    put(&(tasks.len() as u64).to_le_bytes());
    for t in &tasks {
        let name = t.name.as_bytes();
        put(&t.id.as_u64().to_le_bytes());
        put(&(name.len() as u16).to_le_bytes());
        put(name);
    }
    put(b"KAIROEND");
}
