/* share_sync.c: blocking waits for the shared-memory driver's upcalls. */
#include <libtock-sync/ipc/share.h>

bool libtocksync_share_exists(void)
{
    return libtock_share_driver_exists();
}

returncode_t libtocksync_share_wait_for_grant(libtock_share_chunk_t *chunk)
{
    /* upcall 0: (owner ProcessId, hw, address) */
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_SHARE, 0);
    return libtock_share_chunk_from_upcall(r.data0, r.data1, r.data2, chunk);
}

returncode_t libtocksync_share_wait_for_end(uint32_t *other, uint32_t *handle, uint32_t *reason)
{
    /* upcall 1: (the other side's ProcessId, hw, reason) */
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_SHARE, 1);
    if (other != NULL)
        *other = r.data0;
    if (handle != NULL)
        *handle = LIBTOCK_SHARE_HW_HANDLE(r.data1);
    if (reason != NULL)
        *reason = r.data2;
    return RETURNCODE_SUCCESS;
}
