/* libtock-sync/peripherals/rng.h: blocking random bytes. */
#ifndef LIBTOCKSYNC_RNG_H
#define LIBTOCKSYNC_RNG_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if the RNG driver is present. */
bool libtocksync_rng_exists(void);

/* Fills `buf` (of `len` bytes) with up to `num` random bytes and waits for
 * them; *num_received gets the count. */
returncode_t libtocksync_rng_get_random_bytes(uint8_t *buf, uint32_t len, uint32_t num,
                                              int *num_received);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_RNG_H */
