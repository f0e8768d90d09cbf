/* sigaltstack: query/set/disable, SS_ONSTACK inside the handler, stack overflow caught on it. */
#include "common.h"
#include <sys/mman.h>
#pragma GCC diagnostic ignored "-Winfinite-recursion"

static char *alt;
static size_t altsz = 65536;
static volatile int on_alt, flags_in_handler;
static sigjmp_buf jb;

static void h(int sig) {
    char local;
    on_alt = &local >= alt && &local < alt + altsz;
    stack_t cur;
    sigaltstack(NULL, &cur);
    flags_in_handler = cur.ss_flags;
}

static void segv(int sig) {
    char local;
    on_alt = &local >= alt && &local < alt + altsz;
    siglongjmp(jb, 1);
}

static int depth;
static int recurse(int n) {
    volatile char pad[1024];
    pad[0] = (char)n;
    depth++;
    return recurse(n + 1) + pad[0];
}

int main(void) {
    stack_t ss, old;
    CHECK("query", sigaltstack(NULL, &old));
    say("initially disabled: %s\n", YESNO(old.ss_flags == SS_DISABLE));
    alt = mmap(NULL, altsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ss.ss_sp = alt;
    ss.ss_size = altsz;
    ss.ss_flags = 0;
    CHECK("set 64 KiB", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    say("query: flags %d size %zu same base %s\n", old.ss_flags, old.ss_size, YESNO(old.ss_sp == alt));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("handler without SA_ONSTACK on the alt stack: %s\n", YESNO(on_alt));
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("with SA_ONSTACK: on the alt stack %s, ss_flags inside SS_ONSTACK: %s\n", YESNO(on_alt),
        YESNO(flags_in_handler & SS_ONSTACK));
    ss.ss_size = 1024;
    CHECK("set too small", sigaltstack(&ss, NULL));
    ss.ss_size = altsz;
    ss.ss_flags = 0x1234;
    CHECK("bad flags", sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE;
    CHECK("disable", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    say("disabled: %s\n", YESNO(old.ss_flags == SS_DISABLE));
    raise(SIGUSR1);
    say("SA_ONSTACK with the alt stack disabled: on alt %s\n", YESNO(on_alt));

    ss.ss_sp = alt;
    ss.ss_size = altsz;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit { unsigned long cur, max; } lim = {1 << 20, 1 << 20};
        syscall(SYS_setrlimit, 3 /* RLIMIT_STACK */, &lim);
        sa.sa_handler = segv;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &sa, NULL);
        if (sigsetjmp(jb, 1) == 0)
            recurse(0);
        say("child: stack overflow caught on the alt stack: %s, depth > 100: %s\n", YESNO(on_alt), YESNO(depth > 100));
        _exit(0);
    }
    say("child: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        struct rlimit { unsigned long cur, max; } lim = {1 << 20, 1 << 20};
        syscall(SYS_setrlimit, 3, &lim);
        sa.sa_handler = segv;
        sa.sa_flags = 0;
        sigaction(SIGSEGV, &sa, NULL);
        recurse(0);
        _exit(0);
    }
    say("stack overflow with a handler but no alt stack: %s\n", reap(c));
    return 0;
}
