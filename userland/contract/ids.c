/* getpid/getppid/getpgid/setpgid/getsid/setsid relations and their EPERM/ESRCH/EINVAL cases. */
#include "common.h"

int main(void) {
    pid_t me = getpid();
    say("getpid positive: %s, getppid positive: %s\n", YESNO(me > 0), YESNO(getppid() > 0));
    say("runner made us a process group leader: %s\n", YESNO(getpgid(0) == me && getpgrp() == me));
    say("getpgid(getpid()) == getpgid(0): %s\n", YESNO(getpgid(me) == getpgid(0)));
    say("session is init's (sid 1): %s\n", YESNO(getsid(0) == 1));
    CHECK("setsid as group leader", setsid());
    CHECK("getpgid of missing pid", getpgid(0x3fffffff));
    CHECK("getsid of missing pid", getsid(0x3fffffff));
    CHECK("setpgid missing pid", setpgid(0x3fffffff, 0));
    CHECK("setpgid negative pgid", setpgid(0, -1));
    CHECK("setpgid(0, 0) when already leader", setpgid(0, 0));
    CHECK("setpgid of init", setpgid(1, 1));

    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        say("child: getppid == parent's pid: %s\n", YESNO(getppid() == me));
        say("child: inherited the parent's group: %s\n", YESNO(getpgid(0) == me));
        pid_t s = setsid();
        say("child: setsid returns own pid: %s\n", YESNO(s == getpid()));
        say("child: now sid == pgid == pid: %s\n", YESNO(getsid(0) == getpid() && getpgid(0) == getpid()));
        CHECK("child: setsid again", setsid());
        CHECK("child: setpgid into the parent's group (other session)", setpgid(0, me));
        write(p[1], "x", 1);
        pause();
        _exit(0);
    }
    char b;
    read(p[0], &b, 1);
    CHECK("parent: setpgid of a child that is a session leader", setpgid(c, c));
    say("parent: getsid(child) == child: %s\n", YESNO(getsid(c) == c));
    kill(c, SIGKILL);
    reap(c);

    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    say("parent: child starts in our group: %s\n", YESNO(getpgid(c) == me));
    CHECK("parent: setpgid(child, child)", setpgid(c, c));
    say("parent: child is now its own group: %s\n", YESNO(getpgid(c) == c));
    CHECK("parent: move child back to our group", setpgid(c, me));
    say("parent: back in ours: %s\n", YESNO(getpgid(c) == me));
    CHECK("parent: setpgid(child, nonexistent group)", setpgid(c, 0x3fffffff));
    kill(c, SIGKILL);
    reap(c);

    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        pid_t g = fork();
        if (g == 0) {
            say("grandchild: getppid is the child: %s\n", YESNO(getppid() == getpgid(0)));
            _exit(0);
        }
        reap(g);
        _exit(0);
    }
    reap(c);

    /* Orphans are reparented to init. */
    pipe(p);
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            while (getppid() != 1)
                usleep(1000);
            write(p[1], "1", 1);
            _exit(0);
        }
        _exit(0);
    }
    reap(c);
    close(p[1]);
    char r = 0;
    read(p[0], &r, 1);
    say("orphaned grandchild reparented to pid 1: %s\n", YESNO(r == '1'));
    return 0;
}
