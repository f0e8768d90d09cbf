/* A process-directed signal is delivered to a thread that does not block it, whichever thread that
   is; tgkill reaches exactly the named thread; with every thread blocking it, the signal waits for
   the first thread that unblocks it. */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>

static volatile pid_t handled_by;
static volatile int hits;
static pid_t main_tid;
static volatile pid_t worker_tid;
static sem_t cmd, done;
static volatile int op;

static void h(int sig) {
    hits++;
    handled_by = gettid();
}

static void set_block(int how, int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(how, &s, NULL);
}

/* The worker does what main asks: 1 block SIGUSR1, 2 unblock SIGUSR1, 3 block SIGUSR2, 4 unblock
   SIGUSR2, 5 sleep until a signal is handled, 9 quit. */
static void *worker(void *arg) {
    worker_tid = gettid();
    for (;;) {
        sem_wait(&cmd);
        int o = op;
        if (o == 1)
            set_block(SIG_BLOCK, SIGUSR1);
        else if (o == 2)
            set_block(SIG_UNBLOCK, SIGUSR1);
        else if (o == 3)
            set_block(SIG_BLOCK, SIGUSR2);
        else if (o == 4)
            set_block(SIG_UNBLOCK, SIGUSR2);
        else if (o == 5) {
            int before = hits;
            while (hits == before)
                usleep(1000);
        }
        sem_post(&done);
        if (o == 9)
            return NULL;
    }
}

static void ask(int o) {
    op = o;
    sem_post(&cmd);
    sem_wait(&done);
}

static const char *who(void) {
    return handled_by == main_tid ? "main" : handled_by == worker_tid ? "worker" : "nobody";
}

static void wait_hit(int before) {
    for (int i = 0; i < 10000 && hits == before; i++)
        usleep(1000);
}

int main(void) {
    main_tid = gettid();
    signal(SIGUSR1, h);
    signal(SIGUSR2, h);
    sem_init(&cmd, 0, 0);
    sem_init(&done, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);

    /* Main blocks SIGUSR1, the worker does not: kill(getpid) goes to the worker. */
    set_block(SIG_BLOCK, SIGUSR1);
    int before = hits;
    kill(getpid(), SIGUSR1);
    wait_hit(before);
    say("main blocks SIGUSR1, kill(process): handled by %s\n", who());
    handled_by = 0;
    before = hits;
    kill(getpid(), SIGUSR1);
    wait_hit(before);
    say("again: handled by %s\n", who());

    /* The worker blocks SIGUSR2, main does not: main takes it. */
    ask(3);
    handled_by = 0;
    kill(getpid(), SIGUSR2);
    say("worker blocks SIGUSR2, kill(process): handled by %s\n", who());

    /* tgkill to main for a signal main blocks: pending for main only, the worker does not take it. */
    handled_by = 0;
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    usleep(100000);
    sigset_t pend;
    sigpending(&pend);
    say("tgkill(main, SIGUSR1) while main blocks it: handled by %s, pending for main %s\n", who(),
        YESNO(sigismember(&pend, SIGUSR1)));
    set_block(SIG_UNBLOCK, SIGUSR1);
    say("main unblocks: handled by %s\n", who());

    /* tgkill to the worker for a signal main would take: only the worker gets it. */
    ask(4);
    handled_by = 0;
    before = hits;
    syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR2);
    wait_hit(before);
    say("tgkill(worker, SIGUSR2): handled by %s\n", who());

    /* Both block SIGUSR1: the process-directed signal waits; whoever unblocks first gets it. */
    set_block(SIG_BLOCK, SIGUSR1);
    ask(1);
    handled_by = 0;
    kill(getpid(), SIGUSR1);
    usleep(50000);
    sigpending(&pend);
    say("everyone blocks SIGUSR1, kill(process): handled by %s, pending (seen by main) %s\n", who(),
        YESNO(sigismember(&pend, SIGUSR1)));
    ask(2);
    for (int i = 0; i < 2000 && handled_by == 0; i++)
        usleep(1000);
    say("worker unblocks first: handled by %s\n", who());
    sigpending(&pend);
    say("main's pending set now: SIGUSR1 %s\n", YESNO(sigismember(&pend, SIGUSR1)));
    set_block(SIG_UNBLOCK, SIGUSR1);

    /* A worker asleep in usleep (nanosleep) is woken to take a process-directed signal. */
    set_block(SIG_BLOCK, SIGUSR1);
    handled_by = 0;
    op = 5;
    sem_post(&cmd);
    usleep(50000);
    kill(getpid(), SIGUSR1);
    sem_wait(&done);
    say("worker sleeping, main blocks: handled by %s\n", who());
    set_block(SIG_UNBLOCK, SIGUSR1);
    ask(9);
    pthread_join(t, NULL);
    say("total handled: %d\n", hits);
    return 0;
}
