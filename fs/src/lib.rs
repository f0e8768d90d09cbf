//! Kairos filesystems: the VFS object model, the mount table and path
//! walker, tmpfs, the cpio (initramfs) unpacker, the ext4 driver and its jbd2 journal.
//!
//! This crate is pure: it never touches hardware and never depends on the
//! kernel. It reaches storage only through traits, so plain `cargo test` on
//! the host runs it against in-memory filesystems and real archives.
//!
//! Modules:
//! - [`vfs`]: the [`Inode`] trait every filesystem implements
//!   (async, dyn-compatible) and its data types ([`Metadata`],
//!   [`SetAttr`], [`DirEntry`], ...).
//! - [`path`]: [`Vfs`]: mounts, path resolution, getcwd paths,
//!   and the namespace syscalls' semantics (open/mkdir/unlink/rename/...).
//! - [`tmpfs`]: the in-memory filesystem.
//! - [`block`]: the async [`BlockDevice`](block::BlockDevice) trait and the
//!   in-memory [`MemDisk`](block::MemDisk).
//! - [`cpio`]: newc archive parser and [`populate`](cpio::populate).
//! - [`ext4`]: the ext4 driver ([`Ext4`](ext4::Ext4)): mount, read, write,
//!   metadata checksums, buffer cache, journaled write-back.
//! - [`jbd2`]: the ext4 journal: recovery (replay) and transaction commits.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod block;
pub mod cpio;
pub mod ext4;
pub mod jbd2;
pub mod path;
pub mod tmpfs;
pub mod vfs;

pub use path::{PathCtx, Vfs};
pub use tmpfs::Tmpfs;
pub use vfs::{BoxFuture, DirEntry, FileType, Inode, Metadata, SetAttr, TimeSet};
