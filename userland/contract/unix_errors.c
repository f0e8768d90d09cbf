/* AF_UNIX error edges: socket/socketpair argument checking, EBADF/ENOTSOCK/EFAULT, address
   lengths, permissions on socket paths, socket options (SO_TYPE, SO_DOMAIN, SO_ACCEPTCONN,
   SO_ERROR, buffer sizes, timeouts, unknown options), and signals interrupting blocking
   calls (EINTR, SA_RESTART, SO_RCVTIMEO). */
#include "unix_common.h"
#include <sys/time.h>

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void arm(long usec) {
    struct itimerval it = {{0, 0}, {0, usec}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void handler(int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

static int getint(int fd, int name) {
    int v = -12345;
    socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0)
        return -errno;
    return v;
}

int main(void) {
    /* socket() arguments */
    UCHECK("AF_UNIX stream", socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : -1);
    UCHECK("protocol PF_UNIX", socket(AF_UNIX, SOCK_DGRAM, PF_UNIX) >= 0 ? 0 : -1);
    UCHECK("SOCK_RAW is dgram", getint(socket(AF_UNIX, SOCK_RAW, 0), SO_TYPE));
    UCHECK("protocol 7", socket(AF_UNIX, SOCK_STREAM, 7));
    UCHECK("type 4 (RDM)", socket(AF_UNIX, 4, 0));
    UCHECK("type 10 (PACKET)", socket(AF_UNIX, 10, 0));
    UCHECK("type 11", socket(AF_UNIX, 11, 0));
    UCHECK("type 0", socket(AF_UNIX, 0, 0));
    UCHECK("bad flag bit", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
    UCHECK("family -1", socket(-1, SOCK_STREAM, 0));
    UCHECK("family 46", socket(46, SOCK_STREAM, 0));
    UCHECK("family 1000", socket(1000, SOCK_STREAM, 0));
    int sv[2];
    UCHECK("socketpair bad type", socketpair(AF_UNIX, 4, 0, sv));
    UCHECK("socketpair EFAULT", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (int *)8));

    /* descriptors */
    int fd = open("/tmp", O_RDONLY);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, "/tmp/unix_errors.sock");
    char buf[16];
    UCHECK("bind EBADF", bind(999, (struct sockaddr *)&a, alen));
    UCHECK("bind ENOTSOCK", bind(fd, (struct sockaddr *)&a, alen));
    UCHECK("connect ENOTSOCK", connect(fd, (struct sockaddr *)&a, alen));
    UCHECK("listen ENOTSOCK", listen(fd, 1));
    UCHECK("accept ENOTSOCK", accept(fd, NULL, NULL));
    UCHECK("send ENOTSOCK", send(fd, "x", 1, 0));
    UCHECK("recv ENOTSOCK", recv(fd, buf, 1, 0));
    UCHECK("shutdown ENOTSOCK", shutdown(fd, SHUT_RD));
    UCHECK("getsockopt ENOTSOCK", getsockopt(fd, SOL_SOCKET, SO_TYPE, buf, &(socklen_t){4}));
    UCHECK("getsockname EBADF", getsockname(-1, (struct sockaddr *)&a, &alen));
    close(fd);

    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    /* addresses */
    UCHECK("bind NULL len 0", bind(s, NULL, 0));
    UCHECK("bind len 1", bind(s, (struct sockaddr *)&a, 1));
    UCHECK("bind len 111", bind(s, (struct sockaddr *)&a, 111));
    UCHECK("bind len 129", bind(s, (struct sockaddr *)&a, 129));
    UCHECK("bind EFAULT", bind(s, (struct sockaddr *)8, alen));
    struct sockaddr_un wrong = a;
    wrong.sun_family = AF_INET;
    UCHECK("bind wrong family", bind(s, (struct sockaddr *)&wrong, alen));
    struct sockaddr_un nodir;
    socklen_t ndlen = path_addr(&nodir, "/tmp/no/such/dir.sock");
    UCHECK("bind missing dir", bind(s, (struct sockaddr *)&nodir, ndlen));
    UCHECK("connect missing path", connect(s, (struct sockaddr *)&nodir, ndlen));
    UCHECK("connect EFAULT", connect(s, (struct sockaddr *)8, alen));
    UCHECK("connect short", connect(s, (struct sockaddr *)&a, 2));
    unlink(a.sun_path);
    /* a path without its NUL inside the given length still binds the name */
    UCHECK("bind unterminated", bind(s, (struct sockaddr *)&a, alen - 1));
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &glen);
    show_addr("bound", &got, glen);
    glen = 4;
    UCHECK("getsockname short", getsockname(s, (struct sockaddr *)&got, &glen));
    say("short getsockname len %u\n", (unsigned)glen);
    UCHECK("getsockname EFAULT", getsockname(s, (struct sockaddr *)8, &glen));
    UCHECK("getsockname len EFAULT", getsockname(s, (struct sockaddr *)&got, (socklen_t *)8));
    glen = -1;
    UCHECK("getsockname negative len", getsockname(s, (struct sockaddr *)&got, &glen));
    UCHECK("recv unconnected stream", recv(s, buf, 1, MSG_DONTWAIT));
    UCHECK("send unconnected stream", send(s, "x", 1, MSG_NOSIGNAL));
    UCHECK("sendto with address on stream", sendto(s, "x", 1, 0, (struct sockaddr *)&a, alen));
    UCHECK("shutdown unconnected", shutdown(s, SHUT_RDWR));
    UCHECK("getpeername unconnected", getpeername(s, (struct sockaddr *)&got, &glen));

    /* options */
    UCHECK("SO_TYPE", getint(s, SO_TYPE));
    UCHECK("SO_DOMAIN", getint(s, SO_DOMAIN));
    UCHECK("SO_PROTOCOL", getint(s, SO_PROTOCOL));
    UCHECK("SO_ACCEPTCONN before listen", getint(s, SO_ACCEPTCONN));
    listen(s, 3);
    UCHECK("SO_ACCEPTCONN after listen", getint(s, SO_ACCEPTCONN));
    UCHECK("SO_ERROR", getint(s, SO_ERROR));
    UCHECK("SO_SNDBUF default", getint(s, SO_SNDBUF));
    UCHECK("SO_RCVBUF default", getint(s, SO_RCVBUF));
    int v = 65536;
    UCHECK("set SO_SNDBUF 65536", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    UCHECK("SO_SNDBUF doubled", getint(s, SO_SNDBUF));
    v = 1;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    UCHECK("SO_SNDBUF minimum", getint(s, SO_SNDBUF));
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    UCHECK("SO_RCVBUF minimum", getint(s, SO_RCVBUF));
    v = 100000;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    UCHECK("SO_RCVBUF 100000", getint(s, SO_RCVBUF));
    v = 1;
    UCHECK("set SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    UCHECK("SO_REUSEADDR", getint(s, SO_REUSEADDR));
    UCHECK("SO_PASSCRED default", getint(s, SO_PASSCRED));
    UCHECK("set short optlen", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2));
    UCHECK("set negative optlen", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, -1));
    UCHECK("set EFAULT", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (void *)8, 4));
    UCHECK("set unknown option", setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v));
    UCHECK("set SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof v));
    UCHECK("get unknown option", getint(s, 9999));
    UCHECK("get other level", getsockopt(s, 6 /* IPPROTO_TCP */, 1, &v, &(socklen_t){4}));
    UCHECK("set other level", setsockopt(s, 6, 1, &v, sizeof v));
    socklen_t ol = 2;
    v = 0;
    UCHECK("get SO_TYPE into 2 bytes", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &ol));
    say("len %u value %d\n", (unsigned)ol, v);
    ol = -1;
    UCHECK("get negative optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &ol));
    UCHECK("get optlen EFAULT", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8));
    struct timeval tv = {0, 2000000};
    UCHECK("SO_RCVTIMEO bad usec", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    UCHECK("SO_RCVTIMEO short", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8));
    tv.tv_sec = 2;
    tv.tv_usec = 500000;
    UCHECK("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval tv2;
    ol = sizeof tv2;
    UCHECK("get SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &ol));
    say("timeout %ld.%06ld len %u\n", (long)tv2.tv_sec, (long)tv2.tv_usec, (unsigned)ol);
    close(s);
    unlink(a.sun_path);

    /* SO_ERROR after the peer vanished with unread data */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "x", 1);
    close(sv[0]);
    UCHECK("SO_ERROR after reset", getint(sv[1], SO_ERROR));
    UCHECK("SO_ERROR cleared", getint(sv[1], SO_ERROR));
    close(sv[1]);

    /* permissions: a non-root process cannot connect to a socket it may not write */
    socklen_t plen = path_addr(&a, "/tmp/unix_errors_perm.sock");
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, plen);
    listen(l, 2);
    chmod(a.sun_path, 0700);
    mkdir("/tmp/unix_errors_dir", 0755);
    chmod("/tmp/unix_errors_dir", 0755);
    pid_t pid = fork();
    if (pid == 0) {
        setgid(65534);
        setuid(65534);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        UCHECK("connect without write permission", connect(c, (struct sockaddr *)&a, plen));
        struct sockaddr_un b;
        socklen_t blen = path_addr(&b, "/tmp/unix_errors_dir/s.sock");
        int d = socket(AF_UNIX, SOCK_DGRAM, 0);
        UCHECK("bind in unwritable dir", bind(d, (struct sockaddr *)&b, blen));
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    chmod(a.sun_path, 0777);
    rmdir("/tmp/unix_errors_dir");
    close(l);
    unlink(a.sun_path);

    /* signals: EINTR without SA_RESTART, a restart with it, EINTR with SO_RCVTIMEO */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    handler(0);
    arm(100000);
    UCHECK("recv interrupted", recv(sv[0], buf, sizeof buf, 0));
    say("alarms %d\n", alarms);
    handler(SA_RESTART);
    pid = fork();
    if (pid == 0) {
        usleep(300000);
        write(sv[1], "late", 4);
        _exit(0);
    }
    arm(100000);
    UCHECK("recv restarted", recv(sv[0], buf, sizeof buf, 0));
    say("alarms %d\n", alarms);
    waitpid(pid, &st, 0);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    arm(100000);
    UCHECK("recv with SO_RCVTIMEO interrupted (SA_RESTART)", recv(sv[0], buf, sizeof buf, 0));
    say("alarms %d\n", alarms);
    tv.tv_sec = 0;
    tv.tv_usec = 100000;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    UCHECK("recv timed out", recv(sv[0], buf, sizeof buf, 0));
    /* accept interrupted */
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un ab;
    socklen_t ablen = abstract_addr(&ab, "unix_errors_accept");
    bind(l2, (struct sockaddr *)&ab, ablen);
    listen(l2, 1);
    handler(0);
    arm(100000);
    UCHECK("accept interrupted", accept(l2, NULL, NULL));
    say("alarms %d\n", alarms);
    close(l2);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
