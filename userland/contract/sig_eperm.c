/* Permission to send signals: an unprivileged process (uid 65534) cannot signal root processes
   (EPERM, also for signal 0 and for tgkill/rt_sigqueueinfo), can signal others with the same uid,
   and can always send SIGCONT within its session; ESRCH wins over EPERM for nonexistent pids. */
#include "common.h"

static int ready[2];

static volatile int parent_hits;
static void on_usr1(int s) { parent_hits++; }

static const char *try(long r) { return r < 0 ? errname(errno) : "ok"; }

int main(void) {
    signal(SIGUSR1, on_usr1); /* counts what gets through instead of dying */
    /* A root target (a child of ours that waits to be killed). */
    pid_t root_kid = fork();
    if (root_kid == 0) {
        signal(SIGCONT, SIG_IGN);
        for (;;)
            pause();
    }
    /* A target that runs as uid 65534. */
    pipe(ready);
    pid_t nobody_kid = fork();
    if (nobody_kid == 0) {
        setuid(65534);
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    char b;
    read(ready[0], &b, 1);

    int out[2];
    pipe(out);
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) < 0)
            _exit(90);
        char buf[1024];
        int n = 0;
        pid_t parent = getppid();
        n += snprintf(buf + n, sizeof buf - n, "kill(root parent, SIGUSR1): %s\n", try(kill(parent, SIGUSR1)));
        n += snprintf(buf + n, sizeof buf - n, "kill(root parent, 0): %s\n", try(kill(parent, 0)));
        n += snprintf(buf + n, sizeof buf - n, "kill(root sibling, SIGTERM): %s\n", try(kill(root_kid, SIGTERM)));
        n += snprintf(buf + n, sizeof buf - n, "kill(init, 0): %s\n", try(kill(1, 0)));
        n += snprintf(buf + n, sizeof buf - n, "tgkill(root parent): %s\n",
                      try(syscall(SYS_tgkill, parent, parent, SIGUSR1)));
        n += snprintf(buf + n, sizeof buf - n, "tkill(root parent): %s\n", try(syscall(SYS_tkill, parent, SIGUSR1)));
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_code = SI_QUEUE;
        n += snprintf(buf + n, sizeof buf - n, "rt_sigqueueinfo(root parent): %s\n",
                      try(syscall(SYS_rt_sigqueueinfo, parent, SIGUSR1, &si)));
        n += snprintf(buf + n, sizeof buf - n, "kill(nonexistent, SIGTERM): %s\n", try(kill(0x3fffffff, SIGTERM)));
        n += snprintf(buf + n, sizeof buf - n, "kill(same-uid sibling, 0): %s\n", try(kill(nobody_kid, 0)));
        n += snprintf(buf + n, sizeof buf - n, "kill(self, 0): %s\n", try(kill(getpid(), 0)));
        n += snprintf(buf + n, sizeof buf - n, "kill(root sibling, SIGCONT) (same session): %s\n",
                      try(kill(root_kid, SIGCONT)));
        n += snprintf(buf + n, sizeof buf - n, "kill(root parent, SIGCONT) (same session): %s\n",
                      try(kill(parent, SIGCONT)));
        /* kill(-pgrp): some members allowed, some not: success if any was signalled. */
        n += snprintf(buf + n, sizeof buf - n, "kill(0, 0) (our group: root members and us): %s\n", try(kill(0, 0)));
        n += snprintf(buf + n, sizeof buf - n, "kill(same-uid sibling, SIGTERM): %s\n",
                      try(kill(nobody_kid, SIGTERM)));
        write(out[1], buf, n);
        _exit(0);
    }
    signal(SIGCONT, SIG_IGN);
    say("unprivileged child: %s\n", reap(c));
    char buf[1024];
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        say("%s", buf);
    }
    say("SIGUSR1 that reached us: %d\n", parent_hits);
    say("same-uid sibling: %s\n", reap(nobody_kid));
    CHECK("root sibling still alive", kill(root_kid, 0));
    kill(root_kid, SIGKILL);
    say("root sibling: %s\n", reap(root_kid));

    /* A root process with euid 65534 (ruid 0) may signal root: the real uid counts. */
    c = fork();
    if (c == 0) {
        if (seteuid(65534) < 0)
            _exit(90);
        _exit(kill(getppid(), 0) < 0 ? errno : 0);
    }
    int st;
    waitpid(c, &st, 0);
    say("ruid 0 euid 65534 -> kill(root parent, 0): %s\n", WEXITSTATUS(st) ? errname(WEXITSTATUS(st)) : "ok");
    /* A process with ruid 65534 but euid 0 keeps CAP_KILL. */
    c = fork();
    if (c == 0) {
        if (setreuid(65534, 0) < 0)
            _exit(90);
        _exit(kill(1, 0) < 0 ? errno : 0);
    }
    waitpid(c, &st, 0);
    say("ruid 65534 euid 0 -> kill(init, 0): %s\n", WEXITSTATUS(st) ? errname(WEXITSTATUS(st)) : "ok");
    return 0;
}
