//! Kernel self-tests of the virtio-blk driver, registered by `ktest` when the command line
//! has `ktest.disk` (`tests/ktest.py` then attaches two scratch disks).
//!
//! The disks: `vda`, writable, 32 MiB, and `vdb`, a read-only copy. Every sector `i` holds
//! `i` as a little-endian u64 followed by the bytes `(7 * i + j) & 0xff` for `j` in 8..512
//! (written by `tests/ktest.py`). Writes go to the upper half only, so the pattern in the
//! first 16 MiB stays intact for the other tests.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::Poll;

use kairos_abi::Errno;
use kairos_executor::{TraceKind, WakeSource};
use kairos_fs::block::{BlockDevice, SECTOR_SIZE};

use super::virtio_blk::VirtioBlk;
use crate::{sched, time};

type TestResult = Result<(), String>;
type TestFuture = Pin<Box<dyn Future<Output = TestResult> + Send>>;
/// A named test: its name and a constructor of its future (as `ktest` runs them).
pub type TestCase = (&'static str, fn() -> TestFuture);

/// Sectors at and above this one may be overwritten by the tests.
const SCRATCH: u64 = 32768;

macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(format!("check failed: {} ({}:{})", stringify!($cond), file!(), line!()));
        }
    };
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!("{} ({}:{})", format_args!($($msg)+), file!(), line!()));
        }
    };
}

/// The test cases: (name, constructor).
pub fn cases() -> Vec<TestCase> {
    vec![
        ("virtio_blk_read_known_sectors", || Box::pin(read_known_sectors())),
        ("virtio_blk_write_read_back", || Box::pin(write_read_back())),
        ("virtio_blk_concurrent_requests", || Box::pin(concurrent_requests())),
        ("virtio_blk_flush", || Box::pin(flush())),
        ("virtio_blk_errors", || Box::pin(errors())),
        ("virtio_blk_dropped_request", || Box::pin(dropped_request())),
        ("virtio_blk_throughput", || Box::pin(throughput())),
    ]
}

fn disk(index: usize) -> Result<Arc<VirtioBlk>, String> {
    super::virtio_disks().get(index).cloned().ok_or_else(|| format!("no virtio disk #{index} (need ktest.py's disks)"))
}

/// What the scratch image holds in sector `i`.
fn expected_sector(i: u64) -> [u8; SECTOR_SIZE] {
    let mut s = [0u8; SECTOR_SIZE];
    s[..8].copy_from_slice(&i.to_le_bytes());
    for (j, b) in s.iter_mut().enumerate().skip(8) {
        *b = (i.wrapping_mul(7) as usize + j) as u8;
    }
    s
}

fn check_pattern(first: u64, buf: &[u8]) -> TestResult {
    for (k, sector) in buf.chunks(SECTOR_SIZE).enumerate() {
        let i = first + k as u64;
        if sector != expected_sector(i) {
            return Err(format!("sector {i} does not hold the pattern (starts {:02x?})", &sector[..16]));
        }
    }
    Ok(())
}

/// A data pattern for writes, distinct per (seed, offset).
fn write_pattern(seed: u64, len: usize) -> Vec<u8> {
    (0..len).map(|j| (seed.wrapping_mul(31).wrapping_add(j as u64 / 3) ^ (j as u64 >> 9)) as u8).collect()
}

/// Polls every future until all are done: requests from one task, in flight together.
async fn join_all<T>(mut futs: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    out.into_iter().flatten().collect()
}

async fn read_known_sectors() -> TestResult {
    let vda = disk(0)?;
    check!(vda.sector_count() == 65536, "capacity {} sectors", vda.sector_count());
    check!(!vda.read_only());
    for &s in &[0u64, 1, 63, 64, 4095, 32767, 65535] {
        let mut buf = [0u8; SECTOR_SIZE];
        vda.read(s, &mut buf).await.map_err(|e| format!("read {s}: {e:?}"))?;
        check_pattern(s, &buf)?;
    }
    // Multi-sector reads, odd sizes and a transfer split into several virtio requests.
    for &(s, n) in &[(3u64, 5usize), (100, 8), (1000, 129), (2000, 1500)] {
        let mut buf = vec![0u8; n * SECTOR_SIZE];
        vda.read(s, &mut buf).await.map_err(|e| format!("read {s}+{n}: {e:?}"))?;
        check_pattern(s, &buf)?;
    }
    let vdb = disk(1)?;
    check!(vdb.read_only(), "vdb is not read-only");
    let mut buf = vec![0u8; 4096];
    vdb.read(77, &mut buf).await.map_err(|e| format!("vdb read: {e:?}"))?;
    check_pattern(77, &buf)?;
    check!(!vda.uses_interrupts() || vda.stats().interrupts > 0, "no interrupt taken: {:?}", vda.stats());
    Ok(())
}

async fn write_read_back() -> TestResult {
    let vda = disk(0)?;
    for (k, &(s, n)) in
        [(SCRATCH, 1usize), (SCRATCH + 10, 7), (SCRATCH + 100, 256), (SCRATCH + 1000, 1201)].iter().enumerate()
    {
        let data = write_pattern(k as u64 + 1, n * SECTOR_SIZE);
        vda.write(s, &data, k % 2 == 1).await.map_err(|e| format!("write {s}+{n}: {e:?}"))?;
        let mut back = vec![0u8; data.len()];
        vda.read(s, &mut back).await.map_err(|e| format!("read {s}+{n}: {e:?}"))?;
        check!(back == data, "sectors {s}+{n} read back differently");
    }
    // The neighbours of a write are untouched.
    let data = write_pattern(99, SECTOR_SIZE);
    vda.write(SCRATCH + 5000, &data, false).await.map_err(|e| format!("write: {e:?}"))?;
    let mut around = vec![0u8; 3 * SECTOR_SIZE];
    vda.read(SCRATCH + 4999, &mut around).await.map_err(|e| format!("read: {e:?}"))?;
    check_pattern(SCRATCH + 4999, &around[..SECTOR_SIZE])?;
    check!(around[SECTOR_SIZE..2 * SECTOR_SIZE] == data[..]);
    check_pattern(SCRATCH + 5001, &around[2 * SECTOR_SIZE..])?;
    Ok(())
}

async fn concurrent_requests() -> TestResult {
    const TASKS: u64 = 4;
    const PER_TASK: u64 = 8;
    let vda = disk(0)?;
    let before = vda.stats();
    let trace_start = time::now_ns();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let dev: Arc<dyn BlockDevice> = vda.clone();
        let h = sched::spawner()
            .spawn("vblk-test", async move {
                // Half reads of known data, half writes then reads of the task's own area.
                let mut reads: Vec<(u64, Vec<u8>)> = (0..PER_TASK / 2)
                    .map(|i| (t * 1000 + i * 97, vec![0u8; (1 + (i as usize % 4) * 8) * 512]))
                    .collect();
                let writes: Vec<(u64, Vec<u8>)> = (0..PER_TASK / 2)
                    .map(|i| (SCRATCH + 8000 + t * 1000 + i * 100, write_pattern(t * 100 + i, (1 + i as usize) * 4096)))
                    .collect();
                let mut futs: Vec<Pin<Box<dyn Future<Output = kairos_abi::Result<()>> + Send + '_>>> = Vec::new();
                for (s, buf) in reads.iter_mut() {
                    futs.push(dev.read(*s, buf));
                }
                for (s, data) in writes.iter() {
                    futs.push(dev.write(*s, data, false));
                }
                for r in join_all(futs).await {
                    r.map_err(|e| format!("request failed: {e:?}"))?;
                }
                for (s, buf) in &reads {
                    check_pattern(*s, buf)?;
                }
                for (s, data) in &writes {
                    let mut back = vec![0u8; data.len()];
                    dev.read(*s, &mut back).await.map_err(|e| format!("read back: {e:?}"))?;
                    check!(back == *data, "task {t}: sector {s} read back differently");
                }
                Ok::<(), String>(())
            })
            .map_err(|e| format!("spawn: {e:?}"))?;
        handles.push(h);
    }
    for h in handles {
        h.await.map_err(|e| format!("join: {e:?}"))??;
    }
    let after = vda.stats();
    check!(
        after.submitted - before.submitted >= TASKS * PER_TASK,
        "only {} requests",
        after.submitted - before.submitted
    );
    // Each request here takes 3 descriptors; a small queue makes the rest wait for space.
    let possible = u64::from(vda.queue_size() / 3).min(TASKS * PER_TASK);
    check!(
        after.max_in_flight >= possible.min(16),
        "at most {} requests were in flight at once (queue {})",
        after.max_in_flight,
        vda.queue_size()
    );
    check!(!vda.uses_interrupts() || after.interrupts > before.interrupts, "no interrupts: {after:?}");
    check!(after.table_entries == 0, "request table not empty: {after:?}");
    // The completion task's wakes are attributed to the interrupt in the executor trace.
    let irq = WakeSource::Irq(crate::irq::VIRTIO_BLK_VECTOR_BASE).encode();
    let irq_wakes =
        sched::spawner().trace().snapshot().iter().filter(|e| e.kind == TraceKind::Wake as u16 && e.a == irq).count();
    check!(!vda.uses_interrupts() || irq_wakes > 0, "no wake with source Irq(0x40) in the trace");
    log::info!(
        target: "ktest",
        "virtio-blk: {} requests, up to {} in flight, {} interrupts, {irq_wakes} IRQ wakes in {} us",
        after.submitted - before.submitted,
        after.max_in_flight,
        after.interrupts - before.interrupts,
        (time::now_ns() - trace_start) / 1000
    );
    Ok(())
}

async fn flush() -> TestResult {
    let vda = disk(0)?;
    let before = vda.stats();
    vda.flush().await.map_err(|e| format!("flush: {e:?}"))?;
    check!(vda.stats().submitted == before.submitted + 1, "flush did not reach the device");
    // FUA write = write + flush.
    let data = write_pattern(7, 4096);
    vda.write(SCRATCH + 6000, &data, true).await.map_err(|e| format!("fua write: {e:?}"))?;
    check!(vda.stats().submitted == before.submitted + 3, "FUA write was not a write + flush");
    // Read-only devices flush too (nothing to do).
    disk(1)?.flush().await.map_err(|e| format!("vdb flush: {e:?}"))?;
    Ok(())
}

async fn errors() -> TestResult {
    let vda = disk(0)?;
    let end = vda.sector_count();
    let mut buf = vec![0u8; 1024];
    let errno = |r: kairos_abi::Result<()>| r.err().map(|e| e.errno);
    check!(errno(vda.read(end, &mut buf[..512]).await) == Some(Errno::EIO), "read at the end");
    check!(errno(vda.read(end - 1, &mut buf).await) == Some(Errno::EIO), "read across the end");
    check!(errno(vda.read(u64::MAX, &mut buf).await) == Some(Errno::EIO), "read at u64::MAX");
    check!(errno(vda.write(end, &buf, false).await) == Some(Errno::EIO), "write past the end");
    check!(errno(vda.read(0, &mut buf[..100]).await) == Some(Errno::EINVAL), "partial sector");
    // The device itself rejects a request past its end: its status becomes EIO.
    check!(errno(vda.read_unchecked(end + 8, &mut buf).await) == Some(Errno::EIO), "device-side past-end read");
    // A read-only disk refuses writes with EROFS, before anything reaches the device.
    let vdb = disk(1)?;
    check!(errno(vdb.write(0, &buf, false).await) == Some(Errno::EROFS), "write to read-only vdb");
    // The device is still fine afterwards.
    vda.read(5, &mut buf).await.map_err(|e| format!("read after errors: {e:?}"))?;
    check_pattern(5, &buf)?;
    Ok(())
}

async fn dropped_request() -> TestResult {
    let vda = disk(0)?;
    let before = vda.stats();
    // Submit big reads and drop them while the device works on them: their bounce buffers
    // must stay with the driver until completion and then be freed.
    for round in 0..4u64 {
        let mut buf = vec![0u8; 256 * 1024];
        {
            let mut fut = vda.read(round * 512, &mut buf);
            let submitted = poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_pending())).await;
            check!(submitted, "the read completed at once");
        }
        // The buffer is ours again at once; the device may still be filling the bounce.
        buf.fill(0x5a);
    }
    // Later requests work, and the abandoned ones are reaped.
    let mut buf = vec![0u8; 8192];
    vda.read(16, &mut buf).await.map_err(|e| format!("read: {e:?}"))?;
    check_pattern(16, &buf)?;
    let deadline = time::now_ns() + 2_000_000_000;
    loop {
        let s = vda.stats();
        if s.completed == s.submitted && s.table_entries == 0 {
            break;
        }
        check!(time::now_ns() < deadline, "abandoned requests never reaped: {s:?}");
        sched::spawner().sleep(1_000_000).await;
    }
    check!(vda.stats().abandoned >= before.abandoned + 4, "{:?}", vda.stats());
    Ok(())
}

async fn throughput() -> TestResult {
    const TOTAL: usize = 16 << 20;
    const REQ: usize = 128 << 10;
    let vda = disk(0)?;
    let mut buf = vec![0u8; REQ];
    // One request at a time.
    let start = time::now_ns();
    for k in 0..TOTAL / REQ {
        let s = (k * REQ / SECTOR_SIZE) as u64;
        vda.read(s, &mut buf).await.map_err(|e| format!("read {s}: {e:?}"))?;
        if k % 16 == 0 {
            check_pattern(s, &buf[..SECTOR_SIZE])?;
        }
    }
    let serial_ns = (time::now_ns() - start).max(1);
    // The last request's data, all of it (outside the timed loop's spot checks).
    check_pattern(((TOTAL - REQ) / SECTOR_SIZE) as u64, &buf)?;
    // Four requests in flight.
    let mut bufs = vec![vec![0u8; REQ]; 4];
    let start = time::now_ns();
    for k in (0..TOTAL / REQ).step_by(4) {
        let futs = bufs
            .iter_mut()
            .enumerate()
            .map(|(i, b)| vda.read(((k + i) * REQ / SECTOR_SIZE) as u64, b))
            .collect::<Vec<_>>();
        for r in join_all(futs).await {
            r.map_err(|e| format!("read: {e:?}"))?;
        }
    }
    let parallel_ns = (time::now_ns() - start).max(1);
    let last_round = TOTAL / REQ - 4;
    for (i, b) in bufs.iter().enumerate() {
        check_pattern(((last_round + i) * REQ / SECTOR_SIZE) as u64, b)?;
    }
    // MB/s in tenths, integer arithmetic (the kernel is soft-float).
    let tenths = |ns: u64| TOTAL as u64 * 10 / (ns / 1000).max(1);
    let (a, b) = (tenths(serial_ns), tenths(parallel_ns));
    crate::kprintln!(
        "ktest: virtio_blk_throughput: 16 MiB in 128 KiB reads: {}.{} MB/s one at a time, {}.{} MB/s with 4 in flight",
        a / 10,
        a % 10,
        b / 10,
        b % 10
    );
    Ok(())
}
