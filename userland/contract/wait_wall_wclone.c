/* __WCLONE/__WALL: a child created with clone() and exit signal 0 (a "clone child") is invisible to
   a plain wait, found with __WCLONE or __WALL; a normal child is found by plain wait and __WALL but
   not by __WCLONE; waitid accepts the same flags; __WNOTHREAD. */
#include "common.h"
#include <sched.h>

#ifndef __WNOTHREAD
#define __WNOTHREAD 0x20000000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif

/* fork-like raw clone with the given exit signal (the child continues on a copy of our stack). */
static pid_t clone_child(int exit_signal, int code, int delay_ms) {
    long r = syscall(SYS_clone, (long)exit_signal, 0L, NULL, NULL, 0L);
    if (r == 0) {
        if (delay_ms)
            usleep(delay_ms * 1000);
        syscall(SYS_exit_group, code);
    }
    return (pid_t)r;
}

static void wp(const char *what, pid_t pid, int opts, pid_t expect) {
    int st = 0;
    pid_t r = waitpid(pid, &st, opts);
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else if (r == 0)
        say("%s: 0\n", what);
    else
        say("%s: %s %s\n", what, r == expect ? "the child" : "other", wstatus(st));
}

int main(void) {
    pid_t k = clone_child(0, 5, 0);
    usleep(100000);
    wp("clone child (exit signal 0): waitpid(pid, 0)", k, 0, k);
    wp("waitpid(-1, WNOHANG)", -1, WNOHANG, k);
    wp("waitpid(pid, __WCLONE)", k, __WCLONE, k);

    k = clone_child(0, 6, 0);
    usleep(100000);
    wp("another: waitpid(-1, __WALL)", -1, __WALL, k);

    pid_t c = fork();
    if (c == 0)
        _exit(7);
    usleep(100000);
    wp("normal child: waitpid(pid, __WCLONE)", c, __WCLONE, c);
    wp("normal child: waitpid(pid, __WALL)", c, __WALL, c);

    /* A clone child with SIGUSR1 as its exit signal also counts as a clone child. */
    signal(SIGUSR1, SIG_IGN);
    k = clone_child(SIGUSR1, 8, 0);
    usleep(100000);
    wp("exit signal SIGUSR1: waitpid(pid, 0)", k, 0, k);
    wp("exit signal SIGUSR1: waitpid(pid, __WCLONE)", k, __WCLONE, k);

    k = clone_child(0, 9, 0);
    usleep(100000);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK("waitid(P_PID, WEXITED) on a clone child", waitid(P_PID, k, &si, WEXITED | WNOHANG));
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, k, &si, WEXITED | __WCLONE);
    say("waitid(P_PID, WEXITED|__WCLONE): %d status %d signo %d\n", r, si.si_status, si.si_signo);

    k = clone_child(0, 10, 100);
    wp("blocking waitpid(pid, __WALL) on a running clone child", k, __WALL, k);

    c = fork();
    if (c == 0)
        _exit(11);
    wp("waitpid(pid, __WNOTHREAD)", c, __WNOTHREAD, c);
    CHECK("waitpid with an unknown option bit", waitpid(-1, NULL, 0x100));
    CHECK("waitid with __WALL and no children", waitid(P_ALL, 0, &si, WEXITED | __WALL | WNOHANG));
    return 0;
}
