// When a session leader exits, its controlling terminal (a pty slave here) loses the session
// and the foreground process group gets SIGHUP (Linux's disassociate_ctty at exit); a
// background group of the session gets nothing; afterwards another session can take the
// terminal with TIOCSCTTY.
#include "pty_common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int report;  // pipe to the test process

static void on_hup(int s) {
    (void)s;
    char c = 'H';
    write(report, &c, 1);
    _exit(0);
}

static void member(int fg, int tty) {
    // Waits for SIGHUP (reports 'H') or 3 s (reports 'T').
    signal(SIGHUP, on_hup);
    (void)fg;
    (void)tty;
    sleep(3);
    char c = 'T';
    write(report, &c, 1);
    _exit(0);
}

int main(void) {
    pty_setup();
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(m);
    unlockpt(m);
    char name[64];
    strcpy(name, ptsname(m));
    int p[2];
    pipe(p);
    report = p[1];
    pid_t leader = fork();
    if (leader == 0) {
        close(p[0]);
        setsid();
        int s = open(name, O_RDWR);
        ioctl(s, TIOCSCTTY, 0);
        pid_t fg = fork();
        if (fg == 0) {
            setpgid(0, 0);
            member(1, s);
        }
        setpgid(fg, fg);
        tcsetpgrp(s, fg);
        pid_t bg = fork();
        if (bg == 0) {
            setpgid(0, 0);
            member(0, s);
        }
        setpgid(bg, bg);
        usleep(300000);
        _exit(0);  // the session leader exits; its children live on
    }
    close(p[1]);
    int stt;
    waitpid(leader, &stt, 0);
    char got[2] = {0};
    int n = 0;
    while (n < 2 && read(p[0], got + n, 1) == 1) n++;
    // Order of arrival: the foreground member's SIGHUP comes first, the background one times out.
    say("reports: %c%c\n", got[0], got[1]);
    // Another session can take the terminal now.
    pid_t other = fork();
    if (other == 0) {
        setsid();
        int s = open(name, O_RDWR);
        say("new session TIOCSCTTY: %s\n", ioctl(s, TIOCSCTTY, 0) == 0 ? "ok" : strerror(errno));
        say("tcgetsid == own sid: %s\n", tcgetsid(s) == getsid(0) ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    waitpid(other, &stt, 0);
    while (wait(NULL) > 0) {
    }
    close(m);
    pty_teardown();
    return 0;
}
