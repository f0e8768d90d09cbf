/* vfork: the parent is suspended until the child exits or execs, and memory is shared. */
#include "common.h"

static volatile int shared_var;

int main(void) {
    shared_var = 1;
    pid_t c = vfork();
    if (c == 0) {
        shared_var = 2;
        _exit(7);
    }
    say("vfork + _exit(7): %s\n", reap(c));
    say("child's write visible to the parent (shared memory): %s\n", YESNO(shared_var == 2));
    c = vfork();
    if (c == 0) {
        char *argv[] = {"argv_echo", "from-vfork", NULL};
        char *envp[] = {"V=1", NULL};
        execve("/bin/argv_echo", argv, envp);
        _exit(127);
    }
    say("parent resumes after the child's exec (output above): %s\n", reap(c));
    c = vfork();
    if (c == 0) {
        char *argv[] = {"nope", NULL};
        execve("/bin/does-not-exist", argv, argv + 1);
        _exit(errno == ENOENT ? 127 : 126);
    }
    say("vfork + failed execve: %s\n", reap(c));
    int p[2];
    pipe(p);
    c = vfork();
    if (c == 0) {
        write(p[1], "via-pipe", 8);
        _exit(0);
    }
    char buf[16] = {0};
    read(p[0], buf, 8);
    say("child wrote to an inherited pipe: %s, %s\n", buf, reap(c));
    return 0;
}
