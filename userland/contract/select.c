/* select/pselect6 on pipes: readiness, timeout 0, EBADF/EINVAL, remaining time and sigmask. */
#include "common.h"
#include <sys/select.h>

static volatile int usr1;
static void on_usr1(int s) { usr1++; }

static void sel(const char *what, int rfd, int wfd, long usec) {
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    int n = 0;
    if (rfd >= 0) {
        FD_SET(rfd, &r);
        n = rfd + 1;
    }
    if (wfd >= 0) {
        FD_SET(wfd, &w);
        if (wfd + 1 > n)
            n = wfd + 1;
    }
    struct timeval tv = {0, usec};
    /* the raw syscall: musl's select() does not write the remaining time back */
    int ret = syscall(SYS_select, n, &r, &w, NULL, usec < 0 ? NULL : &tv);
    if (ret < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else if (usec < 0)
        say("%s: %d read=%d write=%d\n", what, ret, rfd >= 0 && FD_ISSET(rfd, &r), wfd >= 0 && FD_ISSET(wfd, &w));
    else
        say("%s: %d read=%d write=%d tv=%ld.%06ld\n", what, ret, rfd >= 0 && FD_ISSET(rfd, &r),
            wfd >= 0 && FD_ISSET(wfd, &w), (long)tv.tv_sec, (long)tv.tv_usec);
}

int main(void) {
    int p[2];
    char buf[16];
    pipe(p);
    sel("empty pipe, timeout 0", p[0], -1, 0);
    sel("write end", -1, p[1], 0);
    sel("both", p[0], p[1], 0);
    write(p[1], "x", 1);
    sel("after write", p[0], p[1], 0);
    read(p[0], buf, 1);
    sel("drained, 30 ms", p[0], -1, 30000);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    write(p[1], "y", 1);
    struct timeval tv = {10, 0};
    int ret = syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv);
    say("ready fd with 10 s timeout: %d, remaining between 9 and 10 s: %s\n", ret,
        YESNO(tv.tv_sec == 9));
    read(p[0], buf, 1);
    close(p[1]);
    sel("writer closed (EOF is readable)", p[0], -1, -1);
    close(p[0]);
    sel("closed fd", p[0], -1, 0);
    CHECK("nfds negative", select(-1, NULL, NULL, NULL, &(struct timeval){0, 0}));
    CHECK("bad timeout", select(0, NULL, NULL, NULL, &(struct timeval){0, -1}));
    struct timeval t0 = {0, 20000};
    CHECK("no fds, 20 ms", syscall(SYS_select, 0, NULL, NULL, NULL, &t0));
    say("timeout left: %ld.%06ld\n", (long)t0.tv_sec, (long)t0.tv_usec);

    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        usleep(30000);
        write(p[1], "late", 4);
        _exit(0);
    }
    sel("blocking select woken by child", p[0], -1, -1);
    say("child: %s\n", reap(c));

    struct timespec z = {0, 0};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK("pselect timeout 0 with data", pselect(p[0] + 1, &r, NULL, NULL, &z, NULL));
    read(p[0], buf, 4);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK("pselect timeout 0 without data", pselect(p[0] + 1, &r, NULL, NULL, &z, NULL));
    signal(SIGUSR1, on_usr1);
    sigset_t blk, empty;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    raise(SIGUSR1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK("pselect with mask unblocking a pending signal", pselect(p[0] + 1, &r, NULL, NULL, NULL, &empty));
    say("handler ran: %d\n", usr1);
    struct timespec bad = {0, 1000000000};
    CHECK("pselect bad timeout", pselect(p[0] + 1, &r, NULL, NULL, &bad, NULL));
    return 0;
}
