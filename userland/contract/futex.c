/* futex: mutex/condvar ping-pong between threads, raw FUTEX_WAIT/WAKE and their errors. */
#include "common.h"
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <sys/mman.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds_a, rounds_b;
#define ROUNDS 1000

static void *player(void *arg) {
    int me = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&m);
        while (turn != me)
            pthread_cond_wait(&cv, &m);
        if (me)
            rounds_b++;
        else
            rounds_a++;
        turn = !me;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static long futex(void *uaddr, int op, int val, const struct timespec *t, void *uaddr2, int val3) {
    return syscall(SYS_futex, uaddr, op, val, t, uaddr2, val3);
}

static int word;
static volatile int waiter_done;
static long waiter_ret;

static void *waiter(void *arg) {
    waiter_ret = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    waiter_done = 1;
    return NULL;
}

static sem_t sem;
static void *poster(void *arg) {
    for (int i = 0; i < 100; i++)
        sem_post(&sem);
    return NULL;
}

int main(void) {
    pthread_t a, b;
    pthread_create(&a, NULL, player, (void *)0);
    pthread_create(&b, NULL, player, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    say("condvar ping-pong: %d + %d rounds\n", rounds_a, rounds_b);

    int v = 1;
    CHECK("FUTEX_WAIT with a stale value", futex(&v, FUTEX_WAIT, 2, NULL, NULL, 0));
    CHECK("FUTEX_WAKE with no waiters", futex(&v, FUTEX_WAKE, 1, NULL, NULL, 0));
    struct timespec t = {0, 10000000};
    CHECK("FUTEX_WAIT 10 ms timeout", futex(&v, FUTEX_WAIT, 1, &t, NULL, 0));
    CHECK("FUTEX_WAIT_PRIVATE 10 ms timeout", futex(&v, FUTEX_WAIT_PRIVATE, 1, &t, NULL, 0));
    struct timespec bad = {0, 1000000000};
    CHECK("FUTEX_WAIT bad timeout", futex(&v, FUTEX_WAIT, 1, &bad, NULL, 0));
    CHECK("unknown op", futex(&v, 99, 0, NULL, NULL, 0));
    CHECK("unaligned address", futex((char *)&v + 1, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK("bad address", futex((void *)8, FUTEX_WAIT, 0, NULL, NULL, 0));
    /* 1 ns after boot: in the past on any machine (a fast-booting kernel may not have been
       up for a whole second yet, so "now - 1 s" could be negative, hence invalid). */
    struct timespec now = {0, 1};
    CHECK("FUTEX_WAIT_BITSET absolute deadline in the past",
          futex(&v, FUTEX_WAIT_BITSET_PRIVATE, 1, &now, NULL, FUTEX_BITSET_MATCH_ANY));
    CHECK("FUTEX_WAIT_BITSET bitset 0", futex(&v, FUTEX_WAIT_BITSET_PRIVATE, 1, &now, NULL, 0));

    pthread_t w;
    pthread_create(&w, NULL, waiter, NULL);
    long woke = 0;
    int tries = 0;
    while (woke == 0 && tries++ < 5000) {
        usleep(1000);
        woke = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    pthread_join(w, NULL);
    say("FUTEX_WAKE woke %ld waiter; the waiter's FUTEX_WAIT returned %ld\n", woke, waiter_ret);

    sem_init(&sem, 0, 0);
    pthread_create(&w, NULL, poster, NULL);
    for (int i = 0; i < 100; i++)
        sem_wait(&sem);
    pthread_join(w, NULL);
    int val;
    sem_getvalue(&sem, &val);
    say("semaphore: 100 posts consumed, value %d\n", val);

    /* A process-shared futex word in MAP_SHARED memory, woken across fork. */
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        while (__atomic_load_n(shared, __ATOMIC_SEQ_CST) == 0)
            futex(shared, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(*shared);
    }
    usleep(20000);
    __atomic_store_n(shared, 9, __ATOMIC_SEQ_CST);
    futex(shared, FUTEX_WAKE, 1, NULL, NULL, 0);
    say("shared futex across fork: %s\n", reap(c));
    return 0;
}
