/* rt_sigpending: thread- and process-directed pending signals, blocked signals are kept pending even
   when ignored (until the disposition is set to ignore), pending signals survive execve; sizes. */
#include "common.h"

static volatile int hits;
static void h(int s) { hits++; }

static void show(const char *what) {
    sigset_t p;
    sigemptyset(&p);
    sigpending(&p);
    say("%s:", what);
    int any = 0;
    for (int s = 1; s < 65; s++)
        if (sigismember(&p, s)) {
            say(" %d", s);
            any = 1;
        }
    say("%s\n", any ? "" : " none");
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "after-exec")) {
        sigset_t cur;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        show("after execve, pending");
        say("after execve, SIGUSR1 and SIGWINCH still blocked: %s\n",
            YESNO(sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGWINCH)));
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        say("not reached: default action of SIGUSR1 kills\n");
        return 1;
    }
    show("initially");
    signal(SIGUSR1, h);
    signal(SIGUSR2, h);
    sigset_t s, none;
    sigemptyset(&none);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, SIGWINCH);
    sigaddset(&s, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    show("after raise(SIGUSR1) (thread-directed)");
    kill(getpid(), SIGUSR2);
    show("after kill(self, SIGUSR2) (process-directed)");
    kill(getpid(), SIGUSR1);
    show("after kill(self, SIGUSR1) too");
    raise(SIGCHLD);
    show("after raise(SIGCHLD) (unblocked, default ignore: discarded)");
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    say("handlers ran: %d\n", hits);
    show("after unblocking");
    sigprocmask(SIG_BLOCK, &s, NULL);

    /* Blocked signals are not discarded even when ignored; setting SIG_IGN discards them. */
    signal(SIGUSR1, SIG_IGN);
    kill(getpid(), SIGUSR1);
    show("blocked and SIG_IGN'd SIGUSR1 sent");
    raise(SIGWINCH);
    show("blocked, default-ignored SIGWINCH sent");
    signal(SIGUSR1, SIG_IGN);
    show("after sigaction(SIGUSR1, SIG_IGN) again");
    signal(SIGWINCH, SIG_DFL);
    show("after sigaction(SIGWINCH, SIG_DFL) (default is ignore)");
    raise(SIGWINCH);
    signal(SIGWINCH, h);
    show("SIGWINCH sent again, then a handler installed");
    signal(SIGWINCH, SIG_DFL);
    show("then SIG_DFL");
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 1});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 2});
    show("SIGRTMIN queued twice");
    signal(SIGRTMIN, SIG_IGN);
    show("after SIGRTMIN set to SIG_IGN");

    sigset_t big[2];
    memset(big, 0, sizeof big);
    raise(SIGUSR2);
    CHECK("rt_sigpending sigsetsize 8", syscall(SYS_rt_sigpending, big, 8));
    memset(big, 0, sizeof big);
    CHECK("rt_sigpending sigsetsize 4", syscall(SYS_rt_sigpending, big, 4));
    unsigned char *b = (unsigned char *)big;
    say("low 4 bytes hold SIGUSR2: %s, byte 4 untouched: %s\n", YESNO(b[1] == 0x08), YESNO(b[4] == 0));
    CHECK("rt_sigpending sigsetsize 16", syscall(SYS_rt_sigpending, big, 16));
    CHECK("rt_sigpending sigsetsize 0", syscall(SYS_rt_sigpending, big, 0));
    CHECK("rt_sigpending bad pointer", syscall(SYS_rt_sigpending, (void *)8, 8));

    /* Pending and blocked signals survive execve (fork does not pass them on, so the child sends
       them to itself). */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigtimedwait(&usr2, NULL, &(struct timespec){0, 0});
    pid_t c = fork();
    if (c == 0) {
        show("child after fork");
        signal(SIGUSR1, SIG_DFL);
        kill(getpid(), SIGUSR1);
        raise(SIGWINCH);
        show("child before execve");
        execl(argv[0], argv[0], "after-exec", (char *)NULL);
        _exit(99);
    }
    say("re-executed child: %s\n", reap(c));
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}
