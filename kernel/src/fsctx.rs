//! The VFS instance and each thread's filesystem context (root, cwd, umask), shared between
//! threads created with `CLONE_FS`.

use alloc::sync::Arc;

use kairos_fs::path::{PathCtx, Vfs};
use kairos_fs::vfs::{Credentials, Inode};

/// Root directory, working directory and file-creation mask of a thread.
#[derive(Clone)]
pub struct FsContext {
    /// Process root (chroot).
    pub root: Arc<dyn Inode>,
    /// Working directory.
    pub cwd: Arc<dyn Inode>,
    /// File mode creation mask.
    pub umask: u32,
}

static VFS: spin::Once<Vfs> = spin::Once::new();

/// Installs the root filesystem.
pub fn init(root: Arc<dyn Inode>) -> &'static Vfs {
    VFS.call_once(|| Vfs::new(root))
}

/// The VFS (mount table, path walk).
pub fn vfs() -> &'static Vfs {
    VFS.get().expect("VFS used before fsctx::init")
}

static ROOT_CRED: Credentials = Credentials::ROOT;

impl FsContext {
    /// The context of the first process: root and cwd at the VFS root, umask 022.
    pub fn initial() -> FsContext {
        let root = vfs().root();
        FsContext { cwd: root.clone(), root, umask: 0o022 }
    }

    /// A path-resolution context relative to `start` (the cwd or a dirfd's directory).
    pub fn path_ctx<'a>(&'a self, start: &'a Arc<dyn Inode>) -> PathCtx<'a> {
        PathCtx { root: &self.root, cwd: start, cred: &ROOT_CRED, umask: self.umask }
    }
}
