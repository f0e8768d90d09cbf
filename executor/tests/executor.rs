//! Behavioural tests of the executor: waking, timers, cancellation, spawning, limits.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::{DropFlag, Probe, Signal, TestPlatform, shuffle};
use futures_util::FutureExt;
use futures_util::future::{Either, select};
use kairos_executor::{Cancelled, Config, Executor, Platform, SpawnError, TaskId, TaskState, WakeSource, yield_now};

fn manual() -> Executor<TestPlatform> {
    Executor::new(TestPlatform::manual(), Config::default())
}

fn small(max_tasks: usize) -> Executor<TestPlatform> {
    Executor::new(TestPlatform::manual(), Config { max_tasks, trace_capacity: 1024 })
}

// ----------------------------------------------------------------------------------------------
// Waking

#[test]
fn wake_before_first_poll_is_coalesced_with_spawn_and_not_lost() {
    let exec = manual();
    let sp = exec.spawner();
    let wh = sp.wake_handle();
    let probe = Probe::default();
    let h = exec.spawn("probe", probe.future()).unwrap();
    // Wakes before the first poll: the task is already queued by spawn, so they coalesce.
    for _ in 0..3 {
        wh.wake(h.id(), WakeSource::Other(1));
    }
    assert_eq!(sp.ready_count(), 1);
    assert_eq!(exec.run_until_idle(), 1);
    assert_eq!(probe.polls(), 1);

    // An event that happened before the first poll is observed by it: release, then wake
    // before the task has ever been polled.
    let probe2 = Probe::default();
    let h2 = exec.spawn("probe2", probe2.future()).unwrap();
    probe2.release();
    wh.wake(h2.id(), WakeSource::Irq(3));
    assert_eq!(exec.run_until_idle(), 1);
    assert!(h2.is_finished());
    assert_eq!(h2.now_or_never(), Some(Ok(1)));

    // Still waiting, then a real wake runs it again.
    assert_eq!(exec.run_until_idle(), 0);
    probe.release();
    wh.wake(h.id(), WakeSource::Irq(3));
    assert_eq!(exec.run_until_idle(), 1);
    assert_eq!(h.now_or_never(), Some(Ok(2)));
}

/// A future that wakes itself (through its waker, or by id) while being polled must be polled
/// again in the same `run_until_idle`.
#[test]
fn self_wake_during_poll_repolls() {
    let exec = manual();
    let sp = exec.spawner();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let sp2 = sp.clone();
    let h = exec
        .spawn(
            "selfwake",
            std::future::poll_fn(move |cx| {
                let n = p.fetch_add(1, Ordering::SeqCst) + 1;
                match n {
                    1..=50 => cx.waker().wake_by_ref(),
                    51..=100 => sp2.wake_handle().wake(sp2.current_task().unwrap(), WakeSource::Other(0)),
                    _ => return Poll::Ready(n),
                }
                Poll::Pending
            }),
        )
        .unwrap();
    assert_eq!(exec.run_until_idle(), 101);
    assert_eq!(h.now_or_never(), Some(Ok(101)));
}

/// Another thread wakes the task while it is inside `poll` (the poll blocks until the wake has
/// happened). The executor must poll it again: the wake lands after `SCHEDULED` was cleared.
#[test]
fn wake_from_other_thread_during_poll_is_not_lost() {
    const ROUNDS: usize = 200;
    let exec = manual();
    let (to_thread, from_task) = mpsc::channel::<(Waker, mpsc::Sender<()>)>();
    let waker_thread = std::thread::spawn(move || {
        for (waker, ack) in from_task {
            waker.wake();
            ack.send(()).unwrap();
        }
    });
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let h = exec
        .spawn(
            "wake-during-poll",
            std::future::poll_fn(move |cx| {
                let n = p.fetch_add(1, Ordering::SeqCst) + 1;
                if n > ROUNDS {
                    return Poll::Ready(n);
                }
                let (ack_tx, ack_rx) = mpsc::channel();
                to_thread.send((cx.waker().clone(), ack_tx)).unwrap();
                ack_rx.recv().unwrap(); // the wake has happened, and we are still in poll
                Poll::Pending
            }),
        )
        .unwrap();
    assert_eq!(exec.run_until_idle(), ROUNDS + 1);
    assert_eq!(h.now_or_never(), Some(Ok(ROUNDS + 1)));
    waker_thread.join().unwrap();
}

#[test]
fn spurious_wakeups_are_harmless() {
    let exec = manual();
    let sp = exec.spawner();
    let wh = sp.wake_handle();
    let sig = Signal::default();
    let wait = sig.wait();
    let sp2 = sp.clone();
    let h = exec
        .spawn("waiter", async move {
            // A sleep that is spuriously re-polled must not complete early.
            sp2.sleep_until(1_000).await;
            let t = sp2.now_ns();
            wait.await;
            t
        })
        .unwrap();
    exec.run_until_idle();
    for round in 0..50 {
        wh.wake(h.id(), WakeSource::Other(round));
        exec.run_until_idle();
    }
    assert!(!h.is_finished());
    assert_eq!(sp.timer_count(), 1, "spurious polls must not duplicate the timer");
    exec.platform().set_now(1_000);
    exec.run_until_idle();
    assert!(!h.is_finished());
    let polls_before = sig.polls.load(Ordering::SeqCst);
    for round in 0..50 {
        wh.wake(h.id(), WakeSource::Other(round));
        exec.run_until_idle();
    }
    assert_eq!(sig.polls.load(Ordering::SeqCst), polls_before + 50);
    assert!(!h.is_finished());
    sig.set();
    exec.run_until_idle();
    assert_eq!(h.now_or_never(), Some(Ok(1_000)));
    assert_eq!(sp.timer_count(), 0);
}

#[test]
fn waker_called_from_another_thread_wakes_idle_executor() {
    // With no timer pending the platform parks for up to 10 s unless notified: finishing fast
    // proves the cross-thread wake reached the idle loop through `Platform::notify`.
    let exec = Executor::new(TestPlatform::real(Duration::from_secs(10)), Config::default());
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let mut sent = false;
    let value = exec.block_on(std::future::poll_fn(move |cx| {
        if d.load(Ordering::SeqCst) {
            return Poll::Ready(42);
        }
        if !sent {
            sent = true;
            let waker = cx.waker().clone();
            let d = d.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                d.store(true, Ordering::SeqCst);
                waker.wake();
            });
        }
        Poll::Pending
    }));
    assert_eq!(value, 42);
    assert!(done.load(Ordering::SeqCst));
    assert!(started.elapsed() < Duration::from_secs(5), "lost notify");
    assert!(exec.platform().idles.load(Ordering::SeqCst) >= 1);
    assert!(exec.platform().notifies.load(Ordering::SeqCst) >= 1);
}

#[test]
fn wake_handle_from_another_thread_wakes_by_id() {
    let exec = Executor::new(TestPlatform::real(Duration::from_secs(10)), Config::default());
    let sp = exec.spawner();
    let started = Instant::now();
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let sp2 = sp.clone();
    let value = exec.block_on(async move {
        let me = sp2.current_task().unwrap();
        let wh = sp2.wake_handle();
        let f2 = f.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            f2.store(true, Ordering::SeqCst);
            wh.wake(me, WakeSource::Irq(33));
        });
        std::future::poll_fn(|_| if f.load(Ordering::SeqCst) { Poll::Ready(7) } else { Poll::Pending }).await
    });
    assert_eq!(value, 7);
    assert!(started.elapsed() < Duration::from_secs(5), "lost notify");
}

#[test]
fn stale_ids_are_ignored() {
    let exec = manual();
    let sp = exec.spawner();
    let wh = sp.wake_handle();
    let old = exec.spawn("short", async { 1 }).unwrap();
    assert_eq!(exec.run_until_idle(), 1);
    let old_id = old.id();
    assert!(old.is_finished());

    wh.wake(old_id, WakeSource::Other(0));
    assert_eq!(sp.ready_count(), 0);
    assert_eq!(exec.run_until_idle(), 0);

    // The slot is reused with a new generation; the old id must not reach the new task.
    let probe = Probe::default();
    let h = exec.spawn("reuser", probe.future()).unwrap();
    assert_eq!(h.id().slot(), old_id.slot());
    assert_eq!(h.id().generation(), old_id.generation() + 1);
    assert_ne!(h.id(), old_id);
    assert_eq!(exec.run_until_idle(), 1);
    wh.wake(old_id, WakeSource::Other(0));
    old.cancel();
    wh.wake(TaskId::from_u64(0), WakeSource::Other(0));
    wh.wake(TaskId::from_u64(u64::MAX), WakeSource::Other(0));
    wh.wake(TaskId::from_u64(1 << 32 | 1_000_000), WakeSource::Other(0));
    assert_eq!(sp.ready_count(), 0);
    assert_eq!(exec.run_until_idle(), 0);
    assert_eq!(probe.polls(), 1);
    assert!(!h.is_finished());
    assert_eq!(old.now_or_never(), Some(Ok(1)));
}

#[test]
fn one_task_woken_a_million_times_never_overflows_the_queue() {
    let exec = small(2); // run queue capacity 2
    let sp = exec.spawner();
    let wh = sp.wake_handle();
    let probe = Probe::default();
    let h = exec.spawn("target", probe.future()).unwrap();
    assert_eq!(exec.run_until_idle(), 1);
    let waker = probe.waker();
    for i in 0..1_000_000u32 {
        if i % 2 == 0 {
            wh.wake(h.id(), WakeSource::Other(i));
        } else {
            waker.wake_by_ref();
        }
    }
    assert_eq!(sp.ready_count(), 1);
    assert_eq!(exec.run_until_idle(), 1);
    assert_eq!(probe.polls(), 2);

    // Concurrently: another thread hammers the task while the loop keeps polling it.
    let stop = Arc::new(AtomicBool::new(false));
    let (id, s) = (h.id(), stop.clone());
    let hammer = std::thread::spawn(move || {
        for i in 0..1_000_000u32 {
            wh.wake(id, WakeSource::Other(i));
        }
        s.store(true, Ordering::SeqCst);
    });
    let mut polls = 0;
    while !stop.load(Ordering::SeqCst) {
        polls += exec.run_until_idle();
        assert!(sp.ready_count() <= 1);
    }
    hammer.join().unwrap();
    polls += exec.run_until_idle();
    assert!(polls >= 1);
    assert_eq!(probe.polls(), 2 + polls);
    probe.release();
    waker.wake();
    exec.run_until_idle();
    assert!(h.is_finished());
}

// ----------------------------------------------------------------------------------------------
// Scale and spawning

#[test]
fn ten_thousand_tasks_each_yielding_complete() {
    const TASKS: usize = 10_000;
    const YIELDS: usize = 5;
    let exec = manual();
    let done = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..TASKS {
        let done = done.clone();
        handles.push(
            exec.spawn("yielder", async move {
                for _ in 0..YIELDS {
                    yield_now().await;
                }
                done.fetch_add(1, Ordering::Relaxed);
                i
            })
            .unwrap(),
        );
    }
    assert_eq!(exec.spawner().task_count(), TASKS);
    assert_eq!(exec.run_until_idle(), TASKS * (YIELDS + 1));
    assert_eq!(done.load(Ordering::Relaxed), TASKS);
    assert_eq!(exec.spawner().task_count(), 0);
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.now_or_never(), Some(Ok(i)));
    }
}

#[test]
fn yield_now_round_robins() {
    let exec = manual();
    let log = Arc::new(Mutex::new(Vec::new()));
    for name in ["a", "b", "c"] {
        let log = log.clone();
        drop(exec.spawn(name, async move {
            for i in 0..3 {
                log.lock().unwrap().push((name, i));
                yield_now().await;
            }
        }));
    }
    exec.run_until_idle();
    let got = log.lock().unwrap().clone();
    let want: Vec<_> = (0..3).flat_map(|i| ["a", "b", "c"].map(|n| (n, i))).collect();
    assert_eq!(got, want);
}

#[test]
fn spawn_from_inside_a_task_and_join_output() {
    let exec = manual();
    let sp = exec.spawner();
    let (parent, child, child_seen_self, parent_of_child, sum) = exec.block_on(async move {
        let me = sp.current_task().unwrap();
        let sp_child = sp.clone();
        let child = sp
            .spawn("child", async move {
                yield_now().await;
                (sp_child.current_task().unwrap(), String::from("hello"))
            })
            .unwrap();
        let child_id = child.id();
        let parent_of_child = sp.tasks().into_iter().find(|t| t.id == child_id).unwrap().parent;
        // Many children spawned from a task, joined in order.
        let mut hs = Vec::new();
        for i in 0..100u64 {
            hs.push(sp.spawn("worker", async move { i * i }).unwrap());
        }
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        let (seen, s) = child.await.unwrap();
        assert_eq!(s, "hello");
        (me, child_id, seen, parent_of_child, sum)
    });
    assert_eq!(child, child_seen_self);
    assert_eq!(parent_of_child, Some(parent));
    assert_eq!(sum, (0..100u64).map(|i| i * i).sum::<u64>());
    assert_eq!(exec.spawner().task_count(), 0);
}

#[test]
fn join_handle_returns_output_and_detach_keeps_running() {
    let exec = manual();
    let h = exec.spawn("value", async { vec![1, 2, 3] }).unwrap();
    assert!(!h.is_finished());
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    drop(exec.spawn("detached", async move {
        yield_now().await;
        r.store(true, Ordering::SeqCst);
    }));
    assert_eq!(exec.block_on(h), Ok(vec![1, 2, 3]));
    exec.run_until_idle();
    assert!(ran.load(Ordering::SeqCst));
}

#[test]
fn spawn_fails_with_full_at_max_tasks() {
    let exec = small(3);
    let probes: Vec<Probe> = (0..3).map(|_| Probe::default()).collect();
    let hs: Vec<_> = probes.iter().map(|p| exec.spawn("p", p.future()).unwrap()).collect();
    assert_eq!(exec.spawn("overflow", async {}).unwrap_err(), SpawnError::Full);
    assert_eq!(exec.spawner().task_count(), 3);
    exec.run_until_idle();
    probes[1].release();
    probes[1].waker().wake();
    exec.run_until_idle();
    assert!(hs[1].is_finished());
    let h = exec.spawn("fits-again", async { 5 }).unwrap();
    exec.run_until_idle();
    assert_eq!(h.now_or_never(), Some(Ok(5)));
}

#[test]
fn current_task_is_none_outside_polls() {
    let exec = manual();
    let sp = exec.spawner();
    assert_eq!(sp.current_task(), None);
    let seen = Arc::new(Mutex::new(None));
    let (s, sp2) = (seen.clone(), sp.clone());
    let h = exec
        .spawn("me", async move {
            *s.lock().unwrap() = sp2.current_task();
        })
        .unwrap();
    exec.run_until_idle();
    assert_eq!(*seen.lock().unwrap(), Some(h.id()));
    assert_eq!(sp.current_task(), None);
}

#[test]
fn tasks_snapshot_reports_names_and_states() {
    let exec = manual();
    let sp = exec.spawner();
    let (pa, pb) = (Probe::default(), Probe::default());
    let ha = exec.spawn("alpha", pa.future()).unwrap();
    let hb = exec.spawn("beta", pb.future()).unwrap();
    let state = |id: TaskId| sp.tasks().into_iter().find(|t| t.id == id).unwrap();
    assert_eq!(state(ha.id()).state, TaskState::Ready);
    assert_eq!(state(ha.id()).name, "alpha");
    assert_eq!(state(hb.id()).name, "beta");
    exec.run_until_idle();
    assert_eq!(state(ha.id()).state, TaskState::Waiting);
    assert_eq!(state(ha.id()).polls, 1);
    pa.waker().wake();
    assert_eq!(state(ha.id()).state, TaskState::Ready);
    hb.cancel();
    assert_eq!(state(hb.id()).state, TaskState::Cancelling);
    // Seen from inside: the polled task is Running.
    let sp2 = sp.clone();
    let inner = exec.block_on(async move {
        let me = sp2.current_task().unwrap();
        sp2.tasks().into_iter().find(|t| t.id == me).unwrap().state
    });
    assert_eq!(inner, TaskState::Running);
    assert_eq!(sp.tasks().len(), 1);
}

// ----------------------------------------------------------------------------------------------
// Timers

fn deadlines() -> Vec<(u64, usize)> {
    // 60 sleeps over 20 distinct deadlines (3 per deadline), shuffled; `usize` = spawn order.
    let mut d: Vec<u64> = (0..60).map(|i| (i % 20 + 1) * 1_000).collect();
    shuffle(&mut d, 0x1234_5678);
    d.into_iter().enumerate().map(|(i, d)| (d, i)).collect()
}

/// (deadline, spawn order, clock when woken)
type WakeLog = Arc<Mutex<Vec<(u64, usize, u64)>>>;

fn spawn_sleepers(exec: &Executor<TestPlatform>, log: &WakeLog) -> Vec<kairos_executor::JoinHandle<()>> {
    deadlines()
        .into_iter()
        .map(|(d, i)| {
            let (sp, log) = (exec.spawner(), log.clone());
            exec.spawn("sleeper", async move {
                sp.sleep_until(d).await;
                log.lock().unwrap().push((d, i, sp.now_ns()));
            })
            .unwrap()
        })
        .collect()
}

fn assert_deadline_then_fifo_order(log: &[(u64, usize, u64)]) {
    assert_eq!(log.len(), 60);
    for w in log.windows(2) {
        let ((d0, i0, _), (d1, i1, _)) = (w[0], w[1]);
        assert!(d0 < d1 || (d0 == d1 && i0 < i1), "out of order: {:?} then {:?}", w[0], w[1]);
    }
    for &(d, _, woke_at) in log {
        assert!(woke_at >= d, "woke early");
    }
}

#[test]
fn timers_fire_in_deadline_order_equal_deadlines_fifo_stepwise() {
    let exec = manual();
    let sp = exec.spawner();
    let log = Arc::new(Mutex::new(Vec::new()));
    let _hs = spawn_sleepers(&exec, &log);
    exec.run_until_idle();
    assert_eq!(sp.timer_count(), 60);
    assert_eq!(sp.next_deadline(), Some(1_000));
    while let Some(d) = sp.next_deadline() {
        exec.platform().set_now(d);
        exec.run_until_idle();
    }
    assert_deadline_then_fifo_order(&log.lock().unwrap());
    assert_eq!(sp.timer_count(), 0);
    assert_eq!(sp.task_count(), 0);
}

#[test]
fn timers_fire_in_deadline_order_when_all_expire_at_once() {
    let exec = manual();
    let log = Arc::new(Mutex::new(Vec::new()));
    let _hs = spawn_sleepers(&exec, &log);
    exec.run_until_idle();
    exec.platform().set_now(1_000_000);
    exec.run_until_idle();
    assert_deadline_then_fifo_order(&log.lock().unwrap());
}

#[test]
fn block_on_idles_until_timer_deadline() {
    // Virtual time: the platform's idle jumps the clock to the deadline it is given.
    let exec = manual();
    let log = Arc::new(Mutex::new(Vec::new()));
    let hs = spawn_sleepers(&exec, &log);
    exec.block_on(async move {
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_deadline_then_fifo_order(&log.lock().unwrap());
    assert_eq!(exec.platform().now_ns(), 20_000);
    assert!(exec.platform().idles.load(Ordering::SeqCst) >= 20);
}

#[test]
fn real_clock_sleep_completes_after_duration() {
    let exec = Executor::new(TestPlatform::real(Duration::from_secs(10)), Config::default());
    let sp = exec.spawner();
    let t0 = Instant::now();
    let sp2 = sp.clone();
    exec.block_on(async move { sp2.sleep(20_000_000).await });
    let el = t0.elapsed();
    assert!(el >= Duration::from_millis(20), "{el:?}");
    assert!(el < Duration::from_secs(5), "{el:?}");
}

#[test]
fn dropping_a_sleep_in_select_removes_its_timer() {
    let exec = manual();
    let sp = exec.spawner();
    let sp2 = sp.clone();
    let counts = exec.block_on(async move {
        let sleep = Box::pin(sp2.sleep(1_000_000));
        let quick = Box::pin(async {
            yield_now().await;
            7
        });
        match select(sleep, quick).await {
            Either::Right((v, sleep)) => {
                assert_eq!(v, 7);
                assert!(sleep.is_registered());
                let during = sp2.timer_count();
                drop(sleep);
                (during, sp2.timer_count())
            }
            Either::Left(_) => panic!("sleep won"),
        }
    });
    assert_eq!(counts, (1, 0));
    assert_eq!(sp.next_deadline(), None);
}

#[test]
fn sleep_updates_waker_when_moved_between_tasks() {
    // A Sleep first polled by task A, then (still pending) handed to task B and awaited there:
    // the timer must wake B.
    let exec = manual();
    let sp = exec.spawner();
    let slot: Arc<Mutex<Option<kairos_executor::Sleep>>> = Arc::new(Mutex::new(None));
    let (s1, sp1) = (slot.clone(), sp.clone());
    exec.spawn("a", async move {
        let mut sleep = sp1.sleep_until(500);
        let first = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut sleep).poll(cx))).await;
        assert!(first.is_pending());
        *s1.lock().unwrap() = Some(sleep);
    })
    .map(drop)
    .unwrap();
    exec.run_until_idle();
    assert_eq!(sp.timer_count(), 1);
    let s2 = slot.clone();
    let hb = exec
        .spawn("b", async move {
            let sleep = s2.lock().unwrap().take().unwrap();
            sleep.await;
            "b woke"
        })
        .unwrap();
    exec.run_until_idle();
    assert_eq!(sp.timer_count(), 1);
    exec.platform().set_now(500);
    exec.run_until_idle();
    assert_eq!(hb.now_or_never(), Some(Ok("b woke")));
    assert_eq!(sp.timer_count(), 0);
}

// ----------------------------------------------------------------------------------------------
// Cancellation

#[test]
fn cancel_drops_the_future_and_its_timer() {
    let exec = manual();
    let sp = exec.spawner();
    let dropped = Arc::new(AtomicBool::new(false));
    let (d, sp2) = (dropped.clone(), sp.clone());
    let h = exec
        .spawn("victim", async move {
            let _guard = DropFlag(d);
            sp2.sleep(1_000_000_000).await;
            1
        })
        .unwrap();
    exec.run_until_idle();
    assert_eq!(sp.timer_count(), 1);
    assert!(!dropped.load(Ordering::SeqCst));
    h.cancel();
    h.cancel(); // idempotent
    assert!(!dropped.load(Ordering::SeqCst), "dropped by the run loop, not by cancel()");
    assert_eq!(exec.run_until_idle(), 0, "a cancelled task is not polled");
    assert!(dropped.load(Ordering::SeqCst));
    assert!(h.is_finished());
    assert_eq!(sp.timer_count(), 0);
    assert_eq!(sp.task_count(), 0);
    assert_eq!(exec.block_on(h), Err(Cancelled));
}

#[test]
fn cancel_before_first_poll_and_after_completion() {
    let exec = manual();
    let dropped = Arc::new(AtomicBool::new(false));
    let polled = Arc::new(AtomicBool::new(false));
    let (d, p) = (dropped.clone(), polled.clone());
    let guard = DropFlag(d);
    let h = exec
        .spawn("never-polled", async move {
            let _g = guard;
            p.store(true, Ordering::SeqCst);
        })
        .unwrap();
    h.cancel();
    exec.run_until_idle();
    assert!(dropped.load(Ordering::SeqCst));
    assert!(!polled.load(Ordering::SeqCst));
    assert_eq!(h.now_or_never(), Some(Err(Cancelled)));

    let done = exec.spawn("done", async { 3 }).unwrap();
    exec.run_until_idle();
    done.cancel();
    exec.run_until_idle();
    assert_eq!(done.now_or_never(), Some(Ok(3)));
}

#[test]
fn task_can_cancel_another_task_and_itself() {
    let exec = manual();
    let sp = exec.spawner();
    let other_dropped = Arc::new(AtomicBool::new(false));
    let od = other_dropped.clone();
    let other = exec
        .spawn("other", async move {
            let _g = DropFlag(od);
            std::future::pending::<()>().await;
        })
        .unwrap();
    let own_handle = Arc::new(Mutex::new(None));
    let after_cancel = Arc::new(AtomicBool::new(false));
    let (oh, ac) = (own_handle.clone(), after_cancel.clone());
    let me = exec
        .spawn("self-canceller", async move {
            yield_now().await; // let the test hand us our own handle
            other.cancel();
            let mine: kairos_executor::JoinHandle<()> = oh.lock().unwrap().take().unwrap();
            mine.cancel();
            drop(mine);
            yield_now().await; // Pending: the run loop drops us instead of polling again
            ac.store(true, Ordering::SeqCst);
        })
        .unwrap();
    let me_id = me.id();
    *own_handle.lock().unwrap() = Some(me);
    exec.run_until_idle();
    assert!(other_dropped.load(Ordering::SeqCst));
    assert!(!after_cancel.load(Ordering::SeqCst));
    assert_eq!(sp.task_count(), 0);
    assert!(sp.tasks().iter().all(|t| t.id != me_id));
}

// ----------------------------------------------------------------------------------------------
// Shutdown and misuse

#[test]
fn dropping_the_executor_cancels_tasks_and_refuses_spawns() {
    let exec = manual();
    let sp = exec.spawner();
    let dropped = Arc::new(AtomicBool::new(false));
    let (d, sp2) = (dropped.clone(), sp.clone());
    let h = exec
        .spawn("orphan", async move {
            let _g = DropFlag(d);
            sp2.sleep(1_000).await;
        })
        .unwrap();
    exec.run_until_idle();
    assert_eq!(sp.timer_count(), 1);
    drop(exec);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(h.now_or_never(), Some(Err(Cancelled)));
    assert_eq!(sp.timer_count(), 0);
    assert_eq!(sp.task_count(), 0);
    assert_eq!(sp.spawn("late", async {}).unwrap_err(), SpawnError::Shutdown);
}

#[test]
#[should_panic(expected = "run loop entered twice")]
fn nested_run_loop_panics() {
    let exec = Arc::new(manual());
    let e2 = exec.clone();
    // The inner block_on runs inside a task polled by the outer loop.
    let cell = Arc::new(Mutex::new(Some(e2)));
    exec.block_on(async move {
        let e = cell.lock().unwrap().take().unwrap();
        e.run_until_idle();
    });
}

#[test]
fn spawner_and_handles_are_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<kairos_executor::Spawner>();
    assert_send_sync::<kairos_executor::WakeHandle>();
    assert_send_sync::<kairos_executor::JoinHandle<String>>();
    assert_send_sync::<kairos_executor::Sleep>();
    assert_send_sync::<kairos_executor::TraceBuffer>();
    assert_send_sync::<Executor<TestPlatform>>();
    let _ = Context::from_waker(Waker::noop());
}

#[test]
fn task_id_and_wake_source_encodings_round_trip() {
    let exec = manual();
    let h = exec.spawn("x", async {}).unwrap();
    let id = h.id();
    assert_eq!(TaskId::from_u64(id.as_u64()), id);
    assert_eq!(id.as_u64(), (id.generation() as u64) << 32 | id.slot() as u64);
    assert!(id.generation() >= 1);
    assert_eq!(format!("{id}"), format!("{}g{}", id.slot(), id.generation()));
    for src in [
        WakeSource::Task(id),
        WakeSource::Irq(0),
        WakeSource::Irq(255),
        WakeSource::Timer,
        WakeSource::Executor,
        WakeSource::Other(0),
        WakeSource::Other(u32::MAX),
    ] {
        assert_eq!(WakeSource::decode(src.encode()), Some(src), "{src:?}");
    }
    assert_eq!(WakeSource::decode(0), None);
    let encoded: Vec<u64> =
        [WakeSource::Timer, WakeSource::Executor, WakeSource::Irq(1)].map(WakeSource::encode).to_vec();
    assert!(encoded.iter().all(|e| e >> 63 == 1));
}
