/* Per-thread pending sets: a tgkill'd signal a thread blocks stays pending for that thread only
   (others neither see nor take it), sigwaitinfo in a thread takes process-wide and its own pending
   signals, and a thread's private pending signals vanish when it exits. */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static sem_t cmd, done;
static volatile int op, result;
static volatile pid_t worker_tid;

static int pend_has(int sig) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

static int take(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec z = {0, 0};
    return (int)syscall(SYS_rt_sigtimedwait, &s, NULL, &z, 8);
}

/* Worker (blocks everything): 1 report pending SIGUSR1, 2 take SIGUSR1, 3 report pending
   SIGUSR2, 4 take SIGUSR2, 5 unblock everything, 9 exit. */
static void *worker(void *arg) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    worker_tid = gettid();
    for (;;) {
        sem_wait(&cmd);
        int o = op;
        if (o == 1)
            result = pend_has(SIGUSR1);
        else if (o == 2)
            result = take(SIGUSR1);
        else if (o == 3)
            result = pend_has(SIGUSR2);
        else if (o == 4)
            result = take(SIGUSR2);
        else if (o == 5) {
            sigset_t none;
            sigemptyset(&none);
            pthread_sigmask(SIG_SETMASK, &none, NULL);
        }
        sem_post(&done);
        if (o == 9)
            return NULL;
    }
}

static int ask(int o) {
    op = o;
    sem_post(&cmd);
    sem_wait(&done);
    return result;
}

int main(void) {
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &all, NULL);
    sem_init(&cmd, 0, 0);
    sem_init(&done, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);

    syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1);
    say("tgkill(worker, SIGUSR1): pending for the worker %s, for main %s\n", YESNO(ask(1)), YESNO(pend_has(SIGUSR1)));
    say("main cannot take it: %s\n", take(SIGUSR1) < 0 ? errname(errno) : "taken");
    say("the worker takes it: %d\n", ask(2));

    kill(getpid(), SIGUSR2);
    say("kill(process, SIGUSR2): pending seen by the worker %s, by main %s\n", YESNO(ask(3)), YESNO(pend_has(SIGUSR2)));
    say("the worker takes it: %d\n", ask(4));
    say("then pending for main: %s\n", YESNO(pend_has(SIGUSR2)));

    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    say("tgkill(main, SIGUSR2): the worker sees it %s, can take it: %s\n", YESNO(ask(3)),
        ask(4) < 0 ? "no" : "yes");
    say("main takes it: %d\n", take(SIGUSR2));

    syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1);
    kill(getpid(), SIGUSR2);
    ask(9);
    pthread_join(t, NULL);
    say("worker exited with SIGUSR1 (thread-directed) and SIGUSR2 (process-directed) pending: main sees SIGUSR1 %s, "
        "SIGUSR2 %s\n",
        YESNO(pend_has(SIGUSR1)), YESNO(pend_has(SIGUSR2)));
    say("main takes SIGUSR2: %d\n", take(SIGUSR2));

    /* A signal pending for a thread whose default action is fatal kills the whole process. */
    pid_t c = fork();
    if (c == 0) {
        sem_init(&cmd, 0, 0);
        sem_init(&done, 0, 0);
        worker_tid = 0;
        pthread_t t2;
        pthread_create(&t2, NULL, worker, NULL);
        while (!worker_tid)
            usleep(1000);
        syscall(SYS_tgkill, getpid(), worker_tid, SIGTERM);
        sigprocmask(SIG_SETMASK, &none, NULL); /* main does not block it; the worker does */
        usleep(100000);
        say("child: still alive while only the worker has SIGTERM pending\n");
        ask(5); /* the worker unblocks it: the default action ends the process */
        say("child: not reached\n");
        _exit(0);
    }
    say("child: %s\n", reap(c));
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}
