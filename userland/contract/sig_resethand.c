/* SA_RESETHAND: the disposition goes back to SIG_DFL on delivery (the flags are what Linux leaves),
   so the next signal takes the default action; combined with SA_NODEFER a re-raise from the
   handler is immediately fatal. */
#include "common.h"

static volatile int hits;
static void h(int s) { hits++; }
static void h_reraise(int s) {
    hits++;
    say("  in handler, re-raising\n");
    raise(s);
    say("  handler returns\n");
}

static void query(const char *what, int sig) {
    struct sigaction q;
    sigaction(sig, NULL, &q);
    say("%s: handler %s, SA_RESETHAND %s, SA_SIGINFO %s, SA_NODEFER %s, SA_RESTART %s\n", what,
        q.sa_handler == SIG_DFL ? "SIG_DFL" : q.sa_handler == SIG_IGN ? "SIG_IGN" : "ours",
        YESNO(q.sa_flags & SA_RESETHAND), YESNO(q.sa_flags & SA_SIGINFO), YESNO(q.sa_flags & SA_NODEFER),
        YESNO(q.sa_flags & SA_RESTART));
}

static void install(int sig, void (*f)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = f;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

int main(void) {
    install(SIGUSR1, h, SA_RESETHAND | SA_RESTART);
    query("installed", SIGUSR1);
    raise(SIGUSR1);
    say("handler ran %d\n", hits);
    query("after one delivery", SIGUSR1);

    /* A blocked pending SIGUSR1 with SA_RESETHAND: reset happens at delivery, not at generation. */
    install(SIGUSR2, h, SA_RESETHAND);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR2);
    query("SIGUSR2 pending and blocked", SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    query("SIGUSR2 after delivery", SIGUSR2);
    say("handler ran %d\n", hits);

    pid_t c = fork();
    if (c == 0) {
        install(SIGUSR1, h, SA_RESETHAND);
        raise(SIGUSR1);
        say("child: first SIGUSR1 handled (%d), sending a second\n", hits);
        raise(SIGUSR1);
        say("child: not reached\n");
        _exit(0);
    }
    say("child: %s\n", reap(c));

    c = fork();
    if (c == 0) {
        install(SIGUSR1, h_reraise, SA_RESETHAND);
        raise(SIGUSR1);
        say("child: not reached either\n");
        _exit(0);
    }
    say("SA_RESETHAND, re-raised in the handler (deferred until it returns): %s\n", reap(c));
    c = fork();
    if (c == 0) {
        install(SIGUSR1, h_reraise, SA_RESETHAND | SA_NODEFER);
        raise(SIGUSR1);
        _exit(0);
    }
    say("SA_RESETHAND|SA_NODEFER, re-raised in the handler: %s\n", reap(c));

    /* SIGCHLD (default: ignore) with SA_RESETHAND: the second one is simply ignored. */
    hits = 0;
    install(SIGCHLD, h, SA_RESETHAND);
    for (int i = 0; i < 2; i++) {
        c = fork();
        if (c == 0)
            _exit(0);
        reap(c);
    }
    say("SIGCHLD with SA_RESETHAND, two children: handler ran %d\n", hits);
    query("SIGCHLD", SIGCHLD);
    return 0;
}
