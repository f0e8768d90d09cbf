/*
 * Helpers shared by the unix_*.c contract programs: socket errno names, checks that use
 * them, and sockaddr_un builders for filesystem and abstract names.
 */
#ifndef UNIX_COMMON_H
#define UNIX_COMMON_H
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/uio.h>

static const char *uerr(int e) {
    switch (e) {
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    default: return errname(e);
    }
}

#define UCHECK(what, expr)                                                                  \
    do {                                                                                    \
        errno = 0;                                                                          \
        long _r = (long)(expr);                                                             \
        if (_r < 0)                                                                         \
            say("%s: -1 %s\n", what, uerr(errno));                                          \
        else                                                                                \
            say("%s: %ld\n", what, _r);                                                     \
    } while (0)

/* A filesystem address; returns its length as Linux computes it for bind. */
static socklen_t path_addr(struct sockaddr_un *a, const char *path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* An abstract address: NUL then `name` (not terminated). */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/* Prints an address returned by the kernel: its length and a readable form. */
static void show_addr(const char *what, const struct sockaddr_un *a, socklen_t len) {
    if (len <= offsetof(struct sockaddr_un, sun_path)) {
        say("%s: len %u (unnamed)\n", what, (unsigned)len);
    } else if (a->sun_path[0] == 0) {
        say("%s: len %u abstract \"%.*s\"\n", what, (unsigned)len,
            (int)(len - offsetof(struct sockaddr_un, sun_path) - 1), a->sun_path + 1);
    } else {
        say("%s: len %u path \"%s\"\n", what, (unsigned)len, a->sun_path);
    }
}

static const char *pollstr(short r) {
    static char buf[96];
    buf[0] = 0;
    if (r & POLLIN) strcat(buf, "IN ");
    if (r & POLLOUT) strcat(buf, "OUT ");
    if (r & POLLERR) strcat(buf, "ERR ");
    if (r & POLLHUP) strcat(buf, "HUP ");
    if (r & POLLRDHUP) strcat(buf, "RDHUP ");
    if (r & POLLNVAL) strcat(buf, "NVAL ");
    if (!buf[0]) strcat(buf, "none ");
    buf[strlen(buf) - 1] = 0;
    return buf;
}

static short poll1(int fd, short events) {
    struct pollfd p = {.fd = fd, .events = events};
    poll(&p, 1, 0);
    return p.revents;
}
#endif
