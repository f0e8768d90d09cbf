/* kill/tkill/tgkill: to self, to the process group, to children; ESRCH/EINVAL/EPERM. */
#include "common.h"

static volatile int hits, code;
static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    code = si->si_code;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    CHECK("kill(self, 0)", kill(getpid(), 0));
    CHECK("kill(1, 0)", kill(1, 0));
    CHECK("kill(nonexistent, 0)", kill(0x3fffffff, 0));
    CHECK("kill(nonexistent, SIGTERM)", kill(0x3fffffff, SIGTERM));
    CHECK("kill(self, 65)", kill(getpid(), 65));
    CHECK("kill(self, -1)", kill(getpid(), -1));
    CHECK("kill(-nonexistent group, SIGTERM)", kill(-0x3fffffff, SIGTERM));
    CHECK("kill(INT_MIN, 0)", kill((pid_t)0x80000000, 0));
    CHECK("kill(self, SIGUSR1)", kill(getpid(), SIGUSR1));
    say("handler ran: %d, code SI_USER: %s\n", hits, YESNO(code == SI_USER));
    CHECK("kill(0, SIGUSR1) (own group)", kill(0, SIGUSR1));
    say("handler ran: %d\n", hits);
    CHECK("kill(-pgrp, SIGUSR2)", kill(-getpgrp(), SIGUSR2));
    say("handler ran: %d\n", hits);
    CHECK("tkill(gettid, SIGUSR1)", syscall(SYS_tkill, gettid(), SIGUSR1));
    say("handler ran: %d, code SI_TKILL: %s\n", hits, YESNO(code == SI_TKILL));
    CHECK("tgkill(pid, tid, SIGUSR2)", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2));
    say("handler ran: %d, code SI_TKILL: %s\n", hits, YESNO(code == SI_TKILL));
    CHECK("tgkill with a wrong tgid", syscall(SYS_tgkill, 1, gettid(), SIGUSR1));
    CHECK("tgkill(pid, tid, 0)", syscall(SYS_tgkill, getpid(), gettid(), 0));
    CHECK("tgkill tid 0", syscall(SYS_tgkill, getpid(), 0, SIGUSR1));
    CHECK("tgkill tgid 0", syscall(SYS_tgkill, 0, gettid(), SIGUSR1));
    CHECK("tkill nonexistent", syscall(SYS_tkill, 0x3fffffff, SIGUSR1));
    CHECK("tkill tid 0", syscall(SYS_tkill, 0, SIGUSR1));
    CHECK("tkill bad signal", syscall(SYS_tkill, gettid(), 65));
    say("handler total: %d\n", hits);

    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        signal(SIGUSR1, SIG_DFL);
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    char b;
    read(p[0], &b, 1);
    CHECK("kill(child, SIGUSR1)", kill(c, SIGUSR1));
    say("child: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    read(p[0], &b, 1);
    CHECK("kill(child, SIGUSR1) with inherited handler", kill(c, SIGUSR1));
    usleep(20000);
    CHECK("child still alive", kill(c, 0));
    kill(c, SIGKILL);
    say("child: %s\n", reap(c));
    /* A child in its own group; kill(-pgid) reaches its child too. */
    c = fork();
    if (c == 0) {
        signal(SIGTERM, SIG_IGN);
        setpgid(0, 0);
        pid_t g = fork();
        if (g == 0) {
            signal(SIGTERM, SIG_DFL);
            write(p[1], "r", 1);
            for (;;)
                pause();
        }
        int st;
        waitpid(g, &st, 0);
        _exit(WIFSIGNALED(st) ? 100 + WTERMSIG(st) : 1);
    }
    read(p[0], &b, 1);
    CHECK("kill(-child's group, SIGTERM)", kill(-c, SIGTERM));
    say("child (ignores SIGTERM) reports its child: %s\n", reap(c));
    return 0;
}
