/* set_tid_address and gettid: thread ids of the main thread, a forked child and a thread. */
#include "common.h"
#include <pthread.h>
#include <sys/mman.h>

static pid_t thread_tid;
static void *t(void *arg) {
    thread_tid = gettid();
    return NULL;
}

static void *watcher(void *arg) {
    volatile int *w = arg;
    int v;
    while ((v = *w) != 0)
        syscall(SYS_futex, w, 0 /* FUTEX_WAIT */, v, NULL, NULL, 0);
    _exit(42);
}

int main(void) {
    static int ctid;
    long r = syscall(SYS_set_tid_address, &ctid);
    say("set_tid_address returns the caller's tid: %s\n", YESNO(r == gettid()));
    say("gettid == getpid in the main thread: %s\n", YESNO(gettid() == getpid()));
    pid_t c = fork();
    if (c == 0) {
        say("child: gettid == getpid: %s\n", YESNO(gettid() == getpid()));
        _exit(0);
    }
    reap(c);
    pthread_t th;
    pthread_create(&th, NULL, t, NULL);
    pthread_join(th, NULL);
    say("thread tid differs from pid: %s, positive: %s\n", YESNO(thread_tid != getpid()), YESNO(thread_tid > 0));
    /* clear_child_tid: when a thread exits while others share its memory, the kernel zeroes the
       registered word and does a FUTEX_WAKE on it; a single-threaded exit leaves it alone. */
    int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *word = -1;
    c = fork();
    if (c == 0) {
        syscall(SYS_set_tid_address, word);
        *word = 77;
        _exit(0);
    }
    reap(c);
    say("single-threaded exit leaves the word alone: %s\n", YESNO(*word == 77));
    c = fork();
    if (c == 0) {
        syscall(SYS_set_tid_address, word);
        *word = gettid();
        pthread_t w;
        pthread_create(&w, NULL, watcher, word);
        for (;;)
            syscall(SYS_exit, 0); /* only the main thread */
    }
    say("main thread exits, watcher thread sees the word cleared and woken: %s\n", reap(c));
    return 0;
}
