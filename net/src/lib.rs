//! Kairos networking: sockets over smoltcp.
//!
//! Pure like `fs/`: it reaches a network card only through a device trait and never depends on
//! the kernel, so it is testable on the host.
//!
//! Status: empty. Nothing here claims to work yet.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
