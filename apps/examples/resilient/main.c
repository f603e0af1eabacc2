/* resilient: a well-written app under fault injection. It arms the alarm
 * N times (argv[1], default 5) for P ms each (argv[2], default 10) and
 * checks every return code: a command that fails is retried (up to 10
 * times). It prints "tick i" per period and one line per retry, and exits
 * 0 when done. */
#include <stdio.h>
#include <stdlib.h>

#include <libtock/tock.h>

#define ALARM 0x0

static bool fired;

static void alarm_cb(int now, int expiration, int unused, void *ud)
{
    (void)now;
    (void)expiration;
    (void)unused;
    (void)ud;
    fired = true;
}

/* command(ALARM, cmd, a1, a2) with retries; returns the u32 or -1. */
static long alarm_command(uint32_t cmd, int a1, int a2)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        syscall_return_t r = command(ALARM, cmd, a1, a2);
        uint32_t v = 0;
        int rc = cmd == 3 ? tock_command_return_novalue_to_returncode(r)
                          : tock_command_return_u32_to_returncode(r, &v);
        if (rc == RETURNCODE_SUCCESS)
            return (long)v;
        printf("alarm command %u failed (%s), retrying\n", cmd, tock_strrcode(rc));
    }
    return -1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    int period_ms = argc > 2 ? atoi(argv[2]) : 10;
    subscribe_return_t s = subscribe(ALARM, 0, alarm_cb, NULL);
    if (!s.success) {
        printf("subscribe failed: %s\n", tock_strrcode(tock_status_to_returncode(s.status)));
        return 1;
    }
    long hz = alarm_command(1, 0, 0);
    if (hz <= 0)
        return 2;
    uint32_t dt = (uint32_t)((uint64_t)hz * (uint64_t)period_ms / 1000u);
    for (int i = 0; i < n; i++) {
        fired = false;
        long now = alarm_command(2, 0, 0);
        if (now < 0 || alarm_command(6, (int)now, (int)dt) < 0)
            return 3;
        yield_for(&fired);
        printf("tick %d\n", i);
    }
    return 0;
}
