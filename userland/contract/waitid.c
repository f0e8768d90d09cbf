/* waitid: P_PID/P_PGID/P_ALL, WEXITED/WNOWAIT/WNOHANG, siginfo fields, EINVAL/ECHILD. */
#include "common.h"

static const char *code(int c) {
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case 0: return "0";
    default: return "?";
    }
}

static void show(const char *what, int r, siginfo_t *si, pid_t c) {
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %d signo %d code %s status %d pid %s uid %d\n", what, r, si->si_signo, code(si->si_code),
            si->si_status, si->si_pid == c ? "=child" : si->si_pid == 0 ? "0" : "other", si->si_uid);
}

int main(void) {
    siginfo_t si;
    pid_t c = fork();
    if (c == 0)
        _exit(7);
    memset(&si, 0x55, sizeof si);
    show("P_PID WEXITED|WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT), &si, c);
    memset(&si, 0x55, sizeof si);
    show("again after WNOWAIT", waitid(P_PID, c, &si, WEXITED), &si, c);
    show("after reaping", waitid(P_PID, c, &si, WEXITED), &si, c);

    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    memset(&si, 0x55, sizeof si);
    show("WNOHANG on running child", waitid(P_PID, c, &si, WEXITED | WNOHANG), &si, c);
    kill(c, SIGKILL);
    show("P_ALL after SIGKILL", waitid(P_ALL, 0, &si, WEXITED), &si, c);

    c = fork();
    if (c == 0)
        _exit(3);
    show("P_PGID own group", waitid(P_PGID, getpgrp(), &si, WEXITED), &si, c);
    c = fork();
    if (c == 0) {
        raise(SIGUSR1);
        _exit(0);
    }
    show("killed by SIGUSR1", waitid(P_PID, c, &si, WEXITED), &si, c);
    show("options 0", waitid(P_ALL, 0, &si, 0), &si, 0);
    show("bad idtype", waitid(42, 0, &si, WEXITED), &si, 0);
    show("no children", waitid(P_ALL, 0, &si, WEXITED), &si, 0);
    show("no children WNOHANG", waitid(P_ALL, 0, &si, WEXITED | WNOHANG), &si, 0);
    show("P_PID not a child", waitid(P_PID, 1, &si, WEXITED), &si, 0);
    c = fork();
    if (c == 0)
        _exit(1);
    CHECK("waitid with NULL infop (raw)", syscall(SYS_waitid, P_PID, c, NULL, WEXITED, NULL));
    return 0;
}
