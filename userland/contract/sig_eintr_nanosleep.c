/* nanosleep interrupted by a handler: EINTR even under SA_RESTART, with the remaining time written
   to rem; rem may alias req; invalid times are EINVAL; a blocked signal does not interrupt. */
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

static long nsleep(const struct timespec *req, struct timespec *rem) {
    return syscall(SYS_nanosleep, req, rem);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);

    struct timespec req = {2, 0}, rem = {99, 99};
    arm(50);
    CHECK("nanosleep 2 s, SIGALRM (SA_RESTART) after 50 ms", nsleep(&req, &rem));
    say("rem below 2 s: %s, above 1 s: %s, nsec normalized: %s\n", YESNO(ns(&rem) < 2000000000L),
        YESNO(ns(&rem) > 1000000000L), YESNO(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000L));
    say("alarms: %d\n", alarms);

    arm(50);
    CHECK("nanosleep 2 s with rem NULL", nsleep(&req, NULL));
    struct timespec same = {1, 500000000};
    arm(50);
    CHECK("nanosleep with rem == req", nsleep(&same, &same));
    say("req overwritten with less than 1.5 s: %s\n", YESNO(ns(&same) < 1500000000L && ns(&same) > 0));
    /* Sleeping again for the remaining time works (the usual restart loop). */
    struct timespec again = {0, 100000000}, rem2 = {7, 7};
    CHECK("nanosleep 100 ms uninterrupted", nsleep(&again, &rem2));
    say("rem untouched on success: %s\n", YESNO(rem2.tv_sec == 7 && rem2.tv_nsec == 7));

    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    arm(50);
    CHECK("nanosleep 2 s, handler without SA_RESTART", nsleep(&req, &rem));
    say("rem between 1 and 2 s: %s\n", YESNO(ns(&rem) > 1000000000L && ns(&rem) < 2000000000L));

    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    arm(30);
    struct timespec shortreq = {0, 150000000};
    CHECK("nanosleep 150 ms with SIGALRM blocked (fires at 30 ms)", nsleep(&shortreq, &rem));
    sigpending(&pend);
    say("SIGALRM pending: %s\n", YESNO(sigismember(&pend, SIGALRM)));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    say("alarms after unblocking: %d\n", alarms);

    /* SIGALRM ignored: not an interruption. */
    signal(SIGALRM, SIG_IGN);
    arm(30);
    CHECK("nanosleep 150 ms with SIGALRM ignored", nsleep(&shortreq, &rem));

    CHECK("nanosleep 0", nsleep(&(struct timespec){0, 0}, NULL));
    CHECK("nanosleep tv_nsec 1e9", nsleep(&(struct timespec){0, 1000000000}, NULL));
    CHECK("nanosleep tv_nsec -1", nsleep(&(struct timespec){0, -1}, NULL));
    CHECK("nanosleep tv_sec -1", nsleep(&(struct timespec){-1, 0}, NULL));
    CHECK("nanosleep bad req pointer", nsleep((void *)8, NULL));
    return 0;
}
