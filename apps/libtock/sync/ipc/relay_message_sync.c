/* relay_message_sync.c: waiting for a mailbox message. */
#include <libtock-sync/ipc/relay_message.h>

returncode_t libtocksync_ipc_relay_message_wait(uint64_t *sender)
{
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_IPC_RELAY_MESSAGE, 0);
    *sender = (uint64_t)r.data2 << 32 | r.data1;
    return tock_status_to_returncode((statuscode_t)r.data0);
}
