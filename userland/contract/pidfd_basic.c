/* pidfds: pidfd_open (flag and pid errors, ENOENT for a non-leader thread without PIDFD_THREAD,
   O_CLOEXEC always, PIDFD_NONBLOCK), read/write/lseek on a pidfd, poll and epoll readiness (nothing
   while the target runs, POLLIN once it exited, POLLIN|POLLHUP once reaped), /proc/self/fd naming,
   pidfd_send_signal (SI_USER / SI_TKILL siginfo, caller-supplied siginfo rules, zombies, ESRCH after
   reaping, bad flags, non-pidfds, PIDFD_SELF_*), and EPERM for an unprivileged caller. */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mount.h>

#include "common.h"

#define PIDFD_NONBLOCK O_NONBLOCK
#define PIDFD_THREAD O_EXCL
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4
#define PIDFD_SELF_THREAD -10000
#define PIDFD_SELF_THREAD_GROUP -10001
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#define SYS_pidfd_send_signal 424
#define SYS_pidfd_getfd 438
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) {
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static const char *events(int ev) {
    static char buf[64];
    buf[0] = 0;
    if (ev & POLLIN)
        strcat(buf, "IN|");
    if (ev & POLLRDNORM)
        strcat(buf, "RDNORM|");
    if (ev & POLLOUT)
        strcat(buf, "OUT|");
    if (ev & POLLERR)
        strcat(buf, "ERR|");
    if (ev & POLLHUP)
        strcat(buf, "HUP|");
    if (ev & POLLNVAL)
        strcat(buf, "NVAL|");
    size_t n = strlen(buf);
    if (n == 0)
        return "none";
    buf[n - 1] = 0;
    return buf;
}

static void show_poll(const char *what, int fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %d %s\n", what, r, events(p.revents));
}

/* A child that waits for a byte on `gate` and then exits with `code`. */
static pid_t gated_child(int gate[2], int code) {
    pipe(gate);
    pid_t c = fork();
    if (c == 0) {
        close(gate[1]);
        char b;
        read(gate[0], &b, 1);
        _exit(code);
    }
    close(gate[0]);
    return c;
}

static void open_gate(int gate[2]) {
    write(gate[1], "x", 1);
    close(gate[1]);
}

static int thread_gate[2];
static volatile pid_t thread_tid;
static void *thread_main(void *arg) {
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    char b;
    read(thread_gate[0], &b, 1);
    return NULL;
}

static void open_errors(void) {
    CHECK("pidfd_open(self, bad flag 1)", pidfd_open(getpid(), 1));
    CHECK("pidfd_open(self, O_CLOEXEC (not a pidfd flag))", pidfd_open(getpid(), O_CLOEXEC));
    CHECK("pidfd_open(0)", pidfd_open(0, 0));
    CHECK("pidfd_open(-1)", pidfd_open(-1, 0));
    CHECK("pidfd_open(nonexistent)", pidfd_open(0x3fffffff, 0));
    CHECK("pidfd_open(nonexistent, PIDFD_THREAD)", pidfd_open(0x3fffffff, PIDFD_THREAD));

    int fd = pidfd_open(getpid(), 0);
    say("pidfd_open(self): %s\n", fd >= 0 ? "ok" : errname(errno));
    say("  FD_CLOEXEC: %s\n", YESNO(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    int fl = fcntl(fd, F_GETFL);
    say("  O_RDWR: %s, O_NONBLOCK: %s\n", YESNO((fl & O_ACCMODE) == O_RDWR), YESNO(fl & O_NONBLOCK));
    char b[8] = "x";
    CHECK("  read", read(fd, b, sizeof b));
    CHECK("  write", write(fd, b, 1));
    CHECK("  lseek", lseek(fd, 0, SEEK_SET));
    struct stat st;
    if (fstat(fd, &st) == 0)
        say("  fstat: type bits 0%o, permissions 0%o\n", st.st_mode & S_IFMT, st.st_mode & 07777);
    else
        say("  fstat: %s\n", errname(errno));
    show_poll("  poll(self, 0 ms)", fd, 0);
    close(fd);

    fd = pidfd_open(getpid(), PIDFD_NONBLOCK);
    say("pidfd_open(self, PIDFD_NONBLOCK): O_NONBLOCK %s, FD_CLOEXEC %s\n", YESNO(fcntl(fd, F_GETFL) & O_NONBLOCK),
        YESNO(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    close(fd);

    /* Threads: only PIDFD_THREAD opens a non-leader. */
    pipe(thread_gate);
    pthread_t th;
    pthread_create(&th, NULL, thread_main, NULL);
    while (thread_tid == 0)
        usleep(1000);
    CHECK("pidfd_open(non-leader thread, 0)", pidfd_open(thread_tid, 0));
    fd = pidfd_open(thread_tid, PIDFD_THREAD);
    say("pidfd_open(non-leader thread, PIDFD_THREAD): %s\n", fd >= 0 ? "ok" : errname(errno));
    show_poll("  poll(thread running, 50 ms)", fd, 50);
    write(thread_gate[1], "x", 1);
    pthread_join(th, NULL);
    /* POLLHUP follows once the thread is released, which may race with this poll. */
    struct pollfd tp = {.fd = fd, .events = POLLIN};
    int tr = poll(&tp, 1, 5000);
    say("  poll(thread exited): %d, POLLIN %s\n", tr, YESNO(tp.revents & POLLIN));
    close(fd);
    fd = pidfd_open(getpid(), PIDFD_THREAD);
    say("pidfd_open(main thread, PIDFD_THREAD): %s\n", fd >= 0 ? "ok" : errname(errno));
    close(fd);
    close(thread_gate[0]);
    close(thread_gate[1]);
}

static void readiness(void) {
    int gate[2];
    pid_t c = gated_child(gate, 3);
    int fd = pidfd_open(c, 0);
    show_poll("poll(running child, 50 ms)", fd, 50);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 77};
    CHECK("epoll_ctl(ADD pidfd)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    struct epoll_event out;
    CHECK("epoll_wait(running child, 50 ms)", epoll_wait(ep, &out, 1, 50));
    open_gate(gate);
    show_poll("poll(child exits, 5 s timeout)", fd, 5000);
    show_poll("poll(zombie)", fd, 0);
    memset(&out, 0, sizeof out);
    int n = epoll_wait(ep, &out, 1, 5000);
    say("epoll_wait(zombie): %d events %s data %u\n", n, events((int)out.events), out.data.u32);
    say("child: %s\n", reap(c));
    show_poll("poll(reaped)", fd, 0);
    memset(&out, 0, sizeof out);
    n = epoll_wait(ep, &out, 1, 0);
    say("epoll_wait(reaped): %d events %s\n", n, events((int)out.events));
    close(ep);

    /* /proc/self/fd names it anon_inode:[pidfd]. */
    struct stat st;
    int mounted = 0;
    if (stat("/proc/self", &st) < 0 && mount("proc", "/proc", "proc", 0, NULL) == 0)
        mounted = 1;
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(path, link, sizeof link - 1);
    link[len < 0 ? 0 : len] = 0;
    say("readlink(/proc/self/fd/PIDFD): %s\n", len < 0 ? errname(errno) : link);
    if (mounted)
        umount("/proc");
    close(fd);
}

static volatile sig_atomic_t got;
static void on_sig(int s) { got = s; }

/* The child blocks SIGUSR1, waits for one and reports its siginfo. */
static void signals(void) {
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);

    pid_t parent = getpid();
    int report[2];
    pipe(report);
    pid_t c = fork();
    if (c == 0) {
        /* Reports go through a pipe: the parent prints them after its own lines. */
        dup2(report[1], 1);
        for (int i = 0; i < 2; i++) {
            siginfo_t si;
            sigwaitinfo(&usr1, &si);
            say("  child got signal %d, code %s, from parent %s, value %d\n", si.si_signo,
                si.si_code == SI_USER    ? "SI_USER"
                : si.si_code == SI_QUEUE ? "SI_QUEUE"
                : si.si_code == SI_TKILL ? "SI_TKILL"
                                         : "other",
                YESNO(si.si_pid == parent), si.si_code == SI_QUEUE ? si.si_value.sival_int : 0);
        }
        _exit(0);
    }
    int fd = pidfd_open(c, 0);
    CHECK("pidfd_send_signal(child, SIGUSR1, NULL)", pidfd_send_signal(fd, SIGUSR1, NULL, 0));
    usleep(100000);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 42;
    CHECK("pidfd_send_signal(child, SIGUSR1, SI_QUEUE info)", pidfd_send_signal(fd, SIGUSR1, &si, 0));
    say("child: %s\n", reap(c));
    close(report[1]);
    char text[512];
    ssize_t got_bytes = read(report[0], text, sizeof text - 1);
    text[got_bytes < 0 ? 0 : got_bytes] = 0;
    say("%s", text);
    close(report[0]);
    close(fd);

    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    int fd2 = pidfd_open(c, 0);
    CHECK("pidfd_send_signal(running, 0)", pidfd_send_signal(fd2, 0, NULL, 0));
    si.si_signo = SIGUSR2;
    CHECK("pidfd_send_signal(info signo != sig)", pidfd_send_signal(fd2, SIGUSR1, &si, 0));
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECK("pidfd_send_signal(SI_USER info to another process)", pidfd_send_signal(fd2, SIGUSR1, &si, 0));
    si.si_code = SI_TKILL;
    CHECK("pidfd_send_signal(SI_TKILL info to another process)", pidfd_send_signal(fd2, SIGUSR1, &si, 0));
    CHECK("pidfd_send_signal(bad info pointer)", pidfd_send_signal(fd2, SIGUSR1, (siginfo_t *)8, 0));
    CHECK("pidfd_send_signal(signal 65)", pidfd_send_signal(fd2, 65, NULL, 0));
    CHECK("pidfd_send_signal(signal -1)", pidfd_send_signal(fd2, -1, NULL, 0));
    CHECK("pidfd_send_signal(flags 8)", pidfd_send_signal(fd2, SIGTERM, NULL, 8));
    CHECK("pidfd_send_signal(two scope flags)",
          pidfd_send_signal(fd2, SIGTERM, NULL, PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP));
    CHECK("pidfd_send_signal(SIGTERM)", pidfd_send_signal(fd2, SIGTERM, NULL, 0));
    show_poll("poll(after SIGTERM)", fd2, 5000);
    CHECK("pidfd_send_signal(zombie, 0)", pidfd_send_signal(fd2, 0, NULL, 0));
    CHECK("pidfd_send_signal(zombie, SIGTERM)", pidfd_send_signal(fd2, SIGTERM, NULL, 0));
    say("child: %s\n", reap(c));
    CHECK("pidfd_send_signal(reaped, 0)", pidfd_send_signal(fd2, 0, NULL, 0));
    CHECK("pidfd_send_signal(reaped, SIGTERM)", pidfd_send_signal(fd2, SIGTERM, NULL, 0));
    CHECK("pidfd_send_signal(reaped, signal 65)", pidfd_send_signal(fd2, 65, NULL, 0));
    close(fd2);

    int p[2];
    pipe(p);
    CHECK("pidfd_send_signal(a pipe)", pidfd_send_signal(p[0], 0, NULL, 0));
    CHECK("pidfd_send_signal(closed fd)", pidfd_send_signal(999, 0, NULL, 0));
    CHECK("pidfd_send_signal(-1)", pidfd_send_signal(-1, 0, NULL, 0));
    close(p[0]);
    close(p[1]);

    /* To oneself: any si_code; a thread pidfd sends SI_TKILL. */
    int self = pidfd_open(getpid(), 0);
    si.si_code = SI_USER;
    si.si_signo = SIGUSR1;
    CHECK("pidfd_send_signal(self, SI_USER info)", pidfd_send_signal(self, SIGUSR1, &si, 0));
    siginfo_t in;
    struct timespec ts = {5, 0};
    sigtimedwait(&usr1, &in, &ts);
    say("  self got code %s\n", in.si_code == SI_USER ? "SI_USER" : "other");
    int me = pidfd_open(getpid(), PIDFD_THREAD);
    CHECK("pidfd_send_signal(own thread pidfd, SIGUSR1)", pidfd_send_signal(me, SIGUSR1, NULL, 0));
    sigtimedwait(&usr1, &in, &ts);
    say("  self got code %s, from self %s\n", in.si_code == SI_TKILL ? "SI_TKILL" : "other", YESNO(in.si_pid == getpid()));
    CHECK("pidfd_send_signal(self, SIGUSR1, PIDFD_SIGNAL_THREAD_GROUP)",
          pidfd_send_signal(me, SIGUSR1, NULL, PIDFD_SIGNAL_THREAD_GROUP));
    sigtimedwait(&usr1, &in, &ts);
    say("  self got code %s\n", in.si_code == SI_USER ? "SI_USER" : "other");
    CHECK("pidfd_send_signal(PIDFD_SELF_THREAD_GROUP, 0)", pidfd_send_signal(PIDFD_SELF_THREAD_GROUP, 0, NULL, 0));
    CHECK("pidfd_send_signal(PIDFD_SELF_THREAD, SIGUSR1)", pidfd_send_signal(PIDFD_SELF_THREAD, SIGUSR1, NULL, 0));
    sigtimedwait(&usr1, &in, &ts);
    say("  self got code %s\n", in.si_code == SI_TKILL ? "SI_TKILL" : "other");
    CHECK("pidfd_send_signal(self, SI_USER info, PIDFD_SIGNAL_PROCESS_GROUP)",
          pidfd_send_signal(self, SIGUSR1, &si, PIDFD_SIGNAL_PROCESS_GROUP));
    CHECK("pidfd_send_signal(self, 0, PIDFD_SIGNAL_PROCESS_GROUP) (we lead our group)",
          pidfd_send_signal(self, 0, NULL, PIDFD_SIGNAL_PROCESS_GROUP));
    close(me);
    close(self);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* A handler runs for a signal sent through a pidfd. */
    signal(SIGUSR2, on_sig);
    self = pidfd_open(getpid(), 0);
    CHECK("pidfd_send_signal(self, SIGUSR2) with a handler", pidfd_send_signal(self, SIGUSR2, NULL, 0));
    say("  handler ran: %s\n", YESNO(got == SIGUSR2));
    close(self);
    signal(SIGUSR2, SIG_DFL);
}

/* An unprivileged process may open pidfds of anyone but not signal or take fds from root. */
static void unprivileged(void) {
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) < 0)
            _exit(90);
        int fd = pidfd_open(getppid(), 0);
        say("  uid 65534: pidfd_open(root parent): %s\n", fd >= 0 ? "ok" : errname(errno));
        errno = 0;
        say("  uid 65534: pidfd_send_signal(root parent, SIGUSR1): %s\n",
            pidfd_send_signal(fd, SIGUSR1, NULL, 0) < 0 ? errname(errno) : "ok");
        say("  uid 65534: pidfd_send_signal(root parent, 0): %s\n",
            pidfd_send_signal(fd, 0, NULL, 0) < 0 ? errname(errno) : "ok");
        say("  uid 65534: pidfd_getfd(root parent, 1): %s\n",
            syscall(SYS_pidfd_getfd, fd, 1, 0) < 0 ? errname(errno) : "ok");
        int self = pidfd_open(getpid(), 0);
        long r = syscall(SYS_pidfd_getfd, self, 1, 0);
        say("  uid 65534: pidfd_getfd(self, 1): %s\n", r < 0 ? errname(errno) : "ok");
        say("  uid 65534: pidfd_send_signal(self, 0): %s\n",
            pidfd_send_signal(self, 0, NULL, 0) < 0 ? errname(errno) : "ok");
        _exit(0);
    }
    say("unprivileged child: %s\n", reap(c));
}

int main(void) {
    open_errors();
    readiness();
    signals();
    unprivileged();
    return 0;
}
