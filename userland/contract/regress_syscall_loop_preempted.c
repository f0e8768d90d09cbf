/* regress_syscall_loop_preempted: a process that loops on system calls which all complete
   at once must still be preempted, so that the process it waits for gets the CPU. Kairos
   once re-armed a fresh time slice on every return to user mode, and starved the other
   process forever on one CPU. */
/* contract-status: 0 */
#include "common.h"
#include <sys/mman.h>
#include <sys/wait.h>

int main(void) {
    volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *flag = 0;
    pid_t c = fork();
    if (c == 0) {
        /* Needs CPU time of its own before it can set the flag. */
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 2000000; i++)
            x += i;
        *flag = 1;
        _exit(0);
    }
    unsigned long calls = 0;
    while (!*flag) {
        getppid();
        calls++;
    }
    int st;
    waitpid(c, &st, 0);
    say("the child ran while we looped on syscalls: yes, exited %d\n", WEXITSTATUS(st));
    return 0;
}
