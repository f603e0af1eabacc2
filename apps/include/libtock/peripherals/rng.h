/* libtock/peripherals/rng.h: asynchronous random bytes from the RNG driver. */
#ifndef LIBTOCK_RNG_H
#define LIBTOCK_RNG_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Callback when the bytes are there: status and number of bytes received. */
typedef void (*libtock_rng_callback)(returncode_t, int);

/* True if the RNG driver is present. */
bool libtock_rng_exists(void);

/* Starts filling `buf` (of `len` bytes) with `num` random bytes; `cb` runs
 * inside yield() when they are there. `buf` stays shared until then. */
returncode_t libtock_rng_get_random_bytes(uint8_t *buf, uint32_t len, uint32_t num,
                                          libtock_rng_callback cb);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_RNG_H */
