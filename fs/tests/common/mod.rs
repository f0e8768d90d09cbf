//! Shared helpers of the kairos-fs integration tests: a `block_on` for the
//! (always ready) futures of tmpfs, a fake clock, and a tmpfs + VFS fixture.
#![allow(dead_code)]

use std::{
    future::Future,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    task::{Context, Poll, Waker},
};

use kairos_abi::{Errno, Result, flags::OpenFlags, types::Timespec};
use kairos_fs::{FileType, Inode, PathCtx, Tmpfs, Vfs, tmpfs::TmpfsOptions};

/// Polls `f` once: every future over tmpfs completes immediately.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future over tmpfs was pending"),
    }
}

/// The errno of a failed result (panics on success).
#[track_caller]
pub fn errno<T>(r: Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e.errno,
    }
}

/// A clock tests move by hand (seconds).
#[derive(Clone, Default)]
pub struct FakeClock(pub Arc<AtomicI64>);

impl FakeClock {
    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
    pub fn now(&self) -> Timespec {
        Timespec::new(self.0.load(Ordering::SeqCst), 0)
    }
    pub fn clock(&self) -> Arc<dyn kairos_fs::vfs::Clock> {
        let c = self.0.clone();
        Arc::new(move || Timespec::new(c.load(Ordering::SeqCst), 0))
    }
}

/// A tmpfs mounted as the root of a VFS.
pub struct Fx {
    pub clock: FakeClock,
    pub fs: Tmpfs,
    pub vfs: Vfs,
    pub root: Arc<dyn Inode>,
}

impl Fx {
    pub fn new() -> Fx {
        Fx::with_options(TmpfsOptions::default())
    }

    pub fn with_options(options: TmpfsOptions) -> Fx {
        let clock = FakeClock::default();
        clock.set(1000);
        let fs = Tmpfs::with_options(clock.clock(), options);
        let root = fs.root();
        let vfs = Vfs::new(root.clone());
        Fx { clock, fs, vfs, root }
    }

    pub fn cx(&self) -> PathCtx<'_> {
        PathCtx::new(&self.root, &self.root)
    }

    pub fn resolve(&self, path: &str) -> Result<Arc<dyn Inode>> {
        block_on(self.vfs.resolve(&self.cx(), path, true))
    }

    pub fn lresolve(&self, path: &str) -> Result<Arc<dyn Inode>> {
        block_on(self.vfs.resolve(&self.cx(), path, false))
    }

    pub fn resolve_from(&self, start: &Arc<dyn Inode>, path: &str) -> Result<Arc<dyn Inode>> {
        block_on(self.vfs.resolve(&self.cx().at(start), path, true))
    }

    pub fn mkdir(&self, path: &str) -> Arc<dyn Inode> {
        block_on(self.vfs.mkdir(&self.cx(), path, 0o755)).unwrap_or_else(|e| panic!("mkdir {path}: {e}"))
    }

    pub fn symlink(&self, target: &str, path: &str) -> Arc<dyn Inode> {
        block_on(self.vfs.symlink(&self.cx(), target, path)).unwrap_or_else(|e| panic!("symlink {path}: {e}"))
    }

    pub fn create(&self, path: &str, data: &[u8]) -> Arc<dyn Inode> {
        let (f, _) = block_on(self.vfs.open(&self.cx(), path, OpenFlags::O_CREAT | OpenFlags::O_WRONLY, 0o644))
            .unwrap_or_else(|e| panic!("create {path}: {e}"));
        assert_eq!(block_on(f.write_at(0, data)).unwrap(), data.len());
        f
    }

    pub fn read(&self, path: &str) -> Vec<u8> {
        read_all(&self.resolve(path).unwrap())
    }

    pub fn exists(&self, path: &str) -> bool {
        self.lresolve(path).is_ok()
    }
}

/// The whole contents of a file.
pub fn read_all(f: &Arc<dyn Inode>) -> Vec<u8> {
    let size = f.metadata().size as usize;
    let mut buf = vec![0xAAu8; size + 10];
    let n = block_on(f.read_at(0, &mut buf)).unwrap();
    assert_eq!(n, size);
    buf.truncate(n);
    buf
}

/// All names of a directory, in readdir order, with "." and "..".
pub fn list(dir: &Arc<dyn Inode>) -> Vec<String> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Some((e, next)) = block_on(dir.readdir(off)).unwrap() {
        assert!(next > off, "readdir offsets must increase");
        out.push(e.name);
        off = next;
    }
    out
}

/// Same file?
pub fn same(a: &Arc<dyn Inode>, b: &Arc<dyn Inode>) -> bool {
    kairos_fs::vfs::same_inode(&**a, &**b)
}

pub fn kind(i: &Arc<dyn Inode>) -> FileType {
    i.file_type()
}
