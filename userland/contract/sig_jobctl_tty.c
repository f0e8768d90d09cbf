/* SIGTSTP/SIGTTIN/SIGTTOU default action: stop, for a process in a process group that is not
   orphaned; in an orphaned group (ours: our parent is init) the kernel discards them instead.
   SIGSTOP stops either way. */
#include "common.h"

static int sync_p[2];

static pid_t child(int own_group, int sig, int handler) {
    pid_t c = fork();
    if (c == 0) {
        if (own_group)
            setpgid(0, 0);
        if (handler)
            signal(sig, SIG_IGN);
        write(sync_p[1], "r", 1);
        raise(sig);
        _exit(7);
    }
    char b;
    read(sync_p[0], &b, 1);
    return c;
}

static void run(const char *what, int own_group, int sig, int ign) {
    pid_t c = child(own_group, sig, ign);
    int st;
    pid_t r = waitpid(c, &st, WUNTRACED);
    say("%s, raise(%d): %s\n", what, sig, r == c ? wstatus(st) : errname(errno));
    if (r == c && WIFSTOPPED(st)) {
        kill(c, SIGCONT);
        say("  after SIGCONT: %s\n", reap(c));
    }
}

int main(void) {
    pipe(sync_p);
    int sigs[] = {SIGTSTP, SIGTTIN, SIGTTOU, SIGSTOP};
    for (int i = 0; i < 4; i++)
        run("own group (not orphaned)", 1, sigs[i], 0);
    for (int i = 0; i < 4; i++)
        run("our group (orphaned)", 0, sigs[i], 0);
    for (int i = 0; i < 3; i++)
        run("own group, SIG_IGN", 1, sigs[i], 1);

    /* Sent by another process rather than raised. */
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        write(sync_p[1], "r", 1);
        for (;;)
            pause();
    }
    char b;
    read(sync_p[0], &b, 1);
    int st;
    for (int i = 0; i < 3; i++) {
        kill(c, sigs[i]);
        waitpid(c, &st, WUNTRACED);
        say("kill(child in own group, %d): %s\n", sigs[i], wstatus(st));
        kill(c, SIGCONT);
        waitpid(c, &st, WCONTINUED);
    }
    /* kill(-pgrp) stops the whole group. */
    kill(-c, SIGTSTP);
    waitpid(c, &st, WUNTRACED);
    say("kill(-its group, SIGTSTP): %s\n", wstatus(st));
    kill(-c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    say("kill(-its group, SIGCONT): %s\n", wstatus(st));
    kill(c, SIGKILL);
    reap(c);
    return 0;
}
