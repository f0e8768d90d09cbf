/* Alternate signal stack: nested delivery while on it (SA_ONSTACK or not, frames go below the
   current one), uc_stack contents in the ucontext, SS_AUTODISARM, and what sigreturn does with a
   uc_stack the handler edited (Linux applies it only when the handler ran off the alt stack). */
#include "common.h"
#include <sys/mman.h>
#include <ucontext.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *alt;
static size_t altsz = 65536;

struct rec {
    int on_alt;
    char *local;
    int uc_flags;
    int uc_sp_alt;
    size_t uc_size;
    int q_flags;
};
static struct rec r1, r2, r3;
static int nest;

static int on_alt(char *p) { return p >= alt && p < alt + altsz; }

static void fill(struct rec *r, char *local, ucontext_t *uc) {
    r->on_alt = on_alt(local);
    r->local = local;
    r->uc_flags = uc->uc_stack.ss_flags;
    r->uc_sp_alt = uc->uc_stack.ss_sp == alt;
    r->uc_size = uc->uc_stack.ss_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    r->q_flags = cur.ss_flags;
}

static void inner(int sig, siginfo_t *si, void *ctx) {
    char local;
    fill(sig == SIGUSR2 ? &r2 : &r3, &local, ctx);
}

static void outer(int sig, siginfo_t *si, void *ctx) {
    char local;
    fill(&r1, &local, ctx);
    if (nest) {
        raise(SIGUSR2); /* SA_ONSTACK */
        raise(SIGTERM); /* no SA_ONSTACK */
    }
}

static void edit(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    if (sig == SIGUSR1)
        uc->uc_stack.ss_size = 32768;
    else
        uc->uc_stack.ss_flags = SS_DISABLE;
}

static const char *fl(int f) {
    static char b[4][48];
    static int i;
    char *s = b[i++ & 3];
    snprintf(s, 48, "%s%s%s", f & SS_ONSTACK ? "SS_ONSTACK" : f & SS_DISABLE ? "SS_DISABLE" : "0",
             (unsigned)f & SS_AUTODISARM ? "|SS_AUTODISARM" : "", f & ~(SS_ONSTACK | SS_DISABLE | (int)SS_AUTODISARM) ? "|?" : "");
    return s;
}

static void show(const char *what, struct rec *r) {
    say("%s: on alt %s, uc_stack flags %s sp alt %s size %zu, query in handler %s\n", what, YESNO(r->on_alt),
        fl(r->uc_flags), YESNO(r->uc_sp_alt), r->uc_size, fl(r->q_flags));
}

static void install(int sig, void (*f)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = f;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

int main(void) {
    alt = mmap(NULL, altsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install(SIGUSR1, outer, SA_ONSTACK);
    install(SIGUSR2, inner, SA_ONSTACK);
    install(SIGTERM, inner, 0);

    raise(SIGUSR1);
    show("no alt stack configured, SA_ONSTACK handler", &r1);

    stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    nest = 1;
    memset(&r2, 0, sizeof r2);
    raise(SIGUSR1);
    show("outer (SA_ONSTACK)", &r1);
    show("nested SA_ONSTACK", &r2);
    show("nested without SA_ONSTACK", &r3);
    say("nested frames below the outer one: %s %s\n", YESNO(r2.local < r1.local), YESNO(r3.local < r1.local));
    nest = 0;
    raise(SIGTERM);
    show("SIGTERM (no SA_ONSTACK) from the normal stack", &r3);

    ss.ss_flags = SS_AUTODISARM;
    sigaltstack(&ss, NULL);
    nest = 1;
    raise(SIGUSR1);
    show("SS_AUTODISARM: outer", &r1);
    show("SS_AUTODISARM: nested SA_ONSTACK", &r2);
    say("SS_AUTODISARM nested frame still below the outer one: %s\n", YESNO(r2.local < r1.local));
    stack_t cur;
    sigaltstack(NULL, &cur);
    say("after return: flags %s size %zu\n", fl(cur.ss_flags), cur.ss_size);
    nest = 0;

    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    install(SIGUSR1, edit, SA_ONSTACK);
    raise(SIGUSR1);
    sigaltstack(NULL, &cur);
    say("handler set uc_stack.ss_size 32768: after sigreturn flags %s size %zu sp alt %s\n", fl(cur.ss_flags),
        cur.ss_size, YESNO(cur.ss_sp == alt));
    install(SIGUSR2, edit, 0);
    raise(SIGUSR2);
    sigaltstack(NULL, &cur);
    say("handler set uc_stack.ss_flags SS_DISABLE: after sigreturn flags %s\n", fl(cur.ss_flags));
    return 0;
}
