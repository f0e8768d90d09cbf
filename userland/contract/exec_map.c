/* exec_map: a C program's own .data and .bss after execve (segments mapped from the page
 * cache and copied on write): their initial contents, writes that stay private (to a forked
 * child, to a re-exec of the program, to another process running it meanwhile) and never
 * reach the file, and read-only segments that refuse writes.
 */
#include "common.h"
#include <stdint.h>

#define SELF "/bin/exec_map"
#define WORDS 16384 /* 64 KiB of initialised .data: many whole pages */
#define PATTERN 0x5a5a1234u
#define ORIGINAL "exec_map marker: the original contents of .data"

static unsigned int big[WORDS] = {[0 ... WORDS - 1] = PATTERN};
static char marker[64] = ORIGINAL;
static unsigned int zeros[65536]; /* 256 KiB of .bss */
static int small_bss[4];
static const char rodata[] = "exec_map read-only data";

/* The marker after modify(): upper case, built at run time so that the file never holds it. */
static const char *upper(void) {
    static char buf[sizeof ORIGINAL];
    for (size_t i = 0; i < sizeof ORIGINAL; i++)
        buf[i] = ORIGINAL[i] >= 'a' && ORIGINAL[i] <= 'z' ? ORIGINAL[i] - 32 : ORIGINAL[i];
    return buf;
}

/* Prints whether .data and .bss hold what the file says (or what `modified` stored). */
static void check(const char *who, int modified) {
    long bad_data = 0, bad_bss = 0;
    for (unsigned i = 0; i < WORDS; i++)
        bad_data += big[i] != (modified ? i : PATTERN);
    for (unsigned i = 0; i < 65536; i++)
        bad_bss += zeros[i] != (modified ? ~i : 0);
    for (int i = 0; i < 4; i++)
        bad_bss += small_bss[i] != (modified ? 1 : 0);
    int marker_ok = strcmp(marker, modified ? upper() : ORIGINAL) == 0;
    say("%s: .data %s (%ld bad words), marker %s, .bss %s (%ld bad words)\n", who, bad_data ? "WRONG" : "ok",
        bad_data, marker_ok ? "ok" : "WRONG", bad_bss ? "WRONG" : "ok", bad_bss);
}

static void modify(void) {
    for (unsigned i = 0; i < WORDS; i++)
        big[i] = i;
    for (unsigned i = 0; i < 65536; i++)
        zeros[i] = ~i;
    for (int i = 0; i < 4; i++)
        small_bss[i] = 1;
    strcpy(marker, upper());
}

/* Does the program file still hold the original .data (the marker and the pattern)? */
static void check_file(const char *when) {
    int fd = open(SELF, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        say("%s: open %s: %s\n", when, SELF, errname(errno));
        return;
    }
    unsigned char *buf = malloc(st.st_size);
    ssize_t got = 0, n;
    while (got < st.st_size && (n = read(fd, buf + got, st.st_size - got)) > 0)
        got += n;
    close(fd);
    int has_marker = memmem(buf, got, ORIGINAL, sizeof ORIGINAL) != NULL;
    int has_modified = memmem(buf, got, upper(), sizeof ORIGINAL) != NULL;
    long words = 0;
    for (ssize_t i = 0; i + 4 <= got; i += 4)
        words += *(uint32_t *)(buf + i) == PATTERN;
    say("%s: file has the original marker: %s, a modified one: %s, all pattern words: %s\n", when,
        YESNO(has_marker), YESNO(has_modified), YESNO(words >= WORDS));
    free(buf);
}

static void exec_self(const char *mode) {
    char *argv[] = {SELF, (char *)mode, NULL};
    execv(SELF, argv);
    say("execv: %s\n", errname(errno));
    _exit(127);
}

int main(int argc, char **argv) {
    catch_faults();
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        check("re-exec", 0);
        modify();
        check("re-exec after writing", 1);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "hold") == 0) {
        /* Writes its data, tells fd 20, and keeps running until fd 21 reaches EOF. */
        check("holder", 0);
        modify();
        char c = 'r';
        write(20, &c, 1);
        read(21, &c, 1);
        check("holder at exit", 1);
        return 0;
    }

    check("initial", 0);
    check_file("before writing");
    modify();
    check("after writing", 1);
    check_file("after writing");

    pid_t c = fork();
    if (c == 0) {
        check("forked child", 1);
        for (unsigned i = 0; i < WORDS; i++)
            big[i] = 7;
        zeros[0] = 7;
        strcpy(marker, "child");
        _exit(0);
    }
    say("forked child: %s\n", reap(c));
    check("parent after the child wrote", 1);

    c = fork();
    if (c == 0)
        exec_self("again");
    say("re-exec: %s\n", reap(c));
    check("parent after the re-exec", 1);

    /* One process runs the program with its data written while another starts it. */
    int ready[2], hold[2];
    if (pipe(ready) < 0 || pipe(hold) < 0)
        return 1;
    pid_t holder = fork();
    if (holder == 0) {
        dup2(ready[1], 20);
        dup2(hold[0], 21);
        close(ready[0]);
        close(ready[1]);
        close(hold[0]);
        close(hold[1]);
        exec_self("hold");
    }
    close(ready[1]);
    close(hold[0]);
    char ch;
    say("holder ready: %ld\n", (long)read(ready[0], &ch, 1));
    c = fork();
    if (c == 0) {
        close(hold[1]);
        exec_self("again");
    }
    say("re-exec while the holder runs: %s\n", reap(c));
    close(hold[1]);
    say("holder: %s\n", reap(holder));
    check_file("at the end");

    say("write to .rodata: %s\n", probe((void *)rodata, 'w'));
    say("write to .text: %s\n", probe((void *)check, 'w'));
    say("read .text: %s\n", probe((void *)check, 'r'));
    uintptr_t brk0 = (uintptr_t)syscall(SYS_brk, 0);
    say("program break above .bss: %s\n", YESNO(brk0 >= (uintptr_t)(zeros + 65536)));
    if ((uintptr_t)syscall(SYS_brk, brk0 + 8192) == brk0 + 8192) {
        char *heap = (char *)brk0;
        memset(heap, 0x11, 8192);
        say("heap usable, .bss intact: %s\n", YESNO(zeros[65535] == ~65535u && heap[8191] == 0x11));
    } else {
        say("brk: cannot grow\n");
    }
    return 0;
}
