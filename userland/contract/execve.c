/* execve: argv/envp passing, #! scripts, close-on-exec, signal state across exec, errors. */
#include "common.h"

static void run(const char *what, const char *path, char **argv, char **envp) {
    say("--- %s\n", what);
    pid_t c = fork();
    if (c == 0) {
        execve(path, argv, envp);
        say("execve: %s\n", errname(errno));
        _exit(127);
    }
    say("--- %s: %s\n", what, reap(c));
}

int main(void) {
    char *argv[] = {"argv_echo", "one", "two three", "", NULL};
    char *envp[] = {"A=1", "B=two words", "EMPTY=", NULL};
    run("plain", "/bin/argv_echo", argv, envp);
    static char *noenv[] = {NULL, NULL};
    char *a1[] = {"custom-argv0", "exit3", NULL};
    run("empty environment, exit 3", "/bin/argv_echo", a1, noenv);

    scratch_dir("/tmp/ex");
    write_file("/tmp/ex/script", "#!/bin/argv_echo -opt\nnot read\n", 0755);
    char *sa[] = {"script-argv0", "arg1", NULL};
    run("#! script with an argument", "/tmp/ex/script", sa, envp);
    write_file("/tmp/ex/script2", "#!  /bin/argv_echo   \n", 0755);
    run("#! script with spaces", "/tmp/ex/script2", sa, noenv);
    write_file("/tmp/ex/badinterp", "#!/bin/missing-interpreter\n", 0755);
    run("#! with a missing interpreter", "/tmp/ex/badinterp", sa, noenv);

    int keep = open("/dev/null", O_RDONLY);
    int drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int drop2 = dup(keep);
    fcntl(drop2, F_SETFD, FD_CLOEXEC);
    say("fds: keep %d, cloexec %d and %d\n", keep, drop, drop2);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, (void (*)(int))exit);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    char pidenv[64];
    char *e2[] = {pidenv, NULL};
    char *a2[] = {"argv_echo", NULL};
    say("--- inherited state (SIGUSR1 ignored, SIGUSR2 caught and blocked)\n");
    pid_t c = fork();
    if (c == 0) {
        snprintf(pidenv, sizeof pidenv, "KX_PID=%d", getpid());
        execve("/bin/argv_echo", a2, e2);
        _exit(127);
    }
    say("--- inherited state: %s\n", reap(c));
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    close(keep);
    close(drop);
    close(drop2);

    write_file("/tmp/ex/noexec", "#!/bin/argv_echo\n", 0644);
    write_file("/tmp/ex/garbage", "this is not an executable\n", 0755);
    write_file("/tmp/ex/empty", "", 0755);
    char *x[] = {"x", NULL};
    CHECK("execve missing file", execve("/tmp/ex/missing", x, noenv));
    CHECK("execve without execute permission", execve("/tmp/ex/noexec", x, noenv));
    CHECK("execve a directory", execve("/tmp/ex", x, noenv));
    CHECK("execve garbage", execve("/tmp/ex/garbage", x, noenv));
    CHECK("execve empty file", execve("/tmp/ex/empty", x, noenv));
    CHECK("execve through a file", execve("/tmp/ex/garbage/x", x, noenv));
    CHECK("execve empty path", execve("", x, noenv));
    char **volatile badp = (char **)8;
    CHECK("execve bad argv pointer", execve("/bin/argv_echo", badp, noenv));
    static char huge[200000];
    memset(huge, 'h', sizeof huge - 1);
    char *big[] = {"x", huge, NULL};
    CHECK("execve 200 KB argument", execve("/bin/argv_echo", big, noenv));
    say("still running after failed execs: yes\n");
    remove_tree("/tmp/ex");
    return 0;
}
