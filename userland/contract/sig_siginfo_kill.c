/* siginfo for kill/tkill/tgkill/raise: si_code SI_USER or SI_TKILL, si_pid the sender, si_uid the
   sender's real uid (even when its effective uid differs). */
#include "common.h"

static volatile int hits, g_signo, g_code, g_pid, g_uid, g_errno;

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    g_signo = si->si_signo;
    g_code = si->si_code;
    g_pid = si->si_pid;
    g_uid = si->si_uid;
    g_errno = si->si_errno;
}

static const char *code(int c) {
    return c == SI_USER ? "SI_USER" : c == SI_TKILL ? "SI_TKILL" : c == SI_QUEUE ? "SI_QUEUE" : c == SI_KERNEL ? "SI_KERNEL" : "other";
}

static void show(const char *what, pid_t sender) {
    say("%s: hits %d signo %d code %s errno %d pid %s uid %d\n", what, hits, g_signo, code(g_code), g_errno,
        g_pid == sender ? "=sender" : g_pid == 0 ? "0" : "other", g_uid);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    pid_t me = getpid();
    kill(me, SIGUSR1);
    show("kill(self)", me);
    kill(0, SIGUSR2);
    show("kill(0) (own group)", me);
    kill(-getpgrp(), SIGUSR1);
    show("kill(-pgrp)", me);
    syscall(SYS_tkill, gettid(), SIGUSR2);
    show("tkill(self)", me);
    syscall(SYS_tgkill, me, gettid(), SIGUSR1);
    show("tgkill(self)", me);
    raise(SIGUSR2);
    show("raise", me);
    kill(me, SIGRTMIN + 1);
    show("kill(self, SIGRTMIN+1)", me);

    sigset_t s, none;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigemptyset(&none);
    int p[2];
    pipe(p);
    struct {
        const char *what;
        int how; /* 0: plain, 1: setreuid(65534, 0), 2: setresuid(0, 65534, 0), 3: tgkill, 4: setuid(65534) */
    } cases[] = {{"kill from a child", 0},
                 {"kill from a child with ruid 65534 euid 0", 1},
                 {"kill from a child with ruid 0 euid 65534", 2},
                 {"tgkill from a child", 3},
                 {"kill from a child with all uids 65534", 4}};
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        sigprocmask(SIG_BLOCK, &s, NULL);
        hits = 0;
        pid_t c = fork();
        if (c == 0) {
            long r = 0;
            if (cases[i].how == 1)
                r = setreuid(65534, 0);
            else if (cases[i].how == 2)
                r = setresuid(0, 65534, 0);
            else if (cases[i].how == 4)
                r = setuid(65534);
            if (r < 0)
                _exit(90);
            if (cases[i].how == 3)
                r = syscall(SYS_tgkill, getppid(), getppid(), SIGUSR1);
            else
                r = kill(getppid(), SIGUSR1);
            _exit(r < 0 ? errno : 0);
        }
        int st;
        waitpid(c, &st, 0);
        say("%s: child %s (%s)\n", cases[i].what, wstatus(st),
            WIFEXITED(st) && WEXITSTATUS(st) ? errname(WEXITSTATUS(st)) : "sent");
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        if (hits)
            show("  received", c);
        else
            say("  nothing received\n");
    }
    return 0;
}
