/* Order in which pending signals are taken: synchronous signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP,
   SIGFPE, SIGSYS) first, then lowest number first, real-time after standard, and a thread's own
   pending signals before the process-wide ones. */
#include "common.h"
#include <time.h>

static int seq[64], n;
static void h(int sig) {
    if (n < 64)
        seq[n++] = sig;
}

static void drain(const char *what) {
    sigset_t all;
    sigfillset(&all);
    say("%s:", what);
    struct timespec zero = {0, 0};
    for (;;) {
        long r = syscall(SYS_rt_sigtimedwait, &all, NULL, &zero, 8);
        if (r < 0)
            break;
        say(" %ld", r);
    }
    say("\n");
}

static void show(const char *what) {
    say("%s:", what);
    for (int i = 0; i < n; i++)
        say(" %d", seq[i]);
    say("\n");
    n = 0;
}

int main(void) {
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &all, NULL);
    pid_t me = getpid();
    int std[] = {SIGTERM, SIGHUP, SIGUSR2, SIGINT, SIGCHLD, SIGQUIT, SIGUSR1, SIGALRM, SIGWINCH};
    for (unsigned i = 0; i < sizeof std / sizeof *std; i++)
        kill(me, std[i]);
    drain("standard signals sent 15 1 12 2 17 3 10 14 28, taken");

    kill(me, SIGRTMIN + 3);
    kill(me, SIGHUP);
    kill(me, SIGSEGV);
    kill(me, SIGRTMIN);
    kill(me, SIGUSR1);
    kill(me, SIGFPE);
    kill(me, SIGINT);
    kill(me, SIGSYS);
    kill(me, SIGBUS);
    kill(me, SIGTRAP);
    kill(me, SIGILL);
    drain("with synchronous and real-time ones mixed in, taken");

    kill(me, SIGHUP);
    syscall(SYS_tgkill, me, gettid(), SIGTERM);
    kill(me, SIGINT);
    syscall(SYS_tgkill, me, gettid(), SIGUSR2);
    drain("process-directed 1 2, thread-directed 15 12, taken");
    kill(me, SIGSEGV);
    syscall(SYS_tgkill, me, gettid(), SIGTERM);
    drain("process-directed SIGSEGV, thread-directed SIGTERM, taken");

    /* The same order for delivery to handlers (each handler blocks everything while it runs). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigfillset(&sa.sa_mask);
    int hs[] = {SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGTERM, SIGSEGV, SIGFPE, SIGRTMIN, SIGRTMIN + 3};
    for (unsigned i = 0; i < sizeof hs / sizeof *hs; i++)
        sigaction(hs[i], &sa, NULL);
    kill(me, SIGRTMIN + 3);
    kill(me, SIGTERM);
    kill(me, SIGRTMIN);
    kill(me, SIGUSR1);
    kill(me, SIGFPE);
    kill(me, SIGHUP);
    kill(me, SIGSEGV);
    syscall(SYS_tgkill, me, gettid(), SIGUSR2);
    syscall(SYS_tgkill, me, gettid(), SIGINT);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("handlers (sa_mask full) ran in the order");
    return 0;
}
