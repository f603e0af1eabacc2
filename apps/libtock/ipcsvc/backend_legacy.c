/* backend_legacy.c: ipcsvc over Tock's legacy IPC driver 0x10000
 * (kernel/src/ipc.rs; libtock/kernel/ipc.h).
 *
 * Legacy IPC has discovery by package name, a notify in each direction and
 * one buffer a client shares with a service (read-write allow number =
 * the service's index), which the kernel exposes to the service with an
 * MPU region when it delivers the next notify. So:
 *
 * - a service is known by its package name: ipcsvc_register looks itself
 *   up and subscribes on its own index (libtock-c's
 *   ipc_register_service_callback);
 * - each connection owns one window, a power-of-two sized buffer aligned
 *   to its size (what an ARMv7-M MPU needs to expose it), holding a
 *   struct ipcsvc_wire, the payload area (IPCSVC_MSG_MAX bytes) and then
 *   the attached buffers in slot order;
 * - a call writes the request there, copying the READ buffers in, and
 *   notifies the service; the service reads and writes the window in
 *   place, writes the response over the header and payload and notifies
 *   the client, which copies the WRITE buffers back out;
 * - a notification is the same without an answer. Legacy IPC has no flow
 *   control: a second notification overwrites the first if the service
 *   has not read it yet (the design's own limit, kept).
 * Legacy IPC never tells a client that its service died or restarted: a
 * call to a dead service times out (RETURNCODE_ENOACK), and the service's
 * index stays the same after a restart, so the next call just works.
 */
#include <ipcsvc.h>

#include <stdlib.h>
#include <string.h>

#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

#include "ipcsvc_internal.h"

#define WIN_MIN 512u
#define WIN_PAYLOAD_AT ((uint32_t)sizeof(struct ipcsvc_wire))
#define WIN_BUFS_AT (WIN_PAYLOAD_AT + IPCSVC_MSG_MAX)

/* A connection's state, inside ipcsvc_conn_t.priv. */
struct leg_conn {
    uint32_t svc; /* the service's process index */
    uint32_t win_len;
    uint8_t *win; /* the shared window, win_len bytes aligned to win_len */
    uint8_t *win_mem;
    uint32_t seq; /* calls made */
    volatile bool answered;
};

/* Requests the service callback queued and ipcsvc_next has not taken. */
#define LEG_QUEUE 8
struct leg_server {
    uint32_t head, count;
    uint32_t client[LEG_QUEUE];
    uint32_t addr[LEG_QUEUE], len[LEG_QUEUE];
    volatile bool pending;
};

/* A request's state, inside ipcsvc_req_t.priv. */
struct leg_req {
    uint32_t client;
    uint8_t *win;
    uint32_t win_len;
    uint32_t seq;
};

_Static_assert(sizeof(struct leg_conn) <= sizeof(((ipcsvc_conn_t *)0)->priv), "leg_conn");
_Static_assert(sizeof(struct leg_server) <= sizeof(((ipcsvc_server_t *)0)->priv), "leg_server");
_Static_assert(sizeof(struct leg_req) <= sizeof(((ipcsvc_req_t *)0)->priv), "leg_req");

static struct leg_conn *conn_of(ipcsvc_conn_t *c)
{
    return (struct leg_conn *)(void *)c->priv;
}

static struct leg_server *server_of(ipcsvc_server_t *s)
{
    return (struct leg_server *)(void *)s->priv;
}

static struct leg_req *req_of(ipcsvc_req_t *r)
{
    return (struct leg_req *)(void *)r->priv;
}

static bool leg_present(void)
{
    return driver_exists(IPC_DRIVER_NUM);
}

/* ---- Client ---- */

static int leg_connect(ipcsvc_conn_t *c, const char *name)
{
    size_t svc = 0;
    int rc = ipc_discover(name, &svc);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    struct leg_conn *lc = conn_of(c);
    lc->svc = (uint32_t)svc;
    c->server = svc;
    return ipc_register_client_callback(svc, ipcsvc_upcall_set_flag, (void *)&lc->answered);
}

/* Makes the window large enough for the header, the payload area and
 * every attached buffer, and shares it with the service. */
static int ensure_window(ipcsvc_conn_t *c)
{
    struct leg_conn *lc = conn_of(c);
    uint32_t need = WIN_BUFS_AT;
    for (unsigned i = 0; i < IPCSVC_MAX_BUFS; i++)
        need += c->bufs[i].len;
    if (lc->win != NULL && lc->win_len >= need)
        return RETURNCODE_SUCCESS;
    uint32_t size = WIN_MIN;
    while (size < need)
        size *= 2;
    uint8_t *mem = aligned_alloc(size, size);
    if (mem == NULL)
        return RETURNCODE_ENOMEM;
    memset(mem, 0, size);
    int rc = ipc_share(lc->svc, mem, (int)size);
    if (rc != RETURNCODE_SUCCESS) {
        free(mem);
        return rc;
    }
    free(lc->win_mem);
    lc->win = lc->win_mem = mem;
    lc->win_len = size;
    return RETURNCODE_SUCCESS;
}

/* Writes a request (or notification) into the window and notifies the
 * service. */
static int send_request(ipcsvc_conn_t *c, uint32_t op, uint16_t flags, const void *msg,
                        uint32_t len)
{
    int rc = ensure_window(c);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    struct leg_conn *lc = conn_of(c);
    struct ipcsvc_wire w = {.seq = ++lc->seq, .op = op, .flags = flags, .len = len};
    uint32_t at = WIN_BUFS_AT;
    for (unsigned i = 0; i < IPCSVC_MAX_BUFS; i++) {
        const struct ipcsvc_buf *b = &c->bufs[i];
        if (b->ptr == NULL)
            break;
        w.nbufs = (uint16_t)(i + 1);
        w.buf_len[i] = b->len;
        w.buf_mode[i] = b->mode;
        if (b->mode & IPCSVC_BUF_READ)
            ipcsvc_copy(lc->win + at, b->ptr, b->len);
        at += b->len;
    }
    memcpy(lc->win, &w, sizeof(w));
    if (len)
        ipcsvc_copy(lc->win + WIN_PAYLOAD_AT, msg, len);
    lc->answered = false;
    return ipc_notify_service(lc->svc);
}

static int leg_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                    uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    struct leg_conn *lc = conn_of(c);
    int rc = send_request(c, op, 0, req, req_len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    for (;;) {
        rc = ipcsvc_wait(&lc->answered, timeout_ms);
        if (rc != RETURNCODE_SUCCESS)
            return rc;
        struct ipcsvc_wire w;
        memcpy(&w, lc->win, sizeof(w));
        if ((w.flags & IPCSVC_WIRE_RESPONSE) && w.seq == lc->seq) {
            uint32_t n = w.len < IPCSVC_MSG_MAX ? w.len : IPCSVC_MSG_MAX;
            uint32_t copy = n < resp_cap ? n : resp_cap;
            if (copy)
                ipcsvc_copy(resp, lc->win + WIN_PAYLOAD_AT, copy);
            *resp_len = copy;
            uint32_t at = WIN_BUFS_AT;
            for (unsigned i = 0; i < IPCSVC_MAX_BUFS && c->bufs[i].ptr; i++) {
                if (c->bufs[i].mode & IPCSVC_BUF_WRITE)
                    ipcsvc_copy(c->bufs[i].ptr, lc->win + at, c->bufs[i].len);
                at += c->bufs[i].len;
            }
            return copy < n ? RETURNCODE_ESIZE : RETURNCODE_SUCCESS;
        }
        lc->answered = false; /* a notify that was not our answer */
    }
}

static int leg_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len)
{
    return send_request(c, op, IPCSVC_WIRE_NOTIFY, msg, len);
}

/* ---- Server ---- */

static void on_request(int client, int len, int addr, void *ud)
{
    struct leg_server *ls = server_of(ud);
    if (ls->count == LEG_QUEUE)
        return; /* more clients than the queue: the notify is lost */
    uint32_t i = (ls->head + ls->count++) % LEG_QUEUE;
    ls->client[i] = (uint32_t)client;
    ls->addr[i] = (uint32_t)addr;
    ls->len[i] = (uint32_t)len;
    ls->pending = true;
}

static int leg_register(ipcsvc_server_t *s, const char *name)
{
    return ipc_register_service_callback(name, on_request, s);
}

/* Checks a window's header against the window's size: a client may have
 * written anything there. */
static bool wire_ok(const struct ipcsvc_wire *w, uint32_t win_len)
{
    if (win_len < WIN_BUFS_AT || w->len > IPCSVC_MSG_MAX || w->nbufs > IPCSVC_MAX_BUFS)
        return false;
    uint64_t total = WIN_BUFS_AT;
    for (unsigned i = 0; i < w->nbufs; i++)
        total += w->buf_len[i];
    return total <= win_len;
}

static int leg_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms)
{
    struct leg_server *ls = server_of(s);
    int rc = ipcsvc_wait(&ls->pending, timeout_ms);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    uint32_t i = ls->head;
    ls->head = (ls->head + 1) % LEG_QUEUE;
    ls->pending = --ls->count > 0;
    uint8_t *win = (uint8_t *)(uintptr_t)ls->addr[i];
    uint32_t win_len = ls->len[i];
    struct ipcsvc_wire w;
    if (win == NULL || win_len < sizeof(w))
        return RETURNCODE_FAIL; /* the client shared no window */
    memcpy(&w, win, sizeof(w));
    if (!wire_ok(&w, win_len))
        return RETURNCODE_FAIL;
    r->client = ls->client[i];
    r->op = w.op;
    r->notify = (w.flags & IPCSVC_WIRE_NOTIFY) != 0;
    r->data = win + WIN_PAYLOAD_AT;
    r->len = w.len;
    r->nbufs = w.nbufs;
    uint32_t at = WIN_BUFS_AT;
    for (unsigned b = 0; b < w.nbufs; b++) {
        r->bufs[b].len = w.buf_len[b];
        r->bufs[b].mode = w.buf_mode[b];
        r->bufs[b].direct = win + at;
        at += w.buf_len[b];
    }
    *req_of(r) =
        (struct leg_req){.client = ls->client[i], .win = win, .win_len = win_len, .seq = w.seq};
    return RETURNCODE_SUCCESS;
}

static int leg_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len)
{
    (void)s;
    struct leg_req *lr = req_of(r);
    struct ipcsvc_wire w;
    memcpy(&w, lr->win, sizeof(w));
    w.flags = IPCSVC_WIRE_RESPONSE;
    w.seq = lr->seq;
    w.len = len;
    if (len)
        memmove(lr->win + WIN_PAYLOAD_AT, resp, len);
    memcpy(lr->win, &w, sizeof(w));
    return ipc_notify_client(lr->client);
}

static int leg_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off, void *dst,
                        uint32_t n)
{
    (void)s;
    ipcsvc_copy(dst, r->bufs[slot].direct + off, n);
    return RETURNCODE_SUCCESS;
}

static int leg_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                         const void *src, uint32_t n)
{
    (void)s;
    ipcsvc_copy(r->bufs[slot].direct + off, src, n);
    return RETURNCODE_SUCCESS;
}

const struct ipcsvc_backend ipcsvc_backend_legacy = {
    .name = "legacy",
    .present = leg_present,
    .connect = leg_connect,
    .buf_alloc = ipcsvc_heap_buf_alloc,
    .call = leg_call,
    .notify = leg_notify,
    .reg = leg_register,
    .next = leg_next,
    .reply = leg_reply,
    .buf_read = leg_buf_read,
    .buf_write = leg_buf_write,
};
