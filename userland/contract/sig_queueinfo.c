/* sigqueue / rt_sigqueueinfo: value delivery with SA_SIGINFO (si_code SI_QUEUE, si_value, si_pid),
   the kernel keeps the caller's si_pid/si_uid/si_code when queueing to itself but sets si_signo,
   EPERM for a non-negative si_code sent to another process, errors. */
#include "common.h"

static volatile int hits, got_signo, got_code, got_value, got_pid, got_uid, got_errno;
static void *volatile got_ptr;

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    got_signo = si->si_signo;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    got_ptr = si->si_value.sival_ptr;
    got_pid = si->si_pid;
    got_uid = si->si_uid;
    got_errno = si->si_errno;
}

static const char *code(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_MESGQ: return "SI_MESGQ";
    case -42: return "-42";
    default: return "other";
    }
}

static long qinfo(pid_t pid, int sig, siginfo_t *si) { return syscall(SYS_rt_sigqueueinfo, pid, sig, si); }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMIN + 2, &sa, NULL);

    CHECK("sigqueue(self, SIGUSR1, 1234)", sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 1234}));
    say("hits %d signo %d code %s value %d si_pid ours %s si_uid %d si_errno %d\n", hits, got_signo, code(got_code),
        got_value, YESNO(got_pid == getpid()), got_uid, got_errno);
    static int cookie;
    sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_ptr = &cookie});
    say("sival_ptr round trip on SIGRTMIN+2: %s\n", YESNO(got_ptr == &cookie));

    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = 99; /* overwritten by the kernel */
    si.si_code = SI_QUEUE;
    si.si_pid = 4242;
    si.si_uid = 777;
    si.si_errno = 5;
    si.si_value.sival_int = -9;
    CHECK("rt_sigqueueinfo(self) with a made-up si_pid/si_uid/si_errno", qinfo(getpid(), SIGUSR1, &si));
    say("signo %d code %s pid %d uid %d errno %d value %d\n", got_signo, code(got_code), got_pid, got_uid, got_errno,
        got_value);
    si.si_code = SI_USER;
    CHECK("rt_sigqueueinfo(self) with si_code SI_USER", qinfo(getpid(), SIGUSR1, &si));
    say("code %s pid %d\n", code(got_code), got_pid);
    si.si_code = SI_KERNEL;
    CHECK("rt_sigqueueinfo(self) with si_code SI_KERNEL", qinfo(getpid(), SIGUSR1, &si));
    say("code %s\n", code(got_code));
    si.si_code = -42;
    CHECK("rt_sigqueueinfo(self) with si_code -42", qinfo(getpid(), SIGUSR1, &si));
    say("code %s\n", code(got_code));
    si.si_code = SI_TKILL;
    CHECK("rt_sigqueueinfo(self) with si_code SI_TKILL", qinfo(getpid(), SIGUSR1, &si));
    say("code %s, handler hits %d\n", code(got_code), hits);

    /* To a child: it sees our pid as si_pid (via libc sigqueue) and the value. */
    int p[2], back[2];
    pipe(p);
    pipe(back);
    pid_t c = fork();
    if (c == 0) {
        hits = 0;
        write(p[1], "r", 1);
        while (!hits)
            pause();
        say("child: code %s value %d si_pid is the parent %s\n", code(got_code), got_value,
            YESNO(got_pid == getppid()));
        write(back[1], "d", 1);
        char b;
        read(p[0], &b, 1);
        while (hits < 2)
            pause();
        say("child: second: code %s pid %d\n", code(got_code), got_pid);
        _exit(0);
    }
    char b;
    read(p[0], &b, 1);
    errno = 0;
    long r = sigqueue(c, SIGUSR1, (union sigval){.sival_int = 55});
    int e = errno;
    read(back[0], &b, 1); /* the child has printed */
    say("sigqueue(child, SIGUSR1, 55): %ld %s\n", r, r < 0 ? errname(e) : "");
    si.si_code = SI_USER;
    CHECK("rt_sigqueueinfo(child) with si_code SI_USER", qinfo(c, SIGUSR1, &si));
    si.si_code = SI_KERNEL;
    CHECK("rt_sigqueueinfo(child) with si_code SI_KERNEL", qinfo(c, SIGUSR1, &si));
    si.si_code = SI_TKILL;
    CHECK("rt_sigqueueinfo(child) with si_code SI_TKILL", qinfo(c, SIGUSR1, &si));
    si.si_code = SI_QUEUE;
    si.si_pid = 4242;
    write(p[1], "g", 1);
    errno = 0;
    r = qinfo(c, SIGUSR1, &si);
    e = errno;
    const char *st = reap(c);
    say("rt_sigqueueinfo(child) with si_code SI_QUEUE and si_pid 4242: %ld %s\n", r, r < 0 ? errname(e) : "");
    say("child: %s\n", st);

    CHECK("sigqueue(self, 0) probe", sigqueue(getpid(), 0, (union sigval){0}));
    CHECK("sigqueue(nonexistent)", sigqueue(0x3fffffff, SIGUSR1, (union sigval){0}));
    CHECK("rt_sigqueueinfo signal 65", qinfo(getpid(), 65, &si));
    CHECK("rt_sigqueueinfo signal -1", qinfo(getpid(), -1, &si));
    si.si_code = SI_QUEUE;
    CHECK("rt_sigqueueinfo bad info pointer", qinfo(getpid(), SIGUSR1, (void *)8));
    CHECK("rt_sigqueueinfo pid 0", qinfo(0, SIGUSR1, &si));
    say("handler hits %d, code %s\n", hits, code(got_code));
    CHECK("rt_sigqueueinfo pid -1", qinfo(-1, SIGUSR1, &si));
    say("handler hits %d\n", hits);
    return 0;
}
