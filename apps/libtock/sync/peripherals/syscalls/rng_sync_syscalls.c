/* rng_sync_syscalls.c: yield-wait-for on the RNG driver's upcall. */
#include <libtock-sync/peripherals/syscalls/rng_syscalls.h>

returncode_t libtocksync_rng_yield_wait_for(int *received)
{
    /* The capsule reports (0, bytes received, 0). */
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_RNG, 0);
    *received = (int)r.data1;
    return RETURNCODE_SUCCESS;
}
