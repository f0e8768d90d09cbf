//! Device-interrupt dispatch: `arch` calls `handle_irq` with interrupts off; each handler only
//! touches atomics and lock-free queues and wakes tasks by id.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::apic::TIMER_VECTOR;

/// Vector the COM1 receive interrupt is routed to.
pub const SERIAL_VECTOR: u8 = 0x24;

/// First MSI-X vector of the virtio-blk disks (disk n uses `VIRTIO_BLK_VECTOR_BASE + n`).
pub const VIRTIO_BLK_VECTOR_BASE: u8 = 0x40;
/// Vectors reserved for virtio-blk disks.
pub const VIRTIO_BLK_VECTORS: u8 = 8;

static TIMER_IRQS: AtomicU64 = AtomicU64::new(0);
static OTHER_IRQS: AtomicU64 = AtomicU64::new(0);

/// Handles a device interrupt (EOI is sent by the caller).
pub fn handle_irq(vector: u8) {
    crate::sched::trace(crate::sched::trace_kind::IRQ, 0, u64::from(vector), 0);
    match vector {
        TIMER_VECTOR => {
            // The timer only ends `hlt`; the executor's loop fires expired timers itself.
            crate::arch::apic::timer_fired();
            TIMER_IRQS.fetch_add(1, Ordering::Relaxed);
        }
        SERIAL_VECTOR => crate::console::on_rx_interrupt(),
        v if v.wrapping_sub(VIRTIO_BLK_VECTOR_BASE) < VIRTIO_BLK_VECTORS => crate::drivers::virtio_blk::on_interrupt(v),
        _ => {
            OTHER_IRQS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Timer interrupts taken so far.
pub fn timer_interrupts() -> u64 {
    TIMER_IRQS.load(Ordering::Relaxed)
}
