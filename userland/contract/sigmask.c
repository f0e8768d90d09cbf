/* sigprocmask/sigpending/sigsuspend/sigtimedwait: blocking, pending sets, delivery order,
   standard signals coalesce, real-time signals queue. */
#include "common.h"
#include <time.h>

static int order[64], n;
static void rec(int sig) {
    if (n < 64)
        order[n++] = sig;
}

static void show(const char *what) {
    say("%s:", what);
    for (int i = 0; i < n; i++)
        say(" %d", order[i]);
    say("\n");
    n = 0;
}

int main(void) {
    sigset_t s, old, pend, all, none;
    sigemptyset(&none);
    sigfillset(&all);
    signal(SIGUSR1, rec);
    signal(SIGUSR2, rec);
    signal(SIGTERM, rec);
    int rt = SIGRTMIN + 3;
    signal(rt, rec);
    signal(rt + 1, rec);

    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    CHECK("block SIGUSR1", sigprocmask(SIG_BLOCK, &s, &old));
    say("old mask empty: %s\n", YESNO(!sigismember(&old, SIGUSR1)));
    raise(SIGUSR1);
    show("delivered while blocked");
    sigpending(&pend);
    say("pending SIGUSR1: %s, SIGUSR2: %s\n", YESNO(sigismember(&pend, SIGUSR1)), YESNO(sigismember(&pend, SIGUSR2)));
    CHECK("unblock", sigprocmask(SIG_UNBLOCK, &s, NULL));
    show("delivered at unblock");
    sigpending(&pend);
    say("pending after delivery: %s\n", YESNO(sigismember(&pend, SIGUSR1)));

    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    show("standard signal raised 3 times while blocked");

    sigprocmask(SIG_SETMASK, &all, NULL);
    raise(rt);
    raise(rt);
    raise(rt);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGRTMIN+3 raised 3 times while blocked");

    /* Delivery order of several pending signals, handlers without sa_mask (they nest). */
    sigprocmask(SIG_SETMASK, &all, NULL);
    raise(rt + 1);
    raise(rt);
    raise(SIGTERM);
    raise(SIGUSR2);
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("order, nesting handlers");
    /* Same with handlers that block everything while running (strictly one after another). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rec;
    sigfillset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(rt, &sa, NULL);
    sigaction(rt + 1, &sa, NULL);
    sigprocmask(SIG_SETMASK, &all, NULL);
    raise(rt + 1);
    raise(rt);
    raise(SIGTERM);
    raise(SIGUSR2);
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("order, handlers masking all");

    sigprocmask(SIG_SETMASK, &all, NULL);
    sigprocmask(SIG_BLOCK, NULL, &old);
    say("SIGKILL/SIGSTOP cannot be blocked: %s\n", YESNO(!sigismember(&old, SIGKILL) && !sigismember(&old, SIGSTOP)));
    say("everything else blocked: %s\n", YESNO(sigismember(&old, SIGUSR1) && sigismember(&old, SIGRTMAX)));
    CHECK("sigprocmask bad how", sigprocmask(42, &s, NULL));
    CHECK("rt_sigprocmask bad sigsetsize (raw)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4));
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* sigsuspend: atomically unblock and wait. */
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    errno = 0;
    int r = sigsuspend(&none);
    say("sigsuspend: %d %s\n", r, errname(errno));
    show("handled during sigsuspend");
    sigprocmask(SIG_BLOCK, NULL, &old);
    say("mask restored after sigsuspend: %s\n", YESNO(sigismember(&old, SIGUSR1)));
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* sigtimedwait/sigwaitinfo take a pending signal without running its handler. */
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR2);
    siginfo_t si;
    struct timespec ts = {0, 0};
    CHECK("sigtimedwait with SIGUSR2 pending", sigtimedwait(&s, &si, &ts));
    say("si_signo %d, code %s\n", si.si_signo, si.si_code == SI_TKILL ? "SI_TKILL" : "other");
    show("handlers run");
    ts.tv_nsec = 10000000;
    CHECK("sigtimedwait 10 ms, nothing pending", sigtimedwait(&s, &si, &ts));
    union sigval v = {.sival_int = 7};
    sigqueue(getpid(), SIGUSR2, v);
    CHECK("sigwaitinfo", sigwaitinfo(&s, &si));
    say("si_code SI_QUEUE: %s, value %d\n", YESNO(si.si_code == SI_QUEUE), si.si_value.sival_int);
    CHECK("sigtimedwait bad timeout", sigtimedwait(&s, &si, &(struct timespec){0, -1}));

    /* A forked child starts with no pending signals but the same mask. */
    raise(SIGUSR2);
    pid_t c = fork();
    if (c == 0) {
        sigpending(&pend);
        sigprocmask(SIG_BLOCK, NULL, &old);
        say("child: pending empty %s, mask inherited %s\n", YESNO(!sigismember(&pend, SIGUSR2)),
            YESNO(sigismember(&old, SIGUSR2)));
        _exit(0);
    }
    reap(c);
    sigpending(&pend);
    say("parent still has SIGUSR2 pending: %s\n", YESNO(sigismember(&pend, SIGUSR2)));
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("delivered at the end");
    return 0;
}
