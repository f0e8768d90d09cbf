/* uid/gid calls as root, supplementary groups, and dropping privileges in a child. */
#include "common.h"
#include <grp.h>

int main(void) {
    say("getuid %d geteuid %d getgid %d getegid %d\n", getuid(), geteuid(), getgid(), getegid());
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    say("getresuid %d %d %d\n", r, e, s);
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    say("getresgid %d %d %d\n", gr, ge, gs);
    CHECK("getgroups count", getgroups(0, NULL));
    CHECK("setuid(0)", setuid(0));
    CHECK("setgid(0)", setgid(0));
    CHECK("setresuid(-1,-1,-1)", setresuid(-1, -1, -1));
    gid_t g[2] = {5, 7};
    CHECK("setgroups 2", setgroups(2, g));
    gid_t back[8];
    int n = getgroups(8, back);
    say("getgroups: %d [%d %d]\n", n, back[0], back[1]);
    CHECK("getgroups buffer too small", getgroups(1, back));
    CHECK("setgroups 0", setgroups(0, NULL));
    CHECK("getgroups count", getgroups(0, NULL));
    scratch_dir("/tmp/uid");
    write_file("/tmp/uid/secret", "s", 0600);
    write_file("/tmp/uid/public", "p", 0644);
    pid_t c = fork();
    if (c == 0) {
        CHECK("child setgid(1000)", setgid(1000));
        CHECK("child setuid(1000)", setuid(1000));
        say("child ids: uid %d euid %d gid %d\n", getuid(), geteuid(), getgid());
        getresuid(&r, &e, &s);
        say("child getresuid %d %d %d\n", r, e, s);
        CHECK("child setuid(0) back", setuid(0));
        CHECK("child open a 0600 root file", open("/tmp/uid/secret", O_RDONLY));
        CHECK("child open a 0644 root file", open("/tmp/uid/public", O_RDONLY));
        CHECK("child open it for writing", open("/tmp/uid/public", O_WRONLY));
        CHECK("child create in a 0755 root dir", open("/tmp/uid/new", O_CREAT | O_WRONLY, 0644));
        CHECK("child kill(1, 0)", kill(1, 0));
        CHECK("child kill(parent, SIGTERM)", kill(getppid(), 0));
        CHECK("child setgroups", setgroups(0, NULL));
        CHECK("child chown a root file", chown("/tmp/uid/public", 1000, 1000));
        _exit(0);
    }
    reap(c);
    c = fork();
    if (c == 0) {
        CHECK("child seteuid(1000)", seteuid(1000));
        say("child: uid %d euid %d\n", getuid(), geteuid());
        CHECK("child open 0600 as euid 1000", open("/tmp/uid/secret", O_RDONLY));
        CHECK("child seteuid(0) (saved uid is 0)", seteuid(0));
        CHECK("child open 0600 as root again", open("/tmp/uid/secret", O_RDONLY));
        _exit(0);
    }
    reap(c);
    remove_tree("/tmp/uid");
    return 0;
}
