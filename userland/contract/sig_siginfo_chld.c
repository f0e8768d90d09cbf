/* SIGCHLD siginfo (taken with rt_sigtimedwait): CLD_EXITED with the exit code, CLD_KILLED with the
   signal, CLD_STOPPED/CLD_CONTINUED with the stop signal / SIGCONT, si_pid the child, si_uid the
   child's real uid. */
#include "common.h"
#include <time.h>

static const char *code(int c) {
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case CLD_TRAPPED: return "CLD_TRAPPED";
    default: return "other";
    }
}

static sigset_t chld;

static void next(const char *what, pid_t c) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {5, 0};
    long r = syscall(SYS_rt_sigtimedwait, &chld, &si, &ts, 8);
    if (r < 0) {
        say("%s: %s\n", what, errname(errno));
        return;
    }
    say("%s: signo %d code %s status %d pid %s uid %d errno %d\n", what, si.si_signo, code(si.si_code), si.si_status,
        si.si_pid == c ? "=child" : "other", (int)si.si_uid, si.si_errno);
}

int main(void) {
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int codes[] = {0, 1, 255, 256 + 7};
    for (unsigned i = 0; i < 4; i++) {
        pid_t c = fork();
        if (c == 0)
            _exit(codes[i]);
        char what[32];
        snprintf(what, sizeof what, "_exit(%d)", codes[i]);
        next(what, c);
        say("  wait: %s\n", reap(c));
    }
    int sigs[] = {SIGTERM, SIGKILL, SIGUSR1, SIGRTMIN + 4};
    for (unsigned i = 0; i < 4; i++) {
        pid_t c = fork();
        if (c == 0) {
            for (;;)
                pause();
        }
        kill(c, sigs[i]);
        char what[40];
        snprintf(what, sizeof what, "killed by %d", sigs[i]);
        next(what, c);
        say("  wait: %s\n", reap(c));
    }
    int p[2];
    pipe(p);
    int stops[] = {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
    for (unsigned i = 0; i < 4; i++) {
        pid_t c = fork();
        if (c == 0) {
            setpgid(0, 0); /* not orphaned: the terminal stop signals act */
            write(p[1], "r", 1);
            for (;;)
                pause();
        }
        char b;
        read(p[0], &b, 1);
        kill(c, stops[i]);
        char what[40];
        snprintf(what, sizeof what, "stopped by %d", stops[i]);
        next(what, c);
        kill(c, SIGCONT);
        next("  continued", c);
        kill(c, SIGKILL);
        next("  then SIGKILL", c);
        reap(c);
    }
    pid_t c = fork();
    if (c == 0) {
        setuid(65534);
        _exit(4);
    }
    next("child with uid 65534 exits", c);
    reap(c);
    c = fork();
    if (c == 0) {
        setuid(65534);
        raise(SIGSEGV);
        _exit(4);
    }
    next("child with uid 65534 raises SIGSEGV", c);
    say("  wait: %s\n", reap(c));
    return 0;
}
