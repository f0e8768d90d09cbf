/* MAP_FIXED and MAP_FIXED_NOREPLACE, address hints, splitting mappings, EINVAL/EEXIST.
   (Nothing at or above 128 TiB: with QEMU's -cpu max Linux uses 5-level paging, so what lies
   beyond the 47-bit user space depends on the CPU model.) */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    char *base = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("reserve 8 pages PROT_NONE: %s\n", base == MAP_FAILED ? errname(errno) : "ok");
    char *q = mmap(base + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    say("MAP_FIXED over pages 1-2: %s\n", q == base + PAGE ? "at the requested address" : errname(errno));
    say("write page 1: %s\n", probe(base + PAGE, 'w'));
    say("read page 0 (still PROT_NONE): %s\n", probe(base, 'r'));
    say("read page 3 (still PROT_NONE): %s\n", probe(base + 3 * PAGE, 'r'));
    base[PAGE + 5] = 7;
    q = mmap(base + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    say("MAP_FIXED again replaces contents with zeros: %s\n", YESNO(q == base + PAGE && base[PAGE + 5] == 0));
    q = mmap(base + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    say("MAP_FIXED_NOREPLACE over a mapping: %s\n", q == MAP_FAILED ? errname(errno) : "mapped");
    munmap(base + 5 * PAGE, 3 * PAGE);
    q = mmap(base + 6 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    say("MAP_FIXED_NOREPLACE on a hole: %s\n", q == base + 6 * PAGE ? "at the requested address" : errname(errno));
    q = mmap(base + 5 * PAGE + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    say("MAP_FIXED unaligned: %s\n", q == MAP_FAILED ? errname(errno) : "mapped");
    q = mmap(base + 7 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("hint at a free page is honoured: %s\n", YESNO(q == base + 7 * PAGE));
    q = mmap(base, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("hint at a used page gives another address: %s\n", YESNO(q != MAP_FAILED && q != base));
    q = mmap(base + 5 * PAGE + 123, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    say("unaligned hint without MAP_FIXED: %s\n", q == MAP_FAILED ? errname(errno) : "ok, page aligned");
    q = mmap((void *)0x7fff00000000UL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    say("MAP_FIXED_NOREPLACE high in user space: %s\n", q == (void *)0x7fff00000000UL ? "at the requested address" : errname(errno));
    CHECK("munmap part of the reservation", munmap(base + 2 * PAGE, PAGE));
    say("page 1 still mapped: %s\n", probe(base + PAGE, 'r'));
    say("page 2 now unmapped: %s\n", probe(base + 2 * PAGE, 'r'));
    CHECK("munmap everything", munmap(base, 8 * PAGE));
    say("page 1 after: %s\n", probe(base + PAGE, 'r'));
    return 0;
}
