// Regression (stress suite, kill_storm): real-time signals sent by kill() beyond
// RLIMIT_SIGPENDING were all queued; Linux sets only the pending bit for them (no queue entry).
/* RLIMIT_SIGPENDING: with the limit at 10, a process blocks SIGRTMIN and sends itself 30
   with kill() and then 30 with sigqueue(); it counts what sigtimedwait returns.
   Linux: kill() never fails, but beyond the limit the signal is not queued (only its pending
   bit is set, which adds nothing while queued instances remain): 10 arrive. sigqueue() fails
   with EAGAIN beyond the limit: 10 succeed, 10 arrive. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
static int drain(sigset_t *s) {
    struct timespec zero = {0, 0};
    int n = 0;
    while (sigtimedwait(s, NULL, &zero) > 0)
        n++;
    return n;
}
int main(void) {
    struct rlimit rl = {10, 10};
    if (setrlimit(RLIMIT_SIGPENDING, &rl) < 0)
        perror("setrlimit");
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int fails = 0;
    for (int i = 0; i < 30; i++)
        if (kill(getpid(), SIGRTMIN) < 0)
            fails++;
    printf("kill x30: %d failed, %d arrived\n", fails, drain(&s));
    int ok = 0, eagain = 0;
    for (int i = 0; i < 30; i++) {
        union sigval v = {.sival_int = i};
        if (sigqueue(getpid(), SIGRTMIN, v) == 0)
            ok++;
        else if (errno == EAGAIN)
            eagain++;
    }
    printf("sigqueue x30: %d ok, %d EAGAIN, %d arrived\n", ok, eagain, drain(&s));
    return 0;
}
