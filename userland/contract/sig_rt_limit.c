/* RLIMIT_SIGPENDING: sigqueue of a real-time signal beyond the limit fails with EAGAIN, kill() of
   one never fails; what gets delivered afterwards. */
#include "common.h"
#include <sys/resource.h>

static int sigs[64], vals[64], codes[64], n;
static void h(int sig, siginfo_t *si, void *uc) {
    if (n < 64) {
        sigs[n] = sig;
        vals[n] = si->si_value.sival_int;
        codes[n] = si->si_code;
        n++;
    }
}

int main(void) {
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {4, 4};
        CHECK("setrlimit(RLIMIT_SIGPENDING, 4)", setrlimit(RLIMIT_SIGPENDING, &rl));
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = h;
        sa.sa_flags = SA_SIGINFO;
        sigfillset(&sa.sa_mask);
        sigaction(SIGRTMIN, &sa, NULL);
        sigaction(SIGRTMIN + 1, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int i = 1; i <= 6; i++) {
            char what[40];
            snprintf(what, sizeof what, "sigqueue SIGRTMIN #%d", i);
            CHECK(what, sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = i}));
        }
        CHECK("sigqueue SIGRTMIN+1 at the limit", sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 7}));
        CHECK("kill SIGRTMIN+1 at the limit", kill(getpid(), SIGRTMIN + 1));
        CHECK("sigqueue SIGUSR1 at the limit", sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 8}));
        sigprocmask(SIG_SETMASK, &none, NULL);
        say("deliveries: %d:", n);
        for (int i = 0; i < n; i++)
            say(" %s%d:%s(%d)", sigs[i] >= SIGRTMIN ? "RTMIN+" : "", sigs[i] >= SIGRTMIN ? sigs[i] - SIGRTMIN : sigs[i],
                codes[i] == SI_QUEUE ? "queue" : codes[i] == SI_USER ? "user" : "other", codes[i] == SI_QUEUE ? vals[i] : 0);
        say("\n");
        n = 0;
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int i = 1; i <= 4; i++)
            sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = i});
        sigprocmask(SIG_SETMASK, &none, NULL);
        say("after the queue drained, 4 more fit: %d deliveries\n", n);
        rl.rlim_cur = rl.rlim_max = 0;
        setrlimit(RLIMIT_SIGPENDING, &rl);
        sigprocmask(SIG_SETMASK, &all, NULL);
        CHECK("limit 0: sigqueue SIGRTMIN", sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 1}));
        CHECK("limit 0: kill SIGRTMIN", kill(getpid(), SIGRTMIN));
        CHECK("limit 0: raise SIGUSR1", raise(SIGUSR1));
        n = 0;
        sigprocmask(SIG_SETMASK, &none, NULL);
        say("limit 0: deliveries %d\n", n);
        _exit(0);
    }
    say("child: %s\n", reap(c));
    return 0;
}
