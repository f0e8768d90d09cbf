/* Job-control signals: SIGSTOP/SIGTSTP/SIGCONT seen through waitpid WUNTRACED/WCONTINUED and waitid. */
#include "common.h"

int main(void) {
    int st;
    pid_t c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        for (;;)
            pause();
    }
    pid_t r = waitpid(c, &st, WUNTRACED);
    say("WUNTRACED: right child %s, %s\n", YESNO(r == c), wstatus(st));
    CHECK("stopped child is alive", kill(c, 0));
    CHECK("WNOHANG while stopped (already reported)", waitpid(c, &st, WNOHANG | WUNTRACED));
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    say("WCONTINUED: right child %s, %s\n", YESNO(r == c), wstatus(st));
    kill(c, SIGKILL);
    say("then SIGKILL: %s\n", reap(c));

    /* Our parent is init, which makes our process group orphaned for job control: SIGTSTP
       (unlike SIGSTOP) is discarded for its members. A child in a group of its own (its parent,
       this test, is in another group of the same session) is not orphaned. */
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGTSTP);
    usleep(50000);
    CHECK("SIGTSTP to a child in our orphaned group: WNOHANG|WUNTRACED", waitpid(c, &st, WNOHANG | WUNTRACED));
    kill(c, SIGKILL);
    reap(c);

    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    char b;
    read(p[0], &b, 1);
    kill(c, SIGTSTP);
    waitpid(c, &st, WUNTRACED);
    say("SIGTSTP to a child in its own group: %s\n", wstatus(st));
    kill(c, SIGTERM);
    usleep(20000);
    CHECK("SIGTERM to a stopped process waits (still alive)", kill(c, 0));
    kill(c, SIGCONT);
    say("after SIGCONT the pending SIGTERM acts: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WSTOPPED);
    say("waitid WSTOPPED: code %s status %d\n", si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other", si.si_status);
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    waitid(P_PID, c, &si, WCONTINUED);
    say("waitid WCONTINUED: code %s status %d\n", si.si_code == CLD_CONTINUED ? "CLD_CONTINUED" : "other", si.si_status);
    kill(c, SIGKILL);
    say("SIGKILL: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    waitpid(c, &st, WUNTRACED);
    kill(c, SIGKILL);
    say("SIGKILL to a stopped process: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGTSTP, SIG_IGN);
        raise(SIGTSTP);
        _exit(9);
    }
    say("SIGTSTP ignored: %s\n", reap(c));
    return 0;
}
