/*
 * Shared helpers for the stress programs (the C files of userland/stress/; their driver is tests/stress.py).
 *
 * Every program is run as `NAME SEED SCALE` and prints a summary that must be identical under
 * the reference Linux and Kairos for the same SEED and SCALE: counts that POSIX fixes, and for
 * anything that depends on scheduling only an invariant about it ("caught >= 1: yes"). When an
 * invariant fails the program prints `INVARIANT FAILED: ...` and exits 1 (at the end, so that
 * the whole summary is still printed, or at once with `die()` when going on makes no sense).
 * The last line is `@@STATS forks=N signals=M` (the work done; the driver strips it before
 * comparing, and only sums it, since it may depend on timing).
 *
 * Output goes through write(2) unbuffered (say()), so fork and handlers never duplicate text.
 */
#ifndef STRESS_H
#define STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h is not in musl's headers */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#endif

static unsigned long stress_seed = 1;
static double stress_scale = 1; /* may be fractional: 0.25 for the short suite */
static long stat_forks, stat_signals;
static int invariant_failures;
static int stress_verbose; /* a third argument "v": print every round (for debugging) */
static const char *stress_name = "stress";

/* --- output ------------------------------------------------------------------------------- */

static void put_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    put_all(1, buf, (size_t)n);
}

#define YESNO(b) ((b) ? "yes" : "no")

/* Records a failed invariant (printed at once; the program exits 1 at the end). */
#define EXPECT(cond, ...)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            invariant_failures++;                                                           \
            say("INVARIANT FAILED (%s:%d): ", __FILE__, __LINE__);                          \
            say(__VA_ARGS__);                                                               \
            say("\n");                                                                      \
        }                                                                                   \
    } while (0)

/* A failure after which the program cannot go on: print and exit 1 (children: 99). */
#define DIE(...)                                                                            \
    do {                                                                                    \
        say("FATAL (%s:%d): ", __FILE__, __LINE__);                                         \
        say(__VA_ARGS__);                                                                   \
        say(" [errno %d]\n", errno);                                                        \
        exit(1);                                                                            \
    } while (0)

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOSYS: return "ENOSYS";
    default: {
        static char b[24];
        snprintf(b, sizeof b, "E#%d", e);
        return b;
    }
    }
}

static const char *wstatus(int st) {
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by %d%s", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        snprintf(buf, sizeof buf, "continued");
    else
        snprintf(buf, sizeof buf, "unknown 0x%x", st);
    return buf;
}

/* --- deterministic randomness (splitmix64 seeded from SEED and a stream tag) --------------- */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static rng_t rng_make(uint64_t tag) {
    rng_t r = {stress_seed * 0x100000001b3ULL ^ (tag * 0x9e3779b97f4a7c15ULL)};
    rng_next(&r);
    return r;
}

/* Uniform in [lo, hi]. */
static long rng_range(rng_t *r, long lo, long hi) {
    return lo + (long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* --- start and end ------------------------------------------------------------------------ */

static void stress_init(int argc, char **argv, const char *name) {
    stress_name = name;
    if (argc > 1)
        stress_seed = strtoul(argv[1], NULL, 0);
    if (argc > 2)
        stress_scale = strtod(argv[2], NULL);
    if (argc > 3 && argv[3][0] == 'v')
        stress_verbose = 1;
    if (!(stress_scale > 0))
        stress_scale = 1;
    say("%s seed=%lu scale=%g\n", name, stress_seed, stress_scale);
}

/* Whether to print the line of round r: the first few, and any round that went wrong (the
   summaries stay short; a wrong round shows up in the diff against Linux). */
/* Progress lines printed only in verbose mode. */
#define VSAY(...)                                                                           \
    do {                                                                                    \
        if (stress_verbose)                                                                 \
            say(__VA_ARGS__);                                                               \
    } while (0)

#define SHOW_ROUND(r, ok) ((r) < 3 || !(ok) || stress_verbose)

/* n scaled by SCALE, at least 1. */
static int scaled(int n) {
    double v = n * stress_scale + 0.5;
    return v < 1 ? 1 : (int)v;
}

/* Prints the verdict and the stats line; returns the exit status for main. */
static int stress_finish(void) {
    say("invariants: %s\n", invariant_failures ? "FAILED" : "all hold");
    say("@@STATS forks=%ld signals=%ld\n", stat_forks, stat_signals);
    return invariant_failures ? 1 : 0;
}

/* --- small utilities ---------------------------------------------------------------------- */

static pid_t xfork(void) {
    pid_t p;
    do
        p = fork();
    while (p < 0 && errno == EAGAIN);
    if (p < 0)
        DIE("fork");
    if (p > 0)
        stat_forks++;
    return p;
}

static void xpipe(int p[2]) {
    if (pipe2(p, O_CLOEXEC) < 0)
        DIE("pipe");
}

/* read/write exactly n bytes, retrying on EINTR; returns 0 on EOF before n. */
static int read_full(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

static void write_full(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* waitpid retrying on EINTR; counts the EINTRs in *eintr when given. */
static pid_t waitpid_retry(pid_t pid, int *st, int flags, long *eintr) {
    pid_t r;
    for (;;) {
        r = waitpid(pid, st, flags);
        if (r < 0 && errno == EINTR) {
            if (eintr)
                (*eintr)++;
            continue;
        }
        return r;
    }
}

static void set_handler(int sig, void (*fn)(int), int flags, const sigset_t *mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0)
        DIE("sigaction %d", sig);
}

static void set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0)
        DIE("sigaction %d", sig);
}

static void block_sig(int sig, int how) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

/* Checks that no child is left: waitpid(-1, WNOHANG) must fail with ECHILD. */
static void expect_no_children(const char *where) {
    int st;
    errno = 0;
    pid_t r = waitpid(-1, &st, WNOHANG | __WALL);
    EXPECT(r < 0 && errno == ECHILD, "%s: waitpid(-1, WNOHANG) = %d %s, want -1 ECHILD", where, (int)r,
           errname(errno));
    say("%s: no child left: %s\n", where, YESNO(r < 0 && errno == ECHILD));
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* An open-addressing map pid -> slot index (for "reaped exactly once" bookkeeping). */
typedef struct {
    int *keys;
    int *vals;
    int cap;
} pidmap_t;

static void pidmap_init(pidmap_t *m, int n) {
    m->cap = 16;
    while (m->cap < 2 * n + 16)
        m->cap *= 2;
    m->keys = calloc((size_t)m->cap, sizeof(int));
    m->vals = calloc((size_t)m->cap, sizeof(int));
    if (!m->keys || !m->vals)
        DIE("calloc");
}

static void pidmap_free(pidmap_t *m) {
    free(m->keys);
    free(m->vals);
}

static void pidmap_clear(pidmap_t *m) {
    memset(m->keys, 0, (size_t)m->cap * sizeof(int));
}

/* Returns 0 when the pid was already present (a duplicate). */
static int pidmap_put(pidmap_t *m, int pid, int val) {
    unsigned h = ((unsigned)pid * 2654435761u) & (unsigned)(m->cap - 1);
    while (m->keys[h] != 0) {
        if (m->keys[h] == pid)
            return 0;
        h = (h + 1) & (unsigned)(m->cap - 1);
    }
    m->keys[h] = pid;
    m->vals[h] = val;
    return 1;
}

/* Returns the value, or -1 when absent. */
static int pidmap_get(pidmap_t *m, int pid) {
    unsigned h = ((unsigned)pid * 2654435761u) & (unsigned)(m->cap - 1);
    while (m->keys[h] != 0) {
        if (m->keys[h] == pid)
            return m->vals[h];
        h = (h + 1) & (unsigned)(m->cap - 1);
    }
    return -1;
}

#endif
