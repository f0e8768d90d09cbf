/* EPIPE and SIGPIPE: with a handler, ignored, blocked, and the default action. */
#include "common.h"
#include <sys/ioctl.h>

static volatile int hits;
static void on_pipe(int sig) { hits++; }

int main(void) {
    int p[2];
    struct sigaction sa = {0};
    sa.sa_handler = on_pipe;
    sigaction(SIGPIPE, &sa, NULL);
    pipe(p);
    close(p[0]);
    CHECK("write with no reader (handler)", write(p[1], "x", 1));
    say("SIGPIPE handler ran %d time(s)\n", hits);
    CHECK("again", write(p[1], "x", 1));
    say("SIGPIPE handler ran %d time(s)\n", hits);
    close(p[1]);

    signal(SIGPIPE, SIG_IGN);
    pipe(p);
    close(p[0]);
    CHECK("write with no reader (ignored)", write(p[1], "x", 1));
    say("handler count still %d\n", hits);
    close(p[1]);

    signal(SIGPIPE, on_pipe);
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pipe(p);
    close(p[0]);
    CHECK("write with no reader (blocked)", write(p[1], "x", 1));
    sigpending(&pend);
    say("SIGPIPE pending: %s, handler count %d\n", YESNO(sigismember(&pend, SIGPIPE)), hits);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    say("after unblock handler count %d\n", hits);
    close(p[1]);

    signal(SIGPIPE, SIG_DFL);
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "x", 1);
        _exit(0);
    }
    say("child writing to a pipe whose read end is open: %s\n", reap(c));
    close(p[0]);
    c = fork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    say("child writing to a pipe with no reader: %s\n", reap(c));
    close(p[1]);

    /* A writer blocked on a full pipe gets EPIPE when the last reader goes away. */
    pipe(p);
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(p[0]);
        static char big[100000];
        ssize_t w = write(p[1], big, sizeof big);
        say("child: blocked write returned %ld %s\n", (long)w, w < 0 ? errname(errno) : "");
        _exit(0);
    }
    close(p[1]);
    int avail = 0;
    while (ioctl(p[0], FIONREAD, &avail) == 0 && avail < 65536)
        usleep(1000);
    say("pipe full: %d bytes\n", avail);
    usleep(20000);
    close(p[0]);
    say("child: %s\n", reap(c));
    return 0;
}
