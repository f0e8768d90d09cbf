/* SIGSEGV siginfo for faults: si_addr is the faulting address, si_code SEGV_MAPERR for unmapped and
   SEGV_ACCERR for protection faults (read, write, execute); the ucontext's trap number, error code
   (user/write/fetch bits) and CR2; faults that are not page faults (non-canonical address, privileged instruction). */
#include "common.h"
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf jb;
static volatile int g_sig, g_code, g_errno;
static void *volatile g_addr;
static volatile long g_trapno, g_err, g_cr2;

static void h(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    g_sig = sig;
    g_code = si->si_code;
    g_errno = si->si_errno;
    g_addr = si->si_addr;
    g_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    g_err = uc->uc_mcontext.gregs[REG_ERR];
    g_cr2 = uc->uc_mcontext.gregs[REG_CR2];
    siglongjmp(jb, 1);
}

static const char *code(int c) {
    return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : c == SI_KERNEL ? "SI_KERNEL" : "other";
}

static void report(const char *what, void *target) {
    /* The error code's present bit depends on whether the page was ever populated: left out. */
    say("%s: signal %d code %s errno %d si_addr %s trapno %ld", what, g_sig, code(g_code), g_errno,
        g_addr == target ? "=target" : g_addr == NULL ? "0" : "other", g_trapno);
    if (g_trapno == 14)
        say(" err %#lx cr2 %s\n", g_err & ~1L, (void *)g_cr2 == target ? "=target" : "other");
    else
        say(" err %#lx\n", g_err);
}

static void try(const char *what, void *target, char mode) {
    g_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        if (mode == 'r')
            (void)*(volatile char *)target;
        else if (mode == 'w')
            *(volatile char *)target = 1;
        else if (mode == 'x')
            ((void (*)(void))target)();
        else if (mode == 'h')
            __asm__ volatile("hlt");
        say("%s: no fault\n", what);
        return;
    }
    report(what, target);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + PAGE, PAGE);
    mprotect(m + 2 * PAGE, PAGE, PROT_READ);
    mprotect(m + 3 * PAGE, PAGE, PROT_NONE);
    m[0] = (char)0xc3; /* ret */
    try("read an unmapped page (+123)", m + PAGE + 123, 'r');
    try("write an unmapped page (+4095)", m + PAGE + 4095, 'w');
    try("write a read-only page (+5)", m + 2 * PAGE + 5, 'w');
    try("read a read-only page", m + 2 * PAGE + 5, 'r');
    try("read a PROT_NONE page (+77)", m + 3 * PAGE + 77, 'r');
    try("write a PROT_NONE page", m + 3 * PAGE + 1, 'w');
    try("execute a read/write page", m, 'x');
    try("read address 0", NULL, 'r');
    try("write address 16", (void *)16, 'w');
    try("read a kernel address", (void *)0xffffffff81000000UL, 'r');
    try("read a non-canonical address", (void *)0x8000000000000000UL, 'r');
    try("hlt in user mode", NULL, 'h');
    mprotect(m, PAGE, PROT_READ | PROT_EXEC);
    try("execute after mprotect(PROT_READ|PROT_EXEC)", m, 'x');

    /* A SIGSEGV sent with kill is not a fault: SI_USER, no address. */
    g_sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        kill(getpid(), SIGSEGV);
    say("kill(self, SIGSEGV): signal %d code %s\n", g_sig, g_code == SI_USER ? "SI_USER" : "other");
    /* Without a handler the fault is fatal. */
    pid_t c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_DFL);
        *(volatile char *)(m + PAGE) = 1;
        _exit(0);
    }
    say("unhandled: %s\n", reap(c));
    return 0;
}
