/* mount(2)/umount2(2) with tmpfs: options, statfs, busy mounts, read-only mounts and
   remounts, stacking, propagation flags, and the errnos of bad calls. */
#include "common.h"
#include <sys/mount.h>
#include <sys/statfs.h>

#define MNT "/tmp/mnt_tmpfs"
#define TMPFS_MAGIC 0x01021994

static int in_mounts(const char *dir, const char *type, char *opts_out) {
    char buf[16384];
    int fd = open("/proc/self/mounts", O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    int found = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char d[256], m[256], t[64], o[512];
        if (sscanf(line, "%255s %255s %63s %511s", d, m, t, o) == 4 && strcmp(m, dir) == 0 && strcmp(t, type) == 0) {
            found++;
            if (opts_out)
                strcpy(opts_out, o);
        }
    }
    return found;
}

int main(void) {
    struct statfs sf;
    struct stat st, st2;
    int proc = mount("proc", "/proc", "proc", 0, NULL) == 0;
    mkdir(MNT, 0755);
    stat(MNT, &st2);

    CHECK("mount tmpfs", mount("none", MNT, "tmpfs", 0, "size=1m,mode=700"));
    CHECK("statfs", statfs(MNT, &sf));
    say("f_type tmpfs: %s, f_bsize %ld, f_blocks %ld, f_bfree %ld\n", YESNO(sf.f_type == TMPFS_MAGIC),
        (long)sf.f_bsize, (long)sf.f_blocks, (long)sf.f_bfree);
    stat(MNT, &st);
    say("root mode %o, other device than /tmp: %s\n", st.st_mode & 07777, YESNO(st.st_dev != st2.st_dev));
    say("in /proc/mounts: %d\n", in_mounts(MNT, "tmpfs", NULL));
    int fd = open(MNT "/f", O_RDWR | O_CREAT, 0644);
    CHECK("write inside", write(fd, "hello", 5));
    CHECK("rename across mounts", rename(MNT "/f", "/tmp/mnt_tmpfs_f"));
    CHECK("link across mounts", link(MNT "/f", "/tmp/mnt_tmpfs_f"));
    CHECK("rmdir mount point", rmdir(MNT));
    CHECK("umount with an open file", umount(MNT));
    close(fd);
    chdir(MNT);
    CHECK("umount with cwd inside", umount(MNT));
    chdir("/");
    CHECK("umount", umount(MNT));
    CHECK("file gone", access(MNT "/f", F_OK));
    say("in /proc/mounts after umount: %d\n", in_mounts(MNT, "tmpfs", NULL));

    /* Read-only mounts and remounts. */
    CHECK("mount ro", mount("tmpfs", MNT, "tmpfs", MS_RDONLY | MS_NOSUID, NULL));
    CHECK("create on ro", open(MNT "/x", O_RDWR | O_CREAT, 0644));
    CHECK("mkdir on ro", mkdir(MNT "/d", 0755));
    statfs(MNT, &sf);
    say("ST_RDONLY %s ST_NOSUID %s\n", YESNO(sf.f_flags & ST_RDONLY), YESNO(sf.f_flags & ST_NOSUID));
    char opts[512] = "";
    in_mounts(MNT, "tmpfs", opts);
    say("options start with ro,nosuid: %s\n", YESNO(strncmp(opts, "ro,nosuid", 9) == 0));
    CHECK("remount rw", mount(NULL, MNT, NULL, MS_REMOUNT, NULL));
    fd = open(MNT "/x", O_RDWR | O_CREAT, 0644);
    CHECK("create after remount rw", fd);
    close(fd);
    statfs(MNT, &sf);
    say("after remount: ST_RDONLY %s ST_NOSUID %s\n", YESNO(sf.f_flags & ST_RDONLY), YESNO(sf.f_flags & ST_NOSUID));
    CHECK("remount ro", mount("", MNT, "", MS_REMOUNT | MS_RDONLY, ""));
    CHECK("open for writing on ro", open(MNT "/x", O_WRONLY));
    fd = open(MNT "/x", O_RDONLY);
    CHECK("open for reading on ro", fd);
    close(fd);
    CHECK("unlink on ro", unlink(MNT "/x"));
    CHECK("remount bind rw", mount(NULL, MNT, NULL, MS_REMOUNT | MS_BIND, NULL));
    CHECK("unlink after bind remount", unlink(MNT "/x"));
    CHECK("remount a directory that is not a mount point", mount(NULL, "/tmp", NULL, MS_REMOUNT, NULL));

    /* Propagation flags. */
    CHECK("MS_PRIVATE", mount(NULL, MNT, NULL, MS_PRIVATE, NULL));
    CHECK("MS_REC|MS_SLAVE", mount(NULL, MNT, NULL, MS_REC | MS_SLAVE, NULL));
    CHECK("MS_PRIVATE|MS_SHARED", mount(NULL, MNT, NULL, MS_PRIVATE | MS_SHARED, NULL));
    CHECK("MS_PRIVATE on a non-mount-point", mount(NULL, "/tmp", NULL, MS_PRIVATE, NULL));

    /* Stacking. */
    CHECK("remount rw again", mount(NULL, MNT, NULL, MS_REMOUNT, NULL));
    mkdir(MNT "/lower", 0755);
    CHECK("stack a second tmpfs", mount("tmpfs", MNT, "tmpfs", 0, NULL));
    CHECK("lower dir hidden", access(MNT "/lower", F_OK));
    say("in /proc/mounts stacked: %d\n", in_mounts(MNT, "tmpfs", NULL));
    CHECK("umount upper", umount(MNT));
    CHECK("lower dir visible", access(MNT "/lower", F_OK));
    rmdir(MNT "/lower");
    chdir(MNT);
    CHECK("MNT_EXPIRE|MNT_DETACH", umount2(MNT, MNT_EXPIRE | MNT_DETACH));
    CHECK("lazy umount with cwd inside", umount2(MNT, MNT_DETACH));
    chdir("/");
    say("in /proc/mounts after lazy umount: %d\n", in_mounts(MNT, "tmpfs", NULL));

    /* Errors. */
    CHECK("missing target", mount("none", "/tmp/no/such", "tmpfs", 0, NULL));
    fd = open("/tmp/mnt_tmpfs_file", O_RDWR | O_CREAT, 0644);
    close(fd);
    CHECK("target is a file", mount("none", "/tmp/mnt_tmpfs_file", "tmpfs", 0, NULL));
    unlink("/tmp/mnt_tmpfs_file");
    CHECK("unknown type", mount("none", MNT, "nosuchfs", 0, NULL));
    CHECK("no type", mount("none", MNT, NULL, 0, NULL));
    CHECK("bad tmpfs option", mount("none", MNT, "tmpfs", 0, "bogus=1"));
    CHECK("bad tmpfs size", mount("none", MNT, "tmpfs", 0, "size=lots"));
    CHECK("umount a non-mount-point", umount("/tmp"));
    CHECK("umount missing", umount("/tmp/no/such"));
    CHECK("umount2 bad flags", umount2(MNT, 0x100));
    CHECK("bad type pointer", mount("none", MNT, (char *)1, 0, NULL));
    pid_t child = fork();
    if (child == 0) {
        setuid(65534);
        CHECK("mount as nobody", mount("none", MNT, "tmpfs", 0, NULL));
        CHECK("umount as nobody", umount("/proc"));
        CHECK("umount missing as nobody", umount("/tmp/no/such"));
        _exit(0);
    }
    waitpid(child, NULL, 0);
    rmdir(MNT);
    if (proc)
        umount("/proc");
    return 0;
}
