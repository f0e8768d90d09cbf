/* The runner reports a plain non-zero exit status. */
/* contract-status: 42 */
#include "common.h"

int main(void) {
    say("exiting with 42\n");
    return 42;
}
