/*
 * Stress 3: stop/continue storms with WUNTRACED/WCONTINUED waiters.
 *
 * Children of four kinds (blocked in a pipe read, busy with yields, sleeping in nanosleep
 * loops, or two threads blocked in futex wait + pipe read) with a SIGCONT handler that has
 * SA_RESTART, or lacks it, or no handler at all, live in two process groups. In each round the
 * parent stops one child or a whole group with SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU, observes every
 * stop (waitpid WUNTRACED or waitid WSTOPPED, sometimes peeking with WNOWAIT first), checks
 * that there is no second report (WNOHANG), sometimes sends the stop signal again to the
 * stopped target (which must not produce a new report), then continues it with SIGCONT and
 * observes every continue (WCONTINUED); children with a handler acknowledge each SIGCONT
 * through a pipe before the next round (so no SIGCONT is discarded by a later stop). Busy
 * children (one of them with a busy second thread) count in shared memory: once the parent
 * has seen a stop, their counters must not move (every thread is stopped). Checked:
 * exactly the transitions POSIX guarantees, SIGCONT handler runs == continues, no EINTR in
 * children whose handler has SA_RESTART or who have no handler, a stopped child killed by
 * SIGKILL reports "killed by 9", no child left.
 */
#include "stress.h"
#include <pthread.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/select.h>

#define MAX_KIDS 8
enum { K_READ, K_BUSY, K_SLEEP, K_THREADS, K_BUSYTHREAD, K_N };
static const char *kind_names[K_N] = {"read", "busy", "sleep", "threads", "busy thread"};
/* Shared with the parent: busy children count here, so the parent can check that a child it
   saw stopped is really frozen, every thread of it (group stop). */
static volatile unsigned long *counters;
enum { H_NONE, H_RESTART, H_NORESTART, H_N };
static const char *hmode_names[H_N] = {"no handler", "SA_RESTART", "no SA_RESTART"};

struct report {
    int idx, conts, eintr, sleep_eintr, queued;
};

/* Queued while the target is stopped; children block it and count what is pending at the end. */
#define RT_STOPPED (SIGRTMIN + 1)
#define RT_CAP 100

static struct {
    pid_t pid;
    int kind, hmode, group, cmd_w;
    long conts; /* continues the parent performed */
    long rt_sent; /* RT_STOPPED sent to it while it was stopped */
} kids[MAX_KIDS];
static int nkids;
static pid_t pgid[2];

/* --- child side --------------------------------------------------------------------------- */
static int c_idx, c_ack = -1;
static volatile sig_atomic_t c_conts;
static volatile int futex_word;

static void on_cont(int s) {
    c_conts++;
    char b = (char)c_idx;
    write(c_ack, &b, 1);
}

static void *busy_thread(void *arg) {
    int i = (int)(long)arg;
    for (;;) {
        for (int k = 0; k < 1000; k++)
            counters[i]++;
        sched_yield();
    }
    return NULL;
}

static void *futex_thread(void *arg) {
    for (;;)
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void child_main(int idx, int kind, int hmode, int cmd_r, int ack_w) {
    c_idx = idx;
    c_ack = ack_w;
    if (hmode != H_NONE)
        set_handler(SIGCONT, on_cont, hmode == H_RESTART ? SA_RESTART : 0, NULL);
    else
        signal(SIGCONT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigaddset(&none, RT_STOPPED); /* every thread blocks it: set before creating threads */
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (kind == K_THREADS || kind == K_BUSYTHREAD) {
        pthread_t t;
        if (pthread_create(&t, NULL, kind == K_THREADS ? futex_thread : busy_thread, (void *)(long)idx) != 0)
            _exit(96);
    }
    if (kind == K_BUSY || kind == K_SLEEP)
        fcntl(cmd_r, F_SETFL, O_NONBLOCK);
    char ready = 'r';
    write_full(ack_w, &ready, 1);
    int eintr = 0, sleep_eintr = 0;
    volatile unsigned long spin = 0;
    for (;;) {
        char c;
        ssize_t r;
        if (kind == K_SLEEP) {
            struct timespec ts = {0, 2000000};
            /* nanosleep is never restarted after a handler ran, even with SA_RESTART */
            if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
                sleep_eintr++;
        }
        if (kind == K_BUSY) {
            for (int i = 0; i < 2000; i++)
                spin += (unsigned long)i;
            counters[idx]++;
            sched_yield();
        }
        r = read(cmd_r, &c, 1);
        if (r < 0 && errno == EINTR) {
            eintr++;
            continue;
        }
        if (r < 0 && errno == EAGAIN)
            continue;
        if (r <= 0)
            _exit(98);
        if (c == 'q') {
            /* count the RT_STOPPED instances queued for us (all must have been kept) */
            sigset_t rt;
            sigemptyset(&rt);
            sigaddset(&rt, RT_STOPPED);
            struct timespec zero = {0, 0};
            int queued = 0;
            while (sigtimedwait(&rt, NULL, &zero) == RT_STOPPED)
                queued++;
            struct report rep = {idx, c_conts, eintr, sleep_eintr, queued};
            /* the report goes in one write (atomic on a pipe) */
            char buf[1 + sizeof rep];
            buf[0] = 'R';
            memcpy(buf + 1, &rep, sizeof rep);
            write_full(ack_w, buf, sizeof buf);
            _exit(0);
        }
    }
}

/* --- parent side -------------------------------------------------------------------------- */
static int ack_r;
static volatile sig_atomic_t chld_stopped, chld_continued, chld_other;

static void on_chld(int s, siginfo_t *si, void *uc) {
    if (si->si_code == CLD_STOPPED)
        chld_stopped++;
    else if (si->si_code == CLD_CONTINUED)
        chld_continued++;
    else
        chld_other++;
}

static int find_kid(pid_t p) {
    for (int i = 0; i < nkids; i++)
        if (kids[i].pid == p)
            return i;
    return -1;
}

static int bad_reports;

/* Waits for one stop (want_sig) or continue (want_sig == SIGCONT) report from `who` (a pid or
   -pgid) with the given method; returns the kid index. */
static int observe(pid_t who, int want_sig, int method) {
    int st = 0;
    pid_t p;
    int cont = want_sig == SIGCONT;
    if (method == 0) {
        p = waitpid_retry(who, &st, cont ? WCONTINUED : WUNTRACED, NULL);
    } else {
        idtype_t type = who < 0 ? P_PGID : P_PID;
        id_t id = who < 0 ? -who : who;
        siginfo_t si;
        int flags = cont ? WCONTINUED : WSTOPPED;
        if (method == 2) { /* peek first: WNOWAIT leaves the report in place */
            memset(&si, 0, sizeof si);
            while (waitid(type, id, &si, flags | WNOWAIT) < 0)
                if (errno != EINTR)
                    DIE("waitid WNOWAIT");
            int peeked = si.si_pid;
            memset(&si, 0, sizeof si);
            while (waitid(type, id, &si, flags) < 0)
                if (errno != EINTR)
                    DIE("waitid");
            if (si.si_pid != peeked && who > 0) {
                say("WNOWAIT peek saw another child than the consuming waitid\n");
                bad_reports++;
            }
        } else {
            memset(&si, 0, sizeof si);
            while (waitid(type, id, &si, flags) < 0)
                if (errno != EINTR)
                    DIE("waitid");
        }
        p = si.si_pid;
        if (si.si_code == CLD_STOPPED)
            st = (si.si_status << 8) | 0x7f;
        else if (si.si_code == CLD_CONTINUED)
            st = 0xffff;
        else
            st = -1;
    }
    if (p <= 0)
        DIE("wait for %s failed", cont ? "continue" : "stop");
    int ok = cont ? WIFCONTINUED(st) : (WIFSTOPPED(st) && WSTOPSIG(st) == want_sig);
    if (!ok) {
        say("expected %s %d, got %s\n", cont ? "continue" : "stop by", want_sig, wstatus(st));
        bad_reports++;
    }
    int k = find_kid(p);
    if (k < 0)
        DIE("report for an unknown pid");
    VSAY("  %s of child %d\n", cont ? "continue" : "stop", k);
    return k;
}

/* No further report of that kind may be waiting for `who`. */
static int no_more(pid_t who, int cont) {
    int st;
    pid_t r = waitpid_retry(who, &st, WNOHANG | (cont ? WCONTINUED : WUNTRACED), NULL);
    if (r != 0) {
        say("unexpected extra report: %d %s\n", (int)r, r > 0 ? wstatus(st) : errname(errno));
        return 0;
    }
    return 1;
}


/* --- timed calls resumed after stop/continue ------------------------------------------------
 * A child blocks in a call with a 600 ms timeout while the parent stops and continues it every
 * ~150 ms. Without a handler a stop/continue must be invisible and the call must keep its
 * original deadline (Linux's restart_block: nanosleep, clock_nanosleep, futex and poll resume
 * with the time left; select wrote the time left back to its timeval), so it ends after about
 * 600 ms. A kernel that restarts such a call with its full timeout never ends it while the
 * stops go on. sigtimedwait is the exception: Linux fails it with EINTR at the first stop. */
enum { T_NANOSLEEP, T_CLOCK_NANOSLEEP, T_FUTEX, T_POLL, T_SELECT, T_SIGTIMEDWAIT, T_N };
static const char *tnames[T_N] = {"nanosleep", "clock_nanosleep", "futex_wait", "poll", "select", "sigtimedwait"};

struct tresult {
    long ret;
    int err;
    long ms;
};

static long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timed_child(int op, int report_w) {
    static volatile int word;
    int p[2];
    if (pipe(p) < 0)
        _exit(90);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    long t0 = mono_ms(), r = 0;
    errno = 0;
    switch (op) {
    case T_NANOSLEEP: {
        struct timespec ts = {0, 600000000};
        r = nanosleep(&ts, NULL);
        break;
    }
    case T_CLOCK_NANOSLEEP: {
        struct timespec ts = {0, 600000000};
        r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
        if (r != 0) {
            errno = (int)r;
            r = -1;
        }
        break;
    }
    case T_FUTEX: {
        struct timespec ts = {0, 600000000};
        r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
        break;
    }
    case T_POLL: {
        struct pollfd pf = {p[0], POLLIN, 0};
        r = poll(&pf, 1, 600);
        break;
    }
    case T_SELECT: {
        fd_set rf;
        FD_ZERO(&rf);
        FD_SET(p[0], &rf);
        struct timeval tv = {0, 600000};
        r = select(p[0] + 1, &rf, NULL, NULL, &tv);
        break;
    }
    case T_SIGTIMEDWAIT: {
        struct timespec ts = {0, 600000000};
        /* raw: musl's sigtimedwait retries on EINTR */
        r = syscall(SYS_rt_sigtimedwait, &usr1, NULL, &ts, 8);
        break;
    }
    }
    struct tresult res = {r, r < 0 ? errno : 0, mono_ms() - t0};
    write_full(report_w, &res, sizeof res);
    _exit(0);
}

static void timed_resume_phase(void) {
    for (int op = 0; op < T_N; op++) {
        int rp[2];
        xpipe(rp);
        pid_t c = xfork();
        if (c == 0) {
            close(rp[0]);
            timed_child(op, rp[1]);
        }
        close(rp[1]);
        long t0 = mono_ms();
        int got = 0, cycles = 0;
        struct tresult res = {0, 0, 0};
        while (!got && mono_ms() - t0 < 3000) {
            struct pollfd pf = {rp[0], POLLIN, 0};
            int n = poll(&pf, 1, 130);
            if (n > 0) {
                got = read_full(rp[0], &res, sizeof res);
                break;
            }
            if (kill(c, SIGSTOP) < 0)
                break;
            int st;
            if (waitpid_retry(c, &st, WUNTRACED, NULL) != c)
                break;
            if (WIFEXITED(st) || WIFSIGNALED(st)) {
                c = -1;
                break;
            }
            sleep_ms(20);
            kill(c, SIGCONT);
            waitpid_retry(c, &st, WCONTINUED, NULL);
            cycles++;
            stat_signals += 2;
        }
        if (!got) {
            struct pollfd pf = {rp[0], POLLIN, 0};
            if (poll(&pf, 1, 0) > 0)
                got = read_full(rp[0], &res, sizeof res);
        }
        close(rp[0]);
        if (c > 0) {
            kill(c, SIGKILL);
            waitpid_retry(c, NULL, 0, NULL);
        }
        const char *want = op == T_SIGTIMEDWAIT ? "EINTR" : op == T_FUTEX ? "ETIMEDOUT" : "0";
        char gotbuf[32];
        if (!got)
            snprintf(gotbuf, sizeof gotbuf, "nothing");
        else if (res.ret < 0)
            snprintf(gotbuf, sizeof gotbuf, "%s", errname(res.err));
        else
            snprintf(gotbuf, sizeof gotbuf, "%ld", res.ret);
        int in_time = got && res.ms < 2500;
        int ok = strcmp(gotbuf, want) == 0 && in_time && cycles >= 1;
        if (got)
            EXPECT(ok, "%s (600 ms) under stop/continue: %s after %ld ms and %d stops, want %s within 2.5 s",
                   tnames[op], gotbuf, res.ms, cycles, want);
        else
            EXPECT(ok, "%s (600 ms) under stop/continue: still blocked after 3 s and %d stops, want %s", tnames[op],
                   cycles, want);
        say("%s (600 ms timeout) under stop/continue every ~150 ms: %s, within 2.5 s: %s\n", tnames[op], gotbuf,
            YESNO(in_time));
    }
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "stopcont_storm");
    signal(SIGPIPE, SIG_IGN);
    rng_t rng = rng_make(4000);
    nkids = (int)rng_range(&rng, K_N, MAX_KIDS);
    int ack[2];
    xpipe(ack);
    ack_r = ack[0];
    counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counters == MAP_FAILED)
        DIE("mmap");
    set_action(SIGCHLD, on_chld, SA_RESTART, NULL);
    say("children:");
    for (int i = 0; i < nkids; i++) {
        /* every kind and every handler mode appear */
        kids[i].kind = i < K_N ? i : (int)rng_range(&rng, 0, K_N - 1);
        kids[i].hmode = (i + i / K_N) % H_N;
        kids[i].group = i % 2;
        int cmd[2];
        xpipe(cmd);
        pid_t p = xfork();
        if (p == 0) {
            close(cmd[1]);
            close(ack[0]);
            for (int k = 0; k < i; k++)
                close(kids[k].cmd_w);
            child_main(i, kids[i].kind, kids[i].hmode, cmd[0], ack[1]);
        }
        close(cmd[0]);
        if (i < 2)
            pgid[i] = p;
        if (setpgid(p, pgid[kids[i].group]) < 0)
            DIE("setpgid");
        kids[i].pid = p;
        kids[i].cmd_w = cmd[1];
        say(" [%d: %s, %s, group %d]", i, kind_names[kids[i].kind], hmode_names[kids[i].hmode], kids[i].group);
    }
    say("\n");
    close(ack[1]);
    for (int i = 0; i < nkids; i++) {
        char c;
        if (!read_full(ack_r, &c, 1) || c != 'r')
            DIE("child start");
    }

    static const int stopsigs[4] = {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
    static const char *stopnames[4] = {"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU"};
    static const char *method_names[3] = {"waitpid", "waitid", "waitid+WNOWAIT"};
    int rounds = scaled(6000);
    long stops = 0, conts = 0, restops = 0, per_sig[4][3] = {{0}}, group_rounds = 0;
    int all_ok = 1;
    for (int r = 0; r < rounds; r++) {
        rng_t rr = rng_make(5000 + r);
        int whole_group = (int)rng_range(&rr, 0, 2) == 0;
        int target = (int)rng_range(&rr, 0, whole_group ? 1 : nkids - 1);
        int s = (int)rng_range(&rr, 0, 3);
        int method = (int)rng_range(&rr, 0, 2);
        int restop = (int)rng_range(&rr, 0, 3) == 0;
        int rt_while_stopped = (int)rng_range(&rr, 0, 3) == 0 ? (int)rng_range(&rr, 1, 2) : 0;
        pid_t who = whole_group ? -pgid[target] : kids[target].pid;
        int members[MAX_KIDS], nm = 0;
        for (int i = 0; i < nkids; i++)
            if (whole_group ? kids[i].group == target : i == target)
                members[nm++] = i;
        bad_reports = 0;
        int seen[MAX_KIDS] = {0};

        VSAY("round %d: %s to %s %d\n", r, stopnames[s], whole_group ? "group" : "child", target);
        if (kill(who, stopsigs[s]) < 0)
            DIE("kill stop");
        stat_signals += nm;
        for (int n = 0; n < nm; n++)
            seen[observe(who, stopsigs[s], method)]++;
        int stop_once = 1;
        for (int n = 0; n < nm; n++)
            stop_once &= seen[members[n]] == 1;
        /* Every member is stopped, all its threads: the busy ones count no more. */
        unsigned long before[MAX_KIDS];
        int busy = 0;
        for (int n = 0; n < nm; n++) {
            before[n] = counters[members[n]];
            busy |= kids[members[n]].kind == K_BUSY || kids[members[n]].kind == K_BUSYTHREAD;
        }
        if (busy)
            sleep_ms(1);
        int frozen = 1;
        for (int n = 0; n < nm; n++)
            frozen &= counters[members[n]] == before[n];
        if (!frozen)
            say("round %d: a child reported stopped is still running\n", r);
        int quiet = no_more(who, 0);
        VSAY("round %d: stops seen, frozen %d\n", r, frozen);
        if (restop) {
            kill(who, stopsigs[(s + 1) % 4]);
            stat_signals += nm;
            restops++;
            sched_yield();
            quiet &= no_more(who, 0);
        }
        stops += nm;
        /* queued signals sent to a stopped process stay queued (at most RT_CAP per child: the
           user's queued signals must stay under RLIMIT_SIGPENDING, 3857 in the reference VM,
           beyond which Linux stops queueing signals sent by kill()) */
        for (int n = 0; n < nm && rt_while_stopped; n++)
            for (int k = 0; k < rt_while_stopped && kids[members[n]].rt_sent < RT_CAP; k++) {
                VSAY("round %d: RT to stopped child %d\n", r, members[n]);
                if (kill(kids[members[n]].pid, RT_STOPPED) < 0)
                    DIE("kill RT");
                kids[members[n]].rt_sent++;
                stat_signals++;
            }
        quiet &= no_more(who, 0);

        memset(seen, 0, sizeof seen);
        VSAY("round %d: SIGCONT\n", r);
        if (kill(who, SIGCONT) < 0)
            DIE("kill cont");
        stat_signals += nm;
        for (int n = 0; n < nm; n++)
            seen[observe(who, SIGCONT, method)]++;
        int cont_once = 1;
        for (int n = 0; n < nm; n++)
            cont_once &= seen[members[n]] == 1;
        quiet &= no_more(who, 1);
        /* acknowledgements of the SIGCONT handlers */
        int want_acks = 0, got[MAX_KIDS] = {0};
        for (int n = 0; n < nm; n++) {
            kids[members[n]].conts++;
            if (kids[members[n]].hmode != H_NONE)
                want_acks++;
        }
        VSAY("round %d: continues seen, waiting for %d acks\n", r, want_acks);
        for (int n = 0; n < want_acks; n++) {
            char c;
            if (!read_full(ack_r, &c, 1))
                DIE("ack");
            if (c >= 0 && c < nkids)
                got[(int)c]++;
        }
        int acks_ok = 1;
        for (int n = 0; n < nm; n++)
            acks_ok &= got[members[n]] == (kids[members[n]].hmode != H_NONE);
        conts += nm;
        int ok = stop_once && cont_once && quiet && acks_ok && bad_reports == 0 && frozen;
        EXPECT(ok, "round %d: stop once %d, continue once %d, no extra report %d, acks %d, bad reports %d, frozen %d",
               r, stop_once, cont_once, quiet, acks_ok, bad_reports, frozen);
        all_ok &= ok;
        per_sig[s][method] += nm;
        if (whole_group)
            group_rounds++;
        if (SHOW_ROUND(r, ok))
            say("round %d: %s %d (%d), %s%s, %s: each stopped once: %s, frozen: %s, each continued once: %s, "
            "no extra report: %s, handlers acked: %s\n",
            r, whole_group ? "group" : "child", target, nm, stopnames[s], restop ? " twice" : "", method_names[method],
            YESNO(stop_once), YESNO(frozen), YESNO(cont_once), YESNO(quiet), YESNO(acks_ok));
    }

    /* The end: odd children are stopped then SIGKILLed, even ones quit and report. */
    int statuses_ok = 1, counts_ok = 1, eintr_ok = 1;
    for (int i = 0; i < nkids; i++) {
        if (i % 2 == 1) {
            kill(kids[i].pid, SIGSTOP);
            observe(kids[i].pid, SIGSTOP, 0);
            kill(kids[i].pid, SIGKILL);
            stat_signals += 2;
            int st;
            waitpid_retry(kids[i].pid, &st, 0, NULL);
            if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
                say("child %d: %s, want killed by 9\n", i, wstatus(st));
                statuses_ok = 0;
            }
        } else {
            write_full(kids[i].cmd_w, "q", 1);
            char buf[1 + sizeof(struct report)];
            for (;;) { /* skip nothing: no SIGCONT is in flight any more */
                if (!read_full(ack_r, buf, 1))
                    DIE("report");
                if (buf[0] == 'R')
                    break;
                say("stray ack byte %d\n", buf[0]);
                counts_ok = 0;
            }
            struct report rep;
            if (!read_full(ack_r, buf + 1, sizeof rep))
                DIE("report body");
            memcpy(&rep, buf + 1, sizeof rep);
            int st;
            waitpid_retry(kids[i].pid, &st, 0, NULL);
            if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
                say("child %d: %s, want exited 0\n", i, wstatus(st));
                statuses_ok = 0;
            }
            long want = kids[i].hmode == H_NONE ? 0 : kids[i].conts;
            if (rep.idx != i || rep.conts != want) {
                say("child %d: SIGCONT handler ran %d times, want %ld\n", i, rep.conts, want);
                counts_ok = 0;
            }
            if (rep.queued != kids[i].rt_sent) {
                say("child %d: %d queued signals kept of %ld sent while stopped\n", i, rep.queued, kids[i].rt_sent);
                counts_ok = 0;
            }
            if (kids[i].hmode != H_NORESTART && rep.eintr != 0) {
                say("child %d (%s, %s): %d EINTR\n", i, kind_names[kids[i].kind], hmode_names[kids[i].hmode],
                    rep.eintr);
                eintr_ok = 0;
            }
            if (kids[i].hmode == H_NONE && rep.sleep_eintr != 0) {
                say("child %d: nanosleep saw %d EINTR without a handler\n", i, rep.sleep_eintr);
                eintr_ok = 0;
            }
            if (kids[i].hmode == H_NORESTART && rep.eintr > rep.conts) {
                say("child %d: %d EINTR for %d handler runs\n", i, rep.eintr, rep.conts);
                eintr_ok = 0;
            }
        }
        close(kids[i].cmd_w);
    }
    EXPECT(all_ok, "some round saw wrong transitions");
    EXPECT(statuses_ok, "wrong final status");
    EXPECT(counts_ok, "SIGCONT handler counts differ from the continues sent, or queued signals were lost");
    EXPECT(eintr_ok, "EINTR where a stop/continue must be invisible (SA_RESTART or no handler)");
    int chld_ok = chld_stopped >= 1 && chld_continued >= 1 && chld_other >= 1;
    EXPECT(chld_ok, "SIGCHLD handler: stopped %d continued %d other %d", (int)chld_stopped, (int)chld_continued,
           (int)chld_other);
    for (int s = 0; s < 4; s++)
        say("%s: stops observed with waitpid %ld, waitid %ld, waitid+WNOWAIT %ld\n", stopnames[s], per_sig[s][0],
            per_sig[s][1], per_sig[s][2]);
    say("rounds aimed at a whole group: %ld\n", group_rounds);
    say("stops %ld (re-stops of a stopped target %ld), continues %ld; all transitions exact: %s\n", stops, restops,
        conts, YESNO(all_ok));
    long rt_total = 0;
    for (int i = 0; i < nkids; i++)
        if (i % 2 == 0)
            rt_total += kids[i].rt_sent;
    say("queued signals sent to stopped children that quit: %ld, all kept: %s\n", rt_total, YESNO(counts_ok));
    say("final statuses: %s; SIGCONT handler runs == continues: %s; no EINTR with SA_RESTART or no handler: %s\n",
        YESNO(statuses_ok), YESNO(counts_ok), YESNO(eintr_ok));
    say("SIGCHLD seen for stop, continue and exit (each >= 1): %s\n", YESNO(chld_ok));
    signal(SIGCHLD, SIG_DFL);
    timed_resume_phase();
    expect_no_children("end");
    return stress_finish();
}
