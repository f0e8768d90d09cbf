//! ext4 durability and concurrency: write-back through the jbd2 journal
//! interrupted after every possible number of device writes (a crash),
//! then recovered by the next mount and checked by `e2fsck -fn`; and
//! several tasks running operations concurrently over a disk whose every
//! request yields once (so they interleave at each await).

mod ext4_support;

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Waker},
};

use ext4_support::*;
use kairos_abi::Result;
use kairos_fs::{
    FileType, Inode, SetAttr,
    block::{BlockDevice, MemDisk},
    ext4::Ext4,
    vfs::BoxFuture,
};

fn populated() -> (TempDir, Vec<u8>) {
    let t = TempDir::new("jtree");
    for i in 0..30 {
        std::fs::create_dir_all(t.path().join(format!("d{}", i % 6))).unwrap();
        std::fs::write(t.path().join(format!("d{}/f{i}", i % 6)), vec![i as u8; i * 1500]).unwrap();
    }
    let img = mkfs("-t ext4 -b 1024", 16, Some(t.path()));
    (t, img)
}

/// A batch of metadata and data changes.
fn workload(root: &Arc<dyn Inode>, round: usize) {
    let d0 = walk(root, "d0").unwrap();
    let n = block_on(d0.create(&format!("new{round}"), FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    block_on(n.write_at(0, &vec![round as u8; 50_000])).unwrap();
    let d = block_on(root.create(&format!("dir{round}"), FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    block_on(walk(root, "d1").unwrap().rename(&format!("f{}", 1 + 6 * (round % 4)), &d, "moved", 0)).ok();
    block_on(walk(root, "d2").unwrap().unlink(&format!("f{}", 2 + 6 * (round % 4)))).ok();
    let f = walk(root, "d3/f9").unwrap();
    block_on(f.setattr_async(&SetAttr { size: Some(100 + round as u64), ..SetAttr::default() })).unwrap();
    block_on(f.write_at(20_000, b"grown")).unwrap();
}

#[test]
fn crash_at_every_write_of_a_writeback_recovers() {
    let (_t, img) = populated();
    // How many device writes does one write-back take?
    let total = {
        let (disk, fs) = mount(img.clone());
        workload(&fs.root(), 0);
        let before = disk.stats().writes;
        block_on(fs.sync_fs()).unwrap();
        disk.stats().writes - before
    };
    assert!(total > 5, "a write-back issues several writes ({total})");
    let mut recovered = 0;
    for cut in 0..=total {
        let (disk, fs) = mount(img.clone());
        let root = fs.root();
        workload(&root, 0);
        disk.fail_writes_after(Some(cut));
        let r = block_on(fs.sync_fs());
        assert_eq!(r.is_ok(), cut >= total, "cut {cut} of {total}");
        drop(root);
        // The machine dies: take the disk as it is.
        let crashed = disk.to_bytes();
        drop(fs);
        let (disk2, fs2) = mount(crashed);
        let root2 = fs2.root();
        // Either the whole batch or none of its metadata is there.
        let has_new = lookup(&walk(&root2, "d0").unwrap(), "new0").is_ok();
        let has_dir = lookup(&root2, "dir0").is_ok();
        assert_eq!(has_new, has_dir, "cut {cut}: transaction is atomic");
        if has_new {
            recovered += 1;
            assert_eq!(read_all(&walk(&root2, "d0/new0").unwrap()), vec![0u8; 50_000]);
        }
        drop(root2);
        let after = unmount(&disk2, &fs2);
        assert_fsck_clean(&after);
    }
    assert!(recovered > 0, "some cuts happen after the commit");
}

/// A disk whose every request returns `Pending` once before completing.
struct YieldingDisk(Arc<MemDisk>);

struct YieldOnce<F> {
    yielded: bool,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for YieldOnce<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if !self.yielded {
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.inner.as_mut().poll(cx)
    }
}

impl BlockDevice for YieldingDisk {
    fn sector_count(&self) -> u64 {
        self.0.sector_count()
    }
    fn read_only(&self) -> bool {
        false
    }
    fn read<'a>(&'a self, sector: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<()>> {
        Box::pin(YieldOnce { yielded: false, inner: Box::pin(self.0.read(sector, buf)) })
    }
    fn write<'a>(&'a self, sector: u64, buf: &'a [u8], fua: bool) -> BoxFuture<'a, Result<()>> {
        Box::pin(YieldOnce { yielded: false, inner: Box::pin(self.0.write(sector, buf, fua)) })
    }
    fn flush(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(YieldOnce { yielded: false, inner: Box::pin(self.0.flush()) })
    }
}

/// Polls all tasks round-robin until they finish.
fn run_all(mut tasks: Vec<Pin<Box<dyn Future<Output = ()> + '_>>>) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut spins = 0u64;
    while !tasks.is_empty() {
        tasks.retain_mut(|t| t.as_mut().poll(&mut cx).is_pending());
        spins += 1;
        assert!(spins < 50_000_000, "tasks never finished (deadlock?)");
    }
}

#[test]
fn concurrent_tasks_interleave_safely() {
    let (_t, img) = populated();
    let mem = MemDisk::from_bytes(img, false).shared();
    let dev = Arc::new(YieldingDisk(mem.clone()));
    let mut o = options(false);
    o.cache_blocks = 64; // Force evictions and re-reads under concurrency.
    let fs = block_on(Ext4::mount(dev, o)).unwrap();
    let root = fs.root();
    let stop = AtomicBool::new(false);
    let mut tasks: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = Vec::new();
    for w in 0..3 {
        let root = root.clone();
        tasks.push(Box::pin(async move {
            let d = root.create(&format!("w{w}"), FileType::Directory, 0o755, 0, 0, 0).await.unwrap();
            for i in 0..40 {
                let f = d.create(&format!("f{i}"), FileType::Regular, 0o644, 0, 0, 0).await.unwrap();
                f.write_at(0, &vec![(w * 40 + i) as u8; 3000 + i * 100]).await.unwrap();
                if i % 3 == 0 {
                    d.rename(&format!("f{i}"), &root, &format!("w{w}-f{i}"), 0).await.unwrap();
                }
                if i % 5 == 0 {
                    f.setattr_async(&SetAttr { size: Some(10), ..SetAttr::default() }).await.unwrap();
                }
            }
        }));
    }
    let readers_root = root.clone();
    let stop_ref = &stop;
    tasks.push(Box::pin(async move {
        let mut rounds = 0;
        while !stop_ref.load(Ordering::Relaxed) || rounds < 5 {
            rounds += 1;
            let mut off = 0;
            while let Some((e, next)) = readers_root.readdir(off).await.unwrap() {
                off = next;
                if let Ok(c) = readers_root.lookup(&e.name).await
                    && c.file_type() == FileType::Regular
                {
                    let mut buf = vec![0u8; 8192];
                    c.read_at(0, &mut buf).await.unwrap();
                }
            }
            if rounds > 200 {
                break;
            }
        }
    }));
    let syncer = fs.clone();
    tasks.push(Box::pin(async move {
        for _ in 0..10 {
            syncer.sync_fs().await.unwrap();
        }
        stop_ref.store(true, Ordering::Relaxed);
    }));
    run_all(tasks);
    for w in 0..3 {
        let d = walk(&root, &format!("w{w}")).unwrap();
        for i in 0..40 {
            let f = if i % 3 == 0 { walk(&root, &format!("w{w}-f{i}")) } else { lookup(&d, &format!("f{i}")) }.unwrap();
            let len = if i % 5 == 0 { 10 } else { 3000 + i * 100 };
            assert_eq!(read_all(&f), vec![(w * 40 + i) as u8; len], "w{w}/f{i}");
        }
    }
    drop(root);
    block_on(fs.unmount()).unwrap();
    assert_fsck_clean(&mem.to_bytes());
}
