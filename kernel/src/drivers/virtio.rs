//! Virtio 1.x over PCI, modern transport only (virtio spec 1.2 §4.1): finds the common,
//! notify, ISR and device-specific configuration structures through the vendor-specific
//! capabilities, resets the device, negotiates features (`VIRTIO_F_VERSION_1` is required;
//! legacy-only devices are skipped) and sets up queues. Also the split virtqueue
//! ([`SplitQueue`], spec §2.7) the device drivers put requests on.
//!
//! Everything here runs in task context (probe, request submission, completion reaping);
//! interrupt handlers never call into this module. No panics on device misbehaviour: a
//! used-ring entry naming a descriptor that is not in flight is ignored and counted.

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{Ordering, fence};

use super::pci::{Bar, PciDevice, cap_id};
use crate::arch::dma::DmaBuffer;
use crate::arch::mmio::Mmio;

/// PCI vendor id of virtio devices.
pub const VIRTIO_VENDOR: u16 = 0x1af4;

/// Device status bits (spec §2.1).
pub mod status {
    /// The guest noticed the device.
    pub const ACKNOWLEDGE: u8 = 1;
    /// The guest has a driver for it.
    pub const DRIVER: u8 = 2;
    /// The driver is ready.
    pub const DRIVER_OK: u8 = 4;
    /// Feature negotiation is complete.
    pub const FEATURES_OK: u8 = 8;
    /// The device hit an error it cannot recover from.
    pub const DEVICE_NEEDS_RESET: u8 = 64;
    /// The driver gave up on the device.
    pub const FAILED: u8 = 128;
}

/// Transport feature bits.
pub mod feature {
    /// Descriptors may point at indirect tables (not used).
    pub const RING_INDIRECT_DESC: u64 = 1 << 28;
    /// `used_event` / `avail_event` notification suppression (not used).
    pub const RING_EVENT_IDX: u64 = 1 << 29;
    /// Virtio 1.x semantics (required).
    pub const VERSION_1: u64 = 1 << 32;
}

/// "No MSI-X vector" in `config_msix_vector` / `queue_msix_vector`.
pub const NO_VECTOR: u16 = 0xffff;

/// Offsets in the common configuration structure (spec §4.1.4.3).
mod common {
    pub const DEVICE_FEATURE_SELECT: u64 = 0x00;
    pub const DEVICE_FEATURE: u64 = 0x04;
    pub const DRIVER_FEATURE_SELECT: u64 = 0x08;
    pub const DRIVER_FEATURE: u64 = 0x0c;
    pub const CONFIG_MSIX_VECTOR: u64 = 0x10;
    pub const NUM_QUEUES: u64 = 0x12;
    pub const DEVICE_STATUS: u64 = 0x14;
    pub const CONFIG_GENERATION: u64 = 0x15;
    pub const QUEUE_SELECT: u64 = 0x16;
    pub const QUEUE_SIZE: u64 = 0x18;
    pub const QUEUE_MSIX_VECTOR: u64 = 0x1a;
    pub const QUEUE_ENABLE: u64 = 0x1c;
    pub const QUEUE_NOTIFY_OFF: u64 = 0x1e;
    pub const QUEUE_DESC: u64 = 0x20;
    pub const QUEUE_DRIVER: u64 = 0x28;
    pub const QUEUE_DEVICE: u64 = 0x30;
    /// Size of the structure we use.
    pub const LEN: u64 = 0x38;
}

/// `cfg_type` values of the virtio PCI capabilities.
mod cfg_type {
    pub const COMMON: u8 = 1;
    pub const NOTIFY: u8 = 2;
    pub const ISR: u8 = 3;
    pub const DEVICE: u8 = 4;
}

/// Why a device could not be brought up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitError {
    /// A required capability is missing or its BAR is unusable.
    MissingCapability(&'static str),
    /// The device does not offer `VIRTIO_F_VERSION_1` (legacy-only).
    NotModern,
    /// The device refused our feature set (`FEATURES_OK` did not stick).
    FeaturesRejected,
    /// The queue does not exist or has size 0.
    NoQueue,
    /// Out of memory for the rings.
    NoMemory,
}

/// A virtio device's modern PCI transport: its register windows.
pub struct VirtioPci {
    /// The PCI function.
    pub pci: PciDevice,
    common: Mmio,
    notify: Mmio,
    notify_multiplier: u32,
    isr: Mmio,
    device_cfg: Mmio,
}

/// Where the virtio capability of `cfg_type` points: (physical address, length, notify
/// multiplier).
fn find_structure(pci: &PciDevice, wanted: u8) -> Option<(u64, u64, u32)> {
    for cap in pci.capabilities(cap_id::VENDOR) {
        if pci.read8(cap + 3) != wanted {
            continue;
        }
        let bar = pci.read8(cap + 4);
        let offset = u64::from(pci.read32(cap + 8));
        let length = u64::from(pci.read32(cap + 12));
        let multiplier = if wanted == cfg_type::NOTIFY { pci.read32(cap + 16) } else { 0 };
        // The spec has the driver use the first capability of each type it can use; only
        // memory BARs are usable here.
        if let Some(Bar::Memory(base)) = pci.bar(bar)
            && length > 0
        {
            return Some((base + offset, length, multiplier));
        }
    }
    None
}

impl VirtioPci {
    /// Locates the four configuration structures of `pci` and maps them uncached, enabling
    /// memory decoding and bus mastering.
    pub fn new(pci: PciDevice) -> Result<VirtioPci, InitError> {
        let find = |t, name| find_structure(&pci, t).ok_or(InitError::MissingCapability(name));
        let (common_at, common_len, _) = find(cfg_type::COMMON, "common")?;
        let (notify_at, notify_len, notify_multiplier) = find(cfg_type::NOTIFY, "notify")?;
        let (isr_at, isr_len, _) = find(cfg_type::ISR, "isr")?;
        let (device_at, device_len, _) = find(cfg_type::DEVICE, "device")?;
        if common_len < common::LEN {
            return Err(InitError::MissingCapability("common (too short)"));
        }
        pci.update_command(super::pci::command::MEMORY | super::pci::command::BUS_MASTER, 0);
        Ok(VirtioPci {
            pci,
            common: Mmio::map(common_at, common_len),
            notify: Mmio::map(notify_at, notify_len),
            notify_multiplier,
            isr: Mmio::map(isr_at, isr_len.max(1)),
            device_cfg: Mmio::map(device_at, device_len),
        })
    }

    /// Current device status.
    pub fn status(&self) -> u8 {
        self.common.read8(common::DEVICE_STATUS)
    }

    /// Writes the device status.
    pub fn set_status(&self, value: u8) {
        self.common.write8(common::DEVICE_STATUS, value);
    }

    /// Resets the device and waits (bounded) for the reset to complete.
    pub fn reset(&self) {
        self.set_status(0);
        for _ in 0..1_000_000 {
            if self.status() == 0 {
                return;
            }
            core::hint::spin_loop();
        }
        log::warn!(target: "virtio", "{}: reset did not complete", self.pci.addr);
    }

    /// Features the device offers (64 bits).
    pub fn device_features(&self) -> u64 {
        self.common.write32(common::DEVICE_FEATURE_SELECT, 0);
        let low = self.common.read32(common::DEVICE_FEATURE);
        self.common.write32(common::DEVICE_FEATURE_SELECT, 1);
        let high = self.common.read32(common::DEVICE_FEATURE);
        u64::from(low) | (u64::from(high) << 32)
    }

    /// Reset, acknowledge, and negotiate: accepts `offered & wanted`, which must include
    /// `VERSION_1`. Returns the accepted features.
    pub fn negotiate(&self, wanted: u64) -> Result<u64, InitError> {
        self.reset();
        self.set_status(status::ACKNOWLEDGE);
        self.set_status(status::ACKNOWLEDGE | status::DRIVER);
        let offered = self.device_features();
        if offered & feature::VERSION_1 == 0 {
            self.set_status(status::FAILED);
            return Err(InitError::NotModern);
        }
        let accepted = offered & (wanted | feature::VERSION_1);
        self.common.write32(common::DRIVER_FEATURE_SELECT, 0);
        self.common.write32(common::DRIVER_FEATURE, accepted as u32);
        self.common.write32(common::DRIVER_FEATURE_SELECT, 1);
        self.common.write32(common::DRIVER_FEATURE, (accepted >> 32) as u32);
        self.set_status(status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK);
        if self.status() & status::FEATURES_OK == 0 {
            self.set_status(status::FAILED);
            return Err(InitError::FeaturesRejected);
        }
        Ok(accepted)
    }

    /// Sets the MSI-X vector for configuration changes (`NO_VECTOR` for none).
    pub fn set_config_vector(&self, entry: u16) -> u16 {
        self.common.write16(common::CONFIG_MSIX_VECTOR, entry);
        self.common.read16(common::CONFIG_MSIX_VECTOR)
    }

    /// Number of queues the device has.
    pub fn num_queues(&self) -> u16 {
        self.common.read16(common::NUM_QUEUES)
    }

    /// Creates queue `index` with at most `max_size` entries, routed to MSI-X table entry
    /// `msix_entry` (or `NO_VECTOR`), and enables it. Returns the queue and the MSI-X entry
    /// the device accepted (`NO_VECTOR` if it refused).
    pub fn setup_queue(&self, index: u16, max_size: u16, msix_entry: u16) -> Result<(SplitQueue, u16), InitError> {
        if index >= self.num_queues() {
            return Err(InitError::NoQueue);
        }
        self.common.write16(common::QUEUE_SELECT, index);
        let device_max = self.common.read16(common::QUEUE_SIZE);
        if device_max == 0 {
            return Err(InitError::NoQueue);
        }
        // A power of two no larger than either limit (split-ring sizes are powers of two in
        // practice; the index arithmetic below does not rely on it).
        let mut size = device_max.min(max_size).max(1);
        if !size.is_power_of_two() {
            size = 1 << (15 - size.leading_zeros());
        }
        let notify_off = u64::from(self.common.read16(common::QUEUE_NOTIFY_OFF)) * u64::from(self.notify_multiplier);
        if notify_off + 2 > self.notify.len() {
            return Err(InitError::MissingCapability("notify (queue offset outside)"));
        }
        let queue = SplitQueue::new(size, notify_off).ok_or(InitError::NoMemory)?;
        self.common.write16(common::QUEUE_SIZE, size);
        self.common.write16(common::QUEUE_MSIX_VECTOR, msix_entry);
        let vector = self.common.read16(common::QUEUE_MSIX_VECTOR);
        let write64 = |off: u64, value: u64| {
            self.common.write32(off, value as u32);
            self.common.write32(off + 4, (value >> 32) as u32);
        };
        let (desc, avail, used) = queue.addresses();
        write64(common::QUEUE_DESC, desc);
        write64(common::QUEUE_DRIVER, avail);
        write64(common::QUEUE_DEVICE, used);
        self.common.write16(common::QUEUE_ENABLE, 1);
        Ok((queue, vector))
    }

    /// Sets `DRIVER_OK`: the device is live.
    pub fn driver_ok(&self) {
        self.set_status(self.status() | status::DRIVER_OK);
    }

    /// Tells the device that queue `queue` has new buffers.
    pub fn notify(&self, queue: &SplitQueue, index: u16) {
        // The avail-ring stores must be visible before the doorbell (x86 keeps stores in
        // order; this also stops the compiler from sinking them).
        fence(Ordering::SeqCst);
        self.notify.write16(queue.notify_off, index);
    }

    /// Reads (and thereby acknowledges) the ISR status: bit 0 queue, bit 1 configuration.
    pub fn read_isr(&self) -> u8 {
        self.isr.read8(0)
    }

    /// Reads a 32-bit field of the device-specific configuration; None past its end.
    pub fn device_read32(&self, off: u64) -> Option<u32> {
        (off + 4 <= self.device_cfg.len()).then(|| self.device_cfg.read32(off))
    }

    /// Reads a 64-bit field of the device-specific configuration consistently (retrying
    /// while `config_generation` changes); None past its end.
    pub fn device_read64(&self, off: u64) -> Option<u64> {
        if off + 8 > self.device_cfg.len() {
            return None;
        }
        for _ in 0..16 {
            let before = self.common.read8(common::CONFIG_GENERATION);
            let low = self.device_cfg.read32(off);
            let high = self.device_cfg.read32(off + 4);
            if self.common.read8(common::CONFIG_GENERATION) == before {
                return Some(u64::from(low) | (u64::from(high) << 32));
            }
        }
        None
    }

    /// The ISR window (for an INTx handler; unused with MSI-X).
    pub fn isr_window(&self) -> Mmio {
        self.isr
    }
}

/// One buffer of a descriptor chain.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    /// Physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// The device writes it (else reads it).
    pub device_writes: bool,
}

const DESC_F_NEXT: u16 = 1;
const DESC_F_WRITE: u16 = 2;
const USED_F_NO_NOTIFY: u16 = 1;

/// A split virtqueue in one zeroed DMA page run: descriptor table at 0, available ring after
/// it, used ring after that (4-byte aligned). Free descriptors are tracked in ordinary memory
/// (`next`, `chain_len`), never read back from memory the device could scribble on.
pub struct SplitQueue {
    ring: DmaBuffer,
    size: u16,
    avail_off: usize,
    used_off: usize,
    notify_off: u64,
    /// Next free descriptor after each free one (a singly linked free list).
    next: Vec<u16>,
    /// Length of the chain headed by each in-flight head (0 = not a head in flight).
    chain_len: Vec<u16>,
    free_head: u16,
    num_free: u16,
    /// Our next avail index (free-running).
    avail_idx: u16,
    /// Next used index to consume (free-running).
    last_used: u16,
    /// Used entries that named no in-flight chain (device misbehaviour).
    bogus: u64,
}

impl SplitQueue {
    fn new(size: u16, notify_off: u64) -> Option<SplitQueue> {
        let n = usize::from(size);
        let avail_off = 16 * n;
        let used_off = (avail_off + 6 + 2 * n).next_multiple_of(4);
        let total = used_off + 6 + 8 * n;
        let ring = DmaBuffer::alloc(total.div_ceil(4096))?;
        Some(SplitQueue {
            ring,
            size,
            avail_off,
            used_off,
            notify_off,
            next: (1..=size).collect(),
            chain_len: vec![0; n],
            free_head: 0,
            num_free: size,
            avail_idx: 0,
            last_used: 0,
            bogus: 0,
        })
    }

    /// Physical addresses of (descriptor table, available ring, used ring).
    pub fn addresses(&self) -> (u64, u64, u64) {
        let base = self.ring.phys();
        (base, base + self.avail_off as u64, base + self.used_off as u64)
    }

    /// Number of entries.
    pub fn size(&self) -> u16 {
        self.size
    }

    /// Free descriptors.
    pub fn num_free(&self) -> u16 {
        self.num_free
    }

    /// The descriptor the next [`SplitQueue::push`] will use as its head (meaningful only
    /// when a descriptor is free).
    pub fn peek_free_head(&self) -> u16 {
        self.free_head
    }

    /// Used-ring entries that named nothing in flight, so far.
    pub fn bogus_completions(&self) -> u64 {
        self.bogus
    }

    /// Puts a chain of `segs` on the available ring; returns its head descriptor, or None if
    /// there are not enough free descriptors (or `segs` is empty). The caller notifies.
    pub fn push(&mut self, segs: &[Segment]) -> Option<u16> {
        let count = u16::try_from(segs.len()).ok()?;
        if count == 0 || count > self.num_free {
            return None;
        }
        let head = self.free_head;
        let mut idx = head;
        for (i, seg) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let next = self.next[usize::from(idx)];
            let d = 16 * usize::from(idx);
            let mut flags = if seg.device_writes { DESC_F_WRITE } else { 0 };
            if !last {
                flags |= DESC_F_NEXT;
            }
            self.ring.write_u64(d, seg.addr);
            self.ring.write_u32(d + 8, seg.len);
            self.ring.write_u16(d + 12, flags);
            self.ring.write_u16(d + 14, if last { 0 } else { next });
            if last {
                self.free_head = next;
            } else {
                idx = next;
            }
        }
        self.num_free -= count;
        self.chain_len[usize::from(head)] = count;
        let slot = usize::from(self.avail_idx % self.size);
        self.ring.write_u16(self.avail_off + 4 + 2 * slot, head);
        // The descriptors and ring entry before the index that publishes them.
        fence(Ordering::Release);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.ring.write_u16(self.avail_off + 2, self.avail_idx);
        Some(head)
    }

    /// Does the device want a notification for what was just pushed?
    pub fn should_notify(&self) -> bool {
        // The avail index store must be globally visible before we read the device's flag
        // (spec §2.7.13.4: full barrier).
        fence(Ordering::SeqCst);
        self.ring.read_u16(self.used_off) & USED_F_NO_NOTIFY == 0
    }

    /// Takes the next completed chain off the used ring and frees its descriptors:
    /// `Some((head, written_len))`. Entries naming no in-flight chain are skipped.
    pub fn pop_used(&mut self) -> Option<(u16, u32)> {
        loop {
            let used_idx = self.ring.read_u16(self.used_off + 2);
            if used_idx == self.last_used {
                return None;
            }
            // The entry is read after the index that published it.
            fence(Ordering::Acquire);
            let slot = usize::from(self.last_used % self.size);
            let e = self.used_off + 4 + 8 * slot;
            let id = self.ring.read_u32(e);
            let len = self.ring.read_u32(e + 4);
            self.last_used = self.last_used.wrapping_add(1);
            let Ok(head) = u16::try_from(id) else {
                self.bogus += 1;
                continue;
            };
            if head >= self.size || self.chain_len[usize::from(head)] == 0 {
                self.bogus += 1;
                continue;
            }
            self.free_chain(head);
            return Some((head, len));
        }
    }

    fn free_chain(&mut self, head: u16) {
        let count = core::mem::take(&mut self.chain_len[usize::from(head)]);
        // Re-walk our own record of the chain: `push` linked the descriptors through `next`
        // in order, and `next` of the last one still points at the old free head.
        let mut last = head;
        for _ in 1..count {
            last = self.next[usize::from(last)];
        }
        self.next[usize::from(last)] = self.free_head;
        self.free_head = head;
        self.num_free += count;
    }
}
