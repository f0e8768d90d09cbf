/* timer_create/timer_settime/timer_gettime/timer_delete with SIGEV_SIGNAL. */
#include "common.h"
#include <time.h>

static volatile int hits, code, value;
static void h(int s, siginfo_t *si, void *uc) {
    hits++;
    code = si->si_code;
    value = si->si_value.sival_int;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 1234;
    timer_t t;
    CHECK("timer_create CLOCK_MONOTONIC", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec its = {{0, 0}, {0, 20000000}}, cur;
    CHECK("timer_settime 20 ms", timer_settime(t, 0, &its, NULL));
    while (!hits)
        pause();
    say("fired: hits %d, si_code SI_TIMER: %s, value %d\n", hits, YESNO(code == SI_TIMER), value);
    CHECK("timer_gettime", timer_gettime(t, &cur));
    say("disarmed: %s\n", YESNO(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0));
    its.it_value.tv_sec = 5;
    its.it_value.tv_nsec = 0;
    timer_settime(t, 0, &its, NULL);
    timer_gettime(t, &cur);
    say("5 s timer: remaining between 4 and 5 s: %s\n", YESNO(cur.it_value.tv_sec == 4 || cur.it_value.tv_sec == 5));
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 10000000;
    its.it_interval.tv_nsec = 10000000;
    hits = 0;
    timer_settime(t, 0, &its, NULL);
    while (hits < 3)
        pause();
    struct itimerspec off = {{0, 0}, {0, 0}};
    timer_settime(t, 0, &off, NULL);
    say("periodic timer fired at least 3 times: %s\n", YESNO(hits >= 3));
    struct timespec nowt;
    clock_gettime(CLOCK_MONOTONIC, &nowt);
    its.it_value = nowt;
    its.it_value.tv_nsec += 10000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    its.it_interval.tv_sec = its.it_interval.tv_nsec = 0;
    hits = 0;
    CHECK("timer_settime TIMER_ABSTIME", timer_settime(t, TIMER_ABSTIME, &its, NULL));
    while (!hits)
        pause();
    say("absolute timer fired: %d\n", hits);
    CHECK("timer_getoverrun", timer_getoverrun(t));
    CHECK("timer_delete", timer_delete(t));
    CHECK("timer_delete again (raw)", syscall(SYS_timer_delete, 0x7fff));
    CHECK("timer_create bad clock", timer_create(42, &ev, &t));
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    timer_create(CLOCK_REALTIME, &ev, &t);
    CHECK("timer_settime bad nsec", timer_settime(t, 0, &bad, NULL));
    CHECK("timer_gettime bad id (raw)", syscall(SYS_timer_gettime, 0x7fff, &cur));
    ev.sigev_signo = 0;
    ev.sigev_notify = 42;
    CHECK("timer_create bad sigev_notify", timer_create(CLOCK_MONOTONIC, &ev, &t));
    return 0;
}
