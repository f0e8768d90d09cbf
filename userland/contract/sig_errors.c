/* Signal API error paths through raw syscalls: rt_sigaction on SIGKILL/SIGSTOP (any action, even
   SIG_DFL/SIG_IGN) and out-of-range numbers, sigsetsize checks, bad pointers, rt_sigprocmask's
   `how` (ignored when set is NULL), kill/tkill/tgkill signal and pid checks. */
#include "common.h"

struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static void h(int s) {}

static long act(int sig, void *handler, struct ksigaction *old, size_t sz) {
    struct ksigaction a = {handler, 0x04000000 /* SA_RESTORER */, NULL, 0};
    return syscall(SYS_rt_sigaction, sig, handler == (void *)-2 ? NULL : &a, old, sz);
}

static long mask(int how, const unsigned long *set, unsigned long *old, size_t sz) {
    return syscall(SYS_rt_sigprocmask, how, set, old, sz);
}

int main(void) {
    struct ksigaction old;
    CHECK("rt_sigaction(SIGKILL, handler)", act(SIGKILL, (void *)h, NULL, 8));
    CHECK("rt_sigaction(SIGKILL, SIG_IGN)", act(SIGKILL, SIG_IGN, NULL, 8));
    CHECK("rt_sigaction(SIGKILL, SIG_DFL)", act(SIGKILL, SIG_DFL, NULL, 8));
    CHECK("rt_sigaction(SIGSTOP, SIG_IGN)", act(SIGSTOP, SIG_IGN, NULL, 8));
    CHECK("rt_sigaction(SIGSTOP, SIG_DFL)", act(SIGSTOP, SIG_DFL, NULL, 8));
    memset(&old, 0x55, sizeof old);
    CHECK("rt_sigaction(SIGKILL, NULL, &old) query", act(SIGKILL, (void *)-2, &old, 8));
    say("  SIGKILL reads back SIG_DFL: %s\n", YESNO(old.handler == SIG_DFL));
    CHECK("rt_sigaction(0, handler)", act(0, (void *)h, NULL, 8));
    CHECK("rt_sigaction(0, NULL, &old)", act(0, (void *)-2, &old, 8));
    CHECK("rt_sigaction(65, handler)", act(65, (void *)h, NULL, 8));
    CHECK("rt_sigaction(-1, handler)", act(-1, (void *)h, NULL, 8));
    CHECK("rt_sigaction(64, handler)", act(64, (void *)h, NULL, 8));
    CHECK("rt_sigaction(32, handler) (libc-internal, kernel allows)", act(32, (void *)h, NULL, 8));
    act(32, SIG_DFL, NULL, 8);
    CHECK("rt_sigaction sigsetsize 4", act(SIGUSR1, (void *)h, NULL, 4));
    CHECK("rt_sigaction sigsetsize 16", act(SIGUSR1, (void *)h, NULL, 16));
    CHECK("rt_sigaction sigsetsize 0 (query only)", act(SIGUSR1, (void *)-2, &old, 0));
    CHECK("rt_sigaction bad act pointer", syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8));
    CHECK("rt_sigaction bad oldact pointer", syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)8, 8));
    CHECK("rt_sigaction(SIGKILL) with a bad act pointer", syscall(SYS_rt_sigaction, SIGKILL, (void *)8, NULL, 8));
    /* Flags the kernel does not know are kept or dropped? Read back what Linux keeps. */
    struct ksigaction a = {(void *)h, 0x04000000 | SA_RESTART | 0x00000200, NULL, 0};
    syscall(SYS_rt_sigaction, SIGUSR2, &a, NULL, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, &old, 8);
    say("unknown sa_flags bit 0x200 kept: %s, SA_RESTART kept: %s\n", YESNO(old.flags & 0x200),
        YESNO(old.flags & SA_RESTART));
    /* sa_mask with SIGKILL/SIGSTOP: silently dropped. */
    a.flags = 0x04000000;
    a.mask = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)) | (1UL << (SIGUSR1 - 1));
    syscall(SYS_rt_sigaction, SIGUSR2, &a, NULL, 8);
    syscall(SYS_rt_sigaction, SIGUSR2, NULL, &old, 8);
    say("sa_mask {KILL, STOP, USR1} reads back: KILL %s STOP %s USR1 %s\n", YESNO(old.mask & (1UL << (SIGKILL - 1))),
        YESNO(old.mask & (1UL << (SIGSTOP - 1))), YESNO(old.mask & (1UL << (SIGUSR1 - 1))));

    unsigned long set = 1UL << (SIGUSR1 - 1), o = 0;
    CHECK("rt_sigprocmask how 3", mask(3, &set, NULL, 8));
    CHECK("rt_sigprocmask how -1", mask(-1, &set, NULL, 8));
    CHECK("rt_sigprocmask how 3 with set NULL (query)", mask(3, NULL, &o, 8));
    CHECK("rt_sigprocmask sigsetsize 4", mask(SIG_BLOCK, &set, NULL, 4));
    CHECK("rt_sigprocmask sigsetsize 16", mask(SIG_BLOCK, &set, NULL, 16));
    CHECK("rt_sigprocmask sigsetsize 0", mask(SIG_BLOCK, NULL, &o, 0));
    CHECK("rt_sigprocmask bad set pointer", mask(SIG_BLOCK, (void *)8, NULL, 8));
    CHECK("rt_sigprocmask bad oldset pointer", mask(SIG_BLOCK, &set, (void *)8, 8));
    mask(SIG_SETMASK, NULL, &o, 8);
    say("mask after the failed calls: SIGUSR1 blocked %s\n", YESNO(o & set));
    unsigned long all = ~0UL;
    CHECK("rt_sigprocmask SIG_SETMASK all", mask(SIG_SETMASK, &all, NULL, 8));
    mask(SIG_SETMASK, NULL, &o, 8);
    say("  KILL/STOP dropped: %s, 32 and 33 kept: %s\n", YESNO(!(o & (1UL << 8)) && !(o & (1UL << 18))),
        YESNO((o >> 31) & 3) );
    unsigned long none = 0;
    mask(SIG_SETMASK, &none, NULL, 8);
    CHECK("same set and oldset pointer", mask(SIG_BLOCK, &set, &set, 8));
    say("  oldset written (empty): %s\n", YESNO(set == 0));
    mask(SIG_SETMASK, NULL, &o, 8);
    say("  SIGUSR1 now blocked: %s\n", YESNO(o & (1UL << (SIGUSR1 - 1))));
    mask(SIG_SETMASK, &none, NULL, 8);

    CHECK("kill(self, 0)", kill(getpid(), 0));
    CHECK("kill(self, 65)", kill(getpid(), 65));
    CHECK("kill(self, -1)", kill(getpid(), -1));
    CHECK("kill(self, 64) with SIG_IGN set", (signal(64, SIG_IGN), kill(getpid(), 64)));
    CHECK("kill(0x3fffffff, 0)", kill(0x3fffffff, 0));
    CHECK("kill(-0x3fffffff, 0)", kill(-0x3fffffff, 0));
    CHECK("kill(INT_MIN, 0)", kill((pid_t)0x80000000, 0));
    CHECK("tkill(self, 65)", syscall(SYS_tkill, gettid(), 65));
    CHECK("tkill(-1, SIGUSR1)", syscall(SYS_tkill, -1, SIGUSR1));
    CHECK("tgkill(self, self, 65)", syscall(SYS_tgkill, getpid(), gettid(), 65));
    CHECK("tgkill(-1, self)", syscall(SYS_tgkill, -1, gettid(), 0));
    CHECK("tgkill(self, -1)", syscall(SYS_tgkill, getpid(), -1, 0));
    CHECK("tgkill(self, 0x3fffffff)", syscall(SYS_tgkill, getpid(), 0x3fffffff, 0));
    pid_t c = fork();
    if (c == 0) {
        syscall(SYS_rt_sigreturn);
        _exit(0);
    }
    say("rt_sigreturn with garbage on the stack: %s\n", reap(c));
    return 0;
}
