/* libtock-sync/peripherals/syscalls/rng_syscalls.h: waiting for the RNG
 * driver's upcall with yield-wait-for. */
#ifndef LIBTOCKSYNC_RNG_SYSCALLS_H
#define LIBTOCKSYNC_RNG_SYSCALLS_H

#include <libtock/peripherals/syscalls/rng_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Waits for the RNG upcall; *received gets the number of bytes delivered. */
returncode_t libtocksync_rng_yield_wait_for(int *received);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_RNG_SYSCALLS_H */
