/* ipcsvc.c: the front of the service API (ipcsvc.h): picks the backend the
 * kernel offers, retries discovery, waits with timeouts, runs the serve
 * loop, and checks arguments once for every backend; it also holds what
 * several backends share (ipcsvc_internal.h). It brackets every operation
 * with the simulator's operation marks (ipcsim/app.h) for the latency
 * metrics (docs/metrics.md); the marks cost no virtual time. */
#include <ipcsvc.h>

#include <stdlib.h>
#include <string.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/services/alarm.h>
#include <libtock/tock.h>

#include "ipcsim/app.h"
#include "ipcsvc_internal.h"

/* Ends an operation mark with rc and returns rc. */
static int op_end(enum ipcsim_op kind, int rc)
{
    ipcsim_op_end(kind, rc);
    return rc;
}

/* In order of preference: a kernel with shared memory also has the relay. */
static const struct ipcsvc_backend *const backends[] = {
    &ipcsvc_backend_share, &ipcsvc_backend_sendrecv, &ipcsvc_backend_relay, &ipcsvc_backend_legacy};

static const struct ipcsvc_backend *chosen;
static bool probed;

static const struct ipcsvc_backend *backend(void)
{
    if (!probed) {
        probed = true;
        for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
            if (backends[i]->present()) {
                chosen = backends[i];
                break;
            }
    }
    return chosen;
}

const char *ipcsvc_backend_name(void)
{
    const struct ipcsvc_backend *be = backend();
    return be ? be->name : NULL;
}

static void on_timeout(uint32_t now, uint32_t scheduled, void *opaque)
{
    (void)now;
    (void)scheduled;
    *(volatile bool *)opaque = true;
}

void ipcsvc_upcall_set_flag(int arg0, int arg1, int arg2, void *flag)
{
    (void)arg0;
    (void)arg1;
    (void)arg2;
    *(volatile bool *)flag = true;
}

int ipcsvc_wait(volatile bool *done, uint32_t timeout_ms)
{
    if (timeout_ms == 0) {
        while (!*done)
            yield();
        return RETURNCODE_SUCCESS;
    }
    volatile bool expired = false;
    libtock_alarm_t alarm;
    int rc = libtock_alarm_in_ms(timeout_ms, on_timeout, (void *)&expired, &alarm);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    while (!*done && !expired)
        yield();
    if (!expired)
        libtock_alarm_ms_cancel(&alarm);
    return *done ? RETURNCODE_SUCCESS : RETURNCODE_ENOACK;
}

static bool name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 1 && n <= IPCSVC_NAME_MAX;
}

/* ---- Client ---- */

/* Discovery attempts every 10 ms until timeout_ms. */
static int discover(ipcsvc_conn_t *c, uint32_t timeout_ms)
{
    uint32_t waited = 0;
    for (;;) {
        int rc = c->be->connect(c, c->name); /* app memory: the kernel may read it */
        if (rc != RETURNCODE_ENODEVICE || waited >= timeout_ms)
            return rc;
        libtocksync_alarm_delay_ms(10);
        waited += 10;
    }
}

int ipcsvc_connect(ipcsvc_conn_t *c, const char *name, uint32_t timeout_ms)
{
    ipcsim_op_begin(IPCSIM_OP_KIND_CONNECT);
    const struct ipcsvc_backend *be = backend();
    if (be == NULL)
        return op_end(IPCSIM_OP_KIND_CONNECT, RETURNCODE_ENOSUPPORT);
    if (!name_ok(name))
        return op_end(IPCSIM_OP_KIND_CONNECT, RETURNCODE_EINVAL);
    memset(c, 0, sizeof(*c));
    c->be = be;
    strcpy(c->name, name);
    return op_end(IPCSIM_OP_KIND_CONNECT, discover(c, timeout_ms));
}

int ipcsvc_reconnect(ipcsvc_conn_t *c, uint32_t timeout_ms)
{
    ipcsim_op_begin(IPCSIM_OP_KIND_CONNECT);
    if (c->be == NULL)
        return op_end(IPCSIM_OP_KIND_CONNECT, RETURNCODE_EINVAL);
    return op_end(IPCSIM_OP_KIND_CONNECT, discover(c, timeout_ms));
}

int ipcsvc_buf_alloc(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                     void **out)
{
    ipcsim_op_begin(IPCSIM_OP_KIND_SHARE);
    if (c->be == NULL)
        return op_end(IPCSIM_OP_KIND_SHARE, RETURNCODE_EINVAL);
    if (slot >= IPCSVC_MAX_BUFS || c->bufs[slot].ptr != NULL || len == 0 ||
        (mode & IPCSVC_BUF_RW) == 0 || (mode & ~IPCSVC_BUF_RW) != 0)
        return op_end(IPCSIM_OP_KIND_SHARE, RETURNCODE_EINVAL);
    return op_end(IPCSIM_OP_KIND_SHARE, c->be->buf_alloc(c, slot, len, mode, out));
}

int ipcsvc_heap_buf_alloc(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                          void **out)
{
    uint8_t *p = calloc(1, len);
    if (p == NULL)
        return RETURNCODE_ENOMEM;
    c->bufs[slot] = (struct ipcsvc_buf){.ptr = p, .len = len, .mode = (uint8_t)mode};
    *out = p;
    return RETURNCODE_SUCCESS;
}

int ipcsvc_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    ipcsim_op_begin(IPCSIM_OP_KIND_CALL);
    if (c->be == NULL)
        return op_end(IPCSIM_OP_KIND_CALL, RETURNCODE_EINVAL);
    if (req_len > IPCSVC_MSG_MAX)
        return op_end(IPCSIM_OP_KIND_CALL, RETURNCODE_ESIZE);
    uint32_t dummy;
    return op_end(IPCSIM_OP_KIND_CALL, c->be->call(c, op, req, req_len, resp, resp_cap,
                                                   resp_len ? resp_len : &dummy, timeout_ms));
}

int ipcsvc_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len)
{
    ipcsim_op_begin(IPCSIM_OP_KIND_NOTIFY);
    if (c->be == NULL)
        return op_end(IPCSIM_OP_KIND_NOTIFY, RETURNCODE_EINVAL);
    if (len > IPCSVC_MSG_MAX)
        return op_end(IPCSIM_OP_KIND_NOTIFY, RETURNCODE_ESIZE);
    return op_end(IPCSIM_OP_KIND_NOTIFY, c->be->notify(c, op, msg, len));
}

/* ---- Server ---- */

int ipcsvc_register(ipcsvc_server_t *s, const char *name)
{
    const struct ipcsvc_backend *be = backend();
    if (be == NULL)
        return RETURNCODE_ENOSUPPORT;
    if (!name_ok(name))
        return RETURNCODE_EINVAL;
    memset(s, 0, sizeof(*s));
    s->be = be;
    strcpy(s->name, name);
    return be->reg(s, s->name); /* app memory: the kernel may read it */
}

int ipcsvc_restrict(ipcsvc_server_t *s, uint32_t short_id)
{
    if (s->be == NULL)
        return RETURNCODE_EINVAL;
    if (s->be->restrict_to == NULL)
        return RETURNCODE_ENOSUPPORT;
    return s->be->restrict_to(s, short_id);
}

/* A serve operation runs from the moment ipcsvc_next hands a request that
 * wants an answer to the server until its ipcsvc_reply returns. A server
 * that asks for the next request without replying abandons the open one
 * (ended with RETURNCODE_ECANCEL). */
int ipcsvc_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms)
{
    if (s->be == NULL)
        return RETURNCODE_EINVAL;
    if (s->serving) {
        s->serving = false;
        ipcsim_op_end(IPCSIM_OP_KIND_SERVE, RETURNCODE_ECANCEL);
    }
    memset(r, 0, sizeof(*r));
    int rc = s->be->next(s, r, timeout_ms);
    if (rc == RETURNCODE_SUCCESS && !r->notify) {
        s->serving = true;
        ipcsim_op_begin(IPCSIM_OP_KIND_SERVE);
    }
    return rc;
}

int ipcsvc_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len)
{
    if (s->be == NULL || r->notify)
        return RETURNCODE_EINVAL;
    int rc = len > IPCSVC_MSG_MAX ? RETURNCODE_ESIZE : s->be->reply(s, r, resp, len);
    if (s->serving) {
        s->serving = false;
        ipcsim_op_end(IPCSIM_OP_KIND_SERVE, rc);
    }
    return rc;
}

static bool buf_range_ok(const ipcsvc_req_t *r, unsigned slot, uint32_t off, uint32_t n,
                         uint8_t need)
{
    return slot < r->nbufs && (r->bufs[slot].mode & need) != 0 && off <= r->bufs[slot].len &&
           n <= r->bufs[slot].len - off;
}

int ipcsvc_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off, void *dst,
                    uint32_t n)
{
    if (s->be == NULL || !buf_range_ok(r, slot, off, n, IPCSVC_BUF_READ))
        return RETURNCODE_EINVAL;
    return s->be->buf_read(s, r, slot, off, dst, n);
}

int ipcsvc_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                     const void *src, uint32_t n)
{
    if (s->be == NULL || !buf_range_ok(r, slot, off, n, IPCSVC_BUF_WRITE))
        return RETURNCODE_EINVAL;
    return s->be->buf_write(s, r, slot, off, src, n);
}

uint8_t *ipcsvc_buf_ptr(ipcsvc_req_t *r, unsigned slot)
{
    return slot < r->nbufs ? r->bufs[slot].direct : NULL;
}

int ipcsvc_serve(ipcsvc_server_t *s, ipcsvc_handler_t h, void *ctx)
{
    for (;;) {
        ipcsvc_req_t r;
        int rc = ipcsvc_next(s, &r, 0);
        if (rc == RETURNCODE_EINVAL || rc == RETURNCODE_ENOSUPPORT)
            return rc; /* this server cannot serve */
        if (rc != RETURNCODE_SUCCESS)
            continue; /* a request that failed on the way (its client died) */
        rc = h(s, &r, ctx);
        if (rc != 0)
            return rc;
    }
}
