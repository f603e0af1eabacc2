/* relay_request_syscalls.c: one-syscall wrappers for Relay Request 0xA0010. */
#include <libtock/ipc/syscalls/relay_request_syscalls.h>

#define DRV DRIVER_NUM_IPC_RELAY_REQUEST

static returncode_t rr_cmd(uint32_t cmd, uint64_t id)
{
    syscall_return_t r = command(DRV, cmd, (int)(uint32_t)id, (int)(uint32_t)(id >> 32));
    return tock_command_return_novalue_to_returncode(r);
}

bool libtock_ipc_relay_request_driver_exists(void)
{
    return driver_exists(DRV);
}

returncode_t libtock_ipc_relay_request_set_upcall_response(subscribe_upcall cb, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRV, 0, cb, opaque));
}

returncode_t libtock_ipc_relay_request_set_upcall_request(subscribe_upcall cb, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRV, 1, cb, opaque));
}

returncode_t libtock_ipc_relay_request_set_readonly_allow(const uint8_t *buf, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(DRV, 0, buf, len));
}

returncode_t libtock_ipc_relay_request_set_readwrite_allow(uint8_t *buf, uint32_t len)
{
    return tock_allow_rw_return_to_returncode(allow_readwrite(DRV, 0, buf, len));
}

returncode_t libtock_ipc_relay_request_command_send(uint64_t server)
{
    return rr_cmd(0x10, server);
}

returncode_t libtock_ipc_relay_request_command_cancel(void)
{
    return rr_cmd(0x11, 0);
}

returncode_t libtock_ipc_relay_request_command_enable(void)
{
    return rr_cmd(0x20, 0);
}

returncode_t libtock_ipc_relay_request_command_disable(void)
{
    return rr_cmd(0x21, 0);
}

/* 0x22 / 0x23: Success+u32+u64 (len, client); Failure+u64 (err, client). */
static returncode_t rr_next(uint32_t cmd, uint64_t from, uint32_t *len, uint64_t *client)
{
    syscall_return_t r = command(DRV, cmd, (int)(uint32_t)from, (int)(uint32_t)(from >> 32));
    *len = 0;
    *client = 0;
    if (r.type == TOCK_SYSCALL_SUCCESS_U32_U64) {
        *len = r.data[0];
        *client = (uint64_t)r.data[2] << 32 | r.data[1];
        return RETURNCODE_SUCCESS;
    }
    if (r.type == TOCK_SYSCALL_FAILURE_U64 || r.type == TOCK_SYSCALL_FAILURE) {
        if (r.type == TOCK_SYSCALL_FAILURE_U64)
            *client = (uint64_t)r.data[2] << 32 | r.data[1];
        return tock_status_to_returncode((statuscode_t)r.data[0]);
    }
    return RETURNCODE_EBADRVAL;
}

returncode_t libtock_ipc_relay_request_command_next(uint32_t *len, uint64_t *client)
{
    return rr_next(0x22, 0, len, client);
}

returncode_t libtock_ipc_relay_request_command_next_from(uint64_t from, uint32_t *len,
                                                         uint64_t *client)
{
    return rr_next(0x23, from, len, client);
}

returncode_t libtock_ipc_relay_request_command_respond(void)
{
    return rr_cmd(0x24, 0);
}

returncode_t libtock_ipc_relay_request_command_restrict(uint32_t short_id)
{
    return rr_cmd(0x25, short_id);
}
