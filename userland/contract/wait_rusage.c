/* wait4's rusage pointer: filled for the reaped child (sane values, the child's own CPU time, not
   ours), left alone when nothing is reaped (WNOHANG), NULL allowed, a bad pointer is EFAULT after
   the child was already reaped; getrusage(RUSAGE_CHILDREN) accumulates. */
#include "common.h"
#include <sys/resource.h>
#include <sys/time.h>

static long us(struct timeval t) { return t.tv_sec * 1000000L + t.tv_usec; }

static void burn(long ms) {
    struct timeval t0, t;
    gettimeofday(&t0, NULL);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        gettimeofday(&t, NULL);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_usec - t0.tv_usec) / 1000 < ms);
}

int main(void) {
    struct rusage ru;
    int st;
    pid_t c = fork();
    if (c == 0) {
        burn(300);
        _exit(2);
    }
    memset(&ru, 0xff, sizeof ru);
    pid_t r = wait4(c, &st, 0, &ru);
    say("wait4 with rusage: %s %s\n", r == c ? "child" : "other", wstatus(st));
    say("  fields sane: utime usec < 1e6 %s, stime usec < 1e6 %s, maxrss written (>= 0) %s, nswap 0 %s\n",
        YESNO(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000),
        YESNO(ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000), YESNO(ru.ru_maxrss >= 0),
        YESNO(ru.ru_nswap == 0));
    say("  the child's 300 ms of CPU show up (user+sys >= 100 ms): %s\n", YESNO(us(ru.ru_utime) + us(ru.ru_stime) >= 100000));

    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    memset(&ru, 0x5a, sizeof ru);
    r = wait4(c, &st, WNOHANG, &ru);
    unsigned char *b = (unsigned char *)&ru;
    int untouched = 1;
    for (size_t i = 0; i < sizeof ru; i++)
        if (b[i] != 0x5a)
            untouched = 0;
    say("WNOHANG with nothing to reap: %d, rusage untouched %s\n", r, YESNO(untouched));
    kill(c, SIGKILL);
    r = wait4(c, &st, 0, NULL);
    say("rusage NULL: %s %s\n", r == c ? "child" : "other", wstatus(st));

    c = fork();
    if (c == 0)
        _exit(4);
    usleep(100000);
    CHECK("wait4 with a bad rusage pointer", wait4(c, &st, 0, (void *)8));
    CHECK("the child was reaped anyway", wait4(c, &st, WNOHANG, NULL));
    c = fork();
    if (c == 0)
        _exit(5);
    usleep(100000);
    CHECK("wait4 with a bad status pointer", wait4(c, (void *)8, 0, NULL));
    CHECK("reaped anyway", wait4(c, &st, WNOHANG, NULL));

    /* A stopped child reported with rusage. */
    c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(6);
    }
    memset(&ru, 0xff, sizeof ru);
    r = wait4(c, &st, WUNTRACED, &ru);
    say("stop report with rusage: %s, maxrss written %s\n", wstatus(st), YESNO(ru.ru_maxrss >= 0));
    kill(c, SIGCONT);
    reap(c);

    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    say("RUSAGE_CHILDREN includes the burner (>= 100 ms): %s\n", YESNO(us(kids.ru_utime) + us(kids.ru_stime) >= 100000));
    say("RUSAGE_SELF does not (< 100 ms): %s\n", YESNO(us(self.ru_utime) + us(self.ru_stime) < 100000));
    CHECK("getrusage(RUSAGE_THREAD)", getrusage(1 /* RUSAGE_THREAD */, &self));
    CHECK("getrusage(42)", getrusage(42, &self));
    return 0;
}
