/* Exit of multi-threaded processes as the parent sees it: exit_group from a non-main thread, the
   main thread exiting (SYS_exit) while others run (no report until the last thread is gone, and
   the process still takes signals and stops), the status when every thread called SYS_exit (the
   last one's code), fatal signals with several threads. */
#include "common.h"
#include <pthread.h>

static int sync_p[2];

static void *exit_group_7(void *arg) {
    usleep(50000);
    syscall(SYS_exit_group, 7);
    return NULL;
}

static void *sys_exit_later(void *arg) {
    char b;
    read(sync_p[0], &b, 1);
    syscall(SYS_exit, (int)(long)arg);
    return NULL;
}

static void *exit_group_later(void *arg) {
    char b;
    read(sync_p[0], &b, 1);
    syscall(SYS_exit_group, (int)(long)arg);
    return NULL;
}

static void *sleeper(void *arg) {
    for (;;)
        pause();
    return NULL;
}

static void *tgkill_main(void *arg) {
    usleep(50000);
    syscall(SYS_tgkill, getpid(), getpid(), SIGTERM);
    for (;;)
        pause();
    return NULL;
}

int main(void) {
    pipe(sync_p);
    int st;
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit_group_7, NULL);
        for (;;)
            pause();
    }
    say("exit_group(7) from a second thread while main sleeps: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit_group_later, (void *)9);
        syscall(SYS_exit, 3); /* only the main thread ends */
        _exit(99);
    }
    usleep(100000);
    CHECK("main thread exited, the other still runs: WNOHANG", waitpid(c, &st, WNOHANG));
    CHECK("process still signalable", kill(c, 0));
    write(sync_p[1], "g", 1);
    say("then exit_group(9) from the other thread: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sys_exit_later, (void *)5);
        syscall(SYS_exit, 3);
        _exit(99);
    }
    usleep(100000);
    CHECK("main SYS_exit(3), other thread alive: WNOHANG", waitpid(c, &st, WNOHANG));
    write(sync_p[1], "g", 1);
    say("then the last thread SYS_exit(5): %s (the last thread's code)\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        pthread_create(&t, NULL, sleeper, NULL);
        _exit(11); /* musl _exit is exit_group */
    }
    say("_exit(11) from main with two threads sleeping: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        pthread_create(&t, NULL, tgkill_main, NULL);
        for (;;)
            pause();
    }
    say("tgkill(main thread, SIGTERM) from a thread: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        syscall(SYS_exit, 0);
        _exit(99);
    }
    usleep(100000);
    kill(c, SIGTERM);
    say("main thread gone, SIGTERM to the process: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        syscall(SYS_exit, 0);
        _exit(99);
    }
    usleep(100000);
    kill(c, SIGSTOP);
    pid_t r = waitpid(c, &st, WUNTRACED);
    say("main thread gone, SIGSTOP: %s %s\n", r == c ? "child" : errname(errno), wstatus(st));
    kill(c, SIGKILL);
    say("then SIGKILL: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        *(volatile int *)0 = 0;
        _exit(0);
    }
    say("SIGSEGV in main with a sleeping thread: %s\n", reap(c));
    return 0;
}
