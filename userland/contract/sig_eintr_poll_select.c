/* poll, ppoll, select, pselect6 are never restarted after a handler, even with SA_RESTART (the
   handler's third delivery would remove SA_RESTART; all of these return at the first); select
   writes back the remaining time; ppoll/pselect6 apply their mask only during the wait. */
#include "common.h"
#include <poll.h>
#include <sys/select.h>
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

static volatile int usr1;
static void on_usr1(int s) { usr1++; }

int main(void) {
    int p[2];
    pipe(p);
    struct pollfd pfd = {p[0], POLLIN, 0};
    start_ticks(1);
    CHECK("poll, infinite timeout, SA_RESTART", poll(&pfd, 1, -1));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(1);
    CHECK("poll, 5 s timeout, SA_RESTART", poll(&pfd, 1, 5000));
    say("deliveries: %d\n", ticks);
    stop_timer();
    start_ticks(1);
    CHECK("poll, no fds, infinite timeout, SA_RESTART", poll(NULL, 0, -1));
    say("deliveries: %d\n", ticks);
    stop_timer();
    struct timespec ts = {5, 0};
    start_ticks(1);
    CHECK("ppoll, 5 s timeout, SA_RESTART", syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 8));
    say("deliveries: %d, timeout written back below 5 s: %s\n", ticks,
        YESNO(ts.tv_sec < 5 && ts.tv_sec >= 4));
    stop_timer();

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {5, 0};
    start_ticks(1);
    CHECK("select (raw), 5 s timeout, SA_RESTART", syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv));
    say("deliveries: %d, timeout written back between 4 and 5 s: %s\n", ticks,
        YESNO(tv.tv_sec == 4 && tv.tv_usec > 0));
    stop_timer();
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    start_ticks(1);
    CHECK("select (raw), no timeout, SA_RESTART", syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, NULL));
    say("deliveries: %d\n", ticks);
    stop_timer();
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    start_ticks(1);
    CHECK("pselect6, 5 s timeout, SA_RESTART", syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL));
    say("deliveries: %d\n", ticks);
    stop_timer();

    /* ppoll/pselect6 with a mask that unblocks a pending signal: EINTR at once, the handler runs,
       and the old mask is back afterwards. */
    signal(SIGUSR1, on_usr1);
    sigset_t blk, none, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    raise(SIGUSR1);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    CHECK("ppoll with a mask unblocking pending SIGUSR1", syscall(SYS_ppoll, &pfd, 1, &ts, &none, 8));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler ran: %d, SIGUSR1 blocked again: %s\n", usr1, YESNO(sigismember(&cur, SIGUSR1)));
    raise(SIGUSR1);
    struct {
        const sigset_t *ss;
        size_t len;
    } sm = {&none, 8};
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    ts.tv_sec = 5;
    CHECK("pselect6 with a mask unblocking pending SIGUSR1", syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &sm));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler ran: %d, SIGUSR1 blocked again: %s\n", usr1, YESNO(sigismember(&cur, SIGUSR1)));
    CHECK("ppoll bad sigsetsize", syscall(SYS_ppoll, &pfd, 1, &ts, &none, 4));
    sigprocmask(SIG_UNBLOCK, &blk, NULL);

    /* A ready fd wins over nothing: data present, no signal needed. */
    write(p[1], "x", 1);
    CHECK("poll with data ready", poll(&pfd, 1, -1));
    say("revents POLLIN: %s\n", YESNO(pfd.revents & POLLIN));
    return 0;
}
