/* getrusage/times: the calls succeed and report sane non-negative values. */
#include "common.h"
#include <sys/resource.h>
#include <sys/times.h>

static int sane(struct rusage *r) {
    return r->ru_utime.tv_sec >= 0 && r->ru_utime.tv_usec >= 0 && r->ru_utime.tv_usec < 1000000 &&
           r->ru_stime.tv_sec >= 0 && r->ru_stime.tv_usec >= 0 && r->ru_stime.tv_usec < 1000000 &&
           r->ru_maxrss >= 0 && r->ru_minflt >= 0 && r->ru_nvcsw >= 0;
}

int main(void) {
    struct rusage r;
    CHECK("RUSAGE_SELF", getrusage(RUSAGE_SELF, &r));
    say("sane: %s\n", YESNO(sane(&r)));
    CHECK("RUSAGE_CHILDREN", getrusage(RUSAGE_CHILDREN, &r));
    say("sane: %s\n", YESNO(sane(&r)));
    CHECK("RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &r));
    say("sane: %s\n", YESNO(sane(&r)));
    CHECK("bad who", getrusage(42, &r));
    CHECK("bad pointer (raw)", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8));
    pid_t c = fork();
    if (c == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 20000000; i++)
            x += i;
        _exit(0);
    }
    reap(c);
    CHECK("RUSAGE_CHILDREN after a busy child", getrusage(RUSAGE_CHILDREN, &r));
    say("sane: %s, child cpu time counted: %s\n", YESNO(sane(&r)),
        YESNO(r.ru_utime.tv_sec + r.ru_stime.tv_sec + r.ru_utime.tv_usec + r.ru_stime.tv_usec > 0));
    struct tms t;
    clock_t ticks = times(&t);
    say("times: %s, fields non-negative: %s\n", ticks == (clock_t)-1 ? errname(errno) : "ok",
        YESNO(t.tms_utime >= 0 && t.tms_stime >= 0 && t.tms_cutime >= 0 && t.tms_cstime >= 0));
    say("times(NULL) works: %s\n", YESNO(times(NULL) != (clock_t)-1));
    return 0;
}
