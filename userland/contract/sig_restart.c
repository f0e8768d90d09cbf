/* Interrupted blocking calls: EINTR without SA_RESTART, transparent restart with it. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static volatile int alarms;
static void on_alarm(int s) { alarms++; }

static void arm(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    char buf[16];
    pipe(p);
    arm(30);
    CHECK("read on an empty pipe, SIGALRM without SA_RESTART", read(p[0], buf, sizeof buf));
    say("alarms: %d\n", alarms);

    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    pid_t c = fork();
    if (c == 0) {
        usleep(300000);
        write(p[1], "late", 4);
        _exit(0);
    }
    arm(30);
    CHECK("same with SA_RESTART (restarted, gets the child's data)", read(p[0], buf, sizeof buf));
    say("alarms: %d\n", alarms);
    reap(c);

    c = fork();
    if (c == 0) {
        usleep(300000);
        _exit(0);
    }
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    arm(30);
    int st;
    CHECK("waitpid interrupted without SA_RESTART", waitpid(c, &st, 0));
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    arm(30);
    pid_t r = waitpid(c, &st, 0);
    say("waitpid with SA_RESTART: right child %s, %s\n", YESNO(r == c), wstatus(st));
    say("alarms: %d\n", alarms);

    /* nanosleep is never restarted: EINTR with the remaining time. */
    arm(30);
    struct timespec req = {2, 0}, rem = {0, 0};
    CHECK("nanosleep 2 s interrupted (even with SA_RESTART)", nanosleep(&req, &rem));
    say("remaining between 1 and 2 s: %s\n", YESNO(rem.tv_sec == 1 || (rem.tv_sec == 0 && rem.tv_nsec > 0)));
    arm(30);
    CHECK("pause", pause());
    arm(30);
    sigset_t none;
    sigemptyset(&none);
    CHECK("sigsuspend", sigsuspend(&none));
    say("alarms: %d\n", alarms);
    return 0;
}
