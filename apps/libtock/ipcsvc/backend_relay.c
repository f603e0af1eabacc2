/* backend_relay.c: ipcsvc over the draft IPC design (tock/tock PR #5016):
 * the string-name registry 0xA0000, Relay Request 0xA0010 and Relay
 * Message (the mailbox) 0xA0011.
 *
 * - register: enable requests, share a mailbox slice for notifications,
 *   register the name (zero padded to 20 bytes) in the string registry;
 * - connect: discover the name; RETURNCODE_ENODEVICE until it is there;
 * - call: one Relay Request: the request is a struct ipcsvc_wire, the
 *   payload, then the bytes of every READ buffer in slot order; the
 *   response is the wire header again (flags IPCSVC_WIRE_RESPONSE, the
 *   same seq), the payload, then the bytes of every WRITE buffer in slot
 *   order, which the client copies back into its buffers. Attached
 *   buffers are malloc'd and copied with each call (never shared);
 * - notify: a mailbox message (the wire header and the payload) appended
 *   to the server's slice; the server's next() drains the slice;
 * - the server takes each request into a landing area of its own
 *   (RELAY_LANDING bytes): a request larger than that is refused with an
 *   empty response flagged RELAY_WIRE_REFUSED, which the client reports as
 *   RETURNCODE_ESIZE. WRITE-only buffers come back whole: bytes the server
 *   did not write are zero.
 * The kernel never tells a client that its server died: a call waits for
 * its timeout and is then cancelled (command 0x11) so the next call can
 * go; once the server restarted, its identifier is stale and a call gets
 * RETURNCODE_ENODEVICE, telling the caller to connect again.
 */
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/ipc/registry.h>
#include <libtock/ipc/relay_message.h>
#include <libtock/ipc/relay_request.h>
#include <libtock/tock.h>

#include "ipcsvc_internal.h"
#include "relay_internal.h"

#define W ((uint32_t)sizeof(struct ipcsvc_wire))
#define SLICE_LEN 1024u /* each of the server's two mailbox slices */

/* ---- State ---- */

/* The one call this process has outstanding (the kernel allows one). */
static struct {
    volatile bool done;
    int status; /* relay status of the response upcall */
    uint32_t len;
} call;

/* A server's state, inside ipcsvc_server_t.priv. */
struct relay_server {
    volatile bool pending; /* a request or a message may wait */
    uint8_t *slice;        /* the slice the kernel appends to */
    uint8_t *draining;     /* the slice next() walks, or NULL */
    uint32_t cursor;       /* next record in draining */
};

/* A request's state, inside ipcsvc_req_t.priv. */
struct relay_req {
    uint32_t seq;
    uint32_t read_at[IPCSVC_MAX_BUFS];  /* READ bytes in the landing area, or UINT32_MAX */
    uint32_t write_at[IPCSVC_MAX_BUFS]; /* WRITE bytes in the staging area, or UINT32_MAX */
};

_Static_assert(sizeof(struct relay_server) <= sizeof(((ipcsvc_server_t *)0)->priv), "relay_server");
_Static_assert(sizeof(struct relay_req) <= sizeof(((ipcsvc_req_t *)0)->priv), "relay_req");

/* One server per process: its landing area, its response staging area
 * (header, payload area, then the WRITE buffers) and its two mailbox
 * slices, allocated when it registers (clients do not pay for them). */
static uint8_t *landing, *staging, *slices[2];
static uint8_t note_buf[sizeof(struct ipcsvc_wire) + IPCSVC_MSG_MAX];

static struct relay_server *server_of(ipcsvc_server_t *s)
{
    return (struct relay_server *)(void *)s->priv;
}

static struct relay_req *req_of(ipcsvc_req_t *r)
{
    return (struct relay_req *)(void *)r->priv;
}

static bool relay_present(void)
{
    return libtock_ipc_registry_name_driver_exists() && libtock_ipc_relay_request_driver_exists();
}

/* Relay statuses that mean "the server is not there for us": reconnect. */
static int peer_gone(int rc)
{
    return rc == RETURNCODE_EUNINSTALLED ? RETURNCODE_ENODEVICE : rc;
}

/* ---- Client ---- */

int relay_connect(ipcsvc_conn_t *c, const char *name)
{
    uint64_t id = 0;
    int rc = libtocksync_ipc_registry_name_discover(name, &id);
    if (rc == RETURNCODE_SUCCESS)
        c->server = id;
    return rc;
}

static bool travels(ipcsvc_conn_t *c, unsigned slot, const struct relay_hooks *h)
{
    return h == NULL || h->travels == NULL || h->travels(c, slot);
}

static void on_response(int status, int len, int unused, void *opaque)
{
    (void)unused;
    (void)opaque;
    call.status = status;
    call.len = (uint32_t)len;
    call.done = true;
}

/* Copies the response in rx (n bytes) out to resp and the WRITE buffers. */
static int take_response(ipcsvc_conn_t *c, const uint8_t *rx, uint32_t n, uint32_t seq,
                         const struct relay_hooks *h, void *resp, uint32_t resp_cap,
                         uint32_t *resp_len)
{
    struct ipcsvc_wire w;
    if (n < W)
        return RETURNCODE_FAIL;
    memcpy(&w, rx, W);
    if (!(w.flags & IPCSVC_WIRE_RESPONSE) || w.seq != seq)
        return RETURNCODE_FAIL;
    if (w.flags & RELAY_WIRE_REFUSED)
        return RETURNCODE_ESIZE;
    uint32_t plen = w.len < IPCSVC_MSG_MAX ? w.len : IPCSVC_MSG_MAX;
    if (W + plen > n)
        return RETURNCODE_FAIL;
    uint32_t copy = plen < resp_cap ? plen : resp_cap;
    if (copy)
        ipcsvc_copy(resp, rx + W, copy);
    *resp_len = copy;
    uint32_t at = W + plen;
    for (unsigned i = 0; i < IPCSVC_MAX_BUFS && c->bufs[i].ptr; i++) {
        const struct ipcsvc_buf *b = &c->bufs[i];
        if (!(b->mode & IPCSVC_BUF_WRITE) || !travels(c, i, h))
            continue;
        if (at + b->len > n)
            return RETURNCODE_FAIL;
        ipcsvc_copy(b->ptr, rx + at, b->len);
        at += b->len;
    }
    return copy < plen ? RETURNCODE_ESIZE : RETURNCODE_SUCCESS;
}

int relay_call_with_hooks(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len,
                          void *resp, uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms,
                          const struct relay_hooks *h)
{
    struct ipcsvc_wire w = {.seq = (uint32_t)++c->priv[0], .op = op, .len = req_len};
    uint32_t tx_len = W + req_len, rx_len = W + IPCSVC_MSG_MAX;
    for (unsigned i = 0; i < IPCSVC_MAX_BUFS && c->bufs[i].ptr; i++) {
        const struct ipcsvc_buf *b = &c->bufs[i];
        w.nbufs = (uint16_t)(i + 1);
        w.buf_len[i] = b->len;
        w.buf_mode[i] = b->mode;
        if (!travels(c, i, h)) {
            w.buf_mode[i] |= RELAY_WIRE_BUF_EXTERNAL;
            w.buf_token[i] = (uint8_t)b->token;
            continue;
        }
        if (b->mode & IPCSVC_BUF_READ)
            tx_len += b->len;
        if (b->mode & IPCSVC_BUF_WRITE)
            rx_len += b->len;
    }
    uint8_t *tx = malloc(tx_len), *rx = malloc(rx_len);
    if (tx == NULL || rx == NULL) {
        free(tx);
        free(rx);
        return RETURNCODE_ENOMEM;
    }
    memcpy(tx, &w, W);
    if (req_len)
        ipcsvc_copy(tx + W, req, req_len);
    uint32_t at = W + req_len;
    for (unsigned i = 0; i < w.nbufs; i++) {
        const struct ipcsvc_buf *b = &c->bufs[i];
        if ((b->mode & IPCSVC_BUF_READ) && travels(c, i, h)) {
            ipcsvc_copy(tx + at, b->ptr, b->len);
            at += b->len;
        }
    }
    call.done = false;
    int rc = libtock_ipc_relay_request_set_upcall_response(on_response, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_set_readonly_allow(tx, tx_len);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_set_readwrite_allow(rx, rx_len);
    if (rc == RETURNCODE_SUCCESS)
        rc = peer_gone(libtock_ipc_relay_request_command_send(c->server));
    if (rc == RETURNCODE_SUCCESS) {
        rc = ipcsvc_wait(&call.done, timeout_ms);
        if (rc == RETURNCODE_ENOACK &&
            libtock_ipc_relay_request_command_cancel() != RETURNCODE_SUCCESS)
            rc = RETURNCODE_SUCCESS; /* the response won the race: it is queued */
        while (!call.done)
            yield(); /* the response, or the cancel's own upcall */
        if (rc == RETURNCODE_SUCCESS) {
            rc = peer_gone(tock_status_to_returncode((statuscode_t)call.status));
            if (rc == RETURNCODE_SUCCESS || rc == RETURNCODE_ESIZE)
                rc = take_response(c, rx, call.len, w.seq, h, resp, resp_cap, resp_len);
        }
    }
    (void)libtock_ipc_relay_request_set_readonly_allow(NULL, 0);
    (void)libtock_ipc_relay_request_set_readwrite_allow(NULL, 0);
    free(tx);
    free(rx);
    c->detail = (uint32_t)-rc;
    return rc;
}

static int relay_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                      uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    return relay_call_with_hooks(c, op, req, req_len, resp, resp_cap, resp_len, timeout_ms, NULL);
}

int relay_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len)
{
    struct ipcsvc_wire w = {
        .seq = (uint32_t)++c->priv[0], .op = op, .flags = IPCSVC_WIRE_NOTIFY, .len = len};
    memcpy(note_buf, &w, W);
    if (len)
        ipcsvc_copy(note_buf + W, msg, len);
    int rc = libtock_ipc_relay_message_send(c->server, note_buf, W + len);
    if (rc == RETURNCODE_EBUSY)
        rc = RETURNCODE_ESIZE; /* the server's slice is full and halted */
    return peer_gone(rc);
}

/* ---- Server ---- */

int relay_register(ipcsvc_server_t *s, const char *name)
{
    struct relay_server *rs = server_of(s);
    memset(rs, 0, sizeof(*rs));
    if (landing == NULL) {
        landing = malloc(RELAY_LANDING);
        staging = malloc(RELAY_LANDING);
        slices[0] = malloc(SLICE_LEN);
        slices[1] = malloc(SLICE_LEN);
        if (!landing || !staging || !slices[0] || !slices[1])
            return RETURNCODE_ENOMEM;
    }
    /* a request waiting and a mailbox message both just wake next() */
    int rc =
        libtock_ipc_relay_request_set_upcall_request(ipcsvc_upcall_set_flag, (void *)&rs->pending);
    if (rc == RETURNCODE_SUCCESS)
        rc = libtock_ipc_relay_request_command_enable();
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    if (libtock_ipc_relay_message_driver_exists()) {
        rs->slice = slices[0];
        libtock_ipc_relay_message_slice_init(rs->slice, SLICE_LEN);
        rc = libtock_ipc_relay_message_set_upcall(ipcsvc_upcall_set_flag, (void *)&rs->pending);
        if (rc == RETURNCODE_SUCCESS)
            rc = libtock_ipc_relay_message_set_readwrite_allow(rs->slice, SLICE_LEN);
        if (rc == RETURNCODE_SUCCESS)
            rc = libtock_ipc_relay_message_command_enable();
        if (rc != RETURNCODE_SUCCESS)
            return rc;
    }
    return libtocksync_ipc_registry_name_register(name);
}

/* The next notification in the slice being drained: true and r filled. */
static bool next_notification(struct relay_server *rs, ipcsvc_req_t *r)
{
    libtock_ipc_message_t m;
    while (rs->draining != NULL) {
        if (!libtock_ipc_relay_message_slice_next(rs->draining, &rs->cursor, &m)) {
            rs->draining = NULL;
            break;
        }
        struct ipcsvc_wire w;
        if (m.len < W)
            continue; /* not ours */
        memcpy(&w, m.data, W);
        if (!(w.flags & IPCSVC_WIRE_NOTIFY) || w.len > IPCSVC_MSG_MAX || W + w.len > m.len)
            continue;
        r->client = m.sender;
        r->op = w.op;
        r->notify = true;
        r->data = m.data + W;
        r->len = w.len;
        return true;
    }
    return false;
}

/* Swaps in the other slice when the current one holds messages. */
static void swap_slices(struct relay_server *rs)
{
    if (rs->slice == NULL || rs->draining != NULL)
        return;
    uint32_t off;
    memcpy(&off, rs->slice + 4, 4);
    if (off == 0 && !libtock_ipc_relay_message_slice_exceeded(rs->slice))
        return;
    uint8_t *fresh = rs->slice == slices[0] ? slices[1] : slices[0];
    uint8_t *old = NULL;
    uint32_t old_len = 0;
    if (libtock_ipc_relay_message_swap(fresh, SLICE_LEN, &old, &old_len) != RETURNCODE_SUCCESS)
        return;
    rs->draining = rs->slice;
    rs->cursor = 0;
    rs->slice = fresh;
}

/* Answers the open transaction with an empty refusal (seq as given). */
static void refuse(uint32_t seq)
{
    struct ipcsvc_wire w = {.seq = seq, .flags = IPCSVC_WIRE_RESPONSE | RELAY_WIRE_REFUSED};
    memcpy(staging, &w, W);
    (void)libtock_ipc_relay_respond(staging, W);
}

/* Fills r from the request in the landing area (n bytes, cut if
 * truncated). */
static int parse_request(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t n, bool truncated,
                         uint64_t client, const struct relay_hooks *h)
{
    struct relay_req *rq = req_of(r);
    struct ipcsvc_wire w;
    if (n < W) {
        refuse(0);
        return RETURNCODE_FAIL;
    }
    memcpy(&w, landing, W);
    if (truncated) {
        refuse(w.seq);
        return RETURNCODE_ESIZE;
    }
    uint64_t need = (uint64_t)W + w.len, out = (uint64_t)W + IPCSVC_MSG_MAX;
    bool ok = w.len <= IPCSVC_MSG_MAX && w.nbufs <= IPCSVC_MAX_BUFS;
    for (unsigned i = 0; ok && i < w.nbufs; i++) {
        bool ext = (w.buf_mode[i] & RELAY_WIRE_BUF_EXTERNAL) != 0;
        rq->read_at[i] = rq->write_at[i] = UINT32_MAX;
        if (!ext && (w.buf_mode[i] & IPCSVC_BUF_READ)) {
            rq->read_at[i] = (uint32_t)need;
            need += w.buf_len[i];
        }
        if (!ext && (w.buf_mode[i] & IPCSVC_BUF_WRITE)) {
            rq->write_at[i] = (uint32_t)out;
            out += w.buf_len[i];
        }
    }
    if (!ok || need > n || out > RELAY_LANDING) {
        refuse(w.seq);
        return ok && need <= n ? RETURNCODE_ESIZE : RETURNCODE_FAIL;
    }
    rq->seq = w.seq;
    r->client = client;
    r->op = w.op;
    r->data = landing + W;
    r->len = w.len;
    r->nbufs = w.nbufs;
    for (unsigned i = 0; i < w.nbufs; i++) {
        r->bufs[i].len = w.buf_len[i];
        r->bufs[i].mode = w.buf_mode[i] & IPCSVC_BUF_RW;
        r->bufs[i].direct = NULL;
        if (rq->write_at[i] != UINT32_MAX) {
            /* what the server does not write goes back as it came (RW)
             * or as zeros (WRITE only) */
            if (rq->read_at[i] != UINT32_MAX)
                ipcsvc_copy(staging + rq->write_at[i], landing + rq->read_at[i], w.buf_len[i]);
            else
                memset(staging + rq->write_at[i], 0, w.buf_len[i]);
        }
        if ((w.buf_mode[i] & RELAY_WIRE_BUF_EXTERNAL) && h != NULL && h->external != NULL)
            h->external(s, r, i, w.buf_token[i]);
    }
    return RETURNCODE_SUCCESS;
}

int relay_next_with_hooks(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms,
                          const struct relay_hooks *h)
{
    struct relay_server *rs = server_of(s);
    for (;;) {
        rs->pending = false;
        if (next_notification(rs, r))
            return RETURNCODE_SUCCESS;
        uint32_t n = 0;
        uint64_t client = 0;
        int rc = libtock_ipc_relay_take(landing, RELAY_LANDING, &n, &client);
        if (rc == RETURNCODE_SUCCESS || rc == RETURNCODE_ESIZE)
            return parse_request(s, r, n, rc == RETURNCODE_ESIZE, client, h);
        if (rc != RETURNCODE_ENODEVICE)
            return rc;
        swap_slices(rs);
        if (rs->draining != NULL)
            continue;
        rc = ipcsvc_wait(&rs->pending, timeout_ms);
        if (rc != RETURNCODE_SUCCESS)
            return rc;
    }
}

static int relay_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms)
{
    return relay_next_with_hooks(s, r, timeout_ms, NULL);
}

int relay_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len)
{
    (void)s;
    struct relay_req *rq = req_of(r);
    struct ipcsvc_wire w = {
        .seq = rq->seq, .flags = IPCSVC_WIRE_RESPONSE, .len = len, .nbufs = (uint16_t)r->nbufs};
    uint32_t at = W + len;
    for (unsigned i = 0; i < r->nbufs; i++) {
        w.buf_len[i] = r->bufs[i].len;
        w.buf_mode[i] = r->bufs[i].mode;
        if (rq->write_at[i] == UINT32_MAX)
            continue;
        memmove(staging + at, staging + rq->write_at[i], r->bufs[i].len);
        rq->write_at[i] = at; /* moved: a second reply would find it here */
        at += r->bufs[i].len;
    }
    memcpy(staging, &w, W);
    if (len)
        ipcsvc_copy(staging + W, resp, len);
    return libtock_ipc_relay_respond(staging, at);
}

static int relay_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                          void *dst, uint32_t n)
{
    (void)s;
    uint32_t at = req_of(r)->read_at[slot];
    if (at == UINT32_MAX)
        return RETURNCODE_ENOSUPPORT;
    ipcsvc_copy(dst, landing + at + off, n);
    return RETURNCODE_SUCCESS;
}

static int relay_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                           const void *src, uint32_t n)
{
    (void)s;
    uint32_t at = req_of(r)->write_at[slot];
    if (at == UINT32_MAX)
        return RETURNCODE_ENOSUPPORT;
    ipcsvc_copy(staging + at + off, src, n);
    return RETURNCODE_SUCCESS;
}

int relay_restrict_to(ipcsvc_server_t *s, uint32_t short_id)
{
    (void)s;
    return libtock_ipc_relay_restrict(short_id); /* Relay Request 0x25 (ipcsim's) */
}

const struct ipcsvc_backend ipcsvc_backend_relay = {
    .name = "relay",
    .present = relay_present,
    .connect = relay_connect,
    .buf_alloc = ipcsvc_heap_buf_alloc,
    .call = relay_call,
    .notify = relay_notify,
    .reg = relay_register,
    .restrict_to = relay_restrict_to,
    .next = relay_next,
    .reply = relay_reply,
    .buf_read = relay_buf_read,
    .buf_write = relay_buf_write,
};
