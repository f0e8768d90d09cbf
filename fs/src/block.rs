//! Block devices as the filesystems see them: the async [`BlockDevice`]
//! trait (implemented by the kernel's virtio-blk driver and, for host tests,
//! by [`MemDisk`]), addressed in 512-byte sectors.
//!
//! Contract shared by every implementation:
//! - `buf.len()` is a multiple of [`SECTOR_SIZE`]; a request past the end of
//!   the device fails with `EIO` (Linux returns `EIO` for I/O beyond the end).
//! - A write to a read-only device fails with `EROFS`; a device error is
//!   `EIO`. Nothing panics on bad input.
//! - Several requests may be in flight at once (each future is independent);
//!   completion order is not guaranteed, so a caller that needs ordering
//!   awaits one request before issuing the next, or calls [`BlockDevice::flush`].
//! - `write(.., fua = true)` completes only once the data is on stable
//!   storage; `flush` makes every write completed before it stable.
//! - Dropping a future cancels the wait, not necessarily the request: a
//!   dropped write may still reach the disk.

use alloc::{sync::Arc, vec, vec::Vec};

use kairos_abi::{Errno, Error, Result};
use spin::Mutex;

use crate::vfs::{BoxFuture, ready};

/// Bytes per sector: the unit of every [`BlockDevice`] address and length.
pub const SECTOR_SIZE: usize = 512;

/// An async random-access block device.
pub trait BlockDevice: Send + Sync {
    /// Capacity in 512-byte sectors.
    fn sector_count(&self) -> u64;

    /// True if writes fail with `EROFS`.
    fn read_only(&self) -> bool;

    /// Reads `buf.len()` bytes starting at `sector`.
    fn read<'a>(&'a self, sector: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<()>>;

    /// Writes `buf` starting at `sector`; with `fua` the write is durable when
    /// the future completes.
    fn write<'a>(&'a self, sector: u64, buf: &'a [u8], fua: bool) -> BoxFuture<'a, Result<()>>;

    /// Makes every completed write durable (a cache flush).
    fn flush(&self) -> BoxFuture<'_, Result<()>>;
}

/// Checks a request against the contract: whole sectors, inside the device.
pub fn check_request(dev_sectors: u64, sector: u64, len: usize) -> Result<()> {
    if !len.is_multiple_of(SECTOR_SIZE) {
        return Err(Error::new(Errno::EINVAL));
    }
    let count = (len / SECTOR_SIZE) as u64;
    match sector.checked_add(count) {
        Some(end) if end <= dev_sectors => Ok(()),
        _ => Err(Error::new(Errno::EIO)),
    }
}

/// An in-memory disk (host tests, ramdisks). Counts requests so tests can
/// check caching, and can be switched read-only or made to fail.
pub struct MemDisk {
    data: Mutex<Vec<u8>>,
    read_only: bool,
    fail_writes_after: Mutex<Option<u64>>,
    stats: Mutex<DiskStats>,
}

/// Request counters of a [`MemDisk`].
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct DiskStats {
    /// Read requests served.
    pub reads: u64,
    /// Write requests served.
    pub writes: u64,
    /// Flushes (and FUA writes).
    pub flushes: u64,
}

impl MemDisk {
    /// A zero-filled disk of `sectors` sectors.
    pub fn new(sectors: u64) -> MemDisk {
        MemDisk::from_bytes(vec![0; sectors as usize * SECTOR_SIZE], false)
    }

    /// A disk holding `bytes` (rounded up to whole sectors with zeros).
    pub fn from_bytes(mut bytes: Vec<u8>, read_only: bool) -> MemDisk {
        let rounded = bytes.len().div_ceil(SECTOR_SIZE) * SECTOR_SIZE;
        bytes.resize(rounded, 0);
        MemDisk {
            data: Mutex::new(bytes),
            read_only,
            fail_writes_after: Mutex::new(None),
            stats: Mutex::new(DiskStats::default()),
        }
    }

    /// A copy of the whole disk.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.data.lock().clone()
    }

    /// Request counters so far.
    pub fn stats(&self) -> DiskStats {
        *self.stats.lock()
    }

    /// After `n` more successful writes, every write fails with `EIO` and is
    /// dropped (simulates the machine dying mid-workload); `None` heals it.
    pub fn fail_writes_after(&self, n: Option<u64>) {
        *self.fail_writes_after.lock() = n;
    }

    /// Wraps the disk for sharing.
    pub fn shared(self) -> Arc<MemDisk> {
        Arc::new(self)
    }
}

impl BlockDevice for MemDisk {
    fn sector_count(&self) -> u64 {
        (self.data.lock().len() / SECTOR_SIZE) as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read<'a>(&'a self, sector: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<()>> {
        let data = self.data.lock();
        let result = check_request((data.len() / SECTOR_SIZE) as u64, sector, buf.len()).map(|()| {
            let start = sector as usize * SECTOR_SIZE;
            buf.copy_from_slice(&data[start..start + buf.len()]);
            self.stats.lock().reads += 1;
        });
        ready(result)
    }

    fn write<'a>(&'a self, sector: u64, buf: &'a [u8], fua: bool) -> BoxFuture<'a, Result<()>> {
        if self.read_only {
            return ready(Err(Error::new(Errno::EROFS)));
        }
        {
            let mut budget = self.fail_writes_after.lock();
            if let Some(n) = budget.as_mut() {
                if *n == 0 {
                    return ready(Err(Error::new(Errno::EIO)));
                }
                *n -= 1;
            }
        }
        let mut data = self.data.lock();
        let result = check_request((data.len() / SECTOR_SIZE) as u64, sector, buf.len()).map(|()| {
            let start = sector as usize * SECTOR_SIZE;
            data[start..start + buf.len()].copy_from_slice(buf);
            let mut stats = self.stats.lock();
            stats.writes += 1;
            if fua {
                stats.flushes += 1;
            }
        });
        ready(result)
    }

    fn flush(&self) -> BoxFuture<'_, Result<()>> {
        self.stats.lock().flushes += 1;
        ready(Ok(()))
    }
}
