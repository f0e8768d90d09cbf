/* rt_sigtimedwait (raw, since libc retries EINTR): timeout EAGAIN, zero timeout, siginfo fields for
   kill/tkill/sigqueue, NULL info, order of several pending signals, a signal arriving during the
   wait is taken by the wait and not by its handler, errors. */
#include "common.h"
#include <time.h>

static volatile int hits;
static void h(int s) { hits++; }

static long stw(const sigset_t *set, siginfo_t *si, const struct timespec *ts, size_t sz) {
    return syscall(SYS_rt_sigtimedwait, set, si, ts, sz);
}

static const char *code(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    default: return "other";
    }
}

static void info(const char *what, long r, siginfo_t *si) {
    if (r < 0) {
        say("%s: -1 %s\n", what, errname(errno));
        return;
    }
    say("%s: %ld, si_signo %d si_errno %d si_code %s si_pid ours %s si_uid %d\n", what, r, si->si_signo, si->si_errno,
        code(si->si_code), YESNO(si->si_pid == getpid()), (int)si->si_uid);
}

int main(void) {
    signal(SIGUSR1, h);
    signal(SIGUSR2, h);
    signal(SIGTERM, h);
    sigset_t set, all;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siginfo_t si;
    struct timespec zero = {0, 0}, t30 = {0, 30000000};

    CHECK("nothing pending, 30 ms timeout", stw(&set, &si, &t30, 8));
    CHECK("nothing pending, zero timeout", stw(&set, &si, &zero, 8));
    kill(getpid(), SIGUSR1);
    memset(&si, 0x55, sizeof si);
    info("after kill(self, SIGUSR1)", stw(&set, &si, &zero, 8), &si);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    memset(&si, 0x55, sizeof si);
    info("after tgkill(self, SIGUSR2)", stw(&set, &si, NULL, 8), &si);
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 31});
    memset(&si, 0, sizeof si);
    info("after sigqueue(SIGRTMIN, 31)", stw(&set, &si, &zero, 8), &si);
    say("si_value %d\n", si.si_value.sival_int);
    kill(getpid(), SIGTERM);
    CHECK("NULL info", stw(&set, NULL, &zero, 8));
    say("handlers ran: %d\n", hits);

    /* Several pending: taken one at a time, lowest standard first, real-time after, FIFO. */
    sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 1});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 2});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 3});
    kill(getpid(), SIGTERM);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    say("taken in order:");
    for (;;) {
        long r = stw(&set, &si, &zero, 8);
        if (r < 0) {
            say(" then %s\n", errname(errno));
            break;
        }
        if (r >= SIGRTMIN)
            say(" RTMIN+%ld(%d)", r - SIGRTMIN, si.si_value.sival_int);
        else
            say(" %ld", r);
    }
    /* A set that only partly matches leaves the rest pending. */
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    CHECK("waiting for {SIGUSR2} only", stw(&only2, &si, &zero, 8));
    sigset_t pend;
    sigpending(&pend);
    say("SIGUSR1 still pending: %s\n", YESNO(sigismember(&pend, SIGUSR1)));
    CHECK("take it", stw(&set, &si, &zero, 8));

    /* A signal that is not blocked but arrives during the wait is taken by the wait, its handler
       does not run. */
    sigset_t u1;
    sigemptyset(&u1);
    sigaddset(&u1, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &u1, NULL);
    hits = 0;
    pid_t c = fork();
    if (c == 0) {
        usleep(150000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    struct timespec t5 = {5, 0};
    memset(&si, 0, sizeof si);
    long r = stw(&u1, &si, &t5, 8);
    say("unblocked SIGUSR1 sent by a child during a 5 s wait: %ld, si_code %s, si_pid is the child %s, handler ran %d\n",
        r, code(si.si_code), YESNO(si.si_pid == c), hits);
    reap(c);
    sigprocmask(SIG_BLOCK, &u1, NULL);

    sigfillset(&all);
    CHECK("waiting for everything (SIGKILL/SIGSTOP included), zero timeout", stw(&all, &si, &zero, 8));
    CHECK("sigsetsize 4", stw(&set, &si, &zero, 4));
    CHECK("sigsetsize 16", stw(&set, &si, &zero, 16));
    CHECK("tv_nsec 1e9", stw(&set, &si, &(struct timespec){0, 1000000000}, 8));
    CHECK("tv_sec -1", stw(&set, &si, &(struct timespec){-1, 0}, 8));
    CHECK("bad set pointer", stw((void *)8, &si, &zero, 8));
    CHECK("bad timeout pointer", stw(&set, &si, (void *)8, 8));
    kill(getpid(), SIGUSR2);
    CHECK("bad info pointer with SIGUSR2 pending", stw(&set, (void *)8, &zero, 8));
    sigpending(&pend);
    say("SIGUSR2 consumed anyway: %s\n", YESNO(!sigismember(&pend, SIGUSR2)));
    return 0;
}
