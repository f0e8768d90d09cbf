/* poll/ppoll on pipes: readiness bits, HUP/ERR/NVAL, timeouts and the signal mask of ppoll. */
#include "common.h"
#include <poll.h>

static const char *bits(short r) {
    static char b[128];
    b[0] = 0;
    if (r & POLLIN) strcat(b, "IN|");
    if (r & POLLPRI) strcat(b, "PRI|");
    if (r & POLLOUT) strcat(b, "OUT|");
    if (r & POLLERR) strcat(b, "ERR|");
    if (r & POLLHUP) strcat(b, "HUP|");
    if (r & POLLNVAL) strcat(b, "NVAL|");
    if (r & POLLRDNORM) strcat(b, "RDNORM|");
    if (r & POLLWRNORM) strcat(b, "WRNORM|");
    size_t n = strlen(b);
    if (n)
        b[n - 1] = 0;
    else
        strcpy(b, "0");
    return b;
}

static void do_poll(const char *what, struct pollfd *f, int n, int timeout) {
    for (int i = 0; i < n; i++)
        f[i].revents = 0x7fff;
    int r = poll(f, n, timeout);
    if (r < 0) {
        say("%s: -1 %s\n", what, errname(errno));
        return;
    }
    say("%s: %d", what, r);
    for (int i = 0; i < n; i++)
        say(" [%s]", bits(f[i].revents));
    say("\n");
}

static volatile int usr1;
static void on_usr1(int s) { usr1++; }

int main(void) {
    int p[2];
    char buf[64];
    pipe(p);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    do_poll("empty pipe, read end, timeout 0", f, 1, 0);
    do_poll("empty pipe, write end", f + 1, 1, 0);
    do_poll("both", f, 2, 0);
    f[0].events = POLLIN | POLLRDNORM | POLLOUT;
    f[1].events = POLLIN | POLLOUT | POLLWRNORM;
    do_poll("extra event bits", f, 2, 0);
    f[0].events = POLLIN;
    f[1].events = POLLOUT;
    write(p[1], "abc", 3);
    do_poll("after write", f, 2, 0);
    f[0].events = 0;
    do_poll("events 0 with data", f, 1, 0);
    f[0].events = POLLIN;
    do_poll("timeout 50 ms with data", f, 1, 50);
    read(p[0], buf, 3);
    do_poll("drained, timeout 30 ms", f, 1, 30);
    close(p[1]);
    do_poll("writer closed", f, 1, -1);
    pipe(p);
    write(p[1], "x", 1);
    close(p[1]);
    f[0].fd = p[0];
    do_poll("writer closed with data left", f, 1, 0);
    close(p[0]);
    do_poll("closed fd", f, 1, 0);
    pipe(p);
    close(p[0]);
    f[1].fd = p[1];
    f[1].events = POLLOUT;
    do_poll("reader closed, write end", f + 1, 1, 0);
    f[1].events = 0;
    do_poll("reader closed, write end, events 0", f + 1, 1, 0);
    close(p[1]);
    struct pollfd neg = {-1, POLLIN, 0};
    do_poll("negative fd ignored", &neg, 1, 0);
    do_poll("no fds, 20 ms", NULL, 0, 20);
    CHECK("poll nfds > RLIMIT_NOFILE", poll(f, 100000, 0));
    CHECK("poll bad pointer", poll((struct pollfd *)8, 1, 0));

    /* Full pipe is not writable. */
    pipe2(p, O_NONBLOCK);
    while (write(p[1], buf, sizeof buf) > 0)
        ;
    struct pollfd w = {p[1], POLLOUT, 0};
    do_poll("full pipe, write end", &w, 1, 0);
    close(p[0]);
    close(p[1]);

    /* Woken by a child's write. */
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        usleep(30000);
        write(p[1], "late", 4);
        _exit(0);
    }
    struct pollfd r = {p[0], POLLIN, 0};
    do_poll("blocking poll woken by child", &r, 1, -1);
    say("child: %s\n", reap(c));

    /* ppoll: timeout 0 and the temporary signal mask. */
    struct timespec zero = {0, 0};
    read(p[0], buf, 4);
    r.revents = 0;
    CHECK("ppoll timeout 0", ppoll(&r, 1, &zero, NULL));
    struct timespec bad = {0, 1000000000};
    CHECK("ppoll bad timeout", ppoll(&r, 1, &bad, NULL));
    signal(SIGUSR1, on_usr1);
    sigset_t blk, empty;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    raise(SIGUSR1);
    say("handler before ppoll: %d\n", usr1);
    CHECK("ppoll with mask unblocking a pending signal", ppoll(&r, 1, NULL, &empty));
    say("handler after ppoll: %d\n", usr1);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    say("SIGUSR1 blocked again after ppoll: %s\n", YESNO(sigismember(&now, SIGUSR1)));
    struct timespec t = {0, 20000000};
    CHECK("ppoll 20 ms with SIGUSR1 still blocked", ppoll(&r, 1, &t, &blk));
    return 0;
}
