/* sendrecv_syscalls.c: one-syscall wrappers for the send / receive / reply
 * driver (0xA0030). */
#include <libtock/ipc/syscalls/sendrecv_syscalls.h>

enum {
    CMD_LOOKUP = 1,
    CMD_SEND = 2,
    CMD_RECV = 3,
    CMD_RECV_FROM = 4,
    CMD_REPLY = 5,
    CMD_REPLY_FAULT = 6,
    CMD_BORROW_READ = 7,
    CMD_BORROW_WRITE = 8,
    CMD_BORROW_INFO = 9,
    CMD_POST = 10,
    CMD_RESTRICT = 11,
    CMD_CLIENT_INFO = 12,
    CMD_ABANDON = 13,
    CMD_SELF = 14,
};

bool libtock_sendrecv_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_SENDRECV);
}

/* A command's failure as a returncode_t; Failure_u32 carries a dead code. */
static returncode_t failure(syscall_return_t r, uint32_t *dead_code)
{
    if (r.type == TOCK_SYSCALL_FAILURE_U32 && dead_code != NULL)
        *dead_code = r.data[1];
    if (r.type == TOCK_SYSCALL_FAILURE || r.type == TOCK_SYSCALL_FAILURE_U32)
        return tock_status_to_returncode((statuscode_t)r.data[0]);
    return RETURNCODE_EBADRVAL;
}

static returncode_t novalue(syscall_return_t r, uint32_t *dead_code)
{
    return r.type == TOCK_SYSCALL_SUCCESS ? RETURNCODE_SUCCESS : failure(r, dead_code);
}

static returncode_t one_value(syscall_return_t r, uint32_t *v, uint32_t *dead_code)
{
    if (r.type != TOCK_SYSCALL_SUCCESS_U32)
        return failure(r, dead_code);
    *v = r.data[0];
    return RETURNCODE_SUCCESS;
}

returncode_t libtock_sendrecv_set_upcall_reply(subscribe_upcall callback, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRIVER_NUM_SENDRECV, 0, callback, opaque));
}

returncode_t libtock_sendrecv_set_upcall_receive(subscribe_upcall callback, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(DRIVER_NUM_SENDRECV, 1, callback, opaque));
}

returncode_t libtock_sendrecv_set_readonly_allow(const void *buf, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(DRIVER_NUM_SENDRECV, 0, buf, len));
}

returncode_t libtock_sendrecv_set_readwrite_allow(void *buf, uint32_t len)
{
    return tock_allow_rw_return_to_returncode(allow_readwrite(DRIVER_NUM_SENDRECV, 0, buf, len));
}

returncode_t libtock_sendrecv_set_readonly_allow_lease(unsigned lease, const void *buf,
                                                       uint32_t len)
{
    if (lease >= LIBTOCK_SENDRECV_MAX_LEASES)
        return RETURNCODE_EINVAL;
    return tock_allow_ro_return_to_returncode(
        allow_readonly(DRIVER_NUM_SENDRECV, lease + 1, buf, len));
}

returncode_t libtock_sendrecv_set_readwrite_allow_lease(unsigned lease, void *buf, uint32_t len)
{
    if (lease >= LIBTOCK_SENDRECV_MAX_LEASES)
        return RETURNCODE_EINVAL;
    return tock_allow_rw_return_to_returncode(
        allow_readwrite(DRIVER_NUM_SENDRECV, lease + 1, buf, len));
}

returncode_t libtock_sendrecv_set_readwrite_allow_bounce(void *buf, uint32_t len)
{
    return tock_allow_rw_return_to_returncode(allow_readwrite(DRIVER_NUM_SENDRECV, 1, buf, len));
}

returncode_t libtock_sendrecv_set_readonly_allow_bounce(const void *buf, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(DRIVER_NUM_SENDRECV, 1, buf, len));
}

returncode_t libtock_sendrecv_command_lookup(uint32_t *task)
{
    return one_value(command(DRIVER_NUM_SENDRECV, CMD_LOOKUP, 0, 0), task, NULL);
}

returncode_t libtock_sendrecv_command_send(uint32_t task, uint32_t opword, uint32_t *dead_code)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_SEND, (int)task, (int)opword), dead_code);
}

returncode_t libtock_sendrecv_command_receive(uint32_t mask)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_RECV, (int)mask, 0), NULL);
}

returncode_t libtock_sendrecv_command_receive_from(uint32_t task, uint32_t mask,
                                                   uint32_t *dead_code)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_RECV_FROM, (int)task, (int)mask), dead_code);
}

returncode_t libtock_sendrecv_command_reply(uint32_t task, uint32_t code)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_REPLY, (int)task, (int)code), NULL);
}

returncode_t libtock_sendrecv_command_reply_fault(uint32_t task, uint32_t reason)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_REPLY_FAULT, (int)task, (int)reason), NULL);
}

static returncode_t borrow(uint32_t cmd, uint32_t task, unsigned lease, uint32_t offset,
                           uint32_t *copied, uint32_t *dead_code)
{
    if (lease > 0xFFu || offset > 0xFFFFFFu)
        return RETURNCODE_EINVAL;
    uint32_t where = lease | offset << 8;
    return one_value(command(DRIVER_NUM_SENDRECV, cmd, (int)task, (int)where), copied, dead_code);
}

returncode_t libtock_sendrecv_command_borrow_read(uint32_t task, unsigned lease, uint32_t offset,
                                                  uint32_t *copied, uint32_t *dead_code)
{
    return borrow(CMD_BORROW_READ, task, lease, offset, copied, dead_code);
}

returncode_t libtock_sendrecv_command_borrow_write(uint32_t task, unsigned lease, uint32_t offset,
                                                   uint32_t *copied, uint32_t *dead_code)
{
    return borrow(CMD_BORROW_WRITE, task, lease, offset, copied, dead_code);
}

returncode_t libtock_sendrecv_command_borrow_info(uint32_t task, unsigned lease, uint32_t *attrs,
                                                  uint32_t *len, uint32_t *dead_code)
{
    syscall_return_t r = command(DRIVER_NUM_SENDRECV, CMD_BORROW_INFO, (int)task, (int)lease);
    if (r.type != TOCK_SYSCALL_SUCCESS_U32_U32)
        return failure(r, dead_code);
    *attrs = r.data[0];
    *len = r.data[1];
    return RETURNCODE_SUCCESS;
}

returncode_t libtock_sendrecv_command_post(uint32_t task, uint32_t bits, uint32_t *dead_code)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_POST, (int)task, (int)bits), dead_code);
}

returncode_t libtock_sendrecv_command_restrict(uint32_t kind, uint32_t short_id)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_RESTRICT, (int)kind, (int)short_id), NULL);
}

returncode_t libtock_sendrecv_command_client_info(uint32_t task, uint32_t *short_id,
                                                  uint32_t *process_id, uint32_t *reply_cap,
                                                  uint32_t *dead_code)
{
    syscall_return_t r = command(DRIVER_NUM_SENDRECV, CMD_CLIENT_INFO, (int)task, 0);
    if (r.type != TOCK_SYSCALL_SUCCESS_U32_U32_U32)
        return failure(r, dead_code);
    *short_id = r.data[0];
    *process_id = r.data[1];
    *reply_cap = r.data[2];
    return RETURNCODE_SUCCESS;
}

returncode_t libtock_sendrecv_command_abandon(void)
{
    return novalue(command(DRIVER_NUM_SENDRECV, CMD_ABANDON, 0, 0), NULL);
}

returncode_t libtock_sendrecv_command_self(uint32_t *task)
{
    return one_value(command(DRIVER_NUM_SENDRECV, CMD_SELF, 0, 0), task, NULL);
}
