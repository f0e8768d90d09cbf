/* File-backed mmap: MAP_SHARED writes reach the file, MAP_PRIVATE ones do not, SIGBUS past EOF,
   EACCES for mismatched permissions, ENODEV for pipes. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    scratch_dir("/tmp/mf");
    int fd = open("/tmp/mf/f", O_RDWR | O_CREAT, 0644);
    char buf[2 * PAGE];
    for (int i = 0; i < 2 * PAGE; i++)
        buf[i] = 'a' + i % 26;
    write(fd, buf, sizeof buf);
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    say("mmap shared: %s\n", s == MAP_FAILED ? errname(errno) : "ok");
    say("content: %.5s ... %.3s\n", s, s + PAGE);
    memcpy(s + 10, "SHARED", 6);
    char r[16] = {0};
    pread(fd, r, 6, 10);
    say("read() sees the shared write: %s\n", r);
    pwrite(fd, "WRITE", 5, PAGE + 1);
    say("mapping sees write(): %.5s\n", s + PAGE + 1);
    CHECK("msync", msync(s, 2 * PAGE, MS_SYNC));
    CHECK("msync unaligned", msync(s + 1, PAGE, MS_SYNC));

    char *pv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    say("mmap private at offset 4096: %s, first bytes %.6s\n", pv == MAP_FAILED ? errname(errno) : "ok", pv);
    memcpy(pv, "PRIVATE", 7);
    pread(fd, r, 7, PAGE);
    say("file after private write: %.7s\n", r);
    say("shared mapping after private write: %.7s\n", s + PAGE);

    pid_t c = fork();
    if (c == 0) {
        memcpy(s + 20, "CHILD", 5);
        _exit(0);
    }
    reap(c);
    pread(fd, r, 5, 20);
    say("child's write through inherited shared mapping: %.5s\n", r);

    ftruncate(fd, 100);
    char *t = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    say("mmap 2 pages of a 100-byte file: %s\n", t == MAP_FAILED ? errname(errno) : "ok");
    say("read byte 99: %s\n", probe(t + 99, 'r'));
    say("read byte 4095 (rest of last page is zero): %s, value %d\n", probe(t + 4095, 'r'), t[4095]);
    say("read byte 4096 (past EOF): %s\n", probe(t + PAGE, 'r'));

    int ro = open("/tmp/mf/f", O_RDONLY);
    int wo = open("/tmp/mf/f", O_WRONLY);
    CHECK_PTR("MAP_SHARED PROT_WRITE on O_RDONLY fd", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), MAP_FAILED);
    CHECK_PTR("MAP_PRIVATE PROT_WRITE on O_RDONLY fd", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0), MAP_FAILED);
    CHECK_PTR("mmap O_WRONLY fd", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0), MAP_FAILED);
    CHECK_PTR("mmap unaligned offset", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 100), MAP_FAILED);
    CHECK_PTR("mmap bad fd", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, 99, 0), MAP_FAILED);
    int p[2];
    pipe(p);
    CHECK_PTR("mmap a pipe", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, p[0], 0), MAP_FAILED);
    CHECK_PTR("mmap a directory", mmap(NULL, PAGE, PROT_READ, MAP_SHARED, open("/tmp/mf", O_RDONLY), 0), MAP_FAILED);
    char *z = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, open("/dev/zero", O_RDWR), 0);
    say("mmap /dev/zero: %s, reads %d\n", z == MAP_FAILED ? errname(errno) : "ok", z == MAP_FAILED ? -1 : z[100]);
    int big = open("/tmp/mf/g", O_RDWR | O_CREAT, 0644);
    ftruncate(big, 3 * PAGE);
    char *g = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, big, 0);
    close(big);
    say("mapping outlives its fd: %s\n", probe(g + 2 * PAGE, 'w'));
    munmap(g, 3 * PAGE);
    big = open("/tmp/mf/g", O_RDONLY);
    pread(big, r, 1, 2 * PAGE);
    say("data written through it persisted: %c\n", r[0] == 1 ? '1' : r[0]);
    remove_tree("/tmp/mf");
    return 0;
}
