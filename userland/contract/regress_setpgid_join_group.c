/* regress_setpgid_join_group: moving a second child into the process group of the first
   (what a shell does for every pipeline) must not hang. Kairos once deadlocked here by
   taking a process's state lock twice while checking that the group exists. */
/* contract-status: 0 */
#include "common.h"
#include <sys/wait.h>

int main(void) {
    pid_t a = fork();
    if (a == 0) {
        pause();
        _exit(0);
    }
    CHECK("setpgid(a, a)", setpgid(a, a));
    pid_t b = fork();
    if (b == 0) {
        pause();
        _exit(0);
    }
    CHECK("setpgid(b, a) joins a's group", setpgid(b, a));
    say("b's group is a's: %s\n", YESNO(getpgid(b) == a));
    CHECK("kill the group", kill(-a, SIGTERM));
    int st, n = 0;
    while (wait(&st) > 0)
        n++;
    say("reaped %d, last killed by SIGTERM: %s\n", n, YESNO(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM));
    return 0;
}
