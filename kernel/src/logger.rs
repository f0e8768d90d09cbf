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

/// Installs the logger at `level`.
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
