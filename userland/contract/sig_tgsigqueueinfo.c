/* rt_tgsigqueueinfo: queue a signal with a value to one thread; EPERM for non-negative si_code to
   another thread, ESRCH/EINVAL for wrong ids and signals. */
#include "common.h"
#include <pthread.h>

static volatile int hits, got_code, got_value, in_worker;
static volatile pid_t worker_tid;
static volatile int stop_worker;

static void h(int sig, siginfo_t *si, void *uc) {
    hits++;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    in_worker = gettid() == worker_tid;
}

static void *worker(void *arg) {
    worker_tid = gettid();
    while (!stop_worker)
        usleep(1000);
    return NULL;
}

static long tgq(pid_t tgid, pid_t tid, int sig, siginfo_t *si) {
    return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, si);
}

static const char *code(int c) {
    return c == SI_QUEUE ? "SI_QUEUE" : c == SI_USER ? "SI_USER" : c == SI_TKILL ? "SI_TKILL" : c == -60 ? "-60" : "other";
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

    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_value.sival_int = 5;
    CHECK("rt_tgsigqueueinfo(worker), SI_QUEUE value 5", tgq(getpid(), worker_tid, SIGUSR1, &si));
    while (hits < 1)
        usleep(1000);
    say("handled in the worker: %s, code %s, value %d\n", YESNO(in_worker), code(got_code), got_value);
    si.si_value.sival_int = 6;
    CHECK("rt_tgsigqueueinfo(main thread), value 6", tgq(getpid(), gettid(), SIGUSR1, &si));
    say("hits %d, handled in the worker: %s, value %d\n", hits, YESNO(in_worker), got_value);
    si.si_code = SI_USER;
    CHECK("si_code SI_USER to the worker", tgq(getpid(), worker_tid, SIGUSR1, &si));
    si.si_code = SI_TKILL;
    CHECK("si_code SI_TKILL to the worker", tgq(getpid(), worker_tid, SIGUSR1, &si));
    si.si_code = SI_USER;
    CHECK("si_code SI_USER to our own thread", tgq(getpid(), gettid(), SIGUSR1, &si));
    say("hits %d code %s\n", hits, code(got_code));
    si.si_code = -60;
    si.si_value.sival_int = 7;
    CHECK("si_code -60 to the worker", tgq(getpid(), worker_tid, SIGUSR1, &si));
    while (hits < 4)
        usleep(1000);
    say("hits %d, in the worker: %s, code %s, value %d\n", hits, YESNO(in_worker), code(got_code), got_value);

    si.si_code = SI_QUEUE;
    CHECK("wrong tgid (1)", tgq(1, worker_tid, SIGUSR1, &si));
    CHECK("nonexistent tid", tgq(getpid(), 0x3fffffff, SIGUSR1, &si));
    CHECK("tid 0", tgq(getpid(), 0, SIGUSR1, &si));
    CHECK("tgid 0", tgq(0, worker_tid, SIGUSR1, &si));
    CHECK("tid -1", tgq(getpid(), -1, SIGUSR1, &si));
    CHECK("signal 65", tgq(getpid(), worker_tid, 65, &si));
    CHECK("signal 0 (probe)", tgq(getpid(), worker_tid, 0, &si));
    CHECK("bad info pointer", tgq(getpid(), worker_tid, SIGUSR1, (void *)8));
    stop_worker = 1;
    pthread_join(t, NULL);
    CHECK("after the worker exited", tgq(getpid(), worker_tid, SIGUSR1, &si));
    say("total hits %d\n", hits);
    return 0;
}
