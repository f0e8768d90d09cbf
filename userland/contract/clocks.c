/* clock_gettime/clock_getres/gettimeofday/time: every clock works, monotonic clocks do not go
   back, CPU clocks advance with work, EINVAL/EFAULT. (Booleans only: no times are printed.) */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static void clk(const char *name, clockid_t id) {
    struct timespec a, b, r;
    int ra = clock_gettime(id, &a);
    clock_gettime(id, &b);
    int rr = clock_getres(id, &r);
    say("%s: gettime %s, non-decreasing %s, nsec in range %s, getres %s, res positive and <= 10 ms %s\n", name,
        ra ? errname(errno) : "ok", YESNO(ns(b) >= ns(a)), YESNO(a.tv_nsec >= 0 && a.tv_nsec < 1000000000),
        rr ? errname(errno) : "ok", YESNO(ns(r) > 0 && ns(r) <= 10000000));
}

int main(void) {
    clk("CLOCK_REALTIME", CLOCK_REALTIME);
    clk("CLOCK_MONOTONIC", CLOCK_MONOTONIC);
    clk("CLOCK_BOOTTIME", CLOCK_BOOTTIME);
    clk("CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW);
    clk("CLOCK_REALTIME_COARSE", CLOCK_REALTIME_COARSE);
    clk("CLOCK_MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE);
    clk("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID);
    clk("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID);
    struct timespec t;
    CHECK("clock_gettime bad clock 42", clock_gettime(42, &t));
    CHECK("clock_getres bad clock 42", clock_getres(42, &t));
    CHECK("clock_gettime bad pointer (raw)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8));
    CHECK("clock_getres NULL (raw)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    CHECK("clock_settime CLOCK_MONOTONIC", clock_settime(CLOCK_MONOTONIC, &t));
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    say("realtime after 2020-01-01: %s\n", YESNO(rt.tv_sec > 1577836800));
    say("time() agrees with CLOCK_REALTIME: %s\n", YESNO(labs(time(NULL) - rt.tv_sec) <= 1));
    struct timeval tv;
    CHECK("gettimeofday", gettimeofday(&tv, NULL));
    say("gettimeofday agrees: %s, usec in range: %s\n", YESNO(labs(tv.tv_sec - rt.tv_sec) <= 1),
        YESNO(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
    CHECK("gettimeofday raw with timezone", syscall(SYS_gettimeofday, &tv, &(struct timezone){0, 0}));
    CHECK("gettimeofday bad pointer (raw)", syscall(SYS_gettimeofday, (void *)8, NULL));
    CHECK("time bad pointer (raw)", syscall(SYS_time, (void *)8));
    struct timespec m, b;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_BOOTTIME, &b);
    say("boottime >= monotonic: %s\n", YESNO(ns(b) >= ns(m) - 1000000));
    /* Monotonic over many reads. */
    int ok = 1;
    struct timespec prev, cur;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    for (int i = 0; i < 10000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &cur);
        if (ns(cur) < ns(prev))
            ok = 0;
        prev = cur;
    }
    say("10000 monotonic reads never go back: %s\n", YESNO(ok));
    /* CPU time advances while we compute, and by no more than wall time (+ slack). */
    struct timespec c0, c1, w0, w1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &w0);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_MONOTONIC, &w1);
    } while (ns(w1) - ns(w0) < 50000000);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    say("process cpu time advanced during 50 ms of work: %s, not more than wall time: %s\n",
        YESNO(ns(c1) - ns(c0) >= 1000000), YESNO(ns(c1) - ns(c0) <= ns(w1) - ns(w0) + 20000000));
    clockid_t cid;
    say("clock_getcpuclockid(0): %s\n", errname(clock_getcpuclockid(0, &cid)));
    CHECK("gettime on it", clock_gettime(cid, &t));
    return 0;
}
