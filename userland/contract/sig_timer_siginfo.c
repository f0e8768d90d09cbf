/* POSIX timers (raw syscalls) with SIGEV_SIGNAL: siginfo of the expiry (SI_TIMER, si_value,
   si_timerid the timer's id, si_overrun), the default sigevent (SIGALRM carrying the timer id),
   SIGEV_NONE, old_value from timer_settime, and the errors. */
#include "common.h"
#include <time.h>

struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

static long tcreate(clockid_t clk, struct ksigevent *ev, int *id) { return syscall(SYS_timer_create, clk, ev, id); }
static long tset(int id, int flags, const struct itimerspec *n, struct itimerspec *o) {
    return syscall(SYS_timer_settime, id, flags, n, o);
}

static void take(const char *what, int sig, int id) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {2, 0};
    long r = syscall(SYS_rt_sigtimedwait, &s, &si, &ts, 8);
    if (r < 0) {
        say("%s: %s\n", what, errname(errno));
        return;
    }
    say("%s: signo %ld code %s value %d timerid ours %s overrun %d errno %d\n", what, r,
        si.si_code == SI_TIMER ? "SI_TIMER" : "other", si.si_value.sival_int, YESNO(si.si_timerid == id), si.si_overrun,
        si.si_errno);
}

int main(void) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    struct itimerspec once = {{0, 0}, {0, 20000000}}, old;
    clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    const char *names[] = {"CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_BOOTTIME"};
    for (int i = 0; i < 3; i++) {
        struct ksigevent ev = {.value.sival_int = 100 + i, .signo = SIGRTMIN + 1, .notify = SIGEV_SIGNAL};
        int id = -1;
        char what[64];
        snprintf(what, sizeof what, "timer_create %s", names[i]);
        CHECK_OK(what, tcreate(clocks[i], &ev, &id));
        tset(id, 0, &once, NULL);
        take("  20 ms expiry", SIGRTMIN + 1, id);
        syscall(SYS_timer_delete, id);
    }

    int id = -1;
    CHECK_OK("timer_create with a NULL sigevent", tcreate(CLOCK_MONOTONIC, NULL, &id));
    tset(id, 0, &once, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {2, 0};
    long r = syscall(SYS_rt_sigtimedwait, &s, &si, &ts, 8);
    if (r < 0)
        say("  default: %s\n", errname(errno));
    else
        say("  default: signal %ld code %s, si_value is the timer id %s\n", r,
            si.si_code == SI_TIMER ? "SI_TIMER" : "other", YESNO(si.si_value.sival_int == id));

    struct itimerspec longer = {{1, 0}, {10, 0}};
    CHECK("timer_settime 10 s, interval 1 s", tset(id, 0, &longer, NULL));
    memset(&old, 0x55, sizeof old);
    CHECK("timer_settime disarm, old value", tset(id, 0, &(struct itimerspec){{0, 0}, {0, 0}}, &old));
    say("  old: value between 9 and 10 s %s, interval %ld.%09ld\n", YESNO(old.it_value.tv_sec == 9),
        (long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
    struct itimerspec cur;
    CHECK("timer_gettime disarmed", syscall(SYS_timer_gettime, id, &cur));
    say("  value 0: %s, interval 0: %s\n", YESNO(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0),
        YESNO(cur.it_interval.tv_sec == 0));
    CHECK("timer_delete", syscall(SYS_timer_delete, id));

    struct ksigevent none = {.notify = SIGEV_NONE};
    CHECK_OK("timer_create SIGEV_NONE", tcreate(CLOCK_MONOTONIC, &none, &id));
    tset(id, 0, &once, NULL);
    usleep(100000);
    syscall(SYS_timer_gettime, id, &cur);
    say("  expired, no signal: value 0 %s, pending signals none %s\n",
        YESNO(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0),
        YESNO(syscall(SYS_rt_sigtimedwait, &all, NULL, &(struct timespec){0, 0}, 8) < 0));
    syscall(SYS_timer_delete, id);

    struct ksigevent ev = {.signo = SIGUSR1, .notify = SIGEV_SIGNAL};
    CHECK("timer_create bad clock", tcreate(99, &ev, &id));
    ev.signo = 0;
    CHECK("timer_create signal 0", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.signo = 65;
    CHECK("timer_create signal 65", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.signo = SIGUSR1;
    ev.notify = 99;
    CHECK("timer_create notify 99", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.notify = SIGEV_SIGNAL;
    CHECK("timer_create bad sigevent pointer", tcreate(CLOCK_MONOTONIC, (void *)8, &id));
    CHECK("timer_create bad id pointer", tcreate(CLOCK_MONOTONIC, &ev, (void *)8));
    CHECK("timer_settime unknown id", tset(12345, 0, &once, NULL));
    CHECK("timer_getoverrun unknown id", syscall(SYS_timer_getoverrun, 12345));
    CHECK("timer_delete unknown id", syscall(SYS_timer_delete, 12345));
    tcreate(CLOCK_MONOTONIC, &ev, &id);
    CHECK("timer_settime nsec 1e9", tset(id, 0, &(struct itimerspec){{0, 0}, {0, 1000000000}}, NULL));
    CHECK("timer_settime negative interval", tset(id, 0, &(struct itimerspec){{-1, 0}, {1, 0}}, NULL));
    CHECK("timer_settime bad pointer", tset(id, 0, (void *)8, NULL));
    syscall(SYS_timer_delete, id);
    return 0;
}
