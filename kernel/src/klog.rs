//! The kernel log buffer: every record the logger prints is also kept in a fixed 128 KiB ring
//! in syslog form (`<6>[    1.234567] target: message`), which `syslog(2)` (`dmesg`,
//! `klogctl`) reads. Appending never allocates and runs with interrupts off, so any context
//! that may log (interrupt handlers included) may append.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::arch::cpu;

/// Ring size (Linux's default `log_buf_len` on x86_64: 1 << CONFIG_LOG_BUF_SHIFT = 128 KiB).
pub const LOG_BUF_LEN: usize = 128 * 1024;

struct Ring {
    data: [u8; LOG_BUF_LEN],
    /// Total bytes ever appended; the ring holds the last `LOG_BUF_LEN` of them.
    written: u64,
    /// Where `syslog(SYSLOG_ACTION_READ)` continues (bytes consumed).
    read: u64,
    /// Where `READ_ALL` starts after `CLEAR`.
    cleared: u64,
}

static RING: spin::Mutex<Ring> = spin::Mutex::new(Ring { data: [0; LOG_BUF_LEN], written: 0, read: 0, cleared: 0 });

/// `syslog(SYSLOG_ACTION_CONSOLE_LEVEL)`'s value (Linux's default console loglevel 7).
pub static CONSOLE_LEVEL: AtomicU32 = AtomicU32::new(7);

/// Appends `bytes` (one formatted record) to the ring.
pub fn append(bytes: &[u8]) {
    cpu::without_interrupts(|| {
        let mut r = RING.lock();
        for &b in bytes {
            let at = (r.written % LOG_BUF_LEN as u64) as usize;
            r.data[at] = b;
            r.written += 1;
        }
    });
}

/// The syslog level of a `log` level (KERN_ERR 3, KERN_WARNING 4, KERN_INFO 6, KERN_DEBUG 7).
pub fn syslog_level(level: log::Level) -> u8 {
    match level {
        log::Level::Error => 3,
        log::Level::Warn => 4,
        log::Level::Info => 6,
        log::Level::Debug | log::Level::Trace => 7,
    }
}

fn byte(r: &Ring, pos: u64) -> u8 {
    r.data[(pos % LOG_BUF_LEN as u64) as usize]
}

/// Copies the newest whole records of `[from, to)` that are still in the ring and fit in
/// `out` (as Linux's `syslog_print_all`: a record that does not fit is not cut, so a buffer
/// smaller than the last record gets nothing); returns how many bytes.
fn copy_range(r: &Ring, from: u64, to: u64, out: &mut [u8]) -> usize {
    let oldest = r.written.saturating_sub(LOG_BUF_LEN as u64);
    let mut from = from.max(oldest);
    // A record cut by the ring's wrap-around is skipped.
    if from == oldest && oldest > 0 {
        while from < to && byte(r, from - 1) != b'\n' {
            from += 1;
        }
    }
    // Drop the oldest records until the rest fits.
    while to - from > out.len() as u64 {
        while from < to && byte(r, from) != b'\n' {
            from += 1;
        }
        from = (from + 1).min(to);
    }
    let n = (to - from) as usize;
    for (i, o) in out.iter_mut().take(n).enumerate() {
        *o = r.data[((from + i as u64) % LOG_BUF_LEN as u64) as usize];
    }
    n
}

/// `SYSLOG_ACTION_READ_ALL` (and `READ_CLEAR` with `clear`): the last `out.len()` bytes of
/// the log since the last clear; does not consume them.
pub fn read_all(out: &mut [u8], clear: bool) -> usize {
    cpu::without_interrupts(|| {
        let mut r = RING.lock();
        let n = copy_range(&r, r.cleared, r.written, out);
        if clear {
            r.cleared = r.written;
        }
        n
    })
}

/// `SYSLOG_ACTION_READ`: consumes up to `out.len()` unread bytes; 0 when there are none.
pub fn read_unread(out: &mut [u8]) -> usize {
    cpu::without_interrupts(|| {
        let mut r = RING.lock();
        let oldest = r.written.saturating_sub(LOG_BUF_LEN as u64);
        let start = r.read.max(oldest);
        let end = (start + out.len() as u64).min(r.written);
        let n = (end - start) as usize;
        for (i, o) in out.iter_mut().take(n).enumerate() {
            *o = r.data[((start + i as u64) % LOG_BUF_LEN as u64) as usize];
        }
        r.read = end;
        n
    })
}

/// `SYSLOG_ACTION_SIZE_UNREAD`.
pub fn unread() -> usize {
    cpu::without_interrupts(|| {
        let r = RING.lock();
        let oldest = r.written.saturating_sub(LOG_BUF_LEN as u64);
        (r.written - r.read.max(oldest)) as usize
    })
}

/// `SYSLOG_ACTION_CLEAR`.
pub fn clear() {
    cpu::without_interrupts(|| {
        let mut r = RING.lock();
        r.cleared = r.written;
    });
}

/// Sets the console level (`SYSLOG_ACTION_CONSOLE_LEVEL`).
pub fn set_console_level(level: u32) {
    CONSOLE_LEVEL.store(level, Ordering::Relaxed);
}
