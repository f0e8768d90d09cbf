/*
 * Stress 4: signals aimed at threads blocked in futex wait, pipe read, wait4, nanosleep and
 * poll, with handlers with and without SA_RESTART; the outcome must be exactly Linux's:
 *
 *   futex(FUTEX_WAIT) without timeout, read(pipe), wait4: EINTR without SA_RESTART, restarted
 *       with it (ERESTARTSYS);
 *   futex(FUTEX_WAIT) with a timeout, nanosleep (ERESTART_RESTARTBLOCK) and poll
 *       (ERESTARTNOHAND): EINTR whenever a handler runs, SA_RESTART or not.
 *
 * One worker thread per operation. In each round the main thread tells one worker to block,
 * then signals it: tgkill, pthread_kill, or a process-directed kill() of a real-time signal that
 * only that worker leaves unblocked (so the kernel must pick that thread). The handler reports
 * through a pipe whether it interrupted the blocking syscall: the interrupted context's rip is
 * at (restart) or just after (EINTR) the `syscall` instruction of our own syscall stub; if the
 * signal came before the worker entered the syscall, the main thread signals again. Then the
 * main thread releases the operation (writes the pipe, wakes the futex, lets the wait4 child
 * exit) and the worker reports the syscall's result: EINTR, or completed after a restart.
 */
#include "stress.h"
#include <poll.h>
#include <sys/select.h>
#include <pthread.h>
#include <ucontext.h>

/* long stress_syscall(long nr, long a1, long a2, long a3, long a4, long a5) */
__asm__(".text\n"
        ".globl stress_syscall\n"
        ".type stress_syscall,@function\n"
        "stress_syscall:\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  mov %rdx, %rsi\n"
        "  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n"
        "  mov %r9, %r8\n"
        ".globl stress_sc_insn\n"
        "stress_sc_insn:\n"
        "  syscall\n"
        ".globl stress_sc_after\n"
        "stress_sc_after:\n"
        "  ret\n");
long stress_syscall(long nr, long a1, long a2, long a3, long a4, long a5);
extern char stress_sc_insn[], stress_sc_after[];

enum {
    OP_READ, OP_FUTEX, OP_FUTEX_TIMEOUT, OP_WAIT4, OP_WAITID, OP_NANOSLEEP, OP_POLL, OP_SELECT, OP_SIGSUSPEND, NOPS
};
static const char *op_names[NOPS] = {"read(pipe)", "futex_wait", "futex_wait(timeout)", "wait4", "waitid",
                                     "nanosleep", "poll", "select", "sigsuspend"};
/* 1 when the call is restarted after a SA_RESTART handler (ERESTARTSYS) */
static const int op_restartable[NOPS] = {1, 1, 0, 1, 1, 0, 0, 0, 0};
static int has_child(int i) { return i == OP_WAIT4 || i == OP_WAITID; }

enum { VIA_TGKILL, VIA_PTHREAD_KILL, VIA_PROCESS, NVIA };
static const char *via_names[NVIA] = {"tgkill", "pthread_kill", "kill(process)"};

struct worker {
    pthread_t th;
    int tid;
    int cmd[2];      /* main -> worker */
    int data[2];     /* the pipe OP_READ reads / OP_POLL polls */
    volatile int fword;  /* the futex word */
    int child_gate[2];   /* OP_WAIT4: the child exits when this is written */
    pid_t child;
};
static struct worker W[NOPS];
static int report_w, report_r; /* workers/handlers -> main */
static __thread int my_index = -1;

/* Signal numbers: SIGUSR1 (no SA_RESTART) and SIGUSR2 (SA_RESTART) for thread-directed kills;
   for process-directed kills, worker i alone unblocks RTMIN+2i (no SA_RESTART) and
   RTMIN+2i+1 (SA_RESTART). */
static int proc_sig(int i, int restart) { return SIGRTMIN + 2 * i + restart; }
static sigset_t worker_mask[NOPS]; /* each worker's mask while it blocks (for sigsuspend) */

struct msg {
    int kind;  /* 'H' handler, 'R' result, 'B' about to block */
    int index;
    int in_syscall;
    int sig;
    long value; /* result: return value or -errno */
};

static void on_sig(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    char *rip = (char *)uc->uc_mcontext.gregs[REG_RIP];
    struct msg m = {'H', my_index, rip == stress_sc_insn || rip == stress_sc_after, sig, 0};
    int e = errno;
    write(report_w, &m, sizeof m);
    errno = e;
}

static void send_msg(int kind, int index, long value) {
    struct msg m = {kind, index, 0, 0, value};
    write_full(report_w, &m, sizeof m);
}

static void *worker_main(void *arg) {
    int i = (int)(long)arg;
    struct worker *w = &W[i];
    my_index = i;
    w->tid = (int)syscall(SYS_gettid);
    /* Unblock SIGUSR1/2 and our own pair of real-time signals; everything else stays blocked. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, proc_sig(i, 0));
    sigaddset(&s, proc_sig(i, 1));
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    sigemptyset(&worker_mask[i]);
    pthread_sigmask(SIG_SETMASK, NULL, &worker_mask[i]);
    send_msg('B', i, 0); /* started */
    for (;;) {
        char c;
        if (!read_full(w->cmd[0], &c, 1) || c == 'q')
            return NULL;
        send_msg('B', i, 0);
        long r = 0;
        switch (i) {
        case OP_READ: {
            char b;
            r = stress_syscall(SYS_read, w->data[0], (long)&b, 1, 0, 0);
            break;
        }
        case OP_FUTEX:
            r = stress_syscall(SYS_futex, (long)&w->fword, FUTEX_WAIT_PRIVATE, 0, 0, 0);
            break;
        case OP_FUTEX_TIMEOUT: {
            struct timespec ts = {1000, 0};
            r = stress_syscall(SYS_futex, (long)&w->fword, FUTEX_WAIT_PRIVATE, 0, (long)&ts, 0);
            break;
        }
        case OP_WAIT4: {
            int st;
            r = stress_syscall(SYS_wait4, w->child, (long)&st, 0, 0, 0);
            if (r == w->child)
                r = WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : -1000;
            break;
        }
        case OP_WAITID: {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            r = stress_syscall(SYS_waitid, P_PID, w->child, (long)&si, WEXITED, 0);
            if (r == 0)
                r = si.si_pid == w->child && si.si_code == CLD_EXITED && si.si_status == 7 ? 0 : -1000;
            break;
        }
        case OP_SELECT: {
            fd_set rf;
            FD_ZERO(&rf);
            FD_SET(w->data[0], &rf);
            r = stress_syscall(SYS_select, w->data[0] + 1, (long)&rf, 0, 0, 0);
            break;
        }
        case OP_SIGSUSPEND:
            r = stress_syscall(SYS_rt_sigsuspend, (long)&worker_mask[i], 8, 0, 0, 0);
            break;
        case OP_NANOSLEEP: {
            struct timespec ts = {1000, 0}, rem = {0, 0};
            r = stress_syscall(SYS_nanosleep, (long)&ts, (long)&rem, 0, 0, 0);
            if (r == -EINTR && !(rem.tv_sec > 0 && rem.tv_sec <= 1000))
                r = -2000; /* the remaining time is wrong */
            break;
        }
        case OP_POLL: {
            struct pollfd p = {w->data[0], POLLIN, 0};
            r = stress_syscall(SYS_poll, (long)&p, 1, -1, 0, 0);
            break;
        }
        }
        send_msg('R', i, r);
    }
}

static void read_msg(struct msg *m) {
    /* A worker that the kernel wrongly left blocked would hang us: give up after 30 s. */
    struct pollfd p = {report_r, POLLIN, 0};
    int n;
    while ((n = poll(&p, 1, 30000)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        DIE("no report from a worker for 30 s: it is still blocked (a call restarted that must not be?)");
    if (!read_full(report_r, m, sizeof *m))
        DIE("report pipe");
}

/* Makes the worker's OP_WAIT4 child: it exits with 7 when its gate is written. */
static void new_wait_child(struct worker *w) {
    pid_t p = xfork();
    if (p == 0) {
        char c;
        close(w->child_gate[1]);
        while (read(w->child_gate[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(7);
    }
    w->child = p;
}

/* Undoes the release after an interrupted (EINTR) operation so the next round starts clean. */
static void cleanup(int i) {
    struct worker *w = &W[i];
    char b;
    switch (i) {
    case OP_READ:
        while (read(w->data[0], &b, 1) < 0 && errno == EINTR)
            ;
        break;
    case OP_FUTEX:
    case OP_FUTEX_TIMEOUT:
        w->fword = 0;
        break;
    case OP_WAIT4:
    case OP_WAITID: {
        int st;
        waitpid_retry(w->child, &st, 0, NULL);
        break;
    }
    default:
        break;
    }
}

static void release(int i) {
    struct worker *w = &W[i];
    switch (i) {
    case OP_READ:
        write_full(w->data[1], "x", 1);
        break;
    case OP_FUTEX:
    case OP_FUTEX_TIMEOUT:
        w->fword = 1;
        syscall(SYS_futex, &w->fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        break;
    case OP_WAIT4:
    case OP_WAITID:
        write_full(w->child_gate[1], "g", 1);
        break;
    default: /* the others are only ever interrupted */
        break;
    }
}

static void send_one(int i, int via, int sig) {
    int rc;
    if (via == VIA_TGKILL)
        rc = (int)syscall(SYS_tgkill, getpid(), W[i].tid, sig);
    else if (via == VIA_PTHREAD_KILL)
        rc = pthread_kill(W[i].th, sig) == 0 ? 0 : -1;
    else
        rc = kill(getpid(), sig);
    if (rc < 0)
        DIE("signal via %s", via_names[via]);
    stat_signals++;
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "thread_sig");
    int rp[2];
    xpipe(rp);
    report_r = rp[0];
    report_w = rp[1];
    /* The main thread blocks every signal we use; workers unblock their own. */
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    for (int i = 0; i < NOPS; i++) {
        sigaddset(&all, proc_sig(i, 0));
        sigaddset(&all, proc_sig(i, 1));
    }
    sigprocmask(SIG_BLOCK, &all, NULL);
    set_action(SIGUSR1, on_sig, 0, NULL);
    set_action(SIGUSR2, on_sig, SA_RESTART, NULL);
    for (int i = 0; i < NOPS; i++) {
        set_action(proc_sig(i, 0), on_sig, 0, NULL);
        set_action(proc_sig(i, 1), on_sig, SA_RESTART, NULL);
    }
    for (int i = 0; i < NOPS; i++) {
        xpipe(W[i].cmd);
        xpipe(W[i].data);
        xpipe(W[i].child_gate);
        if (has_child(i))
            new_wait_child(&W[i]);
        if (pthread_create(&W[i].th, NULL, worker_main, (void *)(long)i) != 0)
            DIE("pthread_create");
    }
    for (int i = 0; i < NOPS; i++) {
        struct msg m;
        read_msg(&m);
    }

    int rounds = scaled(20000);
    long n_eintr[NOPS][2] = {{0}}, n_restart[NOPS][2] = {{0}}, early = 0, targets_hist[4] = {0};
    long via_count[NVIA] = {0};
    int all_ok = 1;
    for (int r = 0; r < rounds; r++) {
        rng_t rr = rng_make(6000 + r);
        /* 1 to 3 distinct workers, each with its own signal flavour */
        int nt = (int)rng_range(&rr, 1, 3), tg[3], restart[3], via[3], sig[3];
        long result[3];
        int interrupted[3] = {0}, have_result[3] = {0};
        for (int k = 0; k < nt; k++) {
            int i, dup;
            do {
                i = (int)rng_range(&rr, 0, NOPS - 1);
                dup = 0;
                for (int q = 0; q < k; q++)
                    dup |= tg[q] == i;
            } while (dup);
            tg[k] = i;
            restart[k] = (int)rng_range(&rr, 0, 1);
            via[k] = (int)rng_range(&rr, 0, NVIA - 1);
            sig[k] = via[k] == VIA_PROCESS ? proc_sig(i, restart[k]) : restart[k] ? SIGUSR2 : SIGUSR1;
        }
        targets_hist[nt]++;
        int slot_of[NOPS];
        for (int i = 0; i < NOPS; i++)
            slot_of[i] = -1;
        for (int k = 0; k < nt; k++) {
            slot_of[tg[k]] = k;
            write_full(W[tg[k]].cmd[1], "g", 1);
        }
        struct msg m;
        for (int k = 0; k < nt; k++) {
            read_msg(&m);
            if (m.kind != 'B' || m.index < 0 || m.index >= NOPS || slot_of[m.index] < 0)
                DIE("protocol: want B, got %c from %d", m.kind, m.index);
        }
        /* Signal each until a handler reports that it interrupted the blocking syscall. */
        for (int k = 0; k < nt; k++)
            send_one(tg[k], via[k], sig[k]);
        int pending = nt;
        while (pending > 0) {
            read_msg(&m);
            int k = m.index >= 0 && m.index < NOPS ? slot_of[m.index] : -1;
            if (k < 0)
                DIE("protocol: message %c from worker %d not in this round", m.kind, m.index);
            if (m.kind == 'R') { /* an EINTR result can come before the release */
                if (have_result[k]++ || !interrupted[k])
                    DIE("protocol: early result from %d", m.index);
                result[k] = m.value;
                continue;
            }
            if (m.kind != 'H' || interrupted[k])
                DIE("protocol: want H from %d, got %c", m.index, m.kind);
            if (m.sig != sig[k]) {
                say("round %d: worker %d got signal %d, want %d\n", r, m.index, m.sig, sig[k]);
                all_ok = 0;
                invariant_failures++;
            }
            if (m.in_syscall) {
                interrupted[k] = 1;
                pending--;
            } else {
                early++;
                sched_yield();
                send_one(tg[k], via[k], sig[k]);
            }
        }
        for (int k = 0; k < nt; k++)
            release(tg[k]);
        for (int k = 0; k < nt; k++)
            while (!have_result[k]) {
                read_msg(&m);
                int q = m.index >= 0 && m.index < NOPS ? slot_of[m.index] : -1;
                if (q < 0 || m.kind != 'R' || have_result[q]++)
                    DIE("protocol: want R, got %c from %d", m.kind, m.index);
                result[q] = m.value;
            }
        for (int k = 0; k < nt; k++) {
            int i = tg[k];
            int got_eintr = result[k] == -EINTR;
            int want_eintr = !(restart[k] && op_restartable[i]);
            int ok = got_eintr == want_eintr;
            if (!got_eintr && result[k] < 0 && !(result[k] == -EAGAIN && (i == OP_FUTEX || i == OP_FUTEX_TIMEOUT)))
                ok = 0; /* restarted, but then failed */
            if (!ok) {
                say("round %d: %s interrupted by %s (%s) via %s: result %ld (%s), want %s\n", r, op_names[i],
                    restart[k] ? "SA_RESTART handler" : "handler", sig[k] == SIGUSR1 || sig[k] == SIGUSR2 ? "SIGUSR" : "RT",
                    via_names[via[k]], result[k], result[k] < 0 && result[k] > -200 ? errname((int)-result[k]) : "-",
                    want_eintr ? "EINTR" : "restart");
                invariant_failures++;
                all_ok = 0;
            }
            if (got_eintr) {
                n_eintr[i][restart[k]]++;
                cleanup(i);
            } else {
                n_restart[i][restart[k]]++;
                if (i == OP_FUTEX || i == OP_FUTEX_TIMEOUT)
                    W[i].fword = 0;
            }
            if (has_child(i))
                new_wait_child(&W[i]);
            via_count[via[k]]++;
        }
    }
    for (int i = 0; i < NOPS; i++) {
        say("%-20s without SA_RESTART: %ld EINTR, %ld restarted; with SA_RESTART: %ld EINTR, %ld restarted\n",
            op_names[i], n_eintr[i][0], n_restart[i][0], n_eintr[i][1], n_restart[i][1]);
    }
    say("rounds with 1, 2, 3 workers signalled at once: %ld, %ld, %ld\n", targets_hist[1], targets_hist[2],
        targets_hist[3]);
    say("signals sent via: tgkill %ld, pthread_kill %ld, kill(process) %ld\n", via_count[0], via_count[1],
        via_count[2]);
    say("every signal ran in the targeted thread, every outcome as Linux: %s\n", YESNO(all_ok));

    for (int i = 0; i < NOPS; i++)
        write_full(W[i].cmd[1], "q", 1);
    for (int i = 0; i < NOPS; i++)
        pthread_join(W[i].th, NULL);
    for (int i = 0; i < NOPS; i++) {
        if (!has_child(i))
            continue;
        write_full(W[i].child_gate[1], "g", 1);
        int st;
        waitpid_retry(W[i].child, &st, 0, NULL);
        EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 7, "the %s child: %s", op_names[i], wstatus(st));
    }
    expect_no_children("end");
    (void)early;
    return stress_finish();
}
