/* rng_sync.c: blocking random bytes (share, request, wait, unshare). */
#include <libtock-sync/peripherals/rng.h>
#include <libtock-sync/peripherals/syscalls/rng_syscalls.h>

bool libtocksync_rng_exists(void)
{
    return libtock_rng_driver_exists();
}

returncode_t libtocksync_rng_get_random_bytes(uint8_t *buf, uint32_t len, uint32_t num,
                                              int *num_received)
{
    returncode_t err = libtock_rng_set_allow_readwrite(buf, len);
    if (err != RETURNCODE_SUCCESS)
        return err;
    err = libtock_rng_command_get_random(num);
    if (err == RETURNCODE_SUCCESS)
        err = libtocksync_rng_yield_wait_for(num_received);
    (void)libtock_rng_set_allow_readwrite(NULL, 0);
    return err;
}
