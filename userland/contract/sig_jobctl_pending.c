/* Job-control signal interactions: a stopped process keeps (and does not act on) other pending
   signals until continued; generating SIGCONT discards pending stop signals, generating a stop
   signal discards a pending SIGCONT (even when both are blocked); SIGCONT's handler runs after
   the continue. */
#include "common.h"

static int to_child[2], from_child[2];
static volatile int usr1, cont;
static void on_usr1(int s) { usr1++; }
static void on_cont(int s) { cont++; }

static void child_says(void) {
    char buf[256];
    ssize_t n = read(from_child[0], buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        say("  child: %s", buf);
    }
}

static void tell(char c) { write(to_child[1], &c, 1); }

static void report_pending(const char *what) {
    sigset_t p;
    sigpending(&p);
    char buf[160];
    snprintf(buf, sizeof buf, "%s: pending SIGCONT %s SIGTSTP %s SIGTTIN %s SIGSTOP %s, usr1 %d cont %d\n", what,
             YESNO(sigismember(&p, SIGCONT)), YESNO(sigismember(&p, SIGTSTP)), YESNO(sigismember(&p, SIGTTIN)),
             YESNO(sigismember(&p, SIGSTOP)), usr1, cont);
    write(from_child[1], buf, strlen(buf));
}

int main(void) {
    pipe(to_child);
    pipe(from_child);
    int st;
    char b;

    /* 1. Pending signals of a stopped process. */
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGUSR1, on_usr1);
        signal(SIGCONT, on_cont);
        write(from_child[1], "ready\n", 6);
        for (;;) {
            read(to_child[0], &b, 1);
            report_pending("after continue");
        }
    }
    child_says();
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    say("stopped: %s\n", wstatus(st));
    kill(c, SIGUSR1);
    kill(c, SIGUSR1);
    usleep(50000);
    CHECK("no state change while stopped (WNOHANG|WUNTRACED|WCONTINUED)", waitpid(c, &st, WNOHANG | WUNTRACED | WCONTINUED));
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    say("%s\n", wstatus(st));
    tell('r');
    child_says();
    kill(c, SIGKILL);
    reap(c);

    /* 2. SIGCONT discards a pending (blocked) stop signal; a stop signal discards pending SIGCONT. */
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGCONT, on_cont);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTSTP);
        sigaddset(&s, SIGTTIN);
        sigaddset(&s, SIGCONT);
        sigprocmask(SIG_BLOCK, &s, NULL);
        write(from_child[1], "blocked SIGTSTP SIGTTIN SIGCONT\n", 32);
        for (;;) {
            read(to_child[0], &b, 1);
            if (b == 'u') {
                sigprocmask(SIG_UNBLOCK, &s, NULL);
                report_pending("unblocked");
            } else
                report_pending("now");
        }
    }
    child_says();
    kill(c, SIGCONT);
    tell('r');
    child_says();
    kill(c, SIGTSTP);
    tell('r');
    child_says();
    kill(c, SIGTTIN);
    tell('r');
    child_says();
    kill(c, SIGCONT);
    tell('r');
    child_says();
    kill(c, SIGTSTP);
    kill(c, SIGCONT);
    tell('u');
    child_says();
    CHECK("child did not stop (WNOHANG|WUNTRACED)", waitpid(c, &st, WNOHANG | WUNTRACED));
    kill(c, SIGKILL);
    reap(c);

    /* 3. SIGSTOP (unblockable) discards a blocked pending SIGCONT; the SIGCONT that resumes the
       process then is delivered to its handler once unblocked. */
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGCONT, on_cont);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGCONT);
        sigprocmask(SIG_BLOCK, &s, NULL);
        write(from_child[1], "blocked SIGCONT\n", 16);
        for (;;) {
            read(to_child[0], &b, 1);
            if (b == 'u') {
                sigprocmask(SIG_UNBLOCK, &s, NULL);
                report_pending("unblocked");
            } else
                report_pending("now");
        }
    }
    child_says();
    kill(c, SIGCONT);
    tell('r');
    child_says();
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    say("%s\n", wstatus(st));
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    say("%s (SIGCONT is blocked, it still continues)\n", wstatus(st));
    tell('r');
    child_says();
    tell('u');
    child_says();
    kill(c, SIGKILL);
    reap(c);
    return 0;
}
