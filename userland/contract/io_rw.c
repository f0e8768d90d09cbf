/* write/read/readv/writev/pread64/pwrite64/lseek, including holes and the error paths. */
#include "common.h"
#include <sys/uio.h>

static void show(const char *what, const char *buf, long n) {
    char out[256];
    int k = 0;
    for (long i = 0; i < n && k < 240; i++)
        k += buf[i] >= 32 && buf[i] < 127 ? snprintf(out + k, sizeof out - k, "%c", buf[i])
                                            : snprintf(out + k, sizeof out - k, "\\%o", (unsigned char)buf[i]);
    out[k] = 0;
    say("%s: \"%s\"\n", what, out);
}

static struct iovec many[1025];

int main(void) {
    char buf[128];
    scratch_dir("/tmp/io_rw");
    int fd = open("/tmp/io_rw/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK("open", fd);
    CHECK("write 11", write(fd, "hello world", 11));
    CHECK("lseek cur", lseek(fd, 0, SEEK_CUR));
    CHECK("lseek set 6", lseek(fd, 6, SEEK_SET));
    long n = read(fd, buf, sizeof buf);
    CHECK("read rest", n);
    show("data", buf, n);
    CHECK("read at eof", read(fd, buf, sizeof buf));
    CHECK("lseek end", lseek(fd, 0, SEEK_END));
    CHECK("lseek end+5", lseek(fd, 5, SEEK_END));
    CHECK("write after hole", write(fd, "!", 1));
    CHECK("lseek set 0", lseek(fd, 0, SEEK_SET));
    n = read(fd, buf, sizeof buf);
    CHECK("read all", n);
    show("data", buf, n);
    CHECK("lseek cur-3", lseek(fd, -3, SEEK_CUR));
    CHECK("lseek negative", lseek(fd, -1, SEEK_SET));
    CHECK("lseek before start", lseek(fd, -100, SEEK_CUR));
    CHECK("lseek bad whence", lseek(fd, 0, 42));
    CHECK("lseek past end", lseek(fd, 1000, SEEK_SET));
    CHECK("read past end", read(fd, buf, 10));
    CHECK("write 0 bytes", write(fd, buf, 0));
    CHECK("read 0 bytes", read(fd, buf, 0));

    int g = open("/tmp/io_rw/g", O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    CHECK("writev", writev(g, wv, 3));
    CHECK("lseek 0", lseek(g, 0, SEEK_SET));
    char a[4] = {0}, b[4] = {0};
    struct iovec rv[2] = {{a, 4}, {b, 4}};
    CHECK("readv", readv(g, rv, 2));
    show("iov0", a, 4);
    show("iov1", b, 2);
    CHECK("pwrite64 at 2", pwrite(g, "XY", 2, 2));
    CHECK("offset unchanged", lseek(g, 0, SEEK_CUR));
    n = pread(g, buf, sizeof buf, 0);
    CHECK("pread64", n);
    show("data", buf, n);
    CHECK("pread64 at 4", pread(g, buf, 1, 4));
    CHECK("pread64 past end", pread(g, buf, 1, 100));
    CHECK("pread64 negative offset", pread(g, buf, 1, -1));
    CHECK("pwrite64 negative offset", pwrite(g, "x", 1, -1));
    CHECK("preadv", preadv(g, rv, 2, 1));
    show("iov0", a, 4);
    CHECK("pwritev", pwritev(g, wv, 3, 10));
    CHECK("size via lseek end", lseek(g, 0, SEEK_END));
    CHECK("writev iovcnt -1", writev(g, wv, -1));
    for (int i = 0; i < 1025; i++) {
        many[i].iov_base = buf;
        many[i].iov_len = 1;
    }
    CHECK("writev iovcnt 1025", writev(g, many, 1025));
    CHECK("writev iovcnt 1024", writev(g, many, 1024));
    CHECK("readv iovcnt 0", readv(g, rv, 0));

    int ro = open("/tmp/io_rw/f", O_RDONLY);
    CHECK("write on O_RDONLY", write(ro, "x", 1));
    int wo = open("/tmp/io_rw/f", O_WRONLY);
    CHECK("read on O_WRONLY", read(wo, buf, 1));
    CHECK("read bad fd", read(99, buf, 1));
    CHECK("write bad fd", write(-1, buf, 1));
    int ap = open("/tmp/io_rw/f", O_WRONLY | O_APPEND);
    CHECK("O_APPEND lseek 0", lseek(ap, 0, SEEK_SET));
    CHECK("O_APPEND write", write(ap, "Z", 1));
    CHECK("O_APPEND offset", lseek(ap, 0, SEEK_CUR));
    CHECK("O_APPEND pwrite", pwrite(ap, "Q", 1, 0));
    CHECK("size after pwrite on O_APPEND", lseek(ap, 0, SEEK_END));

    int p[2];
    CHECK("pipe", pipe(p));
    CHECK("lseek on pipe", lseek(p[0], 0, SEEK_CUR));
    CHECK("pread64 on pipe", pread(p[0], buf, 1, 0));
    CHECK("pwrite64 on pipe", pwrite(p[1], "x", 1, 0));
    CHECK("write pipe", write(p[1], "pipe data", 9));
    n = read(p[0], buf, 4);
    CHECK("read pipe 4", n);
    show("data", buf, n);
    n = read(p[0], buf, 100);
    CHECK("read pipe rest", n);
    show("data", buf, n);

    CHECK("lseek on directory", lseek(open("/tmp/io_rw", O_RDONLY | O_DIRECTORY), 0, SEEK_SET));
    CHECK("read on directory", read(open("/tmp/io_rw", O_RDONLY | O_DIRECTORY), buf, 10));
    CHECK("write to directory fd", write(open("/tmp/io_rw", O_RDONLY | O_DIRECTORY), buf, 1));
    remove_tree("/tmp/io_rw");
    return 0;
}
