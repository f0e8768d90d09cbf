/* fork + wait4/waitpid: exit statuses, signals, WNOHANG, ECHILD, process groups, memory copies. */
/* contract-status: 0 */
#include "common.h"
#include <sys/resource.h>

static int global = 1;

int main(void) {
    int codes[] = {0, 1, 42, 255, 256 + 3};
    for (int i = 0; i < 5; i++) {
        pid_t c = fork();
        if (c == 0)
            exit(codes[i]);
        say("exit(%d): %s\n", codes[i], reap(c));
    }
    pid_t c = fork();
    if (c == 0) {
        kill(getpid(), SIGTERM);
        pause();
        _exit(0);
    }
    say("child kills itself with SIGTERM: %s\n", reap(c));
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "r", 1);
        pause();
        _exit(0);
    }
    char b;
    read(p[0], &b, 1);
    int st = 12345;
    CHECK("WNOHANG on a running child", waitpid(c, &st, WNOHANG));
    say("status untouched by WNOHANG returning 0: %s\n", YESNO(st == 12345));
    kill(c, SIGKILL);
    say("parent sends SIGKILL: %s\n", reap(c));
    CHECK("waitpid with no children", waitpid(-1, &st, 0));
    CHECK("waitpid WNOHANG with no children", waitpid(-1, &st, WNOHANG));
    CHECK("waitpid for init (not a child)", waitpid(1, &st, 0));
    CHECK("waitpid bad options", waitpid(-1, &st, 0x12345678));

    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(10 + i);
    }
    for (int i = 2; i >= 0; i--)
        say("child %d waited in reverse order: %s\n", i, reap(kids[i]));
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(20 + i);
    }
    int sum = 0, n = 0;
    pid_t r;
    while ((r = waitpid(-1, &st, 0)) > 0) {
        sum += WEXITSTATUS(st);
        n++;
    }
    say("waitpid(-1) reaped %d children, status sum %d, then %s\n", n, sum, errname(errno));
    c = fork();
    if (c == 0)
        _exit(5);
    r = waitpid(0, &st, 0);
    say("waitpid(0) (own process group): right child %s, %s\n", YESNO(r == c), wstatus(st));
    c = fork();
    if (c == 0)
        _exit(6);
    r = waitpid(-getpgrp(), &st, 0);
    say("waitpid(-pgrp): right child %s, %s\n", YESNO(r == c), wstatus(st));
    c = fork();
    if (c == 0)
        _exit(7);
    struct rusage ru;
    r = wait4(c, &st, 0, &ru);
    say("wait4 with rusage: right child %s, %s, utime sane %s\n", YESNO(r == c), wstatus(st),
        YESNO(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000));
    c = fork();
    if (c == 0)
        _exit(8);
    r = wait(&st);
    say("wait(): right child %s, %s\n", YESNO(r == c), wstatus(st));
    c = fork();
    if (c == 0)
        _exit(9);
    r = waitpid(c, NULL, 0);
    say("waitpid with NULL status: right child %s\n", YESNO(r == c));

    c = fork();
    if (c == 0) {
        global = 99;
        say("child: fork returned 0, global set to %d\n", global);
        _exit(0);
    }
    reap(c);
    say("parent: fork returned a positive pid: %s, global still %d\n", YESNO(c > 0), global);

    /* Deep chain: each process forks the next and passes the exit code up. */
    int depth = 0;
    for (;;) {
        if (depth == 10)
            _exit(depth);
        c = fork();
        if (c != 0)
            break;
        depth++;
    }
    waitpid(c, &st, 0);
    if (depth > 0)
        _exit(WEXITSTATUS(st));
    say("chain of 10 nested forks returned %d\n", WEXITSTATUS(st));

    /* Zombie stays until reaped. */
    c = fork();
    if (c == 0)
        _exit(4);
    usleep(50000);
    CHECK("kill(zombie, 0) succeeds", kill(c, 0));
    say("reap zombie: %s\n", reap(c));
    CHECK("kill(reaped pid, 0)", kill(c, 0));
    return 0;
}
