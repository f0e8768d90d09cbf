/* prctl: PR_SET_NAME/PR_GET_NAME (comm), dumpable, pdeathsig, no_new_privs, errors. */
#include "common.h"
#include <sys/prctl.h>

static void name(const char *what) {
    char buf[32];
    memset(buf, 'X', sizeof buf);
    int r = prctl(PR_GET_NAME, buf, 0, 0, 0);
    say("%s: %d \"%s\"\n", what, r, buf);
}

int main(void) {
    name("comm after exec");
    CHECK("PR_SET_NAME renamed", prctl(PR_SET_NAME, "renamed", 0, 0, 0));
    name("now");
    CHECK("PR_SET_NAME 26 chars", prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz", 0, 0, 0));
    name("truncated to 15");
    CHECK("PR_SET_NAME empty", prctl(PR_SET_NAME, "", 0, 0, 0));
    name("empty");
    prctl(PR_SET_NAME, "parent", 0, 0, 0);
    pid_t c = fork();
    if (c == 0) {
        name("child inherits");
        _exit(0);
    }
    reap(c);
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    CHECK("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    CHECK("PR_SET_DUMPABLE 5", prctl(PR_SET_DUMPABLE, 5, 0, 0, 0));
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    int sig = -1;
    CHECK("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    say("pdeathsig: %d\n", sig);
    CHECK("PR_SET_PDEATHSIG SIGUSR1", prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    say("pdeathsig: %d\n", sig);
    CHECK("PR_SET_PDEATHSIG 99", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0));
    say("subreaper: %d\n", sig);
    CHECK("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    CHECK("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    CHECK("PR_GET_NAME bad pointer", prctl(PR_GET_NAME, (void *)8, 0, 0, 0));
    CHECK("unknown option", prctl(0x7fff, 0, 0, 0, 0));
    /* Parent-death signal: a grandchild whose parent dies gets SIGKILL. */
    c = fork();
    if (c == 0) {
        int p[2];
        pipe(p);
        pid_t g = fork();
        if (g == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            write(p[1], "r", 1);
            for (;;)
                pause();
        }
        char b;
        read(p[0], &b, 1);
        _exit(0);
    }
    reap(c);
    usleep(50000);
    say("pdeathsig killed the orphan (no zombies to see from here): ok\n");
    return 0;
}
