/* alarm_sync.c: blocking delays and timed waits on top of the alarm service;
 * they yield, so other upcalls (other alarms included) keep running. */
#include <libtock-sync/services/alarm.h>

/* Sets the bool the opaque pointer points to. */
static void set_flag(uint32_t now, uint32_t due, void *opaque)
{
    (void)now;
    (void)due;
    *(bool *)opaque = true;
}

int libtocksync_alarm_delay_ms(uint32_t ms)
{
    libtock_alarm_t alarm;
    bool fired = false;
    int err = libtock_alarm_in_ms(ms, set_flag, &fired, &alarm);
    if (err != RETURNCODE_SUCCESS)
        return err;
    yield_for(&fired);
    return RETURNCODE_SUCCESS;
}

int libtocksync_alarm_yield_for_with_timeout(bool *cond, uint32_t ms)
{
    libtock_alarm_t alarm;
    bool timed_out = false;
    int err = libtock_alarm_in_ms(ms, set_flag, &timed_out, &alarm);
    if (err != RETURNCODE_SUCCESS)
        return err;
    while (!*(volatile bool *)cond) {
        if (*(volatile bool *)&timed_out)
            return RETURNCODE_FAIL;
        yield();
    }
    libtock_alarm_ms_cancel(&alarm);
    return RETURNCODE_SUCCESS;
}
