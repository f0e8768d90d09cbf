// Signals to a zombie (exited, not yet reaped) process: kill() succeeds and the signal is
// dropped (the pid still exists until it is reaped); after reaping, ESRCH. Also a process
// group made only of a zombie, and clone(CLONE_PARENT_SETTID) with a bad pointer (Linux
// ignores the failed store and the child runs).
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    default: return "other";
    }
}

int main(void) {
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        _exit(3);
    }
    usleep(200000);
    printf("kill(zombie, SIGTERM): %s\n", en(kill(c, SIGTERM)));
    printf("kill(zombie, 0): %s\n", en(kill(c, 0)));
    printf("kill(-zombie pgrp, SIGTERM): %s\n", en(kill(-c, SIGTERM)));
    printf("tgkill(zombie, zombie, SIGTERM): %s\n", en(syscall(SYS_tgkill, c, c, SIGTERM)));
    int st;
    waitpid(c, &st, 0);
    printf("status after: exited %d\n", WEXITSTATUS(st));
    printf("kill(reaped, SIGTERM): %s\n", en(kill(c, SIGTERM)));
    printf("kill(reaped, 0): %s\n", en(kill(c, 0)));

    long r = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, (void *)8, 0, 0);
    if (r == 0) _exit(5);
    printf("clone with bad parent_tid pointer: %s\n", r > 0 ? "ok" : en(-1));
    if (r > 0) {
        waitpid(r, &st, 0);
        printf("child exit %d\n", WEXITSTATUS(st));
    }
    return 0;
}
