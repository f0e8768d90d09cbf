/* Group stop: SIGSTOP to a multi-threaded process stops every thread (a spinning thread's counter
   freezes), the parent sees exactly one stop report, SIGCONT resumes all threads; a stop signal
   sent with tgkill to one thread stops the whole group too. */
#include "common.h"
#include <pthread.h>
#include <sys/mman.h>

static volatile long *counters; /* shared with the parent: [0] spinner, [1] sleeper, [2] ready */

static void *spin(void *arg) {
    for (;;)
        counters[0]++;
    return NULL;
}

static void *sleeper(void *arg) {
    for (;;) {
        counters[1]++;
        usleep(1000);
    }
    return NULL;
}

static void snapshot(long *out) {
    out[0] = counters[0];
    out[1] = counters[1];
}

static int advanced(void) {
    long a[2], b[2];
    snapshot(a);
    for (int i = 0; i < 200; i++) {
        usleep(5000);
        snapshot(b);
        if (b[0] != a[0] && b[1] != a[1])
            return 1;
    }
    return 0;
}

static int frozen(void) {
    long a[2], b[2];
    snapshot(a);
    usleep(100000);
    snapshot(b);
    return a[0] == b[0] && a[1] == b[1];
}

int main(void) {
    counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        pthread_t t1, t2;
        pthread_create(&t1, NULL, spin, NULL);
        pthread_create(&t2, NULL, sleeper, NULL);
        counters[2] = 1;
        for (;;)
            pause();
    }
    while (!counters[2])
        usleep(1000);
    say("threads running: %s\n", YESNO(advanced()));
    int st;
    kill(c, SIGSTOP);
    pid_t r = waitpid(c, &st, WUNTRACED);
    say("SIGSTOP: waitpid %s, %s\n", r == c ? "child" : "other", wstatus(st));
    say("all threads frozen: %s\n", YESNO(frozen()));
    CHECK("second report (WUNTRACED|WNOHANG)", waitpid(c, &st, WUNTRACED | WNOHANG));
    CHECK("waitid WSTOPPED|WNOHANG", waitid(P_PID, c, &(siginfo_t){0}, WSTOPPED | WNOHANG));
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    say("SIGCONT: %s\n", wstatus(st));
    CHECK("second continued report (WCONTINUED|WNOHANG)", waitpid(c, &st, WCONTINUED | WNOHANG));
    say("threads running again: %s\n", YESNO(advanced()));

    /* tgkill a stop signal to the process's main thread: the whole group still stops. */
    syscall(SYS_tgkill, c, c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    say("tgkill(main thread, SIGSTOP): %s, all frozen: %s\n", wstatus(st), YESNO(frozen()));
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    say("running again: %s\n", YESNO(advanced()));
    kill(c, SIGKILL);
    say("SIGKILL: %s\n", reap(c));
    return 0;
}
