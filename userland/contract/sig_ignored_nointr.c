/* Signals whose action is to ignore (default-ignored SIGCHLD/SIGURG/SIGWINCH, SIGCONT to a running
   process, an explicitly SIG_IGN'd signal) and blocked signals never interrupt a blocking call. */
#include "common.h"
#include <poll.h>
#include <time.h>

static int data[2], sync_p[2];
static volatile int term;
static void on_term(int s) { term++; }

static void pester(pid_t c) {
    int sigs[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGUSR1, SIGUSR2};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        kill(c, sigs[i]);
        usleep(10000);
    }
}

/* Child setup: SIGUSR1 ignored, SIGUSR2 blocked (with a handler), SIGTERM caught. */
static void child_setup(void) {
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, on_term);
    signal(SIGTERM, on_term);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

int main(void) {
    pipe(data);
    pipe(sync_p);
    char b;
    int st;

    pid_t c = fork();
    if (c == 0) {
        child_setup();
        write(sync_p[1], "r", 1);
        char buf[8];
        long r = read(data[0], buf, sizeof buf);
        say("child: read returned %ld %s, SIGTERM handler ran %d\n", r, r < 0 ? errname(errno) : "", term);
        _exit(0);
    }
    read(sync_p[0], &b, 1);
    usleep(50000);
    pester(c);
    write(data[1], "abc", 3);
    say("read: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        child_setup();
        write(sync_p[1], "r", 1);
        struct timespec req = {0, 400000000}, rem = {0, 0};
        long r = syscall(SYS_nanosleep, &req, &rem);
        say("child: nanosleep 400 ms returned %ld %s\n", r, r < 0 ? errname(errno) : "");
        _exit(0);
    }
    read(sync_p[0], &b, 1);
    usleep(50000);
    pester(c);
    say("nanosleep: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        child_setup();
        write(sync_p[1], "r", 1);
        struct pollfd p = {data[0], POLLIN, 0};
        long r = poll(&p, 1, -1);
        say("child: poll returned %ld %s\n", r, r < 0 ? errname(errno) : "");
        _exit(0);
    }
    read(sync_p[0], &b, 1);
    usleep(50000);
    pester(c);
    write(data[1], "x", 1);
    say("poll: %s\n", reap(c));
    read(data[0], &b, 1);

    c = fork();
    if (c == 0) {
        child_setup();
        write(sync_p[1], "r", 1);
        long r = syscall(SYS_pause);
        say("child: pause returned %ld %s, SIGTERM handler ran %d\n", r, r < 0 ? errname(errno) : "", term);
        _exit(0);
    }
    read(sync_p[0], &b, 1);
    usleep(50000);
    pester(c);
    usleep(50000);
    CHECK("child still in pause", waitpid(c, &st, WNOHANG));
    kill(c, SIGTERM);
    say("pause: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        child_setup();
        pid_t g = fork();
        if (g == 0) {
            usleep(300000);
            _exit(3);
        }
        write(sync_p[1], "r", 1);
        int s2;
        pid_t r = waitpid(g, &s2, 0);
        say("child: waitpid returned the grandchild %s (%s), its SIGCHLD did not interrupt\n", YESNO(r == g),
            r < 0 ? errname(errno) : wstatus(s2));
        _exit(0);
    }
    read(sync_p[0], &b, 1);
    usleep(50000);
    pester(c);
    say("waitpid: %s\n", reap(c));
    return 0;
}
