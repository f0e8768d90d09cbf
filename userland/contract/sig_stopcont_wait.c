/* A SIGSTOP/SIGCONT pair (no handlers) while a child is blocked: wait4, waitid, futex (with and
   without timeout), nanosleep, clock_nanosleep, sigsuspend and pause resume and complete as if
   nothing happened; rt_sigtimedwait returns EINTR. */
#include "common.h"
#include <sys/mman.h>
#include <time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static int sync_p[2], go[2];
static int *shared;
static volatile int usr1;
static void on_usr1(int s) { usr1++; }

static void report(const char *what, long r) {
    if (r < 0)
        say("  child: %s: -1 %s\n", what, errname(errno));
    else
        say("  child: %s: %ld\n", what, r);
}

static long ms_since(const struct timespec *a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* The grandchild exits when the parent writes to `go`. */
static pid_t grandchild(void) {
    pid_t g = fork();
    if (g == 0) {
        char b;
        read(go[0], &b, 1);
        _exit(42);
    }
    return g;
}

static int do_wait4(void) {
    pid_t g = grandchild();
    int st = 0;
    pid_t r = wait4(g, &st, 0, NULL);
    say("  child: wait4: right pid %s, %s\n", YESNO(r == g), r < 0 ? errname(errno) : wstatus(st));
    return 0;
}
static int do_waitid(void) {
    pid_t g = grandchild();
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, g, &si, WEXITED);
    say("  child: waitid: %d %s, status %d\n", r, r < 0 ? errname(errno) : "", si.si_status);
    return 0;
}
static int do_futex(void) {
    report("FUTEX_WAIT (shared mapping, no timeout)", syscall(SYS_futex, shared, FUTEX_WAIT, 0, NULL, NULL, 0));
    return 0;
}
static int do_futex_timeout(void) {
    struct timespec t0, to = {0, 999000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report("FUTEX_WAIT 999 ms timeout", syscall(SYS_futex, shared + 1, FUTEX_WAIT, 0, &to, NULL, 0));
    say("  child: waited at least 999 ms: %s\n", YESNO(ms_since(&t0) >= 999));
    return 0;
}
static int do_nanosleep(void) {
    struct timespec t0, req = {0, 999000000}, rem = {77, 77};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report("nanosleep 999 ms", syscall(SYS_nanosleep, &req, &rem));
    say("  child: slept at least 999 ms: %s, rem written (time left at the stop): %s\n", YESNO(ms_since(&t0) >= 999),
        YESNO(rem.tv_sec == 0 && rem.tv_nsec > 0 && rem.tv_nsec < 999000000));
    return 0;
}
static int do_clock_nanosleep_abs(void) {
    struct timespec t0, abs;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    abs = t0;
    abs.tv_nsec += 999000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    report("clock_nanosleep TIMER_ABSTIME +999 ms", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    say("  child: slept at least 999 ms: %s\n", YESNO(ms_since(&t0) >= 999));
    return 0;
}
static int do_sigsuspend(void) {
    sigset_t none;
    sigemptyset(&none);
    report("sigsuspend", syscall(SYS_rt_sigsuspend, &none, 8));
    say("  child: SIGUSR1 handler ran: %d\n", usr1);
    return 0;
}
static int do_pause(void) {
    report("pause", syscall(SYS_pause));
    say("  child: SIGUSR1 handler ran: %d\n", usr1);
    return 0;
}
static int do_sigtimedwait(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    struct timespec ts = {10, 0};
    report("rt_sigtimedwait({SIGUSR2}, 10 s)", syscall(SYS_rt_sigtimedwait, &s, NULL, &ts, 8));
    return 0;
}

static void run(const char *name, int (*fn)(void), void (*finish)(pid_t)) {
    say("%s:\n", name);
    pid_t c = fork();
    if (c == 0) {
        write(sync_p[1], "r", 1);
        _exit(fn());
    }
    char b;
    read(sync_p[0], &b, 1);
    usleep(200000); /* let the child block in the call */
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    say("  %s\n", wstatus(st));
    kill(c, SIGCONT); /* (the child may print and exit right away: no WCONTINUED wait here) */
    usleep(100000);
    if (finish)
        finish(c);
    say("  %s\n", reap(c));
}

static void fin_go(pid_t c) { write(go[1], "g", 1); }
static void fin_futex(pid_t c) {
    shared[0] = 1;
    syscall(SYS_futex, shared, FUTEX_WAKE, 1, NULL, NULL, 0);
}
static void fin_usr1(pid_t c) { kill(c, SIGUSR1); }
static void fin_usr2(pid_t c) { kill(c, SIGUSR2); }

int main(void) {
    pipe(sync_p);
    pipe(go);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    signal(SIGUSR1, on_usr1);
    sigset_t u2;
    sigemptyset(&u2);
    sigaddset(&u2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &u2, NULL);
    run("wait4 for a running grandchild", do_wait4, fin_go);
    run("waitid for a running grandchild", do_waitid, fin_go);
    run("futex without timeout", do_futex, fin_futex);
    run("futex with timeout", do_futex_timeout, NULL);
    run("nanosleep", do_nanosleep, NULL);
    run("clock_nanosleep absolute", do_clock_nanosleep_abs, NULL);
    run("sigsuspend", do_sigsuspend, fin_usr1);
    run("pause", do_pause, fin_usr1);
    run("rt_sigtimedwait", do_sigtimedwait, fin_usr2);
    return 0;
}
