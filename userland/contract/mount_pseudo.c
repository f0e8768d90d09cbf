/* mount(2) of the pseudo filesystems: proc, sysfs and devtmpfs on a scratch directory
   (their statfs magic, a few well-known entries), and proc mounted twice. */
#include "common.h"
#include <sys/mount.h>
#include <sys/statfs.h>

#define MNT "/tmp/mnt_pseudo"

static void kind(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) {
        say("%s: %s\n", path, errname(errno));
        return;
    }
    const char *t = S_ISDIR(st.st_mode) ? "DIR" : S_ISLNK(st.st_mode) ? "LNK" : S_ISCHR(st.st_mode) ? "CHR"
                  : S_ISREG(st.st_mode) ? "REG" : "?";
    if (S_ISCHR(st.st_mode))
        say("%s: %s %u,%u mode %o\n", path, t, major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    else
        say("%s: %s\n", path, t);
}

int main(void) {
    struct statfs sf;
    mkdir(MNT, 0755);
    mkdir(MNT "2", 0755);

    CHECK("mount proc", mount("proc", MNT, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
    statfs(MNT, &sf);
    say("proc magic: %#lx, ST_NOEXEC: %s\n", (unsigned long)sf.f_type, YESNO(sf.f_flags & ST_NOEXEC));
    char buf[64], want[64];
    ssize_t n = readlink(MNT "/self", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    snprintf(want, sizeof want, "%d", getpid());
    say("self: %s\n", YESNO(strcmp(buf, want) == 0));
    kind(MNT "/self");
    kind(MNT "/1");
    kind(MNT "/sys/kernel");
    kind(MNT "/meminfo");
    CHECK("mount proc a second time", mount("proc", MNT "2", "proc", 0, NULL));
    n = readlink(MNT "2/self", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    say("self in the second mount: %s\n", YESNO(strcmp(buf, want) == 0));
    CHECK("umount second proc", umount(MNT "2"));
    int fd = open(MNT "/self/stat", O_RDONLY);
    CHECK("umount proc with a file open", umount(MNT));
    close(fd);
    CHECK("umount proc", umount(MNT));

    CHECK("mount sysfs", mount("sysfs", MNT, "sysfs", 0, NULL));
    statfs(MNT, &sf);
    say("sysfs magic: %#lx\n", (unsigned long)sf.f_type);
    kind(MNT "/kernel");
    kind(MNT "/class");
    kind(MNT "/block");
    kind(MNT "/dev/block");
    kind(MNT "/devices");
    kind(MNT "/fs");
    CHECK("umount sysfs", umount(MNT));

    CHECK("mount devtmpfs", mount("devtmpfs", MNT, "devtmpfs", 0, NULL));
    statfs(MNT, &sf);
    say("devtmpfs magic: %#lx\n", (unsigned long)sf.f_type);
    kind(MNT "/null");
    kind(MNT "/zero");
    kind(MNT "/full");
    kind(MNT "/random");
    kind(MNT "/urandom");
    kind(MNT "/tty");
    kind(MNT "/console");
    kind(MNT "/kmsg");
    int z = open(MNT "/zero", O_RDONLY);
    char c = 1;
    say("read devtmpfs zero: %ld %d\n", (long)read(z, &c, 1), c);
    close(z);
    int k = open(MNT "/kmsg", O_WRONLY);
    CHECK("write kmsg", write(k, "<6>contract test\n", 17));
    close(k);
    CHECK("mknod in devtmpfs", mknod(MNT "/mynull", S_IFCHR | 0600, makedev(1, 3)));
    unlink(MNT "/mynull");
    CHECK("umount devtmpfs", umount(MNT));
    rmdir(MNT);
    rmdir(MNT "2");
    return 0;
}
