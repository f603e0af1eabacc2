/* interactive: a latency-sensitive app. Every period it wakes on a
 * repeating alarm, notes how late its callback runs (the counter when the
 * callback runs minus the tick the alarm was due), does a little work and
 * sleeps again. At the end it prints its worst lateness and whether that
 * stayed within a budget:
 *
 *     N wake-ups, worst lateness L us
 *     within budget B us           (or: over budget B us)
 *
 * Usage: interactive [N [period_ms [work_cycles [budget_us]]]]
 *        (defaults: 20 wake-ups, 10 ms, 10000 cycles, 1000 us)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <ipcsim/app.h>
#include <libtock/services/alarm.h>
#include <libtock/tock.h>

static libtock_alarm_t wakeup;
static int wanted;
static int done;
static unsigned long long work_cycles;
static uint32_t worst_ticks;
static bool finished;

static void on_wakeup(uint32_t now, uint32_t due, void *opaque)
{
    (void)opaque;
    uint32_t late = now - due;
    if (late > worst_ticks)
        worst_ticks = late;
    ipcsim_compute(work_cycles);
    if (++done >= wanted) {
        libtock_alarm_ms_cancel(&wakeup);
        finished = true;
    }
}

/* Parses a non-negative decimal argument, or returns `fallback`. */
static unsigned long long arg_or(int argc, char **argv, int i, unsigned long long fallback)
{
    if (argc <= i)
        return fallback;
    char *end;
    unsigned long long v = strtoull(argv[i], &end, 10);
    return (*argv[i] != '\0' && *end == '\0') ? v : fallback;
}

int main(int argc, char **argv)
{
    wanted = (int)arg_or(argc, argv, 1, 20);
    uint32_t period_ms = (uint32_t)arg_or(argc, argv, 2, 10);
    work_cycles = arg_or(argc, argv, 3, 10000);
    unsigned long long budget_us = arg_or(argc, argv, 4, 1000);

    uint32_t hz = 0;
    if (libtock_alarm_command_get_frequency(&hz) != RETURNCODE_SUCCESS || hz == 0) {
        printf("no alarm\n");
        return 1;
    }
    if (wanted > 0) {
        libtock_alarm_repeating_every_ms(period_ms, on_wakeup, NULL, &wakeup);
        yield_for(&finished);
    }
    unsigned long long worst_us = (unsigned long long)worst_ticks * 1000000ull / hz;
    printf("%d wake-ups, worst lateness %llu us\n", done, worst_us);
    printf("%s budget %llu us\n", worst_us <= budget_us ? "within" : "over", budget_us);
    return 0;
}
