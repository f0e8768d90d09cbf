/* Unknown and retired syscall numbers give ENOSYS. (Not 335: since Linux 6.11 that is uretprobe,
   which raises SIGILL when called from anywhere but a uretprobe trampoline.) */
#include "common.h"

int main(void) {
    CHECK("syscall 1000", syscall(1000));
    CHECK("syscall -1", syscall(-1L));
    CHECK("syscall 0x7fffffff", syscall(0x7fffffffL));
    CHECK("create_module (174, removed)", syscall(174));
    CHECK("nfsservctl (180, removed)", syscall(180));
    CHECK("tuxcall (184, never implemented)", syscall(184));
    CHECK("vserver (236, never implemented)", syscall(236));
    say("getpid still works: %s\n", YESNO(syscall(SYS_getpid) == getpid()));
    return 0;
}
