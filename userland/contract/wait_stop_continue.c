/* Stop and continue reports: WUNTRACED/WSTOPPED and WCONTINUED, each state change reported once,
   WNOWAIT keeps it, a plain wait does not see stops, SIGCONT to a running child reports nothing,
   a continued-then-stopped child reports only the latest state. */
#include "common.h"

static const char *code(int c) {
    return c == CLD_STOPPED ? "CLD_STOPPED" : c == CLD_CONTINUED ? "CLD_CONTINUED" : c == CLD_EXITED ? "CLD_EXITED"
         : c == CLD_KILLED ? "CLD_KILLED" : c == 0 ? "0" : "other";
}

static void wid(const char *what, idtype_t t, id_t id, int opts, pid_t c) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(t, id, &si, opts);
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %d code %s status %d pid %s\n", what, r, code(si.si_code), si.si_status,
            si.si_pid == c ? "=child" : si.si_pid == 0 ? "0" : "other");
}

static pid_t cur_child;

static void wp(const char *what, pid_t c, int opts) {
    int st = 0;
    pid_t r = waitpid(c, &st, opts);
    c = cur_child;
    if (r < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else if (r == 0)
        say("%s: 0\n", what);
    else
        say("%s: %s %s\n", what, r == c ? "child" : "other", wstatus(st));
}

int main(void) {
    int p[2];
    pipe(p);
    char b;
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    read(p[0], &b, 1);
    cur_child = c;
    kill(c, SIGSTOP);
    usleep(50000);
    wp("waitpid WNOHANG (no WUNTRACED) on a stopped child", c, WNOHANG);
    wid("waitid WSTOPPED|WNOWAIT", P_PID, c, WSTOPPED | WNOWAIT, c);
    wid("waitid WSTOPPED|WNOWAIT again", P_PID, c, WSTOPPED | WNOWAIT, c);
    wp("waitpid WUNTRACED", c, WUNTRACED);
    wp("waitpid WUNTRACED|WNOHANG again (already reported)", c, WUNTRACED | WNOHANG);
    wid("waitid WSTOPPED|WNOHANG (already reported)", P_PID, c, WSTOPPED | WNOHANG, c);
    kill(c, SIGSTOP);
    wp("second SIGSTOP while stopped: WUNTRACED|WNOHANG", c, WUNTRACED | WNOHANG);
    kill(c, SIGCONT);
    usleep(50000);
    wp("WUNTRACED|WNOHANG after SIGCONT", c, WUNTRACED | WNOHANG);
    wid("waitid WCONTINUED|WNOWAIT", P_PID, c, WCONTINUED | WNOWAIT, c);
    wp("waitpid WCONTINUED", c, WCONTINUED);
    wp("waitpid WCONTINUED|WNOHANG again", c, WCONTINUED | WNOHANG);
    kill(c, SIGCONT);
    usleep(50000);
    wp("SIGCONT to a running child: WCONTINUED|WNOHANG", c, WCONTINUED | WNOHANG);

    /* Stop, continue, stop again before anyone waits: only the latest state is reported. */
    kill(c, SIGSTOP);
    usleep(50000);
    kill(c, SIGCONT);
    usleep(50000);
    kill(c, SIGTSTP);
    usleep(50000);
    wp("stop, continue, stop (SIGTSTP): WUNTRACED|WCONTINUED|WNOHANG", c, WUNTRACED | WCONTINUED | WNOHANG);
    wp("then again", c, WUNTRACED | WCONTINUED | WNOHANG);
    /* Continue, stop, continue: a continued report remains. */
    kill(c, SIGCONT);
    usleep(50000);
    kill(c, SIGSTOP);
    usleep(50000);
    kill(c, SIGCONT);
    usleep(50000);
    wp("continue, stop, continue: WUNTRACED|WCONTINUED|WNOHANG", c, WUNTRACED | WCONTINUED | WNOHANG);
    wp("then again", c, WUNTRACED | WCONTINUED | WNOHANG);

    /* A stopped child that is killed: the kill is what gets reported. */
    kill(c, SIGSTOP);
    usleep(50000);
    kill(c, SIGKILL);
    usleep(50000);
    wid("stopped then SIGKILL, waitid WEXITED|WSTOPPED", P_PID, c, WEXITED | WSTOPPED, c);
    wp("then", c, WNOHANG);

    /* P_ALL/-1 and P_PGID work for stop reports too. */
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    read(p[0], &b, 1);
    cur_child = c;
    kill(c, SIGSTOP);
    wid("P_PGID of its group, WSTOPPED", P_PGID, c, WSTOPPED, c);
    kill(c, SIGCONT);
    wid("P_ALL WCONTINUED", P_ALL, 0, WCONTINUED, c);
    kill(c, SIGTTOU);
    wp("waitpid(-1, WUNTRACED)", -1, WUNTRACED);
    kill(c, SIGKILL);
    wp("waitpid(-1, 0) after SIGKILL", -1, 0);
    return 0;
}
