/* Automatic reaping: with SIGCHLD set to SIG_IGN or SA_NOCLDWAIT, exiting children leave no zombie
   and wait blocks until the last one is gone, then fails with ECHILD; SA_NOCLDWAIT with a handler
   still delivers SIGCHLD; stopped children are still reported; zombies that exist before SIG_IGN
   is set stay waitable. */
#include "common.h"
#include <sys/time.h>

static volatile int hits, g_code, g_status;
static void h(int s, siginfo_t *si, void *uc) {
    hits++;
    g_code = si->si_code;
    g_status = si->si_status;
}

static void setchld(void *handler, int flags, int siginfo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (siginfo)
        sa.sa_sigaction = handler;
    else
        sa.sa_handler = handler;
    sa.sa_flags = flags | (siginfo ? SA_SIGINFO : 0);
    sigaction(SIGCHLD, &sa, NULL);
}

static long ms_since(struct timeval *t0) {
    struct timeval t;
    gettimeofday(&t, NULL);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_usec - t0->tv_usec) / 1000;
}

int main(void) {
    int st;
    /* SIG_IGN: wait blocks until all children are gone, then ECHILD. */
    setchld(SIG_IGN, 0, 0);
    struct timeval t0;
    gettimeofday(&t0, NULL);
    for (int i = 0; i < 3; i++) {
        pid_t c = fork();
        if (c == 0) {
            usleep(100000 * (i + 1));
            _exit(i);
        }
    }
    errno = 0;
    int r = waitpid(-1, &st, 0);
    say("SIG_IGN: waitpid(-1) %d %s, blocked until the last child exited: %s\n", r, errname(errno),
        YESNO(ms_since(&t0) >= 290));
    pid_t c = fork();
    if (c == 0)
        _exit(1);
    usleep(100000);
    CHECK("SIG_IGN: kill(exited child, 0) (no zombie left)", kill(c, 0));
    siginfo_t si;
    CHECK("SIG_IGN: waitid(P_PID, WEXITED)", waitid(P_PID, c, &si, WEXITED));

    /* Stopped children are still reported under SIG_IGN. */
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        raise(SIGSTOP);
        _exit(2);
    }
    r = waitpid(c, &st, WUNTRACED);
    say("SIG_IGN: stopped child reported: %s, %s\n", YESNO(r == c), wstatus(st));
    kill(c, SIGCONT);
    errno = 0;
    r = waitpid(c, &st, 0);
    say("SIG_IGN: then its exit: %d %s\n", r, errname(errno));

    /* A zombie that exists before SIG_IGN is set stays waitable. */
    setchld(SIG_DFL, 0, 0);
    c = fork();
    if (c == 0)
        _exit(9);
    usleep(100000);
    setchld(SIG_IGN, 0, 0);
    r = waitpid(c, &st, WNOHANG);
    say("zombie from before SIG_IGN: waitpid %s, %s\n", r == c ? "child" : r == 0 ? "0" : errname(errno),
        r == c ? wstatus(st) : "");

    /* SA_NOCLDWAIT with SIG_DFL. */
    setchld(SIG_DFL, SA_NOCLDWAIT, 0);
    c = fork();
    if (c == 0) {
        usleep(100000);
        _exit(3);
    }
    errno = 0;
    r = waitpid(c, &st, 0);
    say("SA_NOCLDWAIT: waitpid(child) %d %s\n", r, errname(errno));

    /* SA_NOCLDWAIT with a handler: SIGCHLD still arrives, nothing to wait for. */
    setchld(h, SA_NOCLDWAIT, 1);
    sigset_t chld, none;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c = fork();
    if (c == 0)
        _exit(4);
    sigsuspend(&none);
    say("SA_NOCLDWAIT + handler: SIGCHLD hits %d code %s status %d\n", hits, g_code == CLD_EXITED ? "CLD_EXITED" : "other",
        g_status);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    errno = 0;
    r = waitpid(-1, &st, WNOHANG);
    say("then waitpid(-1, WNOHANG): %d %s\n", r, errname(errno));

    /* SIG_IGN with a child killed by a signal: reaped too. */
    setchld(SIG_IGN, 0, 0);
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGKILL);
    errno = 0;
    r = waitpid(c, &st, 0);
    say("SIG_IGN, child killed: waitpid %d %s\n", r, errname(errno));
    setchld(SIG_DFL, 0, 0);
    return 0;
}
