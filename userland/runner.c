/*
 * /runner: the init process of the test initramfs, identical under Linux and Kairos.
 *
 * The kernel starts it with `rdinit=/runner -- ARGS` on its command line, so ARGS arrive as
 * argv[1..]. Usage:
 *
 *   runner [--timeout S] PROG ARG...          single mode
 *   runner [--timeout S] --argv-file FILE     single mode, argv read from FILE (NUL-separated)
 *   runner [--timeout S] --batch LISTFILE [--start N]
 *                                             batch mode, one program per line: NAME PROG ARG...
 *                                             (--start N skips the first N programs)
 *
 * Single mode prints `@@KAIROS-EXEC-BEGIN@@`, runs PROG in a child and prints
 * `@@KAIROS-EXEC-END status=N@@`; batch mode wraps each program in
 * `@@KAIROS-TEST-BEGIN NAME@@` / `@@KAIROS-TEST-END NAME status=N@@`. N is the exit code,
 * 128+SIG when killed by a signal, or the word `timeout`. Then it powers the machine off.
 *
 * Each program runs in a fresh child: its own process group (so a timeout kills its whole
 * group), an empty signal mask, default signal actions, stdio = /dev/console, cwd /, umask 022
 * and a fixed environment — so its output can be compared across kernels byte for byte.
 *
 * Syscalls it makes (musl 1.2.3, static): arch_prctl(ARCH_SET_FS) and set_tid_address at start-up;
 * fcntl(F_GETFD), open, dup2, close (stdio set-up); getpid, setsid (when pid 1), umask, chdir,
 * rt_sigaction, rt_sigprocmask; open/read/close of the list or argv file; write (markers);
 * fork (SYS_fork), then in the child gettid, rt_sigprocmask, rt_sigaction, setpgid, execve;
 * in the parent setpgid, setitimer (alarm), wait4 (pid, then -1 with WNOHANG), kill (negative
 * pid: the program's process group); finally reboot(RB_POWER_OFF), or exit_group if refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 256
#define MAX_LIST (1 << 20)

static char *const child_env[] = {
    "PATH=/bin",
    "HOME=/",
    "TERM=linux",
    NULL,
};

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig) {
    (void)sig;
    alarm_fired = 1;
}

static void put(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void put_num(long v) {
    char buf[32];
    int i = sizeof buf - 1;
    int neg = v < 0;
    unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        buf[--i] = '-';
    put(buf + i);
}

static void die(const char *what) {
    put("runner: ");
    put(what);
    put(": ");
    put(strerror(errno));
    put("\n");
}

static void power_off(int code) {
#ifdef RUNNER_HOST_TEST /* a build that can be traced on the host without powering it off */
    _exit(code);
#endif
    reboot(RB_POWER_OFF);
    /* Only reached when the kernel refused: exit (init exiting makes Linux panic, which under
       QEMU -no-reboot ends the run too). */
    die("reboot");
    _exit(code);
}

/* Makes sure fds 0, 1 and 2 are open, on /dev/console when not. */
static void setup_stdio(void) {
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int c = open("/dev/console", O_RDWR | O_NOCTTY);
        if (c < 0)
            return;
        if (c != fd) {
            dup2(c, fd);
            close(c);
        }
    }
}

/* Runs argv[0] with argv in a child; returns the status: exit code, 128+signal, or -1 on
   timeout (after killing the child's process group). */
static int run_one(char **argv, unsigned timeout) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
        return 126;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGALRM, &dfl, NULL);
        sigaction(SIGCHLD, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        execve(argv[0], argv, child_env);
        int e = errno;
        put("runner: execve ");
        put(argv[0]);
        put(": ");
        put(strerror(e));
        put("\n");
        _exit(e == ENOENT ? 127 : 126);
    }
    setpgid(pid, pid); /* also from the parent, so the kill below cannot race the child */
    alarm_fired = 0;
    if (timeout)
        alarm(timeout);
    int status = 0;
    int timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid)
            break;
        if (r < 0 && errno == EINTR) {
            if (alarm_fired) {
                timed_out = 1;
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                alarm_fired = 0;
            }
            continue;
        }
        die("waitpid");
        status = 126 << 8;
        break;
    }
    alarm(0);
    /* Nothing of the program may outlive it: kill what is left of its group, then reap any
       orphans that were reparented to us. */
    kill(-pid, SIGKILL);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    if (timed_out)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 126;
}

static void put_status(int st) {
    put(" status=");
    if (st < 0)
        put("timeout");
    else
        put_num(st);
    put("@@\n");
}

static int single(char **argv, unsigned timeout) {
    put("@@KAIROS-EXEC-BEGIN@@\n");
    int st = run_one(argv, timeout);
    put("@@KAIROS-EXEC-END");
    put_status(st);
    return st;
}

/* One static buffer (no malloc: the runner asks as little of the kernel as it can). */
static char file_buf[MAX_LIST + 1];

static char *read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        die(path);
        return NULL;
    }
    char *buf = file_buf;
    size_t n = 0;
    while (n < MAX_LIST) {
        ssize_t r = read(fd, buf + n, MAX_LIST - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

static int batch(const char *list, unsigned timeout, int start) {
    size_t len;
    char *buf = read_file(list, &len);
    if (!buf)
        return 1;
    int worst = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *words[MAX_ARGS + 2];
        int n = 0;
        char *wsave = NULL;
        for (char *w = strtok_r(line, " \t", &wsave); w && n < MAX_ARGS + 1; w = strtok_r(NULL, " \t", &wsave))
            words[n++] = w;
        words[n] = NULL;
        if (n < 2 || words[0][0] == '#')
            continue;
        if (start > 0) {
            start--;
            continue;
        }
        put("@@KAIROS-TEST-BEGIN ");
        put(words[0]);
        put("@@\n");
        int st = run_one(words + 1, timeout);
        put("@@KAIROS-TEST-END ");
        put(words[0]);
        put_status(st);
        if (st != 0)
            worst = 1;
    }
    put("@@KAIROS-BATCH-DONE@@\n");
    return worst;
}

int main(int argc, char **argv) {
    setup_stdio();
    if (getpid() == 1)
        setsid();
    umask(022);
    chdir("/");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid must return EINTR */
    sigaction(SIGALRM, &sa, NULL);

    unsigned timeout = 0;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) {
        timeout = (unsigned)atoi(argv[i + 1]);
        i += 2;
    }
    int st;
    if (i + 1 < argc && strcmp(argv[i], "--batch") == 0) {
        int start = 0;
        if (i + 3 < argc && strcmp(argv[i + 2], "--start") == 0)
            start = atoi(argv[i + 3]);
        st = batch(argv[i + 1], timeout ? timeout : 20, start);
    } else if (i + 1 < argc && strcmp(argv[i], "--argv-file") == 0) {
        size_t len;
        char *buf = read_file(argv[i + 1], &len);
        char *args[MAX_ARGS + 1];
        int n = 0;
        for (size_t off = 0; buf && off < len && n < MAX_ARGS; off += strlen(buf + off) + 1)
            args[n++] = buf + off;
        args[n] = NULL;
        if (n == 0) {
            put("runner: empty argv file\n");
            st = 2;
        } else {
            st = single(args, timeout);
        }
    } else if (i < argc) {
        st = single(argv + i, timeout);
    } else {
        put("usage: runner [--timeout S] PROG ARG... | --argv-file FILE | --batch LISTFILE [--start N]\n");
        st = 2;
    }
    power_off(st < 0 ? 124 : st);
    return 0;
}
