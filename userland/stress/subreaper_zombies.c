/*
 * Stress 7: thousands of zombies reaped by a subreaper.
 *
 * The program makes itself a child subreaper (PR_SET_CHILD_SUBREAPER). In each wave it forks
 * middle processes; each middle forks many grandchildren (some of which fork a
 * great-grandchild) and exits. Every orphan must be reparented to the subreaper (checked by
 * the orphan itself: getppid() once its parent is gone; and each orphan asked for SIGUSR1 with
 * PR_SET_PDEATHSIG and must have it, from its dead parent), and each process announces its pid
 * and the fate it will meet (an exit code, or death by SIGTERM/SIGKILL raised on itself)
 * through a pipe. The subreaper does not reap while the wave is created and announced, so
 * the zombies pile up; then it reaps them all (wait4(-1) or waitid(P_ALL), alternating by
 * wave). Checked: every announced process is reaped exactly once with its announced status,
 * nothing else is reaped, the counts are exact, no child is left (ECHILD).
 */
#include "stress.h"
#include <poll.h>
#include <sys/prctl.h>

struct rec {
    int pid;
    int fate; /* >= 0: exit code; < 0: killed by -fate */
};

static int info_w;
static pid_t reaper;

static void announce(int fate) {
    struct rec r = {getpid(), fate};
    write_full(info_w, &r, sizeof r);
}

/* Blocks until `fd` reaches EOF (the parent died), then until the reparenting is visible. */
static void wait_orphaned(int fd, pid_t old_parent) {
    char c;
    while (read(fd, &c, 1) != 0)
        if (errno != EINTR)
            break;
    while (getppid() == old_parent)
        sched_yield();
}

/* Checks the orphan's new parent and its parent-death signal (PR_SET_PDEATHSIG SIGUSR1,
   blocked, so it stays queued), then dies as announced. */
static void meet_fate(int fate, pid_t old_parent) {
    if (getppid() != reaper)
        _exit(255); /* not reparented to the subreaper */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    struct timespec limit = {20, 0};
    siginfo_t si;
    int r;
    while ((r = sigtimedwait(&s, &si, &limit)) < 0 && errno == EINTR)
        ;
    if (r != SIGUSR1)
        _exit(254); /* no parent-death signal */
    if (si.si_pid != old_parent || si.si_code != SI_USER)
        _exit(253); /* it does not come from the dead parent */
    if (fate >= 0)
        _exit(fate);
    kill(getpid(), -fate);
    for (;;)
        pause();
}

static int fate_for(rng_t *r) {
    int f = (int)rng_range(r, 0, 9);
    if (f == 0)
        return -SIGTERM;
    if (f == 1)
        return -SIGKILL;
    return (int)rng_range(r, 0, 250);
}

/* In a new child: block SIGUSR1 and ask for it when the parent dies, then tell the parent
   (through `ready`) that it may die now. */
static void want_pdeath(int ready_w) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) < 0)
        _exit(94);
    write_full(ready_w, "r", 1);
    close(ready_w);
}

static void middle_main(int wave, int m, int nkids) {
    rng_t rng = rng_make(((uint64_t)wave << 20) + (uint64_t)m + 9000);
    int death[2]; /* EOF for the grandchildren when this middle exits */
    int ready[2]; /* the grandchildren have set their parent-death signal */
    if (pipe2(death, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
        _exit(90);
    pid_t me = getpid();
    for (int j = 0; j < nkids; j++) {
        int fate = fate_for(&rng);
        int deeper = (int)rng_range(&rng, 0, 3) == 0;
        int gfate = fate_for(&rng);
        pid_t p = fork();
        if (p < 0)
            _exit(91);
        if (p == 0) {
            close(death[1]);
            close(ready[0]);
            want_pdeath(ready[1]);
            announce(fate);
            if (deeper) {
                int d2[2], r2[2];
                if (pipe2(d2, O_CLOEXEC) < 0 || pipe2(r2, O_CLOEXEC) < 0)
                    _exit(92);
                pid_t mine = getpid();
                pid_t g = fork();
                if (g < 0)
                    _exit(93);
                if (g == 0) {
                    close(death[0]);
                    close(d2[1]);
                    close(r2[0]);
                    want_pdeath(r2[1]);
                    announce(gfate);
                    wait_orphaned(d2[0], mine);
                    meet_fate(gfate, mine);
                }
                close(d2[0]);
                close(r2[1]);
                char c;
                if (!read_full(r2[0], &c, 1))
                    _exit(95);
                close(r2[0]);
            }
            wait_orphaned(death[0], me);
            meet_fate(fate, me);
        }
    }
    close(ready[1]);
    for (int j = 0; j < nkids; j++) {
        char c;
        if (!read_full(ready[0], &c, 1))
            _exit(96);
    }
    _exit(0);
}


/* --- orphaned process groups ------------------------------------------------------------------
 * A middle forks a child C that stops itself (SIGSTOP); the middle sees the stop and exits, and
 * C is adopted by the subreaper. Three layouts:
 *   0  the middle stays in our group, C makes a new group: C's group keeps a link to the
 *      session through its new parent (the subreaper, in another group of the same session):
 *      not orphaned, nothing happens;
 *   1  the middle makes a new session, C makes a new group in it: the middle's exit orphans
 *      C's group (its only link, the middle, is gone; the subreaper is in another session),
 *      which has a stopped member: the kernel sends it SIGHUP then SIGCONT;
 *   2  the middle makes a new session and C stays in the middle's group: that group was
 *      orphaned already (a session leader's group has no parent in its session), the exit
 *      does not newly orphan it, so nothing is sent (Linux's kill_orphaned_pgrp).
 * C's handler counts SIGHUP; C reports the count once continued (by the kernel, or by the
 * subreaper after checking for 30 ms that nothing came). */
static volatile sig_atomic_t hups;
static void on_hup(int s) { hups++; }

static int orphan_round(int layout, int report_r, int report_w) {
    int quit[2]; /* C exits when this is closed (so its continue is seen before its exit) */
    xpipe(quit);
    pid_t m = xfork();
    if (m == 0) {
        close(report_r);
        close(quit[1]);
        if (layout >= 1 && setsid() < 0)
            _exit(80);
        int go[2];
        if (pipe(go) < 0)
            _exit(83);
        pid_t c = fork();
        if (c < 0)
            _exit(81);
        if (c == 0) {
            hups = 0;
            set_handler(SIGHUP, on_hup, 0, NULL);
            if (layout <= 1 && setpgid(0, 0) < 0)
                _exit(84);
            kill(getpid(), SIGSTOP);
            /* continued: by the kernel (orphaned) or by the subreaper */
            int r[2] = {getpid(), hups};
            write_full(report_w, r, sizeof r);
            char q;
            while (read(quit[0], &q, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        if (layout <= 1)
            setpgid(c, c);
        int st;
        if (waitpid_retry(c, &st, WUNTRACED, NULL) != c || !WIFSTOPPED(st))
            _exit(82);
        int r[2] = {c, -1}; /* "here is C, stopped; I exit now" */
        write_full(report_w, r, sizeof r);
        _exit(0);
    }
    close(quit[0]);
    int st, msg[2];
    if (!read_full(report_r, msg, sizeof msg) || msg[1] != -1)
        DIE("orphan round: middle");
    pid_t c = msg[0];
    waitpid_retry(m, &st, 0, NULL);
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (layout == 1) {
        /* the kernel continues C: CLD_CONTINUED for us, then C reports one SIGHUP */
        pid_t r = waitpid_retry(c, &st, WCONTINUED, NULL);
        ok &= r == c && WIFCONTINUED(st);
        ok &= read_full(report_r, msg, sizeof msg) && msg[0] == c && msg[1] == 1;
        if (!ok)
            say("layout 1: continued %s, report pid ok %d hups %d\n", YESNO(r == c && WIFCONTINUED(st)),
                msg[0] == c, msg[1]);
    } else {
        /* C stays stopped: nothing may come from it */
        struct pollfd pf = {report_r, POLLIN, 0};
        int n;
        while ((n = poll(&pf, 1, 30)) < 0 && errno == EINTR)
            ;
        if (n != 0)
            say("layout %d: the stopped child was continued by the kernel\n", layout);
        ok &= n == 0;
        kill(c, SIGCONT);
        stat_signals++;
        pid_t r = waitpid_retry(c, &st, WCONTINUED, NULL);
        int cont = r == c && WIFCONTINUED(st);
        int got = read_full(report_r, msg, sizeof msg);
        if (!cont || !got || msg[0] != c || msg[1] != 0)
            say("layout %d: continued %s, SIGHUPs %d\n", layout, YESNO(cont), got ? msg[1] : -1);
        ok &= cont && got && msg[0] == c && msg[1] == 0;
    }
    close(quit[1]);
    waitpid_retry(c, &st, 0, NULL);
    ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    stat_forks += 2;
    stat_signals += 2 + 2 * (layout == 1);
    return ok;
}

static void orphan_phase(void) {
    int rp[2];
    xpipe(rp);
    int rounds = scaled(60), bad[3] = {0}, runs[3] = {0};
    static const char *names[3] = {
        "new group in our session (not orphaned): no SIGHUP, stays stopped",
        "new group in a new session (newly orphaned): SIGHUP + SIGCONT from the kernel",
        "the new session's own group (orphaned before the exit): no SIGHUP, stays stopped"};
    for (int r = 0; r < rounds; r++) {
        int layout = r % 3;
        runs[layout]++;
        if (!orphan_round(layout, rp[0], rp[1])) {
            bad[layout]++;
            if (bad[layout] <= 3)
                say("orphan round %d (layout %d) wrong\n", r, layout);
        }
    }
    close(rp[0]);
    close(rp[1]);
    for (int l = 0; l < 3; l++) {
        EXPECT(bad[l] == 0, "orphaned process groups, layout %d: %d of %d rounds wrong", l, bad[l], runs[l]);
        say("stopped child adopted by the subreaper, %s: %d rounds, right: %s\n", names[l], runs[l],
            YESNO(bad[l] == 0));
    }
}

int main(int argc, char **argv) {
    stress_init(argc, argv, "subreaper_zombies");
    reaper = getpid();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        DIE("PR_SET_CHILD_SUBREAPER");
    int flag = -1;
    prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0);
    EXPECT(flag == 1, "PR_GET_CHILD_SUBREAPER = %d", flag);
    say("PR_GET_CHILD_SUBREAPER: %d\n", flag);

    int waves = scaled(6);
    long total = 0, total_killed = 0, total_orphans = 0;
    int all_ok = 1;
    pidmap_t map;
    pidmap_init(&map, 4096);
    for (int w = 0; w < waves; w++) {
        rng_t rng = rng_make(8800 + w);
        int nmid = (int)rng_range(&rng, 12, 20);
        int info[2];
        if (pipe2(info, O_CLOEXEC) < 0)
            DIE("pipe");
        info_w = info[1];
        int expect_recs = 0;
        pidmap_clear(&map);
        /* The announcements are read while forking: a full pipe would block the writers. */
        fcntl(info[0], F_SETFL, O_NONBLOCK);
        int got_recs = 0, dup = 0;
        long killed = 0;
        struct rec buf[512];
        for (int m = 0; m < nmid; m++) {
            int nkids = (int)rng_range(&rng, 50, 90);
            pid_t p = xfork();
            if (p == 0) {
                close(info[0]);
                middle_main(w, m, nkids);
            }
            if (!pidmap_put(&map, p, 0))
                dup++;
            /* value 0: a middle, which exits 0 (middle_main) */
            expect_recs += nkids;
            ssize_t n;
            while ((n = read(info[0], buf, sizeof buf)) > 0) {
                for (int k = 0; k < (int)(n / (ssize_t)sizeof(struct rec)); k++) {
                    if (!pidmap_put(&map, buf[k].pid, buf[k].fate + 1000))
                        dup++;
                    got_recs++;
                }
            }
        }
        close(info[1]);
        fcntl(info[0], F_SETFL, 0);
        /* The rest of the announcements (great-grandchildren are not known in advance). */
        for (;;) {
            ssize_t n = read(info[0], buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (n % (ssize_t)sizeof(struct rec) != 0)
                DIE("torn announcement");
            for (int k = 0; k < (int)(n / (ssize_t)sizeof(struct rec)); k++) {
                if (!pidmap_put(&map, buf[k].pid, buf[k].fate + 1000))
                    dup++;
                got_recs++;
            }
        }
        close(info[0]);
        /* Now reap everybody: middles, grandchildren and great-grandchildren. */
        int want = nmid + got_recs, reaped = 0, wrong = 0, stranger = 0, twice = 0;
        int *seen = calloc((size_t)map.cap, sizeof(int));
        for (;;) {
            int st = 0;
            pid_t p;
            if (w % 2 == 0) {
                p = wait4(-1, &st, 0, NULL);
            } else {
                siginfo_t si;
                memset(&si, 0, sizeof si);
                p = waitid(P_ALL, 0, &si, WEXITED) < 0 ? -1 : si.si_pid;
                if (p > 0)
                    st = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : (si.si_status & 0x7f);
            }
            if (p < 0 && errno == EINTR)
                continue;
            if (p < 0)
                break; /* ECHILD: everybody is reaped */
            reaped++;
            int v = pidmap_get(&map, p);
            if (v < 0) {
                stranger++;
                continue;
            }
            unsigned h = ((unsigned)p * 2654435761u) & (unsigned)(map.cap - 1);
            while (map.keys[h] != p)
                h = (h + 1) & (unsigned)(map.cap - 1);
            if (seen[h]++)
                twice++;
            int ok;
            if (v == 0) {
                ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            } else {
                int fate = v - 1000;
                ok = fate >= 0 ? WIFEXITED(st) && WEXITSTATUS(st) == fate : WIFSIGNALED(st) && WTERMSIG(st) == -fate;
                if (fate < 0)
                    killed++;
            }
            if (!ok) {
                wrong++;
                if (wrong <= 5) {
                    int e = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
                    say("wave %d: pid with fate %d: %s%s\n", w, v == 0 ? 0 : v - 1000, wstatus(st),
                        e == 255 ? " (not reparented to the subreaper)"
                        : e == 254 ? " (no parent-death signal)"
                        : e == 253 ? " (parent-death signal not from the dead parent)" : "");
                }
            }
        }
        free(seen);
        int orphans = got_recs;
        int ok = reaped == want && wrong == 0 && stranger == 0 && twice == 0 && dup == 0 && got_recs >= expect_recs;
        EXPECT(ok, "wave %d: reaped %d of %d, wrong status %d, strangers %d, twice %d, duplicate pids %d", w, reaped,
               want, wrong, stranger, twice, dup);
        all_ok &= ok;
        total += reaped;
        total_killed += killed;
        total_orphans += orphans;
        stat_forks += nmid + got_recs;
        stat_signals += killed + got_recs; /* + the parent-death signals */
        say("wave %d: %d middles, %d orphans (%d grandchildren + %d great-grandchildren), reaped %d: "
            "each exactly once with its status: %s\n",
            w, nmid, orphans, expect_recs, orphans - expect_recs, reaped,
            YESNO(reaped == want && wrong == 0 && stranger == 0 && twice == 0));
    }
    pidmap_free(&map);
    orphan_phase();
    say("processes reaped by the subreaper: %ld (orphans %ld, killed by signals %ld); all right: %s\n", total,
        total_orphans, total_killed, YESNO(all_ok));
    expect_no_children("end");
    return stress_finish();
}
