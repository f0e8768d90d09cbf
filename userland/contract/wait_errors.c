/* wait4/waitid error paths: ECHILD for non-children (a grandchild, our parent, init), ESRCH for
   pid INT_MIN, EINVAL for bad options and idtypes, EFAULT for bad pointers; WNOHANG returns 0
   only when a matching child exists. */
#include "common.h"

int main(void) {
    int st;
    siginfo_t si;
    CHECK("wait4(-1) with no children", wait4(-1, &st, 0, NULL));
    CHECK("wait4(-1, WNOHANG) with no children", wait4(-1, &st, WNOHANG, NULL));
    CHECK("wait4(our parent)", wait4(getppid(), &st, 0, NULL));
    CHECK("wait4(1)", wait4(1, &st, 0, NULL));
    CHECK("wait4(self)", wait4(getpid(), &st, 0, NULL));
    CHECK("wait4(INT_MIN)", wait4((pid_t)0x80000000, &st, 0, NULL));
    CHECK("wait4(-INT_MAX) (no such group)", wait4(-0x7fffffff, &st, WNOHANG, NULL));

    int p[2], go[2];
    pipe(p);
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            char b;
            read(go[0], &b, 1);
            _exit(0);
        }
        write(p[1], &g, sizeof g);
        int s2;
        waitpid(g, &s2, 0);
        _exit(0);
    }
    pid_t g;
    read(p[0], &g, sizeof g);
    CHECK("wait4(grandchild)", wait4(g, &st, WNOHANG, NULL));
    CHECK("wait4(child, WNOHANG) while it runs", wait4(c, &st, WNOHANG, NULL));
    CHECK("wait4 options WEXITED (not a wait4 option)", wait4(c, &st, WEXITED, NULL));
    CHECK("wait4 options WNOWAIT", wait4(c, &st, WNOWAIT, NULL));
    CHECK("wait4 options 0x10000", wait4(c, &st, 0x10000, NULL));
    CHECK("wait4 bad status pointer, nothing to reap (WNOHANG)", wait4(c, (void *)8, WNOHANG, NULL));
    CHECK("waitid options 0", waitid(P_PID, c, &si, 0));
    CHECK("waitid options WNOHANG only", waitid(P_PID, c, &si, WNOHANG));
    CHECK("waitid unknown option bit", waitid(P_PID, c, &si, WEXITED | 0x10000));
    CHECK("waitid idtype 42", waitid(42, c, &si, WEXITED));
    CHECK("waitid P_PID 0", waitid(P_PID, 0, &si, WEXITED));
    CHECK("waitid P_PID -1", waitid(P_PID, -1, &si, WEXITED));
    CHECK("waitid P_PID grandchild", waitid(P_PID, g, &si, WEXITED | WNOHANG));
    CHECK("waitid P_PGID -1", waitid(P_PGID, -1, &si, WEXITED));
    CHECK("waitid P_ALL ignores the id", waitid(P_ALL, 12345, &si, WEXITED | WNOHANG));
    CHECK("waitid(P_PIDFD, 999 (not an fd))", syscall(SYS_waitid, 3 /* P_PIDFD */, 999, &si, WEXITED, NULL));
    CHECK("waitid(P_PIDFD, a pipe fd)", syscall(SYS_waitid, 3, p[0], &si, WEXITED, NULL));
    CHECK("waitid bad rusage pointer, nothing to reap (WNOHANG)",
          syscall(SYS_waitid, P_PID, c, &si, WEXITED | WNOHANG, (void *)8));
    write(go[1], "g", 1);
    say("child: %s\n", reap(c));
    CHECK("wait4 after reaping it", wait4(c, &st, 0, NULL));

    c = fork();
    if (c == 0)
        _exit(3);
    usleep(100000);
    CHECK("waitid bad infop pointer with a zombie", waitid(P_PID, c, (void *)8, WEXITED));
    CHECK("zombie reaped anyway", waitid(P_PID, c, &si, WEXITED | WNOHANG));
    c = fork();
    if (c == 0)
        _exit(4);
    usleep(100000);
    CHECK("waitid NULL infop (raw), reaps", syscall(SYS_waitid, P_PID, c, NULL, WEXITED, NULL));
    CHECK("gone", waitid(P_PID, c, &si, WEXITED | WNOHANG));
    return 0;
}
