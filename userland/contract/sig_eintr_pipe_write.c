/* write(2) on a full pipe interrupted by a signal: EINTR when nothing was written (restarted with
   SA_RESTART), the partial count when some bytes were already written. */
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

static char big[200000];

static long fill(int fd) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    long total = 0;
    for (;;) {
        ssize_t w = write(fd, big, 4096);
        if (w <= 0)
            break;
        total += w;
    }
    fcntl(fd, F_SETFL, fl);
    return total;
}

static long drain(int fd) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    long total = 0;
    for (;;) {
        ssize_t r = read(fd, big, sizeof big);
        if (r <= 0)
            break;
        total += r;
    }
    fcntl(fd, F_SETFL, fl);
    return total;
}

int main(void) {
    int p[2];
    pipe(p);
    say("pipe filled with %ld bytes\n", fill(p[1]));
    start_ticks(0);
    CHECK("write 1 byte to a full pipe, no SA_RESTART", write(p[1], "x", 1));
    say("deliveries: %d\n", ticks);
    start_ticks(1);
    CHECK("write 1 byte to a full pipe, SA_RESTART (restarted until the 4th delivery)", write(p[1], "x", 1));
    say("deliveries: %d\n", ticks);
    say("drained %ld bytes\n", drain(p[0]));

    start_ticks(0);
    CHECK("write 100000 bytes to an empty pipe, no reader activity", write(p[1], big, 100000));
    say("deliveries: %d\n", ticks);
    say("drained %ld bytes\n", drain(p[0]));
    start_ticks(1);
    CHECK("same with SA_RESTART (partial count, no restart)", write(p[1], big, 100000));
    stop_timer();
    say("deliveries: %d\n", ticks);
    say("drained %ld bytes\n", drain(p[0]));

    /* SA_RESTART and a reader that drains later: the restarted write completes. */
    fill(p[1]);
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
        char tmp[4096];
        read(p[0], tmp, sizeof tmp);
        _exit(0);
    }
    struct itimerval once = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &once, NULL);
    CHECK("write with SA_RESTART, reader drains 4096 bytes 200 ms later", write(p[1], "abc", 3));
    say("deliveries: %d\n", ticks);
    say("reader: %s\n", reap(c));
    say("drained %ld bytes\n", drain(p[0]));
    return 0;
}
