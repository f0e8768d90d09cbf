/* PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to the subreaper (getppid, waitpid,
   SIGCHLD), not to init; the flag is not inherited by children; without it they go to init. */
#include "common.h"
#include <sys/prctl.h>

static int rep[2];

/* A forks B and exits; B reports its parent before and after, then exits with 33. */
static pid_t make_orphan(pid_t *a_out) {
    int go[2];
    pipe(go);
    pid_t a = fork();
    if (a == 0) {
        pid_t first = getpid(); /* A */
        pid_t b = fork();
        if (b == 0) {
            char x;
            read(go[0], &x, 1); /* A is dead now */
            pid_t now = getppid();
            int v[2] = {first == now, (int)now};
            write(rep[1], v, sizeof v);
            usleep(50000);
            _exit(33);
        }
        write(rep[1], &b, sizeof b);
        _exit(0);
    }
    pid_t b;
    read(rep[0], &b, sizeof b);
    *a_out = a;
    int st;
    waitpid(a, &st, 0);
    write(go[1], "g", 1);
    close(go[0]);
    close(go[1]);
    return b;
}

static volatile int chld_hits;
static volatile pid_t chld_pid;
static void on_chld(int s, siginfo_t *si, void *uc) {
    chld_hits++;
    chld_pid = si->si_pid;
}

int main(void) {
    pipe(rep);
    int v = -1;
    CHECK("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
    say("value %d\n", v);
    CHECK("PR_SET_CHILD_SUBREAPER 1", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
    say("value %d\n", v);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);

    pid_t a;
    pid_t b = make_orphan(&a);
    int r[2];
    read(rep[0], r, sizeof r);
    say("orphan: parent changed %s, new parent is us %s, is init %s\n", YESNO(!r[0]), YESNO(r[1] == getpid()),
        YESNO(r[1] == 1));
    int st;
    pid_t w = waitpid(-1, &st, 0);
    say("waitpid(-1) reaps the orphan: %s, %s\n", YESNO(w == b), wstatus(st));
    say("SIGCHLD for the orphan: %s (hits %d)\n", YESNO(chld_pid == b), chld_hits);
    CHECK("nothing left", waitpid(-1, &st, WNOHANG));

    /* The flag is not inherited, but a subreaper's descendants still find it. */
    pid_t c = fork();
    if (c == 0) {
        int cv = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &cv, 0, 0, 0);
        _exit(cv);
    }
    say("child's PR_GET_CHILD_SUBREAPER: %s\n", reap(c));

    /* A grandchild orphaned two levels down (A -> B -> C, A and B exit) still comes to us. */
    int go[2];
    pipe(go);
    c = fork();
    if (c == 0) {
        pid_t bb = fork();
        if (bb == 0) {
            pid_t cc = fork();
            if (cc == 0) {
                char x;
                read(go[0], &x, 1);
                _exit(getppid() == getpgrp() ? 0 : 44); /* our group leader is the test process */
            }
            _exit(0);
        }
        waitpid(bb, NULL, 0);
        _exit(0);
    }
    reap(c);
    usleep(50000);
    write(go[1], "g", 1);
    w = waitpid(-1, &st, 0);
    say("great-grandchild orphaned two levels down: reaped by us %s, %s\n", YESNO(w > 0), wstatus(st));

    CHECK("PR_SET_CHILD_SUBREAPER 0", prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0));
    b = make_orphan(&a);
    read(rep[0], r, sizeof r);
    say("without the flag: new parent is us %s, parent changed %s\n", YESNO(r[1] == getpid()), YESNO(!r[0]));
    usleep(100000);
    CHECK("we cannot wait for it", waitpid(b, &st, WNOHANG));
    CHECK("bad pointer for PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, (void *)8, 0, 0, 0));
    return 0;
}
