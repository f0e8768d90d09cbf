/* A SIGSTOP/SIGCONT pair (no handlers) while a child is blocked must not surface as EINTR: read and
   write on pipes, poll, ppoll, select, pselect6 resume their wait and complete normally. */
#include "common.h"
#include <poll.h>
#include <sys/select.h>
#include <time.h>

static int data[2], sync_p[2];
static char big[65536];

static void report(const char *what, long r) {
    if (r < 0)
        say("  child: %s: -1 %s\n", what, errname(errno));
    else
        say("  child: %s: %ld\n", what, r);
}

static int do_read(void) {
    char b[8];
    report("read", read(data[0], b, sizeof b));
    return 0;
}
static int do_write(void) {
    report("write to the full pipe", write(data[1], "w", 1));
    return 0;
}
static int do_poll(void) {
    struct pollfd p = {data[0], POLLIN, 0};
    report("poll, infinite", poll(&p, 1, -1));
    return 0;
}
static int do_poll_timeout(void) {
    struct pollfd p = {data[0], POLLIN, 0};
    report("poll, 10 s timeout", poll(&p, 1, 10000));
    return 0;
}
static int do_ppoll(void) {
    struct pollfd p = {data[0], POLLIN, 0};
    struct timespec ts = {10, 0};
    report("ppoll, 10 s timeout", syscall(SYS_ppoll, &p, 1, &ts, NULL, 8));
    return 0;
}
static int do_select(void) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(data[0], &rd);
    struct timeval tv = {10, 0};
    report("select, 10 s timeout", syscall(SYS_select, data[0] + 1, &rd, NULL, NULL, &tv));
    return 0;
}
static int do_select_inf(void) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(data[0], &rd);
    report("select, no timeout", syscall(SYS_select, data[0] + 1, &rd, NULL, NULL, NULL));
    return 0;
}
static int do_pselect(void) {
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(data[0], &rd);
    struct timespec ts = {10, 0};
    report("pselect6, 10 s timeout", syscall(SYS_pselect6, data[0] + 1, &rd, NULL, NULL, &ts, NULL));
    return 0;
}

static void drain(void) {
    int fl = fcntl(data[0], F_GETFL);
    fcntl(data[0], F_SETFL, fl | O_NONBLOCK);
    while (read(data[0], big, sizeof big) > 0)
        ;
    fcntl(data[0], F_SETFL, fl);
}

static void run(const char *name, int (*fn)(void), int fill_first) {
    say("%s:\n", name);
    drain();
    if (fill_first) {
        int fl = fcntl(data[1], F_GETFL);
        fcntl(data[1], F_SETFL, fl | O_NONBLOCK);
        while (write(data[1], big, sizeof big) > 0)
            ;
        fcntl(data[1], F_SETFL, fl);
    }
    pid_t c = fork();
    if (c == 0) {
        write(sync_p[1], "r", 1);
        _exit(fn());
    }
    char b;
    read(sync_p[0], &b, 1);
    usleep(200000); /* let the child block in the call */
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    say("  %s\n", wstatus(st));
    kill(c, SIGCONT); /* (the child may print and exit right away: no WCONTINUED wait here) */
    usleep(100000);
    if (fill_first)
        read(data[0], big, 4096);
    else
        write(data[1], "x", 1);
    say("  %s\n", reap(c));
}

int main(void) {
    pipe(data);
    pipe(sync_p);
    run("read on an empty pipe", do_read, 0);
    run("write on a full pipe", do_write, 1);
    run("poll", do_poll, 0);
    run("poll with timeout", do_poll_timeout, 0);
    run("ppoll", do_ppoll, 0);
    run("select", do_select, 0);
    run("select without timeout", do_select_inf, 0);
    run("pselect6", do_pselect, 0);
    return 0;
}
