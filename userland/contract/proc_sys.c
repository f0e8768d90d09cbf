/* System-wide /proc files: formats that every Linux shares (mounts, meminfo, uptime,
   loadavg, cpuinfo, stat, filesystems, version, cmdline), /proc/sys/kernel (UTS names,
   random ids), the /proc listing, and statfs. */
#include "proc_common.h"
#include <dirent.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

static char buf[65536];

static void show_mounts(void) {
    long n = read_all("/proc/mounts", buf, sizeof buf);
    int lines = 0, six = 0, proc_line = 0;
    for (char *line = strtok(n > 0 ? buf : "", "\n"); line; line = strtok(NULL, "\n")) {
        char dev[256], dir[256], type[64], opts[512];
        int a, b;
        lines++;
        if (sscanf(line, "%255s %255s %63s %511s %d %d", dev, dir, type, opts, &a, &b) == 6 && a == 0 && b == 0)
            six++;
        if (strcmp(dir, "/proc") == 0 && strcmp(type, "proc") == 0 && strcmp(dev, "proc") == 0)
            proc_line = (strncmp(opts, "rw,nosuid,nodev,noexec", 22) == 0) ? 2 : 1;
    }
    say("mounts: all lines have 6 fields: %s, /proc line: %s\n", YESNO(lines > 0 && six == lines),
        proc_line == 2 ? "rw,nosuid,nodev,noexec" : proc_line ? "other options" : "missing");
    struct stat a, b;
    say("/proc/mounts is a link to self/mounts: %s\n",
        YESNO(lstat("/proc/mounts", &a) == 0 && S_ISLNK(a.st_mode) && stat("/proc/self/mounts", &b) == 0));
    n = read_all("/proc/self/mountinfo", buf, sizeof buf);
    int ok = 0, total = 0;
    for (char *line = strtok(n > 0 ? buf : "", "\n"); line; line = strtok(NULL, "\n")) {
        int id, parent;
        unsigned maj, min;
        char root[256], dir[256];
        total++;
        if (sscanf(line, "%d %d %u:%u %255s %255s", &id, &parent, &maj, &min, root, dir) == 6 && strstr(line, " - "))
            ok++;
    }
    say("mountinfo: all lines parse: %s\n", YESNO(total > 0 && ok == total));
}

static void show_meminfo(void) {
    read_all("/proc/meminfo", buf, sizeof buf);
    const char *t = field(buf, "MemTotal"), *f = field(buf, "MemFree"), *a = field(buf, "MemAvailable");
    say("meminfo: MemTotal > 0: %s, MemFree <= MemTotal: %s, MemAvailable: %s, kB units: %s\n",
        YESNO(t && atol(t) > 0), YESNO(t && f && atol(f) <= atol(t)), YESNO(a != NULL),
        YESNO(t && strstr(t, " kB") != NULL));
    say("meminfo: SwapTotal %s, SwapFree %s, Buffers %s, Cached %s, Shmem %s\n", YESNO(field(buf, "SwapTotal")),
        YESNO(field(buf, "SwapFree")), YESNO(field(buf, "Buffers")), YESNO(field(buf, "Cached")),
        YESNO(field(buf, "Shmem")));
    say("meminfo first line starts with \"MemTotal:       \": %s\n", YESNO(strncmp(buf, "MemTotal:       ", 16) == 0));
}

static void show_misc(void) {
    double up, idle;
    read_all("/proc/uptime", buf, sizeof buf);
    say("uptime: %s\n", YESNO(sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0));
    double l1, l5, l15;
    int run, total, last;
    read_all("/proc/loadavg", buf, sizeof buf);
    say("loadavg: %s\n", YESNO(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &total, &last) == 6 &&
                               run >= 1 && total >= run));
    read_all("/proc/cpuinfo", buf, sizeof buf);
    say("cpuinfo: processor 0 %s, vendor_id %s, model name %s, flags with fpu %s, cpu MHz %s\n",
        YESNO(strncmp(buf, "processor\t: 0\n", 14) == 0), YESNO(field(buf, "vendor_id\t") != NULL),
        YESNO(field(buf, "model name\t") != NULL), YESNO(strstr(buf, "\nflags\t\t: fpu ") != NULL),
        YESNO(field(buf, "cpu MHz\t\t") != NULL));
    read_all("/proc/stat", buf, sizeof buf);
    unsigned long long u, ni, s, id;
    say("stat: cpu line %s, cpu0 %s, btime %s, processes %s, procs_running %s\n",
        YESNO(sscanf(buf, "cpu  %llu %llu %llu %llu", &u, &ni, &s, &id) == 4), YESNO(strstr(buf, "\ncpu0 ") != NULL),
        YESNO(strstr(buf, "\nbtime ") != NULL), YESNO(strstr(buf, "\nprocesses ") != NULL),
        YESNO(strstr(buf, "\nprocs_running ") != NULL));
    read_all("/proc/filesystems", buf, sizeof buf);
    say("filesystems: proc %s, tmpfs %s, sysfs %s, devtmpfs %s\n", YESNO(strstr(buf, "nodev\tproc\n") != NULL),
        YESNO(strstr(buf, "nodev\ttmpfs\n") != NULL), YESNO(strstr(buf, "nodev\tsysfs\n") != NULL),
        YESNO(strstr(buf, "nodev\tdevtmpfs\n") != NULL));
    read_all("/proc/version", buf, sizeof buf);
    struct utsname un;
    uname(&un);
    char want[512];
    snprintf(want, sizeof want, "Linux version %s ", un.release);
    say("version starts with Linux version RELEASE: %s\n", YESNO(strncmp(buf, want, strlen(want)) == 0));
    long n = read_all("/proc/cmdline", buf, sizeof buf);
    say("cmdline ends with a newline: %s\n", YESNO(n > 0 && buf[n - 1] == '\n'));
}

static void show_sys(void) {
    struct utsname un;
    uname(&un);
    char want[128];
    read_all("/proc/sys/kernel/ostype", buf, sizeof buf);
    say("ostype: %s", buf);
    read_all("/proc/sys/kernel/osrelease", buf, sizeof buf);
    snprintf(want, sizeof want, "%s\n", un.release);
    say("osrelease == uname release: %s\n", YESNO(strcmp(buf, want) == 0));
    read_all("/proc/sys/kernel/hostname", buf, sizeof buf);
    snprintf(want, sizeof want, "%s\n", un.nodename);
    say("hostname == uname nodename: %s\n", YESNO(strcmp(buf, want) == 0));
    char old[80];
    snprintf(old, sizeof old, "%s", un.nodename);
    int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_TRUNC);
    CHECK("write hostname", write(fd, "proc-test\n", 10));
    close(fd);
    uname(&un);
    say("uname nodename after write: %s\n", un.nodename);
    sethostname("via-syscall", 11);
    read_all("/proc/sys/kernel/hostname", buf, sizeof buf);
    say("hostname after sethostname: %s", buf);
    sethostname(old, strlen(old));
    CHECK("setdomainname", setdomainname("example", 7));
    read_all("/proc/sys/kernel/domainname", buf, sizeof buf);
    say("domainname: %s", buf);
    uname(&un);
    say("uname domainname: %s\n", un.domainname);
    setdomainname("(none)", 6);
    read_all("/proc/sys/kernel/pid_max", buf, sizeof buf);
    say("pid_max > 0: %s\n", YESNO(atol(buf) > 0));
    char a[64], b[64], c[64];
    read_all("/proc/sys/kernel/random/boot_id", a, sizeof a);
    read_all("/proc/sys/kernel/random/boot_id", b, sizeof b);
    read_all("/proc/sys/kernel/random/uuid", c, sizeof c);
    say("boot_id: 37 bytes %s, stable %s, uuid differs %s, dashes %s\n", YESNO(strlen(a) == 37), YESNO(strcmp(a, b) == 0),
        YESNO(strcmp(a, c) != 0), YESNO(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-'));
}

static void show_root(void) {
    DIR *d = opendir("/proc");
    int self = 0, me = 0, init = 0, meminfo = 0;
    struct dirent *e;
    char mine[16];
    snprintf(mine, sizeof mine, "%d", getpid());
    while (d && (e = readdir(d))) {
        self |= strcmp(e->d_name, "self") == 0 && e->d_type == DT_LNK;
        me |= strcmp(e->d_name, mine) == 0 && e->d_type == DT_DIR;
        init |= strcmp(e->d_name, "1") == 0;
        meminfo |= strcmp(e->d_name, "meminfo") == 0 && e->d_type == DT_REG;
    }
    if (d)
        closedir(d);
    say("/proc lists: self %s, my pid %s, 1 %s, meminfo %s\n", YESNO(self), YESNO(me), YESNO(init), YESNO(meminfo));
    struct statfs sf;
    statfs("/proc", &sf);
    say("statfs /proc: type %#lx\n", (unsigned long)sf.f_type);
    struct stat st;
    stat("/proc/meminfo", &st);
    say("stat meminfo: size %ld mode %o\n", (long)st.st_size, st.st_mode & 07777);
    stat("/proc", &st);
    say("stat /proc: dir %s mode %o\n", YESNO(S_ISDIR(st.st_mode)), st.st_mode & 07777);
    CHECK("mkdir in /proc", mkdir("/proc/newdir", 0755));
    CHECK("open missing pid", open("/proc/999999/stat", O_RDONLY));
    CHECK("open missing file", open("/proc/nonexistent", O_RDONLY));
    char cwd[256];
    chdir("/proc/self/fd");
    say("getcwd in /proc/self/fd ends with /fd: %s\n",
        YESNO(getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - 3, "/fd") == 0));
    chdir("/");
}

int main(void) {
    proc_mount();
    show_mounts();
    show_meminfo();
    show_misc();
    show_sys();
    show_root();
    proc_umount();
    return 0;
}
