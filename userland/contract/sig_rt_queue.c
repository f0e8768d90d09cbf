/* Real-time signals queue (every instance delivered, values in order, lower numbers first),
   standard signals coalesce (one delivery, the first instance's siginfo). */
#include "common.h"

static int log_sig[64], log_val[64], log_code[64], n;

static void h(int sig, siginfo_t *si, void *uc) {
    if (n < 64) {
        log_sig[n] = sig;
        log_val[n] = si->si_value.sival_int;
        log_code[n] = si->si_code;
        n++;
    }
}

static void show(const char *what) {
    say("%s: %d deliveries:", what, n);
    for (int i = 0; i < n; i++) {
        if (log_sig[i] >= SIGRTMIN)
            say(" RTMIN+%d", log_sig[i] - SIGRTMIN);
        else
            say(" %d", log_sig[i]);
        if (log_code[i] == SI_QUEUE)
            say("(%d)", log_val[i]);
        else if (log_code[i] == SI_USER)
            say("(user)");
        else if (log_code[i] == SI_TKILL)
            say("(tkill)");
    }
    say("\n");
    n = 0;
}

static void q(int sig, int v) { sigqueue(getpid(), sig, (union sigval){.sival_int = v}); }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask); /* handlers run one after another */
    int sigs[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 5, SIGRTMAX};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);

    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int i = 1; i <= 5; i++)
        q(SIGRTMIN, i);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGRTMIN queued 5 times with values 1..5");

    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int i = 1; i <= 5; i++)
        q(SIGUSR1, i);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGUSR1 queued 5 times with values 1..5");

    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int i = 0; i < 5; i++)
        kill(getpid(), SIGUSR2);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGUSR2 sent with kill 5 times");

    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int i = 0; i < 3; i++)
        kill(getpid(), SIGRTMIN + 1);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGRTMIN+1 sent with kill 3 times");

    sigprocmask(SIG_SETMASK, &all, NULL);
    q(SIGRTMIN + 5, 1);
    q(SIGRTMIN, 2);
    kill(getpid(), SIGRTMIN + 1);
    q(SIGRTMIN + 5, 3);
    q(SIGRTMAX, 4);
    q(SIGRTMIN, 5);
    q(SIGTERM, 6);
    raise(SIGUSR2);
    q(SIGRTMIN + 1, 7);
    q(SIGUSR1, 8);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("interleaved standard and real-time");

    /* Thread-directed and process-directed instances of a real-time signal are separate queues. */
    sigprocmask(SIG_SETMASK, &all, NULL);
    q(SIGRTMIN, 1);
    raise(SIGRTMIN);
    q(SIGRTMIN, 2);
    raise(SIGRTMIN);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("SIGRTMIN: sigqueue, raise, sigqueue, raise");

    /* Real-time signals delivered to nesting handlers (no sa_mask): later ones interrupt earlier. */
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    sigprocmask(SIG_SETMASK, &all, NULL);
    q(SIGRTMIN, 1);
    q(SIGRTMIN, 2);
    q(SIGRTMIN + 1, 3);
    sigprocmask(SIG_SETMASK, &none, NULL);
    show("nesting handlers (recorded on entry)");
    return 0;
}
