/* rt_sigsuspend: the temporary mask replaces (not adds to) the current one, the handler runs with
   that mask plus its own, the old mask is back afterwards, SIGKILL/SIGSTOP in the mask are ignored,
   bad sizes and pointers fail. */
#include "common.h"

static volatile int order[16], n;
static volatile int saw_usr2_blocked, saw_term_blocked, saw_self_blocked, saw_kill_blocked;

static void h(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    if (n < 16)
        order[n++] = sig;
    if (sig == SIGUSR1) {
        saw_usr2_blocked = sigismember(&cur, SIGUSR2);
        saw_term_blocked = sigismember(&cur, SIGTERM);
        saw_self_blocked = sigismember(&cur, SIGUSR1);
        saw_kill_blocked = sigismember(&cur, SIGKILL) || sigismember(&cur, SIGSTOP);
    }
}

static void show(const char *what) {
    say("%s:", what);
    for (int i = 0; i < n; i++)
        say(" %d", order[i]);
    say("\n");
    n = 0;
}

static long ssusp(const sigset_t *m, size_t sz) { return syscall(SYS_rt_sigsuspend, m, sz); }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t both, only2, cur, pend, none;
    sigemptyset(&none);
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    sigaddset(&only2, SIGKILL);
    sigaddset(&only2, SIGSTOP);

    sigprocmask(SIG_SETMASK, &both, NULL);
    raise(SIGUSR1);
    raise(SIGUSR2);
    CHECK("rt_sigsuspend({SIGUSR2, SIGKILL, SIGSTOP}) with SIGUSR1 and SIGUSR2 pending", ssusp(&only2, 8));
    show("handlers run");
    say("inside the SIGUSR1 handler: SIGUSR2 blocked %s, SIGUSR1 blocked %s, SIGTERM blocked %s, SIGKILL/SIGSTOP "
        "blocked %s\n",
        YESNO(saw_usr2_blocked), YESNO(saw_self_blocked), YESNO(saw_term_blocked), YESNO(saw_kill_blocked));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    sigpending(&pend);
    say("after: mask is the old one {SIGUSR1, SIGUSR2}: %s, SIGUSR2 still pending: %s\n",
        YESNO(sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGTERM)),
        YESNO(sigismember(&pend, SIGUSR2)));

    /* Both pending and both unblocked by the temporary mask, handlers without sa_mask: every
       deliverable signal is delivered before returning (the later one's frame runs first). */
    raise(SIGUSR1);
    CHECK("rt_sigsuspend(empty) with SIGUSR1 and SIGUSR2 pending", ssusp(&none, 8));
    show("handlers run");
    /* Handlers that block everything: only one signal is delivered per return, the other stays
       pending because the old mask comes back with the sigreturn. */
    sigfillset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    raise(SIGUSR2);
    CHECK("same with handlers whose sa_mask is full", ssusp(&none, 8));
    show("handlers run");
    sigpending(&pend);
    say("SIGUSR2 pending after: %s\n", YESNO(sigismember(&pend, SIGUSR2)));
    CHECK("rt_sigsuspend again", ssusp(&none, 8));
    show("handlers run");

    /* A signal blocked by the temporary mask does not wake it; one the mask lets through does. */
    sigprocmask(SIG_SETMASK, &none, NULL);
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR2);
        usleep(100000);
        kill(getppid(), SIGTERM);
        _exit(0);
    }
    CHECK("rt_sigsuspend({SIGUSR2}) from an empty mask; child sends SIGUSR2 then SIGTERM", ssusp(&only2, 8));
    show("handlers run");
    say("child: %s\n", reap(c));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("mask empty again: %s\n", YESNO(!sigismember(&cur, SIGUSR2)));

    CHECK("rt_sigsuspend sigsetsize 4", ssusp(&none, 4));
    CHECK("rt_sigsuspend sigsetsize 16", ssusp(&none, 16));
    CHECK("rt_sigsuspend bad pointer", ssusp((void *)8, 8));
    return 0;
}
