/* /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty. */
#include "common.h"

int main(void) {
    char buf[8192];
    int n = open("/dev/null", O_RDWR);
    CHECK("open /dev/null", n);
    CHECK("write /dev/null", write(n, buf, 100));
    CHECK("read /dev/null", read(n, buf, 100));
    CHECK("lseek /dev/null", lseek(n, 100, SEEK_SET));
    CHECK("pread /dev/null", pread(n, buf, 10, 5));
    int z = open("/dev/zero", O_RDWR);
    memset(buf, 0x55, sizeof buf);
    CHECK("read /dev/zero 8192", read(z, buf, sizeof buf));
    int allzero = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i])
            allzero = 0;
    say("all zero: %s\n", YESNO(allzero));
    CHECK("write /dev/zero", write(z, buf, 123));
    CHECK("lseek /dev/zero", lseek(z, 0, SEEK_CUR));
    int f = open("/dev/full", O_RDWR);
    CHECK("open /dev/full", f);
    CHECK("write /dev/full", write(f, "x", 1));
    buf[0] = 1;
    CHECK("read /dev/full", read(f, buf, 16));
    say("reads zeros: %s\n", YESNO(buf[0] == 0));
    int u = open("/dev/urandom", O_RDONLY);
    char a[64], b[64];
    CHECK("read /dev/urandom 64", read(u, a, 64));
    CHECK("read /dev/urandom 64 again", read(u, b, 64));
    say("differ: %s\n", YESNO(memcmp(a, b, 64) != 0));
    CHECK("read /dev/urandom 100000", read(u, (char[100000]){0}, 100000));
    CHECK("write /dev/urandom", write(open("/dev/urandom", O_WRONLY), "seed", 4));
    int r = open("/dev/random", O_RDONLY | O_NONBLOCK);
    CHECK("read /dev/random 32", read(r, a, 32));
    CHECK("open /dev/tty without a controlling terminal", open("/dev/tty", O_RDWR));
    CHECK("open /dev/console", open("/dev/console", O_WRONLY));
    CHECK("mknod /tmp/mynull c 1 3", mknod("/tmp/mynull", S_IFCHR | 0666, makedev(1, 3)));
    int m = open("/tmp/mynull", O_RDWR);
    CHECK("write to own null node", write(m, "abc", 3));
    CHECK("read from own null node", read(m, buf, 3));
    unlink("/tmp/mynull");
    CHECK("mknod existing", mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)));
    return 0;
}
