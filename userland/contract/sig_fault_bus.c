/* SIGBUS for a file mapping beyond the end of the file: si_code BUS_ADRERR, si_addr the address;
   also after the file shrinks under a live mapping; the partial last page reads as zeros. */
#include "common.h"
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int g_sig, g_code;
static void *volatile g_addr;

static void h(int sig, siginfo_t *si, void *ctx) {
    g_sig = sig;
    g_code = si->si_code;
    g_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static void try(const char *what, char *target, char mode) {
    g_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        int v = 0;
        if (mode == 'r')
            v = *(volatile char *)target;
        else
            *(volatile char *)target = 'w';
        say("%s: ok (%d)\n", what, v);
        return;
    }
    const char *c = "other";
    if (g_sig == SIGBUS)
        c = g_code == BUS_ADRERR ? "BUS_ADRERR" : g_code == BUS_ADRALN ? "BUS_ADRALN" : g_code == BUS_OBJERR ? "BUS_OBJERR" : "other";
    else if (g_sig == SIGSEGV)
        c = g_code == SEGV_MAPERR ? "SEGV_MAPERR" : g_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
    say("%s: signal %d code %s si_addr %s\n", what, g_sig, c, g_addr == target ? "=target" : "other");
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    scratch_dir("/tmp/sig_fault_bus");
    int fd = open("/tmp/sig_fault_bus/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char data[100];
    memset(data, 'a', sizeof data);
    write(fd, data, sizeof data);
    char *shared = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *priv = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    say("mmap: %s %s\n", shared == MAP_FAILED ? errname(errno) : "ok", priv == MAP_FAILED ? "failed" : "ok");
    try("MAP_SHARED read within the file", shared + 50, 'r');
    try("MAP_SHARED read past EOF in the last page", shared + 200, 'r');
    try("MAP_SHARED read one page past EOF", shared + PAGE + 10, 'r');
    try("MAP_SHARED write two pages past EOF", shared + 2 * PAGE + 4095, 'w');
    try("MAP_PRIVATE read one page past EOF", priv + PAGE + 1, 'r');
    try("MAP_PRIVATE write one page past EOF", priv + PAGE + 2, 'w');
    ftruncate(fd, 0);
    try("MAP_SHARED read of page 0 after ftruncate(0)", shared + 3, 'r');
    ftruncate(fd, 2 * PAGE);
    try("MAP_SHARED read of page 1 after ftruncate(2 pages)", shared + PAGE + 3, 'r');
    try("MAP_SHARED read of page 2 (still past EOF)", shared + 2 * PAGE, 'r');
    munmap(shared, 3 * PAGE);
    munmap(priv, 3 * PAGE);
    close(fd);

    pid_t c = fork();
    if (c == 0) {
        signal(SIGBUS, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        int f2 = open("/tmp/sig_fault_bus/f", O_RDWR);
        ftruncate(f2, 0);
        char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, f2, 0);
        (void)*(volatile char *)p;
        _exit(0);
    }
    say("unhandled: %s\n", reap(c));
    remove_tree("/tmp/sig_fault_bus");
    return 0;
}
