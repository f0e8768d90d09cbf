// Regression (stress suite, spawn_fire): execve from a secondary thread kept the thread's
// own tid; Linux's de_thread makes the exec'ing thread the leader (gettid() == getpid()),
// ends every other thread first (even ones blocked in pause()), and the parent still waits
// for the same pid. Also: the new image sees a single thread in /proc/self/task and the
// exec'ing thread's children keep their parent.
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *self;
static pid_t grandchild;

static void *execer(void *a) {
    (void)a;
    grandchild = fork();
    if (grandchild == 0) {
        sleep(1);
        _exit(7);
    }
    char num[16];
    snprintf(num, sizeof num, "%d", grandchild);
    char *args[] = {self, "after", num, NULL};
    execv(self, args);
    return NULL;
}

static void *blocker(void *a) {
    (void)a;
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 2) {
        printf("after exec: tid == pid: %s\n", syscall(SYS_gettid) == getpid() ? "yes" : "no");
        int mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
        DIR *d = opendir("/proc/self/task");
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.') n++;
        if (d) closedir(d);
        printf("threads after exec: %d\n", n);
        if (mounted) umount("/proc");
        int st;
        pid_t gc = atoi(argv[2]);
        pid_t w = waitpid(gc, &st, 0);
        printf("thread's child still ours after exec: %s, status %d\n", w == gc ? "yes" : "no", WEXITSTATUS(st));
        return 0;
    }
    self = argv[0];
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, 0, blocker, 0);
        pthread_create(&t, 0, blocker, 0);
        pthread_create(&t, 0, execer, 0);
        for (;;) pause();
    }
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("parent waited for the same pid: %s\n", w == c ? "yes" : "no");
    printf("child: %s %d\n", WIFEXITED(st) ? "exited" : "killed", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}
