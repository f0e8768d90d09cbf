/* Ancillary data over AF_UNIX: SCM_RIGHTS passing a pipe end and a file (also across
   fork), MSG_CMSG_CLOEXEC, MSG_CTRUNC when the control buffer is short, files passed to a
   plain read, SO_PEERCRED, SO_PASSCRED with SCM_CREDENTIALS. */
#include "unix_common.h"

static int send_fds(int s, const char *data, const int *fds, int n) {
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n > 0) {
        m.msg_control = ctl;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return sendmsg(s, &m, 0);
}

/* Receives one message; prints its data, flags and the descriptors it carried. */
static int recv_fds(int s, int *fds, size_t ctlsize, int flags) {
    char ctl[256];
    char data[64];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctlsize ? ctl : NULL,
                       .msg_controllen = ctlsize};
    int n = recvmsg(s, &m, flags);
    if (n < 0) {
        say("recvmsg: -1 %s\n", uerr(errno));
        return 0;
    }
    say("recvmsg: %d \"%.*s\" ctrunc %s controllen %u\n", n, n, data, YESNO(m.msg_flags & MSG_CTRUNC),
        (unsigned)m.msg_controllen);
    int got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + got, CMSG_DATA(c), k * sizeof(int));
            got += k;
            say("  SCM_RIGHTS: %d fd(s)\n", k);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof u);
            say("  SCM_CREDENTIALS: pid is mine %s uid %u gid %u\n", YESNO(u.pid == getpid()), u.uid, u.gid);
        }
    }
    return got;
}

int main(void) {
    int sv[2], p[2], fds[8];
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    int f = open("/tmp/unix_scm.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(f, "file-content", 12);
    lseek(f, 5, SEEK_SET);

    int pass[2] = {p[1], f};
    UCHECK("sendmsg 2 fds", send_fds(sv[0], "fds", pass, 2));
    int got = recv_fds(sv[1], fds, 256, 0);
    say("received %d, new fds differ %s, cloexec %s\n", got, YESNO(fds[0] != p[1] && fds[1] != f),
        YESNO(fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
    write(fds[0], "through-pipe", 12);
    UCHECK("read pipe", read(p[0], buf, sizeof buf));
    UCHECK("shared offset", lseek(fds[1], 0, SEEK_CUR));
    UCHECK("read passed file", read(fds[1], buf, sizeof buf));
    close(fds[0]);
    close(fds[1]);

    /* MSG_CMSG_CLOEXEC */
    send_fds(sv[0], "cx", pass, 1);
    got = recv_fds(sv[1], fds, 256, MSG_CMSG_CLOEXEC);
    say("MSG_CMSG_CLOEXEC: cloexec %s\n", YESNO(fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
    close(fds[0]);

    /* a control buffer with room for one of two fds; none at all */
    send_fds(sv[0], "short", pass, 2);
    got = recv_fds(sv[1], fds, CMSG_LEN(sizeof(int)), 0);
    for (int i = 0; i < got; i++)
        close(fds[i]);
    send_fds(sv[0], "none", pass, 2);
    got = recv_fds(sv[1], fds, 0, 0);

    /* a stream read stops after a message with files */
    write(sv[0], "aa", 2);
    send_fds(sv[0], "bb", pass, 1);
    write(sv[0], "cc", 2);
    got = recv_fds(sv[1], fds, 256, 0);
    close(fds[0]);
    UCHECK("read rest", read(sv[1], buf, sizeof buf));

    /* files passed to a plain read are closed; MSG_PEEK duplicates them */
    send_fds(sv[0], "rd", pass, 1);
    UCHECK("plain read of a message with files", read(sv[1], buf, sizeof buf));
    send_fds(sv[0], "pk", pass, 1);
    got = recv_fds(sv[1], fds, 256, MSG_PEEK);
    close(fds[0]);
    got = recv_fds(sv[1], fds, 256, 0);
    close(fds[0]);

    /* errors */
    int bad[1] = {999};
    UCHECK("send bad fd", send_fds(sv[0], "bad", bad, 1));
    struct msghdr m = {0};
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"x", 1};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = 99;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    UCHECK("unknown cmsg type", sendmsg(sv[0], &m, 0));
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof ctl + 8;
    UCHECK("cmsg_len too long", sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_level = 12345;
    UCHECK("other level ignored", sendmsg(sv[0], &m, 0));
    UCHECK("read it", read(sv[1], buf, sizeof buf));

    /* passing across fork: the child receives a pipe end and writes to it */
    pid_t pid = fork();
    if (pid == 0) {
        int cfd[4];
        char d[8];
        char cctl[CMSG_SPACE(sizeof(int))];
        struct iovec ci = {d, sizeof d};
        struct msghdr cm = {.msg_iov = &ci, .msg_iovlen = 1, .msg_control = cctl, .msg_controllen = sizeof cctl};
        if (recvmsg(sv[1], &cm, 0) < 0)
            _exit(1);
        memcpy(cfd, CMSG_DATA(CMSG_FIRSTHDR(&cm)), sizeof(int));
        write(cfd[0], "from-child", 10);
        _exit(0);
    }
    int w[1] = {p[1]};
    send_fds(sv[0], "go", w, 1);
    int st;
    waitpid(pid, &st, 0);
    say("child: %s\n", wstatus(st));
    UCHECK("read child's write", read(p[0], buf, sizeof buf));

    /* SO_PEERCRED */
    struct ucred u;
    socklen_t ul = sizeof u;
    UCHECK("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &ul));
    say("peercred: len %u pid is mine %s uid %u gid %u\n", (unsigned)ul, YESNO(u.pid == getpid()), u.uid, u.gid);
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = sizeof u;
    UCHECK("SO_PEERCRED unconnected", getsockopt(lone, SOL_SOCKET, SO_PEERCRED, &u, &ul));
    say("peercred: pid %d uid %d gid %d\n", u.pid, (int)u.uid, (int)u.gid);
    close(lone);

    /* SO_PEERCRED across connect: each side sees the other process */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "unix_scm_cred");
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 1);
    pid = fork();
    if (pid == 0) {
        int cs = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(cs, (struct sockaddr *)&a, alen);
        struct ucred cu;
        socklen_t cl = sizeof cu;
        getsockopt(cs, SOL_SOCKET, SO_PEERCRED, &cu, &cl);
        write(cs, &cu.pid, sizeof cu.pid);
        char one;
        read(cs, &one, 1);
        _exit(0);
    }
    int as = accept(l, NULL, NULL);
    ul = sizeof u;
    getsockopt(as, SOL_SOCKET, SO_PEERCRED, &u, &ul);
    say("server sees client: %s\n", YESNO(u.pid == pid));
    pid_t seen;
    read(as, &seen, sizeof seen);
    say("client sees server: %s\n", YESNO(seen == getpid()));
    close(as);
    as = -1;
    waitpid(pid, &st, 0);
    close(l);

    /* SO_PASSCRED and SCM_CREDENTIALS */
    int on = 1;
    UCHECK("SO_PASSCRED on", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    write(sv[0], "cred", 4);
    recv_fds(sv[1], fds, 256, 0);
    struct {
        struct cmsghdr h;
        struct ucred u;
    } cc;
    memset(&cc, 0, sizeof cc);
    cc.h.cmsg_len = CMSG_LEN(sizeof(struct ucred));
    cc.h.cmsg_level = SOL_SOCKET;
    cc.h.cmsg_type = SCM_CREDENTIALS;
    cc.u.pid = getpid();
    cc.u.uid = 0;
    cc.u.gid = 0;
    struct iovec ci = {"sc", 2};
    struct msghdr cm = {.msg_iov = &ci, .msg_iovlen = 1, .msg_control = &cc, .msg_controllen = CMSG_SPACE(sizeof(struct ucred))};
    UCHECK("sendmsg SCM_CREDENTIALS", sendmsg(sv[0], &cm, 0));
    recv_fds(sv[1], fds, 256, 0);
    cc.h.cmsg_len = CMSG_LEN(4);
    UCHECK("short SCM_CREDENTIALS", sendmsg(sv[0], &cm, 0));
    close(sv[0]);
    close(sv[1]);

    /* dgram with SO_PASSCRED: a short control buffer truncates the credentials */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    send(sv[0], "dg", 2, 0);
    recv_fds(sv[1], fds, 8, 0);
    send(sv[0], "dg2", 3, 0);
    recv_fds(sv[1], fds, 256, 0);
    close(sv[0]);
    close(sv[1]);
    unlink("/tmp/unix_scm.txt");
    return 0;
}
