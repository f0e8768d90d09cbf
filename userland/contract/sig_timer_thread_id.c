/* timer_create with SIGEV_THREAD_ID (raw): the expiry signal goes to the named thread, even when
   another thread would take a process-directed one, and stays pending for it while it blocks the
   signal; a tid outside the thread group is EINVAL. */
#include "common.h"
#include <pthread.h>
#include <time.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

struct ksigevent {
    union sigval value;
    int signo;
    int notify;
    int tid;
    int pad[11];
};

static volatile pid_t worker_tid, handled_by;
static volatile int hits, g_code, g_value, worker_go, worker_stop, worker_pending;

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    handled_by = gettid();
    g_code = si->si_code;
    g_value = si->si_value.sival_int;
}

static void *worker(void *arg) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    worker_tid = gettid();
    while (!worker_go)
        usleep(1000);
    sigset_t pend;
    sigpending(&pend);
    worker_pending = sigismember(&pend, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    while (!worker_stop)
        usleep(1000);
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);

    struct ksigevent ev = {.value.sival_int = 9, .signo = SIGUSR1, .notify = SIGEV_THREAD_ID, .tid = worker_tid};
    int id = -1;
    CHECK("timer_create SIGEV_THREAD_ID -> worker", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    struct itimerspec once = {{0, 0}, {0, 20000000}};
    syscall(SYS_timer_settime, id, 0, &once, NULL);
    usleep(150000);
    sigset_t pend;
    sigpending(&pend);
    say("expired while the worker blocks SIGUSR1: handled %d, pending in the main thread %s\n", hits,
        YESNO(sigismember(&pend, SIGUSR1)));
    worker_go = 1;
    for (int i = 0; i < 2000 && !hits; i++)
        usleep(1000);
    say("worker saw it pending %s; handled %s, in the worker %s, code %s value %d\n", YESNO(worker_pending), YESNO(hits),
        YESNO(handled_by == worker_tid), g_code == SI_TIMER ? "SI_TIMER" : "other", g_value);

    ev.value.sival_int = 10;
    ev.tid = gettid();
    int id2 = -1;
    CHECK("timer_create SIGEV_THREAD_ID -> main thread", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id2));
    syscall(SYS_timer_settime, id2, 0, &once, NULL);
    int before = hits;
    for (int i = 0; i < 2000 && hits == before; i++)
        usleep(1000);
    say("handled: %s, in the main thread %s, value %d\n", YESNO(hits > before), YESNO(handled_by == gettid()), g_value);

    ev.notify = SIGEV_THREAD_ID | SIGEV_SIGNAL;
    CHECK("SIGEV_THREAD_ID|SIGEV_SIGNAL", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id2) < 0 ? -1 : 0);
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    ev.notify = SIGEV_THREAD_ID;
    ev.tid = c;
    CHECK("SIGEV_THREAD_ID with a tid outside the thread group", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id2));
    kill(c, SIGKILL);
    reap(c);
    ev.tid = 0;
    CHECK("SIGEV_THREAD_ID with tid 0", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id2));
    ev.tid = 0x3fffffff;
    CHECK("SIGEV_THREAD_ID with a nonexistent tid", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id2));
    worker_stop = 1;
    pthread_join(t, NULL);
    return 0;
}
