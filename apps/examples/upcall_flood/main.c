/* upcall_flood: fills the process's upcall queue. It re-arms the alarm many
 * times while computing instead of yielding, so every expiry queues one more
 * upcall; then it drains the queue with yield_no_wait and reports how many
 * upcalls survived (the kernel keeps 9, a ring of 10 slots, and counts the
 * rest as dropped).
 *
 * Usage: upcall_flood [alarms [cycles_per_alarm]]   (defaults: 20, 1000000)
 * The computation per alarm must outlast one millisecond of target time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ipcsim/app.h>
#include <libtock/peripherals/syscalls/alarm_syscalls.h>
#include <libtock/tock.h>

static int delivered;

static void on_alarm(int now, int due, int unused, void *opaque)
{
    (void)now;
    (void)due;
    (void)unused;
    (void)opaque;
    delivered++;
}

int main(int argc, char **argv)
{
    int alarms = argc > 1 ? atoi(argv[1]) : 20;
    unsigned long long cycles = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000ull;
    uint32_t hz = 0;
    int armed = 0;

    if (libtock_alarm_command_get_frequency(&hz) != RETURNCODE_SUCCESS || hz == 0) {
        printf("upcall_flood: no alarm driver\n");
        return 1;
    }
    if (libtock_alarm_set_upcall(on_alarm, NULL) != RETURNCODE_SUCCESS) {
        printf("upcall_flood: cannot subscribe to the alarm\n");
        return 1;
    }
    uint32_t dt = hz / 1000 > 0 ? hz / 1000 : 1; /* about one millisecond */
    for (int i = 0; i < alarms; i++) {
        uint32_t expiry;
        if (libtock_alarm_command_set_relative(dt, &expiry) == RETURNCODE_SUCCESS)
            armed++;
        ipcsim_compute(cycles); /* the alarm fires meanwhile; nothing runs it */
    }
    while (yield_no_wait() != 0) {
    }
    printf("armed=%d delivered=%d\n", armed, delivered);
    return 0;
}
