/* read(2)/readv(2) on an empty pipe interrupted by a signal: EINTR without SA_RESTART; with
   SA_RESTART the call is restarted transparently (the handler's third delivery removes SA_RESTART,
   so EINTR surfaces only at the fourth); a blocked signal does not interrupt at all. */
#include "common.h"
#include <sys/time.h>
#include <sys/uio.h>

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
   restart=1: SA_RESTART for deliveries 1..3, plain for the 4th, then the timer stops. */
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

int main(void) {
    int p[2];
    char buf[16];
    pipe(p);
    start_ticks(0);
    CHECK("read, handler without SA_RESTART", read(p[0], buf, sizeof buf));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("read, handler with SA_RESTART (restarted until the 4th delivery)", read(p[0], buf, sizeof buf));
    say("deliveries: %d\n", ticks);
    struct iovec iov[2] = {{buf, 4}, {buf + 4, 4}};
    start_ticks(0);
    CHECK("readv, without SA_RESTART", readv(p[0], iov, 2));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("readv, with SA_RESTART", readv(p[0], iov, 2));
    say("deliveries: %d\n", ticks);

    /* SA_RESTART and data that arrives after the signal: the restarted read returns it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    ticks = 0;
    restart_mode = 0;
    pid_t c = fork();
    if (c == 0) {
        usleep(200000);
        write(p[1], "data", 4);
        _exit(0);
    }
    struct itimerval once = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &once, NULL);
    CHECK("read with SA_RESTART, data written 200 ms later", read(p[0], buf, sizeof buf));
    say("deliveries: %d\n", ticks);
    say("writer: %s\n", reap(c));

    /* A blocked signal does not interrupt; it stays pending until unblocked. */
    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    ticks = 0;
    c = fork();
    if (c == 0) {
        usleep(200000);
        write(p[1], "late", 4);
        _exit(0);
    }
    setitimer(ITIMER_REAL, &once, NULL);
    CHECK("read with SIGALRM blocked, data 200 ms later", read(p[0], buf, sizeof buf));
    sigpending(&pend);
    say("deliveries: %d, SIGALRM pending: %s\n", ticks, YESNO(sigismember(&pend, SIGALRM)));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    say("after unblocking, deliveries: %d\n", ticks);
    say("writer: %s\n", reap(c));

    /* Writer closed: read returns 0 immediately, no signal involved. */
    close(p[1]);
    CHECK("read with no writer left", read(p[0], buf, sizeof buf));
    return 0;
}
