//! Kernel clocks: a TSC-based monotonic clock calibrated at boot, and the real-time clock
//! (RTC at boot plus monotonic time since).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::cpu::rdtsc;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_BASE: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds per TSC tick as a 32.32 fixed-point number.
static NS_PER_TICK_FP: AtomicU64 = AtomicU64::new(0);
static BOOT_UNIX_NS: AtomicU64 = AtomicU64::new(0);

/// Starts the monotonic clock at zero now, ticking at `tsc_hz`.
pub fn init(tsc_hz: u64, unix_seconds_at_boot: u64) {
    TSC_HZ.store(tsc_hz, Ordering::Relaxed);
    NS_PER_TICK_FP.store(((1_000_000_000u128 << 32) / u128::from(tsc_hz.max(1))) as u64, Ordering::Relaxed);
    TSC_BASE.store(rdtsc(), Ordering::Relaxed);
    BOOT_UNIX_NS.store(unix_seconds_at_boot * 1_000_000_000, Ordering::Relaxed);
}

/// TSC frequency in Hz (0 before calibration).
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Converts a TSC delta to nanoseconds.
pub fn ticks_to_ns(ticks: u64) -> u64 {
    ((u128::from(ticks) * u128::from(NS_PER_TICK_FP.load(Ordering::Relaxed))) >> 32) as u64
}

/// Nanoseconds since the clock started (CLOCK_MONOTONIC).
pub fn now_ns() -> u64 {
    ticks_to_ns(rdtsc().saturating_sub(TSC_BASE.load(Ordering::Relaxed)))
}

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
pub fn realtime_ns() -> u64 {
    BOOT_UNIX_NS.load(Ordering::Relaxed) + now_ns()
}

/// Sets CLOCK_REALTIME (`clock_settime`, `settimeofday`).
pub fn set_realtime_ns(ns: u64) {
    BOOT_UNIX_NS.store(ns.saturating_sub(now_ns()), Ordering::Relaxed);
}
