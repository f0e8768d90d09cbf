/* PR_SET_PDEATHSIG fires when the parent *thread* exits (the thread that forked the child), even
   though the parent process lives on; a child forked by the main thread is unaffected by another
   thread's exit. */
#include "common.h"
#include <pthread.h>
#include <sys/prctl.h>

static int rep[2];
static volatile pid_t child_of_thread;

static void *forker(void *arg) {
    pid_t b = fork();
    if (b == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
        write(rep[1], "r", 1);
        for (;;)
            pause();
    }
    child_of_thread = b;
    char x;
    read(rep[0], &x, 1);
    return NULL; /* this thread exits now */
}

static void *idle(void *arg) { return NULL; }

int main(void) {
    pthread_t t;
    pipe(rep);
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, NULL);
    int st = 0;
    pid_t w = 0;
    for (int i = 0; i < 300 && w == 0; i++) {
        w = waitpid(child_of_thread, &st, WNOHANG);
        if (w == 0)
            usleep(10000);
    }
    if (w == 0) {
        say("child forked by a thread that then exited: still alive after 3 s\n");
        kill(child_of_thread, SIGKILL);
        waitpid(child_of_thread, &st, 0);
    } else
        say("child forked by a thread that then exited: %s, %s\n", w == child_of_thread ? "reaped" : errname(errno),
            wstatus(st));

    /* Child of the main thread; another thread exits: no signal. */
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
        write(rep[1], "r", 1);
        sleep(1);
        _exit(6);
    }
    char x;
    read(rep[0], &x, 1);
    pthread_create(&t, NULL, idle, NULL);
    pthread_join(t, NULL);
    say("child of the main thread while another thread exits: %s\n", reap(c));
    return 0;
}
