//! Trace tests: the executor's event stream is complete, ordered and attributes wakes correctly.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::Waker;

use common::{Probe, TestPlatform};
use kairos_executor::{Config, Executor, TaskId, TraceEvent, TraceKind, WakeSource, yield_now};

/// Kernel-owned kinds, as the kernel would define them.
mod kernel_kind {
    pub const SYSCALL_ENTER: u16 = 0x101;
    pub const SYSCALL_EXIT: u16 = 0x102;
}

fn exec_with(trace_capacity: usize) -> Executor<TestPlatform> {
    Executor::new(TestPlatform::manual(), Config { max_tasks: 1024, trace_capacity })
}

fn kind(e: &TraceEvent) -> Option<TraceKind> {
    e.trace_kind()
}

fn of_kind(events: &[TraceEvent], k: TraceKind) -> Vec<TraceEvent> {
    events.iter().filter(|e| kind(e) == Some(k)).copied().collect()
}

/// A workload mixing yields, sleeps, child spawns and joins.
fn busy_workload(exec: &Executor<TestPlatform>) -> Vec<TaskId> {
    let mut ids = Vec::new();
    for i in 0..20u64 {
        let sp = exec.spawner();
        let h = exec
            .spawn("mixed", async move {
                for _ in 0..i % 4 {
                    yield_now().await;
                }
                sp.sleep_until(100 * (i % 5)).await;
                let child = sp
                    .spawn("child", async move {
                        yield_now().await;
                        i
                    })
                    .unwrap();
                child.await.unwrap()
            })
            .unwrap();
        ids.push(h.id());
    }
    // Drive virtual time until everything finished.
    let sp = exec.spawner();
    while sp.task_count() > 0 {
        if let Some(d) = sp.next_deadline() {
            exec.platform().set_now(d);
        }
        exec.run_until_idle();
    }
    ids
}

#[test]
fn every_poll_begin_has_a_poll_end_and_spawn_precedes_first_poll() {
    let exec = exec_with(1 << 16);
    busy_workload(&exec);
    let trace = exec.trace();
    let events = trace.snapshot();
    assert_eq!(trace.dropped(), 0);
    assert_eq!(events.len() as u64, trace.recorded());

    // Indices strictly increasing, timestamps monotonic (one producer thread here).
    for w in events.windows(2) {
        assert_eq!(w[0].index + 1, w[1].index);
        assert!(w[0].ts < w[1].ts);
    }

    // Globally (one CPU): PollBegin(t) is always followed by PollEnd(t) before any other
    // PollBegin, Complete, Cancel, Spawn-of-self or Idle.
    let mut open: Option<u64> = None;
    for e in &events {
        match kind(e) {
            Some(TraceKind::PollBegin) => {
                assert_eq!(open, None, "nested PollBegin at {e:?}");
                open = Some(e.task);
            }
            Some(TraceKind::PollEnd) => {
                assert_eq!(open, Some(e.task), "PollEnd without PollBegin at {e:?}");
                open = None;
            }
            Some(TraceKind::Idle | TraceKind::Complete | TraceKind::Cancel) => {
                assert_eq!(open, None, "{e:?} inside a poll");
            }
            _ => {}
        }
    }
    assert_eq!(open, None);

    // Per task: Spawn first, polls numbered 1.., the last PollEnd is Ready, then Complete.
    let mut per_task: HashMap<u64, Vec<TraceEvent>> = HashMap::new();
    for e in &events {
        if e.task != 0 && kind(e) != Some(TraceKind::Wake) {
            per_task.entry(e.task).or_default().push(*e);
        }
    }
    assert_eq!(per_task.len(), 40, "20 tasks + 20 children");
    for (task, evs) in per_task {
        assert_eq!(kind(&evs[0]), Some(TraceKind::Spawn), "task {task:#x}: {evs:?}");
        assert_eq!(kind(evs.last().unwrap()), Some(TraceKind::Complete));
        let begins = of_kind(&evs, TraceKind::PollBegin);
        let ends = of_kind(&evs, TraceKind::PollEnd);
        assert_eq!(begins.len(), ends.len());
        assert!(!begins.is_empty());
        for (n, b) in begins.iter().enumerate() {
            assert_eq!(b.a, n as u64 + 1, "poll numbers");
        }
        let (last, rest) = ends.split_last().unwrap();
        assert_eq!(last.a, 1, "last poll returned Ready");
        assert!(rest.iter().all(|e| e.a == 0));
    }
}

#[test]
fn spawn_event_records_parent() {
    let exec = exec_with(4096);
    let sp = exec.spawner();
    let sp2 = sp.clone();
    let (parent, child) = exec.block_on(async move {
        let me = sp2.current_task().unwrap();
        let c = sp2.spawn("child", async {}).unwrap();
        let cid = c.id();
        c.await.unwrap();
        (me, cid)
    });
    let events = sp.trace().snapshot();
    let spawns = of_kind(&events, TraceKind::Spawn);
    let ps = spawns.iter().find(|e| e.task == parent.as_u64()).unwrap();
    assert_eq!(ps.a, 0, "spawned from outside any task");
    let cs = spawns.iter().find(|e| e.task == child.as_u64()).unwrap();
    assert_eq!(cs.a, parent.as_u64());
}

#[test]
fn wake_events_carry_the_right_source() {
    let exec = exec_with(4096);
    let sp = exec.spawner();
    let wh = sp.wake_handle();

    // B waits; A wakes B's waker from inside its poll.
    let b = Probe::default();
    let hb = exec.spawn("b", b.future()).unwrap();
    exec.run_until_idle();
    let b_waker: Waker = b.waker();
    let ha = exec
        .spawn("a", async move {
            b_waker.wake_by_ref();
            b_waker.wake(); // coalesced: B is already queued
        })
        .unwrap();
    exec.run_until_idle();

    // Timer wake.
    let sp2 = sp.clone();
    let hs = exec.spawn("sleeper", async move { sp2.sleep_until(50).await }).unwrap();
    exec.run_until_idle();
    exec.platform().set_now(50);
    exec.run_until_idle();

    // Wakes from outside any task: a Waker (→ Executor) and WakeHandle sources.
    b.waker().wake();
    exec.run_until_idle();
    wh.wake(hb.id(), WakeSource::Irq(14));
    exec.run_until_idle();
    wh.wake(hb.id(), WakeSource::Other(99));
    exec.run_until_idle();
    wh.wake(hb.id(), WakeSource::Task(ha.id()));
    exec.run_until_idle();

    let wakes: Vec<(u64, Option<WakeSource>, u64)> = of_kind(&sp.trace().snapshot(), TraceKind::Wake)
        .iter()
        .map(|e| (e.task, WakeSource::decode(e.a), e.b))
        .collect();
    let b_id = hb.id().as_u64();
    assert_eq!(
        wakes,
        vec![
            (b_id, Some(WakeSource::Task(ha.id())), 1),
            (b_id, Some(WakeSource::Task(ha.id())), 0),
            (hs.id().as_u64(), Some(WakeSource::Timer), 1),
            (b_id, Some(WakeSource::Executor), 1),
            (b_id, Some(WakeSource::Irq(14)), 1),
            (b_id, Some(WakeSource::Other(99)), 1),
            (b_id, Some(WakeSource::Task(ha.id())), 1),
        ]
    );
    // The yield_now self-wake is attributed to the task itself.
    let sp3 = sp.clone();
    let hy = exec.spawn("yielder", yield_now()).unwrap();
    exec.run_until_idle();
    let last_wake = *of_kind(&sp3.trace().snapshot(), TraceKind::Wake).last().unwrap();
    assert_eq!(last_wake.task, hy.id().as_u64());
    assert_eq!(WakeSource::decode(last_wake.a), Some(WakeSource::Task(hy.id())));
    // Stale wakes are not recorded.
    let before = sp.trace().recorded();
    wh.wake(hy.id(), WakeSource::Irq(1));
    assert_eq!(sp.trace().recorded(), before);
}

#[test]
fn kernel_events_interleave_with_executor_events() {
    let exec = exec_with(4096);
    let sp = exec.spawner();
    let sp2 = sp.clone();
    let id = exec.block_on(async move {
        let me = sp2.current_task().unwrap();
        sp2.trace().record(kernel_kind::SYSCALL_ENTER, me.as_u64(), 60, 0);
        yield_now().await;
        sp2.trace().record(kernel_kind::SYSCALL_EXIT, me.as_u64(), 60, 0);
        me
    });
    let evs: Vec<(u16, u64)> = sp
        .trace()
        .snapshot()
        .iter()
        .filter(|e| e.task == id.as_u64() && e.kind != TraceKind::Wake as u16)
        .map(|e| (e.kind, e.a))
        .collect();
    assert_eq!(
        evs,
        vec![
            (TraceKind::Spawn as u16, 0),
            (TraceKind::PollBegin as u16, 1),
            (kernel_kind::SYSCALL_ENTER, 60),
            (TraceKind::PollEnd as u16, 0),
            (TraceKind::PollBegin as u16, 2),
            (kernel_kind::SYSCALL_EXIT, 60),
            (TraceKind::PollEnd as u16, 1),
            (TraceKind::Complete as u16, 0),
        ]
    );
    const { assert!(kernel_kind::SYSCALL_ENTER >= TraceKind::KERNEL_BASE) };
    assert_eq!(TraceKind::from_u16(kernel_kind::SYSCALL_ENTER), None);
}

#[test]
fn cancel_and_idle_events() {
    let exec = exec_with(4096);
    let sp = exec.spawner();
    let h = exec.spawn("doomed", std::future::pending::<()>()).unwrap();
    exec.run_until_idle();
    h.cancel();
    exec.run_until_idle();
    let sp2 = sp.clone();
    exec.block_on(async move { sp2.sleep_until(777).await });
    let events = sp.trace().snapshot();
    let cancels = of_kind(&events, TraceKind::Cancel);
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].task, h.id().as_u64());
    let idles = of_kind(&events, TraceKind::Idle);
    assert!(!idles.is_empty());
    assert_eq!(idles[0].a, 777, "idle records the deadline handed to the platform");
    assert_eq!(of_kind(&events, TraceKind::IdleEnd).len(), idles.len());
    let fires = of_kind(&events, TraceKind::TimerFire);
    assert_eq!(fires.len(), 1);
    assert_eq!((fires[0].a, fires[0].b), (1, 777));
}

#[test]
fn ring_wraps_with_dropped_count_and_ordered_snapshot() {
    let exec = exec_with(64);
    let sp = exec.spawner();
    drop(exec.spawn("spinner", async {
        for _ in 0..500 {
            yield_now().await;
        }
    }));
    exec.run_until_idle();
    let trace = sp.trace();
    assert_eq!(trace.capacity(), 64);
    let events = trace.snapshot();
    assert_eq!(events.len(), 64);
    assert!(trace.recorded() > 1500);
    assert_eq!(trace.dropped(), trace.recorded() - 64);
    for w in events.windows(2) {
        assert_eq!(w[0].index + 1, w[1].index);
        assert!(w[0].ts < w[1].ts);
    }
    assert_eq!(events.last().unwrap().index, trace.recorded() - 1);
    assert_eq!(kind(events.last().unwrap()), Some(TraceKind::Complete));
}

#[test]
fn disabled_tracing_records_nothing_and_executor_still_works() {
    let exec = exec_with(1024);
    let sp = exec.spawner();
    sp.trace().set_enabled(false);
    assert!(!sp.trace().is_enabled());
    let out = Arc::new(Mutex::new(0));
    let o = out.clone();
    exec.block_on(async move {
        yield_now().await;
        *o.lock().unwrap() = 5;
    });
    assert_eq!(*out.lock().unwrap(), 5);
    assert_eq!(sp.trace().recorded(), 0);
    assert!(sp.trace().snapshot().is_empty());

    let none = exec_with(0);
    assert!(!none.spawner().trace().is_enabled());
    assert_eq!(none.block_on(async { 3 }), 3);
    assert!(none.spawner().trace().snapshot().is_empty());
}
