//! Micro-benchmarks of the executor's hot paths on the host:
//! `cargo run --release -p kairos-executor --example bench`.
//!
//! Measures ns per poll (a task that yields N times; 1 task and 1000 tasks), ns per wake+poll
//! round trip (external `WakeHandle::wake` + `run_until_idle`, and two tasks ping-ponging), ns per
//! spawn+poll+complete, and ns per trace record — each with tracing on and off. Timestamps come
//! from `rdtsc`, as in the kernel.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use kairos_executor::{Config, Executor, Platform, TaskId, WakeSource, yield_now};

struct BenchPlatform {
    start: Instant,
}

impl Platform for BenchPlatform {
    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn timestamp(&self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `rdtsc` has no preconditions and exists on every x86_64 CPU.
            unsafe { core::arch::x86_64::_rdtsc() }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.now_ns()
        }
    }

    fn idle(&self, _deadline_ns: Option<u64>, has_work: &dyn Fn() -> bool) {
        if !has_work() {
            std::thread::yield_now();
        }
    }
}

fn executor(trace: bool) -> Executor<BenchPlatform> {
    let exec = Executor::new(BenchPlatform { start: Instant::now() }, Config::default());
    exec.trace().set_enabled(trace);
    exec
}

/// ns per poll: `tasks` tasks each yielding `yields` times.
fn polls(trace: bool, tasks: usize, yields: usize) -> f64 {
    let exec = executor(trace);
    for _ in 0..tasks {
        drop(exec.spawn("yielder", async move {
            for _ in 0..yields {
                yield_now().await;
            }
        }));
    }
    let t = Instant::now();
    let n = exec.run_until_idle();
    let el = t.elapsed();
    assert_eq!(n, tasks * (yields + 1));
    el.as_nanos() as f64 / n as f64
}

/// Pending until `flag` is set; clears it. Registers no waker: woken by id.
struct Gate(Arc<AtomicBool>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0.swap(false, Ordering::Relaxed) { Poll::Ready(()) } else { Poll::Pending }
    }
}

/// ns per external `WakeHandle::wake` + `run_until_idle` (one poll each).
fn external_wake_round_trip(trace: bool, rounds: usize) -> f64 {
    let exec = executor(trace);
    let gate = Arc::new(AtomicBool::new(false));
    let g = gate.clone();
    let h = exec
        .spawn("waiter", async move {
            for _ in 0..rounds {
                Gate(g.clone()).await;
            }
        })
        .unwrap();
    exec.run_until_idle();
    let wh = exec.spawner().wake_handle();
    let id = h.id();
    let t = Instant::now();
    let mut polls = 0;
    for _ in 0..rounds {
        gate.store(true, Ordering::Relaxed);
        wh.wake(id, WakeSource::Irq(32));
        polls += exec.run_until_idle();
    }
    let el = t.elapsed();
    assert_eq!(polls, rounds);
    assert!(h.is_finished());
    el.as_nanos() as f64 / rounds as f64
}

/// ns per ping-pong round trip between two tasks (2 wakes + 2 polls).
fn ping_pong(trace: bool, rounds: usize) -> f64 {
    let exec = executor(trace);
    let sp = exec.spawner();
    let ids = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let gates = Arc::new([AtomicBool::new(true), AtomicBool::new(false)]);
    for me in 0..2usize {
        let (task_ids, gates, wh) = (ids.clone(), gates.clone(), sp.wake_handle());
        let h = exec
            .spawn("pingpong", async move {
                let other = 1 - me;
                for _ in 0..rounds {
                    std::future::poll_fn(|_| {
                        if gates[me].swap(false, Ordering::Relaxed) { Poll::Ready(()) } else { Poll::Pending }
                    })
                    .await;
                    gates[other].store(true, Ordering::Relaxed);
                    let peer = TaskId::from_u64(task_ids[other].load(Ordering::Relaxed));
                    wh.wake(peer, WakeSource::Other(0));
                }
            })
            .unwrap();
        ids[me].store(h.id().as_u64(), Ordering::Relaxed);
    }
    let t = Instant::now();
    exec.run_until_idle();
    let el = t.elapsed();
    assert_eq!(sp.task_count(), 0);
    el.as_nanos() as f64 / rounds as f64
}

/// ns per spawn + first poll (completes) + free.
fn spawn_complete(trace: bool, n: usize) -> f64 {
    let exec = executor(trace);
    let t = Instant::now();
    let mut done = 0;
    for chunk in 0..n / 1000 {
        for i in 0..1000 {
            drop(exec.spawn("tiny", async move { black_box(chunk * i) }));
        }
        done += exec.run_until_idle();
    }
    let el = t.elapsed();
    assert_eq!(done, n / 1000 * 1000);
    el.as_nanos() as f64 / done as f64
}

/// ns per `TraceBuffer::record` from `threads` threads at once.
fn trace_record(enabled: bool, threads: usize, n: usize) -> f64 {
    let exec = executor(enabled);
    let sp = exec.spawner();
    let t = Instant::now();
    std::thread::scope(|s| {
        for th in 0..threads {
            let sp = sp.clone();
            s.spawn(move || {
                let trace = sp.trace();
                for i in 0..n as u64 {
                    trace.record(0x100, th as u64, i, black_box(i));
                }
            });
        }
    });
    let el = t.elapsed();
    el.as_nanos() as f64 / n as f64
}

fn main() {
    println!("kairos-executor bench (host, release build; ns per operation, lower is better)");
    println!();
    println!("{:<44} {:>12} {:>12}", "operation", "trace on", "trace off");
    println!("{}", "-".repeat(70));
    let row = |name: &str, f: &dyn Fn(bool) -> f64| {
        // Warm up once, then take the best of 3.
        f(true);
        let best = |on: bool| (0..3).map(|_| f(on)).fold(f64::INFINITY, f64::min);
        println!("{:<44} {:>12.1} {:>12.1}", name, best(true), best(false));
    };
    row("poll: 1 task yielding 1M times", &|t| polls(t, 1, 1_000_000));
    row("poll: 1000 tasks x 1000 yields", &|t| polls(t, 1000, 1000));
    row("wake+poll: external WakeHandle + run", &|t| external_wake_round_trip(t, 500_000));
    row("wake+poll: ping-pong round trip (2 tasks)", &|t| ping_pong(t, 500_000));
    row("spawn + poll + complete", &|t| spawn_complete(t, 200_000));
    row("trace record: 1 thread", &|t| trace_record(t, 1, 5_000_000));
    row("trace record: 2 threads contending", &|t| trace_record(t, 2, 2_000_000));
}
