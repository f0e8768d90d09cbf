/* sysinfo and uname: only what is the same on every Linux in this setup. */
#include "common.h"
#include <sys/sysinfo.h>
#include <sys/utsname.h>

int main(void) {
    struct sysinfo si;
    CHECK("sysinfo", sysinfo(&si));
    say("mem_unit > 0: %s, totalram > 0: %s, freeram <= totalram: %s, procs >= 1: %s, uptime >= 0: %s\n",
        YESNO(si.mem_unit > 0), YESNO(si.totalram > 0), YESNO(si.freeram <= si.totalram), YESNO(si.procs >= 1),
        YESNO((long)si.uptime >= 0));
    CHECK("sysinfo bad pointer", sysinfo((struct sysinfo *)8));
    struct utsname u;
    CHECK("uname", uname(&u));
    say("sysname: %s\nmachine: %s\n", u.sysname, u.machine);
    CHECK("uname bad pointer", uname((struct utsname *)8));
    CHECK("sethostname", sethostname("kairos-test", 11));
    uname(&u);
    say("nodename after sethostname: %s\n", u.nodename);
    CHECK("sethostname too long", sethostname("x", 65));
    char h[64];
    CHECK("gethostname", gethostname(h, sizeof h));
    say("gethostname: %s\n", h);
    return 0;
}
