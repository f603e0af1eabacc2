/* sendrecv_sync.c: blocking send and receive (share, command, wait for the
 * upcall with yield-wait-for, unshare). */
#include <libtock-sync/ipc/sendrecv.h>

#include <string.h>

bool libtocksync_sendrecv_exists(void)
{
    return libtock_sendrecv_driver_exists();
}

static void unshare(const libtock_sendrecv_lease_t *leases, unsigned nleases)
{
    (void)libtock_sendrecv_set_readonly_allow(NULL, 0);
    (void)libtock_sendrecv_set_readwrite_allow(NULL, 0);
    for (unsigned i = 0; i < nleases && i < LIBTOCK_SENDRECV_MAX_LEASES; i++) {
        if (leases[i].attrs & LIBTOCK_SENDRECV_LEASE_WRITE)
            (void)libtock_sendrecv_set_readwrite_allow_lease(i, NULL, 0);
        else
            (void)libtock_sendrecv_set_readonly_allow_lease(i, NULL, 0);
    }
}

returncode_t libtocksync_sendrecv_send(uint32_t task, uint16_t op, const void *msg, uint32_t len,
                                       void *reply, uint32_t reply_cap,
                                       const libtock_sendrecv_lease_t *leases, unsigned nleases,
                                       uint32_t *code, uint32_t *reply_len)
{
    uint32_t dead = 0;
    *code = 0;
    *reply_len = 0;
    /* the asynchronous call shares everything; its callback never runs,
     * since the reply is taken with yield-wait-for */
    returncode_t rc =
        libtock_sendrecv_send(task, op, msg, len, reply, reply_cap, leases, nleases, NULL, &dead);
    if (rc == RETURNCODE_SUCCESS) {
        yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_SENDRECV, 0);
        *code = r.data0;
        *reply_len = r.data1;
        rc = libtock_sendrecv_reply_status(r.data2);
    } else if (rc == RETURNCODE_ENODEVICE) {
        *code = dead;
    }
    unshare(leases, nleases);
    return rc;
}

static returncode_t wait_receive(libtock_sendrecv_msg_t *msg)
{
    yield_waitfor_return_t r = yield_wait_for(DRIVER_NUM_SENDRECV, 1);
    libtock_sendrecv_decode(r.data0, r.data1, r.data2, msg);
    (void)libtock_sendrecv_set_readwrite_allow(NULL, 0);
    return msg->peer_died ? RETURNCODE_ENODEVICE : RETURNCODE_SUCCESS;
}

returncode_t libtocksync_sendrecv_receive(void *buf, uint32_t cap, uint32_t mask,
                                          libtock_sendrecv_msg_t *msg)
{
    returncode_t rc = libtock_sendrecv_receive(buf, cap, mask, NULL);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return wait_receive(msg);
}

returncode_t libtocksync_sendrecv_receive_from(uint32_t task, void *buf, uint32_t cap,
                                               uint32_t mask, libtock_sendrecv_msg_t *msg)
{
    uint32_t dead = 0;
    returncode_t rc = libtock_sendrecv_receive_from(task, buf, cap, mask, NULL, &dead);
    if (rc == RETURNCODE_ENODEVICE) {
        memset(msg, 0, sizeof(*msg));
        msg->peer_died = true;
        msg->dead_code = dead;
        msg->sender = dead;
    }
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    return wait_receive(msg);
}
