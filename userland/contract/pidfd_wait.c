/* Waiting through pidfds and making them at fork time: waitid(P_PIDFD) (exactly that child,
   WNOHANG, WNOWAIT, EAGAIN for a PIDFD_NONBLOCK pidfd, ECHILD for non-children and reaped ones,
   EINVAL/EBADF), clone(CLONE_PIDFD) and clone3's pidfd field (O_CLOEXEC, not inherited, EINVAL
   with CLONE_PARENT_SETTID at the same address, EFAULT leaves no child), and pidfd_getfd
   (duplicating a child's pipe, its errors, ESRCH once the child is gone). */
#include <poll.h>
#include <sched.h>

#include "common.h"

#define PIDFD_NONBLOCK O_NONBLOCK
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#define SYS_pidfd_send_signal 424
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

static long wait_pidfd(int fd, siginfo_t *si, int options) {
    memset(si, 0, sizeof *si);
    return syscall(SYS_waitid, P_PIDFD, fd, si, options, NULL);
}

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case 0: return "0";
    default: return "other";
    }
}

static void show_wait(const char *what, int fd, int options, pid_t expect) {
    siginfo_t si;
    long r = wait_pidfd(fd, &si, options);
    if (r < 0)
        say("%s: -1 %s (si_pid 0: %s)\n", what, errname(errno), YESNO(si.si_pid == 0));
    else
        say("%s: %ld signo %d code %s status %d pid matches %s\n", what, r, si.si_signo, code_name(si.si_code),
            si.si_status, YESNO(si.si_pid == expect));
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

static void waiting(void) {
    int gate[2];
    pid_t other_gate_child;
    int og[2];
    other_gate_child = gated_child(og, 9); /* must not be collected by the pidfd waits */
    pid_t c = gated_child(gate, 7);
    int fd = pidfd_open(c, 0);
    show_wait("waitid(P_PIDFD, running, WNOHANG)", fd, WEXITED | WNOHANG, c);
    int nb = pidfd_open(c, PIDFD_NONBLOCK);
    show_wait("waitid(P_PIDFD nonblocking, running)", nb, WEXITED, c);
    show_wait("waitid(P_PIDFD nonblocking, running, WNOHANG)", nb, WEXITED | WNOHANG, c);
    CHECK("waitid(P_PIDFD, -1)", syscall(SYS_waitid, P_PIDFD, -1, NULL, WEXITED, NULL));
    CHECK("waitid(P_PIDFD, closed fd)", syscall(SYS_waitid, P_PIDFD, 999, NULL, WEXITED, NULL));
    CHECK("waitid(P_PIDFD, options 0)", syscall(SYS_waitid, P_PIDFD, fd, NULL, 0, NULL));
    open_gate(gate);
    /* Blocks until the child exits. */
    show_wait("waitid(P_PIDFD, WEXITED|WNOWAIT)", fd, WEXITED | WNOWAIT, c);
    show_wait("waitid(P_PIDFD nonblocking, zombie)", nb, WEXITED, c);
    show_wait("waitid(P_PIDFD, reaped)", fd, WEXITED, c);
    show_wait("waitid(P_PIDFD, reaped, WNOHANG)", fd, WEXITED | WNOHANG, c);
    close(nb);
    close(fd);

    /* Not our children. */
    int pfd = pidfd_open(getppid(), 0);
    show_wait("waitid(P_PIDFD, our parent, WNOHANG)", pfd, WEXITED | WNOHANG, 0);
    close(pfd);
    int self = pidfd_open(getpid(), 0);
    show_wait("waitid(P_PIDFD, self, WNOHANG)", self, WEXITED | WNOHANG, 0);
    close(self);
    int link[2];
    pipe(link);
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            pause();
            _exit(0);
        }
        write(link[1], &g, sizeof g);
        pause();
        _exit(0);
    }
    pid_t g;
    read(link[0], &g, sizeof g);
    int gfd = pidfd_open(g, 0);
    show_wait("waitid(P_PIDFD, grandchild, WNOHANG)", gfd, WEXITED | WNOHANG, 0);
    syscall(SYS_pidfd_send_signal, gfd, SIGKILL, NULL, 0);
    close(gfd);
    int cfd = pidfd_open(c, 0);
    syscall(SYS_pidfd_send_signal, cfd, SIGKILL, NULL, 0);
    show_wait("waitid(P_PIDFD, killed child)", cfd, WEXITED, c);
    close(cfd);
    close(link[0]);
    close(link[1]);

    /* Stop and continue reports through a pidfd. */
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    fd = pidfd_open(c, 0);
    syscall(SYS_pidfd_send_signal, fd, SIGSTOP, NULL, 0);
    show_wait("waitid(P_PIDFD, WSTOPPED)", fd, WSTOPPED, c);
    syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
    show_wait("waitid(P_PIDFD, WCONTINUED)", fd, WCONTINUED, c);
    syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
    show_wait("waitid(P_PIDFD, WEXITED)", fd, WEXITED, c);
    close(fd);

    open_gate(og);
    say("other child: %s\n", reap(other_gate_child));
}

static void clone_pidfd(void) {
    int pfd = -1;
    long r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, 0, 0);
    if (r == 0) {
        /* The pidfd is the parent's: the child (a copy of the table before it) lacks it. */
        _exit(fcntl(pfd, F_GETFD) < 0 && errno == EBADF ? 5 : 6);
    }
    say("clone(CLONE_PIDFD): %s, pidfd %s, FD_CLOEXEC %s\n", r > 0 ? "ok" : errname(errno), YESNO(pfd >= 0),
        YESNO(fcntl(pfd, F_GETFD) & FD_CLOEXEC));
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int ready = poll(&p, 1, 5000);
    say("  poll: %d, POLLIN %s\n", ready, YESNO(p.revents & POLLIN));
    show_wait("  waitid(P_PIDFD)", pfd, WEXITED, (pid_t)r);
    close(pfd);

    CHECK("clone(CLONE_PIDFD|CLONE_PARENT_SETTID)",
          syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pfd, 0, 0));

    struct clone_args_v0 ca;
    memset(&ca, 0, sizeof ca);
    pfd = -1;
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uint64_t)(uintptr_t)&pfd;
    ca.exit_signal = SIGCHLD;
    r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0)
        _exit(3);
    say("clone3(CLONE_PIDFD): %s, pidfd %s, FD_CLOEXEC %s\n", r > 0 ? "ok" : errname(errno), YESNO(pfd >= 0),
        YESNO(fcntl(pfd, F_GETFD) & FD_CLOEXEC));
    show_wait("  waitid(P_PIDFD)", pfd, WEXITED, (pid_t)r);
    close(pfd);

    pid_t ptid = 0;
    pfd = -1;
    ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    ca.parent_tid = (uint64_t)(uintptr_t)&ptid;
    r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0)
        _exit(4);
    say("clone3(CLONE_PIDFD|CLONE_PARENT_SETTID, separate): %s, pidfd %s, parent_tid matches %s\n",
        r > 0 ? "ok" : errname(errno), YESNO(pfd >= 0), YESNO(ptid == r));
    show_wait("  waitid(P_PIDFD)", pfd, WEXITED, (pid_t)r);
    close(pfd);

    ca.parent_tid = ca.pidfd;
    CHECK("clone3(CLONE_PIDFD|CLONE_PARENT_SETTID, same address)", syscall(SYS_clone3, &ca, sizeof ca));
    ca.flags = CLONE_PIDFD;
    ca.parent_tid = 0;
    ca.pidfd = 8;
    CHECK("clone3(CLONE_PIDFD, bad pidfd pointer)", syscall(SYS_clone3, &ca, sizeof ca));
    int st;
    CHECK("  no child was left behind", waitpid(-1, &st, WNOHANG));
    ca.flags = CLONE_PIDFD | 0x00400000; /* CLONE_DETACHED */
    ca.pidfd = (uint64_t)(uintptr_t)&pfd;
    CHECK("clone3(CLONE_PIDFD|CLONE_DETACHED)", syscall(SYS_clone3, &ca, sizeof ca));
}

static void getfd(void) {
    int report[2], gate[2], sync[2];
    pipe(report);
    pipe(sync);
    pipe(gate);
    pid_t c = fork();
    if (c == 0) {
        int p[2];
        pipe(p);
        write(p[1], "hello", 5);
        write(report[1], &p[0], sizeof p[0]);
        char b;
        read(gate[0], &b, 1);
        _exit(0);
    }
    close(gate[0]);
    int fd = pidfd_open(c, 0);
    int child_fd;
    read(report[0], &child_fd, sizeof child_fd);
    CHECK("pidfd_getfd(flags 1)", syscall(SYS_pidfd_getfd, fd, child_fd, 1));
    CHECK("pidfd_getfd(not a pidfd)", syscall(SYS_pidfd_getfd, report[0], child_fd, 0));
    CHECK("pidfd_getfd(closed pidfd)", syscall(SYS_pidfd_getfd, 999, child_fd, 0));
    CHECK("pidfd_getfd(child fd 999)", syscall(SYS_pidfd_getfd, fd, 999, 0));
    CHECK("pidfd_getfd(child fd -1)", syscall(SYS_pidfd_getfd, fd, -1, 0));
    int nfd = (int)syscall(SYS_pidfd_getfd, fd, child_fd, 0);
    say("pidfd_getfd(child's pipe): %s, FD_CLOEXEC %s\n", nfd >= 0 ? "ok" : errname(errno),
        YESNO(fcntl(nfd, F_GETFD) & FD_CLOEXEC));
    char buf[16] = {0};
    ssize_t n = read(nfd, buf, sizeof buf - 1);
    say("  read: %zd \"%s\"\n", n, n > 0 ? buf : "");
    close(nfd);
    write(gate[1], "x", 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 5000);
    CHECK("pidfd_getfd(zombie)", syscall(SYS_pidfd_getfd, fd, child_fd, 0));
    say("child: %s\n", reap(c));
    CHECK("pidfd_getfd(reaped)", syscall(SYS_pidfd_getfd, fd, child_fd, 0));
    close(fd);
    close(gate[1]);
    close(report[0]);
    close(report[1]);
    close(sync[0]);
    close(sync[1]);
}

int main(void) {
    waiting();
    clone_pidfd();
    getfd();
    return 0;
}
