/* relay_request_sync.c: blocking calls over Relay Request (0xA0010). */
#include <libtock-sync/ipc/relay_request.h>
#include <libtock/services/alarm.h>

returncode_t libtocksync_ipc_relay_request_call(uint64_t server, const uint8_t *req, uint32_t len,
                                                uint8_t *resp, uint32_t cap, uint32_t *resp_len)
{
    returncode_t rc = libtock_ipc_relay_request_set_readonly_allow(req, len);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_set_readwrite_allow(resp, cap);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_command_send(server);
    if (rc == RETURNCODE_SUCCESS) {
        yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_IPC_RELAY_REQUEST, 0);
        rc = tock_status_to_returncode((statuscode_t)r.data0);
        *resp_len = r.data1;
    }
    (void)libtock_ipc_relay_request_set_readonly_allow(NULL, 0);
    (void)libtock_ipc_relay_request_set_readwrite_allow(NULL, 0);
    return rc;
}

static struct {
    bool done;
    returncode_t rc;
    uint32_t len;
} call_state;

static void call_done(returncode_t rc, uint32_t len)
{
    call_state.rc = rc;
    call_state.len = len;
    call_state.done = true;
}

static void call_expired(uint32_t now, uint32_t scheduled, void *opaque)
{
    (void)now;
    (void)scheduled;
    *(bool *)opaque = true;
}

returncode_t libtocksync_ipc_relay_request_call_timeout(uint64_t server, const uint8_t *req,
                                                        uint32_t len, uint8_t *resp, uint32_t cap,
                                                        uint32_t *resp_len, uint32_t timeout_ms)
{
    call_state.done = false;
    returncode_t rc = libtock_ipc_relay_request_send(server, req, len, resp, cap, call_done);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    bool expired = false;
    libtock_alarm_t alarm;
    rc = libtock_alarm_in_ms(timeout_ms, call_expired, &expired, &alarm);
    if (rc != RETURNCODE_SUCCESS) {
        (void)libtock_ipc_relay_request_cancel();
        return rc;
    }
    while (!call_state.done && !expired)
        yield();
    bool cancelled = false;
    if (!call_state.done) {
        /* the cancel's own upcall (ECANCEL) lands in call_done; if the
         * response won the race, cancel fails and the response counts */
        cancelled = libtock_ipc_relay_request_cancel() == RETURNCODE_SUCCESS;
        while (!call_state.done)
            yield();
    } else {
        libtock_alarm_ms_cancel(&alarm);
    }
    rc = cancelled ? RETURNCODE_ENOACK : call_state.rc;
    *resp_len = cancelled ? 0 : call_state.len;
    (void)libtock_ipc_relay_request_set_readonly_allow(NULL, 0);
    (void)libtock_ipc_relay_request_set_readwrite_allow(NULL, 0);
    return rc;
}

returncode_t libtocksync_ipc_relay_wait_request(uint64_t *client)
{
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_IPC_RELAY_REQUEST, 1);
    *client = (uint64_t)r.data1 << 32 | r.data0;
    return RETURNCODE_SUCCESS;
}
