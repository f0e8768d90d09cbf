/*
 * Stress 6: vfork and posix_spawn under signal fire.
 *
 * While an interval timer (ITIMER_REAL, SIGALRM) fires and a sibling process bombards the
 * parent with SIGUSR1 (coalescing) and sigqueue'd SIGRTMIN with increasing values (queued),
 * and SIGCHLD has a handler too, the parent creates children in random ways:
 *   vfork + _exit(code), vfork + execve(self --child), vfork + execve of a missing file (the
 *   child _exits 127), posix_spawn(self --child), posix_spawn with POSIX_SPAWN_SETSIGMASK,
 *   SETSIGDEF and SETPGROUP (the child checks it got them), and posix_spawn of a missing file
 *   (ENOENT, no child).
 * Checked: vfork returns only after the child has exited or exec'd (the child's write to the
 * shared memory is visible), every child's exit status is the code it was given, every queued
 * SIGRTMIN arrives exactly once and in order, SIGUSR1 and SIGALRM are caught at least once
 * and SIGUSR1 at most as often as sent, no child left. Handlers alternate between SA_RESTART
 * (then waitpid never fails with EINTR) and not.
 */
#include "stress.h"
#include <pthread.h>
#include <spawn.h>
#include <sys/time.h>

extern char **environ;

/* --- the exec'd child: spawn_fire --child CODE MASK_USR2 HUP_IGNORED OWN_PGRP ------------- */
static int child_mode(int argc, char **argv) {
    if (argc < 6)
        return 201;
    int code = atoi(argv[2]);
    int want_usr2 = atoi(argv[3]), want_hup_ign = atoi(argv[4]), want_pgrp = atoi(argv[5]);
    sigset_t m;
    sigemptyset(&m);
    sigprocmask(SIG_SETMASK, NULL, &m);
    if (sigismember(&m, SIGUSR2) != want_usr2)
        return 202;
    struct sigaction sa;
    sigaction(SIGHUP, NULL, &sa);
    if ((sa.sa_handler == SIG_IGN) != want_hup_ign)
        return 203;
    if ((getpgrp() == getpid()) != want_pgrp)
        return 204;
    /* caught signals are reset to SIG_DFL by execve */
    sigaction(SIGUSR1, NULL, &sa);
    if (sa.sa_handler != SIG_DFL)
        return 205;
    /* after an execve from a secondary thread, the thread became the leader: tid == pid */
    if (syscall(SYS_gettid) != getpid())
        return 206;
    return code;
}

/* --- parent ------------------------------------------------------------------------------- */
static volatile sig_atomic_t n_alrm, n_usr1, n_chld, n_rt, rt_order_bad;
static void on_alrm(int s) { n_alrm++; }
static void on_usr1(int s) { n_usr1++; }
static void on_chld(int s) { n_chld++; }
static void on_rt(int s, siginfo_t *si, void *uc) {
    if (si->si_value.sival_int != n_rt)
        rt_order_bad = 1;
    n_rt++;
}

static volatile int vfork_marker;

/* vfork; the child records `i` in the shared memory, then _exits with `code` (path NULL) or
   execs `path` (_exit 127 when that fails). Never returns in the child. */
static __attribute__((noinline)) pid_t vfork_child(const char *path, const char *self, char *codes, int code, int i) {
    char *cargs[] = {(char *)self, "--child", codes, "0", "1", "0", NULL};
    vfork_marker = -1;
    pid_t pid = vfork();
    if (pid == 0) {
        vfork_marker = i;
        if (!path)
            _exit(code);
        execve(path, cargs, environ);
        _exit(127);
    }
    return pid;
}

/* vfork; the child sends its pid to the killer and waits to be SIGKILLed. */
static volatile int vfork_iter;
static __attribute__((noinline)) pid_t vfork_killed(int killer_w) {
    vfork_marker = -1;
    pid_t pid = vfork();
    if (pid == 0) {
        vfork_marker = vfork_iter + 1000000;
        pid_t me = getpid();
        if (write(killer_w, &me, sizeof me) != sizeof me)
            _exit(126);
        for (;;)
            pause();
    }
    return pid;
}

static volatile int texec_word;
static const char *texec_self;
static char *texec_code;
static void *texec_blocker(void *arg) {
    if (arg)
        for (;;)
            syscall(SYS_futex, &texec_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    for (;;)
        pause();
    return NULL;
}
static void *texec_execer(void *arg) {
    char *cargs[] = {(char *)texec_self, "--child", texec_code, "0", "1", "0", NULL};
    sched_yield();
    execve(texec_self, cargs, environ);
    _exit(127);
}
static void thread_exec(const char *self, char *code) {
    texec_self = self;
    texec_code = code;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, texec_blocker, (void *)1) || pthread_create(&t, NULL, texec_blocker, NULL) ||
        pthread_create(&t, NULL, texec_execer, NULL))
        _exit(125);
    for (;;)
        pause();
}

static void install(int restart) {
    int f = restart ? SA_RESTART : 0;
    set_handler(SIGALRM, on_alrm, f, NULL);
    set_handler(SIGUSR1, on_usr1, f, NULL);
    set_handler(SIGCHLD, on_chld, f, NULL);
    set_action(SIGRTMIN, on_rt, f, NULL);
}

static void timer(long usec) {
    struct itimerval it = {{0, usec}, {0, usec}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return child_mode(argc, argv);
    stress_init(argc, argv, "spawn_fire");
    const char *self = argv[0];
    signal(SIGHUP, SIG_IGN);
    install(1);

    int iters = scaled(2000);
    rng_t rng = rng_make(8000);
    int sib_count = scaled((int)rng_range(&rng, 3000, 4000));
    pid_t parent = getpid();
    int go[2];
    xpipe(go);
    pid_t sib = xfork();
    if (sib == 0) {
        char c;
        close(go[1]);
        read_full(go[0], &c, 1);
        for (int i = 0; i < sib_count; i++) {
            union sigval v = {.sival_int = i};
            while (sigqueue(parent, SIGRTMIN, v) < 0)
                if (errno != EAGAIN)
                    _exit(3);
                else
                    sched_yield();
            kill(parent, SIGUSR1);
            struct timespec ts = {0, 500000};
            nanosleep(&ts, NULL);
        }
        _exit(0);
    }
    close(go[0]);
    int kp[2];
    xpipe(kp);
    pid_t killer = xfork();
    if (killer == 0) {
        pid_t victim;
        close(kp[1]);
        close(go[1]);
        while (read_full(kp[0], &victim, sizeof victim))
            kill(victim, SIGKILL);
        _exit(0);
    }
    close(kp[0]);
    int killer_w = kp[1];
    timer(1000);
    write_full(go[1], "g", 1);
    close(go[1]);

    enum { V_EXIT, V_EXEC, V_EXEC_MISSING, V_KILLED, P_SPAWN, P_SPAWN_ATTR, P_SPAWN_MISSING, T_EXEC, NKINDS };
    static const char *knames[NKINDS] = {"vfork+_exit",  "vfork+execve",       "vfork+execve(missing)",
                                         "vfork+SIGKILL", "posix_spawn",        "posix_spawn(attrs)",
                                         "posix_spawn(missing)", "fork+thread execve"};
    long kcount[NKINDS] = {0}, kbad[NKINDS] = {0};
    long eintr_restart = 0, eintr_plain = 0;
    for (int i = 0; i < iters; i++) {
        rng_t rr = rng_make(8100 + i);
        int kind = (int)rng_range(&rr, 0, NKINDS - 1);
        int code = (int)rng_range(&rr, 0, 100);
        int restart = (i / 10) % 2 == 0; /* blocks of ten iterations */
        if (i % 10 == 0)
            install(restart);
        pid_t pid = -1;
        int ok = 1, want = code;
        vfork_iter = i;
        char codes[16];
        snprintf(codes, sizeof codes, "%d", code);
        switch (kind) {
        case V_KILLED:
            /* the child asks the killer process to SIGKILL it while we are suspended in vfork */
            pid = vfork_killed(killer_w);
            stat_forks++;
            stat_signals++;
            if (vfork_marker != i + 1000000) {
                say("vfork returned before the child was killed (marker %d)\n", vfork_marker);
                ok = 0;
            }
            want = -SIGKILL;
            break;
        case V_EXIT:
        case V_EXEC:
        case V_EXEC_MISSING: {
            pid = vfork_child(kind == V_EXIT ? NULL : kind == V_EXEC ? self : "/nonexistent/spawn_fire", self, codes,
                              code, i);
            if (pid < 0)
                DIE("vfork");
            stat_forks++;
            if (vfork_marker != i) {
                say("vfork returned before the child ran (marker %d)\n", vfork_marker);
                ok = 0;
            }
            if (kind == V_EXEC_MISSING)
                want = 127;
            break;
        }
        case T_EXEC:
            /* fork; in the child, two threads block and a third execs: the others must vanish
               and the new image run as the same process */
            pid = xfork();
            if (pid == 0)
                thread_exec(self, codes);
            break;
        case P_SPAWN:
        case P_SPAWN_ATTR:
        case P_SPAWN_MISSING: {
            posix_spawnattr_t at;
            posix_spawnattr_init(&at);
            char *cargs[] = {(char *)self, "--child", codes, "0", "1", "0", NULL};
            if (kind == P_SPAWN_ATTR) {
                sigset_t m, d;
                sigemptyset(&m);
                sigaddset(&m, SIGUSR2);
                sigemptyset(&d);
                sigaddset(&d, SIGHUP);
                posix_spawnattr_setsigmask(&at, &m);
                posix_spawnattr_setsigdefault(&at, &d);
                posix_spawnattr_setpgroup(&at, 0);
                posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
                cargs[3] = "1";
                cargs[4] = "0";
                cargs[5] = "1";
            }
            int e = posix_spawn(&pid, kind == P_SPAWN_MISSING ? "/nonexistent/spawn_fire" : self, NULL, &at, cargs,
                                environ);
            posix_spawnattr_destroy(&at);
            if (kind == P_SPAWN_MISSING) {
                if (e != ENOENT) {
                    say("posix_spawn of a missing file: %s, want ENOENT\n", errname(e));
                    ok = 0;
                }
                pid = -1;
            } else if (e != 0) {
                DIE("posix_spawn: %s", errname(e));
            }
            stat_forks++;
            break;
        }
        }
        if (pid > 0) {
            int st;
            pid_t r;
            while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
                *(restart ? &eintr_restart : &eintr_plain) += 1;
            if (r != pid)
                DIE("waitpid");
            if (want < 0 ? !(WIFSIGNALED(st) && WTERMSIG(st) == -want) : !(WIFEXITED(st) && WEXITSTATUS(st) == want)) {
                say("%s: child %s, want exited %d\n", knames[kind], wstatus(st), want);
                ok = 0;
            }
        }
        kcount[kind]++;
        if (!ok)
            kbad[kind]++;
    }
    /* Let the sibling and the killer finish, then check what had to arrive. */
    install(1);
    int st;
    close(killer_w);
    waitpid_retry(killer, &st, 0, NULL);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "killer: %s", wstatus(st));
    waitpid_retry(sib, &st, 0, NULL);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sibling: %s", wstatus(st));
    sigset_t none;
    sigemptyset(&none);
    while (n_alrm == 0)
        sigsuspend(&none);
    timer(0);
    /* Every SIGRTMIN the sibling queued is pending or handled by now. */
    for (;;) {
        sigset_t p;
        sigpending(&p);
        if (!sigismember(&p, SIGRTMIN) && !sigismember(&p, SIGUSR1))
            break;
    }
    signal(SIGALRM, SIG_IGN);
    stat_signals += n_alrm + n_usr1 + n_chld + n_rt;

    int all_ok = 1;
    for (int k = 0; k < NKINDS; k++) {
        say("%-22s %ld runs, statuses right: %s\n", knames[k], kcount[k], YESNO(kbad[k] == 0));
        EXPECT(kbad[k] == 0, "%s: %ld of %ld wrong", knames[k], kbad[k], kcount[k]);
        all_ok &= kbad[k] == 0;
    }
    EXPECT(eintr_restart == 0, "waitpid returned EINTR %ld times under SA_RESTART", eintr_restart);
    EXPECT(n_rt == sib_count && !rt_order_bad, "SIGRTMIN: %d caught of %d, order %s", (int)n_rt, sib_count,
           rt_order_bad ? "wrong" : "right");
    EXPECT(n_usr1 >= 1 && n_usr1 <= sib_count, "SIGUSR1 caught %d times, sent %d", (int)n_usr1, sib_count);
    EXPECT(n_chld >= 1, "SIGCHLD never caught");
    say("sibling queued %d SIGRTMIN: all caught once, in order: %s\n", sib_count,
        YESNO(n_rt == sib_count && !rt_order_bad));
    say("SIGUSR1 caught between 1 and %d times: %s; SIGALRM caught >= 1: %s; SIGCHLD caught >= 1: %s\n", sib_count,
        YESNO(n_usr1 >= 1 && n_usr1 <= sib_count), YESNO(n_alrm >= 1), YESNO(n_chld >= 1));
    say("waitpid never EINTR under SA_RESTART: %s\n", YESNO(eintr_restart == 0));
    expect_no_children("end");
    return stress_finish();
}
