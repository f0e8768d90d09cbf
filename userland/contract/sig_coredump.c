/* Core-dump default action as seen by the parent: with RLIMIT_CORE 0 no core flag; with a big
   limit (cwd /tmp/sig_coredump, dumpable) WCOREDUMP is set and SIGCHLD/waitid report CLD_DUMPED;
   a limit below one page or a non-dumpable process gives no core flag. Only statuses are printed
   (whether a file appears is not part of the contract). */
#include "common.h"
#include <sys/prctl.h>
#include <sys/resource.h>

static int crash(void *arg) {
    long mode = (long)arg;
    struct rlimit rl;
    if (mode == 0)
        rl.rlim_cur = rl.rlim_max = 0;
    else if (mode == 2)
        rl.rlim_cur = rl.rlim_max = 1000;
    else
        rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
    setrlimit(RLIMIT_CORE, &rl);
    if (mode == 3)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    *(volatile int *)0 = 1;
    return 0;
}

static const char *code(int c) {
    return c == CLD_DUMPED ? "CLD_DUMPED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_EXITED ? "CLD_EXITED" : "other";
}

/* An empty working directory for the next dump. */
static void fresh_dir(void) {
    chdir("/");
    remove_tree("/tmp/sig_coredump");
    mkdir("/tmp/sig_coredump", 0755);
    chdir("/tmp/sig_coredump");
}

int main(void) {
    fresh_dir();
    const char *what[] = {"RLIMIT_CORE 0", "RLIMIT_CORE unlimited", "RLIMIT_CORE 1000 bytes",
                          "RLIMIT_CORE unlimited, PR_SET_DUMPABLE 0"};
    for (long m = 0; m < 4; m++) {
        pid_t c = spawn(crash, (void *)m);
        int st;
        waitpid(c, &st, 0);
        say("%s: %s, WCOREDUMP %s\n", what[m], wstatus(st), YESNO(WIFSIGNALED(st) && WCOREDUMP(st)));
        fresh_dir();
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t c = spawn(crash, (void *)1);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {10, 0};
    syscall(SYS_rt_sigtimedwait, &chld, &si, &ts, 8);
    say("SIGCHLD: code %s status %d\n", code(si.si_code), si.si_status);
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WEXITED);
    say("waitid: code %s status %d\n", code(si.si_code), si.si_status);
    fresh_dir();

    c = spawn(crash, (void *)0);
    memset(&si, 0, sizeof si);
    syscall(SYS_rt_sigtimedwait, &chld, &si, &ts, 8);
    say("RLIMIT_CORE 0: SIGCHLD code %s status %d\n", code(si.si_code), si.si_status);
    reap(c);

    /* Other core-action signals, raised with a big limit. */
    int sigs[] = {SIGQUIT, SIGABRT, SIGILL, SIGTRAP, SIGFPE, SIGBUS, SIGSYS, SIGXCPU, SIGXFSZ};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        c = fork();
        if (c == 0) {
            struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
            setrlimit(RLIMIT_CORE, &rl);
            raise(sigs[i]);
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        say("raise(%d) with a core limit: %s\n", sigs[i], wstatus(st));
        syscall(SYS_rt_sigtimedwait, &chld, NULL, &(struct timespec){0, 0}, 8);
        fresh_dir();
    }
    c = fork();
    if (c == 0) {
        struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
        setrlimit(RLIMIT_CORE, &rl);
        raise(SIGTERM);
        _exit(0);
    }
    say("raise(SIGTERM) (terminate, not core) with a core limit: %s\n", reap(c));
    chdir("/");
    remove_tree("/tmp/sig_coredump");
    return 0;
}
