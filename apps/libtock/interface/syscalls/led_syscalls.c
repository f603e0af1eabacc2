/* led_syscalls.c: one-syscall wrappers for the LED driver (0x2). */
#include <libtock/interface/syscalls/led_syscalls.h>

bool libtock_led_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_LED);
}

returncode_t libtock_led_command_count(int *count)
{
    uint32_t n = 0;
    int err = tock_command_return_u32_to_returncode(command(DRIVER_NUM_LED, 0, 0, 0), &n);
    if (err == RETURNCODE_SUCCESS)
        *count = (int)n;
    return err;
}

returncode_t libtock_led_command_on(int led_num)
{
    return tock_command_return_novalue_to_returncode(command(DRIVER_NUM_LED, 1, led_num, 0));
}

returncode_t libtock_led_command_off(int led_num)
{
    return tock_command_return_novalue_to_returncode(command(DRIVER_NUM_LED, 2, led_num, 0));
}

returncode_t libtock_led_command_toggle(int led_num)
{
    return tock_command_return_novalue_to_returncode(command(DRIVER_NUM_LED, 3, led_num, 0));
}

returncode_t libtock_led_command_read(int led_num, int *state)
{
    uint32_t v = 0;
    int err = tock_command_return_u32_to_returncode(command(DRIVER_NUM_LED, 4, led_num, 0), &v);
    if (err == RETURNCODE_SUCCESS)
        *state = (int)v;
    return err;
}
