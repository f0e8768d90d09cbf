/* signalfd4: read signalfd_siginfo records for pending blocked signals (kill, sigqueue with value,
   real-time queueing, tgkill), nonblocking EAGAIN, short buffer EINVAL, poll readiness, mask
   updates, flags, errors. */
#include "common.h"
#include <poll.h>
#include <sys/signalfd.h>

static const char *code(int c) {
    return c == SI_USER ? "SI_USER" : c == SI_QUEUE ? "SI_QUEUE" : c == SI_TKILL ? "SI_TKILL" : "other";
}

static void rd(const char *what, int fd, size_t len) {
    struct signalfd_siginfo buf[4];
    memset(buf, 0x55, sizeof buf);
    ssize_t r = read(fd, buf, len);
    if (r < 0) {
        say("%s: -1 %s\n", what, errname(errno));
        return;
    }
    say("%s: %zd bytes\n", what, r);
    for (ssize_t i = 0; i < r / (ssize_t)sizeof *buf; i++)
        say("  signo %u code %s pid ours %s uid %u errno %d int %d\n", buf[i].ssi_signo, code(buf[i].ssi_code),
            YESNO(buf[i].ssi_pid == (uint32_t)getpid()), buf[i].ssi_uid, buf[i].ssi_errno, buf[i].ssi_int);
}

int main(void) {
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int fd = (int)syscall(SYS_signalfd4, -1, &m, 8, SFD_NONBLOCK | SFD_CLOEXEC);
    say("signalfd4: %s\n", fd < 0 ? errname(errno) : "ok");
    if (fd < 0)
        return 0;
    say("sizeof(struct signalfd_siginfo): %zu\n", sizeof(struct signalfd_siginfo));
    say("O_NONBLOCK: %s, FD_CLOEXEC: %s\n", YESNO(fcntl(fd, F_GETFL) & O_NONBLOCK), YESNO(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    rd("read with nothing pending", fd, sizeof(struct signalfd_siginfo));
    struct pollfd p = {fd, POLLIN, 0};
    CHECK("poll with nothing pending", poll(&p, 1, 0));

    kill(getpid(), SIGUSR1);
    CHECK("poll after kill(self, SIGUSR1)", poll(&p, 1, 0));
    say("revents POLLIN: %s\n", YESNO(p.revents & POLLIN));
    rd("read with a 100-byte buffer", fd, 100);
    rd("read", fd, sizeof(struct signalfd_siginfo));
    sigset_t pend;
    sigpending(&pend);
    say("SIGUSR1 consumed: %s\n", YESNO(!sigismember(&pend, SIGUSR1)));

    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 11});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 12});
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    rd("four pending, read room for 4", fd, 4 * sizeof(struct signalfd_siginfo));
    rd("then", fd, sizeof(struct signalfd_siginfo));

    /* Signals outside the fd's mask stay pending for the usual delivery. */
    sigset_t other;
    sigemptyset(&other);
    sigaddset(&other, SIGTERM);
    sigprocmask(SIG_BLOCK, &other, NULL);
    kill(getpid(), SIGTERM);
    rd("SIGTERM pending, not in the mask", fd, sizeof(struct signalfd_siginfo));
    say("update the mask of the same fd to {SIGTERM}: returns that fd %s\n",
        YESNO(syscall(SYS_signalfd4, fd, &other, 8, 0) == fd));
    rd("now", fd, sizeof(struct signalfd_siginfo));

    /* Blocking read: waits for a signal from a child. */
    int bfd = (int)syscall(SYS_signalfd4, -1, &m, 8, 0);
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        sigqueue(getppid(), SIGUSR2, (union sigval){.sival_int = 77});
        _exit(0);
    }
    struct signalfd_siginfo one;
    ssize_t r = read(bfd, &one, sizeof one);
    say("blocking read: %zd, signo %u code %s pid is the child %s int %d\n", r, one.ssi_signo, code(one.ssi_code),
        YESNO(one.ssi_pid == (uint32_t)c), one.ssi_int);
    reap(c);

    /* A reader always reads its own pending signals: a forked child, through the inherited fd,
       gets the SIGTERM it sent itself, and the parent's own SIGTERM stays pending. */
    kill(getpid(), SIGTERM);
    c = fork();
    if (c == 0) {
        raise(SIGTERM);
        ssize_t n = read(fd, &one, sizeof one);
        ssize_t again = read(fd, &one, sizeof one);
        _exit(n == sizeof one && one.ssi_signo == SIGTERM && one.ssi_code == SI_TKILL && again < 0 ? 0 : 1);
    }
    say("child reads its own SIGTERM through the inherited fd: %s\n", reap(c));
    rd("parent reads", fd, sizeof(struct signalfd_siginfo));

    CHECK("sigsetsize 4", syscall(SYS_signalfd4, -1, &m, 4, 0));
    CHECK("sigsetsize 16", syscall(SYS_signalfd4, -1, &m, 16, 0));
    CHECK("bad flags", syscall(SYS_signalfd4, -1, &m, 8, 1));
    CHECK("bad mask pointer", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
    int pp[2];
    pipe(pp);
    CHECK("update a pipe fd", syscall(SYS_signalfd4, pp[0], &m, 8, 0));
    CHECK("update a closed fd", syscall(SYS_signalfd4, 999, &m, 8, 0));
    CHECK("write to a signalfd", write(fd, "x", 1));
    CHECK("lseek on a signalfd", lseek(fd, 0, SEEK_SET));
    return 0;
}
