/* Timer overruns: a periodic timer whose signal stays blocked queues one signal only (even a
   real-time one); the expiries in between are counted in si_overrun and timer_getoverrun. */
#include "common.h"
#include <time.h>

struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

static int take(int sig, siginfo_t *si, long sec) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec ts = {sec, 0};
    memset(si, 0, sizeof *si);
    return (int)syscall(SYS_rt_sigtimedwait, &s, si, &ts, 8);
}

int main(void) {
    int sig = SIGRTMIN + 2;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
    struct ksigevent ev = {.value.sival_int = 3, .signo = sig, .notify = SIGEV_SIGNAL};
    int id = -1;
    CHECK("timer_create", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    CHECK("timer_getoverrun before any expiry", syscall(SYS_timer_getoverrun, id));
    struct itimerspec per = {{0, 2000000}, {0, 2000000}};
    syscall(SYS_timer_settime, id, 0, &per, NULL);
    usleep(300000); /* about 150 expiries */
    struct itimerspec off = {{0, 0}, {0, 0}};
    siginfo_t si;
    int r = take(sig, &si, 5);
    long gov = syscall(SYS_timer_getoverrun, id);
    syscall(SYS_timer_settime, id, 0, &off, NULL);
    say("first signal: %s, code %s value %d, si_overrun > 20: %s, timer_getoverrun equals si_overrun: %s\n",
        r == sig ? "ok" : errname(errno), si.si_code == SI_TIMER ? "SI_TIMER" : "other", si.si_value.sival_int,
        YESNO(si.si_overrun > 20), YESNO(gov == si.si_overrun));
    r = take(sig, &si, 0);
    say("a second queued instance: %s\n", r == sig ? "yes" : errname(errno));

    /* Re-armed one-shot: no overrun. */
    struct itimerspec once = {{0, 0}, {0, 10000000}};
    syscall(SYS_timer_settime, id, 0, &once, NULL);
    r = take(sig, &si, 5);
    say("one-shot: %s, overrun %d, timer_getoverrun %ld\n", r == sig ? "ok" : errname(errno), si.si_overrun,
        syscall(SYS_timer_getoverrun, id));

    /* Deleting a timer whose signal is pending. */
    syscall(SYS_timer_settime, id, 0, &once, NULL);
    usleep(100000);
    sigset_t pend;
    sigpending(&pend);
    say("expired and pending: %s\n", YESNO(sigismember(&pend, sig)));
    CHECK("timer_delete", syscall(SYS_timer_delete, id));
    sigpending(&pend);
    say("still pending after timer_delete: %s\n", YESNO(sigismember(&pend, sig)));
    r = take(sig, &si, 0);
    say("taken: %s\n", r == sig ? "yes" : errname(errno));
    return 0;
}
