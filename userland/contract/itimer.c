/* setitimer/getitimer ITIMER_REAL with SIGALRM, periodic timers, alarm(). */
#include "common.h"
#include <sys/time.h>

static volatile int alarms;
static void on_alarm(int s) { alarms++; }

int main(void) {
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 0}, {0, 30000}}, old, cur;
    CHECK("setitimer 30 ms one-shot", setitimer(ITIMER_REAL, &it, &old));
    say("old value was disarmed: %s\n", YESNO(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0));
    CHECK("pause", pause());
    say("SIGALRM count: %d\n", alarms);
    getitimer(ITIMER_REAL, &cur);
    say("disarmed after firing: %s\n", YESNO(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0));
    it.it_value.tv_sec = 10;
    it.it_value.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &cur);
    say("10 s timer: remaining between 9 and 10 s: %s\n",
        YESNO(cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_usec == 0)));
    struct itimerval zero = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &zero, &old);
    say("disarm returns the remaining time: %s\n", YESNO(old.it_value.tv_sec >= 9));
    it.it_interval.tv_usec = 20000;
    it.it_value.tv_sec = 0;
    it.it_value.tv_usec = 20000;
    alarms = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 3)
        pause();
    setitimer(ITIMER_REAL, &zero, NULL);
    getitimer(ITIMER_REAL, &cur);
    say("periodic 20 ms timer fired %d times, then disarmed: %s\n", alarms,
        YESNO(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0 && cur.it_interval.tv_usec == 0));
    CHECK("setitimer bad which", setitimer(42, &it, NULL));
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    CHECK("setitimer usec 1000000", setitimer(ITIMER_REAL, &bad, NULL));
    CHECK("getitimer bad which", getitimer(42, &cur));
    CHECK("ITIMER_VIRTUAL query", getitimer(ITIMER_VIRTUAL, &cur));
    CHECK("ITIMER_PROF query", getitimer(ITIMER_PROF, &cur));

    CHECK("alarm(5) returns the previous (none)", alarm(5));
    CHECK("alarm(0) returns the remaining seconds", alarm(0));
    alarms = 0;
    alarm(1);
    pause();
    say("alarm(1) delivered SIGALRM: %d\n", alarms);
    alarm(100);
    pid_t c = fork();
    if (c == 0) {
        _exit(alarm(0) == 0 ? 0 : 1);
    }
    say("a forked child does not inherit the alarm: %s\n", reap(c));
    alarm(0);
    c = fork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        pause();
        _exit(0);
    }
    say("alarm with default action: %s\n", reap(c));
    return 0;
}
