/* getdents64 on a directory the test builds in /tmp: names, d_type, EOF, rewind, errors. */
#include "common.h"
#include <dirent.h>

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static const char *tname(int t) {
    switch (t) {
    case DT_DIR: return "DIR";
    case DT_REG: return "REG";
    case DT_LNK: return "LNK";
    case DT_FIFO: return "FIFO";
    case DT_CHR: return "CHR";
    case DT_UNKNOWN: return "UNKNOWN";
    default: return "?";
    }
}

static char names[64][80];
static int count;

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

static int list(int fd, size_t bufsize, int *calls) {
    char buf[8192];
    count = 0;
    *calls = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        (*calls)++;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (count < 64)
                snprintf(names[count++], 80, "%s %s", d->d_name, tname(d->d_type));
            off += d->d_reclen;
        }
    }
    qsort(names, count, sizeof names[0], cmp);
    return count;
}

int main(void) {
    int calls;
    scratch_dir("/tmp/gd");
    write_file("/tmp/gd/a", "1", 0644);
    write_file("/tmp/gd/bb", "22", 0644);
    write_file("/tmp/gd/a-much-longer-file-name-to-vary-record-lengths", "", 0644);
    mkdir("/tmp/gd/sub", 0755);
    symlink("a", "/tmp/gd/ln");
    mkfifo("/tmp/gd/fifo", 0644);
    int fd = open("/tmp/gd", O_RDONLY | O_DIRECTORY);
    CHECK("entries", list(fd, 4096, &calls));
    for (int i = 0; i < count; i++)
        say("  %s\n", names[i]);
    CHECK("getdents64 at end", syscall(SYS_getdents64, fd, names, 4096));
    CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
    CHECK("entries after rewind", list(fd, 4096, &calls));
    lseek(fd, 0, SEEK_SET);
    CHECK("64-byte buffer, entry of 72 bytes", list(fd, 64, &calls));
    lseek(fd, 0, SEEK_SET);
    CHECK("entries with a 128-byte buffer", list(fd, 128, &calls));
    say("needed several calls: %s\n", YESNO(calls > 2));
    lseek(fd, 0, SEEK_SET);
    char tiny[8];
    CHECK("buffer too small for one entry", syscall(SYS_getdents64, fd, tiny, 8));
    int f = open("/tmp/gd/a", O_RDONLY);
    CHECK("getdents64 on a file", syscall(SYS_getdents64, f, names, 4096));
    CHECK("getdents64 bad fd", syscall(SYS_getdents64, 99, names, 4096));
    CHECK("getdents64 bad buffer", syscall(SYS_getdents64, fd, (void *)16, 4096));

    unlink("/tmp/gd/bb");
    rmdir("/tmp/gd/sub");
    lseek(fd, 0, SEEK_SET);
    CHECK("entries after unlink and rmdir", list(fd, 4096, &calls));
    for (int i = 0; i < count; i++)
        say("  %s\n", names[i]);

    DIR *dir = opendir("/tmp/gd");
    int k = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        k++;
    say("readdir count: %d\n", k);
    closedir(dir);

    mkdir("/tmp/gd/empty", 0755);
    int e2 = open("/tmp/gd/empty", O_RDONLY | O_DIRECTORY);
    CHECK("empty directory entries", list(e2, 4096, &calls));
    for (int i = 0; i < count; i++)
        say("  %s\n", names[i]);
    rmdir("/tmp/gd/empty");
    lseek(e2, 0, SEEK_SET);
    CHECK("entries of a removed directory", list(e2, 4096, &calls));
    remove_tree("/tmp/gd");
    return 0;
}
