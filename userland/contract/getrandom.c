/* getrandom: counts, flags, EINVAL for bad flags, EFAULT. */
#include "common.h"
#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

int main(void) {
    unsigned char a[64], b[64];
    static unsigned char big[65536];
    CHECK("getrandom 16", getrandom(a, 16, 0));
    CHECK("getrandom 64", getrandom(a, 64, 0));
    CHECK("getrandom 64 again", getrandom(b, 64, 0));
    say("differ: %s\n", YESNO(memcmp(a, b, 64) != 0));
    CHECK("getrandom 0", getrandom(a, 0, 0));
    CHECK("GRND_NONBLOCK", getrandom(a, 16, GRND_NONBLOCK));
    CHECK("GRND_RANDOM", getrandom(a, 16, GRND_RANDOM));
    CHECK("GRND_INSECURE", getrandom(a, 16, GRND_INSECURE));
    CHECK("65536 bytes", getrandom(big, sizeof big, 0));
    CHECK("bad flags 0x8", getrandom(a, 16, 0x8));
    CHECK("GRND_INSECURE|GRND_RANDOM", getrandom(a, 16, GRND_INSECURE | GRND_RANDOM));
    CHECK("bad pointer", getrandom((void *)8, 16, 0));
    CHECK("NULL with length 0", getrandom(NULL, 0, 0));
    return 0;
}
