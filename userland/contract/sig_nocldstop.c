/* SA_NOCLDSTOP: no SIGCHLD when a child stops or continues, SIGCHLD still for its exit or death;
   waitpid still sees the stop. Without the flag, each state change sends one. */
#include "common.h"
#include <time.h>

static sigset_t chld;

static const char *code(int c) {
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_STOPPED ? "CLD_STOPPED"
         : c == CLD_CONTINUED ? "CLD_CONTINUED" : "other";
}

/* Takes SIGCHLD if it arrives within 200 ms. */
static void expect(const char *what) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec ts = {0, 200000000};
    long r = syscall(SYS_rt_sigtimedwait, &chld, &si, &ts, 8);
    if (r < 0)
        say("%s: no SIGCHLD (%s)\n", what, errname(errno));
    else
        say("%s: SIGCHLD %s status %d\n", what, code(si.si_code), si.si_status);
}

static void run(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = flags;
    sigaction(SIGCHLD, &sa, NULL);
    struct sigaction q;
    sigaction(SIGCHLD, NULL, &q);
    say("SA_NOCLDSTOP %s:\n", YESNO(q.sa_flags & SA_NOCLDSTOP));
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    int st;
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    say("  waitpid: %s\n", wstatus(st));
    expect("  stop");
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    say("  waitpid: %s\n", wstatus(st));
    expect("  continue");
    kill(c, SIGTERM);
    expect("  SIGTERM");
    say("  waitpid: %s\n", reap(c));
    c = fork();
    if (c == 0)
        _exit(12);
    expect("  exit(12)");
    reap(c);
}

int main(void) {
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    run(0);
    run(SA_NOCLDSTOP);
    return 0;
}
