/* nanosleep/clock_nanosleep: elapsed time at least the request, TIMER_ABSTIME, EINVAL/EINTR. */
#include "common.h"
#include <time.h>

static long long now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_alarm(int s) {}

int main(void) {
    long long t0 = now(CLOCK_MONOTONIC);
    CHECK("nanosleep 10 ms", nanosleep(&(struct timespec){0, 10000000}, NULL));
    say("elapsed >= 10 ms: %s\n", YESNO(now(CLOCK_MONOTONIC) - t0 >= 10000000));
    t0 = now(CLOCK_MONOTONIC);
    say("clock_nanosleep relative 20 ms: %s\n", errname(clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 20000000}, NULL)));
    say("elapsed >= 20 ms: %s\n", YESNO(now(CLOCK_MONOTONIC) - t0 >= 20000000));
    long long target = now(CLOCK_MONOTONIC) + 30000000;
    struct timespec abs = {target / 1000000000, target % 1000000000};
    say("clock_nanosleep TIMER_ABSTIME +30 ms: %s\n", errname(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL)));
    say("woke at or after the deadline: %s\n", YESNO(now(CLOCK_MONOTONIC) >= target));
    long long rt = now(CLOCK_REALTIME) + 20000000;
    struct timespec rabs = {rt / 1000000000, rt % 1000000000};
    say("clock_nanosleep CLOCK_REALTIME TIMER_ABSTIME +20 ms: %s\n", errname(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &rabs, NULL)));
    say("woke at or after the deadline: %s\n", YESNO(now(CLOCK_REALTIME) >= rt));
    t0 = now(CLOCK_MONOTONIC);
    struct timespec past = {1, 0};
    say("TIMER_ABSTIME in the past: %s, returned at once: %s\n",
        errname(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL)), YESNO(now(CLOCK_MONOTONIC) - t0 < 1000000000));
    CHECK("nanosleep 0", nanosleep(&(struct timespec){0, 0}, NULL));
    CHECK("nanosleep nsec 1e9", nanosleep(&(struct timespec){0, 1000000000}, NULL));
    CHECK("nanosleep negative nsec", nanosleep(&(struct timespec){0, -1}, NULL));
    CHECK("nanosleep negative sec", nanosleep(&(struct timespec){-1, 0}, NULL));
    CHECK("nanosleep bad pointer (raw)", syscall(SYS_nanosleep, (void *)8, NULL));
    say("clock_nanosleep bad clock: %s\n", errname(clock_nanosleep(42, 0, &(struct timespec){0, 1}, NULL)));
    say("clock_nanosleep CLOCK_THREAD_CPUTIME_ID: %s\n", errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &(struct timespec){0, 1}, NULL)));
    say("clock_nanosleep bad flags: %s\n", errname(clock_nanosleep(CLOCK_MONOTONIC, 0x10, &(struct timespec){0, 1}, NULL)));
    signal(SIGALRM, on_alarm);
    alarm(1);
    struct timespec rem = {0, 0};
    t0 = now(CLOCK_MONOTONIC);
    CHECK("nanosleep 5 s interrupted by SIGALRM after 1 s", nanosleep(&(struct timespec){5, 0}, &rem));
    long long slept = now(CLOCK_MONOTONIC) - t0;
    say("slept about 1 s: %s, remaining about 4 s: %s\n", YESNO(slept >= 900000000 && slept < 3000000000LL),
        YESNO(rem.tv_sec >= 2 && rem.tv_sec <= 4));
    CHECK("sleep(0)", sleep(0));
    CHECK("usleep(1000)", usleep(1000));
    return 0;
}
