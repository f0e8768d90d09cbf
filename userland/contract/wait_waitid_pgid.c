/* waitid by process group (P_PGID, including 0 = our own group), WNOWAIT leaves the child waitable
   (then a real wait reaps it), pid/pgid selection in wait4 (0, -pgid, -1), ECHILD when no child
   matches the selection. */
#include "common.h"

static void show(const char *what, int r, siginfo_t *si, pid_t expect) {
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %d code %s status %d pid %s\n", what, r,
            si->si_code == CLD_EXITED ? "CLD_EXITED" : si->si_code == CLD_KILLED ? "CLD_KILLED" : si->si_code == 0 ? "0" : "other",
            si->si_status, si->si_pid == expect ? "=expected" : si->si_pid == 0 ? "0" : "other");
}

static int sync_p[2];

/* A child that moves to group `pg` (0 = new group of its own) and exits with `code` once told. */
static pid_t kid(pid_t pg, int code, int go_fd) {
    pid_t c = fork();
    if (c == 0) {
        if (pg >= 0)
            setpgid(0, pg);
        write(sync_p[1], "r", 1);
        char b;
        read(go_fd, &b, 1);
        _exit(code);
    }
    if (pg >= 0)
        setpgid(c, pg); /* both sides, no race */
    char b;
    read(sync_p[0], &b, 1);
    return c;
}

int main(void) {
    pipe(sync_p);
    int go[2];
    pipe(go);
    siginfo_t si;

    pid_t a = kid(0, 21, go[0]);   /* leader of its own group */
    pid_t b = kid(a, 22, go[0]);   /* joins a's group */
    pid_t c = kid(-1, 23, go[0]);  /* stays in our group */
    write(go[1], "ggg", 3);
    usleep(100000);

    memset(&si, 0, sizeof si);
    show("P_PGID(a's group) WEXITED|WNOWAIT", waitid(P_PGID, a, &si, WEXITED | WNOWAIT), &si, a);
    pid_t first = si.si_pid;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PGID, a, &si, WEXITED | WNOWAIT);
    say("same again: %d, same child %s\n", r, YESNO(si.si_pid == first));
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, first, &si, WEXITED);
    say("P_PID reaps that one: %d status %d\n", r, si.si_status);
    memset(&si, 0, sizeof si);
    r = waitid(P_PGID, a, &si, WEXITED);
    say("P_PGID(a's group) reaps the other: %d, pid is the other member %s, status %d\n", r,
        YESNO(si.si_pid == (first == a ? b : a)), si.si_status);
    show("P_PGID(a's group) now empty", waitid(P_PGID, a, &si, WEXITED | WNOHANG), &si, 0);
    memset(&si, 0, sizeof si);
    show("P_PGID 0 (our group)", waitid(P_PGID, 0, &si, WEXITED), &si, c);
    show("P_PGID 0 again", waitid(P_PGID, 0, &si, WEXITED), &si, 0);

    /* wait4 selection: 0 = our group, -pgid = that group, -1 = any. */
    a = kid(0, 31, go[0]);
    c = kid(-1, 32, go[0]);
    write(go[1], "gg", 2);
    usleep(100000);
    int st;
    pid_t w = wait4(-a, &st, 0, NULL);
    say("wait4(-a's group): %s %s\n", w == a ? "a" : "other", wstatus(st));
    w = wait4(0, &st, 0, NULL);
    say("wait4(0): %s %s\n", w == c ? "c" : "other", wstatus(st));
    CHECK("wait4(0) with no child in our group", wait4(0, &st, WNOHANG, NULL));
    CHECK("wait4(-1) with no children", wait4(-1, &st, WNOHANG, NULL));

    /* WNOWAIT on a killed child, then wait4 gets the same status. */
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGUSR2);
    memset(&si, 0, sizeof si);
    show("killed child, waitid WEXITED|WNOWAIT", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT), &si, c);
    CHECK("kill(zombie, 0)", kill(c, 0));
    w = wait4(c, &st, 0, NULL);
    say("wait4 after WNOWAIT: %s %s\n", w == c ? "child" : "other", wstatus(st));
    CHECK("P_PGID with a group that has no children of ours", waitid(P_PGID, 1, &si, WEXITED | WNOHANG));
    CHECK("P_PGID negative", waitid(P_PGID, -5, &si, WEXITED));
    return 0;
}
