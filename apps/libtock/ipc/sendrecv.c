/* sendrecv.c: the asynchronous send / receive / reply calls over the
 * driver's syscalls; upcalls become typed callbacks. */
#include <libtock/ipc/sendrecv.h>

#include <string.h>

/* One send and one receive pending per process at a time. */
static libtock_sendrecv_reply_callback reply_cb;
static libtock_sendrecv_receive_callback receive_cb;

bool libtock_sendrecv_exists(void)
{
    return libtock_sendrecv_driver_exists();
}

bool libtock_sendrecv_is_dead_code(uint32_t code)
{
    return (code & LIBTOCK_SENDRECV_DEAD_BASE) == LIBTOCK_SENDRECV_DEAD_BASE;
}

returncode_t libtock_sendrecv_reply_status(uint32_t info)
{
    switch (info & 0xFFu) {
    case LIBTOCK_SENDRECV_REPLY_OK:
        return RETURNCODE_SUCCESS;
    case LIBTOCK_SENDRECV_REPLY_TRUNCATED:
        return RETURNCODE_ESIZE;
    case LIBTOCK_SENDRECV_REPLY_DEAD:
        return RETURNCODE_ENODEVICE;
    default:
        return RETURNCODE_EBADRVAL;
    }
}

void libtock_sendrecv_decode(uint32_t a0, uint32_t a1, uint32_t a2, libtock_sendrecv_msg_t *msg)
{
    memset(msg, 0, sizeof(*msg));
    msg->sender = a0;
    if (a0 == LIBTOCK_SENDRECV_KERNEL_ID) {
        msg->notification = true;
        msg->bits = a2;
    } else if (libtock_sendrecv_is_dead_code(a0)) {
        msg->peer_died = true;
        msg->dead_code = a0;
    } else {
        msg->len = a1 & 0xFFFFu;
        msg->sent = a1 >> 16;
        msg->operation = (uint16_t)a2;
        msg->nleases = (a2 >> 16) & 0xFu;
        for (unsigned i = 0; i < msg->nleases && i < LIBTOCK_SENDRECV_MAX_LEASES; i++)
            msg->attrs[i] = (uint8_t)((a2 >> (20 + 2 * i)) & 3u);
    }
}

static void reply_upcall(int code, int len, int info, void *opaque)
{
    (void)opaque;
    libtock_sendrecv_reply_callback cb = reply_cb;
    reply_cb = NULL;
    if (cb != NULL)
        cb(libtock_sendrecv_reply_status((uint32_t)info), (uint32_t)code, (uint32_t)len);
}

static void receive_upcall(int a0, int a1, int a2, void *opaque)
{
    (void)opaque;
    libtock_sendrecv_receive_callback cb = receive_cb;
    receive_cb = NULL;
    if (cb == NULL)
        return;
    libtock_sendrecv_msg_t msg;
    libtock_sendrecv_decode((uint32_t)a0, (uint32_t)a1, (uint32_t)a2, &msg);
    cb(&msg);
}

returncode_t libtock_sendrecv_lookup(const char *name, uint32_t *task)
{
    returncode_t rc = libtock_sendrecv_set_readonly_allow(name, (uint32_t)strlen(name));
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_sendrecv_command_lookup(task);
    (void)libtock_sendrecv_set_readonly_allow(NULL, 0);
    return rc;
}

returncode_t libtock_sendrecv_self(uint32_t *task)
{
    return libtock_sendrecv_command_self(task);
}

returncode_t libtock_sendrecv_send(uint32_t task, uint16_t op, const void *msg, uint32_t len,
                                   void *reply, uint32_t reply_cap,
                                   const libtock_sendrecv_lease_t *leases, unsigned nleases,
                                   libtock_sendrecv_reply_callback cb, uint32_t *dead_code)
{
    if (nleases > LIBTOCK_SENDRECV_MAX_LEASES || len > LIBTOCK_SENDRECV_MSG_MAX)
        return nleases > LIBTOCK_SENDRECV_MAX_LEASES ? RETURNCODE_EINVAL : RETURNCODE_ESIZE;
    uint32_t attrs = 0;
    returncode_t rc = RETURNCODE_SUCCESS;
    for (unsigned i = 0; i < nleases && rc == RETURNCODE_SUCCESS; i++) {
        uint8_t a = leases[i].attrs & 3u;
        if (a == 0)
            return RETURNCODE_EINVAL;
        attrs |= (uint32_t)a << (2 * i);
        if (a & LIBTOCK_SENDRECV_LEASE_WRITE)
            rc = libtock_sendrecv_set_readwrite_allow_lease(i, leases[i].base, leases[i].len);
        else
            rc = libtock_sendrecv_set_readonly_allow_lease(i, leases[i].base, leases[i].len);
    }
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_set_upcall_reply(reply_upcall, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_set_readonly_allow(msg, len);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_set_readwrite_allow(reply, reply_cap);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    reply_cb = cb;
    rc =
        libtock_sendrecv_command_send(task, LIBTOCK_SENDRECV_OPWORD(op, nleases, attrs), dead_code);
    if (rc != RETURNCODE_SUCCESS)
        reply_cb = NULL;
    return rc;
}

returncode_t libtock_sendrecv_abandon(void)
{
    returncode_t rc = libtock_sendrecv_command_abandon();
    if (rc == RETURNCODE_SUCCESS)
        reply_cb = NULL;
    return rc;
}

static returncode_t receive_setup(void *buf, uint32_t cap, libtock_sendrecv_receive_callback cb)
{
    returncode_t rc = libtock_sendrecv_set_upcall_receive(receive_upcall, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_set_readwrite_allow(buf, cap);
    if (rc == RETURNCODE_SUCCESS)
        receive_cb = cb;
    return rc;
}

returncode_t libtock_sendrecv_receive(void *buf, uint32_t cap, uint32_t mask,
                                      libtock_sendrecv_receive_callback cb)
{
    returncode_t rc = receive_setup(buf, cap, cb);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_command_receive(mask);
    return rc;
}

returncode_t libtock_sendrecv_receive_from(uint32_t task, void *buf, uint32_t cap, uint32_t mask,
                                           libtock_sendrecv_receive_callback cb,
                                           uint32_t *dead_code)
{
    returncode_t rc = receive_setup(buf, cap, cb);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_command_receive_from(task, mask, dead_code);
    return rc;
}

returncode_t libtock_sendrecv_reply(uint32_t task, uint32_t code, const void *data, uint32_t len)
{
    returncode_t rc = libtock_sendrecv_set_readonly_allow(data, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_sendrecv_command_reply(task, code);
    (void)libtock_sendrecv_set_readonly_allow(NULL, 0);
    return rc;
}

returncode_t libtock_sendrecv_reply_fault(uint32_t task, uint32_t reason)
{
    return libtock_sendrecv_command_reply_fault(task, reason);
}

returncode_t libtock_sendrecv_borrow_read(uint32_t task, unsigned lease, uint32_t offset, void *dst,
                                          uint32_t len, uint32_t *copied, uint32_t *dead_code)
{
    returncode_t rc = libtock_sendrecv_set_readwrite_allow_bounce(dst, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_sendrecv_command_borrow_read(task, lease, offset, copied, dead_code);
    (void)libtock_sendrecv_set_readwrite_allow_bounce(NULL, 0);
    return rc;
}

returncode_t libtock_sendrecv_borrow_write(uint32_t task, unsigned lease, uint32_t offset,
                                           const void *src, uint32_t len, uint32_t *copied,
                                           uint32_t *dead_code)
{
    returncode_t rc = libtock_sendrecv_set_readonly_allow_bounce(src, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_sendrecv_command_borrow_write(task, lease, offset, copied, dead_code);
    (void)libtock_sendrecv_set_readonly_allow_bounce(NULL, 0);
    return rc;
}

returncode_t libtock_sendrecv_borrow_info(uint32_t task, unsigned lease, uint32_t *attrs,
                                          uint32_t *len, uint32_t *dead_code)
{
    return libtock_sendrecv_command_borrow_info(task, lease, attrs, len, dead_code);
}

returncode_t libtock_sendrecv_post(uint32_t task, uint32_t bits, uint32_t *dead_code)
{
    return libtock_sendrecv_command_post(task, bits, dead_code);
}

returncode_t libtock_sendrecv_restrict_short_id(uint32_t short_id)
{
    return libtock_sendrecv_command_restrict(
        short_id ? LIBTOCK_SENDRECV_BY_SHORT_ID : LIBTOCK_SENDRECV_ANYONE, short_id);
}

returncode_t libtock_sendrecv_restrict_package(const char *name)
{
    returncode_t rc = libtock_sendrecv_set_readonly_allow(name, (uint32_t)strlen(name));
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    rc = libtock_sendrecv_command_restrict(LIBTOCK_SENDRECV_BY_PACKAGE, 0);
    (void)libtock_sendrecv_set_readonly_allow(NULL, 0);
    return rc;
}

returncode_t libtock_sendrecv_client_info(uint32_t task, uint32_t *short_id, uint32_t *process_id,
                                          uint32_t *reply_cap)
{
    return libtock_sendrecv_command_client_info(task, short_id, process_id, reply_cap, NULL);
}
