/* waitid blocked on a running child, interrupted: EINTR without SA_RESTART, restarted with it. */
#include "common.h"
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

int main(void) {
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    siginfo_t si;
    start_ticks(0);
    CHECK("waitid(P_PID, WEXITED), no SA_RESTART", waitid(P_PID, c, &si, WEXITED));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("waitid(P_PID, WEXITED), SA_RESTART (restarted until the 4th delivery)", waitid(P_PID, c, &si, WEXITED));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("waitid(P_ALL, WEXITED|WSTOPPED|WCONTINUED), SA_RESTART",
          waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("waitid(P_PGID, own group), SA_RESTART", waitid(P_PGID, getpgrp(), &si, WEXITED));
    say("deliveries: %d\n", ticks);
    start_ticks(0);
    CHECK("waitid(P_ALL, WSTOPPED only), no SA_RESTART", waitid(P_ALL, 0, &si, WSTOPPED));
    say("deliveries: %d\n", ticks);
    memset(&si, 0x55, sizeof si);
    CHECK("WNOHANG never blocks", waitid(P_PID, c, &si, WEXITED | WNOHANG));
    say("si_pid zeroed: %s, si_signo zeroed: %s\n", YESNO(si.si_pid == 0), YESNO(si.si_signo == 0));

    /* Restarted, then the child is killed: the restarted waitid reports it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    ticks = 0;
    restart_mode = 0;
    pid_t k = fork();
    if (k == 0) {
        usleep(200000);
        kill(c, SIGTERM);
        _exit(0);
    }
    struct itimerval once = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &once, NULL);
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, c, &si, WEXITED);
    say("restarted waitid: %d, code %s, status %d, deliveries %d\n", r, si.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
        si.si_status, ticks);
    say("killer: %s\n", reap(k));
    return 0;
}
