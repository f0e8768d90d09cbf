//! An strace-like view: `strace=PID[,PID…]` (or `strace=all`) on the kernel command line
//! prints `pid tid name(args) = result` for every syscall of the chosen processes to the
//! kernel log.

use alloc::vec::Vec;

use kairos_abi::Errno;
use kairos_abi::syscall::syscall_name;

use crate::proc::Thread;

static PIDS: spin::Once<(bool, Vec<u32>)> = spin::Once::new();

/// Reads the `strace=` option.
pub fn init(opts: &crate::cmdline::Options) {
    let spec = opts.get("strace").unwrap_or("");
    let all = spec == "all";
    let pids = spec.split(',').filter_map(|p| p.parse().ok()).collect();
    PIDS.call_once(|| (all, pids));
}

/// Is process `pid` traced?
pub fn enabled_for(pid: u32) -> bool {
    PIDS.get().is_some_and(|(all, pids)| *all || pids.contains(&pid))
}

/// Prints one syscall line.
pub fn print(t: &Thread, nr: usize, a: &[u64; 6], ret: isize) {
    let name = syscall_name(nr).unwrap_or("?");
    let result = if ret < 0 && ret > -4096 {
        match Errno::from_i32((-ret) as i32) {
            Some(e) => alloc::format!("-1 {} ({})", e.name(), e.description()),
            None => alloc::format!("{ret}"),
        }
    } else if ret > 0xffff {
        alloc::format!("{ret:#x}")
    } else {
        alloc::format!("{ret}")
    };
    log::info!(target: "strace", "{} {} {name}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {result}", t.process.pid, t.tid(), a[0], a[1], a[2], a[3], a[4], a[5]);
}
