/* The runner reports death by a signal as 128 + the signal number. */
/* contract-status: 139 */
#include "common.h"

int main(void) {
    say("about to write through a null pointer\n");
    *(volatile int *)0 = 1;
    say("not reached\n");
    return 0;
}
