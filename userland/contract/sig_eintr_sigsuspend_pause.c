/* sigsuspend, pause and rt_sigtimedwait are never restarted: they return EINTR at the first
   handler, with or without SA_RESTART; ignored and blocked signals do not end them. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

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

static volatile int usr2;
static void on_usr2(int s) { usr2++; }

int main(void) {
    sigset_t none, usr1;
    sigemptyset(&none);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    start_ticks(1);
    CHECK("pause, SA_RESTART", syscall(SYS_pause));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(1);
    CHECK("rt_sigsuspend(empty), SA_RESTART", syscall(SYS_rt_sigsuspend, &none, 8));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(0);
    CHECK("rt_sigsuspend(empty), no SA_RESTART", syscall(SYS_rt_sigsuspend, &none, 8));
    say("deliveries: %d\n", ticks);
    stop_timer();
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct timespec ts = {5, 0};
    start_ticks(1);
    CHECK("rt_sigtimedwait({SIGUSR1}, 5 s), SIGALRM handler with SA_RESTART",
          syscall(SYS_rt_sigtimedwait, &usr1, NULL, &ts, 8));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(1);
    CHECK("rt_sigtimedwait({SIGUSR1}, no timeout), SA_RESTART", syscall(SYS_rt_sigtimedwait, &usr1, NULL, NULL, 8));
    say("deliveries: %d\n", ticks);
    stop_timer();
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* sigsuspend with a mask that blocks SIGALRM: the timer's signal stays pending; a child's
       SIGUSR1 ends it. */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, on_usr2);
    ticks = 0;
    restart_mode = 0;
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    struct itimerval once = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &once, NULL);
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1); /* ignored: does not end sigsuspend */
        kill(getppid(), SIGWINCH); /* default-ignored */
        usleep(100000);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    CHECK("sigsuspend blocking SIGALRM, then ignored SIGUSR1/SIGWINCH, then SIGUSR2",
          syscall(SYS_rt_sigsuspend, &alrm, 8));
    say("SIGUSR2 handler ran: %d, SIGALRM (pending during the wait) handled once the mask was restored: %d\n", usr2,
        ticks);
    say("child: %s\n", reap(c));
    sigset_t pend;
    sigpending(&pend);
    say("nothing pending now: %s\n", YESNO(!sigismember(&pend, SIGALRM)));
    return 0;
}
