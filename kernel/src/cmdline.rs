//! The kernel command line: `key=value` words and bare flags.

use crate::arch::boot::BootInfo;

/// Parsed kernel options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The whole command line.
    pub raw: &'static str,
}

static OPTIONS: spin::Once<Options> = spin::Once::new();
static CMDLINE: spin::Once<([u8; crate::arch::boot::MAX_CMDLINE], usize)> = spin::Once::new();

/// Keeps a copy of the command line for the kernel's lifetime.
pub fn init(boot: &BootInfo) -> Options {
    let (bytes, len) = CMDLINE.call_once(|| (boot.cmdline, boot.cmdline_len));
    let raw = core::str::from_utf8(&bytes[..*len]).unwrap_or("");
    *OPTIONS.call_once(|| Options { raw })
}

impl Options {
    /// Value of `key=value`, or "" for a bare `key`; None when absent.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        self.raw.split_ascii_whitespace().find_map(|word| match word.split_once('=') {
            Some((k, v)) if k == key => Some(v),
            None if word == key => Some(""),
            _ => None,
        })
    }

    /// Is the flag present?
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// The options (empty before `init`).
pub fn options() -> Options {
    OPTIONS.get().copied().unwrap_or(Options { raw: "" })
}
