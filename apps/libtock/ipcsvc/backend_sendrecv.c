/* backend_sendrecv.c: ipcsvc over the Hubris-style send / receive / reply
 * driver 0xA0030 (libtock/ipc/sendrecv.h; docs/ipc-sendrecv.md).
 *
 * - A service is known by its package name, which must equal the name it
 *   registers (registration only checks that looking the name up finds
 *   the service itself); a client connects by looking the name up and
 *   keeps the task id it gets.
 * - A call is one SEND: the operation (below 0x8000), the request as the
 *   message, the response buffer as the reply buffer, and the
 *   connection's attached buffers as leases in slot order (READ buffers
 *   lent read-only, WRITE and RW buffers through read-write allows with
 *   those attributes). The server reads and writes them with borrows: the
 *   kernel copies, nothing is shared. Attached buffers are plain heap
 *   memory.
 * - A server that died or restarted answers with the dead code: the call
 *   returns RETURNCODE_ENODEVICE (c->detail holds the dead code) and the
 *   caller reconnects.
 * - A timeout abandons the send (command 13): a queued request is
 *   withdrawn, one in service loses its leases and its reply will be
 *   dropped by the kernel, so nothing lands in the caller's buffers after
 *   the call returned RETURNCODE_ENOACK. (Hubris cannot cancel a SEND;
 *   its supervisor can, which is what this stands for.)
 * - A notification is a SEND with bit 15 of the operation set, which the
 *   server's side of this backend replies to as soon as it receives it,
 *   before the handler runs: Hubris keeps no message in the kernel, a
 *   message waits in its blocked sender until the server takes it, so
 *   ipcsvc_notify returns once the server has received it (at most
 *   SR_NOTIFY_WAIT_MS, then RETURNCODE_ENOACK). POST carries 32 bits and
 *   no payload, too little for a notification with data.
 * - The server's receive stays pending across a timeout of ipcsvc_next;
 *   the next ipcsvc_next waits for it again.
 */
#include <ipcsvc.h>

#include <string.h>

#include <libtock/ipc/sendrecv.h>
#include <libtock/tock.h>

#include "ipcsvc_internal.h"

#define SR_NOTIFY_FLAG 0x8000u
#define SR_NOTIFY_WAIT_MS 1000u

/* The call this process has in flight (one send at a time). */
static struct {
    volatile bool done;
    returncode_t ret;
    uint32_t code, len;
} call_state;

static void on_reply(returncode_t ret, uint32_t code, uint32_t len)
{
    call_state.ret = ret;
    call_state.code = code;
    call_state.len = len;
    call_state.done = true;
}

/* The server's pending receive (one server per process). */
static struct {
    volatile bool got;
    bool receiving;
    libtock_sendrecv_msg_t msg;
} recv_state;

static void on_receive(const libtock_sendrecv_msg_t *msg)
{
    recv_state.msg = *msg;
    recv_state.got = true;
}

static bool sr_present(void)
{
    return libtock_sendrecv_exists();
}

/* ---- Client ---- */

static int sr_connect(ipcsvc_conn_t *c, const char *name)
{
    (void)name; /* c->name holds it */
    uint32_t task = 0;
    int rc = libtock_sendrecv_lookup(c->name, &task); /* a copy in app memory */
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    c->server = task;
    return RETURNCODE_SUCCESS;
}

/* Sends op with the request and the attached buffers as leases and waits
 * up to timeout_ms for the reply; abandons the send on a timeout. */
static int send_and_wait(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len,
                         void *resp, uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    libtock_sendrecv_lease_t leases[IPCSVC_MAX_BUFS];
    unsigned n = 0;
    while (n < IPCSVC_MAX_BUFS && c->bufs[n].ptr != NULL) {
        leases[n] = (libtock_sendrecv_lease_t){
            .base = c->bufs[n].ptr, .len = c->bufs[n].len, .attrs = c->bufs[n].mode};
        n++;
    }
    uint32_t dead = 0;
    call_state.done = false;
    int rc = libtock_sendrecv_send((uint32_t)c->server, (uint16_t)op, req, req_len, resp, resp_cap,
                                   leases, n, on_reply, &dead);
    if (rc != RETURNCODE_SUCCESS) {
        if (rc == RETURNCODE_ENODEVICE)
            c->detail = dead;
        return rc;
    }
    rc = ipcsvc_wait(&call_state.done, timeout_ms);
    if (rc != RETURNCODE_SUCCESS) {
        if (libtock_sendrecv_abandon() == RETURNCODE_SUCCESS)
            return RETURNCODE_ENOACK;
        /* the kernel already replied: its upcall is queued */
        while (!call_state.done && yield_no_wait())
            ;
        if (!call_state.done)
            return RETURNCODE_ENOACK;
    }
    c->detail = call_state.code;
    *resp_len = call_state.ret == RETURNCODE_ENODEVICE ? 0 : call_state.len;
    return call_state.ret;
}

static int sr_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                   uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    if (op >= SR_NOTIFY_FLAG)
        return RETURNCODE_EINVAL;
    return send_and_wait(c, op, req, req_len, resp, resp_cap, resp_len, timeout_ms);
}

static int sr_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len)
{
    if (op >= SR_NOTIFY_FLAG)
        return RETURNCODE_EINVAL;
    uint32_t ack_len = 0;
    return send_and_wait(c, op | SR_NOTIFY_FLAG, msg, len, NULL, 0, &ack_len, SR_NOTIFY_WAIT_MS);
}

/* ---- Server ---- */

static int sr_register(ipcsvc_server_t *s, const char *name)
{
    (void)name; /* s->name holds it, in app memory */
    uint32_t found = 0, self = 0;
    int rc = libtock_sendrecv_lookup(s->name, &found);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_sendrecv_self(&self);
    if (rc == RETURNCODE_ENODEVICE || (rc == RETURNCODE_SUCCESS && found != self))
        return RETURNCODE_EINVAL; /* the name is not this process's package name */
    return rc;
}

static int sr_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms)
{
    if (!recv_state.receiving) {
        recv_state.got = false;
        int rc = libtock_sendrecv_receive(s->rx, sizeof(s->rx), 0, on_receive);
        if (rc != RETURNCODE_SUCCESS)
            return rc;
        recv_state.receiving = true;
    }
    int rc = ipcsvc_wait(&recv_state.got, timeout_ms);
    if (rc != RETURNCODE_SUCCESS)
        return rc; /* the receive stays pending */
    recv_state.receiving = false;
    const libtock_sendrecv_msg_t *m = &recv_state.msg;
    if (m->notification || m->peer_died)
        return RETURNCODE_FAIL; /* nothing this backend asked for */
    r->client = m->sender;
    r->op = m->operation & ~SR_NOTIFY_FLAG;
    r->notify = (m->operation & SR_NOTIFY_FLAG) != 0;
    r->data = s->rx;
    r->len = m->len;
    r->truncated = m->sent > m->len;
    r->nbufs = m->nleases < IPCSVC_MAX_BUFS ? m->nleases : IPCSVC_MAX_BUFS;
    for (unsigned i = 0; i < r->nbufs; i++) {
        uint32_t attrs = 0, len = 0;
        rc = libtock_sendrecv_borrow_info(m->sender, i, &attrs, &len, NULL);
        if (rc != RETURNCODE_SUCCESS)
            return rc; /* the client died meanwhile */
        r->bufs[i].len = len;
        r->bufs[i].mode = (uint8_t)attrs;
        r->bufs[i].direct = NULL;
    }
    if (r->notify) /* let the sender go at once: the handler sends no reply */
        (void)libtock_sendrecv_reply(m->sender, 0, NULL, 0);
    return RETURNCODE_SUCCESS;
}

static int sr_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len)
{
    (void)s;
    return libtock_sendrecv_reply((uint32_t)r->client, 0, resp, len);
}

static int sr_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off, void *dst,
                       uint32_t n)
{
    (void)s;
    uint32_t copied = 0;
    int rc = libtock_sendrecv_borrow_read((uint32_t)r->client, slot, off, dst, n, &copied, NULL);
    if (rc == RETURNCODE_SUCCESS && copied != n)
        rc = RETURNCODE_FAIL;
    return rc;
}

static int sr_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                        const void *src, uint32_t n)
{
    (void)s;
    uint32_t copied = 0;
    int rc = libtock_sendrecv_borrow_write((uint32_t)r->client, slot, off, src, n, &copied, NULL);
    if (rc == RETURNCODE_SUCCESS && copied != n)
        rc = RETURNCODE_FAIL;
    return rc;
}

static int sr_restrict_to(ipcsvc_server_t *s, uint32_t short_id)
{
    (void)s;
    return libtock_sendrecv_restrict_short_id(short_id); /* command 11 */
}

const struct ipcsvc_backend ipcsvc_backend_sendrecv = {
    .name = "sendrecv",
    .present = sr_present,
    .connect = sr_connect,
    .buf_alloc = ipcsvc_heap_buf_alloc,
    .call = sr_call,
    .notify = sr_notify,
    .reg = sr_register,
    .restrict_to = sr_restrict_to,
    .next = sr_next,
    .reply = sr_reply,
    .buf_read = sr_buf_read,
    .buf_write = sr_buf_write,
};
