/* clock_nanosleep (raw syscall: it returns -errno like any syscall) interrupted by a handler:
   relative sleeps report the remaining time, TIMER_ABSTIME sleeps leave rem alone; clocks that
   cannot sleep. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static volatile int alarms;
static void on_alarm(int s) { alarms++; }

static void arm(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static long ns(const struct timespec *t) { return t->tv_sec * 1000000000L + t->tv_nsec; }

static long cns(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
    return syscall(SYS_clock_nanosleep, clk, flags, req, rem);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);

    struct timespec req = {2, 0}, rem;
    clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    const char *names[] = {"CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_BOOTTIME"};
    for (int i = 0; i < 3; i++) {
        char what[96];
        rem.tv_sec = 99;
        arm(50);
        snprintf(what, sizeof what, "%s relative 2 s, SA_RESTART handler at 50 ms", names[i]);
        CHECK(what, cns(clocks[i], 0, &req, &rem));
        say("rem between 1 and 2 s: %s\n", YESNO(ns(&rem) > 1000000000L && ns(&rem) < 2000000000L));

        struct timespec abs;
        clock_gettime(clocks[i], &abs);
        abs.tv_sec += 2;
        rem.tv_sec = 77;
        rem.tv_nsec = 77;
        arm(50);
        snprintf(what, sizeof what, "%s TIMER_ABSTIME now+2 s, handler at 50 ms", names[i]);
        CHECK(what, cns(clocks[i], TIMER_ABSTIME, &abs, &rem));
        say("rem untouched: %s\n", YESNO(rem.tv_sec == 77 && rem.tv_nsec == 77));
    }
    say("alarms: %d\n", alarms);

    struct timespec past = {0, 1};
    CHECK("TIMER_ABSTIME in the past", cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    struct timespec ms1 = {0, 1000000};
    CHECK("unknown flag bits ignored (flags 2), 1 ms", cns(CLOCK_MONOTONIC, 2, &ms1, NULL));
    CHECK("bad clock 42", cns(42, 0, &ms1, NULL));
    CHECK("CLOCK_THREAD_CPUTIME_ID", cns(CLOCK_THREAD_CPUTIME_ID, 0, &ms1, NULL));
    CHECK("CLOCK_MONOTONIC_RAW", cns(CLOCK_MONOTONIC_RAW, 0, &ms1, NULL));
    CHECK("CLOCK_MONOTONIC_COARSE", cns(CLOCK_MONOTONIC_COARSE, 0, &ms1, NULL));
    CHECK("bad nsec", cns(CLOCK_MONOTONIC, 0, &(struct timespec){0, 1000000000}, NULL));
    CHECK("negative seconds, relative", cns(CLOCK_MONOTONIC, 0, &(struct timespec){-1, 0}, NULL));
    CHECK("bad req pointer", cns(CLOCK_MONOTONIC, 0, (void *)8, NULL));
    /* The libc wrapper returns the error number instead of setting errno. */
    errno = 0;
    int r = clock_nanosleep(42, 0, &ms1, NULL);
    say("libc clock_nanosleep(42): returns EINVAL: %s, errno untouched: %s\n", YESNO(r == EINVAL), YESNO(errno == 0));
    return 0;
}
