/*
 * Stress 2: kill storms between process groups.
 *
 * The parent forks several process groups of children. In each round, the parent and every
 * child send random signals to random groups with kill(-pgid): SIGUSR1, SIGUSR2, SIGTERM
 * (standard: they coalesce) and SIGRTMIN..SIGRTMIN+3 (queued: every one must arrive). A round
 * ends with a handshake through pipes: every sender reports that its kills are done; then every
 * child is told to drain (sigpending until none of ours is pending) and reports what its
 * handlers counted. Checked per child and round: real-time signals caught == sent to its group;
 * a standard signal sent n >= 1 times was caught between 1 and n times, and never when not sent.
 * Children of group g take their signals through SA_RESTART handlers (g % 3 != 2, g even),
 * handlers without SA_RESTART (g % 3 != 2, g odd) or a signalfd (g % 3 == 2: the signals stay
 * blocked and are read at each sync; every record must say SI_USER). Groups with SA_RESTART
 * handlers or a signalfd must never see EINTR from their blocking pipe reads. At the end some
 * groups exit with a status derived from their counts, the others
 * are killed with kill(-pgid, SIGKILL); kill(-pgid, 0) must then fail with ESRCH.
 */
#include "stress.h"
#include <sys/resource.h>
#include <sys/signalfd.h>

#define MAX_GROUPS 6
#define MAX_PER_GROUP 6
#define MAX_KIDS (MAX_GROUPS * MAX_PER_GROUP)
#define NSIGS 7
#define MAX_SENDS 4

static int sigs[NSIGS];
static const char *signames[NSIGS] = {"SIGUSR1", "SIGUSR2", "SIGTERM", "RTMIN+0", "RTMIN+1", "RTMIN+2", "RTMIN+3"};
static int is_rt(int i) { return i >= 3; }

enum { CMD_ROUND, CMD_SYNC, CMD_QUIT };
struct cmd {
    int op, nsend;
    int target[MAX_SENDS]; /* pgid */
    int sig[MAX_SENDS];    /* index into sigs */
};
enum { ACK_READY, ACK_DONE, ACK_REPORT, ACK_FAIL };
struct ack {
    int idx, type;
    int count[NSIGS];
    int eintr;
    int not_si_user; /* signalfd records whose ssi_code is not SI_USER (all come from kill) */
};

static volatile sig_atomic_t counts[NSIGS];

static void on_sig(int s) {
    for (int i = 0; i < NSIGS; i++)
        if (sigs[i] == s)
            counts[i]++;
}

static int ngroups, per_group[MAX_GROUPS], nkids;
static pid_t pgid[MAX_GROUPS];
static struct {
    pid_t pid;
    int group;
    int cmd_w;
    long rt_total;
} kids[MAX_KIDS];

/* How a group's children take their signals: handlers with or without SA_RESTART, or none
   at all: the signals stay blocked and are read from a signalfd at each sync. */
enum { M_RESTART, M_NORESTART, M_SIGNALFD };
static int group_mode(int g) { return g % 3 == 2 ? M_SIGNALFD : g % 2 == 0 ? M_RESTART : M_NORESTART; }
static const char *mode_names[3] = {"SA_RESTART handlers", "handlers without SA_RESTART", "signalfd"};

static void child_main(int idx, int group, int cmd_r, int ack_w) {
    int mode = group_mode(group);
    int sfd = -1;
    sigset_t mask;
    sigemptyset(&mask);
    if (mode == M_SIGNALFD) {
        for (int i = 0; i < NSIGS; i++)
            sigaddset(&mask, sigs[i]);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (sfd < 0)
            _exit(96);
    } else {
        for (int i = 0; i < NSIGS; i++)
            set_handler(sigs[i], on_sig, mode == M_RESTART ? SA_RESTART : 0, NULL);
        sigprocmask(SIG_SETMASK, &mask, NULL);
    }
    struct ack a = {idx, ACK_READY, {0}, 0, 0};
    write_full(ack_w, &a, sizeof a);
    long rt_total = 0;
    int eintr = 0, not_si_user = 0;
    for (;;) {
        struct cmd c;
        char *p = (char *)&c;
        size_t left = sizeof c;
        while (left > 0) {
            ssize_t r = read(cmd_r, p, left);
            if (r < 0 && errno == EINTR) {
                eintr++;
                continue;
            }
            if (r <= 0)
                _exit(98); /* the parent died */
            p += r;
            left -= (size_t)r;
        }
        if (c.op == CMD_ROUND) {
            for (int i = 0; i < c.nsend; i++)
                if (kill(-c.target[i], sigs[c.sig[i]]) < 0)
                    _exit(97);
            a.type = ACK_DONE;
            write_full(ack_w, &a, sizeof a);
        } else if (c.op == CMD_SYNC) {
            /* Every signal of the round has been generated: wait until none of ours is pending
               (a pending, unblocked signal is delivered on the way back from any syscall). */
            for (;;) {
                if (sfd >= 0) { /* read them all from the signalfd */
                    struct signalfd_siginfo si[16];
                    ssize_t n = read(sfd, si, sizeof si);
                    if (n < 0 && errno == EINTR) {
                        eintr++;
                        continue;
                    }
                    for (int k = 0; k < (int)(n / (ssize_t)sizeof si[0]); k++) {
                        if (si[k].ssi_code != SI_USER)
                            not_si_user++;
                        on_sig((int)si[k].ssi_signo);
                    }
                    if (n > 0)
                        continue;
                }
                sigset_t pend;
                sigpending(&pend);
                int any = 0;
                for (int i = 0; i < NSIGS; i++)
                    any |= sigismember(&pend, sigs[i]);
                if (!any)
                    break;
            }
            a.type = ACK_REPORT;
            for (int i = 0; i < NSIGS; i++) {
                a.count[i] = counts[i];
                counts[i] = 0;
                if (is_rt(i))
                    rt_total += a.count[i];
            }
            a.eintr = eintr;
            a.not_si_user = not_si_user;
            write_full(ack_w, &a, sizeof a);
        } else {
            _exit((int)(rt_total % 251) + 1);
        }
    }
}

static void read_acks(int ack_r, int type, struct ack *out) {
    for (int n = 0; n < nkids; n++) {
        struct ack a;
        if (!read_full(ack_r, &a, sizeof a))
            DIE("ack pipe closed (a child died?)");
        if (a.type != type || a.idx < 0 || a.idx >= nkids)
            DIE("unexpected ack type %d from %d (want %d)", a.type, a.idx, type);
        if (out)
            out[a.idx] = a;
    }
}


/* --- over RLIMIT_SIGPENDING ---------------------------------------------------------------------
 * A child lowers RLIMIT_SIGPENDING to L, blocks SIGRTMIN+4 and sends itself N > L of them with
 * kill(), then N with sigqueue(), counting what sigtimedwait returns after each storm. Linux:
 * kill() never fails but stops queueing at the limit (the signal only marks itself pending,
 * which adds nothing while queued instances remain): L arrive; sigqueue() fails with EAGAIN
 * beyond the limit: L succeed, L arrive. Nothing else of ours may be pending meanwhile (the
 * limit counts all the user's queued signals), so this runs once the storm is over. */
static int limit_child(int lim, int n) {
    struct rlimit rl = {(rlim_t)lim, (rlim_t)lim};
    if (setrlimit(RLIMIT_SIGPENDING, &rl) < 0)
        return 90;
    int sig = SIGRTMIN + 4;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
    struct timespec zero = {0, 0};
    for (int i = 0; i < n; i++)
        if (kill(getpid(), sig) < 0)
            return 91;
    int got = 0;
    while (sigtimedwait(&s, NULL, &zero) == sig)
        got++;
    if (got != lim)
        return 100 + (got > 99 ? 99 : got); /* > 100: wrong count from kill() */
    int ok = 0;
    for (int i = 0; i < n; i++) {
        union sigval v = {.sival_int = i};
        if (sigqueue(getpid(), sig, v) == 0)
            ok++;
        else if (errno != EAGAIN)
            return 92;
    }
    got = 0;
    while (sigtimedwait(&s, NULL, &zero) == sig)
        got++;
    if (ok != lim || got != lim)
        return 93;
    return 0;
}

static void limit_phase(void) {
    int rounds = scaled(40), bad = 0;
    long sent = 0;
    for (int r = 0; r < rounds; r++) {
        rng_t rr = rng_make(3500 + r);
        int lim = (int)rng_range(&rr, 4, 40);
        int n = lim * (int)rng_range(&rr, 2, 4);
        pid_t c = xfork();
        if (c == 0)
            _exit(limit_child(lim, n));
        int st;
        waitpid_retry(c, &st, 0, NULL);
        sent += 2 * n;
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            bad++;
            if (bad <= 3) {
                int e = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
                say("limit %d, %d signals: %s%s\n", lim, n, wstatus(st),
                    e > 100 ? " (kill(): that many arrived - 100)" : e == 93 ? " (sigqueue() count wrong)" : "");
            }
        }
    }
    stat_signals += sent;
    EXPECT(bad == 0, "RLIMIT_SIGPENDING: %d of %d rounds wrong", bad, rounds);
    say("RLIMIT_SIGPENDING rounds: %d; kill() queues up to the limit only, sigqueue() fails beyond it: %s\n", rounds,
        YESNO(bad == 0));
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "kill_storm");
    int base[NSIGS] = {SIGUSR1, SIGUSR2, SIGTERM, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 2, SIGRTMIN + 3};
    memcpy(sigs, base, sizeof sigs);
    signal(SIGPIPE, SIG_IGN);
    rng_t rng = rng_make(2000);
    ngroups = (int)rng_range(&rng, 3, MAX_GROUPS);
    nkids = 0;
    for (int g = 0; g < ngroups; g++)
        per_group[g] = (int)rng_range(&rng, 2, MAX_PER_GROUP);
    say("groups: %d:", ngroups);
    for (int g = 0; g < ngroups; g++)
        say(" [%d children, %s]", per_group[g], mode_names[group_mode(g)]);
    say("\n");

    int ack[2];
    xpipe(ack);
    for (int g = 0; g < ngroups; g++) {
        for (int j = 0; j < per_group[g]; j++) {
            int idx = nkids++;
            int cmd[2];
            xpipe(cmd);
            pid_t p = xfork();
            if (p == 0) {
                close(cmd[1]);
                close(ack[0]);
                /* close the command pipes of earlier siblings (so EOF means the parent died) */
                for (int k = 0; k < idx; k++)
                    close(kids[k].cmd_w);
                child_main(idx, g, cmd[0], ack[1]);
            }
            close(cmd[0]);
            if (j == 0)
                pgid[g] = p;
            if (setpgid(p, pgid[g]) < 0)
                DIE("setpgid");
            kids[idx].pid = p;
            kids[idx].group = g;
            kids[idx].cmd_w = cmd[1];
        }
    }
    close(ack[1]);
    read_acks(ack[0], ACK_READY, NULL);

    int rounds = scaled(1500);
    int broadcast_ok = getppid() == 1;
    long broadcasts = 0;
    long sent_total[NSIGS] = {0}, rt_caught_total = 0, child_kills = 0, parent_kills = 0;
    int all_rt_exact = 1, all_std_ok = 1, restart_no_eintr = 1, sfd_codes_ok = 1;
    struct ack rep[MAX_KIDS];
    for (int r = 0; r < rounds; r++) {
        rng_t rr = rng_make(3000 + r);
        int sent[MAX_GROUPS][NSIGS];
        memset(sent, 0, sizeof sent);
        struct cmd cmds[MAX_KIDS];
        int ck = 0;
        for (int i = 0; i < nkids; i++) {
            struct cmd *c = &cmds[i];
            memset(c, 0, sizeof *c);
            c->op = CMD_ROUND;
            c->nsend = (int)rng_range(&rr, 0, 3);
            for (int s = 0; s < c->nsend; s++) {
                int g = (int)rng_range(&rr, 0, ngroups - 1);
                c->target[s] = pgid[g];
                c->sig[s] = (int)rng_range(&rr, 0, NSIGS - 1);
                sent[g][c->sig[s]]++;
                ck++;
            }
        }
        int np = (int)rng_range(&rr, 1, 8);
        int ptarget[8], psig[8];
        for (int s = 0; s < np; s++) {
            /* -1: kill(-1, sig), to every process but init and us: all the children (only
               when init is our parent, i.e. in the test VM, where nothing else runs) */
            ptarget[s] = (int)rng_range(&rr, broadcast_ok ? -1 : 0, ngroups - 1);
            psig[s] = (int)rng_range(&rr, 0, NSIGS - 1);
            for (int g = 0; g < ngroups; g++)
                if (ptarget[s] == -1 || ptarget[s] == g)
                    sent[g][psig[s]]++;
            if (ptarget[s] == -1)
                broadcasts++;
        }
        for (int i = 0; i < nkids; i++)
            write_full(kids[i].cmd_w, &cmds[i], sizeof cmds[i]);
        for (int s = 0; s < np; s++)
            if (kill(ptarget[s] == -1 ? -1 : -pgid[ptarget[s]], sigs[psig[s]]) < 0)
                DIE("kill(%d)", ptarget[s] == -1 ? -1 : -pgid[ptarget[s]]);
        read_acks(ack[0], ACK_DONE, NULL);
        struct cmd sync = {CMD_SYNC, 0, {0}, {0}};
        for (int i = 0; i < nkids; i++)
            write_full(kids[i].cmd_w, &sync, sizeof sync);
        read_acks(ack[0], ACK_REPORT, rep);

        int rt_exact = 1, std_ok = 1;
        long deliveries = 0;
        for (int i = 0; i < nkids; i++) {
            int g = kids[i].group;
            for (int s = 0; s < NSIGS; s++) {
                int want = sent[g][s], got = rep[i].count[s];
                deliveries += want;
                if (is_rt(s)) {
                    if (got != want) {
                        rt_exact = 0;
                        say("round %d child %d (group %d): %s caught %d, sent %d\n", r, i, g, signames[s], got, want);
                    }
                    rt_caught_total += got;
                    kids[i].rt_total += got;
                } else if (want == 0 ? got != 0 : (got < 1 || got > want)) {
                    std_ok = 0;
                    say("round %d child %d (group %d): %s caught %d, sent %d\n", r, i, g, signames[s], got, want);
                }
            }
            if (group_mode(g) != M_NORESTART && rep[i].eintr != 0) {
                restart_no_eintr = 0;
                say("round %d child %d: %d EINTR with %s\n", r, i, rep[i].eintr, mode_names[group_mode(g)]);
            }
            if (rep[i].not_si_user != 0) {
                sfd_codes_ok = 0;
                say("round %d child %d: %d signalfd records not SI_USER\n", r, i, rep[i].not_si_user);
            }
        }
        for (int g = 0; g < ngroups; g++)
            for (int s = 0; s < NSIGS; s++)
                sent_total[s] += sent[g][s];
        EXPECT(rt_exact, "round %d: a queued real-time signal was lost or duplicated", r);
        EXPECT(std_ok, "round %d: a standard signal count is out of bounds", r);
        all_rt_exact &= rt_exact;
        all_std_ok &= std_ok;
        child_kills += ck;
        parent_kills += np;
        stat_signals += deliveries;
        if (SHOW_ROUND(r, rt_exact && std_ok))
            say("round %d: %d parent kills, %d child kills; rt caught == sent: %s; std within [1, sent]: %s\n", r, np, ck,
            YESNO(rt_exact), YESNO(std_ok));
    }
    EXPECT(restart_no_eintr, "EINTR seen in a group with SA_RESTART handlers or signalfd");
    EXPECT(sfd_codes_ok, "signalfd records with a wrong ssi_code");
    say("kills: parent %ld, children %ld; per signal (kill calls):", parent_kills, child_kills);
    for (int s = 0; s < NSIGS; s++)
        say(" %s %ld", signames[s], sent_total[s]);
    say("\nkill(-1) broadcasts: %ld\n", broadcasts);
    say("real-time signals caught in all: %ld; all exact: %s; standard within bounds: %s; "
        "SA_RESTART and signalfd groups never saw EINTR: %s; signalfd records all SI_USER: %s\n",
        rt_caught_total, YESNO(all_rt_exact), YESNO(all_std_ok), YESNO(restart_no_eintr), YESNO(sfd_codes_ok));

    /* The end: even groups quit (status from their counts), odd groups are SIGKILLed. */
    struct cmd quit = {CMD_QUIT, 0, {0}, {0}};
    for (int i = 0; i < nkids; i++)
        if (kids[i].group % 2 == 0)
            write_full(kids[i].cmd_w, &quit, sizeof quit);
    for (int g = 0; g < ngroups; g++)
        if (g % 2 == 1) {
            kill(-pgid[g], SIGKILL);
            stat_signals += per_group[g];
        }
    int statuses_ok = 1;
    for (int i = 0; i < nkids; i++) {
        int st;
        if (waitpid_retry(kids[i].pid, &st, 0, NULL) != kids[i].pid)
            DIE("waitpid child %d", i);
        int ok = kids[i].group % 2 == 0 ? (WIFEXITED(st) && WEXITSTATUS(st) == (int)(kids[i].rt_total % 251) + 1)
                                        : (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        if (!ok)
            say("child %d (group %d): %s\n", i, kids[i].group, wstatus(st));
        statuses_ok &= ok;
        close(kids[i].cmd_w);
    }
    EXPECT(statuses_ok, "a child's final status is wrong");
    say("final statuses (even groups exit with their count, odd groups SIGKILL): %s\n", YESNO(statuses_ok));
    int esrch = 1;
    for (int g = 0; g < ngroups; g++) {
        errno = 0;
        int r = kill(-pgid[g], 0);
        esrch &= r < 0 && errno == ESRCH;
    }
    EXPECT(esrch, "kill(-pgid, 0) on an empty group did not fail with ESRCH");
    say("empty groups give ESRCH: %s\n", YESNO(esrch));
    limit_phase();
    expect_no_children("end");
    return stress_finish();
}
