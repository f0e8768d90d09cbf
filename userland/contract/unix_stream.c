/* AF_UNIX stream sockets: socketpair, bind/listen/connect/accept with a child, partial
   reads, shutdown and EOF, EPIPE with SIGPIPE ignored and handled, non-blocking EAGAIN,
   poll readiness, getsockname/getpeername, fstat. */
#include "unix_common.h"

static volatile int pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

static void pair_basics(void) {
    int sv[2];
    char buf[64];
    UCHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct stat st;
    fstat(sv[0], &st);
    say("fstat: S_ISSOCK %s mode %o\n", YESNO(S_ISSOCK(st.st_mode)), st.st_mode & 0777);
    UCHECK("write 5", write(sv[0], "hello", 5));
    UCHECK("write 6", write(sv[0], " world", 6));
    UCHECK("read 3 (partial)", read(sv[1], buf, 3));
    UCHECK("read rest (merged)", read(sv[1], buf, sizeof buf));
    buf[8] = 0;
    say("data: %s\n", buf);
    UCHECK("send other way", send(sv[1], "pong", 4, 0));
    UCHECK("recv MSG_PEEK", recv(sv[0], buf, sizeof buf, MSG_PEEK));
    UCHECK("recv", recv(sv[0], buf, sizeof buf, 0));
    UCHECK("recv MSG_DONTWAIT empty", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    say("poll empty: %s\n", pollstr(poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP)));
    write(sv[1], "x", 1);
    say("poll with data: %s\n", pollstr(poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP)));
    read(sv[0], buf, 1);

    struct sockaddr_un a;
    socklen_t len = sizeof a;
    UCHECK("getsockname", getsockname(sv[0], (struct sockaddr *)&a, &len));
    show_addr("pair name", &a, len);
    len = sizeof a;
    UCHECK("getpeername", getpeername(sv[0], (struct sockaddr *)&a, &len));
    show_addr("pair peer", &a, len);

    /* iovecs */
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    UCHECK("writev", writev(sv[0], iov, 2));
    char x[2], y[8];
    struct iovec riov[2] = {{x, 2}, {y, 8}};
    UCHECK("readv", readv(sv[1], riov, 2));
    say("readv: %.2s|%.3s\n", x, y);

    /* shutdown(SHUT_WR): the peer reads EOF after the data */
    write(sv[0], "tail", 4);
    UCHECK("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    say("peer poll after SHUT_WR: %s\n", pollstr(poll1(sv[1], POLLIN | POLLOUT | POLLRDHUP)));
    UCHECK("read tail", read(sv[1], buf, sizeof buf));
    UCHECK("read EOF", read(sv[1], buf, sizeof buf));
    UCHECK("write after own SHUT_WR", send(sv[0], "z", 1, MSG_NOSIGNAL));
    UCHECK("peer can still write", write(sv[1], "back", 4));
    UCHECK("read it", read(sv[0], buf, sizeof buf));
    UCHECK("shutdown bad how", shutdown(sv[0], 7));
    close(sv[0]);
    close(sv[1]);

    /* peer close: EOF, then EPIPE (ignored SIGPIPE / handler) */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "last", 4);
    close(sv[0]);
    say("poll after peer close: %s\n", pollstr(poll1(sv[1], POLLIN | POLLOUT | POLLRDHUP)));
    UCHECK("read last", read(sv[1], buf, sizeof buf));
    UCHECK("read EOF after close", read(sv[1], buf, sizeof buf));
    signal(SIGPIPE, SIG_IGN);
    UCHECK("write to closed peer (SIGPIPE ignored)", write(sv[1], "x", 1));
    signal(SIGPIPE, on_pipe);
    UCHECK("write to closed peer (handler)", write(sv[1], "x", 1));
    say("SIGPIPE handler ran %d time(s)\n", pipes);
    UCHECK("send MSG_NOSIGNAL", send(sv[1], "x", 1, MSG_NOSIGNAL));
    say("SIGPIPE handler ran %d time(s)\n", pipes);
    close(sv[1]);

    /* closing with unread data: the peer gets ECONNRESET once, then EOF */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[0]);
    UCHECK("read after reset", read(sv[1], buf, sizeof buf));
    UCHECK("read again", read(sv[1], buf, sizeof buf));
    close(sv[1]);

    /* non-blocking: fill the buffer until EAGAIN */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    say("O_NONBLOCK set: %s\n", YESNO(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
    UCHECK("nonblocking read empty", read(sv[0], buf, sizeof buf));
    static char big[65536];
    long total = 0, r;
    while ((r = write(sv[0], big, sizeof big)) > 0)
        total += r;
    say("filled: %s, errno %s\n", YESNO(total > 100000), uerr(errno));
    say("poll full: %s\n", pollstr(poll1(sv[0], POLLOUT)));
    long drained = 0;
    while ((r = read(sv[1], big, sizeof big)) > 0)
        drained += r;
    say("drained all: %s\n", YESNO(drained == total));
    say("poll drained: %s\n", pollstr(poll1(sv[0], POLLOUT)));
    close(sv[0]);
    close(sv[1]);
}

static void server_client(void) {
    const char *path = "/tmp/unix_stream.sock";
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    say("FD_CLOEXEC: %s\n", YESNO(fcntl(s, F_GETFD) & FD_CLOEXEC));
    say("poll fresh socket: %s\n", pollstr(poll1(s, POLLIN | POLLOUT)));
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, path);
    UCHECK("listen unbound", listen(s, 5));
    UCHECK("bind", bind(s, (struct sockaddr *)&a, alen));
    struct stat st;
    UCHECK("stat socket path", stat(path, &st));
    say("path S_ISSOCK %s mode %o\n", YESNO(S_ISSOCK(st.st_mode)), st.st_mode & 0777);
    UCHECK("open socket path", open(path, O_RDWR));
    UCHECK("listen", listen(s, 5));
    say("poll listener: %s\n", pollstr(poll1(s, POLLIN | POLLOUT)));
    UCHECK("accept4 bad flags", syscall(SYS_accept4, s, NULL, NULL, 0x1));
    int fl = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, fl | O_NONBLOCK);
    UCHECK("nonblocking accept", accept(s, NULL, NULL));
    fcntl(s, F_SETFL, fl);

    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un b;
        socklen_t blen = path_addr(&b, path);
        if (connect(c, (struct sockaddr *)&b, blen) < 0)
            _exit(1);
        struct sockaddr_un p;
        socklen_t plen = sizeof p;
        getpeername(c, (struct sockaddr *)&p, &plen);
        char buf[64];
        write(c, "request", 7);
        int n = read(c, buf, sizeof buf);
        /* the child reports through its exit status: reply length and peer name length */
        _exit(n == 5 && memcmp(buf, "reply", 5) == 0 && plen == alen ? 0 : 2);
    }
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int c = accept(s, (struct sockaddr *)&peer, &plen);
    say("accept: %s\n", c >= 0 ? "ok" : uerr(errno));
    show_addr("accepted peer", &peer, plen);
    struct sockaddr_un me;
    socklen_t mlen = sizeof me;
    getsockname(c, (struct sockaddr *)&me, &mlen);
    show_addr("accepted name", &me, mlen);
    char buf[64];
    UCHECK("read request", read(c, buf, sizeof buf));
    UCHECK("write reply", write(c, "reply", 5));
    int st2;
    waitpid(pid, &st2, 0);
    say("client: %s\n", wstatus(st2));
    UCHECK("read EOF from exited client", read(c, buf, sizeof buf));
    close(c);

    /* connect + accept in one process; data before accept */
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    UCHECK("connect", connect(c1, (struct sockaddr *)&a, alen));
    UCHECK("connect again", connect(c1, (struct sockaddr *)&a, alen));
    UCHECK("write before accept", write(c1, "early", 5));
    say("poll listener with pending: %s\n", pollstr(poll1(s, POLLIN | POLLOUT)));
    int a1 = accept4(s, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    say("accept4 flags: nonblock %s cloexec %s\n", YESNO(fcntl(a1, F_GETFL) & O_NONBLOCK),
        YESNO(fcntl(a1, F_GETFD) & FD_CLOEXEC));
    UCHECK("read early", read(a1, buf, sizeof buf));
    UCHECK("read nonblocking empty", read(a1, buf, sizeof buf));
    close(a1);
    close(c1);

    /* backlog: listen(s, 0) admits one pending connection; a non-blocking third waits */
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a2;
    socklen_t a2len = abstract_addr(&a2, "unix_stream_backlog");
    UCHECK("bind abstract", bind(s2, (struct sockaddr *)&a2, a2len));
    UCHECK("listen 0", listen(s2, 0));
    int k1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int k2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int k3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    UCHECK("connect 1", connect(k1, (struct sockaddr *)&a2, a2len));
    UCHECK("connect 2", connect(k2, (struct sockaddr *)&a2, a2len));
    UCHECK("connect 3 (backlog full)", connect(k3, (struct sockaddr *)&a2, a2len));
    close(s2);
    UCHECK("read after listener closed", read(k1, buf, sizeof buf));
    UCHECK("write after listener closed", send(k1, "x", 1, MSG_NOSIGNAL));
    UCHECK("connect to closed listener", connect(k3, (struct sockaddr *)&a2, a2len));
    close(k1);
    close(k2);
    close(k3);

    close(s);
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    UCHECK("connect after listener closed", connect(c2, (struct sockaddr *)&a, alen));
    close(c2);
    unlink(path);
}

static void blocking_accept(void) {
    /* a child connects after a delay; accept blocks until then */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "unix_stream_blocking");
    bind(s, (struct sockaddr *)&a, alen);
    listen(s, 1);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(c, (struct sockaddr *)&a, alen);
        usleep(100000);
        write(c, "late", 4);
        _exit(0);
    }
    int c = accept(s, NULL, NULL);
    say("blocking accept: %s\n", c >= 0 ? "ok" : uerr(errno));
    char buf[16];
    UCHECK("blocking read", read(c, buf, sizeof buf));
    UCHECK("then EOF", read(c, buf, sizeof buf));
    int st;
    waitpid(pid, &st, 0);
    close(c);
    close(s);
}

int main(void) {
    pair_basics();
    server_client();
    blocking_accept();
    return 0;
}
