/*
 * syscall-bench: latency of a few basic kernel paths, in ns per operation, measured with
 * clock_gettime(CLOCK_MONOTONIC) over fixed iteration counts.
 *
 *   syscall-bench [SCALE]     iteration counts are multiplied by SCALE (default 1)
 *
 * Benchmarks: getpid (a raw syscall), clock_gettime (vDSO when the kernel offers one),
 * fork+exit+wait, a one-byte pipe round trip between two processes, pthread create+join.
 * Under QEMU TCG the absolute numbers mean little; compare Kairos and Linux on the same host.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void report(const char *name, long n, long long ns) {
    printf("%-28s %10.0f ns/op  (%ld iterations, %.3f s)\n", name, (double)ns / n, n, ns / 1e9);
    fflush(stdout);
}

static void *nothing(void *a) { return a; }
static volatile long caught;
static void on_usr1(int s) { (void)s; caught++; }

int main(int argc, char **argv) {
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;

    long n = 100000 * scale;
    long long t0 = now();
    for (long i = 0; i < n; i++)
        syscall(SYS_getpid);
    report("getpid", n, now() - t0);

    n = 100000 * scale;
    struct timespec ts;
    t0 = now();
    for (long i = 0; i < n; i++)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    report("clock_gettime(MONOTONIC)", n, now() - t0);

    n = 200 * scale;
    t0 = now();
    for (long i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        if (c < 0) {
            perror("fork");
            return 1;
        }
        waitpid(c, NULL, 0);
    }
    report("fork+exit+wait", n, now() - t0);

    int a[2], b[2];
    if (pipe(a) || pipe(b)) {
        perror("pipe");
        return 1;
    }
    n = 5000 * scale;
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(a[1]);
        close(b[0]);
        while (read(a[0], &x, 1) == 1)
            write(b[1], &x, 1);
        _exit(0);
    }
    close(a[0]);
    close(b[1]);
    char x = 'x';
    t0 = now();
    for (long i = 0; i < n; i++) {
        write(a[1], &x, 1);
        read(b[0], &x, 1);
    }
    report("pipe round trip", n, now() - t0);
    close(a[1]);
    waitpid(c, NULL, 0);

    n = 1000 * scale;
    t0 = now();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    report("pthread create+join", n, now() - t0);

    /* kill(self) + handler + sigreturn */
    signal(SIGUSR1, on_usr1);
    pid_t me = getpid();
    n = 20000 * scale;
    t0 = now();
    for (long i = 0; i < n; i++)
        kill(me, SIGUSR1);
    report("signal round trip (kill self)", n, now() - t0);
    if (caught != n)
        fprintf(stderr, "signal round trip: caught %ld of %ld\n", caught, n);
    return 0;
}
