/* Default signal actions seen by a parent: terminate, ignore, core-type signals, SIG_IGN. */
#include "common.h"

static int p[2];

static pid_t child(void (*setup)(void), int self_sig) {
    pid_t c = fork();
    if (c == 0) {
        if (setup)
            setup();
        if (self_sig > 0) {
            raise(self_sig);
            _exit(0); /* survived */
        }
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    if (self_sig <= 0) {
        char b;
        read(p[0], &b, 1);
    }
    return c;
}

static void ign_term(void) { signal(SIGTERM, SIG_IGN); }

int main(void) {
    pipe(p);
    pid_t c;
    int sigs[] = {SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        c = child(NULL, 0);
        kill(c, sigs[i]);
        say("parent sends %d: %s\n", sigs[i], reap(c));
    }
    int ignored[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
    for (unsigned i = 0; i < sizeof ignored / sizeof *ignored; i++) {
        c = child(NULL, ignored[i]);
        say("child raises %d (default: ignore): %s\n", ignored[i], reap(c));
    }
    int rt = SIGRTMIN + 3;
    c = child(NULL, rt);
    say("child raises SIGRTMIN+3 (default: terminate): %s\n", reap(c));
    c = child(NULL, 0);
    kill(c, SIGTERM);
    say("parent sends SIGTERM: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        *(volatile int *)0 = 1;
        _exit(0);
    }
    say("null pointer write: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        __asm__ volatile("xor %%ecx, %%ecx\n\tmov $7, %%eax\n\tcltd\n\tidiv %%ecx" ::: "eax", "ecx", "edx");
        _exit(0);
    }
    say("integer division by zero: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        __asm__ volatile("ud2");
        _exit(0);
    }
    say("ud2: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        __asm__ volatile("int3");
        _exit(0);
    }
    say("int3: %s\n", reap(c));
    c = fork();
    if (c == 0)
        abort();
    say("abort(): %s\n", reap(c));
    c = fork();
    if (c == 0) {
        __asm__ volatile("hlt"); /* privileged: general protection fault */
        _exit(0);
    }
    say("hlt in user mode: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        char *volatile bad = (char *)0x8000000000000000UL; /* non-canonical */
        *bad = 1;
        _exit(0);
    }
    say("non-canonical address: %s\n", reap(c));

    c = child(ign_term, 0);
    kill(c, SIGTERM);
    usleep(20000);
    CHECK("SIGTERM ignored, child alive", kill(c, 0));
    kill(c, SIGKILL);
    say("then SIGKILL: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_IGN);
        *(volatile int *)0 = 1;
        _exit(0);
    }
    say("SIGSEGV ignored, null write: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGSEGV);
        sigprocmask(SIG_BLOCK, &s, NULL);
        *(volatile int *)0 = 1;
        _exit(0);
    }
    say("SIGSEGV blocked, null write: %s\n", reap(c));
    return 0;
}
