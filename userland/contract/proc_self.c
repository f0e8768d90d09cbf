/* /proc/self and /proc/PID: stat and status fields against the syscalls, cmdline vs argv,
   environ, exe/cwd/root links, the fd directory, maps, task/, comm, and a zombie's entry. */
#include "proc_common.h"
#include <dirent.h>
#include <sys/prctl.h>

static void show_stat(void) {
    char buf[4096];
    if (read_all("/proc/self/stat", buf, sizeof buf) < 0) {
        say("read stat: %s\n", errname(errno));
        return;
    }
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close) {
        say("stat: no comm\n");
        return;
    }
    *close = 0;
    say("stat comm: %s\n", open + 1);
    long pid = atol(buf);
    char *fields[64];
    int n = 0;
    for (char *tok = strtok(close + 2, " \n"); tok && n < 64; tok = strtok(NULL, " \n"))
        fields[n++] = tok;
    say("stat fields: %d\n", n + 2);
    /* fields[0] is field 3 (state). */
    say("stat state: %s\n", fields[0]);
    say("stat pid == getpid: %s\n", YESNO(pid == getpid()));
    say("stat ppid == getppid: %s\n", YESNO(atol(fields[1]) == getppid()));
    say("stat pgrp == getpgrp: %s\n", YESNO(atol(fields[2]) == getpgrp()));
    say("stat session == getsid: %s\n", YESNO(atol(fields[3]) == getsid(0)));
    say("stat tty_nr: %s tpgid: %s\n", fields[4], fields[5]);
    say("stat num_threads: %s\n", fields[17]);
    say("stat exit_signal: %s\n", fields[35]);
    say("stat arg_start < arg_end <= env_start < env_end: %s\n",
        YESNO(strtoul(fields[45], 0, 10) < strtoul(fields[46], 0, 10) &&
              strtoul(fields[46], 0, 10) <= strtoul(fields[47], 0, 10) &&
              strtoul(fields[47], 0, 10) < strtoul(fields[48], 0, 10)));
}

static void on_usr2(int sig) { (void)sig; }

static void show_status(void) {
    char buf[8192];
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_SETMASK, &set, NULL);
    signal(SIGUSR2, on_usr2);
    if (read_all("/proc/self/status", buf, sizeof buf) < 0) {
        say("read status: %s\n", errname(errno));
        return;
    }
    say("status Name: %s\n", field(buf, "Name"));
    say("status State: %s\n", field(buf, "State"));
    say("status Tgid == getpid: %s\n", YESNO(atol(field(buf, "Tgid")) == getpid()));
    say("status Pid == gettid: %s\n", YESNO(atol(field(buf, "Pid")) == gettid()));
    say("status PPid == getppid: %s\n", YESNO(atol(field(buf, "PPid")) == getppid()));
    say("status Uid: %s\n", field(buf, "Uid"));
    say("status Gid: %s\n", field(buf, "Gid"));
    say("status Umask: %s\n", field(buf, "Umask"));
    say("status Threads: %s\n", field(buf, "Threads"));
    say("status SigBlk: %s\n", field(buf, "SigBlk"));
    say("status SigCgt: %s\n", field(buf, "SigCgt"));
    say("status SigPnd: %s\n", field(buf, "SigPnd"));
    say("status has VmRSS, VmSize, SigQ, ShdPnd, SigIgn: %s\n",
        YESNO(field(buf, "VmRSS") && field(buf, "VmSize") && field(buf, "SigQ") && field(buf, "ShdPnd") &&
              field(buf, "SigIgn")));
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    signal(SIGUSR2, SIG_DFL);
}

static void show_cmdline(int argc, char **argv) {
    char buf[4096], want[4096];
    long n = read_all("/proc/self/cmdline", buf, sizeof buf);
    size_t m = 0;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(want + m, argv[i], l);
        m += l;
    }
    say("cmdline matches argv: %s\n", YESNO(n == (long)m && memcmp(buf, want, m) == 0));
    n = read_all("/proc/self/environ", buf, sizeof buf);
    int has_path = 0, count = 0;
    for (long i = 0; i < n; i += (long)strlen(buf + i) + 1) {
        count++;
        if (strcmp(buf + i, "PATH=/bin") == 0)
            has_path = 1;
    }
    say("environ has PATH=/bin: %s, entries: %d\n", YESNO(has_path), count);
}

static void show_link(const char *path) {
    char buf[256];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        say("readlink %s: %s\n", path, errname(errno));
        return;
    }
    buf[n] = 0;
    say("readlink %s: %s\n", path, buf);
}

static void show_fds(void) {
    int f = open("/tmp/proc_self_file", O_RDWR | O_CREAT | O_TRUNC, 0600);
    int p[2];
    pipe(p);
    int nul = open("/dev/null", O_WRONLY);
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", f);
    show_link(path);
    snprintf(path, sizeof path, "/proc/self/fd/%d", d);
    show_link(path);
    snprintf(path, sizeof path, "/proc/self/fd/%d", nul);
    show_link(path);
    show_link("/proc/self/fd/0");
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    say("pipe link looks like pipe:[N]: %s\n", YESNO(strncmp(buf, "pipe:[", 6) == 0 && buf[n - 1] == ']'));
    char buf2[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    n = readlink(path, buf2, sizeof buf2 - 1);
    buf2[n < 0 ? 0 : n] = 0;
    say("both pipe ends name the same pipe: %s\n", YESNO(strcmp(buf, buf2) == 0));
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/fd/%d", nul);
    int lr = lstat(path, &st);
    say("lstat wronly fd link: %s mode %o\n", lr == 0 && S_ISLNK(st.st_mode) ? "LNK" : "?", st.st_mode & 0777);
    snprintf(path, sizeof path, "/proc/self/fd/%d", f);
    say("lstat rw fd link mode %o\n", lstat(path, &st) == 0 ? st.st_mode & 0777 : 0);
    DIR *dir = opendir("/proc/self/fd");
    char *names[64];
    int count = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) && count < 64)
        if (e->d_name[0] != '.')
            names[count++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, count, sizeof *names, cmpstr);
    say("fd dir:");
    for (int i = 0; i < count; i++)
        say(" %s", names[i]);
    say("\n");
    close(f);
    close(p[0]);
    close(p[1]);
    close(nul);
    close(d);
    unlink("/tmp/proc_self_file");
}

static void show_maps(void) {
    static char buf[65536];
    long n = read_all("/proc/self/maps", buf, sizeof buf);
    int lines = 0, parsed = 0, stack = 0, exe_x = 0;
    for (char *line = strtok(n > 0 ? buf : "", "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long lo, hi, off, ino;
        unsigned maj, min;
        char perms[8];
        int used = 0;
        lines++;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &lo, &hi, perms, &off, &maj, &min, &ino, &used) == 7 &&
            lo < hi)
            parsed++;
        const char *name = line + used;
        if (strcmp(name, "[stack]") == 0)
            stack++;
        if (strcmp(name, "/bin/proc_self") == 0 && perms[2] == 'x')
            exe_x++;
    }
    say("maps: every line parses: %s, one [stack]: %s, an executable /bin/proc_self mapping: %s\n",
        YESNO(lines > 0 && parsed == lines), YESNO(stack == 1), YESNO(exe_x == 1));
}

static void show_tasks(void) {
    DIR *dir = opendir("/proc/self/task");
    int count = 0, me = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)))
        if (e->d_name[0] != '.') {
            count++;
            me += atol(e->d_name) == gettid();
        }
    if (dir)
        closedir(dir);
    say("task entries: %d, mine: %s\n", count, YESNO(me == 1));
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", gettid());
    say("task stat readable: %s\n", YESNO(read_all(path, buf, sizeof buf) > 0 && atol(buf) == gettid()));
}

static void show_zombie(void) {
    pid_t child = fork();
    if (child == 0)
        _exit(3);
    siginfo_t si;
    waitid(P_PID, child, &si, WEXITED | WNOWAIT);
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    if (read_all(path, buf, sizeof buf) > 0) {
        char *c = strrchr(buf, ')');
        say("zombie state: %c, ppid == getpid: %s\n", c[2], YESNO(atol(c + 4) == getpid()));
    } else
        say("zombie stat: %s\n", errname(errno));
    snprintf(path, sizeof path, "/proc/%d/cmdline", child);
    say("zombie cmdline length: %ld\n", read_all(path, buf, sizeof buf));
    int st;
    waitpid(child, &st, 0);
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    CHECK("reaped child's stat", open(path, O_RDONLY));
}

int main(int argc, char **argv) {
    proc_mount();
    char buf[64], want[64];
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    snprintf(want, sizeof want, "%d", getpid());
    say("/proc/self is my pid: %s\n", YESNO(strcmp(buf, want) == 0));
    n = readlink("/proc/thread-self", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid());
    say("/proc/thread-self is pid/task/tid: %s\n", YESNO(strcmp(buf, want) == 0));
    show_stat();
    show_status();
    show_cmdline(argc, argv);
    show_link("/proc/self/exe");
    show_link("/proc/self/cwd");
    show_link("/proc/self/root");
    chdir("/tmp");
    show_link("/proc/self/cwd");
    chdir("/");
    show_fds();
    show_maps();
    show_tasks();
    char comm[64];
    read_all("/proc/self/comm", comm, sizeof comm);
    say("comm: %s", comm);
    int fd = open("/proc/self/comm", O_WRONLY);
    CHECK("write comm", write(fd, "renamed\n", 8));
    close(fd);
    read_all("/proc/self/comm", comm, sizeof comm);
    say("comm after write: %s", comm);
    prctl(PR_GET_NAME, comm);
    say("PR_GET_NAME: %s\n", comm);
    show_zombie();
    proc_umount();
    return 0;
}
