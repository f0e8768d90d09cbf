/* rt_sigaction: install/query, siginfo codes (SI_USER/SI_TKILL/SI_QUEUE), SA_RESETHAND, SA_NODEFER,
   sa_mask during a handler, invalid signals. */
#include "common.h"

static volatile int hits, last_code, last_signo, last_pid_ok, blocked_in_handler, usr2_blocked_in_handler;
static volatile int last_value;

static const char *code(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    last_signo = si->si_signo;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid() && si->si_uid == 0;
    last_value = si->si_value.sival_int;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_in_handler = sigismember(&cur, sig);
    usr2_blocked_in_handler = sigismember(&cur, SIGUSR2);
}

static void plain(int sig) { hits++; }

int main(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    CHECK("install SIGUSR1 handler", sigaction(SIGUSR1, &sa, &old));
    say("previous action was SIG_DFL: %s\n", YESNO(old.sa_handler == SIG_DFL));
    CHECK("query", sigaction(SIGUSR1, NULL, &old));
    say("query returns our handler: %s, SA_SIGINFO kept: %s\n", YESNO(old.sa_sigaction == h),
        YESNO(old.sa_flags & SA_SIGINFO));
    raise(SIGUSR1);
    say("raise: hits %d signo %d code %s, signal blocked inside handler: %s\n", hits, last_signo, code(last_code),
        YESNO(blocked_in_handler));
    kill(getpid(), SIGUSR1);
    say("kill: hits %d code %s, si_pid/si_uid are ours: %s\n", hits, code(last_code), YESNO(last_pid_ok));
    union sigval v = {.sival_int = 42};
    sigaction(SIGUSR2, &sa, NULL);
    sigqueue(getpid(), SIGUSR2, v);
    say("sigqueue: hits %d signo %d code %s value %d\n", hits, last_signo, code(last_code), last_value);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    say("mask restored after handlers: %s\n", YESNO(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2)));

    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("SA_NODEFER: signal blocked inside handler: %s\n", YESNO(blocked_in_handler));
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("sa_mask {SIGUSR2}: SIGUSR2 blocked inside handler: %s\n", YESNO(usr2_blocked_in_handler));
    sigemptyset(&sa.sa_mask);

    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    int before = hits;
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    say("SA_RESETHAND: handler ran %d time, disposition now SIG_DFL: %s, blocked inside: %s\n", hits - before,
        YESNO(old.sa_handler == SIG_DFL), YESNO(blocked_in_handler));
    signal(SIGUSR1, SIG_IGN);
    before = hits;
    raise(SIGUSR1);
    say("SIG_IGN: handler ran %d times, still alive\n", hits - before);
    sigaction(SIGUSR1, NULL, &old);
    say("query SIG_IGN: %s\n", YESNO(old.sa_handler == SIG_IGN));
    signal(SIGUSR1, plain);
    say("signal() returned handler is plain: %s\n", YESNO(signal(SIGUSR1, plain) == plain));

    CHECK("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    CHECK("sigaction SIGSTOP", sigaction(SIGSTOP, &sa, NULL));
    CHECK("query SIGKILL", sigaction(SIGKILL, NULL, &old));
    CHECK("sigaction 0", sigaction(0, &sa, NULL));
    CHECK("sigaction 65", sigaction(65, &sa, NULL));
    CHECK("sigaction 64 (SIGRTMAX)", sigaction(64, &sa, NULL));
    CHECK("rt_sigaction bad sigsetsize (raw)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4));
    CHECK("rt_sigaction bad pointer (raw)", syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8));

    /* Handlers are inherited by fork and reset by exec (see execve). */
    hits = 0;
    pid_t c = fork();
    if (c == 0) {
        raise(SIGUSR1);
        _exit(hits == 1 ? 0 : 1);
    }
    say("child inherits the handler: %s\n", reap(c));
    /* Signal handler can modify state and the interrupted code continues correctly. */
    volatile long acc = 0;
    for (int i = 0; i < 100; i++) {
        acc += i;
        if (i % 10 == 0)
            raise(SIGUSR1);
    }
    say("loop with 10 handler interruptions: acc %ld, hits %d\n", (long)acc, hits);
    return 0;
}
