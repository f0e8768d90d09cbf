/* epoll_wait/epoll_pwait are never restarted after a handler (even with SA_RESTART), and Linux
   returns EINTR from epoll_wait even after a plain stop/continue with no handler at all. */
#include "common.h"
#include <sys/epoll.h>
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

static volatile int usr1;
static void on_usr1(int s) { usr1++; }

int main(void) {
    int p[2];
    pipe(p);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    say("epoll_create1: %s\n", ep < 0 ? errname(errno) : "ok");
    if (ep < 0)
        return 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out[4];
    CHECK("EPOLL_CTL_ADD pipe", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK("epoll_wait timeout 0, nothing ready", epoll_wait(ep, out, 4, 0));
    start_ticks(1);
    CHECK("epoll_wait infinite, SA_RESTART", epoll_wait(ep, out, 4, -1));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(1);
    CHECK("epoll_wait 5 s, SA_RESTART", epoll_wait(ep, out, 4, 5000));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(0);
    CHECK("epoll_pwait infinite, no SA_RESTART", syscall(SYS_epoll_pwait, ep, out, 4, -1, NULL, 8));
    say("deliveries: %d\n", ticks);
    stop_timer();

    signal(SIGUSR1, on_usr1);
    sigset_t blk, none, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    raise(SIGUSR1);
    CHECK("epoll_pwait with a mask unblocking pending SIGUSR1", syscall(SYS_epoll_pwait, ep, out, 4, 5000, &none, 8));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler ran: %d, SIGUSR1 blocked again: %s\n", usr1, YESNO(sigismember(&cur, SIGUSR1)));
    CHECK("epoll_pwait bad sigsetsize", syscall(SYS_epoll_pwait, ep, out, 4, 0, &none, 4));
    sigprocmask(SIG_UNBLOCK, &blk, NULL);

    write(p[1], "x", 1);
    int n = epoll_wait(ep, out, 4, -1);
    say("epoll_wait with data: %d, data.u32 %u, EPOLLIN %s\n", n, out[0].data.u32, YESNO(out[0].events & EPOLLIN));
    char b;
    read(p[0], &b, 1);

    /* Stop and continue a child blocked in epoll_wait with no handlers: Linux returns EINTR. */
    int sync[2];
    pipe(sync);
    pid_t c = fork();
    if (c == 0) {
        write(sync[1], "r", 1);
        int r = epoll_wait(ep, out, 4, -1);
        say("child: epoll_wait after SIGSTOP/SIGCONT: %d %s\n", r, r < 0 ? errname(errno) : "");
        _exit(0);
    }
    read(sync[0], &b, 1);
    usleep(200000); /* let the child block in epoll_wait */
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    say("child: %s\n", wstatus(st));
    kill(c, SIGCONT);
    usleep(100000);
    write(p[1], "x", 1);
    say("child: %s\n", reap(c));
    return 0;
}
