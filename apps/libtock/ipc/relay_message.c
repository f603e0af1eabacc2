/* relay_message.c: one-way messages over Relay Message (0xA0011) and the
 * streaming slice's format. */
#include <string.h>

#include <libtock/ipc/relay_message.h>

static uint32_t rd32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void libtock_ipc_relay_message_slice_init(uint8_t *slice, uint32_t len)
{
    if (slice != NULL && len >= LIBTOCK_IPC_SLICE_HEADER)
        memset(slice, 0, LIBTOCK_IPC_SLICE_HEADER);
}

bool libtock_ipc_relay_message_slice_exceeded(const uint8_t *slice)
{
    return (slice[3] & 0x01) != 0;
}

bool libtock_ipc_relay_message_slice_next(const uint8_t *slice, uint32_t *cursor,
                                          libtock_ipc_message_t *m)
{
    uint32_t end = rd32(slice + 4);
    if (*cursor + LIBTOCK_IPC_MESSAGE_HEADER > end)
        return false;
    const uint8_t *rec = slice + LIBTOCK_IPC_SLICE_HEADER + *cursor;
    m->sender = (uint64_t)rd32(rec + 4) << 32 | rd32(rec);
    m->len = rd32(rec + 8);
    m->data = rec + LIBTOCK_IPC_MESSAGE_HEADER;
    if (m->len > end - *cursor - LIBTOCK_IPC_MESSAGE_HEADER)
        return false; /* a damaged slice */
    *cursor += LIBTOCK_IPC_MESSAGE_HEADER + m->len;
    return true;
}

static void message_upcall(int status, int lo, int hi, void *opaque)
{
    libtock_ipc_relay_message_callback cb = (libtock_ipc_relay_message_callback)opaque;
    cb(tock_status_to_returncode((statuscode_t)status),
       (uint64_t)(uint32_t)hi << 32 | (uint32_t)lo);
}

returncode_t libtock_ipc_relay_message_receive(uint8_t *slice, uint32_t len,
                                               libtock_ipc_relay_message_callback cb)
{
    libtock_ipc_relay_message_slice_init(slice, len);
    returncode_t rc = libtock_ipc_relay_message_set_upcall(cb ? message_upcall : NULL, cb);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_message_set_readwrite_allow(slice, len);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_message_command_enable();
    return rc;
}

returncode_t libtock_ipc_relay_message_swap(uint8_t *fresh, uint32_t len, uint8_t **old,
                                            uint32_t *old_len)
{
    libtock_ipc_relay_message_slice_init(fresh, len);
    allow_rw_return_t r = allow_readwrite(DRIVER_NUM_IPC_RELAY_MESSAGE, 0, fresh, len);
    if (!r.success)
        return tock_status_to_returncode(r.status);
    *old = r.ptr;
    *old_len = (uint32_t)r.size;
    return RETURNCODE_SUCCESS;
}

returncode_t libtock_ipc_relay_message_stop(void)
{
    return libtock_ipc_relay_message_command_disable();
}

returncode_t libtock_ipc_relay_message_allow_sender(uint64_t sender)
{
    return libtock_ipc_relay_message_command_allow_sender(sender);
}

returncode_t libtock_ipc_relay_message_remove_sender(uint64_t sender)
{
    return libtock_ipc_relay_message_command_remove_sender(sender);
}

returncode_t libtock_ipc_relay_message_clear_senders(void)
{
    return libtock_ipc_relay_message_command_clear_senders();
}

returncode_t libtock_ipc_relay_message_send(uint64_t receiver, const uint8_t *msg, uint32_t len)
{
    returncode_t rc = libtock_ipc_relay_message_set_readonly_allow(msg, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_ipc_relay_message_command_send(receiver);
    (void)libtock_ipc_relay_message_set_readonly_allow(NULL, 0);
    return rc;
}
