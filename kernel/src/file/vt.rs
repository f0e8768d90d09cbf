//! Virtual consoles `/dev/tty1` … `/dev/tty63` (major 4) without a display.
//!
//! Kairos has no framebuffer or keyboard: a virtual console is a full terminal (termios,
//! job control, window size 80x25 like a VGA text console) whose output is discarded and
//! whose input never arrives — what Linux's VTs are under QEMU `-display none`. So a getty
//! on tty1 opens it and waits for a login name forever instead of failing. `/dev/tty0`
//! (minor 0) is the foreground console, always tty1 here. The VT requests (`VT_*`, `KD*`)
//! are answered in `syscall::ioctl` with this module's state.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use kairos_abi::termios::{IUTF8, Termios, WinSize};

use super::tty::{Sink, Tty};

/// Linux's `MAX_NR_CONSOLES`.
pub const MAX_NR_CONSOLES: u32 = 63;
/// The foreground console (1-based), what `/dev/tty0` opens.
pub const FG_CONSOLE: u32 = 1;

static VTS: spin::Mutex<BTreeMap<u32, Arc<Tty>>> = spin::Mutex::new(BTreeMap::new());

/// The terminal of `/dev/tty<minor>` (minor 1..=63; 0 is the foreground console). A
/// console, once opened, lives for good, as an allocated Linux VT.
pub fn vt(minor: u32) -> Arc<Tty> {
    let n = if minor == 0 { FG_CONSOLE } else { minor.min(MAX_NR_CONSOLES) };
    VTS.lock()
        .entry(n)
        .or_insert_with(|| {
            let mut termios = Termios::linux_default();
            termios.c_iflag |= IUTF8;
            let winsize = WinSize { ws_row: 25, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
            Tty::new(Sink::Discard, (4, n), termios, winsize, None)
        })
        .clone()
}

/// Is console `n` (1-based) open somewhere (Linux's `VT_IS_IN_USE`)?
pub fn in_use(n: u32) -> bool {
    VTS.lock().get(&n).is_some_and(|t| t.open_count() > 0)
}

/// The first console nobody has open (`VT_OPENQRY`), or -1.
pub fn first_free() -> i32 {
    (1..=MAX_NR_CONSOLES).find(|&n| !in_use(n)).map_or(-1, |n| n as i32)
}

/// `v_state` of `VT_GETSTATE`: bit 0, and bit N for each console N in use (up to 15).
pub fn state_bits() -> u16 {
    (1..16u32).filter(|&n| in_use(n)).fold(1u16, |acc, n| acc | (1 << n))
}
