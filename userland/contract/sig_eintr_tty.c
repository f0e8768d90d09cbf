/* read(2) on the console (a tty, input never arrives here) interrupted by a signal: EINTR without
   SA_RESTART, restarted with it (the handler's third delivery removes SA_RESTART). Only after an
   isatty check. */
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
    int tty = isatty(0);
    say("fd 0 is a tty: %s\n", YESNO(tty));
    if (!tty)
        return 0;
    char buf[64];
    start_ticks(0);
    CHECK("read from the tty, no SA_RESTART", read(0, buf, sizeof buf));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("read from the tty, SA_RESTART (restarted until the 4th delivery)", read(0, buf, sizeof buf));
    say("deliveries: %d\n", ticks);
    return 0;
}
