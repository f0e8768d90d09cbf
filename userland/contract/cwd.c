/* getcwd/chdir/fchdir: paths, relative lookups, ERANGE/ENOENT/ENOTDIR, a removed cwd. */
#include "common.h"

static void pwd(const char *what) {
    char buf[256];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0)
        say("%s: getcwd -1 %s\n", what, errname(errno));
    else
        say("%s: getcwd \"%s\" (returned %ld)\n", what, buf, n);
}

int main(void) {
    pwd("start");
    scratch_dir("/tmp/cwd");
    mkdir("/tmp/cwd/a", 0755);
    mkdir("/tmp/cwd/a/b", 0755);
    write_file("/tmp/cwd/a/file", "x", 0644);
    CHECK("chdir /tmp/cwd/a/b", chdir("/tmp/cwd/a/b"));
    pwd("now");
    CHECK("chdir ..", chdir(".."));
    pwd("now");
    CHECK("chdir relative b", chdir("b"));
    pwd("now");
    CHECK("chdir ../../a/./b/../b", chdir("../../a/./b/../b"));
    pwd("now");
    CHECK("chdir missing", chdir("missing"));
    CHECK("chdir file", chdir("/tmp/cwd/a/file"));
    CHECK("chdir empty", chdir(""));
    pwd("unchanged");
    CHECK("open relative ../file", open("../file", O_RDONLY));
    CHECK("create relative", open("new", O_CREAT | O_WRONLY, 0644));
    struct stat st;
    CHECK("stat absolute of relative create", stat("/tmp/cwd/a/b/new", &st));
    int d = open("/tmp/cwd", O_RDONLY | O_DIRECTORY);
    CHECK("fchdir /tmp/cwd", fchdir(d));
    pwd("now");
    int f = open("/tmp/cwd/a/file", O_RDONLY);
    CHECK("fchdir on a file", fchdir(f));
    CHECK("fchdir bad fd", fchdir(99));
    CHECK("chdir /", chdir("/"));
    pwd("now");
    CHECK("chdir /..", chdir("/.."));
    pwd("now");
    char small[4];
    CHECK("getcwd size 4 for /", syscall(SYS_getcwd, small, 4));
    chdir("/tmp/cwd/a");
    CHECK("getcwd size 4 for long path", syscall(SYS_getcwd, small, 4));
    CHECK("getcwd size 0", syscall(SYS_getcwd, small, 0));
    char *m = getcwd(NULL, 0);
    say("musl getcwd(NULL, 0): %s\n", m ? m : "NULL");
    free(m);
    CHECK("chdir into symlink", (symlink("/tmp/cwd/a/b", "/tmp/cwd/lnk"), chdir("/tmp/cwd/lnk")));
    pwd("after chdir through symlink");

    mkdir("/tmp/cwd/gone", 0755);
    chdir("/tmp/cwd/gone");
    CHECK("rmdir the cwd", rmdir("/tmp/cwd/gone"));
    pwd("removed cwd");
    CHECK("create in removed cwd", open("x", O_CREAT | O_WRONLY, 0644));
    CHECK("chdir .. from removed cwd", chdir(".."));
    pwd("after");

    pid_t c = fork();
    if (c == 0) {
        chdir("/tmp/cwd/a/b");
        pwd("child after chdir");
        _exit(0);
    }
    reap(c);
    pwd("parent unaffected");
    chdir("/");
    remove_tree("/tmp/cwd");
    return 0;
}
