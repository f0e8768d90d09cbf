#!/usr/bin/env python3
"""`make trace-test`: boots the default trace workload (userland/trace/workload.c: fork, pipes,
nanosleep, signals with handlers, wait4) with trace=com3, exports it with tests/trace.py and
checks the result:

  * every poll has a wake or a spawn of its task before it (since its previous poll began);
  * every wake → next-poll pair is linked by a flow event (ph s/f, same id, bp "e");
  * every SYSCALL_EXIT matches an earlier SYSCALL_ENTER of the same thread;
  * timestamps are monotonic per CPU, and CPU tracks have no overlapping slices;
  * complete slices nest properly on every track (Perfetto's requirement);
  * the JSON loads with a strict parser and has the fields Perfetto requires;
  * one track per CPU and per task, user threads named "pid N tid M";
  * the same checks still hold when the oldest events are cut (ring wrap-around);
  * the summary and the SVG are produced.

Prints `test trace::NAME ... ok|FAILED` lines and `N passed, M failed`; exits 1 on failure.
Outputs land in target/trace/test/.
"""
import copy
import importlib.util
import json
import os
import sys
import traceback
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "target", "trace", "test")
KERNEL = os.environ.get("KAIROS_KERNEL", os.path.join(ROOT, "target", "kairos", "kairos.elf"))

spec = importlib.util.spec_from_file_location("kairos_trace", os.path.join(HERE, "trace.py"))
tr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tr)

results = []


def test(name, fn):
    try:
        problems = fn()
    except Exception:  # noqa: BLE001 - report any crash as a failure of that test
        problems = [traceback.format_exc()]
    ok = not problems
    print(f"test trace::{name} ... {'ok' if ok else 'FAILED'}", flush=True)
    for p in (problems or [])[:12]:
        for line in str(p).rstrip().splitlines():
            print(f"    {line}")
    results.append(ok)


def main():
    if not os.path.exists(KERNEL):
        print(f"test_trace: no kernel at {KERNEL} (run `make kernel`)")
        return 1
    r, dump_path = tr.run_workload(KERNEL, None, OUT, timeout=60)
    state = {}

    def workload_ran():
        probs = []
        if not r.ok:
            probs.append(f"QEMU verdict {r.verdict} (status {r.status}); see {OUT}/console.log and kernel.log")
        if "0 failures" not in r.output:
            probs.append("the workload did not report `0 failures`: " + r.output[-400:])
        size = os.path.getsize(dump_path)
        if size < 100:
            probs.append(f"trace dump is {size} bytes (was trace=com3 honoured?)")
        return probs

    test("workload_ran", workload_ran)

    def export():
        t, text, paths = tr.process(dump_path, OUT)
        state.update(t=t, text=text, paths=paths, checks=dict(tr.check(t, text)))
        probs = [f"{p} missing or empty" for p in paths if not os.path.exists(p) or os.path.getsize(p) == 0]
        if not t.dump.complete:
            probs.append("dump incomplete: " + "; ".join(t.dump.problems))
        return probs

    test("export_writes_json_summary_svg", export)
    if "checks" not in state:
        print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
        return 1
    t = state["t"]

    for name in ("json_strict", "perfetto_fields", "poll_has_wake_or_spawn", "wake_poll_flows",
                 "syscall_exit_matches_enter", "timestamps_monotonic_per_cpu", "slices_nest_per_track"):
        test(name, lambda name=name: state["checks"][name])

    def workload_content():
        probs = []
        names = {t.sysname(s.nr) for s in t.syscalls}
        for need in ("fork", "wait4", "kill", "nanosleep", "rt_sigaction", "rt_sigreturn", "pipe", "read", "write",
                     "exit_group"):
            if need not in names:
                probs.append(f"no {need} syscall in the trace")
        if len(t.threads) < 5:
            probs.append(f"{len(t.threads)} user threads (want 5: init and 4 children)")
        if len(t.sig_delivered) < 2:
            probs.append(f"{len(t.sig_delivered)} signal deliveries (want >= 2)")
        kinds = {w.source[0] for w in t.wakes}
        if "task" not in kinds:
            probs.append(f"no task-to-task wake (sources: {kinds})")
        if not any(w.next_poll is not None for w in t.wakes):
            probs.append("no wake followed by a poll")
        return probs

    test("workload_content", workload_content)

    def tracks():
        obj = json.loads(state["text"])
        names = {(e["pid"], e["tid"]): e["args"]["name"] for e in obj["traceEvents"]
                 if e["ph"] == "M" and e["name"] == "thread_name"}
        probs = []
        for cpu in {e.cpu for e in t.dump.events}:
            if names.get((tr.CPU_PID, tr.CPU_TID + cpu)) != f"CPU {cpu}":
                probs.append(f"no track for CPU {cpu}")
        for task, (tid, pid) in t.threads.items():
            if pid is None:
                probs.append(f"user thread {tid}: no USER_THREAD event in an unwrapped trace")
            elif names.get((pid, tid)) != f"pid {pid} tid {tid}":
                probs.append(f"user thread {tid} has no 'pid {pid} tid {tid}' track")
        polled = {(e["pid"], e["tid"]) for e in obj["traceEvents"] if e["ph"] == "X" and e.get("cat") == "poll"
                  and e["pid"] != tr.CPU_PID}
        if len(polled) != len(t.polls_by_task):
            probs.append(f"{len(t.polls_by_task)} polled tasks but {len(polled)} task tracks with polls")
        for key in polled:
            if key not in names:
                probs.append(f"task track {key} has no name")
        flows = [e for e in obj["traceEvents"] if e["ph"] in ("s", "f") and e.get("cat") == "wake"]
        if not flows:
            probs.append("no wake flow events")
        return probs

    test("one_track_per_cpu_and_task", tracks)

    def wrapped():
        # Cut the oldest third of the events, as the ring does when it wraps: the checks must
        # still pass thanks to the allowances for events cut at the start.
        d = copy.copy(t.dump)
        cut = len(d.events) // 3
        d.events = [copy.copy(e) for e in d.events[cut:]]
        d.dropped = cut
        w = tr.Trace(d, t.sysnames)
        text = json.dumps(tr.chrome_trace(w), allow_nan=False)
        return [f"{name}: {p}" for name, probs in tr.check(w, text) for p in probs]

    test("checks_hold_after_ring_wrap", wrapped)

    def detects_violations():
        # Each check must fail on a trace broken on purpose.
        probs = []

        def broken(drop_kind, name, mutate_json=None):
            d = copy.copy(t.dump)
            victim = next((e for e in d.events[len(d.events) // 2:] if e.kind == drop_kind), None)
            if victim is None:
                return [f"no event of kind {drop_kind:#x} to drop"]
            d.events = [copy.copy(e) for e in d.events if e is not victim]
            w = tr.Trace(d, t.sysnames)
            obj = tr.chrome_trace(w)
            if mutate_json:
                mutate_json(obj)
            got = dict(tr.check(w, json.dumps(obj)))
            return [] if got[name] else [f"{name} did not notice a missing {tr.KIND_NAMES[drop_kind]} event"]

        probs += broken(tr.WAKE, "poll_has_wake_or_spawn")
        probs += broken(tr.SYSCALL_ENTER, "syscall_exit_matches_enter")

        def drop_flow_end(obj):
            ev = obj["traceEvents"]
            k = next(i for i, e in enumerate(ev) if e["ph"] == "f" and e["cat"] == "wake")
            del ev[k]

        probs += broken(tr.IRQ, "wake_poll_flows", drop_flow_end)

        def drop_dur(obj):
            next(e for e in obj["traceEvents"] if e["ph"] == "X").pop("dur")

        probs += broken(tr.IRQ, "perfetto_fields", drop_dur)
        bad = dict(tr.check(t, state["text"].replace('"ts":', '"ts":NaN,"x":', 1)))
        if not bad["json_strict"]:
            probs.append("json_strict accepted NaN")
        return probs

    test("checks_detect_violations", detects_violations)

    def truncated():
        with open(dump_path, "rb") as f:
            data = f.read()
        d = tr.parse_dump(data[:len(data) // 2])
        probs = []
        if d.complete or not d.problems:
            probs.append("a half dump was not reported as incomplete")
        if not d.events:
            probs.append("no events recovered from a half dump")
        tr.summary(tr.Trace(d))
        return probs

    test("truncated_dump_is_usable", truncated)

    def summary_and_svg():
        with open(state["paths"][1]) as f:
            s = f.read()
        probs = [f"summary lacks '{h}'" for h in ("Top tasks by total poll time", "Longest single polls",
                                                   "Wake -> poll latency", "p50", "p90", "p99", "Syscalls",
                                                   "Signals:", "Page faults:", "Dropped events:", "wait4")
                 if h not in s]
        root = ET.parse(state["paths"][2]).getroot()
        rects = [el for el in root.iter() if el.tag.endswith("rect")]
        paths = [el for el in root.iter() if el.tag.endswith("path")]
        if len(rects) < 10:
            probs.append(f"SVG has only {len(rects)} rects")
        if not paths:
            probs.append("SVG has no wake arrows")
        return probs

    test("summary_and_svg", summary_and_svg)

    def in_guest_trace_file():
        # /dev/kairos-trace, read from inside the guest, is a complete dump in the same format.
        import subprocess
        out = os.path.join(OUT, "in-guest.bin")
        r = subprocess.run([os.path.join(HERE, "kairos-exec"), "/bin/busybox", "sh", "-c",
                            "cat /dev/kairos-trace | od -An -v -tx1"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            return [f"kairos-exec exited {r.returncode}: {r.stderr[-300:]}"]
        data = bytes(int(x, 16) for x in r.stdout.split())
        with open(out, "wb") as f:
            f.write(data)
        d = tr.parse_dump(data)
        probs = [] if d.complete else ["dump incomplete: " + "; ".join(d.problems)]
        if len(d.events) < 100:
            probs.append(f"only {len(d.events)} events in the in-guest dump")
        return probs

    test("in_guest_trace_file", in_guest_trace_file)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
