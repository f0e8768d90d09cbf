/* execve from a secondary thread: Linux makes the exec'ing thread the leader (tid == pid) and
   ends the other threads. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static char *self;
static void *execer(void *a) {
    char *args[] = {self, "after", NULL};
    execv(self, args);
    return NULL;
}
static void *blocker(void *a) { for (;;) pause(); }
int main(int argc, char **argv) {
    if (argc > 1) {
        printf("after exec: tid == pid: %s\n", syscall(SYS_gettid) == getpid() ? "yes" : "no");
        return 0;
    }
    self = argv[0];
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, 0, blocker, 0);
        pthread_create(&t, 0, execer, 0);
        for (;;) pause();
    }
    int st;
    waitpid(c, &st, 0);
    printf("child: %s %d\n", WIFEXITED(st) ? "exited" : "killed", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}
