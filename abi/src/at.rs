//! `AT_*` constants of the `*at()` syscalls (openat, fstatat, unlinkat,
//! linkat, statx, faccessat2, ...): the `AT_FDCWD` pseudo-descriptor and
//! the `flags` bits, as constants and as the [`AtFlags`] bitflags.
//!
//! Each syscall accepts a different subset; check with
//! `flags & !ALLOWED != 0 → EINVAL`. Note that `AT_EACCESS` and
//! `AT_REMOVEDIR` share a value (they belong to different syscalls).
//!
//! The unrelated `AT_*` keys of the ELF auxiliary vector live in
//! [`crate::auxv`].

use bitflags::bitflags;

/// "Relative to the current working directory" as a dirfd.
pub const AT_FDCWD: i32 = -100;

abi_consts! {
    /// `flags` bits of the `*at()` syscalls.
    table AT_FLAG_BITS: u32 {
        /// Don't follow a final symlink.
        AT_SYMLINK_NOFOLLOW = 0x100,
        /// faccessat: use the effective ids.
        AT_EACCESS = 0x200,
        /// unlinkat: remove a directory.
        AT_REMOVEDIR = 0x200,
        /// linkat: follow a final symlink.
        AT_SYMLINK_FOLLOW = 0x400,
        /// Don't trigger automounts.
        AT_NO_AUTOMOUNT = 0x800,
        /// An empty path means the dirfd itself.
        AT_EMPTY_PATH = 0x1000,
        /// statx: mask of the sync type.
        AT_STATX_SYNC_TYPE = 0x6000,
        /// statx: do what stat does.
        AT_STATX_SYNC_AS_STAT = 0x0000,
        /// statx: force a sync with the server.
        AT_STATX_FORCE_SYNC = 0x2000,
        /// statx: don't sync.
        AT_STATX_DONT_SYNC = 0x4000,
        /// Apply to the whole subtree (mount_setattr, open_tree).
        AT_RECURSIVE = 0x8000,
    }
}

bitflags! {
    /// The `*at()` flag bits as bitflags (union of all syscalls' bits).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct AtFlags: u32 {
        /// Don't follow a final symlink.
        const AT_SYMLINK_NOFOLLOW = AT_SYMLINK_NOFOLLOW;
        /// faccessat: use the effective ids.
        const AT_EACCESS = AT_EACCESS;
        /// unlinkat: remove a directory.
        const AT_REMOVEDIR = AT_REMOVEDIR;
        /// linkat: follow a final symlink.
        const AT_SYMLINK_FOLLOW = AT_SYMLINK_FOLLOW;
        /// Don't trigger automounts.
        const AT_NO_AUTOMOUNT = AT_NO_AUTOMOUNT;
        /// An empty path means the dirfd itself.
        const AT_EMPTY_PATH = AT_EMPTY_PATH;
        /// statx: force a sync.
        const AT_STATX_FORCE_SYNC = AT_STATX_FORCE_SYNC;
        /// statx: don't sync.
        const AT_STATX_DONT_SYNC = AT_STATX_DONT_SYNC;
        /// Whole subtree.
        const AT_RECURSIVE = AT_RECURSIVE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(AT_FDCWD, -100);
        assert_eq!(AtFlags::from_bits(0x1100), Some(AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW));
        assert_eq!(AtFlags::from_bits(0x1), None);
        assert_eq!(AT_STATX_SYNC_TYPE, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC);
    }
}
