/* Prints what execve handed over: argv, envp, open descriptors, inherited signal state and a
   few auxiliary vector entries. Used by the exec tests; also runs on its own. */
#include "common.h"
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv) {
    say("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        say("argv[%d]=\"%s\"\n", i, argv[i]);
    int ne = 0;
    for (char **e = environ; *e; e++, ne++) {
        if (strncmp(*e, "KX_PID=", 7) == 0)
            say("env %s=%s\n", "KX_PID", atol(*e + 7) == getpid() ? "<the pid is preserved across exec>" : "<wrong pid>");
        else
            say("env %s\n", *e);
    }
    say("envc=%d\n", ne);
    say("open fds above 2:");
    for (int fd = 3; fd < 64; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            say(" %d", fd);
    say("\n");
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    say("SIGUSR1 disposition: %s\n", sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handler?");
    sigaction(SIGUSR2, NULL, &sa);
    say("SIGUSR2 disposition: %s\n", sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handler?");
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    say("SIGUSR2 blocked: %s\n", YESNO(sigismember(&m, SIGUSR2)));
    say("AT_PAGESZ=%lu AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_SECURE=%lu AT_CLKTCK=%lu\n", getauxval(AT_PAGESZ),
        getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_SECURE), getauxval(AT_CLKTCK));
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    say("AT_EXECFN=\"%s\" AT_PLATFORM=\"%s\"\n", execfn ? execfn : "(none)", platform ? platform : "(none)");
    say("AT_RANDOM present: %s, AT_PHDR present: %s, AT_ENTRY present: %s, AT_PHNUM=%lu\n",
        YESNO(getauxval(AT_RANDOM) != 0), YESNO(getauxval(AT_PHDR) != 0), YESNO(getauxval(AT_ENTRY) != 0),
        getauxval(AT_PHNUM));
    char name[32] = {0};
    if (syscall(SYS_prctl, 16 /* PR_GET_NAME */, name, 0, 0, 0) == 0)
        say("comm=\"%s\"\n", name);
    return argc > 1 && strcmp(argv[1], "exit3") == 0 ? 3 : 0;
}
