/* mprotect: write to PROT_READ gives SIGSEGV/SEGV_ACCERR at the address, PROT_NONE, NX, errors. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 'x';
    CHECK("mprotect page 0 PROT_READ", mprotect(p, PAGE, PROT_READ));
    say("write to PROT_READ page: %s\n", probe(p + 16, 'w'));
    say("read it: %s, value %c\n", probe(p, 'r'), p[0]);
    say("write to the next page: %s\n", probe(p + PAGE, 'w'));
    CHECK("mprotect back to RW", mprotect(p, PAGE, PROT_READ | PROT_WRITE));
    say("write again: %s\n", probe(p + 16, 'w'));
    CHECK("mprotect PROT_NONE", mprotect(p + PAGE, PAGE, PROT_NONE));
    say("read PROT_NONE: %s\n", probe(p + PAGE + 100, 'r'));
    say("write PROT_NONE: %s\n", probe(p + PAGE, 'w'));
    CHECK("mprotect unaligned (raw; musl rounds down)", syscall(SYS_mprotect, p + 1, PAGE, PROT_READ));
    CHECK("mprotect bad prot", mprotect(p, PAGE, 0x100));
    CHECK("mprotect length 0", mprotect(p, 0, PROT_READ));
    munmap(p + 2 * PAGE, PAGE);
    CHECK("mprotect range with a hole", mprotect(p, 3 * PAGE, PROT_READ));
    say("pages before the hole were changed anyway: write %s\n", probe(p, 'w'));
    CHECK("mprotect unmapped", mprotect(p + 2 * PAGE, PAGE, PROT_READ));

    /* Execute permission (NX). */
    unsigned char *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    code[0] = 0xc3; /* ret */
    say("call into RW page: %s\n", probe(code, 'x'));
    CHECK("mprotect PROT_READ|PROT_EXEC", mprotect(code, PAGE, PROT_READ | PROT_EXEC));
    say("call into RX page: %s\n", probe(code, 'x'));
    say("write to RX page: %s\n", probe(code + 8, 'w'));
    unsigned char *rwx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rwx[0] = 0xb8; /* mov eax, 42 */
    rwx[1] = 42;
    rwx[2] = rwx[3] = rwx[4] = 0;
    rwx[5] = 0xc3;
    say("RWX page returns %d\n", ((int (*)(void))rwx)());
    say("read-only text of this program: write %s\n", probe((void *)main, 'w'));
    static const char ro_data[16] = "constant";
    say("write to .rodata: %s\n", probe((void *)ro_data, 'w'));

    char *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        w[0] = 'y';
        _exit(0);
    }
    say("child writing an RW page of its copy: %s\n", reap(c));
    mprotect(p, PAGE, PROT_READ);
    c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_DFL);
        p[0] = 'y';
        _exit(0);
    }
    say("child writing a PROT_READ page without a handler: %s\n", reap(c));
    return 0;
}
