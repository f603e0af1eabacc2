/* nondet: prints the host's monotonic clock, which no two runs share:
 * the one app that --check-determinism must catch (tests/check_check.py). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("host clock %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
    return 0;
}
