// File mappings and read/write see one file: stores through MAP_SHARED reach read() and
// other mappings (also across fork), write() reaches existing mappings, MAP_PRIVATE pages
// follow the file until they are written, msync flags and errors, and data written through
// a mapping survives munmap + close.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static const char *en(int e) {
    switch (e) {
    case 0: return "ok";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EBUSY: return "EBUSY";
    default: return "other";
    }
}

int main(void) {
    const char *path = "/tmp/mmap_coherent.dat";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[2 * PAGE];
    memset(buf, 'a', sizeof buf);
    if (write(fd, buf, sizeof buf) != sizeof buf) return 1;

    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *s2 = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (s == MAP_FAILED || s2 == MAP_FAILED || p == MAP_FAILED) return 2;
    printf("initial: %c %c %c\n", s[0], s2[0], p[0]);

    s[10] = 'S';
    char c = 0;
    pread(fd, &c, 1, 10);
    printf("store via shared -> pread: %c, other shared map: %c, private (untouched): %c\n", c, s2[10], p[10]);

    pwrite(fd, "W", 1, 20);
    printf("pwrite -> shared: %c, other shared: %c, private (untouched): %c\n", s[20], s2[20], p[20]);

    p[PAGE] = 'P';
    pwrite(fd, "X", 1, PAGE + 1);
    printf("private page after own write: %c, file change not seen: %c; file byte: ", p[PAGE], p[PAGE + 1]);
    pread(fd, &c, 1, PAGE);
    printf("%c\n", c);

    pid_t pid = fork();
    if (pid == 0) {
        s[30] = 'C';
        p[30] = 'c';
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("child store via shared: %c; child store via private: %c\n", s[30], p[30]);

    printf("msync MS_SYNC: %s\n", en(msync(s, 2 * PAGE, MS_SYNC) ? errno : 0));
    printf("msync MS_ASYNC|MS_INVALIDATE: %s\n", en(msync(s, PAGE, MS_ASYNC | MS_INVALIDATE) ? errno : 0));
    printf("msync MS_SYNC|MS_ASYNC: %s\n", en(msync(s, PAGE, MS_SYNC | MS_ASYNC) ? errno : 0));
    printf("msync unaligned: %s\n", en(msync(s + 1, PAGE, MS_SYNC) ? errno : 0));
    printf("msync bad flag: %s\n", en(msync(s, PAGE, 64) ? errno : 0));
    printf("msync of unmapped range: %s\n", en(msync((void *)0x10000, PAGE, MS_SYNC) ? errno : 0));

    s[PAGE + 100] = 'Z';
    munmap(s, 2 * PAGE);
    munmap(s2, 2 * PAGE);
    munmap(p, 2 * PAGE);
    close(fd);
    fd = open(path, O_RDONLY);
    pread(fd, &c, 1, PAGE + 100);
    printf("store survives munmap+close: %c\n", c);
    struct stat;
    off_t size = lseek(fd, 0, SEEK_END);
    printf("size unchanged: %ld\n", (long)size);
    close(fd);
    unlink(path);
    return 0;
}
