//! The serial console: formatted output shared by the log, panics and (later) the TTY, and
//! interrupt-driven input exposed as an async byte stream.
//!
//! Input path: the COM1 receive interrupt drains the UART into a fixed-capacity lock-free
//! queue and wakes the one registered reader by task id — no allocation, no lock, no waker
//! dropped in interrupt context. The reader registers, then re-checks the queue, so a byte
//! that arrives in between is never missed.

use core::fmt;
use core::future::poll_fn;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Poll;

use conquer_once::spin::OnceCell;
use crossbeam_queue::ArrayQueue;
use kairos_executor::{TaskId, WakeSource};

use crate::arch::{cpu, serial};

static OUTPUT: spin::Mutex<()> = spin::Mutex::new(());
static RX: OnceCell<ArrayQueue<u8>> = OnceCell::uninit();
/// Task id + 1 of the task waiting for input (0 = none).
static RX_WAITER: AtomicU64 = AtomicU64::new(0);
static RX_OVERRUNS: AtomicU64 = AtomicU64::new(0);
static RX_IRQS: AtomicU64 = AtomicU64::new(0);

/// Writer handed to `with_output`: one of the UARTs.
pub struct Output(u16);

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        serial::write_bytes(self.0, s.as_bytes(), true);
        Ok(())
    }
}

/// Send the kernel log (and panic reports) to COM2 instead of the console (`klog=com2`), so
/// the console carries only user output.
static LOG_TO_COM2: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Routes the kernel log to COM2.
pub fn log_to_com2(on: bool) {
    LOG_TO_COM2.store(on, Ordering::Relaxed);
}

fn log_port() -> u16 {
    if LOG_TO_COM2.load(Ordering::Relaxed) { serial::COM2 } else { serial::COM1 }
}

/// Runs `f` with exclusive use of the console output (interrupts off meanwhile).
pub fn with_output<R>(f: impl FnOnce(&mut Output) -> R) -> R {
    cpu::without_interrupts(|| {
        let _guard = OUTPUT.lock();
        f(&mut Output(serial::COM1))
    })
}

/// Runs `f` with exclusive use of the kernel-log output.
pub fn with_log_output<R>(f: impl FnOnce(&mut Output) -> R) -> R {
    cpu::without_interrupts(|| {
        let _guard = OUTPUT.lock();
        f(&mut Output(log_port()))
    })
}

/// Writes bytes to the console (user output from the TTY), with `\n` → `\r\n` if `crlf`.
pub fn write_raw(bytes: &[u8], crlf: bool) {
    cpu::without_interrupts(|| {
        let _guard = OUTPUT.lock();
        serial::write_bytes(serial::COM1, bytes, crlf);
    })
}

/// Output for the panic path: never waits for a lock that a crashed context may hold.
pub fn panic_output() -> Output {
    Output(log_port())
}

/// Prints to the console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => {
        $crate::console::with_output(|out| {
            let _ = core::fmt::Write::write_fmt(out, format_args!($($arg)*));
        })
    };
}

/// Prints a line to the console.
#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprint!("\n") };
    ($($arg:tt)*) => { $crate::kprint!("{}\n", format_args!($($arg)*)) };
}

/// Sets up the input queue and enables the receive interrupt.
pub fn init_input() {
    RX.init_once(|| ArrayQueue::new(4096));
    crate::arch::apic::route_isa_irq(serial::COM1_IRQ, crate::irq::SERIAL_VECTOR);
    serial::enable_rx_interrupt();
}

/// Interrupt handler for COM1 (interrupt context: atomics only).
pub fn on_rx_interrupt() {
    RX_IRQS.fetch_add(1, Ordering::Relaxed);
    let Some(rx) = RX.get() else { return };
    while let Some(b) = serial::try_read() {
        if rx.push(b).is_err() {
            RX_OVERRUNS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let waiter = RX_WAITER.swap(0, Ordering::AcqRel);
    if waiter != 0 {
        crate::sched::wake_from_irq(TaskId::from_u64(waiter - 1), WakeSource::Irq(serial::COM1_IRQ));
    }
}

/// Receive interrupts taken so far.
pub fn rx_interrupts() -> u64 {
    RX_IRQS.load(Ordering::Relaxed)
}

/// Reads at least one byte of console input into `buf` (waiting for it), returns the count.
pub async fn read(buf: &mut [u8]) -> usize {
    if buf.is_empty() {
        return 0;
    }
    poll_fn(|_cx| {
        let rx = RX.get().expect("console input used before init_input");
        let mut n = 0;
        let mut drain = |n: &mut usize| {
            while *n < buf.len() {
                match rx.pop() {
                    Some(b) => {
                        buf[*n] = b;
                        *n += 1;
                    }
                    None => break,
                }
            }
        };
        drain(&mut n);
        if n > 0 {
            return Poll::Ready(n);
        }
        let me = crate::sched::spawner().current_task().expect("console::read outside a task");
        RX_WAITER.store(me.as_u64() + 1, Ordering::Release);
        // Re-check after registering: a byte that raced with registration is seen now.
        drain(&mut n);
        if n > 0 {
            RX_WAITER.store(0, Ordering::Release);
            return Poll::Ready(n);
        }
        Poll::Pending
    })
    .await
}
