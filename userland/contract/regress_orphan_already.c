/* regress_orphan_already: found by the stress suite (userland/stress/repro/orphan_already.c). */
/* contract-status: 0 */
/* SIGHUP+SIGCONT go only to a *newly* orphaned process group with a stopped member.
   M = fork(); M: setsid(); C = fork(); C (in M's group, which is orphaned from the start: a
   session leader's group has no parent in its session) stops itself; M sees the stop, exits.
   Linux (kill_orphaned_pgrp): M's exit does not orphan the group (it already was), so nothing
   is sent: C stays stopped until we continue it, and has seen no SIGHUP.
   Second case: C makes its own group inside M's session: M was the group's only link (parent
   in another group of the same session), so M's exit orphans it: SIGHUP then SIGCONT. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile sig_atomic_t hups;
static void on_hup(int s) { hups++; }
static void one(int own_group) {
    int rp[2];
    pipe(rp);
    pid_t m = fork();
    if (m == 0) {
        setsid();
        pid_t c = fork();
        if (c == 0) {
            signal(SIGHUP, on_hup);
            if (own_group)
                setpgid(0, 0);
            kill(getpid(), SIGSTOP);
            int h = hups;
            write(rp[1], &h, sizeof h);
            _exit(0);
        }
        int st;
        waitpid(c, &st, WUNTRACED);
        write(rp[1], &c, sizeof c);
        _exit(0);
    }
    pid_t c;
    read(rp[0], &c, sizeof c);
    waitpid(m, NULL, 0);
    struct pollfd pf = {rp[0], POLLIN, 0};
    int continued_by_kernel = poll(&pf, 1, 200) > 0;
    if (!continued_by_kernel)
        kill(c, SIGCONT);
    int h = -1;
    read(rp[0], &h, sizeof h);
    printf("%s: continued by the kernel: %s, SIGHUPs: %d\n",
           own_group ? "own group in the new session (newly orphaned)" : "the new session's group (orphaned before)",
           continued_by_kernel ? "yes" : "no", h);
    fflush(stdout);
    kill(c, SIGKILL);
}
int main(void) {
    one(0);
    one(1);
    return 0;
}
