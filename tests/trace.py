#!/usr/bin/env python3
"""Turns a Kairos executor trace dump into a timeline, a summary and a picture.

With `trace=com3` on the kernel command line the kernel writes its trace ring to COM3 when the
machine powers off, panics or faults (format: kernel/src/tracedump.rs). This tool reads that
dump and writes, into target/trace/ (or --out):

    trace.json    Chrome Trace Event / Perfetto timeline: one track per CPU and one per task
                  (user threads are named "pid N tid M", with a second "… syscalls" track for
                  their syscall and page-fault spans), poll slices, idle spans, instants for
                  wakes/IRQs/signals/page faults, and flow arrows from every wake (and spawn)
                  to the woken task's next poll.
    summary.txt   top tasks by poll time, longest polls, wake→poll latency percentiles,
                  syscall counts and latencies per syscall, signals, page faults, drops.
    trace.svg     a static timeline of a short window (one row per task, wake arrows).

Usage:

    tests/trace.py [DUMP]                      # parse DUMP (default target/trace/trace.bin)
    tests/trace.py --run [--workload BIN]      # build the default workload (or take BIN, a
                                               # static program), boot it with trace=com3, parse
    tests/trace.py --check [DUMP]              # also validate the invariants; exit 1 if broken
    options: --kernel ELF --out DIR --window START_MS:END_MS --svg-copy PATH --cmdline "..."

Library (used by tests/test_trace.py): parse_dump(), Trace, chrome_trace(), summary(),
render_svg(), check(), run_workload(), process().
"""
import argparse
import colorsys
import json
import os
import re
import struct
import sys
from bisect import bisect_right

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT_DIR = os.path.join(ROOT, "target", "trace")
KERNEL = os.path.join(ROOT, "target", "kairos", "kairos.elf")
WORKLOAD_SRC = os.path.join(ROOT, "userland", "trace", "workload.c")

# --- Event kinds (executor/src/trace.rs, kernel/src/sched.rs `trace_kind`) ---------------------
SPAWN, POLL_BEGIN, POLL_END, WAKE, COMPLETE, CANCEL, IDLE, IDLE_END, TIMER_FIRE = range(1, 10)
IRQ = 0x100
SYSCALL_ENTER = 0x101
SYSCALL_EXIT = 0x102
PAGE_FAULT = 0x103
PAGE_FAULT_END = 0x104
SIGNAL_GENERATE = 0x105
SIGNAL_DELIVER = 0x106
MM_SWITCH = 0x107
USER_ENTER = 0x108
USER_THREAD = 0x109

KIND_NAMES = {
    SPAWN: "spawn", POLL_BEGIN: "poll-begin", POLL_END: "poll-end", WAKE: "wake",
    COMPLETE: "complete", CANCEL: "cancel", IDLE: "idle", IDLE_END: "idle-end",
    TIMER_FIRE: "timer-fire", IRQ: "irq", SYSCALL_ENTER: "syscall-enter",
    SYSCALL_EXIT: "syscall-exit", PAGE_FAULT: "page-fault", PAGE_FAULT_END: "page-fault-end",
    SIGNAL_GENERATE: "signal-generate", SIGNAL_DELIVER: "signal-deliver",
    MM_SWITCH: "mm-switch", USER_ENTER: "user-enter", USER_THREAD: "user-thread",
}

SIGNALS = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
    8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
    14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
    20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
    26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
}

# Chrome-trace process/thread ids of the synthetic tracks (user threads use their real pid/tid).
CPU_PID = 1_000_000          # "CPUs": one thread per CPU, tid CPU_TID + cpu
CPU_TID = 1_000_000
KERNEL_PID = 1_000_001       # "kernel tasks": one thread per executor task without a user thread
KTASK_TID = 1_100_000
UNKNOWN_PID = 1_000_002      # user threads whose USER_THREAD event was lost to the ring wrap
SYS_TID = 2_000_000          # per user thread: its syscall / page-fault track, tid SYS_TID + tid

HEADER = struct.Struct("<8sIIQQQQ")
EVENT = struct.Struct("<QHHIQQQ")


def syscall_names(path=os.path.join(ROOT, "abi", "src", "syscall.rs")):
    """{number: name} parsed from the abi crate's syscall table (`0 read SYS_READ;` lines)."""
    names = {}
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"\s*(\d+)\s+(\w+)\s+SYS_\w+\s*;", line)
                if m:
                    names[int(m.group(1))] = m.group(2)
    except OSError:
        pass
    return names


ERRNO = {1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 7: "E2BIG", 8: "ENOEXEC",
         9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT",
         16: "EBUSY", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 24: "EMFILE",
         25: "ENOTTY", 28: "ENOSPC", 29: "ESPIPE", 32: "EPIPE", 34: "ERANGE", 36: "ENAMETOOLONG",
         38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
         512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK"}


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def fmt_result(v):
    s = signed(v)
    if -4096 < s < 0:
        return f"-{ERRNO.get(-s, -s)}"
    return hex(v) if v > 0xffff else str(s)


def task_label(task):
    """TaskId as the kernel prints it: slot `g` generation."""
    return f"{task & 0xffffffff}g{task >> 32}"


def decode_wake_source(raw):
    """WakeSource::encode inverse (executor/src/waker.rs): ("task", id) | ("irq", vector) |
    ("timer", 0) | ("executor", 0) | ("other", n) | ("invalid", raw)."""
    if raw & (1 << 63) == 0:
        return ("task", raw) if raw else ("invalid", raw)
    tag = (raw >> 32) & 0x7FFF_FFFF
    payload = raw & 0xffff_ffff
    return {1: ("irq", payload), 2: ("timer", 0), 3: ("executor", 0), 4: ("other", payload)}.get(tag, ("invalid", raw))


# --- The dump ----------------------------------------------------------------------------------

class Event:
    __slots__ = ("i", "ts", "kind", "cpu", "task", "a", "b", "ns")

    def __init__(self, i, ts, kind, cpu, task, a, b):
        self.i, self.ts, self.kind, self.cpu, self.task, self.a, self.b = i, ts, kind, cpu, task, a, b
        self.ns = 0

    def __repr__(self):
        return (f"Event(#{self.i} {self.ns}ns {KIND_NAMES.get(self.kind, hex(self.kind))} cpu{self.cpu} "
                f"task={self.task:#x} a={self.a:#x} b={self.b:#x})")


class Dump:
    """The decoded COM3 dump."""

    def __init__(self):
        self.version = self.cpus = self.tsc_hz = self.recorded = self.dropped = 0
        self.events = []
        self.names = {}
        self.complete = False
        self.problems = []


def parse_dump(data):
    """Decodes a dump (bytes; anything before the "KAIROSTR" magic is skipped). A truncated dump
    (the machine died mid-write) yields the events that arrived, with `complete = False`."""
    d = Dump()
    start = data.find(b"KAIROSTR")
    if start < 0:
        raise ValueError("no KAIROSTR magic: the dump is empty (was the kernel booted with trace=com3?)")
    if len(data) < start + HEADER.size:
        raise ValueError("dump truncated inside its header")
    _, d.version, d.cpus, d.tsc_hz, d.recorded, d.dropped, count = HEADER.unpack_from(data, start)
    if d.version != 1:
        raise ValueError(f"unknown trace dump version {d.version}")
    off = start + HEADER.size
    for k in range(count):
        if off + EVENT.size > len(data):
            d.problems.append(f"dump truncated after {k} of {count} events")
            return d
        ts, kind, cpu, _pad, task, a, b = EVENT.unpack_from(data, off)
        d.events.append(Event(k, ts, kind, cpu, task, a, b))
        off += EVENT.size
    if off + 8 > len(data):
        d.problems.append("dump truncated before the task names")
        return d
    (n,) = struct.unpack_from("<Q", data, off)
    off += 8
    for _ in range(n):
        if off + 10 > len(data):
            d.problems.append("dump truncated inside the task names")
            return d
        task, ln = struct.unpack_from("<QH", data, off)
        off += 10
        d.names[task] = data[off:off + ln].decode(errors="replace")
        off += ln
    if data[off:off + 8] == b"KAIROEND":
        d.complete = True
    else:
        d.problems.append("missing KAIROEND trailer")
    return d


# --- The model ---------------------------------------------------------------------------------

class Poll:
    __slots__ = ("task", "cpu", "begin", "end", "number", "ready")

    def __init__(self, task, cpu, begin, number):
        self.task, self.cpu, self.begin, self.end, self.number, self.ready = task, cpu, begin, None, number, False


class Wake:
    __slots__ = ("ev", "target", "source", "queued", "waker", "next_poll")

    def __init__(self, ev, waker):
        self.ev, self.target, self.source, self.queued = ev, ev.task, decode_wake_source(ev.a), ev.b == 1
        self.waker = waker          # task being polled on that CPU when the wake happened, or None
        self.next_poll = None       # the woken task's next poll (Poll), if it is in the trace


class Span:
    """A syscall or page fault of one thread."""
    __slots__ = ("tid", "nr", "enter", "exit", "arg", "result", "cut_ns")

    def __init__(self, tid, nr, enter, arg):
        self.tid, self.nr, self.enter, self.exit, self.arg, self.result = tid, nr, enter, None, arg, None
        self.cut_ns = None  # for a span without an exit: when the thread's next span began


class Trace:
    """Everything derived from a Dump: polls, wakes, syscalls, faults, signals, names."""

    def __init__(self, dump, sysnames=None):
        self.dump = dump
        self.sysnames = sysnames if sysnames is not None else syscall_names()
        ev = dump.events
        self.wrapped = dump.dropped > 0
        hz = dump.tsc_hz or 1_000_000_000
        self.t0 = ev[0].ts if ev else 0
        for e in ev:
            e.ns = (e.ts - self.t0) * 1_000_000_000 // hz
        self.end_ns = ev[-1].ns if ev else 0
        self.threads = {}        # task -> (tid, pid)
        self.tid_pid = {}
        self.tid_task = {}
        self.spawns = {}         # task -> spawn event
        self.parents = {}        # task -> parent task
        self.polls = []
        self.polls_by_task = {}
        self.wakes = []
        self.syscalls = []
        self.unmatched_exits = []  # (event, reason)
        self.faults = []
        self.sig_generated = []
        self.sig_delivered = []
        self.irqs = []
        self.idles = []          # (begin event, end event or None)
        self.timer_fires = []
        self.mm_switches = []
        self.user_enters = []
        self.ends = {}           # task -> Complete/Cancel event
        self.poll_problems = []  # strings
        self.tasks_seen = []     # in order of first appearance
        self.inferred = set()    # tasks whose tid was inferred (their USER_THREAD event was lost)
        self._build()
        self._infer_threads()

    def _infer_threads(self):
        """After a ring wrap a thread's USER_THREAD event may be gone; its tid can still be read
        off the per-thread kernel events recorded inside its own polls."""
        open_poll = {}
        seen = {}
        for e in self.dump.events:
            if e.kind == POLL_BEGIN:
                open_poll[e.cpu] = e.task
            elif e.kind == POLL_END:
                open_poll.pop(e.cpu, None)
            elif e.kind in (SYSCALL_ENTER, SYSCALL_EXIT, USER_ENTER, MM_SWITCH, PAGE_FAULT):
                task = open_poll.get(e.cpu)
                if task is not None and task not in seen:
                    seen[task] = e.task
        for task, tid in seen.items():
            if task not in self.threads and tid not in self.tid_task:
                self.threads[task] = (tid, None)
                self.tid_task[tid] = task
                self.inferred.add(task)

    # Names and tracks.
    def name(self, task):
        if task in self.threads:
            tid, pid = self.threads[task]
            return f"pid {pid} tid {tid}" if pid is not None else f"pid ? tid {tid}"
        n = self.dump.names.get(task)
        return f"{n} [{task_label(task)}]" if n else f"task {task_label(task)}"

    def thread_name(self, tid):
        pid = self.tid_pid.get(tid)
        return f"pid {pid} tid {tid}" if pid is not None else f"tid {tid}"

    def _seen(self, task):
        if task and task not in self._seen_set:
            self._seen_set.add(task)
            self.tasks_seen.append(task)

    def _build(self):
        self._seen_set = set()
        open_poll = {}     # cpu -> Poll
        open_idle = {}     # cpu -> event
        open_sys = {}      # tid -> Span
        open_fault = {}    # tid -> Span
        sys_seen_tid = set()
        for e in self.dump.events:
            k = e.kind
            if k == SPAWN:
                self.spawns.setdefault(e.task, e)
                if e.a:
                    self.parents[e.task] = e.a
                self._seen(e.task)
            elif k == POLL_BEGIN:
                prev = open_poll.get(e.cpu)
                if prev is not None:
                    self.poll_problems.append(f"cpu{e.cpu}: poll of {self.name(e.task)} at {e.ns} ns begins while "
                                              f"{self.name(prev.task)} (since {prev.begin.ns} ns) has not ended")
                p = Poll(e.task, e.cpu, e, e.a)
                open_poll[e.cpu] = p
                self.polls.append(p)
                self.polls_by_task.setdefault(e.task, []).append(p)
                self._seen(e.task)
            elif k == POLL_END:
                p = open_poll.get(e.cpu)
                if p is None or p.task != e.task:
                    # Only legitimate as the first event of the dump's CPU (poll began before the
                    # ring's oldest event).
                    if not (self.wrapped and not any(q.cpu == e.cpu for q in self.polls)):
                        self.poll_problems.append(f"cpu{e.cpu}: poll end of {self.name(e.task)} at {e.ns} ns "
                                                  f"without a matching poll begin")
                else:
                    p.end, p.ready = e, e.a == 1
                    del open_poll[e.cpu]
            elif k == WAKE:
                cur = open_poll.get(e.cpu)
                self.wakes.append(Wake(e, cur.task if cur else None))
            elif k in (COMPLETE, CANCEL):
                self.ends[e.task] = e
            elif k == IDLE:
                open_idle[e.cpu] = e
            elif k == IDLE_END:
                self.idles.append((open_idle.pop(e.cpu, None), e))
            elif k == TIMER_FIRE:
                self.timer_fires.append(e)
            elif k == IRQ:
                self.irqs.append(e)
            elif k == USER_THREAD:
                self.threads[e.task] = (e.a, e.b)
                self.tid_pid[e.a] = e.b
                self.tid_task[e.a] = e.task
            elif k == SYSCALL_ENTER:
                tid = e.task
                sys_seen_tid.add(tid)
                prev = open_sys.pop(tid, None)
                if prev is not None:
                    prev.result = "no exit"
                    prev.cut_ns = e.ns
                s = Span(tid, e.a, e, e.b)
                open_sys[tid] = s
                self.syscalls.append(s)
            elif k == SYSCALL_EXIT:
                tid = e.task
                s = open_sys.get(tid)
                if s is not None and s.nr == e.a:
                    s.exit, s.result = e, e.b
                    del open_sys[tid]
                elif s is not None:
                    self.unmatched_exits.append((e, f"exit of {self.sysname(e.a)} while {self.sysname(s.nr)} is open"))
                elif tid in sys_seen_tid or not self.wrapped:
                    self.unmatched_exits.append((e, "no earlier enter"))
                sys_seen_tid.add(tid)
            elif k == PAGE_FAULT:
                f = Span(e.task, 0, e, e.a)
                f.result = e.b  # error code until resolved
                open_fault[e.task] = f
                self.faults.append(f)
            elif k == PAGE_FAULT_END:
                f = open_fault.pop(e.task, None)
                if f is not None:
                    f.exit = e
            elif k == SIGNAL_GENERATE:
                self.sig_generated.append(e)
            elif k == SIGNAL_DELIVER:
                self.sig_delivered.append(e)
            elif k == MM_SWITCH:
                self.mm_switches.append(e)
            elif k == USER_ENTER:
                self.user_enters.append(e)
        self.unfinished_polls = list(open_poll.values())
        # Each wake → the woken task's next poll (by position in the chronological order).
        begins = {t: [p.begin.i for p in ps] for t, ps in self.polls_by_task.items()}
        for w in self.wakes:
            b = begins.get(w.target)
            if b:
                j = bisect_right(b, w.ev.i)
                if j < len(b):
                    w.next_poll = self.polls_by_task[w.target][j]

    def sysname(self, nr):
        return self.sysnames.get(nr, f"syscall_{nr}")

    def task_end_ns(self, task):
        e = self.ends.get(task)
        return e.ns if e else self.end_ns


# --- Chrome Trace Event JSON -------------------------------------------------------------------

def us(ns):
    """Nanoseconds → the format's microseconds (exact to the nanosecond)."""
    return round(ns / 1000, 3)


def chrome_trace(t):
    """The Chrome Trace Event object for Trace `t`."""
    out = []
    ktid = {}

    def task_track(task):
        if task in t.threads:
            tid, pid = t.threads[task]
            return (pid if pid is not None else UNKNOWN_PID), tid
        if task not in ktid:
            ktid[task] = KTASK_TID + len(ktid)
        return KERNEL_PID, ktid[task]

    def thread_track(tid):
        task = t.tid_task.get(tid)
        if task is not None:
            return task_track(task)
        return t.tid_pid.get(tid, UNKNOWN_PID), tid

    def sys_track(tid):
        return t.tid_pid.get(tid, UNKNOWN_PID), SYS_TID + tid

    def cpu_track(cpu):
        return CPU_PID, CPU_TID + cpu

    def ev(ph, name, cat, ns, track, **kw):
        d = {"ph": ph, "name": name, "cat": cat, "ts": us(ns), "pid": track[0], "tid": track[1]}
        d.update(kw)
        out.append(d)
        return d

    # Tracks and their names.
    procs = {CPU_PID: ("CPUs", 0), KERNEL_PID: ("kernel tasks", 1)}
    threads = {}
    cpus = sorted({e.cpu for e in t.dump.events}) or [0]
    for c in cpus:
        threads[cpu_track(c)] = (f"CPU {c}", c)
    for n, task in enumerate(t.tasks_seen):
        tr = task_track(task)
        threads[tr] = (t.name(task), tr[1] * 2 if task in t.threads else n)
    sys_tids = sorted({s.tid for s in t.syscalls} | {f.tid for f in t.faults} | {e.task for e in t.user_enters})
    for tid in sys_tids:
        threads[sys_track(tid)] = (t.thread_name(tid) + " syscalls", tid * 2 + 1)
        tr = thread_track(tid)
        threads.setdefault(tr, (t.thread_name(tid), tid * 2))
    for pid, _tid in list(threads):
        if pid not in procs:
            procs[pid] = ("unknown pid" if pid == UNKNOWN_PID else f"pid {pid}", 10 + (pid if pid < CPU_PID else 0))
    for pid, (name, order) in sorted(procs.items()):
        out.append({"ph": "M", "name": "process_name", "ts": 0, "pid": pid, "tid": 0, "args": {"name": name}})
        out.append({"ph": "M", "name": "process_sort_index", "ts": 0, "pid": pid, "tid": 0, "args": {"sort_index": order}})
    for (pid, tid), (name, order) in sorted(threads.items()):
        out.append({"ph": "M", "name": "thread_name", "ts": 0, "pid": pid, "tid": tid, "args": {"name": name}})
        out.append({"ph": "M", "name": "thread_sort_index", "ts": 0, "pid": pid, "tid": tid, "args": {"sort_index": order}})

    # Polls, on the CPU track and on the task track.
    for p in t.polls:
        end = p.end.ns if p.end else t.end_ns
        args = {"task": task_label(p.task), "poll": p.number, "ready": p.ready}
        if p.end is None:
            args["unfinished"] = True
        name = t.name(p.task)
        ev("X", name, "poll", p.begin.ns, cpu_track(p.cpu), dur=us(end - p.begin.ns) if end >= p.begin.ns else 0, args=args)
        ev("X", "poll", "poll", p.begin.ns, task_track(p.task), dur=us(end - p.begin.ns), args=dict(args, cpu=p.cpu))
    for b, e in t.idles:
        if b is not None:
            deadline = "none" if b.a == (1 << 64) - 1 else b.a
            ev("X", "idle", "idle", b.ns, cpu_track(b.cpu), dur=us(e.ns - b.ns), args={"next_deadline_ns": deadline})

    # Wakes: an instant on the woken task's track, a tiny slice on the waker's track (the task
    # being polled on that CPU, else the CPU) and a flow from there to the woken task's next poll.
    polls_on_cpu = {}
    for p in t.polls:
        polls_on_cpu.setdefault(p.cpu, []).append(p)
    idles_on_cpu = {}
    for b, e in t.idles:
        if b is not None:
            idles_on_cpu.setdefault(b.cpu, []).append((b.ns, e.ns))

    def enclosing_end(cpu, ns, task):
        """End (ns) of the slice that will enclose a marker at `ns` on the waker's track."""
        if task is not None:
            for p in reversed(polls_on_cpu.get(cpu, [])):
                if p.begin.ns <= ns and p.task == task:
                    return p.end.ns if p.end else t.end_ns
        for b, e in idles_on_cpu.get(cpu, []):
            if b <= ns <= e:
                return e
        # Not enclosed: stop before the next slice on the CPU track begins.
        nxt = [p.begin.ns for p in polls_on_cpu.get(cpu, []) if p.begin.ns > ns] + \
              [b for b, _e in idles_on_cpu.get(cpu, []) if b > ns]
        return min(nxt + [ns + 1])

    flow_id = 0
    for w in t.wakes:
        e = w.ev
        kind, payload = w.source
        src = {"task": lambda: t.name(payload), "irq": lambda: f"irq {payload}", "timer": lambda: "timer",
               "executor": lambda: "executor", "other": lambda: f"other {payload}"}.get(kind, lambda: "?")()
        args = {"target": t.name(w.target), "source": src, "queued": w.queued}
        ev("i", "woken", "wake", e.ns, task_track(w.target), s="t", args=args)
        if w.next_poll is None:
            continue
        flow_id += 1
        wtrack = task_track(w.waker) if w.waker is not None else cpu_track(e.cpu)
        dur = max(0, min(1, enclosing_end(e.cpu, e.ns, w.waker) - e.ns))
        ev("X", f"wake {t.name(w.target)}", "wake", e.ns, wtrack, dur=us(dur), args=dict(args, flow=flow_id))
        ev("s", "wake", "wake", e.ns, wtrack, id=flow_id)
        ev("f", "wake", "wake", w.next_poll.begin.ns, task_track(w.target), id=flow_id, bp="e")
    # Spawns: instant on the new task, flow from the spawner to the first poll.
    first_poll = {task: ps[0] for task, ps in t.polls_by_task.items()}
    for task, e in t.spawns.items():
        parent = t.parents.get(task)
        ev("i", "spawned", "spawn", e.ns, task_track(task), s="t",
           args={"task": task_label(task), "parent": t.name(parent) if parent else "none"})
        p = first_poll.get(task)
        if parent and p is not None and p.begin.i > e.i:
            flow_id += 1
            ev("s", "spawn", "spawn", e.ns, task_track(parent), id=flow_id)
            ev("f", "spawn", "spawn", p.begin.ns, task_track(task), id=flow_id, bp="e")
    for task, e in t.ends.items():
        ev("i", "complete" if e.kind == COMPLETE else "cancel", "task", e.ns, task_track(task), s="t")

    # CPU instants.
    for e in t.irqs:
        ev("i", f"irq {e.a}", "irq", e.ns, cpu_track(e.cpu), s="t", args={"vector": e.a})
    for e in t.timer_fires:
        ev("i", "timers fired", "timer", e.ns, cpu_track(e.cpu), s="t", args={"fired": e.a, "now_ns": e.b})
    for e in t.mm_switches:
        ev("i", "mm switch", "mm", e.ns, cpu_track(e.cpu), s="t", args={"tid": e.task, "cr3": hex(e.a)})

    # Per-thread syscall and fault spans, returns to user.
    for s in t.syscalls:
        if s.exit:
            end = s.exit.ns
        elif s.cut_ns is not None:
            end = s.cut_ns
        else:
            end = max(s.enter.ns, t.task_end_ns(t.tid_task.get(s.tid, 0)))
        args = {"nr": s.nr, "arg0": hex(s.arg)}
        if s.exit:
            args["result"] = fmt_result(s.result)
        else:
            args["result"] = s.result or "unfinished"
        ev("X", t.sysname(s.nr), "syscall", s.enter.ns, sys_track(s.tid), dur=us(end - s.enter.ns), args=args)
    for f in t.faults:
        end = f.exit.ns if f.exit else f.enter.ns
        args = {"addr": hex(f.arg), "error": hex(f.enter.b),
                "outcome": ("signal" if f.exit.b else "resolved") if f.exit else "unfinished"}
        ev("X", "page fault", "fault", f.enter.ns, sys_track(f.tid), dur=us(end - f.enter.ns), args=args)
        ev("i", "page fault", "fault", f.enter.ns, thread_track(f.tid), s="t", args=args)
    for e in t.user_enters:
        ev("i", "to user", "user", e.ns, sys_track(e.task), s="t", args={"rip": hex(e.a)})
    for e in t.sig_generated:
        ev("i", f"{SIGNALS.get(e.a, e.a)} generated", "signal", e.ns, thread_track(e.task), s="t",
           args={"signal": e.a, "target": e.task, "sender_pid": e.b})
    for e in t.sig_delivered:
        ev("i", f"{SIGNALS.get(e.a, e.a)} delivered", "signal", e.ns, thread_track(e.task), s="t",
           args={"signal": e.a, "handler": hex(e.b)})

    other = {"tsc_hz": t.dump.tsc_hz, "recorded": t.dump.recorded, "dropped": t.dump.dropped,
             "events": len(t.dump.events), "version": t.dump.version}
    return {"traceEvents": out, "displayTimeUnit": "ns", "otherData": other}


# --- Summary -----------------------------------------------------------------------------------

def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, -(-p * len(sorted_vals) // 100) - 1))
    return sorted_vals[int(k)]


def fmt_us(ns):
    return "-" if ns is None else f"{ns / 1000:.1f}"


def wake_latencies(t):
    """ns from each queuing wake to the woken task's next poll, with the wake's source kind."""
    out = []
    for w in t.wakes:
        if w.queued and w.next_poll is not None:
            out.append((w.next_poll.begin.ns - w.ev.ns, w.source[0]))
    return out


def summary(t, top=10):
    d = t.dump
    L = []
    span_ms = t.end_ns / 1e6
    L.append(f"Kairos executor trace: {len(d.events)} events over {span_ms:.3f} ms, {d.cpus} CPU(s), "
             f"TSC {d.tsc_hz / 1e6:.3f} MHz")
    L.append(f"recorded {d.recorded}, dropped {d.dropped}" + (" (the ring wrapped: the oldest events are gone)" if d.dropped else "")
             + ("" if d.complete else "; DUMP INCOMPLETE: " + "; ".join(d.problems)))
    L.append(f"{len(t.tasks_seen)} tasks, {len(t.threads)} user threads"
             + (f" ({len(t.inferred)} identified without their USER_THREAD event)" if t.inferred else "") + ", "
             f"{len(t.polls)} polls, {len(t.wakes)} wakes, "
             f"{len(t.syscalls)} syscalls, {len(t.faults)} page faults, {len(t.irqs)} IRQs")
    L.append("")

    per_task = {}
    for p in t.polls:
        end = p.end.ns if p.end else t.end_ns
        s = per_task.setdefault(p.task, [0, 0, 0])
        s[0] += 1
        s[1] += end - p.begin.ns
        s[2] = max(s[2], end - p.begin.ns)
    L.append(f"Top tasks by total poll time (of {len(per_task)}):")
    L.append(f"  {'task':<34} {'polls':>6} {'total ms':>9} {'mean us':>8} {'max us':>8}")
    for task, (n, tot, mx) in sorted(per_task.items(), key=lambda kv: -kv[1][1])[:top]:
        L.append(f"  {t.name(task):<34} {n:>6} {tot / 1e6:>9.3f} {tot / n / 1000:>8.1f} {mx / 1000:>8.1f}")
    L.append("")

    L.append("Longest single polls:")
    L.append(f"  {'us':>8}  {'at ms':>9}  {'cpu':>3}  task (poll #)")
    longest = sorted(t.polls, key=lambda p: -((p.end.ns if p.end else t.end_ns) - p.begin.ns))[:top]
    for p in longest:
        end = p.end.ns if p.end else t.end_ns
        L.append(f"  {(end - p.begin.ns) / 1000:>8.1f}  {p.begin.ns / 1e6:>9.3f}  {p.cpu:>3}  {t.name(p.task)} (#{p.number})"
                 + ("" if p.end else " [unfinished at dump]"))
    L.append("")

    lat = wake_latencies(t)
    L.append(f"Wake -> poll latency ({len(lat)} queuing wakes followed by a poll; us):")
    L.append(f"  {'source':<10} {'count':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
    groups = [("all", sorted(v for v, _ in lat))]
    for kind in ("task", "irq", "timer", "executor", "other"):
        vals = sorted(v for v, k in lat if k == kind)
        if vals:
            groups.append((kind, vals))
    for name, vals in groups:
        L.append(f"  {name:<10} {len(vals):>6} {fmt_us(percentile(vals, 50)):>8} {fmt_us(percentile(vals, 90)):>8} "
                 f"{fmt_us(percentile(vals, 99)):>8} {fmt_us(vals[-1] if vals else None):>8}")
    L.append("")

    by_nr = {}
    for s in t.syscalls:
        by_nr.setdefault(s.nr, []).append(s)
    L.append(f"Syscalls ({len(t.syscalls)}; latency enter -> exit in us):")
    L.append(f"  {'syscall':<18} {'count':>6} {'errors':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>9} {'no exit':>7}")
    for nr, ss in sorted(by_nr.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        done = sorted(s.exit.ns - s.enter.ns for s in ss if s.exit)
        errs = sum(1 for s in ss if s.exit and -4096 < signed(s.result) < 0)
        L.append(f"  {t.sysname(nr):<18} {len(ss):>6} {errs:>6} {fmt_us(percentile(done, 50)):>8} {fmt_us(percentile(done, 90)):>8} "
                 f"{fmt_us(percentile(done, 99)):>8} {fmt_us(done[-1] if done else None):>9} {len(ss) - len(done):>7}")
    if t.unmatched_exits:
        L.append(f"  {len(t.unmatched_exits)} syscall exits without a matching enter")
    L.append("")

    L.append(f"Signals: {len(t.sig_generated)} generated, {len(t.sig_delivered)} delivered to handlers")
    for e in t.sig_generated:
        L.append(f"  {e.ns / 1e6:9.3f} ms  {SIGNALS.get(e.a, e.a):<8} generated for {e.task} by pid {e.b}")
    for e in t.sig_delivered:
        L.append(f"  {e.ns / 1e6:9.3f} ms  {SIGNALS.get(e.a, e.a):<8} delivered to {t.thread_name(e.task)}, handler {e.b:#x}")
    L.append("")

    fd = sorted(f.exit.ns - f.enter.ns for f in t.faults if f.exit)
    sig = sum(1 for f in t.faults if f.exit and f.exit.b)
    L.append(f"Page faults: {len(t.faults)} ({len(fd)} resolved or signalled, {sig} turned into a signal); "
             f"us p50 {fmt_us(percentile(fd, 50))} p90 {fmt_us(percentile(fd, 90))} max {fmt_us(fd[-1] if fd else None)}")
    per = {}
    for f in t.faults:
        per[f.tid] = per.get(f.tid, 0) + 1
    if per:
        L.append("  " + ", ".join(f"{t.thread_name(tid)}: {n}" for tid, n in sorted(per.items())))
    L.append("")
    L.append(f"Dropped events: {d.dropped} (ring holds {len(d.events)}); unfinished polls at dump: "
             f"{', '.join(t.name(p.task) for p in t.unfinished_polls) or 'none'}")
    return "\n".join(L) + "\n"


# --- SVG ---------------------------------------------------------------------------------------

def color_for(k):
    h = (k * 0.61803398875 + 0.05) % 1.0
    r, g, b = colorsys.hls_to_rgb(h, 0.55, 0.65)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def pick_window(t, polls=32):
    """A short, busy window: the `polls` consecutive polls (from the first poll of a user thread
    on) that span the least time, padded a little."""
    ps = t.polls
    if not ps:
        return 0, max(1, t.end_ns)
    start = next((k for k, p in enumerate(ps) if p.task in t.threads), 0)
    ps = ps[start:]
    k = min(polls, len(ps))

    def end(p):
        return p.end.ns if p.end else t.end_ns

    best = min(range(len(ps) - k + 1), key=lambda i: max(end(p) for p in ps[i:i + k]) - ps[i].begin.ns)
    sel = ps[best:best + k]
    a, b = sel[0].begin.ns, max(end(p) for p in sel)
    pad = max(1000, (b - a) // 40)
    return max(0, a - pad), b + pad


def render_svg(t, window=None, width=1400):
    a, b = window or pick_window(t)
    b = max(b, a + 1)
    in_win = [p for p in t.polls if p.begin.ns <= b and (p.end.ns if p.end else t.end_ns) >= a]
    tasks = []
    for p in in_win:
        if p.task not in tasks:
            tasks.append(p.task)
    tasks.sort(key=lambda x: (x not in t.threads, t.threads.get(x, (0, 0))[1] or 0, t.threads.get(x, (0, 0))[0], x))
    cpus = sorted({p.cpu for p in in_win}) or [0]
    label_w, top, row_h, gap = 190, 58, 30, 6
    plot_w = width - label_w - 20
    rows = [("cpu", c) for c in cpus] + [("task", x) for x in tasks]
    height = top + len(rows) * (row_h + gap) + 70
    colors = {task: color_for(k) for k, task in enumerate(t.tasks_seen)}

    def X(ns):
        return label_w + (ns - a) * plot_w / (b - a)

    def clampx(ns):
        return X(min(max(ns, a), b))

    row_y = {r: top + k * (row_h + gap) for k, r in enumerate(rows)}
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
         f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">',
         '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
         f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
         f'<text x="{label_w}" y="22" font-size="15" font-weight="bold">Kairos executor trace: '
         f'{(b - a) / 1e6:.3f} ms window at {a / 1e6:.3f} ms</text>',
         f'<text x="{label_w}" y="40" fill="#555">boxes: polls (one color per task); arrows: wake → next poll; '
         f'thin bars: syscalls; grey: CPU idle; red ticks: signals delivered</text>']
    # Rows.
    for r, y in row_y.items():
        kind, key = r
        label = f"CPU {key}" if kind == "cpu" else t.name(key)
        o.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{row_h}" fill="{"#f0f0f0" if kind == "cpu" else "#fafafa"}"/>')
        fill = "#000" if kind == "cpu" else colors.get(key, "#000")
        o.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4}" text-anchor="end" fill="{fill}" '
                 f'font-weight="{"bold" if kind == "cpu" else "normal"}">{esc(label[:30])}</text>')
    # Time axis.
    span = b - a
    step = 10 ** len(str(int(span / 8))) if span >= 8 else 1
    for m in (1, 2, 5):
        if span / (step * m / 10) <= 12:
            step = step * m // 10 or 1
            break
    axis_y = top + len(rows) * (row_h + gap) + 8
    o.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="#333"/>')
    tick = (a // step + 1) * step
    while tick < b:
        x = X(tick)
        o.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#ddd" stroke-width="0.7"/>')
        o.append(f'<text x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle" fill="#333">{tick / 1e6:.3f} ms</text>')
        tick += step
    # Idle spans on the CPU rows.
    for bi, e in t.idles:
        if bi is None or e.ns < a or bi.ns > b or ("cpu", bi.cpu) not in row_y:
            continue
        y = row_y[("cpu", bi.cpu)]
        o.append(f'<rect x="{clampx(bi.ns):.1f}" y="{y + 8}" width="{max(0.5, clampx(e.ns) - clampx(bi.ns)):.1f}" '
                 f'height="{row_h - 16}" fill="#cccccc"><title>idle {(e.ns - bi.ns) / 1000:.1f} us</title></rect>')
    # Polls.
    for p in in_win:
        end = p.end.ns if p.end else t.end_ns
        x0, x1 = clampx(p.begin.ns), clampx(end)
        w = max(1.5, x1 - x0)
        c = colors.get(p.task, "#888")
        tip = f"{esc(t.name(p.task))} poll #{p.number}: {(end - p.begin.ns) / 1000:.1f} us at {p.begin.ns / 1e6:.3f} ms"
        for r in (("cpu", p.cpu), ("task", p.task)):
            y = row_y[r]
            o.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 12 if r[0] == "task" else row_h - 6}" '
                     f'fill="{c}" stroke="#222" stroke-width="0.4"><title>{tip}</title></rect>')
    # Syscalls (thin bars at the bottom of the task row).
    for s in t.syscalls:
        task = t.tid_task.get(s.tid)
        if ("task", task) not in row_y:
            continue
        end = s.exit.ns if s.exit else t.task_end_ns(task)
        if end < a or s.enter.ns > b:
            continue
        y = row_y[("task", task)] + row_h - 7
        x0 = clampx(s.enter.ns)
        o.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(1.0, clampx(end) - x0):.1f}" height="5" fill="#555" opacity="0.75">'
                 f'<title>{esc(t.sysname(s.nr))} = {esc(fmt_result(s.result) if s.exit else "(no exit)")}, '
                 f'{(end - s.enter.ns) / 1000:.1f} us</title></rect>')
    # Signals delivered.
    for e in t.sig_delivered:
        task = t.tid_task.get(e.task)
        if ("task", task) in row_y and a <= e.ns <= b:
            x, y = X(e.ns), row_y[("task", task)]
            o.append(f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + row_h + 2}" stroke="#d00" stroke-width="2">'
                     f'<title>{SIGNALS.get(e.a, e.a)} delivered, handler {e.b:#x}</title></line>')
    # Wake arrows.
    for w in t.wakes:
        p = w.next_poll
        if p is None or not w.queued or w.ev.ns < a or p.begin.ns > b or ("task", w.target) not in row_y:
            continue
        src_row = ("task", w.waker) if ("task", w.waker) in row_y else ("cpu", w.ev.cpu)
        if src_row not in row_y:
            continue
        x0, y0 = X(w.ev.ns), row_y[src_row] + row_h / 2
        x1, y1 = X(p.begin.ns), row_y[("task", w.target)] + row_h / 2
        mx = (x0 + x1) / 2
        src = w.source[0] if w.source[0] != "task" else t.name(w.source[1])
        o.append(f'<path d="M {x0:.1f} {y0:.1f} C {mx:.1f} {y0:.1f}, {mx:.1f} {y1:.1f}, {x1:.1f} {y1:.1f}" fill="none" '
                 f'stroke="#333" stroke-width="1" marker-end="url(#arrow)" opacity="0.8"><title>wake by {esc(src)}: '
                 f'{(p.begin.ns - w.ev.ns) / 1000:.1f} us to poll</title></path>')
    o.append(f'<text x="{label_w}" y="{height - 12}" fill="#777">generated by tests/trace.py from a Kairos '
             f'trace=com3 dump ({len(t.dump.events)} events, {t.dump.dropped} dropped)</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


# --- Invariant checks --------------------------------------------------------------------------

class StrictJSONError(ValueError):
    pass


def strict_loads(text):
    def bad(c):
        raise StrictJSONError(f"non-standard JSON constant {c}")
    return json.loads(text, parse_constant=bad)


def check(t, json_text):
    """Validates Trace `t` and its exported JSON text. Returns [(check name, [problems])]."""
    results = []
    # 1. Strict JSON with Perfetto's required fields.
    probs = []
    obj = None
    try:
        obj = strict_loads(json_text)
    except (ValueError, StrictJSONError) as e:
        probs.append(f"json: {e}")
    results.append(("json_strict", probs))
    probs = []
    evs = obj.get("traceEvents") if isinstance(obj, dict) else None
    if not isinstance(evs, list) or not evs:
        probs.append("no traceEvents list")
        evs = []
    if isinstance(obj, dict) and obj.get("displayTimeUnit") not in ("ns", "ms"):
        probs.append("displayTimeUnit missing")
    num = (int, float)
    for k, e in enumerate(evs):
        miss = [f for f in ("ph", "ts", "pid", "tid", "name") if f not in e]
        if miss:
            probs.append(f"event {k} lacks {miss}: {e}")
            continue
        if not isinstance(e["ts"], num) or isinstance(e["ts"], bool) or e["ts"] < 0:
            probs.append(f"event {k}: bad ts {e['ts']!r}")
        if not isinstance(e["pid"], int) or not isinstance(e["tid"], int):
            probs.append(f"event {k}: pid/tid not integers")
        if e["ph"] == "X" and (not isinstance(e.get("dur"), num) or e["dur"] < 0):
            probs.append(f"event {k}: X without a valid dur: {e}")
        if e["ph"] in ("s", "f") and "id" not in e:
            probs.append(f"event {k}: flow without id")
        if e["ph"] == "f" and e.get("bp") != "e":
            probs.append(f"event {k}: flow end without bp=e")
        if e["ph"] == "i" and e.get("s") not in ("t", "p", "g"):
            probs.append(f"event {k}: instant without scope")
        if len(probs) > 20:
            break
    results.append(("perfetto_fields", probs))

    # 2. Every poll has a wake or spawn of its task since its previous poll began.
    probs = []
    marks = {}
    for w in t.wakes:
        marks.setdefault(w.target, []).append(w.ev.i)
    for task, e in t.spawns.items():
        marks.setdefault(task, []).append(e.i)
    for m in marks.values():
        m.sort()
    for task, ps in t.polls_by_task.items():
        m = marks.get(task, [])
        prev = -1
        for n, p in enumerate(ps):
            j = bisect_right(m, prev)
            ok = j < len(m) and m[j] < p.begin.i
            if not ok and not (n == 0 and t.wrapped):
                probs.append(f"poll #{p.number} of {t.name(task)} at {p.begin.ns} ns has no wake or spawn before it")
            prev = p.begin.i
    probs += t.poll_problems
    results.append(("poll_has_wake_or_spawn", probs))

    # 3. Every wake → next poll pair is linked by a flow (s on the waker's side, f on the poll).
    probs = []
    flows = {}
    for e in evs:
        if e.get("ph") in ("s", "f") and e.get("cat") == "wake":
            flows.setdefault(e.get("id"), {})[e["ph"]] = e
    have = set()
    for fid, se in flows.items():
        if "s" not in se or "f" not in se:
            probs.append(f"flow {fid} is missing its {'start' if 's' not in se else 'end'}")
            continue
        have.add((se["s"].get("ts"), se["f"].get("ts"), se["f"].get("pid"), se["f"].get("tid")))
    poll_tracks = {}
    for e in evs:
        if e.get("ph") == "X" and e.get("cat") == "poll" and e.get("name") == "poll" and "task" in e.get("args", {}):
            poll_tracks[(e.get("ts"), e["args"]["task"])] = (e.get("pid"), e.get("tid"))
    for w in t.wakes:
        if w.next_poll is None:
            continue
        pt = poll_tracks.get((us(w.next_poll.begin.ns), task_label(w.target)))
        if pt is None:
            probs.append(f"poll after wake at {w.ev.ns} ns missing from the JSON")
            continue
        if (us(w.ev.ns), us(w.next_poll.begin.ns), pt[0], pt[1]) not in have:
            probs.append(f"wake of {t.name(w.target)} at {w.ev.ns} ns not linked to its poll at {w.next_poll.begin.ns} ns")
        if len(probs) > 20:
            break
    results.append(("wake_poll_flows", probs))

    # 4. Every syscall exit matches an earlier enter of the same thread.
    probs = [f"{t.thread_name(e.task)}: exit of {t.sysname(e.a)} at {e.ns} ns: {why}" for e, why in t.unmatched_exits]
    results.append(("syscall_exit_matches_enter", probs))

    # 5. Timestamps monotonic per CPU (dump order), and CPU tracks free of overlapping slices.
    probs = []
    last = {}
    for e in t.dump.events:
        if e.ts < last.get(e.cpu, 0):
            probs.append(f"cpu{e.cpu}: event #{e.i} ts {e.ts} < previous {last[e.cpu]}")
        last[e.cpu] = e.ts
    by_cpu = {}
    for e in evs:
        if e.get("ph") == "X" and e.get("pid") == CPU_PID and e.get("cat") in ("poll", "idle") \
                and isinstance(e.get("dur"), (int, float)) and isinstance(e.get("ts"), (int, float)):
            by_cpu.setdefault(e.get("tid"), []).append((e["ts"], e["ts"] + e["dur"]))
    for tid, spans in by_cpu.items():
        spans.sort()
        for (a0, a1), (b0, _b1) in zip(spans, spans[1:]):
            if b0 < a1 - 1e-6:
                probs.append(f"CPU track {tid - CPU_TID}: slice at {b0} us starts before the previous one ends ({a1} us)")
                break
    results.append(("timestamps_monotonic_per_cpu", probs))

    # 6. Complete slices nest properly on every track (Perfetto drops or mis-nests the others).
    probs = []
    per_track = {}
    for e in evs:
        if e.get("ph") == "X" and isinstance(e.get("dur"), (int, float)) and isinstance(e.get("ts"), (int, float)):
            per_track.setdefault((e.get("pid"), e.get("tid")), []).append((e["ts"], -e["dur"], e.get("name")))
    for track, spans in per_track.items():
        spans.sort()
        stack = []
        for ts, neg, name in spans:
            end = ts - neg
            while stack and stack[-1][0] <= ts + 1e-6:
                stack.pop()
            if stack and end > stack[-1][0] + 1e-6:
                probs.append(f"track {track}: '{name}' [{ts}, {end}] overlaps '{stack[-1][1]}' ending at {stack[-1][0]}")
                if len(probs) > 20:
                    break
            stack.append((end, name))
    results.append(("slices_nest_per_track", probs))
    return results


# --- Running a workload ------------------------------------------------------------------------

def build_default_workload(out_dir=OUT_DIR):
    sys.path.insert(0, os.path.join(ROOT, "userland"))
    import build  # userland/build.py
    return build.compile_c(WORKLOAD_SRC, os.path.join(out_dir, "workload"))


def build_initramfs(program, out):
    sys.path.insert(0, HERE)
    import cpio
    cpio.build_initramfs(out, [("file", "init", program, 0o755), ("chardev", "dev/console", 5, 1)])
    return out


def run_workload(kernel=KERNEL, workload=None, out_dir=OUT_DIR, cmdline="", timeout=120, trace="com3"):
    """Boots `workload` (default: userland/trace/workload.c, built here) as /init with
    `trace=<trace> klog=com2`, COM3 captured to out_dir/trace.bin and the kernel log to
    out_dir/kernel.log. Returns (qemu Result, dump path)."""
    sys.path.insert(0, HERE)
    import kairos_qemu
    os.makedirs(out_dir, exist_ok=True)
    program = workload or build_default_workload(out_dir)
    initrd = build_initramfs(program, os.path.join(out_dir, "initramfs.cpio"))
    dump = os.path.join(out_dir, "trace.bin")
    klog = os.path.join(out_dir, "kernel.log")
    for p in (dump, klog):
        open(p, "wb").close()
    line = f"rdinit=/init trace={trace} klog=com2 {cmdline}".strip()
    r = kairos_qemu.run(kernel, line, timeout=timeout, log=os.path.join(out_dir, "console.log"), initrd=initrd,
                        serial2="file:" + klog, extra=["-serial", "file:" + dump])
    return r, dump


def process(dump_path, out_dir=OUT_DIR, window=None, svg_copy=None):
    """Parses a dump and writes the three outputs. Returns (Trace, json text, paths)."""
    with open(dump_path, "rb") as f:
        dump = parse_dump(f.read())
    t = Trace(dump)
    os.makedirs(out_dir, exist_ok=True)
    text = json.dumps(chrome_trace(t), separators=(",", ":"), allow_nan=False)
    paths = [os.path.join(out_dir, n) for n in ("trace.json", "summary.txt", "trace.svg")]
    with open(paths[0], "w") as f:
        f.write(text)
    with open(paths[1], "w") as f:
        f.write(summary(t))
    svg = render_svg(t, window)
    with open(paths[2], "w") as f:
        f.write(svg)
    if svg_copy:
        os.makedirs(os.path.dirname(os.path.abspath(svg_copy)), exist_ok=True)
        with open(svg_copy, "w") as f:
            f.write(svg)
    return t, text, paths


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", nargs="?", help="COM3 dump (default OUT/trace.bin)")
    ap.add_argument("--run", action="store_true", help="boot a workload first")
    ap.add_argument("--workload", help="static program to run as /init (default: userland/trace/workload.c)")
    ap.add_argument("--kernel", default=KERNEL)
    ap.add_argument("--cmdline", default="", help="extra kernel command-line words")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--window", help="SVG window START_MS:END_MS (default: a short busy window)")
    ap.add_argument("--svg-copy", help="also write the SVG here (e.g. docs/trace-example.svg)")
    ap.add_argument("--check", action="store_true", help="validate the trace invariants; exit 1 if broken")
    a = ap.parse_args()
    dump = a.dump or os.path.join(a.out, "trace.bin")
    if a.run:
        r, dump = run_workload(a.kernel, a.workload and os.path.abspath(a.workload), a.out, a.cmdline, a.timeout)
        print(f"trace: workload finished: {r.verdict} (status {r.status}) in {r.seconds:.1f} s; "
              f"console {os.path.join(a.out, 'console.log')}, kernel log {os.path.join(a.out, 'kernel.log')}")
    window = None
    if a.window:
        s, e = a.window.split(":")
        window = (int(float(s) * 1e6), int(float(e) * 1e6))
    try:
        t, text, paths = process(dump, a.out, window, a.svg_copy)
    except (OSError, ValueError) as e:
        print(f"trace: {e}", file=sys.stderr)
        return 1
    for p in t.dump.problems:
        print(f"trace: warning: {p}", file=sys.stderr)
    print(f"trace: {len(t.dump.events)} events ({t.dump.dropped} dropped), {len(t.polls)} polls, "
          f"{len(t.syscalls)} syscalls")
    for p in paths + ([a.svg_copy] if a.svg_copy else []):
        print(os.path.relpath(p))
    if a.check:
        bad = 0
        for name, probs in check(t, text):
            print(f"check {name}: {'ok' if not probs else 'FAILED'}")
            for p in probs[:10]:
                print(f"    {p}")
            bad += bool(probs)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
