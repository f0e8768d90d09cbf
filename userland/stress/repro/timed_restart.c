/* A timed wait interrupted by stop/continue (no handler) must keep its deadline.
   Child: poll(pipe, 1, 600) [or futex(FUTEX_WAIT, 600 ms) with argument "futex"].
   Parent: every ~150 ms SIGSTOP, waitpid(WUNTRACED), 20 ms, SIGCONT, waitpid(WCONTINUED).
   Linux: the call ends after ~600 ms (poll 0 / futex ETIMEDOUT): poll and futex record a
   restart block with the absolute end time (ERESTART_RESTARTBLOCK). A kernel that restarts
   the call with its original relative timeout never ends it while the stops go on. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static long ms_now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000 + t.tv_nsec / 1000000; }
static void ms(long n) { struct timespec t = {n / 1000, (n % 1000) * 1000000L}; while (nanosleep(&t, &t) < 0) ; }
int main(int argc, char **argv) {
    int use_futex = argc > 1 && strcmp(argv[1], "futex") == 0;
    int rp[2], p[2];
    pipe(rp);
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        static int word;
        long t0 = ms_now(), r;
        if (use_futex) {
            struct timespec ts = {0, 600000000};
            r = syscall(SYS_futex, &word, 128 /* FUTEX_WAIT_PRIVATE */, 0, &ts, NULL, 0);
        } else {
            struct pollfd pf = {p[0], POLLIN, 0};
            r = poll(&pf, 1, 600);
        }
        char buf[64];
        int n = snprintf(buf, sizeof buf, "%s returned %ld (%s) after %s\n", use_futex ? "futex" : "poll", r,
                         r < 0 ? strerror(errno) : "ok", ms_now() - t0 < 2500 ? "< 2.5 s" : ">= 2.5 s");
        write(rp[1], buf, n);
        _exit(0);
    }
    long t0 = ms_now();
    for (;;) {
        struct pollfd pf = {rp[0], POLLIN, 0};
        if (poll(&pf, 1, 130) > 0) {
            char buf[64];
            int n = read(rp[0], buf, sizeof buf);
            write(1, buf, n);
            break;
        }
        if (ms_now() - t0 > 3000) {
            printf("still blocked after 3 s of stop/continue\n");
            break;
        }
        int st;
        kill(c, SIGSTOP);
        waitpid(c, &st, WUNTRACED);
        ms(20);
        kill(c, SIGCONT);
        waitpid(c, &st, WCONTINUED);
    }
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    return 0;
}
