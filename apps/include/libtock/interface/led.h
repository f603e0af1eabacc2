/* libtock/interface/led.h: switching the board's LEDs. */
#ifndef LIBTOCK_LED_H
#define LIBTOCK_LED_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if the LED driver is present. */
bool libtock_led_exists(void);

/* Stores the number of LEDs on the board in *count. */
returncode_t libtock_led_count(int *count);

/* Turns LED `led_num` on. */
returncode_t libtock_led_on(int led_num);

/* Turns LED `led_num` off. */
returncode_t libtock_led_off(int led_num);

/* Toggles LED `led_num`. */
returncode_t libtock_led_toggle(int led_num);

/* Stores the state (0 off, 1 on) of LED `led_num` in *state. Not in
 * libtock-c; provided because the kernel driver answers command 4. */
returncode_t libtock_led_read(int led_num, int *state);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_LED_H */
