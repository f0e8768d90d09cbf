/* getrlimit/setrlimit/prlimit64: default limits, RLIMIT_NOFILE enforcement, RLIMIT_FSIZE, errors. */
#include "common.h"
#include <sys/resource.h>

static void lim(const char *what, int res) {
    struct rlimit r;
    if (getrlimit(res, &r) < 0) {
        say("%s: %s\n", what, errname(errno));
        return;
    }
    char a[32], b[32];
    snprintf(a, sizeof a, r.rlim_cur == RLIM_INFINITY ? "unlimited" : "%llu", (unsigned long long)r.rlim_cur);
    snprintf(b, sizeof b, r.rlim_max == RLIM_INFINITY ? "unlimited" : "%llu", (unsigned long long)r.rlim_max);
    say("%s: %s / %s\n", what, a, b);
}

static volatile int xfsz;
static void on_xfsz(int s) { xfsz++; }

int main(void) {
    lim("RLIMIT_NOFILE", RLIMIT_NOFILE);
    lim("RLIMIT_STACK", RLIMIT_STACK);
    lim("RLIMIT_CORE", RLIMIT_CORE);
    lim("RLIMIT_AS", RLIMIT_AS);
    lim("RLIMIT_DATA", RLIMIT_DATA);
    lim("RLIMIT_FSIZE", RLIMIT_FSIZE);
    lim("RLIMIT_CPU", RLIMIT_CPU);
    lim("RLIMIT_RSS", RLIMIT_RSS);
    lim("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
    lim("RLIMIT_LOCKS", RLIMIT_LOCKS);
    lim("RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE);
    lim("RLIMIT_NICE", RLIMIT_NICE);
    lim("RLIMIT_RTPRIO", RLIMIT_RTPRIO);
    lim("RLIMIT_RTTIME", RLIMIT_RTTIME);
    struct rlimit r;
    CHECK("getrlimit bad resource", getrlimit(99, &r));
    CHECK("getrlimit bad pointer (raw)", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)8));

    pid_t c = fork();
    if (c == 0) {
        struct rlimit small = {5, 4096};
        CHECK("setrlimit NOFILE 5", setrlimit(RLIMIT_NOFILE, &small));
        lim("RLIMIT_NOFILE", RLIMIT_NOFILE);
        CHECK("open fd 3", open("/dev/null", O_RDONLY));
        CHECK("open fd 4", open("/dev/null", O_RDONLY));
        CHECK("open beyond the limit", open("/dev/null", O_RDONLY));
        CHECK("dup beyond the limit", dup(0));
        int p[2];
        CHECK("pipe beyond the limit", pipe(p));
        CHECK("F_DUPFD at the limit", fcntl(0, F_DUPFD, 5));
        CHECK("dup2 to fd 5", dup2(0, 5));
        close(4);
        CHECK("open after closing one", open("/dev/null", O_RDONLY));
        _exit(0);
    }
    reap(c);
    struct rlimit bad = {100, 50};
    CHECK("setrlimit soft > hard", setrlimit(RLIMIT_NOFILE, &bad));
    struct rlimit huge = {1024, 1 << 21};
    CHECK("setrlimit NOFILE hard above nr_open", setrlimit(RLIMIT_NOFILE, &huge));
    struct rlimit nw = {512, 4096}, old;
    CHECK("prlimit64 set+get", prlimit(0, RLIMIT_NOFILE, &nw, &old));
    say("old: %llu / %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
    lim("RLIMIT_NOFILE now", RLIMIT_NOFILE);
    CHECK("prlimit64 on own pid", prlimit(getpid(), RLIMIT_NOFILE, NULL, &old));
    CHECK("prlimit64 missing pid", prlimit(0x3fffffff, RLIMIT_NOFILE, NULL, &old));
    CHECK("prlimit64 bad resource", prlimit(0, 99, NULL, &old));
    c = fork();
    if (c == 0) {
        lim("child inherits RLIMIT_NOFILE", RLIMIT_NOFILE);
        _exit(0);
    }
    reap(c);
    struct rlimit back = {1024, 4096};
    setrlimit(RLIMIT_NOFILE, &back);
    struct rlimit lower = {1024, 2048};
    c = fork();
    if (c == 0) {
        CHECK("lower hard limit", setrlimit(RLIMIT_NOFILE, &lower));
        setuid(1000);
        struct rlimit raise = {1024, 4096};
        CHECK("raise hard limit again as non-root", setrlimit(RLIMIT_NOFILE, &raise));
        _exit(0);
    }
    reap(c);

    c = fork();
    if (c == 0) {
        signal(SIGXFSZ, on_xfsz);
        struct rlimit f = {10, RLIM_INFINITY};
        CHECK("setrlimit FSIZE 10", setrlimit(RLIMIT_FSIZE, &f));
        int fd = open("/tmp/rlimit-fsize", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        CHECK("write 20 bytes", write(fd, "01234567890123456789", 20));
        CHECK("write more", write(fd, "x", 1));
        say("SIGXFSZ handler ran %d time(s)\n", xfsz);
        CHECK("ftruncate beyond", ftruncate(fd, 100));
        unlink("/tmp/rlimit-fsize");
        _exit(0);
    }
    reap(c);
    c = fork();
    if (c == 0) {
        struct rlimit f = {10, RLIM_INFINITY};
        setrlimit(RLIMIT_FSIZE, &f);
        int fd = open("/tmp/rlimit-fsize2", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        unlink("/tmp/rlimit-fsize2");
        write(fd, "01234567890", 11);
        write(fd, "x", 1);
        _exit(0);
    }
    say("exceeding RLIMIT_FSIZE without a handler: %s\n", reap(c));
    return 0;
}
