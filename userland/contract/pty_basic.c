/* Pseudo-terminals: /dev/ptmx and devpts (posix_openpt, grantpt, unlockpt, ptsname, the
   locked slave, the slave node's owner and mode, the /dev/pts listing), the line discipline
   between master and slave (canonical and raw input, echo, ONLCR, ^D), window size, poll on
   the master, and what each side sees when the other closes. */
#include "pty_common.h"
#include <dirent.h>

static void list_pts(const char *when) {
    DIR *d = opendir("/dev/pts");
    char names[16][32];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 16)
        if (e->d_name[0] != '.')
            snprintf(names[n++], sizeof names[0], "%.31s", e->d_name);
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    char line[256] = "";
    for (int i = 0; i < n; i++) {
        strcat(line, " ");
        strcat(line, names[i]);
    }
    say("/dev/pts %s:%s\n", when, line);
}

int main(void) {
    char buf[256];
    struct stat st;
    pty_setup();

    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK("posix_openpt", m >= 0 ? 0 : -1);
    CHECK("grantpt", grantpt(m));
    int ptn = -1;
    CHECK("TIOCGPTN", ioctl(m, TIOCGPTN, &ptn));
    say("pty number: %d\n", ptn);
    const char *name = ptsname(m);
    say("ptsname: %s\n", name ? name : "(null)");
    int lock = -1;
    CHECK("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
    say("locked: %d\n", lock);
    CHECK("open locked slave", open(name, O_RDWR | O_NOCTTY));
    CHECK("unlockpt", unlockpt(m));
    CHECK("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
    say("locked: %d\n", lock);
    list_pts("with one pty");

    CHECK("stat slave", stat(name, &st));
    say("slave: chr %s, %u,%u, mode %o, uid %u, gid %u\n", YESNO(S_ISCHR(st.st_mode)), major(st.st_rdev),
        minor(st.st_rdev), st.st_mode & 07777, st.st_uid, st.st_gid);
    CHECK("stat /dev/pts/ptmx", stat("/dev/pts/ptmx", &st));
    say("pts/ptmx: %u,%u, mode %o\n", major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    CHECK("fstat master", fstat(m, &st));
    say("master: %u,%u\n", major(st.st_rdev), minor(st.st_rdev));

    int s = open(name, O_RDWR | O_NOCTTY);
    CHECK("open slave", s >= 0 ? 0 : -1);
    say("isatty master %d slave %d\n", isatty(m), isatty(s));
    CHECK("TIOCGPTN on the slave", ioctl(s, TIOCGPTN, &ptn));

    struct termios tio;
    CHECK("tcgetattr slave", tcgetattr(s, &tio));
    say("slave termios: iflag %o oflag %o cflag %o lflag %o\n", tio.c_iflag, tio.c_oflag, tio.c_cflag,
        tio.c_lflag);
    CHECK("tcgetattr master", tcgetattr(m, &tio));
    say("master termios: iflag %o oflag %o cflag %o lflag %o\n", tio.c_iflag, tio.c_oflag, tio.c_cflag,
        tio.c_lflag);

    struct pollfd p = {m, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    say("master poll, nothing written: in %s out %s hup %s\n", YESNO(p.revents & POLLIN),
        YESNO(p.revents & POLLOUT), YESNO(p.revents & POLLHUP));

    /* Canonical input with echo. */
    CHECK("write master", write(m, "hello\rwor", 9));
    show("echo so far", buf, read_some(m, buf, 10));
    p.fd = s;
    p.events = POLLIN;
    poll(&p, 1, 100);
    say("slave readable with one line: %s\n", YESNO(p.revents & POLLIN));
    show("slave read", buf, read(s, buf, sizeof buf));
    CHECK("write master", write(m, "ld\x7f\x7f" "x\n", 6));
    show("echo", buf, read_some(m, buf, 11));
    show("slave read", buf, read(s, buf, sizeof buf));
    int avail = -1;
    CHECK("write master", write(m, "abc\x04", 4));
    usleep(100000);
    CHECK("FIONREAD slave", ioctl(s, FIONREAD, &avail));
    say("slave FIONREAD: %d\n", avail);
    show("slave read up to ^D", buf, read(s, buf, sizeof buf));
    CHECK("write master", write(m, "\x04", 1));
    show("slave read at ^D", buf, read(s, buf, sizeof buf));
    show("echo of abc^D^D", buf, read_some(m, buf, 3));

    /* Output processing. */
    CHECK("write slave", write(s, "one\ntwo\n", 8));
    p.fd = m;
    p.events = POLLIN;
    poll(&p, 1, 2000);
    say("master readable: %s\n", YESNO(p.revents & POLLIN));
    usleep(100000);
    CHECK("FIONREAD master", ioctl(m, FIONREAD, &avail));
    say("master FIONREAD: %d\n", avail);
    show("master read", buf, read_some(m, buf, 10));

    /* Raw mode. */
    CHECK("tcgetattr", tcgetattr(s, &tio));
    cfmakeraw(&tio);
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    CHECK("tcsetattr raw", tcsetattr(s, TCSANOW, &tio));
    CHECK("write master", write(m, "r\r\x03\n", 4));
    show("slave raw read", buf, read_some(s, buf, 4));
    CHECK("write slave", write(s, "x\ny", 3));
    show("master read (no ONLCR)", buf, read_some(m, buf, 3));
    fcntl(s, F_SETFL, O_NONBLOCK);
    show("slave nonblocking read", buf, read(s, buf, sizeof buf));
    fcntl(m, F_SETFL, O_NONBLOCK);
    show("master nonblocking read", buf, read(m, buf, sizeof buf));
    fcntl(m, F_SETFL, 0);

    /* Window size: set on the master, seen on the slave. */
    struct winsize ws = {0};
    CHECK("TIOCGWINSZ slave", ioctl(s, TIOCGWINSZ, &ws));
    say("initial size: %ux%u\n", ws.ws_row, ws.ws_col);
    ws.ws_row = 40;
    ws.ws_col = 132;
    CHECK("TIOCSWINSZ master", ioctl(m, TIOCSWINSZ, &ws));
    memset(&ws, 0, sizeof ws);
    CHECK("TIOCGWINSZ slave", ioctl(s, TIOCGWINSZ, &ws));
    say("slave size: %ux%u\n", ws.ws_row, ws.ws_col);
    CHECK("TIOCGPGRP master without a session", ioctl(m, TIOCGPGRP, &avail));
    say("pgrp: %d\n", avail);
    CHECK("TIOCGSID master without a session", ioctl(m, TIOCGSID, &avail));

    /* A second pair, then close its slave: master reads EIO, polls HUP. */
    int m2 = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m2);
    CHECK("TIOCGPTN", ioctl(m2, TIOCGPTN, &ptn));
    say("second pty number: %d\n", ptn);
    list_pts("with two ptys");
    int s2 = open(ptsname(m2), O_RDWR | O_NOCTTY);
    CHECK("write slave 2", write(s2, "bye", 3));
    close(s2);
    p.fd = m2;
    p.events = POLLIN;
    poll(&p, 1, 1000);
    say("master 2 after slave close: in %s hup %s\n", YESNO(p.revents & POLLIN), YESNO(p.revents & POLLHUP));
    show("master 2 read", buf, read_some(m2, buf, 3));
    show("master 2 read again", buf, read(m2, buf, sizeof buf));
    close(m2);
    list_pts("after closing the second pair");

    /* Close the master: the slave is hung up. */
    close(m);
    list_pts("after closing the first master");
    show("slave read after master close", buf, read(s, buf, sizeof buf));
    CHECK("slave write after master close", write(s, "x", 1));
    CHECK("tcgetattr after master close", tcgetattr(s, &tio));
    p.fd = s;
    p.events = POLLIN | POLLOUT;
    poll(&p, 1, 0);
    say("slave poll: in %s out %s hup %s err %s\n", YESNO(p.revents & POLLIN), YESNO(p.revents & POLLOUT),
        YESNO(p.revents & POLLHUP), YESNO(p.revents & POLLERR));
    CHECK("open the slave node after master close", open(name, O_RDWR | O_NOCTTY));
    close(s);

    /* The devpts ptmx node opens a pair too; a new pair takes number 0 again. */
    CHECK("chmod /dev/pts/ptmx", chmod("/dev/pts/ptmx", 0666));
    m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY);
    CHECK("open /dev/pts/ptmx", m >= 0 ? 0 : -1);
    CHECK("TIOCGPTN", ioctl(m, TIOCGPTN, &ptn));
    say("pts/ptmx made a pty: %s\n", YESNO(ptn >= 0));
    int peer;
    CHECK("TIOCGPTPEER locked", peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    unlockpt(m);
    peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    CHECK("TIOCGPTPEER", peer >= 0 ? 0 : -1);
    CHECK("fstat peer", fstat(peer, &st));
    say("peer: %u,%u, mode %o\n", major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    CHECK("write peer", write(peer, "p\n", 2));
    show("master read", buf, read_some(m, buf, 3));
    CHECK("mknod in devpts", mknod("/dev/pts/99", S_IFCHR | 0600, makedev(136, 99)));
    close(peer);
    close(m);

    pty_teardown();
    return 0;
}
