//! Architecture support. Kairos runs on x86_64 only; the rest of the kernel reaches hardware
//! through this module.

pub mod x86_64;

pub use self::x86_64::*;
