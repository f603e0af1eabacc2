/* worker: a CPU-bound job that may start late: it sleeps delay_ms, prints
 * "<label> start", computes `chunks` pieces of `cycles` cycles each without
 * yielding, and prints "<label> done". Under a priority scheduler a
 * higher-priority worker that starts later still finishes first.
 *
 * Usage: worker [label [chunks [cycles [delay_ms]]]]
 *        (defaults: W, 4 chunks, 640000 cycles, no delay)
 */
#include <stdio.h>
#include <stdlib.h>

#include <ipcsim/app.h>
#include <libtock-sync/services/alarm.h>

int main(int argc, char **argv)
{
    const char *label = argc > 1 ? argv[1] : "W";
    int chunks = argc > 2 ? atoi(argv[2]) : 4;
    unsigned long long cycles = argc > 3 ? strtoull(argv[3], NULL, 10) : 640000ull;
    unsigned long delay_ms = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;

    if (delay_ms > 0 && libtocksync_alarm_delay_ms((uint32_t)delay_ms) != RETURNCODE_SUCCESS) {
        printf("%s: no alarm\n", label);
        return 1;
    }
    printf("%s start\n", label);
    for (int i = 0; i < chunks; i++)
        ipcsim_compute(cycles);
    printf("%s done\n", label);
    return 0;
}
