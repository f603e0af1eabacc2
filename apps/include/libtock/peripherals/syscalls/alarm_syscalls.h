/* libtock/peripherals/syscalls/alarm_syscalls.h: one-syscall wrappers for the
 * alarm driver (0x0), a single 32-bit tick counter with one compare value per
 * process. */
#ifndef LIBTOCK_ALARM_SYSCALLS_H
#define LIBTOCK_ALARM_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_ALARM 0x0

/* True if the alarm driver is present. */
bool libtock_alarm_driver_exists(void);

/* Installs the alarm upcall (subscribe 0); it gets (now, reference + dt, 0). */
int libtock_alarm_set_upcall(subscribe_upcall callback, void *opaque);

/* Stores the tick frequency in Hz (command 1). */
int libtock_alarm_command_get_frequency(uint32_t *frequency);

/* Stores the current tick count (command 2). */
int libtock_alarm_command_read(uint32_t *time);

/* Disarms the process's alarm (command 3); EALREADY if it was not armed. */
int libtock_alarm_command_stop(void);

/* Arms the alarm `dt` ticks after the kernel handles the call (command 5) and
 * stores the expiry it chose in *actual. Replaces any armed alarm. */
int libtock_alarm_command_set_relative(uint32_t dt, uint32_t *actual);

/* Arms the alarm for reference + dt (command 6); an expiry already passed
 * fires at once. Replaces any armed alarm. */
int libtock_alarm_command_set_absolute(uint32_t reference, uint32_t dt);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_ALARM_SYSCALLS_H */
