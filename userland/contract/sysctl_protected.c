// fs.protected_symlinks and fs.protected_hardlinks (Linux's may_follow_link / may_linkat):
// defaults, writes through /proc/sys, EINVAL for bad values, and the rules they enforce for
// root and for other users; kernel.panic and kernel.unprivileged_bpf_disabled read/write.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    default: return "other";
    }
}

static void rd(const char *p) {
    char b[64] = {0};
    int fd = open(p, O_RDONLY);
    if (fd < 0) { printf("%s: %s\n", p, en(fd)); return; }
    read(fd, b, sizeof b - 1);
    close(fd);
    printf("%s = %s", p, b);
}

static int wr(const char *p, const char *v) {
    int fd = open(p, O_WRONLY);
    if (fd < 0) return fd;
    int r = write(fd, v, strlen(v));
    close(fd);
    return r;
}

static int as_user(uid_t uid, int (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setuid(uid) < 0) _exit(99);
        _exit(fn());
    }
    int st;
    waitpid(pid, &st, 0);
    return WEXITSTATUS(st);
}

static int open_link(void) {
    int fd = open("/tmp/pdir/link2000", O_RDONLY);
    printf("  uid %d opens link owned by 2000: %s\n", getuid(), en(fd));
    fflush(stdout);
    if (fd >= 0) close(fd);
    return 0;
}

static int make_link(void) {
    int r = symlink("/tmp/ptarget", "/tmp/pdir/link2000");
    printf("  uid 2000 symlink: %s\n", en(r));
    fflush(stdout);
    return 0;
}

static int hardlinks(void) {
    printf("  link root 0644 file: %s\n", en(link("/tmp/p644", "/tmp/pdir/h1")));
    printf("  link root 0666 file: %s\n", en(link("/tmp/p666", "/tmp/pdir/h2")));
    printf("  link root setuid 04777 file: %s\n", en(link("/tmp/psuid", "/tmp/pdir/h3")));
    fflush(stdout);
    return 0;
}

int main(void) {
    int mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
    rd("/proc/sys/fs/protected_symlinks");
    rd("/proc/sys/fs/protected_hardlinks");
    rd("/proc/sys/kernel/panic");
    rd("/proc/sys/kernel/unprivileged_bpf_disabled");
    printf("write 5 to protected_symlinks: %s\n", en(wr("/proc/sys/fs/protected_symlinks", "5\n")));
    printf("write junk to protected_symlinks: %s\n", en(wr("/proc/sys/fs/protected_symlinks", "x\n")));
    printf("write 7 to kernel.panic: %s\n", en(wr("/proc/sys/kernel/panic", "7\n")));
    rd("/proc/sys/kernel/panic");
    wr("/proc/sys/kernel/panic", "0\n");

    mkdir("/tmp/pdir", 01777);
    chmod("/tmp/pdir", 01777);
    close(open("/tmp/ptarget", O_CREAT | O_WRONLY, 0644));
    close(open("/tmp/p644", O_CREAT | O_WRONLY, 0644));
    close(open("/tmp/p666", O_CREAT | O_WRONLY, 0666));
    chmod("/tmp/p666", 0666);
    close(open("/tmp/psuid", O_CREAT | O_WRONLY, 04777));
    chmod("/tmp/psuid", 04777);
    as_user(2000, make_link);

    for (int on = 0; on <= 1; on++) {
        printf("protected = %d:\n", on);
        wr("/proc/sys/fs/protected_symlinks", on ? "1\n" : "0\n");
        wr("/proc/sys/fs/protected_hardlinks", on ? "1\n" : "0\n");
        open_link();
        as_user(2000, open_link);
        as_user(3000, open_link);
        unlink("/tmp/pdir/h1");
        unlink("/tmp/pdir/h2");
        unlink("/tmp/pdir/h3");
        as_user(1000, hardlinks);
        printf("  root links the 0644 file: %s\n", en(link("/tmp/p644", "/tmp/pdir/h4")));
        unlink("/tmp/pdir/h4");
        int fd = open("/tmp/pdir/link2000", O_RDONLY | O_NOFOLLOW | O_PATH);
        printf("  O_PATH|O_NOFOLLOW of the link: %s\n", en(fd));
        if (fd >= 0) close(fd);
        struct stat st;
        printf("  lstat of the link: %s\n", en(lstat("/tmp/pdir/link2000", &st)));
    }
    wr("/proc/sys/fs/protected_symlinks", "0\n");
    wr("/proc/sys/fs/protected_hardlinks", "0\n");
    unlink("/tmp/pdir/link2000");
    unlink("/tmp/pdir/h1");
    unlink("/tmp/pdir/h2");
    unlink("/tmp/pdir/h3");
    rmdir("/tmp/pdir");
    unlink("/tmp/ptarget");
    unlink("/tmp/p644");
    unlink("/tmp/p666");
    unlink("/tmp/psuid");
    if (mounted) umount("/proc");
    return 0;
}
