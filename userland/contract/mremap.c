/* mremap: grow (in place or moved), shrink, MREMAP_FIXED, and the error paths. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 2 * PAGE; i++)
        p[i] = (char)(i * 3);
    char *q = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    say("grow to 64 pages with MAYMOVE: %s\n", q == MAP_FAILED ? errname(errno) : "ok");
    int ok = 1;
    for (int i = 0; i < 2 * PAGE; i++)
        if (q[i] != (char)(i * 3))
            ok = 0;
    say("contents preserved: %s, new pages zero: %s\n", YESNO(ok), YESNO(q[10 * PAGE] == 0 && q[64 * PAGE - 1] == 0));
    q[64 * PAGE - 1] = 1;
    char *r = mremap(q, 64 * PAGE, PAGE, 0);
    say("shrink to 1 page stays in place: %s\n", YESNO(r == q));
    say("page 1 after shrink: %s\n", probe(q + PAGE, 'r'));

    /* Growing in place needs free space after the mapping. */
    char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(a + 2 * PAGE, 2 * PAGE);
    r = mremap(a, 2 * PAGE, 4 * PAGE, 0);
    say("grow in place into free space: %s\n", r == a ? "same address" : r == MAP_FAILED ? errname(errno) : "moved?");
    char *b = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = mremap(b, PAGE, 2 * PAGE, 0);
    say("grow the first page of a 3-page mapping without MAYMOVE: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    b[0] = 'B';
    r = mremap(b, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
    say("same with MAYMOVE: %s, moved: %s, data %c\n", r == MAP_FAILED ? errname(errno) : "ok", YESNO(r != b), r[0]);
    say("old first page now unmapped: %s\n", probe(b, 'r'));
    say("rest of the old mapping kept: %s\n", probe(b + PAGE, 'r'));

    /* MREMAP_FIXED moves to a chosen address. */
    char *dst = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    src[7] = 'S';
    r = mremap(src, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PAGE);
    say("MREMAP_FIXED: %s, data %c\n", r == dst + PAGE ? "at the requested address" : errname(errno), dst[PAGE + 7]);
    say("source unmapped: %s\n", probe(src, 'r'));
    r = mremap(dst + PAGE, PAGE, PAGE, MREMAP_FIXED, dst);
    say("MREMAP_FIXED without MAYMOVE: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    r = mremap(dst + 1, PAGE, PAGE, MREMAP_MAYMOVE);
    say("unaligned old address: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    r = mremap(dst, PAGE, 0, MREMAP_MAYMOVE);
    say("new length 0: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    r = mremap(dst, PAGE, PAGE, 0x80);
    say("bad flags: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    r = mremap(src, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
    say("unmapped old address: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
    r = mremap(dst + PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PAGE);
    say("MREMAP_FIXED onto itself: %s\n", r == MAP_FAILED ? errname(errno) : "ok");

    /* Shared anonymous mapping stays shared with a child after moving. */
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *s2 = mremap(s, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    pid_t c = fork();
    if (c == 0) {
        s2[0] = 'C';
        _exit(0);
    }
    reap(c);
    say("grown shared mapping still shared with a child: %c\n", s2[0]);
    return 0;
}
