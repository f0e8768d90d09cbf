/* pipe2: flags, capacity, non-blocking EAGAIN, partial reads, EOF after the writer closes. */
#include "common.h"

int main(void) {
    int p[2];
    char buf[4096];
    CHECK("pipe2 0", pipe2(p, 0));
    say("fds: %d %d\n", p[0], p[1]);
    say("F_GETFL read end: 0%o\n", fcntl(p[0], F_GETFL));
    say("F_GETFL write end: 0%o\n", fcntl(p[1], F_GETFL));
    CHECK("F_GETFD", fcntl(p[0], F_GETFD));
    struct stat st;
    fstat(p[0], &st);
    say("S_ISFIFO: %s, size %ld\n", YESNO(S_ISFIFO(st.st_mode)), (long)st.st_size);
    CHECK("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    CHECK("write 100", write(p[1], buf, 100));
    CHECK("read 1000 gets 100", read(p[0], buf, 1000));
    CHECK("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
    CHECK("read empty non-blocking", read(p[0], buf, 10));
    close(p[0]);
    close(p[1]);

    int q[2];
    CHECK("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(q, O_CLOEXEC | O_NONBLOCK));
    CHECK("F_GETFD read end", fcntl(q[0], F_GETFD));
    CHECK("F_GETFD write end", fcntl(q[1], F_GETFD));
    say("F_GETFL write end: 0%o\n", fcntl(q[1], F_GETFL));
    long total = 0;
    ssize_t n;
    memset(buf, 'x', sizeof buf);
    while ((n = write(q[1], buf, sizeof buf)) > 0)
        total += n;
    say("filled %ld bytes, then %s\n", total, errname(errno));
    CHECK("write 1 more", write(q[1], buf, 1));
    CHECK("read 4096", read(q[0], buf, 4096));
    CHECK("write 4096 after read", write(q[1], buf, 4096));
    CHECK("write 1 more", write(q[1], buf, 1));
    total = 0;
    while ((n = read(q[0], buf, sizeof buf)) > 0)
        total += n;
    say("drained %ld bytes, then %s\n", total, errname(errno));
    CHECK("F_SETPIPE_SZ 4096", fcntl(q[1], F_SETPIPE_SZ, 4096));
    CHECK("F_GETPIPE_SZ", fcntl(q[1], F_GETPIPE_SZ));
    CHECK("F_SETPIPE_SZ 1", fcntl(q[1], F_SETPIPE_SZ, 1));
    CHECK("F_SETPIPE_SZ 100000", fcntl(q[1], F_SETPIPE_SZ, 100000));
    CHECK("F_GETPIPE_SZ on a file", fcntl(0 + open("/dev/null", O_RDONLY), F_GETPIPE_SZ));
    close(q[0]);
    close(q[1]);

    CHECK("pipe2 bad flags", pipe2(p, O_APPEND));
    CHECK("pipe", pipe(p));
    CHECK("read on write end", read(p[1], buf, 1));
    CHECK("write on read end", write(p[0], "x", 1));
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "ping from child", 15);
        _exit(0);
    }
    close(p[1]);
    total = 0;
    while ((n = read(p[0], buf + total, sizeof buf - total)) > 0)
        total += n;
    say("read %ld bytes: %.*s, then %ld (EOF)\n", total, (int)total, buf, (long)n);
    say("child: %s\n", reap(c));
    CHECK("read after EOF", read(p[0], buf, 1));
    close(p[0]);

    /* A blocked reader is woken by the writer's close. */
    pipe(p);
    c = fork();
    if (c == 0) {
        close(p[0]);
        usleep(20000);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    CHECK("blocking read sees EOF when the writer closes", read(p[0], buf, 1));
    say("child: %s\n", reap(c));
    close(p[0]);

    /* Large transfer through a blocking pipe. */
    pipe(p);
    c = fork();
    if (c == 0) {
        close(p[0]);
        static char big[200000];
        for (int i = 0; i < (int)sizeof big; i++)
            big[i] = (char)(i * 7);
        ssize_t w = write(p[1], big, sizeof big);
        _exit(w == (ssize_t)sizeof big ? 0 : 1);
    }
    close(p[1]);
    long sum = 0, cnt = 0;
    int ok = 1;
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != (char)((cnt + i) * 7))
                ok = 0;
        cnt += n;
        sum += n;
    }
    say("200000-byte write: received %ld bytes, intact: %s\n", sum, YESNO(ok));
    say("child: %s\n", reap(c));
    return 0;
}
