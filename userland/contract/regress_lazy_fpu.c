/* regress_lazy_fpu: user FPU/SSE state survives preemption, signal handlers that use the
   FPU, and switches between processes (Kairos switches FPU state lazily). */
/* contract-status: 0 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile double hx;
static void h(int s) { double a = 1.5; for (int i = 0; i < 1000; i++) a = a * 1.0001 + 0.5; hx = a; }
int main(void) {
    signal(SIGALRM, h);
    int kids = 3, bad = 0;
    for (int k = 0; k < kids; k++) {
        if (fork() == 0) {
            double x = k + 1.0, expect = 0;
            for (int r = 0; r < 2; r++) {
                double a = x;
                for (long i = 0; i < 3000000; i++) a = a * 0.999999 + 0.000001 * (double)(i & 7);
                if (r == 0) expect = a; else if (a != expect) _exit(1);
            }
            _exit(0);
        }
    }
    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, 0);
    double y = 0; for (long i = 0; i < 2000000; i++) y += (double)i * 0.5;
    int st; for (int k = 0; k < kids; k++) { wait(&st); if (WEXITSTATUS(st)) bad++; }
    fflush(stdout);
    printf("fp children ok: %s, parent sum %.1f\n", bad ? "no" : "yes", y);
    return bad;
}
