/* SA_NODEFER: the signal is not blocked in its own handler, so raising it again nests; without it
   the second delivery waits for the first handler to return; sa_mask still applies. */
#include "common.h"

static volatile int depth, maxdepth, count, again;

static void h(int sig) {
    count++;
    depth++;
    if (depth > maxdepth)
        maxdepth = depth;
    if (again) {
        again = 0;
        raise(sig);
        say("  back in the first handler, count %d\n", count);
    }
    depth--;
}

static void run(const char *what, int flags, int self_in_mask) {
    struct sigaction sa, q;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    if (self_in_mask)
        sigaddset(&sa.sa_mask, SIGUSR1);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &q);
    say("%s (SA_NODEFER reads back: %s):\n", what, YESNO(q.sa_flags & SA_NODEFER));
    depth = maxdepth = count = 0;
    again = 1;
    raise(SIGUSR1);
    say("  handler ran %d times, max nesting %d\n", count, maxdepth);
}

int main(void) {
    run("plain handler", 0, 0);
    run("SA_NODEFER", SA_NODEFER, 0);
    run("SA_NODEFER with SIGUSR1 in sa_mask", SA_NODEFER, 1);
    run("SA_NODEFER|SA_SIGINFO", SA_NODEFER | SA_SIGINFO, 0);
    /* With SA_NODEFER a handler can also be re-entered by another process's kill. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t cur;
    depth = maxdepth = count = 0;
    again = 0;
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    say("mask after an SA_NODEFER handler returned: SIGUSR1 blocked %s\n", YESNO(sigismember(&cur, SIGUSR1)));
    return 0;
}
