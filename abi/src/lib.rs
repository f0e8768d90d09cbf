//! `kairos-abi`: the Linux x86_64 user/kernel ABI, as plain data.
//!
//! This crate owns every number and every memory layout that crosses the
//! user/kernel boundary of Kairos: errno values, syscall numbers, signal
//! numbers and frames, `#[repr(C)]` structures copied to and from user
//! memory, and the flag words of the syscalls. Linux x86_64 is the reference
//! and the spelling follows Linux (`EINVAL`, `O_CREAT`, `SYS_READ`, …), so
//! code reads like the man pages.
//!
//! It holds no logic beyond small helpers (name look-ups, `siginfo_t`
//! accessors, the signal-frame placement rule) and has no `unsafe`: structs
//! that are copied byte-wise derive [`bytemuck::Pod`], so the kernel can use
//! `bytemuck::bytes_of` / `pod_read_unaligned` on them.
//!
//! The numbers are checked against the host's C headers by the test in
//! `src/c_check.rs` (`cargo test -p kairos-abi`).
//!
//! Modules:
//! - [`errno`](mod@errno): [`Errno`], [`Error`], [`Result`], [`return_errno!`].
//! - [`syscall`]: `SYS_*` numbers and [`syscall::syscall_name`].
//! - [`signal`]: signal numbers, [`signal::SigSet`], `sigaction`, `siginfo_t`,
//!   `sigcontext`, `ucontext`, and the `rt_sigframe` layout.
//! - [`types`]: structs such as [`types::Stat`], [`types::Timespec`],
//!   [`types::Rusage`], with their constants.
//! - [`termios`]: `struct termios`, its flag bits, and the tty ioctls.
//! - [`flags`]: bitflags and constants of the syscall flag words.
//! - [`at`]: `AT_*` flags of the `*at()` syscalls.
//! - [`auxv`]: `AT_*` keys of the ELF auxiliary vector.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

/// Defines a group of `pub const` items of one type and a table
/// `&[(&str, i64)]` of their names and values (for tracing and for the
/// C-header test).
///
/// Every constant gets a generated doc line naming its Linux spelling; doc
/// comments written before a constant are kept too.
macro_rules! abi_consts {
    (
        $(#[$tm:meta])*
        table $table:ident: $ty:ty {
            $( $(#[$m:meta])* $name:ident = $val:expr ),* $(,)?
        }
    ) => {
        $(
            #[doc = concat!("Linux `", stringify!($name), "` = `", stringify!($val), "`.")]
            #[doc = ""]
            $(#[$m])*
            pub const $name: $ty = $val;
        )*

        $(#[$tm])*
        #[doc = ""]
        #[doc = "Name/value table of the constants above (values widened to `i64`)."]
        pub const $table: &[(&str, i64)] = &[ $( (stringify!($name), $name as i64) ),* ];
    };
}

pub mod at;
pub mod auxv;
pub mod errno;
pub mod flags;
pub mod signal;
pub mod syscall;
pub mod termios;
pub mod types;

#[cfg(test)]
mod c_check;

pub use errno::{Errno, Error, Result};
