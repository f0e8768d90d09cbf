/* Helpers for the /proc contract programs: mount proc on /proc for the program's duration
   (nothing is mounted in the test initramfs, on Linux as on Kairos), read whole files. */
#ifndef PROC_COMMON_H
#define PROC_COMMON_H
#include "common.h"
#include <sys/mount.h>

static int proc_mounted_here;

static void proc_mount(void) {
    struct stat st;
    if (stat("/proc/self", &st) == 0)
        return;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
        proc_mounted_here = 1;
    else
        say("mount proc: %s\n", errname(errno));
}

static void proc_umount(void) {
    if (proc_mounted_here && umount("/proc") < 0)
        say("umount proc: %s\n", errname(errno));
}

/* Reads all of `path` into buf (NUL-terminated); returns the length or -1. Reads in small
   pieces to exercise offsets. */
static long read_all(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t n = 0;
    for (;;) {
        size_t want = size - 1 - n < 100 ? size - 1 - n : 100;
        if (want == 0)
            break;
        ssize_t r = read(fd, buf + n, want);
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    close(fd);
    return (long)n;
}

/* The value after "Key:" in a status-style file, tabs/spaces skipped, up to the newline. */
static const char *field(const char *text, const char *key) {
    static char out[256];
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\n");
            if (n >= sizeof out)
                n = sizeof out - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return out;
        }
    }
    return NULL;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
#endif
