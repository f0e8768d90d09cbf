/* Anonymous mmap: zero fill, private copy-on-write vs shared across fork, munmap, EINVAL/ENOMEM. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("mmap private 3 pages: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
    say("page aligned: %s\n", YESNO(((long)p & (PAGE - 1)) == 0));
    int zero = 1;
    for (long i = 0; i < 3 * PAGE; i++)
        if (p[i])
            zero = 0;
    say("zero filled: %s\n", YESNO(zero));
    for (long i = 0; i < 3 * PAGE; i++)
        p[i] = (char)i;
    say("pattern intact: %s\n", YESNO(p[5000] == (char)5000 && p[3 * PAGE - 1] == (char)(3 * PAGE - 1)));

    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    say("mmap shared: %s\n", s == MAP_FAILED ? errname(errno) : "ok");
    s[0] = 1;
    p[0] = 1;
    pid_t c = fork();
    if (c == 0) {
        say("child sees parent's data: shared %d private %d\n", s[0], p[0]);
        s[0] = 42;
        p[0] = 42;
        _exit(0);
    }
    say("child: %s\n", reap(c));
    say("after child wrote 42: shared %d private %d\n", s[0], p[0]);

    CHECK("munmap middle page", munmap(p + PAGE, PAGE));
    say("read first page: %s\n", probe(p, 'r'));
    say("read unmapped middle: %s\n", probe(p + PAGE, 'r'));
    say("write unmapped middle: %s\n", probe(p + PAGE + 8, 'w'));
    say("last page intact: %s\n", YESNO(p[2 * PAGE + 1] == (char)(2 * PAGE + 1)));
    CHECK("munmap already unmapped range", munmap(p + PAGE, PAGE));
    CHECK("munmap length 0", munmap(p, 0));
    CHECK("munmap unaligned", munmap(p + 1, PAGE));
    CHECK("munmap rest", munmap(p, 3 * PAGE));
    say("read after munmap: %s\n", probe(p + 2 * PAGE, 'r'));

    CHECK_PTR("mmap length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap without PRIVATE/SHARED", mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap SHARED_VALIDATE unknown flag", mmap(NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap 1<<47 bytes", mmap(NULL, 1UL << 47, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap -4096 bytes", mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap file mapping with fd -1", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0), MAP_FAILED);
    CHECK_PTR("mmap unaligned offset", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), MAP_FAILED);
    char *big = CHECK_PTR("mmap 1 TiB MAP_NORESERVE", mmap(NULL, 1UL << 40, PROT_READ | PROT_WRITE,
                                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), MAP_FAILED);
    if (big != MAP_FAILED) {
        big[0] = 1;
        big[(1UL << 40) - 1] = 2;
        say("touch both ends: %d %d\n", big[0], big[(1UL << 40) - 1]);
        CHECK("munmap 1 TiB", munmap(big, 1UL << 40));
    }
    char *n = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("PROT_NONE read: %s\n", probe(n, 'r'));
    char *odd = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("100-byte mapping covers its whole page: %s\n", probe(odd + PAGE - 1, 'w'));
    say("...and not the next: %s\n", probe(odd + PAGE, 'r'));

    /* Many small mappings. */
    int ok = 1;
    char *maps[200];
    for (int i = 0; i < 200; i++) {
        maps[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (maps[i] == MAP_FAILED)
            ok = 0;
        else
            maps[i][0] = (char)i;
    }
    for (int i = 0; i < 200; i++)
        if (maps[i] == MAP_FAILED || maps[i][0] != (char)i || munmap(maps[i], PAGE))
            ok = 0;
    say("200 mappings written, checked, unmapped: %s\n", YESNO(ok));
    return 0;
}
