/* SIGCHLD: handler with siginfo on child exit/kill, SA_NOCLDSTOP, SIG_IGN auto-reaping. */
#include "common.h"

static volatile int hits, code, status, pid_ok;
static volatile pid_t expect;

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    code = si->si_code;
    status = si->si_status;
    pid_ok = si->si_pid == expect;
}

static const char *cname(int c) {
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_STOPPED ? "CLD_STOPPED"
         : c == CLD_CONTINUED ? "CLD_CONTINUED" : "other";
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t chld, none;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    pid_t c = fork();
    if (c == 0)
        _exit(3);
    expect = c;
    sigsuspend(&none);
    say("exit(3): SIGCHLD hits %d code %s status %d pid ok %s\n", hits, cname(code), status, YESNO(pid_ok));
    say("child still a zombie to reap: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    expect = c;
    kill(c, SIGKILL);
    sigsuspend(&none);
    say("SIGKILL: hits %d code %s status %d\n", hits, cname(code), status);
    reap(c);

    c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(4);
    }
    expect = c;
    sigsuspend(&none);
    say("child stops: hits %d code %s status %d\n", hits, cname(code), status);
    kill(c, SIGCONT);
    sigsuspend(&none);
    say("child continued: hits %d code %s status %d\n", hits, cname(code), status);
    sigsuspend(&none);
    say("then exits: hits %d code %s status %d\n", hits, cname(code), status);
    reap(c);

    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(5);
    }
    expect = c;
    int st;
    waitpid(c, &st, WUNTRACED);
    say("SA_NOCLDSTOP: stopped (%s), SIGCHLD pending: ", wstatus(st));
    sigset_t pend;
    sigpending(&pend);
    say("%s\n", YESNO(sigismember(&pend, SIGCHLD)));
    kill(c, SIGCONT);
    sigsuspend(&none);
    say("SA_NOCLDSTOP still reports exit: code %s status %d\n", cname(code), status);
    reap(c);
    sigprocmask(SIG_SETMASK, &none, NULL);

    signal(SIGCHLD, SIG_IGN);
    for (int i = 0; i < 3; i++) {
        c = fork();
        if (c == 0)
            _exit(i);
    }
    errno = 0;
    int r = waitpid(-1, &st, 0);
    say("SIGCHLD ignored: waitpid returns %d %s (children reaped automatically)\n", r, errname(errno));
    signal(SIGCHLD, SIG_DFL);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0)
        _exit(1);
    errno = 0;
    r = waitpid(-1, &st, 0);
    say("SA_NOCLDWAIT: waitpid returns %d %s\n", r, errname(errno));
    return 0;
}
