/* relay_request.c: asynchronous requests and responses over Relay Request
 * (0xA0010). A server shares its buffers only while a command copies. */
#include <libtock/ipc/relay_request.h>

static void response_upcall(int status, int len, int unused, void *opaque)
{
    (void)unused;
    libtock_ipc_relay_response_callback cb = (libtock_ipc_relay_response_callback)opaque;
    cb(tock_status_to_returncode((statuscode_t)status), (uint32_t)len);
}

static void request_upcall(int lo, int hi, int unused, void *opaque)
{
    (void)unused;
    libtock_ipc_relay_request_callback cb = (libtock_ipc_relay_request_callback)opaque;
    cb((uint64_t)(uint32_t)hi << 32 | (uint32_t)lo);
}

returncode_t libtock_ipc_relay_request_send(uint64_t server, const uint8_t *req, uint32_t len,
                                            uint8_t *resp, uint32_t cap,
                                            libtock_ipc_relay_response_callback cb)
{
    returncode_t rc = libtock_ipc_relay_request_set_upcall_response(response_upcall, cb);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_set_readonly_allow(req, len);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_set_readwrite_allow(resp, cap);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_command_send(server);
    return rc;
}

returncode_t libtock_ipc_relay_request_cancel(void)
{
    return libtock_ipc_relay_request_command_cancel();
}

returncode_t libtock_ipc_relay_serve(libtock_ipc_relay_request_callback cb)
{
    returncode_t rc = libtock_ipc_relay_request_set_upcall_request(cb ? request_upcall : NULL, cb);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return libtock_ipc_relay_request_command_enable();
}

returncode_t libtock_ipc_relay_stop(void)
{
    return libtock_ipc_relay_request_command_disable();
}

returncode_t libtock_ipc_relay_take(uint8_t *buf, uint32_t cap, uint32_t *len, uint64_t *client)
{
    returncode_t rc = libtock_ipc_relay_request_set_readwrite_allow(buf, cap);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_ipc_relay_request_command_next(len, client);
    if (rc == RETURNCODE_ESIZE)
        *len = cap;
    (void)libtock_ipc_relay_request_set_readwrite_allow(NULL, 0);
    return rc;
}

returncode_t libtock_ipc_relay_take_from(uint64_t client, uint8_t *buf, uint32_t cap, uint32_t *len)
{
    uint64_t got;
    returncode_t rc = libtock_ipc_relay_request_set_readwrite_allow(buf, cap);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_ipc_relay_request_command_next_from(client, len, &got);
    if (rc == RETURNCODE_ESIZE)
        *len = cap;
    (void)libtock_ipc_relay_request_set_readwrite_allow(NULL, 0);
    return rc;
}

returncode_t libtock_ipc_relay_respond(const uint8_t *resp, uint32_t len)
{
    returncode_t rc = libtock_ipc_relay_request_set_readonly_allow(resp, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_ipc_relay_request_command_respond();
    (void)libtock_ipc_relay_request_set_readonly_allow(NULL, 0);
    return rc;
}

returncode_t libtock_ipc_relay_restrict(uint32_t short_id)
{
    return libtock_ipc_relay_request_command_restrict(short_id);
}
