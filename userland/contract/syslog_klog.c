// syslog(2) / klogctl: reading the kernel log ring (records start "<level>[  seconds.micro]"),
// sizes, clearing, console level, and the errnos for bad arguments and unprivileged callers.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    default: return "other";
    }
}

static char buf[1 << 20];

int main(void) {
    int size = klogctl(10, NULL, 0);
    printf("SIZE_BUFFER positive: %s\n", size > 0 ? "yes" : "no");
    int n = klogctl(3, buf, sizeof buf);
    printf("READ_ALL returned data: %s\n", n > 0 ? "yes" : "no");
    int well_formed = n > 0 && buf[0] == '<' && buf[2] == '>' && buf[3] == '[' && memchr(buf, '\n', n) != NULL;
    printf("first record looks like <L>[time]: %s\n", well_formed ? "yes" : "no");
    printf("READ_ALL len 0: %d\n", klogctl(3, buf, 0));
    printf("READ_ALL len -1: %s\n", en(klogctl(3, buf, -1)));
    printf("READ_ALL NULL buf: %s\n", en(klogctl(3, NULL, 10)));
    printf("type 11: %s\n", en(klogctl(11, NULL, 0)));
    printf("type -1: %s\n", en(klogctl(-1, NULL, 0)));
    printf("CONSOLE_LEVEL 0: %s\n", en(klogctl(8, NULL, 0)));
    printf("CONSOLE_LEVEL 9: %s\n", en(klogctl(8, NULL, 9)));
    // Level 1 (KERN_EMERG only) keeps Linux's console quiet for the programs after this one
    // (the reference boots with loglevel=0).
    printf("CONSOLE_LEVEL 1: %s\n", en(klogctl(8, NULL, 1)));
    printf("SIZE_UNREAD: %s\n", en(klogctl(9, NULL, 0)));
    printf("READ_ALL short buffer gets the newest bytes: ");
    char small[16];
    int s = klogctl(3, small, sizeof small);
    printf("%d bytes, ends the log: %s\n", s, s == 16 && memcmp(small, buf + n - 16, 16) == 0 ? "yes" : "no");
    static char mid[4096];
    int m = klogctl(3, mid, sizeof mid);
    printf("READ_ALL 4 KiB: whole records ending the log: %s\n",
           m > 0 && m <= 4096 && mid[0] == '<' && mid[m - 1] == '\n' && memcmp(mid, buf + n - m, m) == 0 ? "yes" : "no");
    printf("CLEAR: %s\n", en(klogctl(5, NULL, 0)));
    printf("READ_ALL after clear: %d\n", klogctl(3, buf, sizeof buf));
    pid_t pid = fork();
    if (pid == 0) {
        setuid(1000);
        printf("user SIZE_UNREAD: %s\n", en(klogctl(9, NULL, 0)));
        printf("user CLEAR: %s\n", en(klogctl(5, NULL, 0)));
        printf("user CONSOLE_LEVEL: %s\n", en(klogctl(8, NULL, 1)));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    return 0;
}
