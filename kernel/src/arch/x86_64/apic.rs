//! Interrupt controllers: the legacy 8259 PICs are masked, the local APIC delivers the timer
//! (one-shot, re-armed by the executor's idle path) and EOIs, the I/O APIC routes ISA IRQs.

use core::sync::atomic::{AtomicU64, Ordering};

use super::mmio::Mmio;
use super::port::{inb, outb};
use super::trap::{IRQ_BASE, SPURIOUS_VECTOR};

/// Vector of the local APIC timer.
pub const TIMER_VECTOR: u8 = IRQ_BASE;

const LAPIC_PHYS: u64 = 0xfee0_0000;
const IOAPIC_PHYS: u64 = 0xfec0_0000;

const REG_ID: u64 = 0x20;
const REG_TPR: u64 = 0x80;
const REG_EOI: u64 = 0xb0;
const REG_SVR: u64 = 0xf0;
const REG_ESR: u64 = 0x280;
const REG_LVT_TIMER: u64 = 0x320;
const REG_LVT_LINT0: u64 = 0x350;
const REG_LVT_LINT1: u64 = 0x360;
const REG_LVT_ERROR: u64 = 0x370;
const REG_TIMER_INIT: u64 = 0x380;
const REG_TIMER_CURRENT: u64 = 0x390;
const REG_TIMER_DIVIDE: u64 = 0x3e0;

const LVT_MASKED: u32 = 1 << 16;

static LAPIC: spin::Once<Mmio> = spin::Once::new();
static IOAPIC: spin::Once<Mmio> = spin::Once::new();
/// Local APIC timer ticks per second (after the divide-by-16), set by calibration.
static LAPIC_TIMER_HZ: AtomicU64 = AtomicU64::new(0);

fn lapic() -> &'static Mmio {
    LAPIC.get().expect("local APIC used before apic::init")
}

fn disable_pic() {
    // Remap both PICs above the exception vectors, then mask every line.
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, IRQ_BASE);
    outb(0xa1, IRQ_BASE + 8);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/// Masks the PICs and enables the local APIC and the I/O APIC (all lines masked).
pub fn init() {
    disable_pic();
    let lapic = LAPIC.call_once(|| Mmio::map(LAPIC_PHYS, 0x1000));
    lapic.write32(REG_TPR, 0);
    lapic.write32(REG_LVT_LINT0, LVT_MASKED);
    lapic.write32(REG_LVT_LINT1, LVT_MASKED);
    lapic.write32(REG_LVT_ERROR, u32::from(IRQ_BASE) + 31);
    lapic.write32(REG_ESR, 0);
    lapic.write32(REG_SVR, 0x100 | u32::from(SPURIOUS_VECTOR));
    lapic.write32(REG_TIMER_DIVIDE, 0b0011); // divide by 16
    lapic.write32(REG_LVT_TIMER, LVT_MASKED | u32::from(TIMER_VECTOR));
    eoi();

    let ioapic = IOAPIC.call_once(|| Mmio::map(IOAPIC_PHYS, 0x20));
    let max_redir = (ioapic_read(ioapic, 1) >> 16) & 0xff;
    for irq in 0..=max_redir {
        ioapic_write(ioapic, 0x10 + 2 * irq, 1 << 16);
        ioapic_write(ioapic, 0x11 + 2 * irq, 0);
    }
}

fn ioapic_read(io: &Mmio, reg: u32) -> u32 {
    io.write32(0, reg);
    io.read32(0x10)
}

fn ioapic_write(io: &Mmio, reg: u32, value: u32) {
    io.write32(0, reg);
    io.write32(0x10, value);
}

/// This CPU's local APIC id.
pub fn lapic_id() -> u32 {
    lapic().read32(REG_ID) >> 24
}

/// Routes ISA interrupt line `irq` (edge-triggered, active high) to `vector` on this CPU.
/// Assumes the identity ISA-IRQ-to-GSI mapping QEMU uses for lines other than 0.
pub fn route_isa_irq(irq: u8, vector: u8) {
    let io = IOAPIC.get().expect("I/O APIC used before apic::init");
    let dest = lapic_id();
    ioapic_write(io, 0x11 + 2 * u32::from(irq), dest << 24);
    ioapic_write(io, 0x10 + 2 * u32::from(irq), u32::from(vector));
}

/// Routes I/O APIC input `gsi` (a PCI INTx line: level-triggered, active low) to `vector` on
/// this CPU. Returns false if the I/O APIC has no such input.
pub fn route_pci_gsi(gsi: u32, vector: u8) -> bool {
    let io = IOAPIC.get().expect("I/O APIC used before apic::init");
    if gsi > (ioapic_read(io, 1) >> 16) & 0xff {
        return false;
    }
    const ACTIVE_LOW: u32 = 1 << 13;
    const LEVEL: u32 = 1 << 15;
    ioapic_write(io, 0x11 + 2 * gsi, lapic_id() << 24);
    ioapic_write(io, 0x10 + 2 * gsi, u32::from(vector) | ACTIVE_LOW | LEVEL);
    true
}

/// The MSI/MSI-X message (address, data) that delivers `vector` to this CPU: fixed delivery,
/// edge-triggered, physical destination = this local APIC's id.
pub fn msi_message(vector: u8) -> (u64, u32) {
    (LAPIC_PHYS | (u64::from(lapic_id() & 0xff) << 12), u32::from(vector))
}

/// Signals end of interrupt to the local APIC.
pub fn eoi() {
    if let Some(l) = LAPIC.get() {
        l.write32(REG_EOI, 0);
    }
}

/// Calibrates the TSC and the local APIC timer against PIT channel 2 over `ms` milliseconds.
/// Returns (TSC ticks per second, APIC timer ticks per second).
pub fn calibrate(ms: u32) -> (u64, u64) {
    const PIT_HZ: u64 = 1_193_182;
    let count = (PIT_HZ * u64::from(ms) / 1000) as u16;
    let lapic = lapic();
    // Gate on, speaker off; channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count).
    let port61 = inb(0x61) & !0x02;
    outb(0x61, port61 & !0x01);
    outb(0x43, 0xb0);
    outb(0x42, count as u8);
    outb(0x42, (count >> 8) as u8);
    lapic.write32(REG_TIMER_INIT, u32::MAX);
    let apic_start = lapic.read32(REG_TIMER_CURRENT);
    let tsc_start = super::cpu::rdtsc();
    outb(0x61, port61 | 0x01);
    while inb(0x61) & 0x20 == 0 {
        core::hint::spin_loop();
    }
    let tsc_end = super::cpu::rdtsc();
    let apic_end = lapic.read32(REG_TIMER_CURRENT);
    lapic.write32(REG_TIMER_INIT, 0);
    let secs_num = u64::from(count);
    let tsc_hz = (tsc_end - tsc_start) * PIT_HZ / secs_num;
    let apic_hz = u64::from(apic_start - apic_end) * PIT_HZ / secs_num;
    LAPIC_TIMER_HZ.store(apic_hz.max(1), Ordering::Relaxed);
    (tsc_hz, apic_hz)
}

/// Monotonic time (TSC ticks) at which the armed one-shot fires; 0 when disarmed or fired.
/// Lets callers skip reprogramming (MMIO is slow, under emulation especially).
static ARMED_UNTIL_TSC: AtomicU64 = AtomicU64::new(0);

/// Arms the one-shot local APIC timer to fire after `ns` nanoseconds (clamped to the
/// counter's range; 0 fires as soon as possible).
pub fn arm_timer_ns(ns: u64) {
    let hz = LAPIC_TIMER_HZ.load(Ordering::Relaxed);
    let ticks = (u128::from(ns) * u128::from(hz) / 1_000_000_000).clamp(1, u128::from(u32::MAX));
    let lapic = lapic();
    lapic.write32(REG_LVT_TIMER, u32::from(TIMER_VECTOR));
    lapic.write32(REG_TIMER_INIT, ticks as u32);
    let tsc_hz = u128::from(crate::time::tsc_hz());
    let until = super::cpu::rdtsc() + (u128::from(ns) * tsc_hz / 1_000_000_000) as u64;
    ARMED_UNTIL_TSC.store(until.max(1), Ordering::Relaxed);
}

/// Arms the timer for `ns` from now unless it is already armed to fire no later than that.
pub fn arm_timer_ns_at_most(ns: u64) {
    let armed = ARMED_UNTIL_TSC.load(Ordering::Relaxed);
    let now = super::cpu::rdtsc();
    let want = now + (u128::from(ns) * u128::from(crate::time::tsc_hz()) / 1_000_000_000) as u64;
    if armed != 0 && armed > now && armed <= want {
        return;
    }
    arm_timer_ns(ns);
}

/// Records that the one-shot fired (called from the timer interrupt).
pub fn timer_fired() {
    ARMED_UNTIL_TSC.store(0, Ordering::Relaxed);
}

/// Stops the local APIC timer.
pub fn disarm_timer() {
    lapic().write32(REG_TIMER_INIT, 0);
    ARMED_UNTIL_TSC.store(0, Ordering::Relaxed);
}
