/* mkdir/unlink/rmdir/rename/symlink/readlink/link/access and their error paths. */
#include "common.h"

static void rl(const char *what, const char *path, size_t size) {
    char buf[64];
    memset(buf, '#', sizeof buf);
    errno = 0;
    ssize_t n = readlink(path, buf, size);
    if (n < 0)
        say("%s: -1 %s\n", what, errname(errno));
    else
        say("%s: %ld \"%.*s\"\n", what, (long)n, (int)n, buf);
}

static void cat(const char *path) {
    char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        say("  %s: %s\n", path, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    say("  %s: \"%.*s\"\n", path, (int)n, buf);
}

int main(void) {
    struct stat st;
    scratch_dir("/tmp/fs");
    CHECK("chdir", chdir("/tmp/fs"));
    write_file("file", "data", 0644);
    CHECK("mkdir d", mkdir("d", 0755));
    CHECK("mkdir d again", mkdir("d", 0755));
    CHECK("mkdir over file", mkdir("file", 0755));
    CHECK("mkdir missing/x", mkdir("missing/x", 0755));
    CHECK("mkdir file/x", mkdir("file/x", 0755));
    CHECK("mkdir trailing slash", mkdir("e/", 0755));
    CHECK("mkdir empty", mkdir("", 0755));
    CHECK("mkdirat", mkdirat(open(".", O_RDONLY), "f", 0700));
    stat("f", &st);
    say("mode of mkdirat 0700: %o\n", st.st_mode & 07777);

    CHECK("unlink missing", unlink("missing"));
    CHECK("unlink dir", unlink("d"));
    CHECK("unlink file/x", unlink("file/x"));
    CHECK("unlinkat AT_REMOVEDIR on file", unlinkat(AT_FDCWD, "file", AT_REMOVEDIR));
    CHECK("unlinkat bad flag", unlinkat(AT_FDCWD, "file", 0x1));
    CHECK("unlinkat AT_REMOVEDIR on dir f", unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));

    write_file("d/inner", "x", 0644);
    CHECK("rmdir non-empty", rmdir("d"));
    CHECK("rmdir file", rmdir("file"));
    CHECK("rmdir missing", rmdir("missing"));
    CHECK("rmdir .", rmdir("."));
    CHECK("rmdir d/..", rmdir("d/.."));
    CHECK("rmdir /", rmdir("/"));
    CHECK("rmdir e", rmdir("e"));

    CHECK("rename file -> g", rename("file", "g"));
    CHECK("old name", stat("file", &st));
    cat("g");
    write_file("h", "other", 0644);
    CHECK("rename g over h", rename("g", "h"));
    cat("h");
    CHECK("g gone", stat("g", &st));
    CHECK("rename missing", rename("missing", "x"));
    CHECK("rename h onto dir d", rename("h", "d"));
    CHECK("rename dir d onto file h", rename("d", "h"));
    mkdir("empty", 0755);
    CHECK("rename dir onto non-empty dir", rename("empty", "d"));
    mkdir("d2", 0755);
    CHECK("rename dir d onto empty dir d2", rename("d", "d2"));
    cat("d2/inner");
    CHECK("rename dir into its own subdir", (mkdir("d2/sub", 0755), rename("d2", "d2/sub/x")));
    CHECK("rename h to itself", rename("h", "h"));
    CHECK("rename to missing dir", rename("h", "nodir/h"));
    CHECK("rename . ", rename(".", "dot"));
    write_file("a", "A", 0644);
    write_file("b", "B", 0644);
    CHECK("renameat2 RENAME_NOREPLACE onto existing", renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE));
    CHECK("renameat2 RENAME_NOREPLACE to new", renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
    CHECK("renameat2 RENAME_EXCHANGE", renameat2(AT_FDCWD, "b", AT_FDCWD, "c", RENAME_EXCHANGE));
    cat("b");
    cat("c");
    CHECK("renameat2 RENAME_EXCHANGE with missing", renameat2(AT_FDCWD, "b", AT_FDCWD, "zz", RENAME_EXCHANGE));
    CHECK("renameat2 bad flags", renameat2(AT_FDCWD, "b", AT_FDCWD, "c", RENAME_EXCHANGE | RENAME_NOREPLACE));

    CHECK("symlink", symlink("target-name", "ln"));
    CHECK("symlink again", symlink("x", "ln"));
    CHECK("symlink empty target", symlink("", "ln2"));
    rl("readlink", "ln", 64);
    rl("readlink small buffer", "ln", 3);
    rl("readlink regular file", "b", 64);
    rl("readlink missing", "missing", 64);
    rl("readlink directory", "d2", 64);
    CHECK("stat dangling", stat("ln", &st));
    CHECK("readlinkat with dirfd", (int)readlinkat(open(".", O_RDONLY), "ln", (char[64]){0}, 64));
    CHECK("symlink into missing dir", symlink("x", "nodir/ln"));
    CHECK("lstat symlink size", (lstat("ln", &st), (long)st.st_size));

    CHECK("link b -> b2", link("b", "b2"));
    CHECK("nlink", (stat("b", &st), (long)st.st_nlink));
    CHECK("link onto existing", link("b", "c"));
    CHECK("link a directory", link("d2", "d3"));
    CHECK("link missing", link("missing", "m2"));
    CHECK("unlink b2", unlink("b2"));
    CHECK("nlink", (stat("b", &st), (long)st.st_nlink));
    CHECK("link to a symlink (no follow)", link("ln", "ln-hard"));
    CHECK("ln-hard is a symlink", (lstat("ln-hard", &st), S_ISLNK(st.st_mode)));
    CHECK("linkat AT_SYMLINK_FOLLOW to dangling", linkat(AT_FDCWD, "ln", AT_FDCWD, "ln-f", AT_SYMLINK_FOLLOW));

    chmod("b", 0644);
    CHECK("access F_OK", access("b", F_OK));
    CHECK("access missing", access("missing", F_OK));
    CHECK("access X_OK on 0644 file (root)", access("b", X_OK));
    CHECK("access W_OK on 0444 file (root)", (chmod("b", 0444), access("b", W_OK)));
    CHECK("access X_OK on 0744 file", (chmod("b", 0744), access("b", X_OK)));
    CHECK("access X_OK on dir", access("d2", X_OK));
    CHECK("access bad mode", access("b", 0100));
    CHECK("faccessat AT_EACCESS", faccessat(AT_FDCWD, "b", R_OK, AT_EACCESS));

    chdir("/");
    remove_tree("/tmp/fs");
    return 0;
}
