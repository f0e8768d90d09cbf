/* Orphaned process groups: when the last process whose parent is outside a group (in the same
   session) exits and the group has a stopped member, every member gets SIGHUP then SIGCONT. Built
   with an intermediate process: test -> A -> B (B in its own group, stopped); A exits. */
#include "common.h"
#include <poll.h>

static int rep[2];
static volatile int order[8], n;

static void rec(int s) {
    if (n < 8)
        order[n++] = s;
}

static void b_body(int stop_self) {
    setpgid(0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rec;
    sigfillset(&sa.sa_mask); /* handlers run one after another, in delivery order */
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCONT, &sa, NULL);
    if (stop_self)
        raise(SIGSTOP);
    /* Resumed (or never stopped): wait a moment for signals, then report. */
    for (int i = 0; i < 50 && n < 2; i++)
        usleep(10000);
    char buf[64];
    int len = snprintf(buf, sizeof buf, "B got:");
    for (int i = 0; i < n; i++)
        len += snprintf(buf + len, sizeof buf - len, " %d", order[i]);
    len += snprintf(buf + len, sizeof buf - len, "\n");
    write(rep[1], buf, len);
    _exit(0);
}

static void scenario(const char *what, int stop_self) {
    say("%s:\n", what);
    int ready[2];
    pipe(ready);
    pid_t a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0)
            b_body(stop_self);
        int st;
        if (stop_self) {
            waitpid(b, &st, WUNTRACED);
            write(ready[1], WIFSTOPPED(st) ? "S" : "?", 1);
        } else {
            usleep(50000);
            write(ready[1], "R", 1);
        }
        _exit(0); /* B's group becomes orphaned */
    }
    char b;
    read(ready[0], &b, 1);
    say("  A saw B %s\n", b == 'S' ? "stopped" : b == 'R' ? "running" : "?");
    say("  A: %s\n", reap(a));
    char buf[64];
    ssize_t r = read(rep[0], buf, sizeof buf - 1);
    if (r > 0) {
        buf[r] = 0;
        say("  %s", buf);
    }
    close(ready[0]);
    close(ready[1]);
}

int main(void) {
    pipe(rep);
    scenario("B stopped when its group is orphaned", 1);
    scenario("B running when its group is orphaned", 0);

    /* With the default SIGHUP action the stopped orphan dies: it held the write end of a pipe,
       which then reads EOF. */
    int life[2];
    pipe(life);
    pid_t a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0) {
            close(life[0]);
            setpgid(0, 0);
            pid_t me = getpid();
            write(life[1], &me, sizeof me);
            raise(SIGSTOP);
            for (;;)
                pause();
        }
        close(life[1]);
        int st;
        waitpid(b, &st, WUNTRACED);
        _exit(0);
    }
    close(life[1]);
    pid_t bpid = 0;
    read(life[0], &bpid, sizeof bpid);
    say("default SIGHUP: A %s\n", reap(a));
    struct pollfd pf = {life[0], POLLIN, 0};
    char x;
    int gone = poll(&pf, 1, 3000) == 1 && read(life[0], &x, 1) == 0;
    say("  the orphaned stopped B died (its pipe end closed): %s\n", YESNO(gone));
    if (!gone && bpid > 0)
        kill(bpid, SIGKILL);
    return 0;
}
