/* Bad user pointers give EFAULT, never a crash. Raw syscalls where musl would touch the pointer
   itself (or use the vDSO). */
#include "common.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>

#define BAD ((void *)1)
#define KERNEL ((void *)0xffffffff81000000UL)

int main(void) {
    int p[2];
    pipe(p);
    int z = open("/dev/zero", O_RDONLY);
    CHECK("write(1, (void *)1, 10)", write(1, BAD, 10));
    CHECK("write from a kernel address", write(1, KERNEL, 10));
    CHECK("read /dev/zero into NULL", read(z, NULL, 10));
    CHECK("read /dev/zero into a kernel address", read(z, KERNEL, 10));
    write(p[1], "abc", 3);
    CHECK("read pipe into NULL", read(p[0], NULL, 3));
    CHECK("data still there", read(p[0], (char[8]){0}, 8));
    CHECK("stat with a bad path pointer", syscall(SYS_stat, BAD, (char[256]){0}));
    CHECK("stat into a bad buffer", syscall(SYS_stat, "/", BAD));
    CHECK("open with a bad path pointer", syscall(SYS_open, BAD, O_RDONLY));
    CHECK("openat with a bad path pointer", syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY));
    CHECK("clock_gettime into a bad pointer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD));
    CHECK("gettimeofday into a bad pointer", syscall(SYS_gettimeofday, BAD, NULL));
    CHECK("uname into a bad pointer", syscall(SYS_uname, BAD));
    CHECK("pipe2 into a bad pointer", syscall(SYS_pipe2, BAD, 0));
    CHECK("getcwd into a bad pointer", syscall(SYS_getcwd, BAD, 100));
    CHECK("nanosleep with a bad pointer", syscall(SYS_nanosleep, BAD, NULL));
    CHECK("poll with a bad pointer", syscall(SYS_poll, BAD, 1, 0));
    CHECK("execve with a bad path", syscall(SYS_execve, BAD, NULL, NULL));
    CHECK("chdir with a bad path", syscall(SYS_chdir, BAD));
    CHECK("mkdir with a bad path", syscall(SYS_mkdir, BAD, 0755));
    CHECK("unlink with a bad path", syscall(SYS_unlink, BAD));
    CHECK("rt_sigaction with a bad act", syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
    CHECK("rt_sigprocmask with a bad set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8));
    CHECK("wait4 with a bad rusage and no child", syscall(SYS_wait4, -1, NULL, 0, BAD));
    struct iovec iov[2] = {{"ok", 2}, {BAD, 5}};
    CHECK("writev, second iovec bad", writev(p[1], iov, 2));
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    say("bytes that reached the pipe: %d\n", avail);
    struct iovec iov1[1] = {{BAD, 5}};
    CHECK("writev, only iovec bad", writev(p[1], iov1, 1));
    CHECK("writev with a bad iovec array", syscall(SYS_writev, 1, BAD, 1));
    CHECK("fstat into a bad pointer", syscall(SYS_fstat, 0, BAD));
    CHECK("getrlimit into a bad pointer", syscall(SYS_getrlimit, 0, BAD));
    CHECK("sysinfo into a bad pointer", syscall(SYS_sysinfo, BAD));
    CHECK("getdents64 into a bad pointer", syscall(SYS_getdents64, open("/", O_RDONLY | O_DIRECTORY), BAD, 4096));
    symlink("target", "/tmp/efault-link");
    CHECK("readlink into a bad buffer", syscall(SYS_readlink, "/tmp/efault-link", BAD, 10));
    unlink("/tmp/efault-link");
    CHECK("getrandom into a bad pointer", syscall(SYS_getrandom, BAD, 8, 0));
    CHECK("futex wait on an unaligned pointer", syscall(SYS_futex, BAD, 0, 0, NULL, NULL, 0));
    CHECK("futex wait on a bad pointer", syscall(SYS_futex, (void *)8, 0, 0, NULL, NULL, 0));
    CHECK("still alive", 0);
    return 0;
}
