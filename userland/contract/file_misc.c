// flock (shared/exclusive, conversion, LOCK_NB conflicts between descriptions, inheritance
// by dup and fork, release on last close, waiting until the holder unlocks), fallocate
// (extend, KEEP_SIZE, errnos), sendfile (with and without offset), fadvise/readahead
// errnos, close_range (close and CLOEXEC), chroot errnos.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLOSE_RANGE_CLOEXEC (1U << 2)

static const char *en(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case EWOULDBLOCK: return "EWOULDBLOCK";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ENOENT: return "ENOENT";
    case EPERM: return "EPERM";
    case EFBIG: return "EFBIG";
    default: return "other";
    }
}

int main(void) {
    const char *path = "/tmp/file_misc.dat";
    int a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    int b = open(path, O_RDWR);
    printf("flock a EX: %s\n", en(flock(a, LOCK_EX)));
    printf("flock b SH|NB while a EX: %s\n", en(flock(b, LOCK_SH | LOCK_NB)));
    printf("flock a SH (convert): %s\n", en(flock(a, LOCK_SH)));
    printf("flock b SH|NB now: %s\n", en(flock(b, LOCK_SH | LOCK_NB)));
    printf("flock b EX|NB with a SH: %s\n", en(flock(b, LOCK_EX | LOCK_NB)));
    printf("flock a UN: %s\n", en(flock(a, LOCK_UN)));
    printf("flock b EX|NB (b held SH, converts): %s\n", en(flock(b, LOCK_EX | LOCK_NB)));
    int b2 = dup(b);
    close(b);
    printf("a EX|NB while dup of b holds: %s\n", en(flock(a, LOCK_EX | LOCK_NB)));
    close(b2);
    printf("a EX|NB after last close of b: %s\n", en(flock(a, LOCK_EX | LOCK_NB)));
    printf("flock bad op: %s\n", en(flock(a, 0)));
    printf("flock bad fd: %s\n", en(flock(99, LOCK_SH)));

    // A child waits for the parent's lock.
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        int c = open(path, O_RDWR);
        write(p[1], "r", 1);
        int r = flock(c, LOCK_EX);
        printf("child got lock after wait: %s\n", en(r));
        fflush(stdout);
        _exit(0);
    }
    char ch;
    read(p[0], &ch, 1);
    usleep(100000);
    printf("parent unlocking\n");
    fflush(stdout);
    flock(a, LOCK_UN);
    waitpid(pid, NULL, 0);

    // fallocate
    struct stat st;
    printf("fallocate 0..10000: %s", en(fallocate(a, 0, 0, 10000)));
    fstat(a, &st);
    printf(" size %ld\n", (long)st.st_size);
    printf("fallocate KEEP_SIZE to 20000: %s", en(fallocate(a, FALLOC_FL_KEEP_SIZE, 10000, 10000)));
    fstat(a, &st);
    printf(" size %ld\n", (long)st.st_size);
    printf("fallocate len 0: %s\n", en(fallocate(a, 0, 0, 0)));
    printf("fallocate negative offset: %s\n", en(fallocate(a, 0, -1, 10)));
    int ro = open(path, O_RDONLY);
    printf("fallocate read-only fd: %s\n", en(fallocate(ro, 0, 0, 10)));
    int pp[2];
    pipe(pp);
    printf("fallocate pipe: %s\n", en(fallocate(pp[0], 0, 0, 10)));
    printf("fadvise pipe: %s\n", en(posix_fadvise(pp[0], 0, 0, POSIX_FADV_NORMAL) ? (errno = posix_fadvise(pp[0], 0, 0, 0), -1) : 0));
    printf("fadvise bad advice: %d\n", posix_fadvise(a, 0, 0, 99));
    printf("fadvise ok: %d\n", posix_fadvise(a, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("readahead file: %s\n", en(readahead(a, 0, 4096)));
    printf("readahead pipe: %s\n", en(readahead(pp[0], 0, 4096)));

    // sendfile
    pwrite(a, "hello sendfile world", 20, 0);
    off_t off = 6;
    ssize_t n = sendfile(pp[1], a, &off, 8);
    char buf[32] = {0};
    read(pp[0], buf, sizeof buf - 1);
    printf("sendfile with offset: %zd '%s' off now %ld\n", n, buf, (long)off);
    lseek(a, 0, SEEK_SET);
    n = sendfile(pp[1], a, NULL, 5);
    memset(buf, 0, sizeof buf);
    read(pp[0], buf, sizeof buf - 1);
    printf("sendfile no offset: %zd '%s' file pos %ld\n", n, buf, (long)lseek(a, 0, SEEK_CUR));
    printf("sendfile from pipe: %s\n", en(sendfile(a, pp[0], NULL, 5)));
    printf("sendfile to read-only: %s\n", en(sendfile(ro, a, NULL, 5)));

    // close_range
    int x = dup(a), y = dup(a), z = dup(a);
    printf("close_range cloexec: %s", en(syscall(SYS_close_range, x, y, CLOSE_RANGE_CLOEXEC)));
    printf(" flags %d %d %d\n", fcntl(x, F_GETFD), fcntl(y, F_GETFD), fcntl(z, F_GETFD));
    printf("close_range close: %s", en(syscall(SYS_close_range, x, z, 0)));
    printf(" then fcntl: %s %s\n", en(fcntl(x, F_GETFD)), en(fcntl(z, F_GETFD)));
    printf("close_range first>last: %s\n", en(syscall(SYS_close_range, 5, 4, 0)));
    printf("close_range bad flag: %s\n", en(syscall(SYS_close_range, 5, 6, 1 << 5)));

    printf("chroot missing: %s\n", en(chroot("/nonexistent")));
    printf("chroot file: %s\n", en(chroot(path)));
    pid = fork();
    if (pid == 0) {
        setuid(1000);
        printf("chroot as user: %s\n", en(chroot("/tmp")));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pid = fork();
    if (pid == 0) {
        printf("chroot /tmp: %s", en(chroot("/tmp")));
        struct stat s2;
        printf(", then /file_misc.dat visible: %s\n", en(stat("/file_misc.dat", &s2)));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    unlink(path);
    return 0;
}
