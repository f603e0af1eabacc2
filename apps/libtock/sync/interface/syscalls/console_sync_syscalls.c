/* console_sync_syscalls.c: yield-wait-for on the console driver's write-done
 * and read-done upcalls. */
#include <libtock-sync/interface/syscalls/console_syscalls.h>

returncode_t libtocksync_console_yield_wait_for_write(uint32_t *bytes_written)
{
    /* The capsule reports a finished write as (written, 0, 0). */
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_CONSOLE, 1);
    *bytes_written = r.data0;
    return RETURNCODE_SUCCESS;
}

returncode_t libtocksync_console_yield_wait_for_read(uint32_t *bytes_read)
{
    /* The capsule reports a finished read as (status, read, 0). */
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_CONSOLE, 2);
    *bytes_read = r.data1;
    return tock_status_to_returncode((statuscode_t)r.data0);
}
