/* sched_yield, scheduling policy/params, priorities, affinity. (Raw syscalls where musl stubs
   the call out with ENOSYS.) */
#include "common.h"
#include <sched.h>
#include <sys/resource.h>

int main(void) {
    for (int i = 0; i < 3; i++)
        CHECK("sched_yield", sched_yield());
    CHECK("sched_getscheduler (SCHED_OTHER is 0)", syscall(SYS_sched_getscheduler, 0));
    struct sched_param sp;
    memset(&sp, 0xff, sizeof sp);
    CHECK("sched_getparam", syscall(SYS_sched_getparam, 0, &sp));
    say("priority %d\n", sp.sched_priority);
    CHECK("sched_getscheduler of missing pid", syscall(SYS_sched_getscheduler, 0x3fffffff));
    CHECK("sched_getscheduler negative pid", syscall(SYS_sched_getscheduler, -1));
    CHECK("sched_setscheduler SCHED_OTHER prio 0", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &(struct sched_param){.sched_priority = 0}));
    CHECK("sched_setscheduler SCHED_OTHER prio 5", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &(struct sched_param){.sched_priority = 5}));
    CHECK("sched_get_priority_max SCHED_FIFO", sched_get_priority_max(SCHED_FIFO));
    CHECK("sched_get_priority_min SCHED_FIFO", sched_get_priority_min(SCHED_FIFO));
    CHECK("sched_get_priority_max SCHED_OTHER", sched_get_priority_max(SCHED_OTHER));
    CHECK("sched_get_priority_max bad policy", sched_get_priority_max(42));
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    say("at least one cpu: %s, cpu 0 allowed: %s\n", YESNO(CPU_COUNT(&set) >= 1), YESNO(CPU_ISSET(0, &set)));
    CHECK("sched_getaffinity tiny buffer (raw)", syscall(SYS_sched_getaffinity, 0, 1, &set));
    errno = 0;
    say("getpriority: %d %s\n", getpriority(PRIO_PROCESS, 0), errname(errno));
    CHECK("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
    say("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    CHECK("nice(2)", nice(2));
    CHECK("setpriority -5 as root", setpriority(PRIO_PROCESS, 0, -5));
    say("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    CHECK("setpriority bad which", setpriority(42, 0, 0));
    CHECK("getpriority raw (20 - nice)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    pid_t c = fork();
    if (c == 0) {
        say("child inherits nice %d\n", getpriority(PRIO_PROCESS, 0));
        _exit(0);
    }
    reap(c);
    setpriority(PRIO_PROCESS, 0, 0);
    return 0;
}
