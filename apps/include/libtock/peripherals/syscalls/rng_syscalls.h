/* libtock/peripherals/syscalls/rng_syscalls.h: one-syscall wrappers for the
 * random number generator driver (0x40001). */
#ifndef LIBTOCK_RNG_SYSCALLS_H
#define LIBTOCK_RNG_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_RNG 0x40001

/* True if the RNG driver is present. */
bool libtock_rng_driver_exists(void);

/* Shares the buffer the random bytes go into (read-write allow 0). */
returncode_t libtock_rng_set_allow_readwrite(uint8_t *buf, uint32_t len);

/* Installs the upcall (subscribe 0) that gets (0, bytes received, 0). */
returncode_t libtock_rng_set_upcall(subscribe_upcall callback, void *opaque);

/* Asks for `num_bytes` random bytes (command 1). */
returncode_t libtock_rng_command_get_random(uint32_t num_bytes);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_RNG_SYSCALLS_H */
