//! Kernel self-tests, run when the command line has `ktest` (`make ktest`, part of
//! `make test`). Each test is an async fn returning `Result<(), String>`; the runner prints
//! `ktest: NAME ... ok|FAILED: why`, then `ktest: N passed, M failed`, and exits QEMU with
//! success only when nothing failed. `ktest=NAME` runs one test; `ktest.panic` adds a test
//! that panics on purpose, to prove failures are reported with a backtrace, and
//! `ktest.overflow` one that overflows the kernel stack into its guard page.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering};

use kairos_executor::yield_now;

use crate::arch::layout::PAGE_SIZE;
use crate::arch::qemu::ExitCode;
use crate::arch::{paging, phys, serial};
use crate::mm::frame;
use crate::{console, kprintln, sched, time};

type TestResult = Result<(), String>;
type TestFuture = Pin<Box<dyn Future<Output = TestResult> + Send>>;
/// A named test: its name and a constructor of its future.
type TestCase = (&'static str, fn() -> TestFuture);

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

fn tests() -> Vec<TestCase> {
    let mut t: Vec<TestCase> = alloc::vec![
        ("frame_allocator", || Box::pin(frame_allocator())),
        ("paging_map_unmap", || Box::pin(paging_map_unmap())),
        ("heap", || Box::pin(heap())),
        ("clock_monotonic", || Box::pin(clock_monotonic())),
        ("timer_interrupt_wakes_sleeper", || Box::pin(timer_interrupt_wakes_sleeper())),
        ("timers_fire_in_order", || Box::pin(timers_fire_in_order())),
        ("thousand_tasks", || Box::pin(thousand_tasks())),
        ("serial_loopback_interrupt", || Box::pin(serial_loopback_interrupt())),
        ("trace_records_executor_events", || Box::pin(trace_records_executor_events())),
        ("symbol_table_present", || Box::pin(symbol_table_present())),
    ];
    // Virtio-blk tests need the scratch disks that tests/ktest.py attaches.
    if crate::cmdline::options().has("ktest.disk") {
        t.extend(crate::drivers::virtio_blk_tests::cases());
    }
    if crate::cmdline::options().has("ktest.panic") {
        t.push(("deliberate_panic", || Box::pin(deliberate_panic())));
    }
    if crate::cmdline::options().has("ktest.overflow") {
        t.push(("deliberate_stack_overflow", || Box::pin(deliberate_stack_overflow())));
    }
    t
}

/// Runs the selected tests and exits QEMU with the verdict.
pub async fn run() {
    let only = crate::cmdline::options().get("ktest").filter(|v| !v.is_empty());
    let (mut passed, mut failed) = (0, 0);
    for (name, make) in tests() {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let start = time::now_ns();
        let result = make().await;
        let us = (time::now_ns() - start) / 1000;
        match result {
            Ok(()) => {
                passed += 1;
                kprintln!("ktest: {name} ... ok ({us} us)");
            }
            Err(why) => {
                failed += 1;
                kprintln!("ktest: {name} ... FAILED: {why}");
            }
        }
    }
    kprintln!("ktest: {passed} passed, {failed} failed");
    crate::power_off(if failed == 0 && passed > 0 { ExitCode::Success } else { ExitCode::Failure });
}

async fn frame_allocator() -> TestResult {
    let (_, used_before) = frame::stats();
    let mut frames = Vec::new();
    for _ in 0..256 {
        let f = frame::alloc().ok_or("out of frames")?;
        check!(f % PAGE_SIZE == 0, "frame {f:#x} not page aligned");
        frames.push(f);
    }
    let mut sorted = frames.clone();
    sorted.sort_unstable();
    sorted.dedup();
    check!(sorted.len() == frames.len(), "allocator returned a frame twice");
    // Each frame is really usable memory: write a pattern and read it back.
    for (i, &f) in frames.iter().enumerate() {
        phys::write_u64(f, i as u64 ^ 0xdead_beef);
    }
    for (i, &f) in frames.iter().enumerate() {
        check!(phys::read_u64(f) == i as u64 ^ 0xdead_beef, "frame {f:#x} lost its contents");
    }
    let run = frame::alloc_contiguous(16).ok_or("no 16-frame run")?;
    check!(run % (16 * PAGE_SIZE) == 0, "16-frame run {run:#x} not naturally aligned");
    frame::free_contiguous(run, 16);
    for f in frames {
        frame::free(f);
    }
    let z = frame::alloc_zeroed().ok_or("out of frames")?;
    let mut buf = [0xffu8; 4096];
    phys::read_bytes(z, &mut buf);
    check!(buf.iter().all(|&b| b == 0), "alloc_zeroed frame not zero");
    frame::free(z);
    let (_, used_after) = frame::stats();
    check!(used_after == used_before, "frames leaked: {used_before} -> {used_after}");
    Ok(())
}

async fn paging_map_unmap() -> TestResult {
    const TEST_VA: u64 = 0xffff_c000_0000_0000;
    let pml4 = paging::kernel_pml4();
    let f = frame::alloc_zeroed().ok_or("out of frames")?;
    check!(paging::translate(TEST_VA).is_none(), "test address already mapped");
    paging::map_page(
        pml4,
        TEST_VA,
        f,
        paging::PteFlags::WRITABLE | paging::PteFlags::NO_EXECUTE,
        &mut frame::BootFrames,
    )
    .map_err(|_| "map_page failed")?;
    let (pa, flags) = paging::translate(TEST_VA).ok_or("mapping not visible")?;
    check!(pa == f, "translate gave {pa:#x}, expected {f:#x}");
    check!(flags.contains(paging::PteFlags::WRITABLE | paging::PteFlags::NO_EXECUTE));
    // The same frame seen through the direct map and through the new mapping.
    phys::write_u64(f + 8, 0x1234_5678_9abc_def0);
    let (pa2, _) = paging::translate(TEST_VA + 8).ok_or("offset translate failed")?;
    check!(pa2 == f + 8);
    check!(phys::read_u64(pa2) == 0x1234_5678_9abc_def0);
    check!(paging::unmap_page(pml4, TEST_VA) == Some(f), "unmap returned the wrong frame");
    check!(paging::translate(TEST_VA).is_none(), "still mapped after unmap");
    // Kernel text is executable and read-only; data is writable and no-execute.
    let text = ktest_marker as *const () as u64;
    let (_, tf) = paging::translate(text).ok_or("kernel text not mapped")?;
    check!(!tf.contains(paging::PteFlags::WRITABLE) && !tf.contains(paging::PteFlags::NO_EXECUTE), "text flags {tf:?}");
    frame::free(f);
    Ok(())
}

fn ktest_marker() {}

async fn heap() -> TestResult {
    let big: Vec<u8> = alloc::vec![0xa5; 4 << 20];
    check!(big.iter().all(|&b| b == 0xa5));
    drop(big);
    let mut map = BTreeMap::new();
    for i in 0..10_000u64 {
        map.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), Box::new(i));
    }
    check!(map.len() == 10_000);
    check!(map.values().map(|b| **b).sum::<u64>() == 10_000 * 9_999 / 2);
    let (user, _, total) = crate::arch::heap::stats();
    check!(user < total, "heap accounting broken: {user} of {total}");
    Ok(())
}

async fn clock_monotonic() -> TestResult {
    check!(time::tsc_hz() > 10_000_000, "TSC calibrated to {} Hz", time::tsc_hz());
    let mut last = time::now_ns();
    for _ in 0..10_000 {
        let now = time::now_ns();
        check!(now >= last, "clock went backwards: {last} -> {now}");
        last = now;
    }
    let rt = time::realtime_ns() / 1_000_000_000;
    // 2020-01-01 .. 2100-01-01: the RTC was read and converted.
    check!((1_577_836_800..4_102_444_800).contains(&rt), "realtime {rt} s is not a plausible date");
    Ok(())
}

async fn timer_interrupt_wakes_sleeper() -> TestResult {
    let irqs_before = crate::irq::timer_interrupts();
    let start = time::now_ns();
    sched::spawner().sleep(30_000_000).await;
    let elapsed = time::now_ns() - start;
    check!(elapsed >= 30_000_000, "woke after {elapsed} ns, before the 30 ms deadline");
    check!(elapsed < 2_000_000_000, "woke after {elapsed} ns, far past the deadline");
    check!(crate::irq::timer_interrupts() > irqs_before, "no timer interrupt was taken while sleeping");
    Ok(())
}

async fn timers_fire_in_order() -> TestResult {
    static ORDER: spin::Mutex<Vec<u64>> = spin::Mutex::new(Vec::new());
    ORDER.lock().clear();
    let spawner = sched::spawner();
    let base = time::now_ns();
    let mut handles = Vec::new();
    for ms in [40u64, 10, 30, 20, 50] {
        let s = spawner.clone();
        handles.push(
            spawner
                .spawn("sleeper", async move {
                    s.sleep_until(base + ms * 1_000_000).await;
                    ORDER.lock().push(ms);
                })
                .map_err(|e| format!("spawn: {e:?}"))?,
        );
    }
    for h in handles {
        let _ = h.await;
    }
    let order = ORDER.lock().clone();
    check!(order == [10, 20, 30, 40, 50], "timers fired in order {order:?}");
    Ok(())
}

async fn thousand_tasks() -> TestResult {
    static DONE: AtomicUsize = AtomicUsize::new(0);
    DONE.store(0, Ordering::SeqCst);
    let spawner = sched::spawner();
    let mut handles = Vec::new();
    for i in 0..1000u64 {
        handles.push(
            spawner
                .spawn("worker", async move {
                    for _ in 0..(i % 5) {
                        yield_now().await;
                    }
                    DONE.fetch_add(1, Ordering::SeqCst);
                    i
                })
                .map_err(|e| format!("spawn: {e:?}"))?,
        );
    }
    let mut sum = 0;
    for h in handles {
        sum += h.await.map_err(|e| format!("join: {e:?}"))?;
    }
    check!(DONE.load(Ordering::SeqCst) == 1000);
    check!(sum == 999 * 1000 / 2);
    Ok(())
}

async fn serial_loopback_interrupt() -> TestResult {
    // In loopback mode the UART receives what it transmits and raises its receive
    // interrupt, so this exercises IRQ -> queue -> wake-by-id -> async read end to end.
    let irqs_before = console::rx_interrupts();
    let msg = b"kairos-loopback";
    let mut got = Vec::new();
    serial::set_loopback(true);
    serial::write_bytes(serial::COM1, msg, false);
    let deadline = time::now_ns() + 2_000_000_000;
    while got.len() < msg.len() && time::now_ns() < deadline {
        let mut buf = [0u8; 32];
        let read = console::read(&mut buf);
        let timeout = sched::spawner().sleep_until(deadline);
        match futures_select(read, timeout).await {
            Some(n) => got.extend_from_slice(&buf[..n]),
            None => break,
        }
    }
    serial::set_loopback(false);
    check!(got == msg, "read back {:?}", core::str::from_utf8(&got));
    check!(console::rx_interrupts() > irqs_before, "no receive interrupt was taken");
    Ok(())
}

/// Awaits `a` unless `b` finishes first (then None). Dropping the loser is the cancellation.
async fn futures_select<A: Future, B: Future>(a: A, b: B) -> Option<A::Output> {
    let mut a = core::pin::pin!(a);
    let mut b = core::pin::pin!(b);
    core::future::poll_fn(|cx| {
        if let core::task::Poll::Ready(v) = a.as_mut().poll(cx) {
            return core::task::Poll::Ready(Some(v));
        }
        if b.as_mut().poll(cx).is_ready() {
            return core::task::Poll::Ready(None);
        }
        core::task::Poll::Pending
    })
    .await
}

async fn trace_records_executor_events() -> TestResult {
    use kairos_executor::TraceKind;
    let spawner = sched::spawner();
    let h = spawner.spawn("traced", async { yield_now().await }).map_err(|e| format!("spawn: {e:?}"))?;
    let id = h.id().as_u64();
    let _ = h.await;
    let events = spawner.trace().snapshot();
    let of_task: Vec<_> = events.iter().filter(|e| e.task == id).collect();
    let has = |k: TraceKind| of_task.iter().any(|e| e.kind == k as u16);
    check!(has(TraceKind::Spawn), "no spawn event for the task");
    check!(has(TraceKind::PollBegin) && has(TraceKind::PollEnd), "no poll events");
    check!(has(TraceKind::Wake), "no wake event");
    check!(has(TraceKind::Complete), "no complete event");
    check!(events.windows(2).all(|w| w[0].ts <= w[1].ts), "timestamps not monotonic");
    Ok(())
}

async fn symbol_table_present() -> TestResult {
    check!(crate::ksyms::available(), "no .ksyms table: the image was not post-processed");
    let (name, off) = crate::ksyms::lookup(ktest_marker as *const () as u64).ok_or("marker not found")?;
    check!(name.ends_with("ktest_marker") && off == 0, "marker resolved to {name}+{off:#x}");
    Ok(())
}

#[inline(never)]
fn deliberately_failing_function(depth: u32) -> u32 {
    if depth == 0 {
        panic!("deliberate test panic (ktest.panic)");
    }
    deliberately_failing_function(depth - 1) + 1
}

async fn deliberate_panic() -> TestResult {
    let v = deliberately_failing_function(core::hint::black_box(2));
    Err(format!("survived a panic? {v}"))
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse_forever(depth: u64, pad: &mut [u64; 64]) -> u64 {
    let mut local = [depth; 64];
    local[(depth % 64) as usize] ^= pad[(depth % 64) as usize];
    core::hint::black_box(&mut local);
    recurse_forever(depth + 1, &mut local) + local[3]
}

async fn deliberate_stack_overflow() -> TestResult {
    let v = recurse_forever(0, &mut [0; 64]);
    Err(format!("survived a stack overflow? {v}"))
}
