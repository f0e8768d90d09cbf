/* Extended attributes on tmpfs: setxattr/getxattr/listxattr/removexattr and their l* and f*
   variants — values, size queries and ERANGE, XATTR_CREATE/XATTR_REPLACE, namespaces and name
   rules, the user.* file-type rules (symlinks, fifos), permissions as root and as an ordinary
   user (trusted.*, security.*, sticky directories), O_PATH and bad descriptors, bad pointers,
   path errors, read-only mounts, and the order in which Linux checks all of these. */
#include "common.h"
#include <sys/mount.h>
#include <sys/xattr.h>

#define DIR "/tmp/xattr_test"
#define F DIR "/f"
#define RO DIR "/ro"
#define BAD ((void *)8) /* an unmapped address */

static long sx(const char *p, const char *n, const void *v, size_t s, int fl) {
    return syscall(SYS_setxattr, p, n, v, s, fl);
}
static long lsx(const char *p, const char *n, const void *v, size_t s, int fl) {
    return syscall(SYS_lsetxattr, p, n, v, s, fl);
}
static long fsx(int fd, const char *n, const void *v, size_t s, int fl) {
    return syscall(SYS_fsetxattr, fd, n, v, s, fl);
}
static long gx(const char *p, const char *n, void *v, size_t s) { return syscall(SYS_getxattr, p, n, v, s); }
static long lgx(const char *p, const char *n, void *v, size_t s) { return syscall(SYS_lgetxattr, p, n, v, s); }
static long fgx(int fd, const char *n, void *v, size_t s) { return syscall(SYS_fgetxattr, fd, n, v, s); }
static long lx(const char *p, char *l, size_t s) { return syscall(SYS_listxattr, p, l, s); }
static long llx(const char *p, char *l, size_t s) { return syscall(SYS_llistxattr, p, l, s); }
static long flx(int fd, char *l, size_t s) { return syscall(SYS_flistxattr, fd, l, s); }
static long rx(const char *p, const char *n) { return syscall(SYS_removexattr, p, n); }
static long lrx(const char *p, const char *n) { return syscall(SYS_lremovexattr, p, n); }
static long frx(int fd, const char *n) { return syscall(SYS_fremovexattr, fd, n); }

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Prints a listxattr result sorted (the order is the filesystem's). */
static void show_list(const char *what, long n, char *buf) {
    if (n < 0) {
        say("%s: -1 %s\n", what, errname(errno));
        return;
    }
    char *names[64];
    int k = 0;
    for (long i = 0; i < n && k < 64; i += (long)strlen(buf + i) + 1)
        names[k++] = buf + i;
    qsort(names, (size_t)k, sizeof names[0], cmp);
    say("%s: %ld bytes, %d names:", what, n, k);
    for (int i = 0; i < k; i++)
        say(" %s", names[i]);
    say("\n");
}

static void show_get(const char *what, long n, const char *buf) {
    if (n < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %ld \"%.*s\"\n", what, n, (int)n, buf);
}

static void list_path(const char *what, const char *path, int follow) {
    char buf[4096];
    errno = 0;
    long n = follow ? lx(path, buf, sizeof buf) : llx(path, buf, sizeof buf);
    show_list(what, n, buf);
}

static void basics(void) {
    char buf[256];
    say("-- basics\n");
    write_file(F, "data", 0644);
    CHECK("set user.a", sx(F, "user.a", "hello", 5, 0));
    CHECK("get user.a size query", gx(F, "user.a", NULL, 0));
    CHECK("get user.a size query, bad buffer", gx(F, "user.a", BAD, 0));
    show_get("get user.a", gx(F, "user.a", buf, sizeof buf), buf);
    CHECK("get user.a, buffer of 4", gx(F, "user.a", buf, 4));
    show_get("get user.a, buffer of 5", gx(F, "user.a", buf, 5), buf);
    CHECK("get user.missing", gx(F, "user.missing", buf, sizeof buf));
    CHECK("get user.missing size query", gx(F, "user.missing", NULL, 0));
    CHECK("set user.a XATTR_CREATE", sx(F, "user.a", "x", 1, XATTR_CREATE));
    CHECK("set user.b XATTR_REPLACE", sx(F, "user.b", "x", 1, XATTR_REPLACE));
    CHECK("set user.a XATTR_REPLACE", sx(F, "user.a", "replaced", 8, XATTR_REPLACE));
    show_get("get user.a", gx(F, "user.a", buf, sizeof buf), buf);
    CHECK("set user.a CREATE|REPLACE", sx(F, "user.a", "x", 1, XATTR_CREATE | XATTR_REPLACE));
    CHECK("set user.c CREATE|REPLACE", sx(F, "user.c", "x", 1, XATTR_CREATE | XATTR_REPLACE));
    CHECK("set user.b XATTR_CREATE", sx(F, "user.b", "bee", 3, XATTR_CREATE));
    CHECK("set flags 4", sx(F, "user.b", "x", 1, 4));
    CHECK("set user.empty, size 0", sx(F, "user.empty", NULL, 0, 0));
    CHECK("get user.empty", gx(F, "user.empty", buf, sizeof buf));
    CHECK("get user.empty size query", gx(F, "user.empty", NULL, 0));
    CHECK("set user.bin, binary value", sx(F, "user.bin", "a\0b\0", 4, 0));
    memset(buf, 'z', sizeof buf);
    long n = gx(F, "user.bin", buf, sizeof buf);
    say("get user.bin: %ld, bytes %d %d %d %d %d\n", n, buf[0], buf[1], buf[2], buf[3], buf[4]);

    CHECK("list size query", lx(F, NULL, 0));
    CHECK("list size query, bad buffer", lx(F, BAD, 0));
    list_path("list", F, 1);
    CHECK("list, buffer of 10", lx(F, buf, 10));
    long need = lx(F, NULL, 0);
    CHECK("list, exact buffer", lx(F, buf, (size_t)need));
    CHECK("list, one byte short", lx(F, buf, (size_t)need - 1));

    CHECK("remove user.b", rx(F, "user.b"));
    CHECK("remove user.b again", rx(F, "user.b"));
    CHECK("get user.b", gx(F, "user.b", buf, sizeof buf));
    CHECK("remove user.missing", rx(F, "user.missing"));
    list_path("list", F, 1);
    CHECK("remove user.a", rx(F, "user.a"));
    CHECK("remove user.empty", rx(F, "user.empty"));
    CHECK("remove user.bin", rx(F, "user.bin"));
    CHECK("list, now empty", lx(F, buf, sizeof buf));
    CHECK("list size query, empty", lx(F, NULL, 0));

    /* Many attributes, then read them all back. */
    int ok = 1;
    for (int i = 0; i < 40; i++) {
        char name[32], val[64];
        snprintf(name, sizeof name, "user.many%02d", i);
        snprintf(val, sizeof val, "value-%d-%.*s", i, i, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
        if (sx(F, name, val, strlen(val), XATTR_CREATE) != 0)
            ok = 0;
    }
    for (int i = 0; i < 40; i++) {
        char name[32], val[64], got[64];
        snprintf(name, sizeof name, "user.many%02d", i);
        snprintf(val, sizeof val, "value-%d-%.*s", i, i, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
        long g = gx(F, name, got, sizeof got);
        if (g != (long)strlen(val) || memcmp(got, val, (size_t)g) != 0)
            ok = 0;
    }
    say("40 attributes set and read back: %s\n", YESNO(ok));
    CHECK("list size with 40", lx(F, NULL, 0));
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "user.many%02d", i);
        if (rx(F, name) != 0)
            ok = 0;
    }
    say("40 removed: %s\n", YESNO(ok));
    CHECK("list size after", lx(F, NULL, 0));
}

static void names_and_sizes(void) {
    char buf[300];
    char name[400];
    say("-- names and sizes\n");
    CHECK("set empty name", sx(F, "", "v", 1, 0));
    CHECK("get empty name", gx(F, "", buf, sizeof buf));
    CHECK("remove empty name", rx(F, ""));
    CHECK("set user.", sx(F, "user.", "v", 1, 0));
    CHECK("get user.", gx(F, "user.", buf, sizeof buf));
    CHECK("remove user.", rx(F, "user."));
    CHECK("set user (no dot)", sx(F, "user", "v", 1, 0));
    CHECK("set foo.bar", sx(F, "foo.bar", "v", 1, 0));
    CHECK("get foo.bar", gx(F, "foo.bar", buf, sizeof buf));
    CHECK("remove foo.bar", rx(F, "foo.bar"));
    CHECK("set USER.x", sx(F, "USER.x", "v", 1, 0));
    CHECK("set system.foo", sx(F, "system.foo", "v", 1, 0));
    CHECK("get system.foo", gx(F, "system.foo", buf, sizeof buf));
    CHECK("get system.posix_acl_access", gx(F, "system.posix_acl_access", buf, sizeof buf));
    CHECK("get system.posix_acl_default", gx(DIR, "system.posix_acl_default", buf, sizeof buf));
    CHECK("set trusted.t", sx(F, "trusted.t", "tv", 2, 0));
    show_get("get trusted.t", gx(F, "trusted.t", buf, sizeof buf), buf);
    CHECK("set trusted.", sx(F, "trusted.", "v", 1, 0));
    CHECK("set security.s", sx(F, "security.s", "sv", 2, 0));
    show_get("get security.s", gx(F, "security.s", buf, sizeof buf), buf);
    CHECK("set security.", sx(F, "security.", "v", 1, 0));
    CHECK("set user.name with a space", sx(F, "user.a b", "v", 1, 0));
    list_path("list", F, 1);
    CHECK("remove trusted.t", rx(F, "trusted.t"));
    CHECK("remove security.s", rx(F, "security.s"));
    CHECK("remove user.a b", rx(F, "user.a b"));

    /* Name length: 255 bytes is the limit. */
    memset(name, 'n', sizeof name);
    memcpy(name, "user.", 5);
    name[255] = 0;
    CHECK("set 255-byte name", sx(F, name, "v", 1, 0));
    CHECK("get 255-byte name", gx(F, name, buf, sizeof buf));
    CHECK("list with 255-byte name", lx(F, NULL, 0));
    CHECK("remove 255-byte name", rx(F, name));
    name[255] = 'n';
    name[256] = 0;
    CHECK("set 256-byte name", sx(F, name, "v", 1, 0));
    CHECK("get 256-byte name", gx(F, name, buf, sizeof buf));
    CHECK("remove 256-byte name", rx(F, name));
    name[399] = 0;
    CHECK("set 399-byte name", sx(F, name, "v", 1, 0));

    /* Value size: 64 KiB is the limit. */
    char *big = malloc(65537);
    memset(big, 'v', 65537);
    CHECK("set 65536-byte value", sx(F, "user.big", big, 65536, 0));
    CHECK("get 65536-byte value size", gx(F, "user.big", NULL, 0));
    CHECK("get 65536-byte value", gx(F, "user.big", big, 65537));
    CHECK("get 65536-byte value, buffer 65535", gx(F, "user.big", big, 65535));
    CHECK("remove user.big", rx(F, "user.big"));
    CHECK("set 65537-byte value", sx(F, "user.big", big, 65537, 0));
    CHECK("set 65537-byte value, bad pointer", sx(F, "user.big", BAD, 65537, 0));
    free(big);
}

static void file_types(void) {
    char buf[256];
    say("-- file types\n");
    CHECK("set user.d on a directory", sx(DIR, "user.d", "dv", 2, 0));
    show_get("get user.d", gx(DIR, "user.d", buf, sizeof buf), buf);
    list_path("list directory", DIR, 1);
    CHECK("remove user.d", rx(DIR, "user.d"));

    symlink("f", DIR "/link");
    CHECK("setxattr through a symlink", sx(DIR "/link", "user.via", "lv", 2, 0));
    show_get("get on target", gx(F, "user.via", buf, sizeof buf), buf);
    show_get("lgetxattr on target", lgx(F, "user.via", buf, sizeof buf), buf);
    CHECK("lsetxattr user.* on the symlink", lsx(DIR "/link", "user.x", "v", 1, 0));
    CHECK("lgetxattr user.via on the symlink", lgx(DIR "/link", "user.via", buf, sizeof buf));
    CHECK("lremovexattr user.via on the symlink", lrx(DIR "/link", "user.via"));
    list_path("llistxattr symlink", DIR "/link", 0);
    list_path("listxattr symlink (follows)", DIR "/link", 1);
    CHECK("lsetxattr trusted.* on the symlink", lsx(DIR "/link", "trusted.l", "tl", 2, 0));
    show_get("lgetxattr trusted.l", lgx(DIR "/link", "trusted.l", buf, sizeof buf), buf);
    list_path("llistxattr symlink", DIR "/link", 0);
    CHECK("lremovexattr trusted.l", lrx(DIR "/link", "trusted.l"));
    CHECK("removexattr user.via through the symlink", rx(DIR "/link", "user.via"));
    symlink("nowhere", DIR "/dangling");
    CHECK("setxattr through a dangling symlink", sx(DIR "/dangling", "user.x", "v", 1, 0));
    CHECK("lgetxattr on a dangling symlink", lgx(DIR "/dangling", "user.x", buf, sizeof buf));
    CHECK("llistxattr on a dangling symlink", llx(DIR "/dangling", buf, sizeof buf));

    mkfifo(DIR "/fifo", 0666);
    CHECK("set user.* on a fifo", sx(DIR "/fifo", "user.x", "v", 1, 0));
    CHECK("get user.* on a fifo", gx(DIR "/fifo", "user.x", buf, sizeof buf));
    CHECK("remove user.* on a fifo", rx(DIR "/fifo", "user.x"));
    CHECK("set trusted.* on a fifo", sx(DIR "/fifo", "trusted.x", "v", 1, 0));
    list_path("list fifo", DIR "/fifo", 1);
    CHECK("remove trusted.* on a fifo", rx(DIR "/fifo", "trusted.x"));
    mknod(DIR "/null", S_IFCHR | 0666, makedev(1, 3));
    CHECK("set user.* on a device node", sx(DIR "/null", "user.x", "v", 1, 0));
    CHECK("set security.* on a device node", sx(DIR "/null", "security.x", "v", 1, 0));
    list_path("list device node", DIR "/null", 1);
}

static void descriptors(void) {
    char buf[256];
    say("-- descriptors\n");
    int fd = open(F, O_RDONLY);
    CHECK("fsetxattr on an O_RDONLY fd", fsx(fd, "user.fd", "fv", 2, 0));
    show_get("fgetxattr", fgx(fd, "user.fd", buf, sizeof buf), buf);
    CHECK("fgetxattr size query", fgx(fd, "user.fd", NULL, 0));
    CHECK("fgetxattr, small buffer", fgx(fd, "user.fd", buf, 1));
    errno = 0;
    show_list("flistxattr", flx(fd, buf, sizeof buf), buf);
    CHECK("flistxattr size query", flx(fd, NULL, 0));
    CHECK("fremovexattr", frx(fd, "user.fd"));
    CHECK("fremovexattr again", frx(fd, "user.fd"));
    CHECK("fsetxattr XATTR_REPLACE missing", fsx(fd, "user.fd", "v", 1, XATTR_REPLACE));
    CHECK("fsetxattr bad flags", fsx(fd, "user.fd", "v", 1, 8));
    close(fd);

    int opath = open(F, O_PATH);
    CHECK("fsetxattr on O_PATH", fsx(opath, "user.x", "v", 1, 0));
    CHECK("fgetxattr on O_PATH", fgx(opath, "user.x", buf, sizeof buf));
    CHECK("flistxattr on O_PATH", flx(opath, buf, sizeof buf));
    CHECK("fremovexattr on O_PATH", frx(opath, "user.x"));
    close(opath);
    CHECK("fsetxattr on a closed fd", fsx(99, "user.x", "v", 1, 0));
    CHECK("fgetxattr on a closed fd", fgx(99, "user.x", buf, sizeof buf));
    CHECK("flistxattr on a closed fd", flx(99, buf, sizeof buf));
    CHECK("fremovexattr on a closed fd", frx(99, "user.x"));
    CHECK("fgetxattr on fd -1", fgx(-1, "user.x", buf, sizeof buf));
    CHECK("fsetxattr on a closed fd, bad name", fsx(99, "", "v", 1, 0));
    CHECK("fsetxattr on a closed fd, bad flags", fsx(99, "user.x", "v", 1, 8));

    int dfd = open(DIR, O_RDONLY | O_DIRECTORY);
    CHECK("fsetxattr on a directory fd", fsx(dfd, "user.dirfd", "v", 1, 0));
    CHECK("fremovexattr on a directory fd", frx(dfd, "user.dirfd"));
    close(dfd);

    int p[2];
    pipe(p);
    CHECK("fsetxattr user.* on a pipe", fsx(p[0], "user.x", "v", 1, 0));
    CHECK("fgetxattr user.* on a pipe", fgx(p[0], "user.x", buf, sizeof buf));
    CHECK("flistxattr on a pipe", flx(p[0], buf, sizeof buf));
    close(p[0]);
    close(p[1]);

    /* A file that has been unlinked keeps its attributes while open. */
    fd = open(DIR "/gone", O_RDWR | O_CREAT, 0600);
    fsx(fd, "user.g", "gv", 2, 0);
    unlink(DIR "/gone");
    show_get("fgetxattr after unlink", fgx(fd, "user.g", buf, sizeof buf), buf);
    close(fd);
}

static void faults_and_paths(void) {
    char buf[256];
    say("-- faults and paths\n");
    sx(F, "user.a", "hello", 5, 0);
    CHECK("set, bad name pointer", sx(F, BAD, "v", 1, 0));
    CHECK("set, bad value pointer", sx(F, "user.x", BAD, 4, 0));
    CHECK("set, NULL value size 0", sx(F, "user.nul", NULL, 0, 0));
    CHECK("set, bad value pointer size 0", sx(F, "user.nul", BAD, 0, 0));
    CHECK("get, bad name pointer", gx(F, BAD, buf, sizeof buf));
    CHECK("get, bad buffer", gx(F, "user.a", BAD, 16));
    CHECK("get missing, bad buffer", gx(F, "user.missing", BAD, 16));
    CHECK("get empty value, bad buffer", gx(F, "user.nul", BAD, 16));
    CHECK("list, bad buffer", lx(F, BAD, 256));
    CHECK("remove, bad name pointer", rx(F, BAD));
    CHECK("set, bad path pointer", sx(BAD, "user.x", "v", 1, 0));
    CHECK("get, bad path pointer", gx(BAD, "user.x", buf, sizeof buf));
    CHECK("list, bad path pointer", lx(BAD, buf, sizeof buf));
    CHECK("remove, bad path pointer", rx(BAD, "user.x"));
    CHECK("set, missing file", sx(DIR "/missing", "user.x", "v", 1, 0));
    CHECK("get, missing file", gx(DIR "/missing", "user.x", buf, sizeof buf));
    CHECK("list, missing file", lx(DIR "/missing", buf, sizeof buf));
    CHECK("remove, missing file", rx(DIR "/missing", "user.x"));
    CHECK("set, file as directory", sx(F "/x", "user.x", "v", 1, 0));
    CHECK("get, empty path", gx("", "user.x", buf, sizeof buf));
    CHECK("list, empty path", lx("", buf, sizeof buf));
    /* What is checked first. */
    CHECK("set, missing file and bad flags", sx(DIR "/missing", "user.x", "v", 1, 16));
    CHECK("set, missing file and empty name", sx(DIR "/missing", "", "v", 1, 0));
    CHECK("set, missing file and big value", sx(DIR "/missing", "user.x", "v", 70000, 0));
    CHECK("set, missing file and bad value", sx(DIR "/missing", "user.x", BAD, 1, 0));
    CHECK("set, missing file and bad namespace", sx(DIR "/missing", "foo.x", "v", 1, 0));
    CHECK("get, missing file and empty name", gx(DIR "/missing", "", buf, sizeof buf));
    CHECK("get, missing file and bad buffer", gx(DIR "/missing", "user.x", BAD, 16));
    CHECK("list, missing file and bad buffer", lx(DIR "/missing", BAD, 16));
    rx(F, "user.a");
    rx(F, "user.nul");
}

static void read_only(void) {
    char buf[256];
    say("-- read-only mount\n");
    mkdir(RO, 0755);
    CHECK("mount tmpfs", mount("none", RO, "tmpfs", 0, "size=64k"));
    write_file(RO "/f", "x", 0644);
    CHECK("set before remount", sx(RO "/f", "user.r", "rv", 2, 0));
    CHECK("remount read-only", mount("none", RO, NULL, MS_REMOUNT | MS_RDONLY, NULL));
    show_get("get", gx(RO "/f", "user.r", buf, sizeof buf), buf);
    errno = 0;
    list_path("list", RO "/f", 1);
    CHECK("set", sx(RO "/f", "user.x", "v", 1, 0));
    CHECK("set, bad namespace", sx(RO "/f", "foo.x", "v", 1, 0));
    CHECK("set, missing file", sx(RO "/missing", "user.x", "v", 1, 0));
    CHECK("remove", rx(RO "/f", "user.r"));
    int fd = open(RO "/f", O_RDONLY);
    CHECK("fsetxattr", fsx(fd, "user.x", "v", 1, 0));
    CHECK("fremovexattr", frx(fd, "user.r"));
    close(fd);
    CHECK("umount", umount(RO));
    rmdir(RO);
}

static int unprivileged(void *arg) {
    (void)arg;
    char buf[256];
    if (setgid(1000) < 0 || setuid(1000) < 0)
        return 1;
    CHECK("user: get user.pub (0644 file)", gx(DIR "/pub", "user.pub", buf, sizeof buf));
    CHECK("user: set user.x (0644 file)", sx(DIR "/pub", "user.x", "v", 1, 0));
    CHECK("user: remove user.pub (0644 file)", rx(DIR "/pub", "user.pub"));
    CHECK("user: get user.p (0600 file)", gx(DIR "/priv", "user.p", buf, sizeof buf));
    list_path("user: list 0600 file", DIR "/priv", 1);
    CHECK("user: set user.x (0666 file)", sx(DIR "/open", "user.x", "v", 1, 0));
    CHECK("user: get trusted.t", gx(DIR "/pub", "trusted.t", buf, sizeof buf));
    CHECK("user: get trusted.missing", gx(DIR "/pub", "trusted.missing", buf, sizeof buf));
    CHECK("user: set trusted.t (0666 file)", sx(DIR "/open", "trusted.t", "v", 1, 0));
    CHECK("user: remove trusted.t", rx(DIR "/pub", "trusted.t"));
    show_get("user: get security.s", gx(DIR "/priv", "security.s", buf, sizeof buf), buf);
    CHECK("user: set security.s (0666 file)", sx(DIR "/open", "security.s", "v", 1, 0));
    CHECK("user: remove security.s", rx(DIR "/pub", "security.s"));
    CHECK("user: set foo.x", sx(DIR "/open", "foo.x", "v", 1, 0));
    CHECK("user: get foo.x (0600 file)", gx(DIR "/priv", "foo.x", buf, sizeof buf));
    list_path("user: list", DIR "/pub", 1);
    CHECK("user: set user.x on the sticky directory", sx(DIR "/sticky", "user.x", "v", 1, 0));
    CHECK("user: set user.x on own sticky directory", sx(DIR "/sticky/mine", "user.x", "v", 1, 0));
    CHECK("user: get user.s on the sticky directory", gx(DIR "/sticky", "user.s", buf, sizeof buf));
    CHECK("user: set user.x on a 0777 directory", sx(DIR "/open_dir", "user.x", "v", 1, 0));
    CHECK("user: set user.x on own file", sx(DIR "/sticky/mine/own", "user.x", "v", 1, 0));
    CHECK("user: chmod own file 0400", chmod(DIR "/sticky/mine/own", 0400));
    CHECK("user: set user.y on own read-only file", sx(DIR "/sticky/mine/own", "user.y", "v", 1, 0));
    CHECK("user: remove user.x on own read-only file", rx(DIR "/sticky/mine/own", "user.x"));
    return 0;
}

static void permissions(void) {
    say("-- permissions\n");
    write_file(DIR "/pub", "x", 0644);
    write_file(DIR "/priv", "x", 0600);
    write_file(DIR "/open", "x", 0666);
    chmod(DIR "/open", 0666);
    sx(DIR "/pub", "user.pub", "pv", 2, 0);
    sx(DIR "/pub", "trusted.t", "tv", 2, 0);
    sx(DIR "/pub", "security.s", "sv", 2, 0);
    sx(DIR "/priv", "user.p", "pv", 2, 0);
    sx(DIR "/priv", "security.s", "sv", 2, 0);
    mkdir(DIR "/sticky", 01777);
    chmod(DIR "/sticky", 01777);
    sx(DIR "/sticky", "user.s", "v", 1, 0);
    mkdir(DIR "/sticky/mine", 0755);
    chown(DIR "/sticky/mine", 1000, 1000);
    write_file(DIR "/sticky/mine/own", "x", 0644);
    chown(DIR "/sticky/mine/own", 1000, 1000);
    mkdir(DIR "/open_dir", 0777);
    chmod(DIR "/open_dir", 0777);
    chmod(DIR, 0755);
    say("unprivileged child: %s\n", reap(spawn(unprivileged, NULL)));
    char buf[256];
    list_path("root: list own file", DIR "/sticky/mine/own", 1);
    show_get("root: get user.x set by the user", gx(DIR "/open", "user.x", buf, sizeof buf), buf);
}

int main(void) {
    scratch_dir(DIR);
    basics();
    names_and_sizes();
    file_types();
    descriptors();
    faults_and_paths();
    read_only();
    permissions();
    remove_tree(DIR);
    return 0;
}
