/* Output that does not end with a newline, then exit 3. */
/* contract-status: 3 */
#include "common.h"

int main(void) {
    say("first line\nlast line without newline");
    return 3;
}
