/* dup/dup2/dup3/fcntl: descriptor flags, status flags, shared offsets, EBADF/EINVAL. */
#include "common.h"

int main(void) {
    int fd = open("/dev/null", O_RDWR);
    CHECK("open /dev/null", fd);
    CHECK("dup", dup(fd));
    CHECK("dup2 to 10", dup2(fd, 10));
    CHECK("dup2 same fd", dup2(fd, fd));
    CHECK("dup2 bad oldfd", dup2(99, 5));
    CHECK("dup2 bad newfd", dup2(fd, -1));
    CHECK("dup2 newfd too large", dup2(fd, 1 << 20));
    CHECK("dup3 same fd", dup3(fd, fd, 0));
    CHECK("dup3 O_CLOEXEC to 11", dup3(fd, 11, O_CLOEXEC));
    CHECK("F_GETFD 11", fcntl(11, F_GETFD));
    CHECK("dup3 bad flags (raw)", syscall(SYS_dup3, fd, 12, O_NONBLOCK));
    CHECK("dup3 same fd (raw)", syscall(SYS_dup3, fd, fd, 0));
    CHECK("dup bad fd", dup(99));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    int d = dup(fd);
    CHECK("dup of cloexec fd", d);
    CHECK("F_GETFD of the dup", fcntl(d, F_GETFD));
    CHECK("F_DUPFD min 20", fcntl(fd, F_DUPFD, 20));
    CHECK("F_DUPFD min 20 again", fcntl(fd, F_DUPFD, 20));
    CHECK("F_DUPFD_CLOEXEC min 0", fcntl(fd, F_DUPFD_CLOEXEC, 0));
    CHECK("F_GETFD of it", fcntl(6, F_GETFD));
    CHECK("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
    CHECK("F_DUPFD beyond RLIMIT_NOFILE", fcntl(fd, F_DUPFD, 5000));
    CHECK("fcntl bad fd", fcntl(99, F_GETFD));
    CHECK("fcntl bad cmd", fcntl(fd, 9999));

    scratch_dir("/tmp/dupf");
    int f = open("/tmp/dupf/f", O_RDWR | O_CREAT | O_APPEND, 0644);
    say("F_GETFL O_RDWR|O_APPEND: 0%o\n", fcntl(f, F_GETFL));
    int r = open("/tmp/dupf/f", O_RDONLY);
    say("F_GETFL O_RDONLY: 0%o\n", fcntl(r, F_GETFL));
    int w = open("/tmp/dupf/f", O_WRONLY | O_CLOEXEC);
    say("F_GETFL O_WRONLY|O_CLOEXEC: 0%o\n", fcntl(w, F_GETFL));
    CHECK("F_SETFL O_NONBLOCK", fcntl(w, F_SETFL, O_NONBLOCK));
    say("F_GETFL after: 0%o\n", fcntl(w, F_GETFL));
    CHECK("F_SETFL O_RDWR (access mode is ignored)", fcntl(w, F_SETFL, O_RDWR));
    say("F_GETFL after: 0%o\n", fcntl(w, F_GETFL));
    CHECK("F_SETFL O_APPEND", fcntl(w, F_SETFL, O_APPEND));
    say("F_GETFL after: 0%o\n", fcntl(w, F_GETFL));
    int w2 = dup(w);
    say("dup shares status flags: %s\n", YESNO(fcntl(w2, F_GETFL) == fcntl(w, F_GETFL)));
    fcntl(w, F_SETFL, 0);
    say("status flags change seen through the dup: %s\n", YESNO((fcntl(w2, F_GETFL) & O_APPEND) == 0));

    int a = open("/tmp/dupf/g", O_RDWR | O_CREAT, 0644);
    int b = dup(a);
    CHECK("write via fd", write(a, "12345", 5));
    CHECK("offset via dup", lseek(b, 0, SEEK_CUR));
    CHECK("lseek dup to 1", lseek(b, 1, SEEK_SET));
    CHECK("offset via fd", lseek(a, 0, SEEK_CUR));
    int c = open("/tmp/dupf/g", O_RDWR);
    CHECK("separate open has own offset", lseek(c, 0, SEEK_CUR));
    CHECK("dup2 over open fd", dup2(a, c));
    CHECK("its offset now", lseek(c, 0, SEEK_CUR));
    CHECK("close original", close(a));
    CHECK("dup still works", write(b, "x", 1));
    remove_tree("/tmp/dupf");
    return 0;
}
