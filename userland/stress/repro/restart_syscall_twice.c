/* A nanosleep interrupted by a stop twice: the second interruption happens inside
   restart_syscall (the sleep resumed after SIGCONT). Linux: the child sleeps its second and
   exits 0; the parent sees stopped/continued twice. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static void ms(long n) { struct timespec t = {0, n * 1000000L}; nanosleep(&t, NULL); }
int main(void) {
    pid_t c = fork();
    if (c == 0) {
        struct timespec t = {1, 0};
        _exit(nanosleep(&t, NULL) == 0 ? 0 : 1);
    }
    int st;
    for (int i = 0; i < 2; i++) {
        ms(100); /* the child is asleep (first time in nanosleep, then in restart_syscall) */
        kill(c, SIGSTOP);
        waitpid(c, &st, WUNTRACED);
        printf("stop %d: %s\n", i, WIFSTOPPED(st) ? "stopped" : "?");
        kill(c, SIGCONT);
        waitpid(c, &st, WCONTINUED);
        printf("cont %d: %s\n", i, WIFCONTINUED(st) ? "continued" : "?");
        fflush(stdout);
    }
    waitpid(c, &st, 0);
    printf("child: %s %d\n", WIFEXITED(st) ? "exited" : "killed", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}
