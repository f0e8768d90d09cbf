/* A pty slave as controlling terminal: a child session (fork + setsid) acquires it on open,
   ^C, ^\ and TIOCSIG written on the master signal its foreground group, TIOCSWINSZ on the
   master sends SIGWINCH, a background group reading it gets SIGTTIN, /dev/tty is the slave,
   and closing the master hangs the session up (SIGHUP + SIGCONT, EOF, EIO). A second session
   takes a slave with TIOCSCTTY and gives it up with TIOCNOTTY. */
#include "pty_common.h"

static int up[2], down[2];

static void tell(int fd) {
    char c = 'x';
    if (write(fd, &c, 1) != 1)
        _exit(99);
}

static void await(int fd) {
    char c;
    if (read(fd, &c, 1) != 1)
        _exit(98);
}

static void wait_signal(const sigset_t *set) {
    siginfo_t si;
    int sig = sigwaitinfo(set, &si);
    say("child: got %s\n", sig < 0 ? errname(errno) : strsignal(sig));
}

static void child(const char *name) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCONT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    CHECK_OK("child: setsid", setsid());
    int s = open(name, O_RDWR);
    CHECK_OK("child: open slave", s);
    say("child: foreground group is mine: %s, session is mine: %s\n", YESNO(tcgetpgrp(s) == getpid()),
        YESNO(tcgetsid(s) == getpid()));
    int t = open("/dev/tty", O_RDWR);
    CHECK_OK("child: open /dev/tty", t);
    CHECK("child: write /dev/tty", write(t, "via tty\n", 8));
    close(t);
    CHECK("child: TIOCSCTTY on its own ctty", ioctl(s, TIOCSCTTY, 0));
    tell(up[1]);

    wait_signal(&set); /* ^C */
    tell(up[1]);
    wait_signal(&set); /* SIGWINCH */
    struct winsize ws;
    ioctl(s, TIOCGWINSZ, &ws);
    say("child: size %ux%u\n", ws.ws_row, ws.ws_col);
    tell(up[1]);
    wait_signal(&set); /* ^\ */
    tell(up[1]);
    wait_signal(&set); /* TIOCSIG */
    tell(up[1]);
    char buf[64];
    ssize_t n = read(s, buf, sizeof buf);
    show("child: read", buf, n);

    /* A background group reading the terminal is stopped by SIGTTIN. */
    pid_t g = fork();
    if (g == 0) {
        setpgid(0, 0);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        read(s, buf, 1);
        _exit(0);
    }
    int st;
    waitpid(g, &st, WUNTRACED);
    say("child: background reader %s\n", wstatus(st));
    kill(g, SIGKILL);
    waitpid(g, &st, 0);
    tell(up[1]);

    wait_signal(&set); /* master closed: SIGHUP */
    sigset_t pend;
    sigpending(&pend);
    say("child: SIGCONT pending too: %s\n", YESNO(sigismember(&pend, SIGCONT)));
    show("child: read after hangup", buf, read(s, buf, sizeof buf));
    CHECK("child: write after hangup", write(s, "x", 1));
    CHECK("child: tcgetpgrp after hangup", tcgetpgrp(s));
    CHECK("child: open /dev/tty after hangup", open("/dev/tty", O_RDWR));
    _exit(0);
}

static void second_session(const char *name) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCONT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    CHECK_OK("second: setsid", setsid());
    int s = open(name, O_RDWR | O_NOCTTY);
    CHECK_OK("second: open slave O_NOCTTY", s);
    CHECK("second: tcgetpgrp", tcgetpgrp(s));
    CHECK("second: open /dev/tty", open("/dev/tty", O_RDWR));
    CHECK("second: TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
    say("second: foreground group is mine: %s\n", YESNO(tcgetpgrp(s) == getpid()));
    CHECK("second: TIOCNOTTY", ioctl(s, TIOCNOTTY));
    sigset_t pend;
    sigpending(&pend);
    say("second: SIGHUP pending %s, SIGCONT pending %s\n", YESNO(sigismember(&pend, SIGHUP)),
        YESNO(sigismember(&pend, SIGCONT)));
    CHECK("second: tcgetpgrp after TIOCNOTTY", tcgetpgrp(s));
    _exit(0);
}

/* The holder of the master exits without closing it: the slave's session is hung up all
   the same. Reports to `done` (closed when finished). */
static void holder_exits(int done) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m);
    char name[64];
    snprintf(name, sizeof name, "%s", ptsname(m));
    int ready[2];
    if (pipe(ready) < 0)
        _exit(1);
    if (fork() == 0) {
        close(m);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGCONT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        setsid();
        int s = open(name, O_RDWR);
        tell(ready[1]);
        wait_signal(&set);
        char buf[8];
        show("orphan: read after hangup", buf, read(s, buf, sizeof buf));
        close(s);
        close(done);
        _exit(0);
    }
    close(done);
    await(ready[0]);
    _exit(0);
}

int main(void) {
    char buf[64], name[64];
    pty_setup();
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m);
    snprintf(name, sizeof name, "%s", ptsname(m));
    if (pipe(up) < 0 || pipe(down) < 0)
        return 1;

    pid_t c = fork();
    if (c == 0) {
        close(m);
        child(name);
    }
    await(up[0]);
    show("master: echo of /dev/tty write", buf, read_some(m, buf, 9));
    int v = -1;
    CHECK("TIOCGPGRP on master", ioctl(m, TIOCGPGRP, &v));
    say("foreground group is the child: %s\n", YESNO(v == c));
    CHECK("TIOCGSID on master", ioctl(m, TIOCGSID, &v));
    say("session is the child's: %s\n", YESNO(v == c));
    CHECK("TIOCSCTTY from another session", ioctl(m, TIOCSCTTY, 0));
    CHECK("TIOCSPGRP on master by an outsider", ioctl(m, TIOCSPGRP, &c));

    long r = write(m, "\x03", 1);
    await(up[0]);
    CHECK("write ^C", r);
    show("master: echo of ^C", buf, read_some(m, buf, 2));
    struct winsize ws = {.ws_row = 50, .ws_col = 100};
    r = ioctl(m, TIOCSWINSZ, &ws);
    await(up[0]);
    CHECK("TIOCSWINSZ on master", r);
    r = write(m, "\x1c", 1);
    await(up[0]);
    CHECK("write ^\\", r);
    show("master: echo of ^\\", buf, read_some(m, buf, 2));
    CHECK("TIOCSIG SIGHUP", ioctl(m, TIOCSIG, SIGHUP));
    r = ioctl(m, TIOCSIG, SIGINT);
    await(up[0]);
    CHECK("TIOCSIG SIGINT", r);
    r = write(m, "line\n", 5);
    await(up[0]);
    CHECK("write line", r);
    show("master: echo of line", buf, read_some(m, buf, 6));
    close(m);
    int st;
    waitpid(c, &st, 0);
    say("child: %s\n", wstatus(st));

    m = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m);
    snprintf(name, sizeof name, "%s", ptsname(m));
    c = fork();
    if (c == 0)
        second_session(name);
    waitpid(c, &st, 0);
    say("second: %s\n", wstatus(st));
    close(m);

    int done[2];
    if (pipe(done) < 0)
        return 1;
    c = fork();
    if (c == 0) {
        close(done[0]);
        holder_exits(done[1]);
    }
    close(done[1]);
    waitpid(c, &st, 0);
    char x;
    say("master holder: %s, orphan done: %ld\n", wstatus(st), (long)read(done[0], &x, 1));
    close(done[0]);

    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
    pty_teardown();
    return 0;
}
