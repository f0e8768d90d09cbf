// ETXTBSY: the file of a running program cannot be opened for writing, truncated, or opened
// with O_TRUNC, whether it is the caller's own program or another process's; once that
// process is gone the file is writable again. Reading it stays allowed.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case ETXTBSY: return "ETXTBSY";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    default: return "other";
    }
}

static int try_open(const char *p, int flags) {
    int fd = open(p, flags);
    if (fd >= 0) close(fd);
    return fd;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        char c;
        read(0, &c, 1);  // until the parent closes the pipe
        return 0;
    }
    // Nothing is mounted on /proc under the contract runner: mount it for /proc/self/exe.
    int mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
    printf("own exe O_WRONLY: %s\n", en(try_open("/proc/self/exe", O_WRONLY)));
    printf("own exe O_RDWR: %s\n", en(try_open("/proc/self/exe", O_RDWR)));
    printf("own exe O_RDONLY|O_TRUNC: %s\n", en(try_open("/proc/self/exe", O_RDONLY | O_TRUNC)));
    printf("own exe O_RDONLY: %s\n", en(try_open("/proc/self/exe", O_RDONLY)));
    printf("truncate own exe: %s\n", en(truncate("/proc/self/exe", 0)));

    // A copy run by a child.
    int src = open("/proc/self/exe", O_RDONLY);
    int dst = open("/tmp/txtbsy-copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(src, buf, sizeof buf)) > 0) write(dst, buf, n);
    close(src);
    close(dst);
    printf("copy O_WRONLY before it runs: %s\n", en(try_open("/tmp/txtbsy-copy", O_WRONLY)));
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        close(p[1]);
        execl("/tmp/txtbsy-copy", "txtbsy-copy", "wait", (char *)0);
        _exit(127);
    }
    close(p[0]);
    usleep(200000);
    printf("copy O_WRONLY while it runs: %s\n", en(try_open("/tmp/txtbsy-copy", O_WRONLY)));
    printf("truncate copy while it runs: %s\n", en(truncate("/tmp/txtbsy-copy", 0)));
    printf("unlink copy while it runs: %s\n", en(unlink("/tmp/txtbsy-copy")));
    close(p[1]);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit status %d\n", WEXITSTATUS(st));
    dst = open("/tmp/txtbsy-copy2", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    printf("new file O_WRONLY: %s\n", en(dst));
    close(dst);
    unlink("/tmp/txtbsy-copy2");
    unlink("/tmp/txtbsy-copy");
    if (mounted) umount("/proc");
    return 0;
}
