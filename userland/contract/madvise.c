/* madvise: DONTNEED zeroes private anonymous memory but not shared or file pages; errors. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
    char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0xab, 4 * PAGE);
    CHECK("MADV_DONTNEED pages 1-2", madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED));
    say("page 0 kept: %s, pages 1-2 zero: %s, page 3 kept: %s\n", YESNO((unsigned char)p[0] == 0xab),
        YESNO(p[PAGE] == 0 && p[3 * PAGE - 1] == 0), YESNO((unsigned char)p[3 * PAGE] == 0xab));
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(s, 0xcd, PAGE);
    CHECK("MADV_DONTNEED shared anonymous", madvise(s, PAGE, MADV_DONTNEED));
    say("shared data kept: %s\n", YESNO((unsigned char)s[10] == 0xcd));
    scratch_dir("/tmp/madv");
    int fd = open("/tmp/madv/f", O_RDWR | O_CREAT, 0644);
    write(fd, "file-data", 9);
    char *f = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    memcpy(f, "CHANGED", 7);
    CHECK("MADV_DONTNEED private file mapping", madvise(f, PAGE, MADV_DONTNEED));
    say("private file page re-read from the file: %.9s\n", f);
    CHECK("MADV_NORMAL", madvise(p, PAGE, MADV_NORMAL));
    CHECK("MADV_RANDOM", madvise(p, PAGE, MADV_RANDOM));
    CHECK("MADV_SEQUENTIAL", madvise(p, PAGE, MADV_SEQUENTIAL));
    CHECK("MADV_WILLNEED", madvise(p, PAGE, MADV_WILLNEED));
    CHECK("MADV_FREE", madvise(p, PAGE, MADV_FREE));
    CHECK("bad advice", madvise(p, PAGE, 12345));
    CHECK("unaligned", madvise(p + 1, PAGE, MADV_DONTNEED));
    CHECK("length 0", madvise(p, 0, MADV_DONTNEED));
    munmap(p + 3 * PAGE, PAGE);
    CHECK("range with an unmapped page", madvise(p, 4 * PAGE, MADV_WILLNEED));
    CHECK("DONTNEED over an unmapped page", madvise(p + 2 * PAGE, 2 * PAGE, MADV_DONTNEED));
    remove_tree("/tmp/madv");
    return 0;
}
