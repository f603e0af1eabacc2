/* ticker: prints "tick i" N times, one every period, from a repeating alarm
 * of the libtock alarm service; it sleeps in yield between ticks.
 *
 * Usage: ticker [N [period_ms]]   (defaults: 5 ticks, 100 ms)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libtock/services/alarm.h>
#include <libtock/tock.h>

static libtock_alarm_t ticker;
static int ticks_wanted;
static int ticks_done;
static bool finished;

static void on_tick(uint32_t now, uint32_t due, void *opaque)
{
    (void)now;
    (void)due;
    (void)opaque;
    printf("tick %d\n", ticks_done);
    ticks_done++;
    if (ticks_done >= ticks_wanted) {
        libtock_alarm_ms_cancel(&ticker);
        finished = true;
    }
}

/* Parses a non-negative decimal argument, or returns `fallback`. */
static long arg_or(int argc, char **argv, int i, long fallback)
{
    if (argc <= i)
        return fallback;
    char *end;
    long v = strtol(argv[i], &end, 10);
    return (*argv[i] != '\0' && *end == '\0' && v >= 0) ? v : fallback;
}

int main(int argc, char **argv)
{
    ticks_wanted = (int)arg_or(argc, argv, 1, 5);
    uint32_t period_ms = (uint32_t)arg_or(argc, argv, 2, 100);

    if (ticks_wanted == 0)
        return 0;
    libtock_alarm_repeating_every_ms(period_ms, on_tick, NULL, &ticker);
    yield_for(&finished);
    return 0;
}
