/*
 * Shared setup of the pty contract programs: a fresh devpts instance on /dev/pts (mode=620,
 * gid=5) and a /dev/ptmx node (5,2), created if missing, all undone by pty_teardown(); and
 * helpers to read what a pty master has to say and print it with escapes.
 */
#ifndef PTY_COMMON_H
#define PTY_COMMON_H

#include "common.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>

static int pty_made_dir, pty_made_ptmx;

static void pty_setup(void) {
    struct stat st;
    if (stat("/dev/pts", &st) < 0) {
        mkdir("/dev/pts", 0755);
        pty_made_dir = 1;
    }
    if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=000") < 0)
        say("mount devpts: %s\n", errname(errno));
    if (stat("/dev/ptmx", &st) < 0) {
        mknod("/dev/ptmx", S_IFCHR | 0666, makedev(5, 2));
        pty_made_ptmx = 1;
    }
}

static void pty_teardown(void) {
    if (umount("/dev/pts") < 0)
        say("umount /dev/pts: %s\n", errname(errno));
    if (pty_made_ptmx)
        unlink("/dev/ptmx");
    if (pty_made_dir)
        rmdir("/dev/pts");
}

/* Reads from fd until `want` bytes came or nothing more arrives within 2 s. */
static ssize_t read_some(int fd, char *buf, size_t want) {
    size_t got = 0;
    while (got < want) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            break;
        ssize_t n = read(fd, buf + got, want - got);
        if (n <= 0) {
            if (got == 0)
                return n;
            break;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* `label: "escaped bytes" (n)` */
static void show(const char *label, const char *buf, ssize_t n) {
    char out[512];
    size_t o = 0;
    for (ssize_t i = 0; i < n && o < sizeof out - 8; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r')
            o += (size_t)sprintf(out + o, "\\r");
        else if (c == '\n')
            o += (size_t)sprintf(out + o, "\\n");
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)sprintf(out + o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = 0;
    if (n < 0)
        say("%s: %s\n", label, errname(errno));
    else
        say("%s: \"%s\" (%ld)\n", label, out, (long)n);
}

#endif
