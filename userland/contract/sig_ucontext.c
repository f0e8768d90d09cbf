/* What a handler gets and what sigreturn restores: general registers and SSE registers of the
   interrupted code come back intact, the handler starts with a default MXCSR and the interrupted
   MXCSR is restored, a handler that edits uc_sigmask changes the mask after return, ucontext
   fields (uc_flags, uc_link, fpregs, the saved mask). */
#include "common.h"
#include <ucontext.h>

unsigned long ctx_out[12] __attribute__((used));
unsigned char ctx_xmm_in[64] __attribute__((used)) = "0123456789abcdefFEDCBA9876543210xmm8-xmm8-xmm8-!xmm15-xmm15-xmm1";
unsigned char ctx_xmm_out[64] __attribute__((used));
int ctx_pid __attribute__((used));

static volatile unsigned h_mxcsr;
static volatile int h_fpregs_ok, h_link_null, h_mask_has_usr2, h_mask_has_self;
static volatile unsigned long h_flags;
static volatile int edit_mask;
static volatile double sink;

static void h(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    h_mxcsr = m;
    h_fpregs_ok = uc->uc_mcontext.fpregs != NULL;
    h_link_null = uc->uc_link == NULL;
    h_flags = uc->uc_flags;
    h_mask_has_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
    h_mask_has_self = sigismember(&uc->uc_sigmask, sig);
    /* Use the SSE registers and clobber general ones. */
    volatile double d = 1.0;
    for (int i = 0; i < 10; i++)
        d = d * 1.5 + 0.25;
    sink = d;
    char buf[64];
    snprintf(buf, sizeof buf, "%f %f", d, d * 2);
    if (edit_mask == 1)
        sigaddset(&uc->uc_sigmask, SIGUSR2);
    else if (edit_mask == 2)
        sigdelset(&uc->uc_sigmask, SIGTERM);
    else if (edit_mask == 3) {
        sigaddset(&uc->uc_sigmask, SIGKILL); /* cannot be blocked: dropped at sigreturn */
        sigaddset(&uc->uc_sigmask, SIGSTOP);
    }
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);

    /* General registers around a kill() syscall whose return delivers SIGUSR1. */
    ctx_pid = getpid();
    __asm__ volatile("mov $0x1111111111111111, %%rbx\n\t"
                     "mov $0x1212121212121212, %%r12\n\t"
                     "mov $0x1313131313131313, %%r13\n\t"
                     "mov $0x1414141414141414, %%r14\n\t"
                     "mov $0x1515151515151515, %%r15\n\t"
                     "mov $0x0808080808080808, %%r8\n\t"
                     "mov $0x0909090909090909, %%r9\n\t"
                     "mov $0x0a0a0a0a0a0a0a0a, %%r10\n\t"
                     "mov $0x0d0d0d0d0d0d0d0d, %%rdx\n\t"
                     "movdqu ctx_xmm_in(%%rip), %%xmm0\n\t"
                     "movdqu ctx_xmm_in+16(%%rip), %%xmm7\n\t"
                     "movdqu ctx_xmm_in+32(%%rip), %%xmm8\n\t"
                     "movdqu ctx_xmm_in+48(%%rip), %%xmm15\n\t"
                     "mov $62, %%eax\n\t" /* kill(ctx_pid, SIGUSR1) */
                     "mov ctx_pid(%%rip), %%edi\n\t"
                     "mov $10, %%esi\n\t"
                     "syscall\n\t"
                     "mov %%rax, ctx_out(%%rip)\n\t"
                     "mov %%rbx, ctx_out+8(%%rip)\n\t"
                     "mov %%r12, ctx_out+16(%%rip)\n\t"
                     "mov %%r13, ctx_out+24(%%rip)\n\t"
                     "mov %%r14, ctx_out+32(%%rip)\n\t"
                     "mov %%r15, ctx_out+40(%%rip)\n\t"
                     "mov %%r8, ctx_out+48(%%rip)\n\t"
                     "mov %%r9, ctx_out+56(%%rip)\n\t"
                     "mov %%r10, ctx_out+64(%%rip)\n\t"
                     "mov %%rdx, ctx_out+72(%%rip)\n\t"
                     "mov %%rdi, ctx_out+80(%%rip)\n\t"
                     "mov %%rsi, ctx_out+88(%%rip)\n\t"
                     "movdqu %%xmm0, ctx_xmm_out(%%rip)\n\t"
                     "movdqu %%xmm7, ctx_xmm_out+16(%%rip)\n\t"
                     "movdqu %%xmm8, ctx_xmm_out+32(%%rip)\n\t"
                     "movdqu %%xmm15, ctx_xmm_out+48(%%rip)\n\t"
                     :
                     :
                     : "rax", "rbx", "rcx", "rdx", "rdi", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                       "xmm0", "xmm7", "xmm8", "xmm15", "memory");
    unsigned long want[12] = {0, 0x1111111111111111UL, 0x1212121212121212UL, 0x1313131313131313UL,
                              0x1414141414141414UL, 0x1515151515151515UL, 0x0808080808080808UL,
                              0x0909090909090909UL, 0x0a0a0a0a0a0a0a0aUL, 0x0d0d0d0d0d0d0d0dUL,
                              (unsigned long)ctx_pid, 10};
    const char *names[12] = {"rax(=0)", "rbx", "r12", "r13", "r14", "r15", "r8", "r9", "r10", "rdx", "rdi", "rsi"};
    say("after the handler, registers intact:");
    for (int i = 0; i < 12; i++)
        say(" %s %s", names[i], YESNO(ctx_out[i] == want[i]));
    say("\n");
    say("xmm0/7/8/15 intact: %s\n", YESNO(memcmp(ctx_xmm_in, ctx_xmm_out, sizeof ctx_xmm_in) == 0));
    say("in the handler: fpregs present %s, uc_link NULL %s, uc_flags %#lx\n", YESNO(h_fpregs_ok), YESNO(h_link_null),
        h_flags);

    /* MXCSR: the handler starts from the default, the interrupted value comes back. */
    unsigned rz = 0x7f80, after;
    __asm__ volatile("ldmxcsr %0" ::"m"(rz));
    raise(SIGUSR1);
    __asm__ volatile("stmxcsr %0" : "=m"(after));
    say("MXCSR: in the handler %#x, after return %#x\n", h_mxcsr, after);
    unsigned def = 0x1f80;
    __asm__ volatile("ldmxcsr %0" ::"m"(def));

    /* The saved mask in the ucontext, and editing it. */
    sigset_t s, cur;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    say("uc_sigmask is the interrupted mask: has SIGUSR1 %s, SIGUSR2 %s\n", YESNO(h_mask_has_self),
        YESNO(h_mask_has_usr2));
    edit_mask = 1;
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler added SIGUSR2 to uc_sigmask: blocked after return %s, SIGTERM still %s\n",
        YESNO(sigismember(&cur, SIGUSR2)), YESNO(sigismember(&cur, SIGTERM)));
    edit_mask = 2;
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler removed SIGTERM from uc_sigmask: blocked after return %s\n", YESNO(sigismember(&cur, SIGTERM)));
    edit_mask = 3;
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("handler added SIGKILL/SIGSTOP to uc_sigmask: blocked after return %s %s\n", YESNO(sigismember(&cur, SIGKILL)),
        YESNO(sigismember(&cur, SIGSTOP)));
    sigemptyset(&cur);
    sigprocmask(SIG_SETMASK, &cur, NULL);
    return 0;
}


