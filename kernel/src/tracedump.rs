//! Getting the executor trace out of the machine: with `trace=com3` on the command line, the
//! whole ring is written in a compact binary form to the third serial port when the machine
//! powers off, panics or faults, so a trace survives a crash. Inside the guest the same dump
//! is readable at any time from `/dev/kairos-trace` (a snapshot taken at open). `tests/trace.py` turns it into a
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

/// The whole trace ring in the dump format (for `/dev/kairos-trace`).
pub fn serialize() -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::new();
    if let Some(spawner) = crate::sched::try_spawner() {
        write_dump(spawner, &mut |b: &[u8]| out.extend_from_slice(b));
    }
    out
}

fn write_dump(spawner: &kairos_executor::Spawner, out: &mut dyn FnMut(&[u8])) {
    let trace = spawner.trace();
    let events = trace.snapshot();
    out(b"KAIROSTR");
    out(&1u32.to_le_bytes());
    out(&1u32.to_le_bytes());
    out(&crate::time::tsc_hz().to_le_bytes());
    out(&trace.recorded().to_le_bytes());
    out(&trace.dropped().to_le_bytes());
    out(&(events.len() as u64).to_le_bytes());
    for e in &events {
        out(&e.ts.to_le_bytes());
        out(&e.kind.to_le_bytes());
        out(&e.cpu.to_le_bytes());
        out(&0u32.to_le_bytes());
        out(&e.task.to_le_bytes());
        out(&e.a.to_le_bytes());
        out(&e.b.to_le_bytes());
    }
    let tasks = spawner.tasks();
    out(&(tasks.len() as u64).to_le_bytes());
    for t in &tasks {
        let name = t.name.as_bytes();
        out(&t.id.as_u64().to_le_bytes());
        out(&(name.len() as u16).to_le_bytes());
        out(name);
    }
    out(b"KAIROEND");
}

/// Writes the trace to COM3 once (no-op unless enabled). Safe on the panic path: it only
/// reads the lock-free ring and the task table.
pub fn dump() {
    if !ENABLED.load(Ordering::Relaxed) || DUMPED.swap(true, Ordering::SeqCst) {
        return;
    }
    let Some(spawner) = crate::sched::try_spawner() else { return };
    spawner.trace().set_enabled(false);
    write_dump(spawner, &mut put);
}
