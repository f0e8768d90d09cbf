/* musl stdio on top of the console and files: buffering modes, fflush before fork, printf. */
#include "common.h"

int main(void) {
    printf("printf line %d %s %.3f\n", 42, "str", 3.14159);
    fflush(stdout);
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("fully buffered: ");
    printf("two parts\n");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child printf\n");
        exit(0); /* flushes */
    }
    waitpid(c, NULL, 0);
    printf("parent after child\n");
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    FILE *f = fopen("/tmp/stdio-test", "w+");
    fprintf(f, "line1\nline2\n");
    rewind(f);
    char buf[32];
    while (fgets(buf, sizeof buf, f))
        printf("read back: %s", buf);
    fclose(f);
    unlink("/tmp/stdio-test");
    printf("exit flushes this\n");
    return 0;
}
