/*
 * Stress 1: fork/exit storms with a SIGCHLD handler (SA_SIGINFO, with and without SA_RESTART)
 * while the parent blocks in wait4/waitid/waitpid (or polls with WNOHANG + sigsuspend).
 *
 * Each round forks a random number of children with random fates (exit codes, death by
 * SIGKILL/SIGTERM/SIGUSR1/SIGQUIT/SIGABRT, optionally after some yields, optionally held at a
 * gate so that they all exit together while the parent sits in wait), then reaps them with a
 * random wait flavour. Checked: every child reaped exactly once with the right status, every
 * siginfo the SIGCHLD handler saw belongs to a child of the round and matches its fate, EINTR
 * never seen with SA_RESTART (and never more often than the handler ran without it), no child
 * left at the end (waitpid(-1, WNOHANG) == -1 ECHILD).
 */
#include "stress.h"
#include <pthread.h>

#define MAX_KIDS 64

/* The last three are multi-threaded children: two threads blocked (futex wait, pause) while a
   third calls exit() (exit_group), sends the process SIGTERM, or faults (SIGSEGV). */
enum { F_EXIT, F_KILL, F_TERM, F_USR1, F_QUIT, F_ABRT, F_T_EXIT, F_T_TERM, F_T_SEGV, F_T_LAST, F_NFATES };
static const char *fate_names[F_NFATES] = {"exit",           "SIGKILL",        "SIGTERM",
                                           "SIGUSR1",        "SIGQUIT",        "SIGABRT",
                                           "thread exit()",  "thread SIGTERM", "thread SIGSEGV",
                                           "leader exits first, last thread's code"};
static const int fate_sig[F_NFATES] = {0, SIGKILL, SIGTERM, SIGUSR1, SIGQUIT, SIGABRT, 0, SIGTERM, SIGSEGV, 0};
static int fate_exits(int f) { return f == F_EXIT || f == F_T_EXIT || f == F_T_LAST; }

struct kid {
    pid_t pid;
    int fate, code, yields;
    int reaped;
};

static struct kid kids[MAX_KIDS];
static int nkids;

/* What the SIGCHLD handler saw (at most one entry per child: SIGCHLD coalesces). */
static volatile sig_atomic_t ninfo;
static struct {
    int signo, code, pid, status;
} infos[4 * MAX_KIDS];

static void on_chld(int sig, siginfo_t *si, void *uc) {
    int n = ninfo;
    if (n < (int)(sizeof infos / sizeof infos[0])) {
        infos[n].signo = si->si_signo;
        infos[n].code = si->si_code;
        infos[n].pid = si->si_pid;
        infos[n].status = si->si_status;
        ninfo = n + 1;
    }
}

static volatile int futex_word;
static int *volatile bad_ptr = (int *)8;
static void *blocker(void *arg) {
    if (arg)
        for (;;)
            syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    for (;;)
        pause();
    return NULL;
}

static void *finisher(void *arg) {
    struct kid *k = arg;
    for (int i = 0; i < k->yields; i++)
        sched_yield();
    if (k->fate == F_T_EXIT)
        exit(k->code);
    if (k->fate == F_T_TERM) {
        signal(SIGTERM, SIG_DFL);
        kill(getpid(), SIGTERM);
    } else {
        signal(SIGSEGV, SIG_DFL);
        *bad_ptr = 1;
    }
    for (;;)
        pause();
    return NULL;
}

/* F_T_LAST: the leader leaves with SYS_exit (only itself, code + 1); the other thread waits
   until the kernel has cleared the leader's tid word (it is gone), then leaves with SYS_exit
   too: the process ends with the last thread's code (as Linux reports it). */
static volatile int leader_word;
static void *last_thread(void *arg) {
    struct kid *k = arg;
    int v;
    while ((v = leader_word) != 0)
        syscall(SYS_futex, &leader_word, FUTEX_WAIT, v, NULL, NULL, 0);
    syscall(SYS_exit, k->code);
    return NULL;
}

static void child(struct kid *k, int gate) {
    if (gate >= 0) {
        char c;
        while (read(gate, &c, 1) < 0 && errno == EINTR)
            ;
    }
    if (k->fate == F_T_LAST) {
        leader_word = (int)syscall(SYS_gettid);
        syscall(SYS_set_tid_address, &leader_word);
        pthread_t t;
        if (pthread_create(&t, NULL, last_thread, k))
            _exit(250);
        syscall(SYS_exit, (k->code + 1) & 0xff);
    }
    if (k->fate >= F_T_EXIT) {
        pthread_t t;
        if (pthread_create(&t, NULL, blocker, (void *)1) || pthread_create(&t, NULL, blocker, NULL) ||
            pthread_create(&t, NULL, finisher, k))
            _exit(250);
        for (;;)
            pause();
    }
    for (int i = 0; i < k->yields; i++)
        sched_yield();
    if (k->fate == F_EXIT)
        _exit(k->code);
    signal(fate_sig[k->fate], SIG_DFL);
    kill(getpid(), fate_sig[k->fate]);
    for (;;)
        pause();
}

/* A thread that reaps with wait4(-1) until ECHILD (style "two threads"). */
struct waiter {
    int n, failed;
    long eintr;
    int got[MAX_KIDS][2];
};
static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    for (;;) {
        int st;
        pid_t p = wait4(-1, &st, 0, NULL);
        if (p < 0 && errno == EINTR) {
            w->eintr++;
            continue;
        }
        if (p < 0) {
            w->failed = errno != ECHILD;
            return NULL;
        }
        if (w->n < MAX_KIDS) {
            w->got[w->n][0] = p;
            w->got[w->n][1] = st;
        }
        w->n++;
    }
}

static struct kid *find(pid_t pid) {
    for (int i = 0; i < nkids; i++)
        if (kids[i].pid == pid)
            return &kids[i];
    return NULL;
}

static long cores_seen;

/* Records one reaped child; returns 0 when it was not ours or reaped twice. */
static void record(pid_t pid, int st, int round) {
    struct kid *k = find(pid);
    EXPECT(k != NULL, "round %d: reaped pid %d that is not a child of this round", round, (int)pid);
    if (!k)
        return;
    k->reaped++;
    EXPECT(k->reaped == 1, "round %d: child %d reaped %d times", round, (int)(k - kids), k->reaped);
    if (WIFSIGNALED(st) && WCOREDUMP(st))
        cores_seen++;
    if (fate_exits(k->fate))
        EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == k->code, "round %d child %d: status %s, want exited %d",
               round, (int)(k - kids), wstatus(st), k->code);
    else
        EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == fate_sig[k->fate], "round %d child %d: status %s, want killed by %d",
               round, (int)(k - kids), wstatus(st), fate_sig[k->fate]);
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "sigchld_storm");
    int rounds = scaled(500);
    long total_eintr_restart = 0, total_kids = 0, fate_count[F_NFATES] = {0};
#define NSTYLES 8
    long style_count[NSTYLES] = {0}, style_kids[2][NSTYLES] = {{0}};
    static const char *style_names[NSTYLES] = {"wait4(-1)", "waitid(P_ALL)", "waitpid(pid) in reverse", "waitpid(0)",
                                         "WNOHANG+sigsuspend",
                                               "SIGCHLD SIG_IGN: wait4 until ECHILD",
                                               "SA_NOCLDWAIT: wait4 until ECHILD",
                                               "two threads in wait4(-1)"};
    for (int r = 0; r < rounds; r++) {
        rng_t rng = rng_make(1000 + r);
        int restart = (r / NSTYLES) % 2; /* every (restart, style) pair every 2 * NSTYLES rounds */
        int style = r % NSTYLES;
        int autoreap = style == 5 || style == 6;
        int gated = (int)rng_range(&rng, 0, 1);
        nkids = (int)rng_range(&rng, 12, MAX_KIDS);
        memset(kids, 0, sizeof kids);
        ninfo = 0;
        if (style == 5)
            signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel, no SIGCHLD */
        else
            set_action(SIGCHLD, on_chld, (restart ? SA_RESTART : 0) | (style == 6 ? SA_NOCLDWAIT : 0), NULL);

        int gate[2] = {-1, -1};
        if (gated)
            xpipe(gate);
        if (style == 4)
            block_sig(SIGCHLD, SIG_BLOCK);
        for (int i = 0; i < nkids; i++) {
            struct kid *k = &kids[i];
            int f = (int)rng_range(&rng, 0, 12);
            k->fate = f < 4 ? F_EXIT : f - 3; /* ~a third exit, the rest die by a signal or threads */
            k->code = (int)rng_range(&rng, 0, 255);
            k->yields = (int)rng_range(&rng, 0, 3);
            fate_count[k->fate]++;
            pid_t p = xfork();
            if (p == 0) {
                if (gated)
                    close(gate[1]);
                child(k, gated ? gate[0] : -1);
            }
            k->pid = p;
            if (!fate_exits(k->fate))
                stat_signals++;
        }
        if (gated) {
            close(gate[0]);
            close(gate[1]); /* every child sees EOF and exits while we wait */
        }
        long eintr = 0;
        int reaped = 0, unexpected = 0;
        if (autoreap) {
            /* wait4 blocks until every child has gone, then fails with ECHILD */
            for (;;) {
                int st;
                pid_t p = wait4(-1, &st, 0, NULL);
                if (p < 0 && errno == EINTR) {
                    eintr++;
                    continue;
                }
                if (p < 0 && errno == ECHILD)
                    break;
                if (p < 0)
                    DIE("round %d: wait4 with auto-reaping", r);
                unexpected++;
                record(p, st, r);
            }
            for (int i = 0; i < nkids; i++) {
                errno = 0;
                if (kill(kids[i].pid, 0) == 0 || errno != ESRCH) {
                    unexpected++;
                    say("round %d: auto-reaped child %d still exists\n", r, i);
                }
                kids[i].reaped = 1;
            }
            reaped = nkids;
            EXPECT(unexpected == 0, "round %d: %s: %d children reported or left over", r, style_names[style],
                   unexpected);
        }
        if (style == 7) {
            /* a second thread reaps too: together they must reap each child exactly once */
            struct waiter helper = {0, 0, 0, {{0}}};
            pthread_t th;
            if (pthread_create(&th, NULL, waiter_main, &helper) != 0)
                DIE("pthread_create");
            struct waiter mine = {0, 0, 0, {{0}}};
            waiter_main(&mine);
            pthread_join(th, NULL);
            if (mine.failed || helper.failed)
                DIE("round %d: wait4 in a waiter thread failed", r);
            for (int i = 0; i < mine.n; i++)
                record(mine.got[i][0], mine.got[i][1], r);
            for (int i = 0; i < helper.n; i++)
                record(helper.got[i][0], helper.got[i][1], r);
            eintr = mine.eintr + helper.eintr;
            reaped = nkids;
            if (mine.n + helper.n != nkids)
                say("round %d: the two waiters reaped %d children of %d\n", r, mine.n + helper.n, nkids);
        }
        while (reaped < nkids) {
            int st = 0;
            pid_t p;
            if (style == 0) {
                p = wait4(-1, &st, 0, NULL);
            } else if (style == 1) {
                siginfo_t si;
                memset(&si, 0, sizeof si);
                p = waitid(P_ALL, 0, &si, WEXITED) < 0 ? -1 : si.si_pid;
                if (p > 0) {
                    EXPECT(si.si_signo == SIGCHLD, "waitid si_signo %d", si.si_signo);
                    if (si.si_code == CLD_EXITED)
                        st = (si.si_status & 0xff) << 8;
                    else if (si.si_code == CLD_KILLED)
                        st = si.si_status & 0x7f;
                    else if (si.si_code == CLD_DUMPED)
                        st = (si.si_status & 0x7f) | 0x80;
                    else
                        EXPECT(0, "waitid si_code %d", si.si_code);
                }
            } else if (style == 2) {
                p = waitpid(kids[nkids - 1 - reaped].pid, &st, 0);
            } else if (style == 3) {
                p = waitpid(0, &st, 0);
            } else {
                p = waitpid(-1, &st, WNOHANG);
                if (p == 0) {
                    sigset_t none;
                    sigemptyset(&none);
                    sigsuspend(&none); /* SIGCHLD is pending or will come */
                    continue;
                }
            }
            if (p < 0 && errno == EINTR) {
                eintr++;
                continue;
            }
            if (p < 0)
                DIE("round %d: wait style %d failed after %d of %d", r, style, reaped, nkids);
            record(p, st, r);
            reaped++;
        }
        if (style == 4)
            block_sig(SIGCHLD, SIG_UNBLOCK);
        style_count[style]++;
        style_kids[restart][style] += nkids;
        total_kids += nkids;

        int all_once = 1;
        for (int i = 0; i < nkids; i++)
            all_once &= kids[i].reaped == 1;
        /* Each siginfo must describe one of this round's children, consistently with its fate. */
        int infos_ok = 1, n = ninfo;
        for (int i = 0; i < n; i++) {
            struct kid *k = find(infos[i].pid);
            int ok = infos[i].signo == SIGCHLD && k != NULL;
            if (ok && k->fate == F_T_LAST)
                /* Linux: the wait status is the last thread's code, but when the last thread is
                   gone before the leader has finished exiting, the leader's own exit notifies
                   the parent and SIGCHLD carries the leader's code: either is right */
                ok = infos[i].code == CLD_EXITED &&
                     (infos[i].status == k->code || infos[i].status == ((k->code + 1) & 0xff));
            else if (ok && fate_exits(k->fate))
                ok = infos[i].code == CLD_EXITED && infos[i].status == k->code;
            else if (ok)
                ok = (infos[i].code == CLD_KILLED || infos[i].code == CLD_DUMPED) &&
                     infos[i].status == fate_sig[k->fate];
            if (!ok)
                say("bad siginfo: signo %d code %d status %d (child %s: fate %s, code %d)\n", infos[i].signo,
                    infos[i].code, infos[i].status, k ? "known" : "unknown", k ? fate_names[k->fate] : "-",
                    k ? k->code : -1);
            infos_ok &= ok;
        }
        EXPECT(infos_ok, "round %d: SIGCHLD siginfo inconsistent", r);
        if (restart) {
            EXPECT(eintr == 0, "round %d: wait returned EINTR %ld times under SA_RESTART (style %s)", r, eintr,
                   style_names[style]);
            total_eintr_restart += eintr;
        } else {
            EXPECT(eintr <= n, "round %d: %ld EINTR but the handler ran only %d times", r, eintr, n);
        }
        EXPECT(style == 5 || n >= 1, "round %d: SIGCHLD handler never ran", r);
        EXPECT(style != 5 || (n == 0 && eintr == 0), "round %d: SIGCHLD ignored, yet handler %d EINTR %ld", r, n, eintr);
        EXPECT(n <= nkids, "round %d: SIGCHLD handler ran %d times for %d children", r, n, nkids);
        int round_ok = all_once && infos_ok && unexpected == 0 && (style == 5 ? n == 0 : n >= 1) &&
                       (restart || style == 5 ? eintr == 0 : eintr <= n);
        if (r < 2 * NSTYLES || !round_ok)
            say("round %d: %s, %s, %s, %d children: reaped exactly once: %s; siginfo consistent: %s; "
            "handler ran >= 1: %s; %s\n",
            r, restart ? "SA_RESTART" : "no SA_RESTART", style_names[style], gated ? "gated" : "free", nkids,
            YESNO(all_once && unexpected == 0), YESNO(infos_ok), style == 5 ? "-" : YESNO(n >= 1),
            restart ? (eintr == 0 ? "no EINTR: yes" : "no EINTR: NO") : (eintr <= n ? "EINTR <= handler runs: yes"
                                                                                   : "EINTR <= handler runs: NO"));
        stat_signals += n;
    }
    signal(SIGCHLD, SIG_DFL);
    say("children: %ld;", total_kids);
    for (int f = 0; f < F_NFATES; f++)
        say(" %s %ld", fate_names[f], fate_count[f]);
    say("\ncore flag seen: %ld\n", cores_seen);
    for (int s = 0; s < NSTYLES; s++)
        say("style %s: %ld rounds, %ld children with SA_RESTART, %ld without\n", style_names[s], style_count[s],
            style_kids[1][s], style_kids[0][s]);
    expect_no_children("end");
    return stress_finish();
}
