/* Virtual consoles (major 4, minor 1..63) on a machine nobody looks at: open, termios,
   window size, the VT requests a getty or init makes (KDGKBTYPE, VT_GETSTATE, VT_OPENQRY,
   VT_GETMODE, KDGETMODE), output accepted, no input, and a session taking one as its
   controlling terminal. The serial line answers the VT requests with ENOTTY. */
#include "pty_common.h"

/* <linux/kd.h> and <linux/vt.h> (not in the musl toolchain's headers). */
#define KDGKBTYPE 0x4B33
#define KDGETMODE 0x4B3B
#define VT_OPENQRY 0x5600
#define VT_GETMODE 0x5601
#define VT_GETSTATE 0x5603
#define VT_ACTIVATE 0x5606
struct vt_mode {
    char mode, waitv;
    short relsig, acqsig, frsig;
};
struct vt_stat {
    unsigned short v_active, v_signal, v_state;
};

#define NODE "/tmp/vt_tty5"

int main(void) {
    struct stat st;
    CHECK("mknod tty5", mknod(NODE, S_IFCHR | 0620, makedev(4, 5)));
    int fd = open(NODE, O_RDWR | O_NOCTTY | O_NONBLOCK);
    CHECK_OK("open tty5", fd);
    say("isatty: %d\n", isatty(fd));
    CHECK("fstat", fstat(fd, &st));
    say("rdev %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
    struct termios tio;
    CHECK("tcgetattr", tcgetattr(fd, &tio));
    say("termios: iflag %o oflag %o cflag %o lflag %o\n", tio.c_iflag, tio.c_oflag, tio.c_cflag, tio.c_lflag);
    CHECK("tcsetattr", tcsetattr(fd, TCSANOW, &tio));
    CHECK("tcflush", tcflush(fd, TCIOFLUSH));
    unsigned dev = 0;
    CHECK("TIOCGDEV", ioctl(fd, TIOCGDEV, &dev));
    say("dev %u,%u\n", major(dev), minor(dev));
    char kb = 0;
    CHECK("KDGKBTYPE", ioctl(fd, KDGKBTYPE, &kb));
    say("keyboard type %d\n", kb);
    int mode = -1;
    CHECK("KDGETMODE", ioctl(fd, KDGETMODE, &mode));
    say("kd mode %d\n", mode);
    struct vt_mode vm;
    memset(&vm, 0x55, sizeof vm);
    CHECK("VT_GETMODE", ioctl(fd, VT_GETMODE, &vm));
    say("vt mode %d waitv %d\n", vm.mode, vm.waitv);
    struct vt_stat vs;
    CHECK("VT_GETSTATE", ioctl(fd, VT_GETSTATE, &vs));
    say("tty5 in use: %s\n", YESNO(vs.v_state & (1 << 5)));
    int free_vt = -1;
    CHECK("VT_OPENQRY", ioctl(fd, VT_OPENQRY, &free_vt));
    say("first free console is not 5: %s\n", YESNO(free_vt != 5));
    CHECK("VT_ACTIVATE 0", ioctl(fd, VT_ACTIVATE, 0));
    CHECK("write", write(fd, "hello console\n", 14));
    char buf[16];
    CHECK("read (nonblocking)", read(fd, buf, sizeof buf));
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    poll(&p, 1, 100);
    say("poll: in %s out %s\n", YESNO(p.revents & POLLIN), YESNO(p.revents & POLLOUT));

    pid_t c = fork();
    if (c == 0) {
        setsid();
        int t = open(NODE, O_RDWR);
        say("child: tty5 is the controlling terminal: %s\n", YESNO(tcgetpgrp(t) == getpid()));
        int d = open("/dev/tty", O_RDWR);
        CHECK_OK("child: open /dev/tty", d);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    say("child: %s\n", wstatus(status));
    close(fd);
    unlink(NODE);

    int con = open("/dev/console", O_RDWR | O_NOCTTY);
    CHECK("KDGKBTYPE on the serial console", ioctl(con, KDGKBTYPE, &kb));
    CHECK("VT_OPENQRY on the serial console", ioctl(con, VT_OPENQRY, &free_vt));
    close(con);
    return 0;
}
