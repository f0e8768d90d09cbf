//! Kairos filesystems: the ext4 driver, in-memory filesystems and the VFS types they share.
//!
//! This crate is pure: it never touches hardware and never depends on the kernel. It reaches
//! storage only through a block-device trait, so plain `cargo test` on the host runs it against
//! in-memory devices and real images made by `mke2fs`.
//!
//! Status: empty. The storage issue fills it; nothing here claims to work yet.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
