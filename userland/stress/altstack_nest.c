/*
 * Stress 5: sigaltstack and nested handlers.
 *
 * Many iterations of random scenarios, each with exact expected results:
 *   nodefer  SA_NODEFER handler re-raising itself to depth D: D nested frames (each below its
 *            parent's), on the alternate stack when SA_ONSTACK, SS_ONSTACK reported inside;
 *   defer    the same without SA_NODEFER: the signal stays pending until the handler returns,
 *            so D sequential calls, never nested;
 *   chain    SIGUSR1 -> SIGUSR2 -> SIGURG nested handlers (only the first has SA_ONSTACK: the
 *            others stay on the alternate stack because they start on it);
 *   mask     sa_mask defers a signal raised inside the handler until it returns;
 *   rtorder  queued real-time signals (sigqueue with values), unblocked at once, are handled
 *            lowest signal first and FIFO within a signal;
 *   external a handler blocked in read() is interrupted by a signal from another process and
 *            the nested handler runs on the alternate stack (the read restarts: SA_RESTART);
 *   jump     siglongjmp out of a nested alternate-stack handler leaves the alternate stack
 *            (SS_ONSTACK clear) and restores the mask;
 *   eperm    sigaltstack() while on the alternate stack fails with EPERM;
 *   thread   a new thread starts without an alternate stack (SS_DISABLE) and uses its own;
 *   fork     a child inherits the alternate stack (same address and size).
 */
#include "stress.h"
#include <pthread.h>
#include <setjmp.h>

#define ALT_SIZE (256 * 1024)
#define MAX_DEPTH 10

static char *alt_base;
static size_t alt_size;

static int self_signal(int sig) { return (int)syscall(SYS_tgkill, getpid(), (int)syscall(SYS_gettid), sig); }

static int on_alt(void *p) { return (char *)p >= alt_base && (char *)p < alt_base + alt_size; }

static int ss_flags(void) {
    stack_t cur;
    if (sigaltstack(NULL, &cur) < 0)
        return -1;
    return cur.ss_flags;
}

static void install_alt(char *base, size_t size) {
    stack_t ss = {.ss_sp = base, .ss_flags = 0, .ss_size = size};
    if (sigaltstack(&ss, NULL) < 0)
        DIE("sigaltstack");
}

/* --- nodefer / defer ---------------------------------------------------------------------- */
static volatile int depth, max_depth, calls, target_depth, want_onstack, frame_bad;
static char *volatile frame_addr[MAX_DEPTH + 2];

static void recurse_handler(int sig) {
    char local;
    int d = ++depth;
    calls++;
    if (d > max_depth)
        max_depth = d;
    frame_addr[d] = &local;
    if (d > 1 && !(&local < frame_addr[d - 1]))
        frame_bad = 1; /* a nested frame must lie below its parent */
    if (want_onstack && (!on_alt(&local) || ss_flags() != SS_ONSTACK))
        frame_bad = 1;
    if (!want_onstack && (on_alt(&local) || ss_flags() != 0))
        frame_bad = 1;
    if (calls < target_depth)
        self_signal(sig); /* nested now with SA_NODEFER, after we return without */
    depth--;
}

/* --- chain / mask --------------------------------------------------------------------------- */
static char trace[64];
static volatile int ntrace;
static void tr(char c) {
    if (ntrace < (int)sizeof trace - 1)
        trace[ntrace++] = c;
}

static void chain_usr1(int s) {
    char l;
    tr(on_alt(&l) ? 'A' : 'a');
    self_signal(SIGUSR2);
    tr('1');
}
static void chain_usr2(int s) {
    char l;
    tr(on_alt(&l) ? 'B' : 'b');
    self_signal(SIGURG);
    tr('2');
}
static void chain_urg(int s) {
    char l;
    tr(on_alt(&l) ? 'C' : 'c');
    tr(ss_flags() == SS_ONSTACK ? '+' : '-');
    tr('3');
}

static void mask_usr1(int s) {
    tr('M');
    self_signal(SIGUSR2); /* in sa_mask: pending until we return */
    tr('m');
}
static void mask_usr2(int s) { tr('N'); }

/* --- rtorder ---------------------------------------------------------------------------------- */
static int rt_log_sig[512], rt_log_val[512];
static volatile int rt_n;
static void rt_handler(int s, siginfo_t *si, void *uc) {
    if (rt_n < 512) {
        rt_log_sig[rt_n] = s;
        rt_log_val[rt_n] = si->si_value.sival_int;
        rt_n++;
    }
}

/* --- external ---------------------------------------------------------------------------------- */
static int ext_cmd_w, ext_done_r;
static volatile int ext_nested, ext_nested_alt, ext_in_outer;
static void ext_inner(int s) {
    char l;
    if (ext_in_outer)
        ext_nested++;
    if (on_alt(&l))
        ext_nested_alt++;
}
static void ext_outer(int s) {
    char l, c = 'k';
    ext_in_outer = 1;
    write_full(ext_cmd_w, &c, 1);
    /* the helper signals us (SIGRTMIN+5), then writes: the read is interrupted, the nested
       handler runs, and the read restarts (SA_RESTART) and gets the byte */
    ssize_t r;
    while ((r = read(ext_done_r, &c, 1)) < 0 && errno == EINTR)
        ;
    if (!on_alt(&l))
        frame_bad = 1;
    ext_in_outer = 0;
}

/* --- jump ------------------------------------------------------------------------------------ */
static sigjmp_buf jump_env;
static volatile int jump_depth_target;
static void jump_handler(int s) {
    static volatile int d;
    if (++d < jump_depth_target) {
        self_signal(s);
    }
    d = 0;
    siglongjmp(jump_env, 1);
}

/* --- eperm: changing or disabling the alternate stack while running on it fails ---------- */
static volatile int eperm_result;
static void eperm_handler(int s) {
    stack_t ss = {.ss_sp = alt_base, .ss_flags = 0, .ss_size = alt_size};
    stack_t dis = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
    errno = 0;
    int r1 = sigaltstack(&ss, NULL);
    int e1 = errno;
    errno = 0;
    int r2 = sigaltstack(&dis, NULL);
    int e2 = errno;
    eperm_result = r1 < 0 && e1 == EPERM && r2 < 0 && e2 == EPERM && ss_flags() == SS_ONSTACK;
}

static __attribute__((noinline)) int jump_once(int d) {
    jump_depth_target = d;
    set_handler(SIGUSR2, jump_handler, SA_ONSTACK | SA_NODEFER, NULL);
    sigset_t before, after;
    sigemptyset(&before);
    sigemptyset(&after);
    sigprocmask(SIG_SETMASK, NULL, &before);
    volatile int jumped = 0;
    if (sigsetjmp(jump_env, 1) == 0)
        self_signal(SIGUSR2);
    else
        jumped = 1;
    sigprocmask(SIG_SETMASK, NULL, &after);
    int same = 1;
    for (int i = 1; i < 65; i++)
        same &= sigismember(&before, i) == sigismember(&after, i);
    return jumped && ss_flags() == 0 && same;
}

/* --- thread ---------------------------------------------------------------------------------- */
static volatile int thr_initial_flags, thr_nested_ok;
static char *thr_alt;
static void thr_handler(int s) {
    char l;
    thr_nested_ok = (char *)&l >= thr_alt && (char *)&l < thr_alt + 65536 && ss_flags() == SS_ONSTACK;
}
static void *thread_main(void *arg) {
    thr_initial_flags = ss_flags();
    stack_t ss = {.ss_sp = thr_alt, .ss_flags = 0, .ss_size = 65536};
    sigaltstack(&ss, NULL);
    set_handler(SIGWINCH, thr_handler, SA_ONSTACK, NULL);
    self_signal(SIGWINCH);
    return NULL;
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "altstack_nest");
    alt_size = ALT_SIZE;
    alt_base = malloc(alt_size);
    thr_alt = malloc(65536);
    if (!alt_base || !thr_alt)
        DIE("malloc");
    install_alt(alt_base, alt_size);

    enum { S_NODEFER, S_DEFER, S_CHAIN, S_MASK, S_RTORDER, S_EXTERNAL, S_JUMP, S_EPERM, S_N };
    static const char *snames[S_N] = {"nodefer", "defer", "chain", "mask", "rtorder", "external", "jump", "eperm"};
    long runs[S_N] = {0}, bad[S_N] = {0}, handler_calls[S_N] = {0}, depth_sum = 0;

    /* the helper for "external": reads a byte, sends SIGRTMIN+5 to us, writes a byte back */
    int cmd[2], done[2];
    xpipe(cmd);
    xpipe(done);
    ext_cmd_w = cmd[1];
    ext_done_r = done[0];
    pid_t parent = getpid();
    pid_t helper = xfork();
    if (helper == 0) {
        char c;
        close(cmd[1]);
        close(done[0]);
        while (read_full(cmd[0], &c, 1)) {
            kill(parent, SIGRTMIN + 5);
            write_full(done[1], &c, 1);
        }
        _exit(0);
    }
    close(cmd[0]);
    close(done[1]);

    int iters = scaled(40000);
    for (int it = 0; it < iters; it++) {
        rng_t rr = rng_make(7000 + it);
        int sc = it < S_N ? it : (int)rng_range(&rr, 0, S_N - 1);
        int ok = 1;
        runs[sc]++;
        switch (sc) {
        case S_NODEFER:
        case S_DEFER: {
            int d = (int)rng_range(&rr, 1, MAX_DEPTH);
            int onstack = (int)rng_range(&rr, 0, 1);
            depth = max_depth = calls = frame_bad = 0;
            target_depth = d;
            want_onstack = onstack;
            set_handler(SIGUSR1, recurse_handler, (sc == S_NODEFER ? SA_NODEFER : 0) | (onstack ? SA_ONSTACK : 0),
                        NULL);
            self_signal(SIGUSR1);
            ok = calls == d && max_depth == (sc == S_NODEFER ? d : 1) && !frame_bad && depth == 0;
            handler_calls[sc] += calls;
            depth_sum += max_depth;
            stat_signals += calls;
            break;
        }
        case S_CHAIN: {
            ntrace = 0;
            int onstack = (int)rng_range(&rr, 0, 1);
            set_handler(SIGUSR1, chain_usr1, onstack ? SA_ONSTACK : 0, NULL);
            set_handler(SIGUSR2, chain_usr2, 0, NULL);
            set_handler(SIGURG, chain_urg, 0, NULL);
            self_signal(SIGUSR1);
            trace[ntrace] = 0;
            ok = strcmp(trace, onstack ? "ABC+321" : "abc-321") == 0;
            if (!ok)
                say("chain trace %s\n", trace);
            handler_calls[sc] += 3;
            stat_signals += 3;
            break;
        }
        case S_MASK: {
            ntrace = 0;
            sigset_t m;
            sigemptyset(&m);
            sigaddset(&m, SIGUSR2);
            set_handler(SIGUSR1, mask_usr1, SA_ONSTACK, &m);
            set_handler(SIGUSR2, mask_usr2, SA_ONSTACK, NULL);
            self_signal(SIGUSR1);
            trace[ntrace] = 0;
            ok = strcmp(trace, "MmN") == 0;
            if (!ok)
                say("mask trace %s\n", trace);
            handler_calls[sc] += 2;
            stat_signals += 2;
            break;
        }
        case S_RTORDER: {
            int n = (int)rng_range(&rr, 1, 64);
            sigset_t rt, full;
            sigemptyset(&rt);
            sigfillset(&full);
            for (int k = 0; k < 4; k++) {
                sigaddset(&rt, SIGRTMIN + k);
                set_action(SIGRTMIN + k, rt_handler, SA_ONSTACK, &full);
            }
            sigprocmask(SIG_BLOCK, &rt, NULL);
            int want_sig[64], want_val[64], nw = 0;
            int sent_sig[64];
            for (int k = 0; k < n; k++) {
                sent_sig[k] = SIGRTMIN + (int)rng_range(&rr, 0, 3);
                union sigval v = {.sival_int = k};
                if (sigqueue(getpid(), sent_sig[k], v) < 0)
                    DIE("sigqueue");
            }
            for (int s = 0; s < 4; s++)
                for (int k = 0; k < n; k++)
                    if (sent_sig[k] == SIGRTMIN + s) {
                        want_sig[nw] = sent_sig[k];
                        want_val[nw++] = k;
                    }
            rt_n = 0;
            sigprocmask(SIG_UNBLOCK, &rt, NULL);
            ok = rt_n == n;
            for (int k = 0; ok && k < n; k++)
                ok = rt_log_sig[k] == want_sig[k] && rt_log_val[k] == want_val[k];
            if (!ok)
                say("rtorder: %d of %d handled, order %s\n", rt_n, n, rt_n == n ? "wrong" : "-");
            handler_calls[sc] += rt_n;
            stat_signals += n;
            break;
        }
        case S_EXTERNAL: {
            ext_nested = ext_nested_alt = frame_bad = 0;
            set_handler(SIGRTMIN + 5, ext_inner, SA_RESTART, NULL);
            set_handler(SIGUSR1, ext_outer, SA_ONSTACK | SA_RESTART, NULL);
            self_signal(SIGUSR1);
            ok = ext_nested == 1 && ext_nested_alt == 1 && !frame_bad;
            if (!ok)
                say("external: nested %d on alt %d frame_bad %d\n", ext_nested, ext_nested_alt, frame_bad);
            handler_calls[sc] += 2;
            stat_signals += 2;
            break;
        }
        case S_JUMP: {
            int d = (int)rng_range(&rr, 1, 5);
            ok = jump_once(d);
            handler_calls[sc] += d;
            stat_signals += d;
            break;
        }
        case S_EPERM: {
            eperm_result = 0;
            set_handler(SIGUSR1, eperm_handler, SA_ONSTACK, NULL);
            self_signal(SIGUSR1);
            ok = eperm_result;
            handler_calls[sc] += 1;
            stat_signals += 1;
            break;
        }
        }
        if (!ok) {
            bad[sc]++;
            say("iteration %d (%s) failed\n", it, snames[sc]);
        }
    }
    for (int s = 0; s < S_N; s++) {
        EXPECT(bad[s] == 0, "%s: %ld of %ld runs wrong", snames[s], bad[s], runs[s]);
        say("%-8s runs %ld, handler calls %ld, all as expected: %s\n", snames[s], runs[s], handler_calls[s],
            YESNO(bad[s] == 0));
    }
    say("nodefer/defer: sum of the deepest nesting %ld\n", depth_sum);

    /* thread: starts without an alternate stack, uses its own */
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0)
        DIE("pthread_create");
    pthread_join(t, NULL);
    EXPECT(thr_initial_flags == SS_DISABLE, "new thread's sigaltstack flags %d, want SS_DISABLE", thr_initial_flags);
    EXPECT(thr_nested_ok, "thread handler not on the thread's alternate stack");
    say("thread starts with SS_DISABLE: %s; its handler runs on its own alternate stack: %s\n",
        YESNO(thr_initial_flags == SS_DISABLE), YESNO(thr_nested_ok));

    /* fork: the child inherits the alternate stack */
    pid_t c = xfork();
    if (c == 0) {
        stack_t cur;
        sigaltstack(NULL, &cur);
        _exit(cur.ss_sp == alt_base && cur.ss_size == alt_size && cur.ss_flags == 0 ? 0 : 1);
    }
    int st;
    waitpid_retry(c, &st, 0, NULL);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child: alternate stack not inherited (%s)", wstatus(st));
    say("fork child inherits the alternate stack: %s\n", YESNO(WIFEXITED(st) && WEXITSTATUS(st) == 0));

    close(ext_cmd_w);
    waitpid_retry(helper, &st, 0, NULL);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "helper: %s", wstatus(st));
    expect_no_children("end");
    return stress_finish();
}

