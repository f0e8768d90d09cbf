/* sigaltstack error paths: EPERM while on the stack, ENOMEM below MINSIGSTKSZ, EINVAL for bad flags,
   EFAULT; what a disabled stack reads back as; threads start without one, fork keeps it. */
#include "common.h"
#include <pthread.h>
#include <sys/mman.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

/* Raw syscall: musl's wrapper checks the size and SS_ONSTACK itself before the kernel sees them. */
static long sas(const stack_t *ss, stack_t *old) { return syscall(SYS_sigaltstack, ss, old); }

static char *alt;
static size_t altsz = 65536;
static volatile long r_query, r_set, r_disable, e_set, e_disable;
static volatile int q_flags;

static void h(int sig) {
    stack_t cur, ns;
    errno = 0;
    r_query = sas(NULL, &cur);
    q_flags = cur.ss_flags;
    ns.ss_sp = alt;
    ns.ss_size = altsz;
    ns.ss_flags = 0;
    errno = 0;
    r_set = sas(&ns, NULL);
    e_set = errno;
    ns.ss_flags = SS_DISABLE;
    errno = 0;
    r_disable = sas(&ns, NULL);
    e_disable = errno;
}

static void *thread_query(void *arg) {
    stack_t cur;
    sas(NULL, &cur);
    *(int *)arg = cur.ss_flags;
    return NULL;
}

static const char *fl(int f) {
    static char b[48];
    snprintf(b, sizeof b, "%s%s%s", f & SS_ONSTACK ? "SS_ONSTACK" : f & SS_DISABLE ? "SS_DISABLE" : "0",
             (unsigned)f & SS_AUTODISARM ? "|SS_AUTODISARM" : "",
             f & ~(SS_ONSTACK | SS_DISABLE | (int)SS_AUTODISARM) ? "|?" : "");
    return b;
}

static void q(const char *what) {
    stack_t cur;
    memset(&cur, 0x55, sizeof cur);
    sas(NULL, &cur);
    say("%s: flags %s size %zu sp %s\n", what, fl(cur.ss_flags), cur.ss_size,
        cur.ss_sp == NULL ? "NULL" : cur.ss_sp == alt ? "alt" : "other");
}

int main(void) {
    alt = mmap(NULL, altsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q("initial");
    stack_t ss = {.ss_sp = alt, .ss_size = MINSIGSTKSZ - 1, .ss_flags = 0};
    CHECK("size MINSIGSTKSZ-1", sas(&ss, NULL));
    q("unchanged");
    ss.ss_size = MINSIGSTKSZ;
    CHECK("size MINSIGSTKSZ", sas(&ss, NULL));
    q("now");
    ss.ss_size = 0;
    CHECK("size 0", sas(&ss, NULL));
    ss.ss_size = altsz;
    ss.ss_flags = 4;
    CHECK("flags 4", sas(&ss, NULL));
    ss.ss_flags = SS_DISABLE | SS_ONSTACK;
    CHECK("flags SS_DISABLE|SS_ONSTACK", sas(&ss, NULL));
    ss.ss_flags = -1;
    CHECK("flags -1", sas(&ss, NULL));
    ss.ss_flags = SS_ONSTACK;
    CHECK("flags SS_ONSTACK (the kernel accepts it as 0)", sas(&ss, NULL));
    q("now");
    ss.ss_flags = SS_AUTODISARM;
    CHECK("flags SS_AUTODISARM", sas(&ss, NULL));
    q("now");
    ss.ss_flags = SS_DISABLE | SS_AUTODISARM;
    CHECK("flags SS_DISABLE|SS_AUTODISARM", sas(&ss, NULL));
    q("now");
    ss.ss_flags = 0;
    sas(&ss, NULL);
    stack_t dis = {.ss_sp = (void *)0x1234, .ss_size = 1, .ss_flags = SS_DISABLE};
    CHECK("SS_DISABLE with junk sp/size", sas(&dis, NULL));
    q("disabled");
    sas(&ss, NULL);
    CHECK("bad new pointer", sas((void *)8, NULL));
    CHECK("bad old pointer", sas(NULL, (void *)8));
    stack_t old;
    CHECK("set and get old at once", sas(&ss, &old));
    say("old: flags %d size %zu\n", old.ss_flags, old.ss_size);
    CHECK("both NULL", sas(NULL, NULL));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("in the handler on the alt stack: query %ld flags %s, set %ld %s, disable %ld %s\n", r_query,
        fl(q_flags), r_set, errname(e_set), r_disable, errname(e_disable));
    q("after the handler");
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    say("in a handler on the normal stack: query flags %s, set %ld %s, disable %ld %s\n", fl(q_flags), r_set,
        errname(e_set), r_disable, errname(e_disable));
    q("after that handler");

    sas(&ss, NULL);
    int tflags = -1;
    pthread_t t;
    pthread_create(&t, NULL, thread_query, &tflags);
    pthread_join(t, NULL);
    say("a new thread starts with SS_DISABLE: %s\n", YESNO(tflags == SS_DISABLE));
    pid_t c = fork();
    if (c == 0) {
        stack_t cur;
        sas(NULL, &cur);
        _exit(cur.ss_flags == 0 && cur.ss_sp == alt && cur.ss_size == altsz ? 0 : 1);
    }
    say("a forked child keeps the alt stack: %s\n", reap(c));
    return 0;
}
