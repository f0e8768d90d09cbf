/* arch_prctl: FS base is the TLS pointer (main thread and threads), GS base, errors. */
#include "common.h"
#include <pthread.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static unsigned long thread_fs;
static int thread_match;
static void *t(void *arg) {
    syscall(SYS_arch_prctl, ARCH_GET_FS, &thread_fs);
    thread_match = thread_fs == (unsigned long)pthread_self();
    return NULL;
}

int main(void) {
    unsigned long fs = 0, gs = 1;
    CHECK("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    say("FS base equals the TLS pointer (pthread_self): %s\n", YESNO(fs == (unsigned long)pthread_self()));
    unsigned long rdfs;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(rdfs));
    say("FS base equals %%fs:0 (TLS self pointer): %s\n", YESNO(fs == rdfs));
    CHECK("ARCH_GET_GS", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    say("GS base: %#lx\n", gs);
    CHECK("ARCH_SET_GS 0x12345000", syscall(SYS_arch_prctl, ARCH_SET_GS, 0x12345000UL));
    syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
    say("GS base now: %#lx\n", gs);
    CHECK("ARCH_SET_FS to the same value", syscall(SYS_arch_prctl, ARCH_SET_FS, fs));
    say("TLS still works (errno round trip): %s\n", YESNO((errno = 77, errno == 77)));
    CHECK("ARCH_SET_FS non-canonical", syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL));
    CHECK("ARCH_SET_GS kernel address", syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL));
    CHECK("ARCH_GET_FS bad pointer", syscall(SYS_arch_prctl, ARCH_GET_FS, 8UL));
    CHECK("bad code", syscall(SYS_arch_prctl, 0x9999, 0UL));
    pthread_t th;
    pthread_create(&th, NULL, t, NULL);
    pthread_join(th, NULL);
    say("thread FS base is its own TLS pointer: %s, differs from main: %s\n", YESNO(thread_match), YESNO(thread_fs != fs));
    pid_t c = fork();
    if (c == 0) {
        unsigned long cfs = 0, cgs = 0;
        syscall(SYS_arch_prctl, ARCH_GET_FS, &cfs);
        syscall(SYS_arch_prctl, ARCH_GET_GS, &cgs);
        _exit(cfs == fs && cgs == 0x12345000UL ? 0 : 1);
    }
    say("forked child inherits FS and GS bases: %s\n", reap(c));
    return 0;
}
