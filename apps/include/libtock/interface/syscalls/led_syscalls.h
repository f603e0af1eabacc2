/* libtock/interface/syscalls/led_syscalls.h: one-syscall wrappers for the LED
 * driver (0x2). */
#ifndef LIBTOCK_LED_SYSCALLS_H
#define LIBTOCK_LED_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_LED 0x2

/* True if the LED driver is present. */
bool libtock_led_driver_exists(void);

/* Stores the number of LEDs in *count (command 0). */
returncode_t libtock_led_command_count(int *count);

/* Turns LED `led_num` on (command 1); EINVAL for a bad index. */
returncode_t libtock_led_command_on(int led_num);

/* Turns LED `led_num` off (command 2); EINVAL for a bad index. */
returncode_t libtock_led_command_off(int led_num);

/* Toggles LED `led_num` (command 3); EINVAL for a bad index. */
returncode_t libtock_led_command_toggle(int led_num);

/* Stores the state (0 off, 1 on) of LED `led_num` in *state (command 4).
 * Not in libtock-c; the kernel's LED capsule has had this command. */
returncode_t libtock_led_command_read(int led_num, int *state);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_LED_SYSCALLS_H */
