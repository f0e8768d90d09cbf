/* AF_UNIX datagram and seqpacket sockets: bind to a /tmp path and an abstract name,
   sendto/recvfrom with the sender's address, message boundaries, MSG_PEEK, MSG_TRUNC,
   connect as default peer, ECONNREFUSED/ENOENT, the receive queue limit, autobind. */
#include "unix_common.h"

static void dgram(void) {
    const char *path = "/tmp/unix_dgram.sock";
    unlink(path);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un ra, sa, from;
    socklen_t ralen = path_addr(&ra, path), falen;
    UCHECK("bind path", bind(r, (struct sockaddr *)&ra, ralen));
    UCHECK("bind again", bind(r, (struct sockaddr *)&ra, ralen));
    int r2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    UCHECK("bind taken path", bind(r2, (struct sockaddr *)&ra, ralen));
    close(r2);
    socklen_t nl = sizeof sa;
    getsockname(r, (struct sockaddr *)&sa, &nl);
    show_addr("receiver name", &sa, nl);

    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t salen = abstract_addr(&sa, "unix_dgram_sender");
    UCHECK("bind abstract", bind(s, (struct sockaddr *)&sa, salen));
    int s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    UCHECK("bind taken abstract", bind(s2, (struct sockaddr *)&sa, salen));
    close(s2);

    UCHECK("sendto one", sendto(s, "one", 3, 0, (struct sockaddr *)&ra, ralen));
    UCHECK("sendto two", sendto(s, "second", 6, 0, (struct sockaddr *)&ra, ralen));
    UCHECK("sendto empty", sendto(s, "", 0, 0, (struct sockaddr *)&ra, ralen));
    char buf[64];
    falen = sizeof from;
    UCHECK("recvfrom PEEK", recvfrom(r, buf, sizeof buf, MSG_PEEK, (struct sockaddr *)&from, &falen));
    show_addr("from", &from, falen);
    falen = sizeof from;
    UCHECK("recvfrom one", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &falen));
    show_addr("from", &from, falen);
    UCHECK("recv 2 of six (truncated)", recv(r, buf, 2, 0));
    UCHECK("recv empty datagram", recv(r, buf, sizeof buf, 0));
    UCHECK("recv nothing left", recv(r, buf, sizeof buf, MSG_DONTWAIT));

    sendto(s, "truncate-me", 11, 0, (struct sockaddr *)&ra, ralen);
    UCHECK("recv MSG_TRUNC len 4", recv(r, buf, 4, MSG_TRUNC));
    sendto(s, "truncate-me", 11, 0, (struct sockaddr *)&ra, ralen);
    struct iovec iov = {buf, 5};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_name = &from, .msg_namelen = sizeof from};
    UCHECK("recvmsg 5 of 11", recvmsg(r, &m, 0));
    say("msg_flags MSG_TRUNC %s, namelen %u\n", YESNO(m.msg_flags & MSG_TRUNC), (unsigned)m.msg_namelen);

    /* a short address buffer: the name is cut, the length is the full one */
    sendto(s, "x", 1, 0, (struct sockaddr *)&ra, ralen);
    memset(&from, 0, sizeof from);
    falen = 5;
    recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &falen);
    say("short addr buffer: len %u, copied \"%.3s\", next byte %d\n", (unsigned)falen, from.sun_path + 1,
        from.sun_path[3]);

    /* an unbound sender has no address */
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(u, "anon", 4, 0, (struct sockaddr *)&ra, ralen);
    falen = sizeof from;
    UCHECK("recvfrom unbound sender", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &falen));
    say("from len %u\n", (unsigned)falen);

    /* connect sets the default destination */
    UCHECK("send unconnected", send(u, "x", 1, 0));
    UCHECK("getpeername unconnected", getpeername(u, (struct sockaddr *)&from, &falen));
    UCHECK("connect", connect(u, (struct sockaddr *)&ra, ralen));
    falen = sizeof from;
    UCHECK("getpeername", getpeername(u, (struct sockaddr *)&from, &falen));
    show_addr("peer", &from, falen);
    UCHECK("send to default peer", send(u, "dflt", 4, 0));
    UCHECK("write to default peer", write(u, "wrt", 3));
    UCHECK("recv", recv(r, buf, sizeof buf, 0));
    UCHECK("read", read(r, buf, sizeof buf));
    UCHECK("sendto other address while connected", sendto(u, "y", 1, 0, (struct sockaddr *)&sa, salen));
    UCHECK("recv on sender", recv(s, buf, sizeof buf, 0));
    struct sockaddr_un unspec = {.sun_family = AF_UNSPEC};
    UCHECK("connect AF_UNSPEC", connect(u, (struct sockaddr *)&unspec, sizeof(sa_family_t)));
    UCHECK("send after disconnect", send(u, "x", 1, 0));
    close(u);

    /* a receiver connected to someone else refuses others */
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    UCHECK("receiver connects to sender", connect(r, (struct sockaddr *)&sa, salen));
    UCHECK("third party sendto", sendto(c, "z", 1, 0, (struct sockaddr *)&ra, ralen));
    UCHECK("connect to it", connect(c, (struct sockaddr *)&ra, ralen));
    connect(r, (struct sockaddr *)&unspec, sizeof(sa_family_t));
    close(c);

    /* missing names */
    struct sockaddr_un na;
    socklen_t nalen = path_addr(&na, "/tmp/unix_dgram.missing");
    UCHECK("sendto missing path", sendto(s, "x", 1, 0, (struct sockaddr *)&na, nalen));
    nalen = abstract_addr(&na, "unix_dgram_missing");
    UCHECK("sendto missing abstract", sendto(s, "x", 1, 0, (struct sockaddr *)&na, nalen));
    nalen = path_addr(&na, "/tmp");
    UCHECK("sendto a directory", sendto(s, "x", 1, 0, (struct sockaddr *)&na, nalen));
    int sq = socket(AF_UNIX, SOCK_STREAM, 0);
    UCHECK("stream connect to dgram socket", connect(sq, (struct sockaddr *)&ra, ralen));
    close(sq);

    /* the receiver's queue holds 10 datagrams from strangers (max_dgram_qlen), plus one */
    int n = 0;
    while (sendto(s, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, ralen) == 1 && n < 100)
        n++;
    say("queued before EAGAIN: %d (%s)\n", n, uerr(errno));
    UCHECK("recv one", recv(r, buf, sizeof buf, 0));
    UCHECK("sendto after room", sendto(s, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, ralen));
    while (recv(r, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;

    /* too large */
    static char big[300000];
    UCHECK("sendto too large", sendto(s, big, sizeof big, 0, (struct sockaddr *)&ra, ralen));
    UCHECK("sendto 100000", sendto(s, big, 100000, 0, (struct sockaddr *)&ra, ralen));
    UCHECK("recv 100000", recv(r, big, sizeof big, 0));

    /* closing the receiver: its name stays in the filesystem but nobody listens */
    close(r);
    UCHECK("sendto closed receiver", sendto(s, "x", 1, 0, (struct sockaddr *)&ra, ralen));
    struct stat st;
    UCHECK("path still exists", stat(path, &st));
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    UCHECK("rebind existing path", bind(r, (struct sockaddr *)&ra, ralen));
    unlink(path);
    UCHECK("rebind after unlink", bind(r, (struct sockaddr *)&ra, ralen));
    close(r);
    unlink(path);
    close(s);

    /* a connected dgram socket whose peer closes */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un da;
    socklen_t dalen = abstract_addr(&da, "unix_dgram_peer");
    bind(d2, (struct sockaddr *)&da, dalen);
    connect(d1, (struct sockaddr *)&da, dalen);
    close(d2);
    UCHECK("send to closed peer", send(d1, "x", 1, 0));
    UCHECK("send again", send(d1, "x", 1, 0));
    close(d1);

    /* autobind */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    UCHECK("autobind", bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    falen = sizeof from;
    getsockname(ab, (struct sockaddr *)&from, &falen);
    say("autobound: len %u abstract %s\n", (unsigned)falen, YESNO(from.sun_path[0] == 0));
    close(ab);
}

static void pairs(void) {
    int sv[2];
    char buf[64];
    UCHECK("dgram socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    send(sv[0], "ab", 2, 0);
    send(sv[0], "cde", 3, 0);
    UCHECK("recv keeps boundaries", recv(sv[1], buf, sizeof buf, 0));
    UCHECK("recv second", recv(sv[1], buf, sizeof buf, 0));
    say("poll empty: %s\n", pollstr(poll1(sv[1], POLLIN | POLLOUT)));
    close(sv[0]);
    say("poll after peer close: %s\n", pollstr(poll1(sv[1], POLLIN | POLLOUT)));
    UCHECK("recv after peer close", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    UCHECK("send after peer close", send(sv[1], "x", 1, 0));
    close(sv[1]);

    UCHECK("seqpacket socketpair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    send(sv[0], "packet1", 7, 0);
    send(sv[0], "p2", 2, 0);
    UCHECK("recv 3 of packet1", recv(sv[1], buf, 3, 0));
    UCHECK("recv p2", recv(sv[1], buf, sizeof buf, 0));
    send(sv[0], "trunc", 5, 0);
    struct iovec iov = {buf, 2};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    UCHECK("recvmsg 2 of 5", recvmsg(sv[1], &m, 0));
    say("msg_flags MSG_TRUNC %s\n", YESNO(m.msg_flags & MSG_TRUNC));
    UCHECK("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    UCHECK("recv after peer SHUT_WR", recv(sv[1], buf, sizeof buf, 0));
    UCHECK("send after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
    close(sv[0]);
    UCHECK("recv after close", recv(sv[1], buf, sizeof buf, 0));
    UCHECK("send after close", send(sv[1], "x", 1, MSG_NOSIGNAL));
    say("poll: %s\n", pollstr(poll1(sv[1], POLLIN | POLLOUT | POLLRDHUP)));
    close(sv[1]);

    /* seqpacket over a listening socket */
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "unix_seqpacket_listen");
    bind(l, (struct sockaddr *)&a, alen);
    UCHECK("seqpacket listen", listen(l, 4));
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    UCHECK("send unconnected", send(c, "x", 1, 0));
    UCHECK("recv unconnected", recv(c, buf, 1, MSG_DONTWAIT));
    UCHECK("seqpacket connect", connect(c, (struct sockaddr *)&a, alen));
    int s = accept(l, NULL, NULL);
    say("accept: %s\n", s >= 0 ? "ok" : uerr(errno));
    send(c, "hello", 5, 0);
    send(c, "there", 5, 0);
    UCHECK("recv hello", recv(s, buf, sizeof buf, 0));
    UCHECK("recv there", recv(s, buf, sizeof buf, 0));
    close(c);
    close(s);
    close(l);

    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    UCHECK("listen on dgram", listen(dg, 1));
    UCHECK("accept on dgram", accept(dg, NULL, NULL));
    close(dg);
}

int main(void) {
    dgram();
    pairs();
    return 0;
}
