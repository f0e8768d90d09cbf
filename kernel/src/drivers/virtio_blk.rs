//! The virtio-blk driver (virtio 1.x, modern PCI transport, one split request queue),
//! asynchronous and interrupt-driven, implementing [`kairos_fs::block::BlockDevice`].
//!
//! # Request path
//! A request future copies (for writes) the caller's data into a driver-owned bounce buffer
//! ([`DmaBuffer`], contiguous frames), waits as a future for free descriptors, puts a chain
//! `header → data → status` on the available ring, notifies the device and returns
//! `Pending`. Its entry in the request table then owns the bounce buffer until the device has
//! completed the request, whether or not the future is still alive: a dropped future marks its
//! entry abandoned, and the completion frees it. So the device never writes memory that
//! Rust code could have freed or reused — the price is one copy per request.
//!
//! # Completion path
//! MSI-X entry 0 is programmed with this disk's vector (`irq::VIRTIO_BLK_VECTOR_BASE + n`).
//! The interrupt handler ([`on_interrupt`]) does only what interrupt context may: it counts
//! the interrupt and wakes the disk's completion task by id through the executor's
//! [`WakeHandle`] (`WakeSource::Irq(vector)`, so the trace shows the interrupt as the wake
//! source) — atomics only, no lock, no allocation, no `Waker`. The completion task, in task
//! context, pops the used ring under the device lock, records each request's status, and wakes
//! the request futures' `Waker`s (and any future waiting for descriptors). A dedicated task
//! rather than "whichever request future polls next" keeps this correct under any future
//! combinator (a sub-future's `Waker` is not the task's id) and frees abandoned requests even
//! when no request future is left.
//! Without MSI-X (e.g. `-device virtio-blk-pci,vectors=0`) the disk interrupts through INTx,
//! routed level-triggered via the I/O APIC on q35 (`pci::legacy_gsi`); the handler then also
//! reads the ISR register, which acknowledges and lowers the line. Where neither works, the
//! completion task polls the used ring every millisecond while requests are in flight.
//!
//! # Features
//! `VERSION_1` (required), `RO` (writes fail with `EROFS`), `FLUSH` (else `flush` is a no-op:
//! the device has no volatile cache to flush), `SEG_MAX` and `SIZE_MAX` (honoured when
//! splitting a bounce buffer into descriptors). Not negotiated: `EVENT_IDX`, indirect
//! descriptors, multiqueue, discard/write-zeroes. virtio-blk has no FUA, so
//! `write(.., fua = true)` is a write followed by a flush.
//!
//! # Why not the `virtio-drivers` crate
//! Its block driver is built around a blocking, polling HAL (it spins for completion or hands
//! back tokens that must be re-submitted with the same buffers by the caller), and it DMAs
//! straight into caller buffers, which a dropped future would free. Wrapping it for
//! cancel-safe futures would cost as much code as the few hundred lines here.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Poll, Waker};

use kairos_abi::{Errno, Error, Result};
use kairos_executor::{TaskId, WakeSource};
use kairos_fs::BoxFuture;
use kairos_fs::block::{BlockDevice, SECTOR_SIZE, check_request};

use super::virtio::{InitError, NO_VECTOR, Segment, SplitQueue, VirtioPci, feature};
use crate::arch::dma::DmaBuffer;
use crate::arch::mmio::Mmio;

/// Device-specific feature bits (spec §5.2.3).
mod blk_feature {
    pub const SIZE_MAX: u64 = 1 << 1;
    pub const SEG_MAX: u64 = 1 << 2;
    pub const RO: u64 = 1 << 5;
    pub const FLUSH: u64 = 1 << 9;
}

/// Request types.
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;

/// Status byte values; anything else (including our 0xff "not written") is an error.
const S_OK: u8 = 0;
const STATUS_UNSET: u8 = 0xff;

/// Largest queue we use.
const MAX_QUEUE_SIZE: u16 = 128;
/// Largest single virtio request; bigger transfers are split into sequential requests.
const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// Poll period when the device has no MSI-X.
const POLL_NS: u64 = 1_000_000;

/// Per-head request headers (16 bytes each) then per-head status bytes, in one DMA page.
const HEADER_BYTES: usize = 16;
const STATUS_BASE: usize = HEADER_BYTES * MAX_QUEUE_SIZE as usize;

/// Lock-free state shared with the interrupt handler, one per vector.
struct IrqSlot {
    /// Completion task id + 1 (0 = none yet).
    task: AtomicU64,
    /// Interrupts taken.
    count: AtomicU64,
    /// The ISR register, set only for INTx (level-triggered: reading it lowers the line).
    isr: spin::Once<Mmio>,
}

/// Number of interrupt vectors reserved for virtio-blk disks.
pub const MAX_DISKS: usize = crate::irq::VIRTIO_BLK_VECTORS as usize;

static IRQ_SLOTS: [IrqSlot; MAX_DISKS] =
    [const { IrqSlot { task: AtomicU64::new(0), count: AtomicU64::new(0), isr: spin::Once::new() } }; MAX_DISKS];

/// Interrupt handler for the disks' vectors (interrupt context: one register read and atomics
/// only). With MSI-X there is nothing to acknowledge; with INTx, reading the ISR acknowledges
/// the interrupt and lowers the line (0 = not ours). The completion task does the rest.
pub fn on_interrupt(vector: u8) {
    let index = usize::from(vector.wrapping_sub(crate::irq::VIRTIO_BLK_VECTOR_BASE));
    let Some(slot) = IRQ_SLOTS.get(index) else { return };
    if let Some(isr) = slot.isr.get()
        && isr.read8(0) == 0
    {
        return;
    }
    slot.count.fetch_add(1, Ordering::Relaxed);
    let task = slot.task.load(Ordering::Acquire);
    if task != 0 {
        crate::sched::wake_from_irq(TaskId::from_u64(task - 1), WakeSource::Irq(vector));
    }
}

/// One entry of the request table.
enum Request {
    /// Owned by the device; `waker` is the future's, if it still exists.
    InFlight { bounce: Option<DmaBuffer>, waker: Option<Waker>, abandoned: bool },
    /// Completed, not yet collected by its future.
    Done { ok: bool, bounce: Option<DmaBuffer> },
}

/// Everything touched under the device lock (task context only).
struct Inner {
    queue: SplitQueue,
    /// Request table slot of each in-flight head.
    head_slot: Vec<Option<usize>>,
    /// Request table; `None` entries are free.
    requests: Vec<Option<Request>>,
    /// Futures waiting for free descriptors.
    space_waiters: Vec<Waker>,
    /// Requests the device holds.
    in_flight: usize,
}

impl Inner {
    fn alloc_slot(&mut self, r: Request) -> usize {
        if let Some(i) = self.requests.iter().position(Option::is_none) {
            self.requests[i] = Some(r);
            i
        } else {
            self.requests.push(Some(r));
            self.requests.len() - 1
        }
    }
}

/// Counters, for tests and the log.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Requests put on the ring.
    pub submitted: u64,
    /// Requests completed by the device.
    pub completed: u64,
    /// Interrupts taken.
    pub interrupts: u64,
    /// Requests whose future was dropped before completion.
    pub abandoned: u64,
    /// Most requests the device held at once.
    pub max_in_flight: u64,
    /// Entries of the request table still occupied (leak check: 0 when idle).
    pub table_entries: u64,
    /// Used-ring entries naming no request in flight (device misbehaviour; ignored).
    pub bogus_completions: u64,
}

/// A virtio-blk disk.
pub struct VirtioBlk {
    name: String,
    transport: VirtioPci,
    capacity: u64,
    read_only: bool,
    has_flush: bool,
    /// Largest data descriptor (`SIZE_MAX`).
    max_segment: usize,
    /// Largest virtio request.
    max_request: usize,
    /// `Some(index)` of the MSI-X vector slot, None when polling.
    irq_index: Option<usize>,
    /// Per-head headers and status bytes.
    headers: DmaBuffer,
    inner: spin::Mutex<Inner>,
    completion_task: AtomicU64,
    submitted: AtomicU64,
    completed: AtomicU64,
    abandoned: AtomicU64,
    max_in_flight: AtomicU64,
}

impl VirtioBlk {
    /// Brings up the disk behind `transport` as `name`, interrupting on MSI-X vector
    /// `VIRTIO_BLK_VECTOR_BASE + index` when it can, and spawns its completion task.
    pub fn probe(transport: VirtioPci, name: String, index: usize) -> core::result::Result<Arc<VirtioBlk>, InitError> {
        let wanted =
            feature::VERSION_1 | blk_feature::RO | blk_feature::FLUSH | blk_feature::SEG_MAX | blk_feature::SIZE_MAX;
        let features = transport.negotiate(wanted)?;
        let vector = (index < MAX_DISKS).then(|| crate::irq::VIRTIO_BLK_VECTOR_BASE + index as u8);
        let msix = vector.and_then(|v| transport.pci.enable_msix_entry0(v)).is_some();
        if msix {
            transport.set_config_vector(NO_VECTOR);
        }
        let (queue, entry) = match transport.setup_queue(0, MAX_QUEUE_SIZE, if msix { 0 } else { NO_VECTOR }) {
            Ok(q) => q,
            Err(e) => {
                transport.set_status(super::virtio::status::FAILED);
                return Err(e);
            }
        };
        // MSI-X if the device took it; else INTx through the I/O APIC where the routing is
        // known (the ISR read acknowledges); else polling.
        let mut mode = String::from("polled (no MSI-X, unknown INTx routing)");
        let mut irq_index = None;
        if let Some(v) = vector {
            if msix && entry == 0 {
                mode = alloc::format!("MSI-X vector {v:#x}");
                irq_index = Some(index);
            } else if !msix && let Some(gsi) = super::pci::legacy_gsi(&transport.pci) {
                IRQ_SLOTS[index].isr.call_once(|| transport.isr_window());
                if crate::arch::apic::route_pci_gsi(gsi, v) {
                    mode = alloc::format!("INTx GSI {gsi} vector {v:#x}");
                    irq_index = Some(index);
                }
            }
        }
        let Some(headers) = DmaBuffer::alloc((STATUS_BASE + usize::from(MAX_QUEUE_SIZE)).div_ceil(4096)) else {
            transport.set_status(super::virtio::status::FAILED);
            return Err(InitError::NoMemory);
        };

        let capacity = transport.device_read64(0).unwrap_or(0);
        let size_max =
            if features & blk_feature::SIZE_MAX != 0 { transport.device_read32(8).unwrap_or(0) as usize } else { 0 };
        let max_segment = if size_max >= SECTOR_SIZE { size_max / SECTOR_SIZE * SECTOR_SIZE } else { usize::MAX };
        let seg_max = if features & blk_feature::SEG_MAX != 0 {
            transport.device_read32(12).unwrap_or(1).max(1) as usize
        } else {
            usize::MAX
        };
        // Data descriptors per request: within SEG_MAX and leaving room for header + status.
        let segs = seg_max.min(usize::from(queue.size()).saturating_sub(2)).max(1);
        let max_request =
            (MAX_REQUEST_BYTES.min(segs.saturating_mul(max_segment)) / SECTOR_SIZE * SECTOR_SIZE).max(SECTOR_SIZE);
        let qsize = usize::from(queue.size());

        let dev = Arc::new(VirtioBlk {
            name,
            capacity,
            read_only: features & blk_feature::RO != 0,
            has_flush: features & blk_feature::FLUSH != 0,
            max_segment,
            max_request,
            irq_index,
            headers,
            inner: spin::Mutex::new(Inner {
                queue,
                head_slot: alloc::vec![None; qsize],
                requests: Vec::new(),
                space_waiters: Vec::new(),
                in_flight: 0,
            }),
            completion_task: AtomicU64::new(0),
            submitted: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            transport,
        });
        let task = crate::sched::spawner()
            .spawn("virtio-blk", completion_task(dev.clone()))
            .map_err(|_| InitError::NoMemory)?;
        let id = task.id().as_u64() + 1;
        drop(task);
        dev.completion_task.store(id, Ordering::Release);
        if let Some(i) = irq_index {
            IRQ_SLOTS[i].task.store(id, Ordering::Release);
        }
        dev.transport.driver_ok();
        log::info!(
            target: "virtio-blk",
            "{}: {} at {}: {} sectors ({} MiB){}{}, queue {}, {}, max request {} KiB",
            dev.name,
            if dev.transport.pci.device == 0x1042 { "modern" } else { "transitional" },
            dev.transport.pci.addr,
            capacity,
            capacity / 2048,
            if dev.read_only { ", read-only" } else { "" },
            if dev.has_flush { ", flush" } else { "" },
            qsize,
            mode,
            max_request / 1024,
        );
        Ok(dev)
    }

    /// The disk's name (`vda`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Request counters.
    pub fn stats(&self) -> Stats {
        let (table_entries, bogus_completions) = {
            let inner = self.inner.lock();
            (inner.requests.iter().filter(|r| r.is_some()).count() as u64, inner.queue.bogus_completions())
        };
        Stats {
            submitted: self.submitted.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
            interrupts: self.irq_index.map_or(0, |i| IRQ_SLOTS[i].count.load(Ordering::Relaxed)),
            abandoned: self.abandoned.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            table_entries,
            bogus_completions,
        }
    }

    /// Reads without the bounds check, so the device itself judges the request (tests: a
    /// request past the end must come back from the device as an error, i.e. `EIO`).
    pub async fn read_unchecked(&self, sector: u64, buf: &mut [u8]) -> Result<()> {
        let bounce = DmaBuffer::alloc_unzeroed(buf.len().div_ceil(4096)).ok_or(Error::new(Errno::ENOMEM))?;
        let bounce = self.submit(T_IN, sector, Some((bounce, buf.len()))).await?;
        if let Some(b) = bounce {
            b.copy_to_slice(0, buf);
        }
        Ok(())
    }

    /// Entries in the request queue.
    pub fn queue_size(&self) -> u16 {
        self.inner.lock().queue.size()
    }

    /// True when completions are signalled by an interrupt (MSI-X or INTx; false: polled).
    pub fn uses_interrupts(&self) -> bool {
        self.irq_index.is_some()
    }

    /// Pops every completed chain: records statuses, frees abandoned requests, wakes the
    /// futures concerned. Task context only. Returns how many completed.
    fn reap(&self) -> usize {
        let mut wake = Vec::new();
        let mut n = 0;
        {
            let mut inner = self.inner.lock();
            while let Some((head, _len)) = inner.queue.pop_used() {
                n += 1;
                let status = self.headers.read_u8(STATUS_BASE + usize::from(head));
                inner.in_flight = inner.in_flight.saturating_sub(1);
                let Some(slot) = inner.head_slot[usize::from(head)].take() else { continue };
                let Some(Request::InFlight { bounce, waker, abandoned }) = inner.requests[slot].take() else {
                    continue;
                };
                if !abandoned {
                    inner.requests[slot] = Some(Request::Done { ok: status == S_OK, bounce });
                    wake.extend(waker);
                }
            }
            if n > 0 {
                wake.append(&mut inner.space_waiters);
            }
        }
        self.completed.fetch_add(n as u64, Ordering::Relaxed);
        for w in wake {
            w.wake();
        }
        n
    }

    fn in_flight(&self) -> usize {
        self.inner.lock().in_flight
    }

    /// Puts one request on the ring (waiting for descriptors as a future) and waits for its
    /// completion. `data` is the bounce buffer and the byte count used in it; it is returned
    /// after completion. Dropping this future leaves the request to the completion task.
    async fn submit(&self, kind: u32, sector: u64, data: Option<(DmaBuffer, usize)>) -> Result<Option<DmaBuffer>> {
        let (bounce, len) = match data {
            Some((b, len)) => (Some(b), len),
            None => (None, 0),
        };
        let mut bounce = Some(bounce);
        let segments = len.div_ceil(self.max_segment.min(len.max(1)));
        let slot = poll_fn(|cx| {
            let mut inner = self.inner.lock();
            let needed = 2 + segments;
            if usize::from(inner.queue.num_free()) < needed {
                if needed > usize::from(inner.queue.size()) {
                    return Poll::Ready(Err(Error::new(Errno::EIO)));
                }
                if !inner.space_waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    inner.space_waiters.push(cx.waker().clone());
                }
                return Poll::Pending;
            }
            let buf = bounce.take().flatten();
            let mut segs: Vec<Segment> = Vec::with_capacity(needed);
            // The header and status live at per-head offsets, known only once the head is:
            // the head is the current free head, which `push` will use.
            let head = inner.queue.peek_free_head();
            let hdr = usize::from(head) * HEADER_BYTES;
            self.headers.write_u32(hdr, kind);
            self.headers.write_u32(hdr + 4, 0);
            self.headers.write_u64(hdr + 8, sector);
            self.headers.write_u8(STATUS_BASE + usize::from(head), STATUS_UNSET);
            segs.push(Segment {
                addr: self.headers.phys() + hdr as u64,
                len: HEADER_BYTES as u32,
                device_writes: false,
            });
            if let Some(b) = &buf {
                let mut off = 0;
                while off < len {
                    let n = (len - off).min(self.max_segment);
                    segs.push(Segment { addr: b.phys() + off as u64, len: n as u32, device_writes: kind == T_IN });
                    off += n;
                }
            }
            segs.push(Segment {
                addr: self.headers.phys() + (STATUS_BASE + usize::from(head)) as u64,
                len: 1,
                device_writes: true,
            });
            let Some(pushed) = inner.queue.push(&segs) else {
                return Poll::Ready(Err(Error::new(Errno::EIO)));
            };
            debug_assert_eq!(pushed, head);
            let slot = inner.alloc_slot(Request::InFlight { bounce: buf, waker: None, abandoned: false });
            inner.head_slot[usize::from(head)] = Some(slot);
            inner.in_flight += 1;
            self.max_in_flight.fetch_max(inner.in_flight as u64, Ordering::Relaxed);
            if inner.queue.should_notify() {
                self.transport.notify(&inner.queue, 0);
            }
            Poll::Ready(Ok(slot))
        })
        .await?;
        self.submitted.fetch_add(1, Ordering::Relaxed);
        if self.irq_index.is_none() {
            self.kick_completion_task();
        }
        // From here until completion the request table owns the buffers.
        let mut guard = InFlightGuard { dev: self, slot: Some(slot) };
        let (ok, bounce) = poll_fn(|cx| {
            let mut inner = self.inner.lock();
            match inner.requests[slot].take() {
                Some(Request::Done { ok, bounce }) => Poll::Ready((ok, bounce)),
                Some(Request::InFlight { bounce, waker, abandoned }) => {
                    let waker = match waker {
                        Some(w) if w.will_wake(cx.waker()) => Some(w),
                        _ => Some(cx.waker().clone()),
                    };
                    inner.requests[slot] = Some(Request::InFlight { bounce, waker, abandoned });
                    Poll::Pending
                }
                None => Poll::Ready((false, None)),
            }
        })
        .await;
        guard.slot = None;
        if ok { Ok(bounce) } else { Err(Error::new(Errno::EIO)) }
    }

    fn kick_completion_task(&self) {
        let id = self.completion_task.load(Ordering::Acquire);
        if id != 0 {
            let me = crate::sched::spawner().current_task();
            let source = me.map_or(WakeSource::Executor, WakeSource::Task);
            crate::sched::wake_from_irq(TaskId::from_u64(id - 1), source);
        }
    }

    /// Reads or writes `len` bytes at `sector` through bounce buffers, in requests of at most
    /// `max_request` bytes, one after the other.
    async fn transfer(&self, sector: u64, mut read_into: Option<&mut [u8]>, write_from: Option<&[u8]>) -> Result<()> {
        let len = read_into.as_ref().map_or(0, |b| b.len()) + write_from.map_or(0, <[u8]>::len);
        check_request(self.capacity, sector, len)?;
        let mut done = 0;
        while done < len {
            let mut chunk = (len - done).min(self.max_request);
            // Contiguous frames for the bounce buffer; under fragmentation, smaller requests.
            let bounce = loop {
                if let Some(b) = DmaBuffer::alloc_unzeroed(chunk.div_ceil(4096)) {
                    break b;
                }
                if chunk <= 4096 {
                    return Err(Error::new(Errno::ENOMEM));
                }
                chunk = (chunk / 2).next_multiple_of(SECTOR_SIZE);
            };
            if let Some(src) = write_from {
                bounce.copy_from_slice(0, &src[done..done + chunk]);
            }
            let kind = if write_from.is_some() { T_OUT } else { T_IN };
            let at = sector + (done / SECTOR_SIZE) as u64;
            let bounce = self.submit(kind, at, Some((bounce, chunk))).await?;
            if let (Some(dst), Some(b)) = (read_into.as_deref_mut(), bounce) {
                b.copy_to_slice(0, &mut dst[done..done + chunk]);
            }
            done += chunk;
        }
        Ok(())
    }

    async fn do_flush(&self) -> Result<()> {
        if !self.has_flush {
            return Ok(());
        }
        self.submit(T_FLUSH, 0, None).await.map(|_| ())
    }
}

/// Marks a submitted request abandoned if its future is dropped before completion; the
/// completion task then frees it (or it is freed here if it already completed).
struct InFlightGuard<'a> {
    dev: &'a VirtioBlk,
    slot: Option<usize>,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let Some(slot) = self.slot else { return };
        let mut inner = self.dev.inner.lock();
        match inner.requests[slot].as_mut() {
            Some(Request::InFlight { abandoned, waker, .. }) => {
                *abandoned = true;
                *waker = None;
                self.dev.abandoned.fetch_add(1, Ordering::Relaxed);
            }
            Some(Request::Done { .. }) => inner.requests[slot] = None,
            None => {}
        }
    }
}

/// The disk's completion task: woken by the interrupt handler (or, without MSI-X, polling
/// every millisecond while requests are in flight), it reaps the used ring.
async fn completion_task(dev: Arc<VirtioBlk>) {
    loop {
        dev.reap();
        if dev.irq_index.is_none() && dev.in_flight() > 0 {
            crate::sched::spawner().sleep(POLL_NS).await;
        } else {
            park().await;
        }
    }
}

/// Returns `Pending` once, then `Ready`: waits for the next wake of this task, whoever
/// causes it (a wake that arrives while the task runs re-queues it, so none is lost).
async fn park() {
    let mut parked = false;
    poll_fn(|_cx| {
        if parked {
            Poll::Ready(())
        } else {
            parked = true;
            Poll::Pending
        }
    })
    .await
}

impl BlockDevice for VirtioBlk {
    fn sector_count(&self) -> u64 {
        self.capacity
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read<'a>(&'a self, sector: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<()>> {
        alloc::boxed::Box::pin(self.transfer(sector, Some(buf), None))
    }

    fn write<'a>(&'a self, sector: u64, buf: &'a [u8], fua: bool) -> BoxFuture<'a, Result<()>> {
        alloc::boxed::Box::pin(async move {
            if self.read_only {
                return Err(Error::new(Errno::EROFS));
            }
            self.transfer(sector, None, Some(buf)).await?;
            if fua {
                self.do_flush().await?;
            }
            Ok(())
        })
    }

    fn flush(&self) -> BoxFuture<'_, Result<()>> {
        alloc::boxed::Box::pin(self.do_flush())
    }
}
