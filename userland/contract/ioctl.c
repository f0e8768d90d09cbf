/* ioctl: terminal ioctls on non-terminals give ENOTTY; FIONREAD/FIONBIO/FIOCLEX; the console
   is a terminal. */
#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void) {
    struct termios t;
    int n = open("/dev/null", O_RDWR);
    CHECK("TCGETS on /dev/null", ioctl(n, TCGETS, &t));
    int p[2];
    pipe(p);
    CHECK("TCGETS on a pipe", ioctl(p[0], TCGETS, &t));
    scratch_dir("/tmp/ioctl");
    int f = open("/tmp/ioctl/f", O_RDWR | O_CREAT, 0644);
    CHECK("TCGETS on a file", ioctl(f, TCGETS, &t));
    CHECK("TCGETS on a bad fd", ioctl(99, TCGETS, &t));
    CHECK("unknown request on a pipe", ioctl(p[0], 0x1234, 0));
    CHECK("unknown request on /dev/null", ioctl(n, 0x5401ff, 0));
    write(p[1], "hello", 5);
    int avail = -1;
    CHECK("FIONREAD on a pipe", ioctl(p[0], FIONREAD, &avail));
    say("bytes available: %d\n", avail);
    write(f, "0123456789", 10);
    lseek(f, 3, SEEK_SET);
    CHECK("FIONREAD on a file", ioctl(f, FIONREAD, &avail));
    say("bytes available: %d\n", avail);
    int on = 1;
    CHECK("FIONBIO on", ioctl(p[0], FIONBIO, &on));
    say("O_NONBLOCK now set: %s\n", YESNO(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    char buf[16];
    read(p[0], buf, 5);
    CHECK("read empty pipe", read(p[0], buf, 1));
    CHECK("FIOCLEX", ioctl(p[0], FIOCLEX));
    CHECK("F_GETFD", fcntl(p[0], F_GETFD));
    CHECK("FIONCLEX", ioctl(p[0], FIONCLEX));
    CHECK("F_GETFD", fcntl(p[0], F_GETFD));
    CHECK("FIONREAD bad pointer", ioctl(p[0], FIONREAD, (void *)8));

    say("stdin/stdout/stderr are terminals: %s %s %s\n", YESNO(isatty(0)), YESNO(isatty(1)), YESNO(isatty(2)));
    CHECK("TCGETS on stdout", ioctl(1, TCGETS, &t));
    say("console: ICANON %s ECHO %s ISIG %s OPOST %s ONLCR %s\n", YESNO(t.c_lflag & ICANON), YESNO(t.c_lflag & ECHO),
        YESNO(t.c_lflag & ISIG), YESNO(t.c_oflag & OPOST), YESNO(t.c_oflag & ONLCR));
    CHECK("TCSETS (unchanged) on stdout", ioctl(1, TCSETS, &t));
    struct winsize ws;
    memset(&ws, 0xff, sizeof ws);
    CHECK("TIOCGWINSZ on stdout", ioctl(1, TIOCGWINSZ, &ws));
    int pg = 0;
    CHECK("TIOCGPGRP on the console (not our controlling tty)", ioctl(1, TIOCGPGRP, &pg));
    CHECK("tcgetpgrp", tcgetpgrp(1));
    CHECK("TIOCGWINSZ on a pipe", ioctl(p[0], TIOCGWINSZ, &ws));
    remove_tree("/tmp/ioctl");
    return 0;
}
