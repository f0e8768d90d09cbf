/* wait4 blocked on a running child, interrupted: EINTR without SA_RESTART, restarted with it; a
   SIGCHLD handler without SA_RESTART does not turn the child's own exit into EINTR. */
#include "common.h"
#include <sys/resource.h>
#include <sys/time.h>

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

static volatile int chld;
static void on_chld(int s) { chld++; }

int main(void) {
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    int st;
    start_ticks(0);
    CHECK("wait4(child), no SA_RESTART", wait4(c, &st, 0, NULL));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("wait4(child), SA_RESTART (restarted until the 4th delivery)", wait4(c, &st, 0, NULL));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("wait4(-1), SA_RESTART", wait4(-1, &st, 0, NULL));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("wait4(0) (own group), SA_RESTART", wait4(0, &st, 0, NULL));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    struct rusage ru;
    CHECK("wait4 with WUNTRACED|WCONTINUED and rusage, SA_RESTART", wait4(c, &st, WUNTRACED | WCONTINUED, &ru));
    say("deliveries: %d\n", ticks);
    CHECK("WNOHANG never blocks", wait4(c, &st, WNOHANG, NULL));
    kill(c, SIGKILL);
    say("child: %s\n", reap(c));

    /* A SIGCHLD handler without SA_RESTART: wait4 returns the exiting child, not EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) {
        usleep(100000);
        _exit(6);
    }
    pid_t r = wait4(c, &st, 0, NULL);
    say("wait4 with a SIGCHLD handler (no SA_RESTART): right child %s, %s, handler ran %d\n", YESNO(r == c),
        wstatus(st), chld);
    return 0;
}
