/* umask: returned values, effect on open/mkdir/mkfifo, inheritance by a child. */
#include "common.h"

static void mode_of(const char *what, const char *path) {
    struct stat st;
    if (stat(path, &st) < 0)
        say("%s: %s\n", what, errname(errno));
    else
        say("%s: %04o\n", what, st.st_mode & 07777);
}

int main(void) {
    scratch_dir("/tmp/um");
    say("initial umask: %04o\n", umask(027));
    say("umask now: %04o\n", umask(027));
    close(open("/tmp/um/f1", O_CREAT | O_WRONLY, 0777));
    mode_of("file 0777 under 027", "/tmp/um/f1");
    mkdir("/tmp/um/d1", 0777);
    mode_of("dir 0777 under 027", "/tmp/um/d1");
    mkfifo("/tmp/um/p1", 0666);
    mode_of("fifo 0666 under 027", "/tmp/um/p1");
    umask(0);
    close(open("/tmp/um/f2", O_CREAT | O_WRONLY, 0777));
    mode_of("file 0777 under 0", "/tmp/um/f2");
    mkdir("/tmp/um/d2", 01777);
    mode_of("dir 01777 under 0", "/tmp/um/d2");
    umask(0777);
    close(open("/tmp/um/f3", O_CREAT | O_WRONLY, 0666));
    mode_of("file 0666 under 0777", "/tmp/um/f3");
    say("umask(01777) returned %04o\n", umask(01777));
    say("then umask reads back %04o\n", umask(022));
    close(open("/tmp/um/f4", O_CREAT | O_WRONLY, 0666));
    mode_of("file 0666 under 022", "/tmp/um/f4");
    chmod("/tmp/um/f4", 0777);
    mode_of("chmod 0777 ignores umask", "/tmp/um/f4");
    umask(077);
    pid_t c = fork();
    if (c == 0) {
        say("child inherits umask %04o\n", umask(0));
        _exit(0);
    }
    reap(c);
    say("parent umask unchanged %04o\n", umask(022));
    remove_tree("/tmp/um");
    return 0;
}
