# GDB helpers for Kairos. Loaded by tests/gdb/gdbinit (`source tests/gdb/kairos.py`).
#
# Commands
#   kairos-threads                 user threads from KAIROS_DEBUG_THREADS (kernel/src/debug.rs):
#                                  tid pid ppid state task comm pending/blocked signals, ctx, rip
#   kairos-ps                      processes (pid, ppid, state, threads, comm)
#   kairos-frame TID               the thread's saved user registers (its UserContext's TrapFrame)
#                                  and signal state
#   kairos-tasks                   executor tasks: id, state (running/ready/waiting/cancelling),
#                                  polls, parent, name, user thread
#   kairos-trace [N]               the last N events (default 40) of the live trace ring, decoded
#   kairos-break-user [TID] [RIP]  hardware breakpoint on the return-to-user path
#                                  (`kairos_enter_user`, rdi = &TrapFrame) for thread TID (0 or
#                                  `any` = every thread; `pid=N` selects a process) and/or a frame
#                                  whose return address is RIP
#   kairos-watch-frame TID [VAL]   hardware write watchpoint on the thread's saved rip
#                                  (ctx + 17*8); with VAL, stops only when the new value is VAL
#
# Convenience functions (usable in breakpoint conditions)
#   $kairos_tid(CTX) / $kairos_pid(CTX)   thread / process owning the UserContext at CTX, or -1
#   $kairos_ctx(TID)                      UserContext address of thread TID, or 0
#   $kairos_current_tid() / $kairos_current_pid()
#                                         the thread whose frame the CPU uses for user entries
#                                         (PerCpu.frame_top), or -1
#
# Batch use: kairos_investigate(spec) runs an investigation and writes JSON (tests/gdb_investigate.py).
import json
import re

import gdb

SLOTS = 512
WORDS = 8
RIP_WORD = 17
TRAPFRAME_REGS = ["r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8", "rbp", "rdi", "rsi", "rdx", "rcx",
                  "rbx", "rax", "vector", "error_code", "rip", "cs", "rflags", "rsp", "ss"]
SIGNALS = ["", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
           "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
           "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"]
STATES = {1: "running", 2: "dead"}


def _u64(b, i):
    return int.from_bytes(bytes(b[i * 8:i * 8 + 8]), "little")


def read_words(addr, n):
    mem = gdb.selected_inferior().read_memory(addr, n * 8)
    return [_u64(mem, i) for i in range(n)]


_addr_cache = {}


class _CLanguage:
    """Evaluates with GDB's C parser (quoted Rust paths like 'kairos::sched::SPAWNER' are char
    literals to the Rust parser)."""

    def __enter__(self):
        self.saved = gdb.parameter("language")
        gdb.execute("set language c", to_string=True)

    def __exit__(self, *exc):
        gdb.execute(f"set language {self.saved}", to_string=True)


def c_eval(expr):
    with _CLanguage():
        return gdb.parse_and_eval(expr)


def symbol_address(name):
    """Address of a (possibly Rust-pathed) symbol, via `info address`."""
    name = name.strip("'")
    if name in _addr_cache:
        return _addr_cache[name]
    with _CLanguage():
        out = gdb.execute(f"info address {name}", to_string=True)
    m = re.search(r"0x[0-9a-fA-F]+", out)
    if not m:
        raise gdb.GdbError(f"cannot find the address of {name}: {out.strip()}")
    _addr_cache[name] = int(m.group(0), 16)
    return _addr_cache[name]


def sig_names(mask):
    return ",".join(f"SIG{SIGNALS[s]}" if s < len(SIGNALS) else str(s) for s in range(1, 65) if mask >> (s - 1) & 1) or "-"


def threads():
    """Live rows of the debug table, as dicts."""
    base = symbol_address("KAIROS_DEBUG_THREADS")
    words = read_words(base, SLOTS * WORDS)
    out = []
    for i in range(SLOTS):
        w = words[i * WORDS:(i + 1) * WORDS]
        if w[0] & 0xffffffff == 0:
            continue
        comm = (w[4].to_bytes(8, "little") + w[5].to_bytes(8, "little")).split(b"\0")[0].decode(errors="replace")
        out.append({"slot": i, "tid": w[0] & 0xffffffff, "pid": w[0] >> 32, "ppid": w[1] & 0xffffffff,
                    "state": STATES.get(w[1] >> 32, str(w[1] >> 32)), "task": w[2], "ctx": w[3], "comm": comm,
                    "pending": w[6], "blocked": w[7]})
    return out


def thread_by(tid=None, ctx=None):
    for t in threads():
        if (tid is not None and t["tid"] == tid) or (ctx is not None and t["ctx"] == ctx):
            return t
    return None


def current_ctx():
    """The UserContext the CPU's syscall/trap entry writes into (PerCpu.frame_top - TrapFrame)."""
    top = read_words(symbol_address("kairos::arch::x86_64::user::CPU0") + 16, 1)[0]
    return top - len(TRAPFRAME_REGS) * 8 if top else 0


def task_label(task):
    return f"{task & 0xffffffff}g{task >> 32}"


def parse_int(s):
    return int(gdb.parse_and_eval(s)) if not re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)", s) else int(s, 0)


# --- Convenience functions ---------------------------------------------------------------------

class _Fn(gdb.Function):
    def __init__(self, name, fn):
        super().__init__(name)
        self.fn = fn

    def invoke(self, *args):
        return self.fn(*[int(a) for a in args])


def _tid_of(ctx):
    t = thread_by(ctx=ctx & 0xffffffffffffffff)
    return t["tid"] if t else -1


def _pid_of(ctx):
    t = thread_by(ctx=ctx & 0xffffffffffffffff)
    return t["pid"] if t else -1


def _ctx_of(tid):
    t = thread_by(tid=tid)
    return t["ctx"] if t else 0


_Fn("kairos_tid", _tid_of)
_Fn("kairos_pid", _pid_of)
_Fn("kairos_ctx", _ctx_of)
_Fn("kairos_current_tid", lambda: _tid_of(current_ctx()))
_Fn("kairos_current_pid", lambda: _pid_of(current_ctx()))


# --- Commands ----------------------------------------------------------------------------------

class Threads(gdb.Command):
    """List Kairos user threads (KAIROS_DEBUG_THREADS): tid pid ppid state task comm signals ctx rip."""

    def __init__(self):
        super().__init__("kairos-threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        rows = threads()
        print(f"{'tid':>5} {'pid':>5} {'ppid':>5} {'state':<8} {'task':<8} {'comm':<16} {'pending':<14} "
              f"{'blocked':<14} {'ctx':<18} saved rip")
        for t in rows:
            rip = read_words(t["ctx"] + RIP_WORD * 8, 1)[0] if t["ctx"] else 0
            print(f"{t['tid']:>5} {t['pid']:>5} {t['ppid']:>5} {t['state']:<8} {task_label(t['task']):<8} "
                  f"{t['comm']:<16} {sig_names(t['pending']):<14} {sig_names(t['blocked']):<14} "
                  f"{t['ctx']:#018x} {rip:#x}")
        print(f"{len(rows)} thread(s)")


class Ps(gdb.Command):
    """List Kairos processes: pid ppid state threads comm."""

    def __init__(self):
        super().__init__("kairos-ps", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        procs = {}
        for t in threads():
            p = procs.setdefault(t["pid"], {"ppid": t["ppid"], "state": t["state"], "tids": [], "comm": t["comm"]})
            p["tids"].append(t["tid"])
        print(f"{'pid':>5} {'ppid':>5} {'state':<8} {'comm':<16} threads")
        for pid, p in sorted(procs.items()):
            print(f"{pid:>5} {p['ppid']:>5} {p['state']:<8} {p['comm']:<16} {' '.join(map(str, p['tids']))}")


def user_context_layout():
    """Byte offsets of fs_base, gs_base, force_iret, orig_rax in UserContext (debug info if
    available, else the layout of kernel/src/arch/x86_64/user.rs)."""
    try:
        ty = gdb.lookup_type("kairos::arch::x86_64::user::UserContext")
        return {f.name: f.bitpos // 8 for f in ty.fields()}
    except gdb.error:
        return {"regs": 0, "fs_base": 176, "gs_base": 184, "force_iret": 192, "orig_rax": 200}


def frame_of(tid):
    t = thread_by(tid=tid)
    if t is None:
        raise gdb.GdbError(f"no thread {tid} in KAIROS_DEBUG_THREADS")
    lay = user_context_layout()
    regs = dict(zip(TRAPFRAME_REGS, read_words(t["ctx"], len(TRAPFRAME_REGS))))
    for f in ("fs_base", "gs_base", "orig_rax"):
        if f in lay:
            regs[f] = read_words(t["ctx"] + lay[f], 1)[0]
    if "force_iret" in lay:
        regs["force_iret"] = bytes(gdb.selected_inferior().read_memory(t["ctx"] + lay["force_iret"], 1))[0]
    return t, regs


class Frame(gdb.Command):
    """kairos-frame TID: show the thread's saved user TrapFrame and signal state."""

    def __init__(self):
        super().__init__("kairos-frame", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: kairos-frame TID")
        t, r = frame_of(parse_int(arg.strip()))
        print(f"thread {t['tid']} (pid {t['pid']}, ppid {t['ppid']}, {t['comm']}), UserContext at {t['ctx']:#x}")
        where = gdb.execute(f"info symbol {r['rip']:#x}", to_string=True).strip() if r["rip"] >= 1 << 63 else "user"
        print(f"  rip {r['rip']:#018x} ({where})  cs {r['cs']:#x}  rflags {r['rflags']:#x}  rsp {r['rsp']:#018x}  ss {r['ss']:#x}")
        vec = r["vector"]
        if vec == 0x100:
            why = f"left user by syscall {r.get('orig_rax', '?')}"
        elif vec in (0, 1) and int(gdb.parse_and_eval("$pc")) & (2 ** 64 - 1) == symbol_address("kairos_enter_user"):
            why = f"returning to user by {'sysretq' if vec else 'iretq'}"
        else:
            why = f"left user by vector {vec}"
        print(f"  {why}  error {r['error_code']:#x}")
        names = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
        for i in range(0, len(names), 4):
            print("  " + "  ".join(f"{n:>3} {r[n]:#018x}" for n in names[i:i + 4]))
        print(f"  fs_base {r.get('fs_base', 0):#x}  gs_base {r.get('gs_base', 0):#x}  force_iret {r.get('force_iret', '?')}"
              f"  orig_rax {r.get('orig_rax', 0):#x}")
        print(f"  pending {sig_names(t['pending'])}  blocked {sig_names(t['blocked'])}")


# --- Executor internals (kairos-tasks, kairos-trace) ---------------------------------------------

LIVE, SCHEDULED, CANCEL = 1, 2, 4
KIND_NAMES = {1: "spawn", 2: "poll-begin", 3: "poll-end", 4: "wake", 5: "complete", 6: "cancel", 7: "idle",
              8: "idle-end", 9: "timer-fire", 0x100: "irq", 0x101: "syscall-enter", 0x102: "syscall-exit",
              0x103: "page-fault", 0x104: "page-fault-end", 0x105: "signal-generate", 0x106: "signal-deliver",
              0x107: "mm-switch", 0x108: "user-enter", 0x109: "user-thread"}


def shared():
    """The executor's `Shared` (through kairos::sched::SPAWNER's Arc)."""
    cell = c_eval("'kairos::sched::SPAWNER'")
    try:
        ptr = cell["inner"]["value"]["value"]["value"]["__0"]["shared"]["ptr"]["pointer"]
    except gdb.error as e:
        raise gdb.GdbError(f"kairos-tasks: unexpected layout of kairos::sched::SPAWNER ({e})")
    if int(ptr) == 0:
        raise gdb.GdbError("the executor is not installed yet")
    return ptr.dereference()["data"]


def read_str(v):
    n = int(v["length"])
    return bytes(gdb.selected_inferior().read_memory(int(v["data_ptr"]), n)).decode(errors="replace") if n else ""


def executor_tasks():
    sh = shared()
    table = sh["table"]["inner"]["data"]["value"]["slots"]
    n = int(table["len"])
    ty = gdb.lookup_type("kairos_executor::task::TableSlot")
    buf = table["buf"]["inner"]["ptr"]["pointer"]["pointer"].cast(ty.pointer())
    words = sh["slots"]["data_ptr"]
    context = int(sh["cpus"]["data_ptr"][0]["context"]["v"]["value"])
    out = []
    for i in range(n):
        s = buf[i]
        try:
            head = s.format_string(max_depth=1)
        except (gdb.error, TypeError):
            head = str(s)
        if "Occupied" not in head:
            continue
        e = s["Occupied"]["__0"]
        tid = int(e["id"]["__0"])
        parent = e["parent"]
        ps = str(parent)
        pid_ = None
        m = re.search(r"__0 = (\d+)", ps)
        if "Some" in ps and m:
            pid_ = int(m.group(1))
        word = int(words[i]["word"]["v"]["value"])
        if word >> 32 != tid >> 32 or not word & LIVE:
            continue
        state = ("running" if context == tid else "cancelling" if word & CANCEL else
                 "ready" if word & SCHEDULED else "waiting")
        out.append({"id": tid, "name": read_str(e["name"]), "polls": int(e["polls"]), "parent": pid_, "state": state})
    return out


class Tasks(gdb.Command):
    """List executor tasks: id, state, polls, parent, name, user thread."""

    def __init__(self):
        super().__init__("kairos-tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        by_task = {t["task"]: t for t in threads()}
        rows = executor_tasks()
        print(f"{'task':<8} {'state':<10} {'polls':>6} {'parent':<8} {'name':<16} user thread")
        for t in rows:
            u = by_task.get(t["id"])
            ut = f"pid {u['pid']} tid {u['tid']} ({u['comm']})" if u else ""
            print(f"{task_label(t['id']):<8} {t['state']:<10} {t['polls']:>6} "
                  f"{task_label(t['parent']) if t['parent'] else '-':<8} {t['name']:<16} {ut}")
        print(f"{len(rows)} task(s)")


def trace_events(last=40):
    tr = shared()["trace"]
    head = int(tr["head"]["v"]["value"])
    mask = int(tr["mask"])
    base = int(tr["slots"]["data_ptr"])
    cap = mask + 1
    n = min(last, head, cap)
    out = []
    for index in range(head - n, head):
        w = read_words(base + (index & mask) * 48, 6)
        if w[0] != index + 1:
            continue
        out.append({"index": index, "ts": w[1], "kind": w[2] & 0xffff, "cpu": (w[2] >> 16) & 0xffff,
                    "task": w[3], "a": w[4], "b": w[5]})
    out.sort(key=lambda e: (e["ts"], e["index"]))
    return out


class Trace(gdb.Command):
    """kairos-trace [N]: the last N events of the live executor trace ring."""

    def __init__(self):
        super().__init__("kairos-trace", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        evs = trace_events(int(arg) if arg.strip() else 40)
        if not evs:
            print("the trace ring is empty (nothing recorded yet, or the kernel runs with trace=off)")
        t0 = evs[0]["ts"] if evs else 0
        for e in evs:
            task = task_label(e["task"]) if e["kind"] < 0x100 else str(e["task"])
            print(f"#{e['index']:<7} +{e['ts'] - t0:>12} cpu{e['cpu']} {KIND_NAMES.get(e['kind'], hex(e['kind'])):<16} "
                  f"task {task:<10} a {e['a']:#x} b {e['b']:#x}")


# --- Breakpoints and watchpoints ---------------------------------------------------------------

def break_user(tid=None, pid=None, rip=None):
    """Hardware breakpoint on kairos_enter_user; returns the gdb.Breakpoint."""
    addr = symbol_address("kairos_enter_user")
    conds = []
    if tid:
        conds.append(f"$kairos_tid($rdi) == {tid}")
    if pid:
        conds.append(f"$kairos_pid($rdi) == {pid}")
    if rip is not None:
        conds.append(f"*(unsigned long *)($rdi + {RIP_WORD * 8}) == {rip:#x}")
    bp = gdb.Breakpoint(f"*{addr:#x}", type=gdb.BP_HARDWARE_BREAKPOINT, internal=False)
    if conds:
        bp.condition = " && ".join(conds)
    return bp


class BreakUser(gdb.Command):
    """kairos-break-user [TID|any|pid=N|tid=N] [RIP|rip=ADDR]: break on the return-to-user path."""

    def __init__(self):
        super().__init__("kairos-break-user", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        tid = pid = rip = None
        pos = 0
        for w in arg.split():
            if w.startswith("pid="):
                pid = parse_int(w[4:])
            elif w.startswith("tid="):
                tid = parse_int(w[4:])
            elif w.startswith("rip="):
                rip = parse_int(w[4:])
            elif pos == 0:
                tid = None if w in ("any", "-", "0") else parse_int(w)
                pos = 1
            else:
                rip = parse_int(w)
        bp = break_user(tid, pid, rip)
        print(f"kairos: hardware breakpoint {bp.number} on kairos_enter_user"
              + (f" if {bp.condition}" if bp.condition else ""))


MASK = (1 << 64) - 1
FRAME_BYTES = len(TRAPFRAME_REGS) * 8
_watches = []


class _Toggle(gdb.Breakpoint):
    """Internal hardware breakpoint that enables/disables a FrameWatch when its thread crosses
    the user/kernel boundary; never stops."""

    def __init__(self, addr, watch, enable, ctx_from_rdi):
        super().__init__(f"*{addr:#x}", type=gdb.BP_HARDWARE_BREAKPOINT, internal=True)
        self.watch, self.enable, self.ctx_from_rdi = watch, enable, ctx_from_rdi

    def stop(self):
        # No gdb.execute here: GDB is in the middle of handling a stop.
        try:
            if self.ctx_from_rdi:
                c = int(gdb.selected_frame().read_register("rdi")) & MASK
            else:
                c = read_words(self.watch.cpu0 + 16, 1)[0] - FRAME_BYTES
            if c == self.watch.ctx and self.watch.wp.is_valid() and self.watch.wp.enabled != self.enable:
                self.watch.wp.enabled = self.enable
                self.watch.toggles += 1
        except Exception:  # noqa: BLE001 - a failing stop() would stop the target
            pass
        return False


class FrameWatch:
    """A hardware write watchpoint on a thread's saved rip (UserContext + 17*8), armed only while
    the thread is in the kernel.

    Why: the saved frame is also where the CPU itself pushes rip/cs/rflags/rsp/ss when the thread
    traps from user mode (TSS.rsp0 points just past it). Under QEMU TCG a watchpoint hit in the
    middle of that exception delivery aborts the delivery and leaves QEMU's "exception in
    progress" state set, so the retried exception becomes a spurious #DF (double fault) in the
    guest. The watchpoint is therefore disabled at `kairos_enter_user` (rdi == this frame) and
    re-enabled at `kairos_syscall_entry` / `kairos_return_from_user_trap` when the CPU's current
    frame (PerCpu.frame_top) is this one: every kernel-side write (syscall entry, signal frame
    setup, sigreturn, ptrace-like edits) is seen, the CPU's own pushes are not."""

    def __init__(self, ctx, value=None, in_user=False):
        # GDB re-parses a watchpoint's expression in the current language whenever it is
        # re-enabled; with `language auto` a stop in Rust code would make the C cast unparsable.
        if gdb.parameter("language") != "c":
            gdb.execute("set language c", to_string=True)
            print("kairos: `set language c` (needed by the frame watchpoint's expression)")
        self.ctx = ctx
        self.addr = ctx + RIP_WORD * 8
        self.cpu0 = symbol_address("kairos::arch::x86_64::user::CPU0")
        self.toggles = 0
        self.wp = gdb.Breakpoint(f"*(unsigned long *){self.addr:#x}", type=gdb.BP_WATCHPOINT, wp_class=gdb.WP_WRITE)
        if value is not None:
            self.wp.condition = f"*(unsigned long *){self.addr:#x} == {value:#x}"
        self.wp.enabled = not in_user
        self.helpers = [
            _Toggle(symbol_address("kairos_enter_user"), self, False, True),
            _Toggle(symbol_address("kairos_syscall_entry"), self, True, False),
            _Toggle(symbol_address("kairos_return_from_user_trap"), self, True, False),
        ]
        _watches.append(self)

    def delete(self):
        for b in self.helpers + [self.wp]:
            if b.is_valid():
                b.delete()


def _about_to_enter_user(ctx):
    try:
        return int(gdb.parse_and_eval("$pc")) & MASK == symbol_address("kairos_enter_user") and \
            int(gdb.parse_and_eval("$rdi")) & MASK == ctx
    except gdb.error:
        return False


def watch_frame(tid=None, ctx=None, value=None):
    """FrameWatch on thread `tid`'s (or the UserContext at `ctx`'s) saved rip."""
    if ctx is None:
        ctx = _ctx_of(tid)
        if not ctx:
            raise gdb.GdbError(f"no thread {tid} in KAIROS_DEBUG_THREADS")
    return FrameWatch(ctx, value, in_user=_about_to_enter_user(ctx))


class WatchFrame(gdb.Command):
    """kairos-watch-frame TID [VALUE]: hardware write watchpoint on the thread's saved rip."""

    def __init__(self):
        super().__init__("kairos-watch-frame", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        a = arg.split()
        if not a:
            raise gdb.GdbError("usage: kairos-watch-frame TID [VALUE]")
        w = watch_frame(parse_int(a[0]), value=parse_int(a[1]) if len(a) > 1 else None)
        print(f"kairos: watchpoint {w.wp.number} on the saved rip of thread {a[0]} at {w.addr:#x}"
              + (f" if {w.wp.condition}" if w.wp.condition else "")
              + " (armed while the thread is in the kernel; see FrameWatch in tests/gdb/kairos.py)")


def _friendly(cls):
    """Turns unreadable kernel memory (CPU still at reset, before paging) into a hint."""
    inner = cls.invoke

    def invoke(self, arg, from_tty):
        try:
            return inner(self, arg, from_tty)
        except gdb.MemoryError as e:
            raise gdb.GdbError(f"{e}: kernel memory is not mapped yet (the CPU is still in the boot code?). "
                               "Break later first, e.g. `hbreak kairos::kmain` or `kairos-break-user`, then `continue`.")
    cls.invoke = invoke
    return cls


for _c in (Threads, Ps, Frame, Tasks, Trace, BreakUser, WatchFrame):
    _friendly(_c)()


# --- Batch investigations ----------------------------------------------------------------------

def _frames(limit=16):
    out = []
    try:
        f = gdb.newest_frame()
    except gdb.error:
        return out
    while f is not None and len(out) < limit:
        try:
            name = f.name()
            out.append(name or f"{f.pc():#x}")
            f = f.older()
        except gdb.error:
            break
    return out


def _pc_symbol(pc):
    try:
        s = gdb.execute(f"info symbol {pc:#x}", to_string=True).strip()
    except gdb.error:
        return None
    return None if s.startswith("No symbol") else s.split(" in section")[0]


def _describe_stop(reason, extra=None):
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    stop = {"reason": reason, "pc": hex(pc), "symbol": _pc_symbol(pc), "backtrace": _frames()}
    try:
        enter = symbol_address("kairos_enter_user")
    except gdb.GdbError:
        enter = None
    if pc == enter:
        ctx = int(gdb.parse_and_eval("$rdi")) & 0xffffffffffffffff
    else:
        try:
            ctx = current_ctx()
        except (gdb.error, gdb.GdbError):
            ctx = 0
    if ctx:
        t = thread_by(ctx=ctx)
        stop["ctx"] = hex(ctx)
        try:
            stop["frame_rip"] = hex(read_words(ctx + RIP_WORD * 8, 1)[0])
        except gdb.MemoryError:
            pass
        if t:
            stop.update(tid=t["tid"], pid=t["pid"], ppid=t["ppid"], comm=t["comm"])
    if extra:
        stop.update(extra)
    return stop


def kairos_investigate(spec):
    """Runs a batch investigation. spec keys: break (symbol or gdb location), cond, pid, tid, rip
    (conditions for a break on kairos_enter_user), watch_frame_of (pid), watch_value, steps,
    commands (list of gdb commands run at each stop, output captured), out (JSON path)."""
    result = {"stops": [], "events": []}
    state = {"exited": None}

    def on_exit(ev):
        state["exited"] = getattr(ev, "exit_code", None)

    def on_stop(ev):
        state["stop"] = ev

    gdb.events.exited.connect(on_exit)
    gdb.events.stop.connect(on_stop)
    steps = int(spec.get("steps", 1))
    cmds = spec.get("commands") or []

    def cont():
        try:
            gdb.execute("continue", to_string=True)
        except gdb.error as e:
            result["events"].append(f"continue: {e}")
            return False
        try:
            gdb.parse_and_eval("$pc")
        except gdb.error:
            return False
        return True

    def run_cmds(stop):
        if cmds:
            outs = []
            for c in cmds:
                try:
                    outs.append(gdb.execute(c, to_string=True))
                except gdb.error as e:
                    outs.append(f"error: {e}")
            stop["commands"] = outs

    bp = None
    brk = spec.get("break")
    if brk:
        if brk == "kairos_enter_user" or brk == "enter_user":
            bp = break_user(spec.get("tid"), spec.get("pid"), spec.get("rip"))
        else:
            loc = brk
            if not any(ch in brk for ch in "*: ") and not brk.startswith("0x"):
                loc = f"*{symbol_address(brk):#x}"
            elif brk.startswith("0x"):
                loc = "*" + brk
            bp = gdb.Breakpoint(loc, type=gdb.BP_HARDWARE_BREAKPOINT)
        if spec.get("cond"):
            bp.condition = f"({bp.condition}) && ({spec['cond']})" if bp.condition else spec["cond"]
        result["breakpoint"] = {"number": bp.number, "location": bp.location, "condition": bp.condition}

    wp = None
    watch_addr = None
    if spec.get("watch_frame_of") is not None:
        # Stop once where the process first returns to user mode: its frame is then known.
        if bp is not None:
            bp.enabled = False
        first = break_user(pid=int(spec["watch_frame_of"]))
        if not cont():
            result["error"] = f"pid {spec['watch_frame_of']} never returned to user mode"
            result["exit_code"] = state["exited"]
            return _finish(result, spec)
        setup = _describe_stop("breakpoint")
        setup["note"] = "first return to user of the watched process"
        result["setup_stop"] = setup
        first.delete()
        if bp is not None:
            bp.enabled = True
        ctx = int(gdb.parse_and_eval("$rdi")) & 0xffffffffffffffff
        value = spec.get("watch_value")
        fw = FrameWatch(ctx, int(value, 0) if isinstance(value, str) else value, in_user=True)
        wp, watch_addr = fw.wp, fw.addr
        result["watchpoint"] = {"number": wp.number, "address": hex(watch_addr), "condition": wp.condition,
                                "initial": hex(read_words(watch_addr, 1)[0])}

    last = read_words(watch_addr, 1)[0] if watch_addr else None
    for _ in range(steps):
        state["stop"] = None
        if not cont():
            break
        ev = state["stop"]
        hit = [b.number for b in getattr(ev, "breakpoints", [])] if ev is not None else []
        if wp is not None and wp.number in hit:
            new = read_words(watch_addr, 1)[0]
            stop = _describe_stop("watchpoint", {"address": hex(watch_addr), "old": hex(last), "new": hex(new)})
            last = new
        elif hit:
            stop = _describe_stop("breakpoint", {"breakpoints": hit})
        else:
            stop = _describe_stop(type(ev).__name__ if ev is not None else "stop")
            if isinstance(ev, gdb.SignalEvent):
                stop["signal"] = ev.stop_signal
        run_cmds(stop)
        result["stops"].append(stop)
    if wp is not None:
        result["watchpoint"]["toggles"] = fw.toggles
    result["exit_code"] = state["exited"]
    return _finish(result, spec)


def _finish(result, spec):
    text = json.dumps(result, indent=2)
    if spec.get("out"):
        with open(spec["out"], "w") as f:
            f.write(text)
    else:
        print(text)
    return result
