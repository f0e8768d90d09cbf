/* brk: query, grow, shrink, fresh pages are zero, refused requests return the old break. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    catch_faults();
    long cur = syscall(SYS_brk, 0);
    say("brk(0) non-zero: %s\n", YESNO(cur > 0));
    say("brk(0) again is the same: %s\n", YESNO(syscall(SYS_brk, 0) == cur));
    long top = (cur + PAGE - 1) & ~(PAGE - 1);
    long r = syscall(SYS_brk, cur + 65536);
    say("grow by 64 KiB: %s\n", YESNO(r == cur + 65536));
    char *p = (char *)cur;
    say("new memory zero: %s\n", YESNO(p[0] == 0 && p[65535] == 0));
    memset(p, 0xab, 65536);
    say("write new memory: ok\n");
    say("read beyond new break (next page): %s\n", probe((char *)((cur + 65536 + PAGE - 1) & ~(PAGE - 1)) + PAGE, 'r'));
    r = syscall(SYS_brk, cur + 4096);
    say("shrink to +4 KiB: %s\n", YESNO(r == cur + 4096));
    char *gone = (char *)top + 2 * PAGE;
    say("access above the shrunk break: %s\n", probe(gone, 'r'));
    r = syscall(SYS_brk, cur + 65536);
    say("grow again: %s\n", YESNO(r == cur + 65536));
    say("regrown page is zero: %s, kept page kept its data: %s\n", YESNO(gone[0] == 0 && gone[100] == 0),
        YESNO((unsigned char)p[10] == 0xab));
    r = syscall(SYS_brk, 1);
    say("brk(1) refused, returns current: %s\n", YESNO(r == cur + 65536));
    r = syscall(SYS_brk, cur + (1L << 46));
    say("brk +64 TiB refused, returns current: %s\n", YESNO(r == cur + 65536));
    /* A mapping in the way stops the heap. */
    char *block = (char *)(top + (1L << 24));
    void *m = mmap(block, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    say("mapping placed 16 MiB above the heap: %s\n", YESNO(m == block));
    r = syscall(SYS_brk, cur + (1L << 25));
    say("brk across that mapping refused: %s\n", YESNO(r == cur + 65536));
    r = syscall(SYS_brk, cur + (1L << 23));
    say("brk up to below it: %s\n", YESNO(r == cur + (1L << 23)));
    munmap(m, PAGE);
    r = syscall(SYS_brk, cur);
    say("back to the start: %s\n", YESNO(r == cur));
    pid_t c = fork();
    if (c == 0) {
        long b = syscall(SYS_brk, 0);
        say("child inherits the break: %s\n", YESNO(b == cur));
        _exit(syscall(SYS_brk, b + PAGE) == b + PAGE ? 0 : 1);
    }
    say("child grew its own heap: %s\n", reap(c));
    say("parent break unchanged: %s\n", YESNO(syscall(SYS_brk, 0) == cur));
    return 0;
}
