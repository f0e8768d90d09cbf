//! The kernel log: `log` records go to the serial console with a timestamp. Safe from
//! interrupt context: the console lock is taken with interrupts disabled.

use core::fmt::Write;

use log::{LevelFilter, Log, Metadata, Record};

use crate::console;

struct SerialLogger;

static LOGGER: SerialLogger = SerialLogger;

impl Log for SerialLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = crate::time::now_ns();
        // The same record, in syslog form, into the ring that dmesg reads.
        let mut rec = RecordBuf::new();
        let _ = writeln!(
            rec,
            "<{}>[{:5}.{:06}] {}: {}",
            crate::klog::syslog_level(record.level()),
            ns / 1_000_000_000,
            (ns / 1000) % 1_000_000,
            record.target(),
            record.args()
        );
        crate::klog::append(rec.as_bytes());
        console::with_log_output(|out| {
            let _ = writeln!(
                out,
                "[{:5}.{:06}] {:5} {}: {}",
                ns / 1_000_000_000,
                (ns / 1000) % 1_000_000,
                record.level(),
                record.target(),
                record.args()
            );
        });
    }

    fn flush(&self) {}
}

/// A record formatted without allocating (logging may happen anywhere); long records are cut.
struct RecordBuf {
    buf: [u8; 512],
    len: usize,
}

impl RecordBuf {
    fn new() -> RecordBuf {
        RecordBuf { buf: [0; 512], len: 0 }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Write for RecordBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        // A cut record still ends its line.
        if self.len == self.buf.len() {
            self.buf[self.len - 1] = b'\n';
        }
        Ok(())
    }
}

/// Installs the logger at `level`.
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
