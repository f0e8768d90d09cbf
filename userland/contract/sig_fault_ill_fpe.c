/* SIGILL, SIGFPE and SIGTRAP from instructions: si_code (ILL_ILLOPN, FPE_INTDIV, SI_KERNEL for int3),
   si_addr the faulting instruction, and a handler that moves RIP past the instruction resumes
   execution there (sigreturn restores the edited context). */
#include "common.h"
#include <ucontext.h>

extern char ud2_at[], ud2_end[], div0_at[], div0_end[], ovf_at[], ovf_end[], int3_at[], int3_end[];

__attribute__((noinline)) static void do_ud2(void) {
    __asm__ volatile(".globl ud2_at\nud2_at: ud2\n.globl ud2_end\nud2_end:\n");
}
__attribute__((noinline)) static int do_div0(int a) {
    int q;
    __asm__ volatile("mov %1, %%eax\n\tcltd\n\txor %%ecx, %%ecx\n\t.globl div0_at\ndiv0_at: idivl %%ecx\n\t.globl div0_end\n"
                     "div0_end:\n\tmov %%eax, %0"
                     : "=r"(q)
                     : "r"(a)
                     : "eax", "ecx", "edx");
    return q;
}
__attribute__((noinline)) static int do_ovf(void) {
    int q;
    __asm__ volatile("mov $0x80000000, %%eax\n\tcltd\n\tmov $-1, %%ecx\n\t.globl ovf_at\novf_at: idivl %%ecx\n\t"
                     ".globl ovf_end\novf_end:\n\tmov %%eax, %0"
                     : "=r"(q)
                     :
                     : "eax", "ecx", "edx");
    return q;
}
__attribute__((noinline)) static void do_int3(void) {
    __asm__ volatile(".globl int3_at\nint3_at: int3\n.globl int3_end\nint3_end:\n");
}

static volatile int g_sig, g_code, g_count;
static void *volatile g_addr;
static volatile long g_rip, g_trapno;
static char *resume_at;

static void h(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    g_count++;
    g_sig = sig;
    g_code = si->si_code;
    g_addr = si->si_addr;
    g_rip = uc->uc_mcontext.gregs[REG_RIP];
    g_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    if (resume_at)
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume_at;
}

static const char *code(int sig, int c) {
    if (sig == SIGILL)
        return c == ILL_ILLOPN ? "ILL_ILLOPN" : c == ILL_ILLOPC ? "ILL_ILLOPC" : c == ILL_PRVOPC ? "ILL_PRVOPC" : "other";
    if (sig == SIGFPE)
        return c == FPE_INTDIV ? "FPE_INTDIV" : c == FPE_INTOVF ? "FPE_INTOVF" : c == FPE_FLTDIV ? "FPE_FLTDIV" : "other";
    return c == SI_KERNEL ? "SI_KERNEL" : c == TRAP_BRKPT ? "TRAP_BRKPT" : "other";
}

static void show(const char *what, void *at, void *end) {
    say("%s: signal %d code %s si_addr %s rip %s trapno %ld, handled %d\n", what, g_sig, code(g_sig, g_code),
        g_addr == at ? "=instruction" : g_addr == end ? "=next instruction" : g_addr == NULL ? "0" : "other",
        (void *)g_rip == at ? "=instruction" : (void *)g_rip == end ? "=next instruction" : "other", g_trapno, g_count);
}

static void install(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

int main(void) {
    install(SIGILL);
    install(SIGFPE);
    install(SIGTRAP);
    resume_at = ud2_end;
    do_ud2();
    show("ud2", ud2_at, ud2_end);
    resume_at = div0_end;
    int q = do_div0(7);
    show("idiv by zero", div0_at, div0_end);
    say("execution resumed after the division (eax kept %d)\n", q);
    resume_at = ovf_end;
    do_ovf();
    show("idiv INT_MIN / -1", ovf_at, ovf_end);
    resume_at = NULL;
    do_int3();
    show("int3", int3_at, int3_end);

    /* A handler that returns without fixing anything: the instruction faults again. */
    pid_t c = fork();
    if (c == 0) {
        g_count = 0;
        resume_at = NULL;
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        do_ud2();
        _exit(0);
    }
    say("handler that does not skip ud2 (re-executed until SIGALRM): %s\n", reap(c));
    c = fork();
    if (c == 0) {
        signal(SIGFPE, SIG_DFL);
        do_div0(1);
        _exit(0);
    }
    say("unhandled division by zero: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGILL);
        sigprocmask(SIG_BLOCK, &s, NULL);
        do_ud2();
        _exit(0);
    }
    say("ud2 with SIGILL blocked (forced, handler reset): %s\n", reap(c));
    c = fork();
    if (c == 0) {
        signal(SIGTRAP, SIG_IGN);
        do_int3();
        _exit(0);
    }
    say("int3 with SIGTRAP ignored: %s\n", reap(c));
    return 0;
}
