/* alarm_syscalls.c: one-syscall wrappers for the alarm driver (0x0). */
#include <libtock/peripherals/syscalls/alarm_syscalls.h>

bool libtock_alarm_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_ALARM);
}

int libtock_alarm_set_upcall(subscribe_upcall callback, void *opaque)
{
    subscribe_return_t r = subscribe(DRIVER_NUM_ALARM, 0, callback, opaque);
    return tock_subscribe_return_to_returncode(r);
}

int libtock_alarm_command_get_frequency(uint32_t *frequency)
{
    return tock_command_return_u32_to_returncode(command(DRIVER_NUM_ALARM, 1, 0, 0), frequency);
}

int libtock_alarm_command_read(uint32_t *time)
{
    return tock_command_return_u32_to_returncode(command(DRIVER_NUM_ALARM, 2, 0, 0), time);
}

int libtock_alarm_command_stop(void)
{
    return tock_command_return_novalue_to_returncode(command(DRIVER_NUM_ALARM, 3, 0, 0));
}

int libtock_alarm_command_set_relative(uint32_t dt, uint32_t *actual)
{
    syscall_return_t r = command(DRIVER_NUM_ALARM, 5, (int)dt, 0);
    return tock_command_return_u32_to_returncode(r, actual);
}

int libtock_alarm_command_set_absolute(uint32_t reference, uint32_t dt)
{
    uint32_t expiry;
    syscall_return_t r = command(DRIVER_NUM_ALARM, 6, (int)reference, (int)dt);
    return tock_command_return_u32_to_returncode(r, &expiry);
}
