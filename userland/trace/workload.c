/* The default workload of `make trace` and of the GDB tests: a small multi-process program that
 * exercises the paths the executor trace is about.
 *
 *   1. installs a SIGUSR1 handler and signals itself (a signal frame is built for pid 1);
 *   2. forks CHILDREN children; each one reads ROUNDS tokens from its own pipe, sleeps
 *      (nanosleep) a little, answers on a shared pipe, then signals its parent (SIGUSR1) and exits
 *      with its index;
 *   3. forks one more child that waits in nanosleep for SIGUSR2 (handler inherited from the
 *      parent) and exits with 7 when it arrives; the parent sends it;
 *   4. waits for every child (wait4) and checks the statuses; exits 0 when all went as planned.
 *
 * Output goes to stdout with plain write(2); a missing syscall (ENOSYS) does not stop the
 * program: the pipe part is skipped if pipe(2) fails. The first line names the handler address
 * ("handler=0x..."), which tests/test_gdb.py can compare with its watchpoint.
 *
 * Built static with musl: userland/trace/workload.c → target/trace/workload.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILDREN 3
#define ROUNDS 4

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t usr2_seen;

void on_usr1(int sig) { (void)sig; usr1_count++; }
void on_usr2(int sig) { (void)sig; usr2_seen = 1; }

static void say(const char *fmt, long a, long b) {
    char buf[160];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    if (n > 0) {
        ssize_t r = write(1, buf, (size_t)n);
        (void)r;
    }
}

static void nap_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int install(int sig, void (*h)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, 0);
}

static void child(int idx, int in_fd, int out_fd) {
    for (int r = 0; r < ROUNDS && in_fd >= 0; r++) {
        char tok;
        if (read(in_fd, &tok, 1) != 1)
            break;
        nap_ms(1 + idx);
        char reply = (char)('a' + idx);
        if (write(out_fd, &reply, 1) != 1)
            break;
    }
    if (in_fd < 0)
        nap_ms(2 + idx);
    kill(getppid(), SIGUSR1);
    _exit(idx);
}

int main(void) {
    int failures = 0;
    say("trace-workload: pid %ld handler=%#lx\n", (long)getpid(), (long)(unsigned long)on_usr1);
    if (install(SIGUSR1, on_usr1) != 0)
        failures++;
    kill(getpid(), SIGUSR1);
    if (usr1_count != 1)
        failures++;

    int to_child[CHILDREN][2], from_children[2];
    int have_pipes = pipe(from_children) == 0;
    for (int i = 0; i < CHILDREN && have_pipes; i++)
        if (pipe(to_child[i]) != 0)
            have_pipes = 0;
    if (!have_pipes)
        say("trace-workload: pipe failed (errno %ld), skipping the pipe rounds%s\n", (long)errno, 0);

    pid_t pids[CHILDREN + 1];
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            child(i, have_pipes ? to_child[i][0] : -1, have_pipes ? from_children[1] : -1);
        if (pids[i] < 0)
            failures++;
    }

    /* The sleeper: waits for SIGUSR2, then exits 7. The handler is installed before the fork
     * so that the signal cannot arrive before it. */
    install(SIGUSR2, on_usr2);
    pids[CHILDREN] = fork();
    if (pids[CHILDREN] == 0) {
        for (int i = 0; i < 200 && !usr2_seen; i++)
            nap_ms(5);
        _exit(usr2_seen ? 7 : 1);
    }

    int replies = 0;
    for (int r = 0; r < ROUNDS && have_pipes; r++) {
        for (int i = 0; i < CHILDREN; i++) {
            char tok = 't';
            if (write(to_child[i][1], &tok, 1) != 1)
                failures++;
        }
        for (int i = 0; i < CHILDREN; i++) {
            char c;
            if (read(from_children[0], &c, 1) == 1)
                replies++;
        }
    }
    if (have_pipes && replies != CHILDREN * ROUNDS)
        failures++;

    nap_ms(3);
    kill(pids[CHILDREN], SIGUSR2);

    for (int i = 0; i <= CHILDREN; i++) {
        int st = 0;
        pid_t w = waitpid(pids[i], &st, 0);
        int want = i < CHILDREN ? i : 7;
        if (w != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != want) {
            say("trace-workload: child %ld: bad status %#lx\n", (long)i, (long)st);
            failures++;
        }
    }
    say("trace-workload: %ld SIGUSR1 handled, %ld failures\n", (long)usr1_count, (long)failures);
    return failures ? 1 : 0;
}
