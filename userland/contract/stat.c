/* stat/fstat/lstat/fstatat/statx: type, mode, size, nlink, owner, rdev; chmod, truncate. */
#include "common.h"
#include <sys/sysmacros.h>

static void show(const char *what, int r, struct stat *st) {
    if (r < 0) {
        say("%s: -1 %s\n", what, errname(errno));
        return;
    }
    const char *t = S_ISREG(st->st_mode) ? "REG" : S_ISDIR(st->st_mode) ? "DIR" : S_ISLNK(st->st_mode) ? "LNK"
                  : S_ISCHR(st->st_mode) ? "CHR" : S_ISFIFO(st->st_mode) ? "FIFO" : "?";
    say("%s: %s mode %04o size %ld nlink %ld uid %d gid %d", what, t, st->st_mode & 07777,
        S_ISDIR(st->st_mode) ? -1L : (long)st->st_size, (long)st->st_nlink, st->st_uid, st->st_gid);
    if (S_ISCHR(st->st_mode))
        say(" rdev %u,%u", major(st->st_rdev), minor(st->st_rdev));
    say("\n");
}

int main(void) {
    struct stat st, st2;
    umask(022);
    scratch_dir("/tmp/st");
    int fd = open("/tmp/st/f", O_RDWR | O_CREAT, 0640);
    write(fd, "12345", 5);
    show("stat file", stat("/tmp/st/f", &st), &st);
    show("fstat file", fstat(fd, &st), &st);
    show("lstat file", lstat("/tmp/st/f", &st), &st);
    symlink("f", "/tmp/st/ln");
    show("lstat symlink", lstat("/tmp/st/ln", &st), &st);
    show("stat symlink", stat("/tmp/st/ln", &st), &st);
    int d = open("/tmp/st", O_RDONLY | O_DIRECTORY);
    show("fstatat dirfd f", fstatat(d, "f", &st, 0), &st);
    show("fstatat ln NOFOLLOW", fstatat(d, "ln", &st, AT_SYMLINK_NOFOLLOW), &st);
    show("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH), &st);
    show("fstatat empty path without flag", fstatat(fd, "", &st, 0), &st);
    show("fstatat bad flags", fstatat(d, "f", &st, 0x12345678), &st);
    show("fstatat bad dirfd", fstatat(99, "f", &st, 0), &st);
    show("stat missing", stat("/tmp/st/missing", &st), &st);
    show("stat through file", stat("/tmp/st/f/x", &st), &st);
    show("fstat bad fd", fstat(99, &st), &st);
    show("stat dangling symlink", (symlink("nowhere", "/tmp/st/dang"), stat("/tmp/st/dang", &st)), &st);
    show("lstat dangling symlink", lstat("/tmp/st/dang", &st), &st);

    mkdir("/tmp/st/d", 0755);
    show("new dir", stat("/tmp/st/d", &st), &st);
    mkdir("/tmp/st/d/s1", 0700);
    mkdir("/tmp/st/d/s2", 0700);
    write_file("/tmp/st/d/file", "", 0600);
    show("dir with 2 subdirs and a file", stat("/tmp/st/d", &st), &st);
    show("subdir", stat("/tmp/st/d/s1", &st), &st);
    rmdir("/tmp/st/d/s2");
    show("after rmdir of one", stat("/tmp/st/d", &st), &st);

    link("/tmp/st/f", "/tmp/st/hard");
    show("after link", stat("/tmp/st/f", &st), &st);
    stat("/tmp/st/hard", &st2);
    stat("/tmp/st/f", &st);
    say("hard link same inode: %s, same dev: %s\n", YESNO(st.st_ino == st2.st_ino), YESNO(st.st_dev == st2.st_dev));
    stat("/tmp/st/d/file", &st2);
    say("other file different inode: %s\n", YESNO(st.st_ino != st2.st_ino));
    unlink("/tmp/st/hard");
    show("after unlink", fstat(fd, &st), &st);
    unlink("/tmp/st/f");
    show("fstat of unlinked open file", fstat(fd, &st), &st);

    fd = open("/tmp/st/t", O_RDWR | O_CREAT, 0644);
    CHECK("ftruncate 10000", ftruncate(fd, 10000));
    show("after ftruncate", fstat(fd, &st), &st);
    CHECK("truncate 3", truncate("/tmp/st/t", 3));
    show("after truncate", fstat(fd, &st), &st);
    CHECK("ftruncate negative", ftruncate(fd, -1));
    CHECK("truncate directory", truncate("/tmp/st/d", 0));
    CHECK("chmod 4755", chmod("/tmp/st/t", 04755));
    show("after chmod", stat("/tmp/st/t", &st), &st);
    CHECK("fchmod 0600", fchmod(fd, 0600));
    show("after fchmod", fstat(fd, &st), &st);
    CHECK("fchmodat", fchmodat(AT_FDCWD, "/tmp/st/t", 0444, 0));
    show("after fchmodat", stat("/tmp/st/t", &st), &st);
    CHECK("chmod missing", chmod("/tmp/st/missing", 0644));
    CHECK("chown 0:0", chown("/tmp/st/t", 0, 0));
    CHECK("chown 1000:1000", chown("/tmp/st/t", 1000, 1000));
    show("after chown", stat("/tmp/st/t", &st), &st);
    CHECK("fchown -1:0", fchown(fd, -1, 0));
    show("after fchown", fstat(fd, &st), &st);
    CHECK("lchown symlink", lchown("/tmp/st/ln", 5, 5));
    show("symlink after lchown", lstat("/tmp/st/ln", &st), &st);

    show("/dev/null", stat("/dev/null", &st), &st);
    show("/dev/zero", stat("/dev/zero", &st), &st);
    show("/dev/console", stat("/dev/console", &st), &st);
    int p[2];
    pipe(p);
    show("pipe", fstat(p[0], &st), &st);

    struct statx sx;
    int fx = open("/tmp/st/x", O_RDWR | O_CREAT, 0600);
    write(fx, "abcdefg", 7);
    errno = 0;
    int r = statx(AT_FDCWD, "/tmp/st/x", 0, STATX_BASIC_STATS, &sx);
    say("statx: %d %s\n", r, errname(r ? errno : 0));
    say("statx basic stats present: %s\n", YESNO((sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS));
    say("statx: mode %o size %llu nlink %u uid %u blksize>0 %s\n", sx.stx_mode, (unsigned long long)sx.stx_size,
        sx.stx_nlink, sx.stx_uid, YESNO(sx.stx_blksize > 0));
    r = statx(AT_FDCWD, "/tmp/st/ln", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx);
    say("statx symlink nofollow: %d mode %o size %llu\n", r, sx.stx_mode, (unsigned long long)sx.stx_size);
    r = statx(fx, "", AT_EMPTY_PATH, STATX_SIZE, &sx);
    say("statx AT_EMPTY_PATH: %d size %llu\n", r, (unsigned long long)sx.stx_size);
    errno = 0;
    r = statx(AT_FDCWD, "/tmp/st/missing", 0, STATX_BASIC_STATS, &sx);
    say("statx missing: %d %s\n", r, errname(errno));
    errno = 0;
    r = statx(AT_FDCWD, "/tmp/st/x", 0x80000000, STATX_BASIC_STATS, &sx);
    say("statx bad flags: %d %s\n", r, errname(errno));
    errno = 0;
    r = statx(AT_FDCWD, "/tmp/st/x", 0, 0x80000000u, &sx);
    say("statx reserved mask bit: %d %s\n", r, errname(errno));
    remove_tree("/tmp/st");
    return 0;
}
