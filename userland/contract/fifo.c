/* Named pipes: mkfifo, non-blocking opens (ENXIO), data through a FIFO between processes. */
#include "common.h"

int main(void) {
    char buf[64];
    scratch_dir("/tmp/fifo");
    CHECK("mkfifo", mkfifo("/tmp/fifo/p", 0644));
    CHECK("mkfifo again", mkfifo("/tmp/fifo/p", 0644));
    struct stat st;
    stat("/tmp/fifo/p", &st);
    say("S_ISFIFO: %s\n", YESNO(S_ISFIFO(st.st_mode)));
    CHECK("open O_WRONLY|O_NONBLOCK with no reader", open("/tmp/fifo/p", O_WRONLY | O_NONBLOCK));
    int r = open("/tmp/fifo/p", O_RDONLY | O_NONBLOCK);
    CHECK("open O_RDONLY|O_NONBLOCK", r);
    CHECK("read with no writer ever", read(r, buf, 10));
    int w = open("/tmp/fifo/p", O_WRONLY | O_NONBLOCK);
    CHECK("open O_WRONLY|O_NONBLOCK with a reader", w);
    CHECK("read empty with a writer", read(r, buf, 10));
    CHECK("write", write(w, "hello", 5));
    CHECK("read", read(r, buf, 10));
    close(w);
    CHECK("read after writer closed", read(r, buf, 10));
    close(r);
    r = open("/tmp/fifo/p", O_RDONLY | O_NONBLOCK);
    CHECK("lseek on fifo", lseek(r, 0, SEEK_CUR));
    close(r);

    pid_t c = fork();
    if (c == 0) {
        int fd = open("/tmp/fifo/p", O_WRONLY); /* blocks until the parent opens for reading */
        write(fd, "from child", 10);
        _exit(0);
    }
    int fd = open("/tmp/fifo/p", O_RDONLY);
    long n, total = 0;
    while ((n = read(fd, buf + total, sizeof buf - total)) > 0)
        total += n;
    say("parent read %ld: %.*s\n", total, (int)total, buf);
    say("child: %s\n", reap(c));
    CHECK("O_RDWR open never blocks", open("/tmp/fifo/p", O_RDWR));
    CHECK("unlink", unlink("/tmp/fifo/p"));
    remove_tree("/tmp/fifo");
    return 0;
}
