/* PR_SET_PDEATHSIG: the child gets the signal when its parent dies (siginfo SI_USER, si_pid the
   dying parent); not inherited by fork; 0 disarms it; bad values. The orphans are reparented to
   us (a subreaper), so their fate is visible. */
#include "common.h"
#include <sys/prctl.h>

static volatile int got, g_code, g_pid_ok;
static volatile pid_t expect_pid;
static void h(int s, siginfo_t *si, void *uc) {
    got = s;
    g_code = si->si_code;
    g_pid_ok = si->si_pid == expect_pid;
}

int main(void) {
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int rep[2], go[2];
    pipe(rep);
    pipe(go);

    /* 1. Default action: the grandchild dies with the signal when its parent exits. */
    pid_t a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0) {
            prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
            write(rep[1], "r", 1);
            for (;;)
                pause();
        }
        char x;
        read(go[0], &x, 1);
        _exit(0);
    }
    char x;
    read(rep[0], &x, 1);
    write(go[1], "g", 1);
    say("parent: %s\n", reap(a));
    int st;
    pid_t w = waitpid(-1, &st, 0);
    say("orphan with pdeathsig SIGUSR1: %s (reaped %s)\n", wstatus(st), YESNO(w > 0));

    /* 2. A handler sees SI_USER with si_pid = the dead parent. */
    a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0) {
            expect_pid = getppid();
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = h;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGUSR2, &sa, NULL);
            prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
            int sig = -1;
            prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
            write(rep[1], "r", 1);
            while (!got)
                pause();
            say("orphan's handler: signal %d code %s si_pid is the dead parent %s (PR_GET_PDEATHSIG was %d)\n", got,
                g_code == SI_USER ? "SI_USER" : "other", YESNO(g_pid_ok), sig);
            _exit(0);
        }
        read(go[0], &x, 1);
        _exit(0);
    }
    read(rep[0], &x, 1);
    write(go[1], "g", 1);
    reap(a);
    w = waitpid(-1, &st, 0);
    say("orphan: %s\n", wstatus(st));

    /* 3. Not inherited across fork; reset to 0 for the child. */
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    pid_t c = fork();
    if (c == 0) {
        int sig = -1;
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        _exit(sig);
    }
    say("child's PR_GET_PDEATHSIG after fork: %s\n", reap(c));
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

    /* 4. The parent exiting with the child's pdeathsig set to 0 after all: nothing happens. */
    a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
            write(rep[1], "r", 1);
            usleep(200000);
            _exit(5);
        }
        read(go[0], &x, 1);
        _exit(0);
    }
    read(rep[0], &x, 1);
    write(go[1], "g", 1);
    reap(a);
    waitpid(-1, &st, 0);
    say("pdeathsig reset to 0: %s\n", wstatus(st));
    CHECK("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0));
    CHECK("PR_SET_PDEATHSIG -1", prctl(PR_SET_PDEATHSIG, -1, 0, 0, 0));
    CHECK("PR_GET_PDEATHSIG bad pointer", prctl(PR_GET_PDEATHSIG, (void *)8, 0, 0, 0));
    return 0;
}
