/* FUTEX_WAIT interrupted by a signal: without a timeout it is restarted under SA_RESTART; with a
   timeout (relative or absolute) a handler always turns it into EINTR; a blocked signal does not
   interrupt. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static volatile int ticks, restart_mode;

static void stop_timer(void) {
    struct itimerval z;
    memset(&z, 0, sizeof z);
    setitimer(ITIMER_REAL, &z, NULL);
}

static void tick(int s) {
    ticks++;
    if (restart_mode && ticks == 3) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tick;
        sigaction(SIGALRM, &sa, NULL);
    }
    if (!restart_mode || ticks == 4)
        stop_timer();
}

/* SIGALRM every 20 ms. restart=0: a plain handler, the timer stops after the first delivery.
   restart=1: SA_RESTART for deliveries 1..3, plain for the 4th, then the timer stops; a call
   that the kernel restarts returns EINTR only after 4 deliveries, one it never restarts after 1. */
static void start_ticks(int restart) {
    ticks = 0;
    restart_mode = restart;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tick;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static int word;
static long fwait(int op, const struct timespec *t, unsigned bitset) {
    return syscall(SYS_futex, &word, op, 0, t, NULL, bitset);
}

int main(void) {
    start_ticks(0);
    CHECK("FUTEX_WAIT, no timeout, no SA_RESTART", fwait(FUTEX_WAIT, NULL, 0));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("FUTEX_WAIT, no timeout, SA_RESTART (restarted until the 4th delivery)", fwait(FUTEX_WAIT, NULL, 0));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("FUTEX_WAIT_PRIVATE, no timeout, SA_RESTART", fwait(FUTEX_WAIT | FUTEX_PRIVATE_FLAG, NULL, 0));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("FUTEX_WAIT_BITSET, no timeout, SA_RESTART", fwait(FUTEX_WAIT_BITSET, NULL, 0xffffffff));
    say("deliveries: %d\n", ticks);
    struct timespec rel = {5, 0};
    start_ticks(1);
    CHECK("FUTEX_WAIT 5 s relative timeout, SA_RESTART", fwait(FUTEX_WAIT, &rel, 0));
    say("deliveries: %d\n", ticks);
    stop_timer();
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_sec += 5;
    start_ticks(1);
    CHECK("FUTEX_WAIT_BITSET absolute monotonic timeout, SA_RESTART", fwait(FUTEX_WAIT_BITSET, &abs, 0xffffffff));
    say("deliveries: %d\n", ticks);
    stop_timer();
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_sec += 5;
    start_ticks(1);
    CHECK("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME absolute timeout, SA_RESTART",
          fwait(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, &abs, 0xffffffff));
    say("deliveries: %d\n", ticks);
    stop_timer();

    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    start_ticks(0);
    struct timespec t = {0, 150000000};
    CHECK("FUTEX_WAIT 150 ms with SIGALRM blocked", fwait(FUTEX_WAIT, &t, 0));
    sigpending(&pend);
    say("deliveries: %d, SIGALRM pending: %s\n", ticks, YESNO(sigismember(&pend, SIGALRM)));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    say("after unblocking: deliveries %d\n", ticks);
    stop_timer();
    return 0;
}
