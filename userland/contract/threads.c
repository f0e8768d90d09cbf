/* clone through pthread_create/join: shared memory, return values, TLS, exit_group from a thread.
   (No pthread_exit from main in a forked child: musl 1.2.3 does not re-register clear_child_tid
   after fork, so that hangs on Linux too.) */
#include "common.h"
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int tls = 5;
static pid_t main_tid;

static void *inc(void *arg) {
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    tls += (int)(long)arg;
    return (void *)(long)(tls * 10);
}

static void *ids(void *arg) {
    int *out = arg;
    out[0] = getpid() == (pid_t)syscall(SYS_getpid);
    out[1] = gettid() != main_tid;
    out[2] = gettid() != getpid();
    out[3] = getppid() == (pid_t)syscall(SYS_getppid);
    return NULL;
}

static void *writes_stack(void *arg) {
    *(int *)arg = 1234;
    return NULL;
}

static void *exits_process(void *arg) {
    exit(5);
}

static volatile int usr1_in;
static void on_usr1(int s) { usr1_in = gettid(); }

static void *waits_for_signal(void *arg) {
    while (!usr1_in)
        usleep(1000);
    return NULL;
}

static void *ret_arg(void *arg) { return arg; }

int main(void) {
    main_tid = gettid();
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        say("pthread_create %ld: %s\n", i, errname(pthread_create(&t[i], NULL, inc, (void *)i)));
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        say("thread %d returned %ld\n", i, (long)ret);
    }
    say("counter: %ld (4 x 10000 under a mutex)\n", counter);
    say("main thread TLS untouched: %d\n", tls);
    int out[4] = {0};
    pthread_t th;
    pthread_create(&th, NULL, ids, out);
    pthread_join(th, NULL);
    say("in a thread: same pid %s, own tid %s, tid != pid %s, same ppid %s\n", YESNO(out[0]), YESNO(out[1]),
        YESNO(out[2]), YESNO(out[3]));
    int onstack = 0;
    pthread_create(&th, NULL, writes_stack, &onstack);
    pthread_join(th, NULL);
    say("thread wrote to main's stack: %d\n", onstack);
    int ok = 1;
    for (long i = 0; i < 100; i++) {
        void *r;
        if (pthread_create(&th, NULL, ret_arg, (void *)i) || pthread_join(th, &r) || (long)r != i)
            ok = 0;
    }
    say("100 threads created and joined one after another: %s\n", YESNO(ok));
    pthread_t many[16];
    ok = 1;
    for (long i = 0; i < 16; i++)
        if (pthread_create(&many[i], NULL, ret_arg, (void *)i))
            ok = 0;
    for (long i = 0; i < 16; i++) {
        void *r;
        if (pthread_join(many[i], &r) || (long)r != i)
            ok = 0;
    }
    say("16 threads alive at once: %s\n", YESNO(ok));

    signal(SIGUSR1, on_usr1);
    pthread_create(&th, NULL, waits_for_signal, NULL);
    pid_t target;
    /* pthread_kill targets exactly that thread */
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    target = usr1_in;
    say("pthread_kill ran the handler in the target thread: %s\n", YESNO(target != main_tid));

    pid_t c = fork();
    if (c == 0) {
        pthread_t x;
        pthread_create(&x, NULL, exits_process, NULL);
        for (;;)
            pause();
    }
    say("exit(5) from a second thread ends the process: %s\n", reap(c));
    c = fork();
    if (c == 0) {
        pthread_t x;
        pthread_create(&x, NULL, ret_arg, NULL);
        pthread_join(x, NULL);
        _exit(counter == 40000 ? 0 : 1);
    }
    say("threads in a forked child: %s\n", reap(c));
    return 0;
}
