//! The executor proper: the shared state (`Shared`, one `Arc` per executor), the per-CPU run
//! state (`CpuState`: run queue, current context, idle flag), the run loop ([`Executor`]) and
//! the cloneable in-task handle ([`Spawner`]).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use core::task::{Context, Waker};

use crossbeam_queue::ArrayQueue;

use crate::join::{Cancelled, JoinHandle, JoinState};
use crate::task::{
    Body, CANCEL, Entry, LIVE, Mark, SCHEDULED, SlotState, SpawnError, Table, TaskFuture, TaskId, TaskInfo, TaskState,
};
use crate::timer::{Sleep, Timers};
use crate::trace::{TraceBuffer, TraceKind};
use crate::waker::{TaskWaker, WakeHandle, WakeSource};
use crate::{Config, Platform};

/// Encoded `WakeSource::Executor`: the context value outside polls and timer firing.
const CTX_EXECUTOR: u64 = WakeSource::Executor.encode();
const CTX_TIMER: u64 = WakeSource::Timer.encode();

/// Run state of one CPU. There is exactly one today; with SMP there would be one per CPU (see
/// the crate docs) and everything here is already per-CPU in nature.
pub(crate) struct CpuState {
    /// Ready slot indices. Capacity = number of slots, so it cannot overflow (one entry per slot
    /// at most, guaranteed by the `SCHEDULED` bit).
    pub(crate) queue: ArrayQueue<u32>,
    /// Encoded [`WakeSource`] of what this CPU is running: `Task(id)` during a poll, `Timer`
    /// while firing timers, `Executor` otherwise. Used as the source of `Waker::wake` calls.
    pub(crate) context: AtomicU64,
    /// Set while the run loop is inside `Platform::idle`; wakers then call `Platform::notify`.
    pub(crate) idling: AtomicBool,
    /// Set while a run loop (`run`, `run_until_idle`, `block_on`) is active on this CPU; a second
    /// concurrent or nested loop is a bug and panics.
    pub(crate) in_loop: AtomicBool,
}

/// Everything an executor shares with its spawners, wakers, wake handles, sleeps and join
/// handles.
pub(crate) struct Shared {
    pub(crate) platform: Arc<dyn Platform>,
    /// Per-slot atomic state words, fixed at construction (index = slot).
    pub(crate) slots: Box<[SlotState]>,
    pub(crate) table: spin::Mutex<Table>,
    /// Per-CPU state; one element for now.
    pub(crate) cpus: Box<[CpuState]>,
    pub(crate) timers: Timers,
    pub(crate) trace: TraceBuffer,
    /// Live task count, mirrored out of the table for lock-free reads.
    pub(crate) live: AtomicUsize,
    pub(crate) shutdown: AtomicBool,
}

impl Shared {
    fn new(platform: Arc<dyn Platform>, config: &Config) -> Self {
        let n = config.max_tasks;
        assert!(n > 0 && n < u32::MAX as usize, "Config::max_tasks must be in 1..u32::MAX");
        Self {
            slots: (0..n).map(|_| SlotState::new()).collect(),
            table: spin::Mutex::new(Table::new()),
            cpus: Box::new([CpuState {
                queue: ArrayQueue::new(n),
                context: AtomicU64::new(CTX_EXECUTOR),
                idling: AtomicBool::new(false),
                in_loop: AtomicBool::new(false),
            }]),
            timers: Timers::new(),
            trace: TraceBuffer::new(config.trace_capacity, platform.clone()),
            live: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
            platform,
        }
    }

    /// The current CPU's run state. (With SMP: `&self.cpus[self.platform.cpu_id()]`.)
    #[inline]
    pub(crate) fn local(&self) -> &CpuState {
        &self.cpus[0]
    }

    fn current_task(&self) -> Option<TaskId> {
        match WakeSource::decode(self.local().context.load(Ordering::Relaxed)) {
            Some(WakeSource::Task(id)) => Some(id),
            _ => None,
        }
    }

    fn spawn<F>(self: &Arc<Self>, name: &'static str, fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let join = Arc::new(JoinState::new());
        let future: core::pin::Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(TaskFuture::new(fut, join.clone()));
        let parent = self.current_task();
        let (id, push) = {
            let mut table = self.table.lock();
            if self.shutdown.load(Ordering::Relaxed) {
                return Err(SpawnError::Shutdown);
            }
            if table.live() >= self.slots.len() {
                return Err(SpawnError::Full);
            }
            let idx = table.next_index();
            let slot = &self.slots[idx as usize];
            // Stable: the generation only changes in `retire`, under this lock.
            let id = TaskId::new(idx, SlotState::generation_of(slot.load()));
            let waker = Waker::from(Arc::new(TaskWaker { id, shared: self.clone() }));
            let inserted = table.insert(Entry { id, name, parent, polls: 0, body: Some(Body { future, waker }) });
            debug_assert_eq!(inserted, idx);
            self.live.fetch_add(1, Ordering::Relaxed);
            // Recorded before the task becomes runnable, so Spawn precedes its first PollBegin.
            self.trace.record(TraceKind::Spawn as u16, id.as_u64(), parent.map_or(0, TaskId::as_u64), 0);
            (id, slot.activate())
        };
        if push {
            self.enqueue(id.slot());
        }
        Ok(JoinHandle::new(id, join, self.clone()))
    }

    pub(crate) fn request_cancel(&self, id: TaskId) {
        let Some(slot) = self.slots.get(id.slot() as usize) else {
            return;
        };
        if let Mark::MustEnqueue = slot.mark(id, CANCEL) {
            self.enqueue(id.slot());
        }
    }

    /// Fires expired timers (source `Timer`); returns how many fired.
    fn fire_timers(&self) -> usize {
        let cpu = self.local();
        cpu.context.store(CTX_TIMER, Ordering::Relaxed);
        let fired = self.timers.fire_expired(|| self.platform.now_ns());
        cpu.context.store(CTX_EXECUTOR, Ordering::Relaxed);
        if fired > 0 {
            self.trace.record(TraceKind::TimerFire as u16, 0, fired as u64, self.platform.now_ns());
        }
        fired
    }

    /// Pops and polls up to the number of tasks queued on entry (so timers are re-checked
    /// between batches and a self-waking task cannot starve them). Returns polls done.
    fn poll_batch(&self) -> usize {
        let cpu = self.local();
        let budget = cpu.queue.len();
        let mut polls = 0;
        for _ in 0..budget {
            let Some(idx) = cpu.queue.pop() else { break };
            if self.run_slot(idx) {
                polls += 1;
            }
        }
        polls
    }

    /// Handles one popped slot index: discards stale entries, drops cancelled tasks, otherwise
    /// polls the task once. Returns whether a poll happened.
    fn run_slot(&self, idx: u32) -> bool {
        let Some(slot) = self.slots.get(idx as usize) else {
            return false;
        };
        // Clear SCHEDULED *before* polling: a wake during the poll re-queues the task.
        let word = slot.take_scheduled();
        if word & LIVE == 0 {
            return false; // stale entry of a finished task
        }
        let id = TaskId::new(idx, SlotState::generation_of(word));
        let cancel = word & CANCEL != 0;
        let (mut body, polls) = {
            let mut table = self.table.lock();
            let Some(entry) = table.get_mut(idx, id) else {
                return false;
            };
            let Some(body) = entry.body.take() else {
                return false; // being polled (cannot happen with one run loop per CPU)
            };
            if !cancel {
                entry.polls += 1;
            }
            (body, entry.polls)
        };
        if cancel {
            self.finish(idx, body, TraceKind::Cancel, id);
            return false;
        }

        let cpu = self.local();
        cpu.context.store(WakeSource::Task(id).encode(), Ordering::Relaxed);
        self.trace.record(TraceKind::PollBegin as u16, id.as_u64(), polls, 0);
        // No lock is held here: the task may spawn, wake, cancel, sleep, or trace.
        let ready = body.future.as_mut().poll(&mut Context::from_waker(&body.waker)).is_ready();
        self.trace.record(TraceKind::PollEnd as u16, id.as_u64(), ready as u64, 0);
        cpu.context.store(CTX_EXECUTOR, Ordering::Relaxed);

        if ready {
            self.finish(idx, body, TraceKind::Complete, id);
        } else {
            let mut table = self.table.lock();
            if let Some(entry) = table.get_mut(idx, id) {
                entry.body = Some(body);
            }
        }
        true
    }

    /// Removes a finished or cancelled task and drops its body outside the lock.
    fn finish(&self, idx: u32, body: Body, kind: TraceKind, id: TaskId) {
        {
            let mut table = self.table.lock();
            table.remove(idx);
            self.slots[idx as usize].retire();
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
        // Drops the future (running its destructors; a cancelled TaskFuture reports Cancelled
        // to its JoinHandle) and the task's cached waker.
        drop(body);
        self.trace.record(kind as u16, id.as_u64(), 0, 0);
    }

    /// Hands the CPU to the platform until something may have become ready.
    fn idle(&self) {
        let cpu = self.local();
        let deadline = self.timers.next_deadline();
        if let Some(d) = deadline
            && self.platform.now_ns() >= d
        {
            return; // a timer is already due
        }
        cpu.idling.store(true, Ordering::Relaxed);
        // Pairs with the fence in `Shared::enqueue` (Dekker): a concurrent waker either sees
        // `idling` and calls `Platform::notify`, or its push is visible to `has_work`.
        fence(Ordering::SeqCst);
        self.trace.record(TraceKind::Idle as u16, 0, deadline.unwrap_or(u64::MAX), 0);
        self.platform.idle(deadline, &|| !cpu.queue.is_empty());
        cpu.idling.store(false, Ordering::Relaxed);
        self.trace.record(TraceKind::IdleEnd as u16, 0, 0, 0);
    }

    fn enter_loop(&self) -> LoopGuard<'_> {
        let cpu = self.local();
        assert!(
            !cpu.in_loop.swap(true, Ordering::Acquire),
            "kairos-executor: run loop entered twice (nested inside a task, or concurrently)"
        );
        LoopGuard { cpu }
    }

    /// Shutdown: drops every task's future and every timer. Bodies are dropped outside the lock;
    /// destructors that spawn are refused (`SpawnError::Shutdown`).
    fn shutdown(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
        loop {
            let bodies: Vec<Body> = {
                let mut table = self.table.lock();
                let mut bodies = Vec::new();
                for idx in table.occupied_indices() {
                    if let Some(entry) = table.remove(idx) {
                        self.slots[idx as usize].retire();
                        self.live.fetch_sub(1, Ordering::Relaxed);
                        bodies.extend(entry.body);
                    }
                }
                bodies
            };
            if bodies.is_empty() {
                break;
            }
            drop(bodies);
        }
        self.timers.clear();
    }
}

/// Clears `in_loop` when a run loop exits (also on unwind in tests).
struct LoopGuard<'a> {
    cpu: &'a CpuState,
}

impl Drop for LoopGuard<'_> {
    fn drop(&mut self) {
        self.cpu.in_loop.store(false, Ordering::Release);
    }
}

/// The executor: owns the run loop. Create one per kernel (later: one per CPU), hand out
/// [`Spawner`]s, then call [`Executor::run`].
///
/// Dropping the executor drops every remaining task's future (their join handles report
/// [`Cancelled`]) and every timer; spawners that outlive it get [`SpawnError::Shutdown`].
pub struct Executor<P: Platform> {
    platform: Arc<P>,
    shared: Arc<Shared>,
}

impl<P: Platform> Executor<P> {
    /// Creates an executor. Allocates everything waking needs up front: `max_tasks` slot words,
    /// a run queue of `max_tasks` entries and the trace ring.
    ///
    /// # Panics
    /// If `config.max_tasks` is 0 or does not fit a `u32` slot index.
    pub fn new(platform: P, config: Config) -> Self {
        let platform = Arc::new(platform);
        let dyn_platform: Arc<dyn Platform> = platform.clone();
        Self { shared: Arc::new(Shared::new(dyn_platform, &config)), platform }
    }

    /// A cloneable handle for spawning, sleeping, waking and introspection.
    pub fn spawner(&self) -> Spawner {
        Spawner { shared: self.shared.clone() }
    }

    /// Spawns a task; see [`Spawner::spawn`].
    pub fn spawn<F>(&self, name: &'static str, fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(name, fut)
    }

    /// Polls ready tasks and fires expired timers until nothing is ready; never idles. Returns
    /// the number of polls done.
    ///
    /// # Panics
    /// If called from inside a task or while another run loop of this executor is active.
    pub fn run_until_idle(&self) -> usize {
        let _guard = self.shared.enter_loop();
        let mut total = 0;
        loop {
            let fired = self.shared.fire_timers();
            let polls = self.shared.poll_batch();
            total += polls;
            if polls == 0 && fired == 0 && self.shared.local().queue.is_empty() {
                return total;
            }
        }
    }

    /// The kernel's main loop: forever { fire expired timers; poll ready tasks; if none is
    /// ready, `Platform::idle(next_deadline, has_work)` }.
    ///
    /// # Panics
    /// If called from inside a task or while another run loop of this executor is active.
    pub fn run(&self) -> ! {
        let _guard = self.shared.enter_loop();
        loop {
            self.shared.fire_timers();
            let polls = self.shared.poll_batch();
            if polls == 0 && self.shared.local().queue.is_empty() {
                self.shared.idle();
            }
        }
    }

    /// Spawns `fut` as a task named `"block_on"` and runs the loop (idling through the platform
    /// when nothing is ready) until it completes; returns its output. Other tasks keep running
    /// meanwhile. For tests and kernel self-tests.
    ///
    /// # Panics
    /// If the task cannot be spawned (table full, shut down), if it is cancelled, or if called
    /// from inside a task / while another run loop is active.
    pub fn block_on<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let _guard = self.shared.enter_loop();
        let handle = match self.shared.spawn("block_on", fut) {
            Ok(h) => h,
            Err(e) => panic!("block_on: cannot spawn: {e}"),
        };
        loop {
            self.shared.fire_timers();
            let polls = self.shared.poll_batch();
            match handle.state().try_take() {
                Some(Ok(v)) => return v,
                Some(Err(Cancelled)) => panic!("block_on: the future was cancelled"),
                None => {}
            }
            if polls == 0 && self.shared.local().queue.is_empty() {
                self.shared.idle();
            }
        }
    }

    /// The trace buffer (same as [`Spawner::trace`]).
    pub fn trace(&self) -> &TraceBuffer {
        &self.shared.trace
    }

    /// The platform this executor was created with.
    pub fn platform(&self) -> &P {
        &self.platform
    }
}

impl<P: Platform> Drop for Executor<P> {
    fn drop(&mut self) {
        self.shared.shutdown();
    }
}

impl<P: Platform> fmt::Debug for Executor<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("tasks", &self.shared.live.load(Ordering::Relaxed))
            .field("ready", &self.shared.local().queue.len())
            .finish_non_exhaustive()
    }
}

/// Cheap cloneable handle to an executor, usable from inside tasks and from any thread:
/// spawning, sleeping, waking by id, the trace buffer and introspection. `Send + Sync`; not
/// generic over the platform.
#[derive(Clone)]
pub struct Spawner {
    shared: Arc<Shared>,
}

impl Spawner {
    /// Spawns a task named `name` (shown by [`Spawner::tasks`]). Never blocks on the run loop
    /// and never polls the future itself: the task is queued and first polled by the run loop.
    /// The `Spawn` trace event records the spawning task (if any) as parent.
    ///
    /// # Errors
    /// [`SpawnError::Full`] when `Config::max_tasks` tasks are alive; [`SpawnError::Shutdown`]
    /// after the executor was dropped.
    pub fn spawn<F>(&self, name: &'static str, fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(name, fut)
    }

    /// The task this executor is polling right now (from any thread), or `None` outside polls.
    pub fn current_task(&self) -> Option<TaskId> {
        self.shared.current_task()
    }

    /// An IRQ-safe handle for waking tasks by id.
    pub fn wake_handle(&self) -> WakeHandle {
        WakeHandle::new(self.shared.clone())
    }

    /// A future completing once `now_ns() >= deadline_ns`. The timer is registered on the first
    /// pending poll; dropping the `Sleep` removes it.
    pub fn sleep_until(&self, deadline_ns: u64) -> Sleep {
        Sleep::new(self.shared.clone(), deadline_ns)
    }

    /// `sleep_until(now_ns() + duration_ns)`; the deadline is fixed when this is called.
    pub fn sleep(&self, duration_ns: u64) -> Sleep {
        self.sleep_until(self.now_ns().saturating_add(duration_ns))
    }

    /// The platform's monotonic clock, in nanoseconds.
    pub fn now_ns(&self) -> u64 {
        self.shared.platform.now_ns()
    }

    /// The executor's trace buffer (kernel events go here too, via [`TraceBuffer::record`]).
    pub fn trace(&self) -> &TraceBuffer {
        &self.shared.trace
    }

    /// Number of live tasks (lock-free).
    pub fn task_count(&self) -> usize {
        self.shared.live.load(Ordering::Relaxed)
    }

    /// Number of run-queue entries (tasks waiting to be polled, plus stale entries of tasks
    /// that finished while queued). Never exceeds `Config::max_tasks`.
    pub fn ready_count(&self) -> usize {
        self.shared.local().queue.len()
    }

    /// Number of registered timers (pending `Sleep`s that have been polled).
    pub fn timer_count(&self) -> usize {
        self.shared.timers.len()
    }

    /// Earliest registered timer deadline, if any.
    pub fn next_deadline(&self) -> Option<u64> {
        self.shared.timers.next_deadline()
    }

    /// Snapshot of all live tasks, in slot order.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let table = self.shared.table.lock();
        table
            .iter()
            .map(|(idx, e)| {
                let word = self.shared.slots[idx as usize].load();
                let state = if e.body.is_none() {
                    TaskState::Running
                } else if word & CANCEL != 0 {
                    TaskState::Cancelling
                } else if word & SCHEDULED != 0 {
                    TaskState::Ready
                } else {
                    TaskState::Waiting
                };
                TaskInfo { id: e.id, name: e.name, state, parent: e.parent, polls: e.polls }
            })
            .collect()
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").field("tasks", &self.task_count()).finish_non_exhaustive()
    }
}
