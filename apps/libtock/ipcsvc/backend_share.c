/* backend_share.c: ipcsvc over the "share" mechanism: calls, replies and
 * notifications go over the draft design's Relay Request and Relay Message
 * (relay_internal.h), and each attached buffer is a shared-memory chunk
 * (driver 0xA0020, docs/ipc-share.md) that never travels in a message.
 *
 * - ipcsvc_buf_alloc activates a chunk of the client's grant region. If
 *   the client's MPU maps it, the buffer the app fills IS the chunk;
 *   otherwise (ARMv8-M owners always, see docs/ipc-share.md) the app gets
 *   ordinary memory and the backend copies it into and out of the chunk
 *   with the capsule's copy commands.
 * - For the length of each call every attached chunk is granted to the
 *   server, READ buffers READONLY and WRITE buffers EXCLUSIVE, and revoked
 *   when the call returns: while the server looks at the bytes the client
 *   cannot change them, and the server has no access outside a call.
 * - The server learns which chunk a slot is from the wire header's token
 *   (the chunk's handle) and the client's identity the kernel supplied.
 *   ipcsvc_buf_read / ipcsvc_buf_write always go through the capsule's
 *   copy commands, which the kernel checks: a client that revokes its
 *   grant early (a call that timed out, a client that died) or that
 *   granted READONLY a buffer it labelled WRITE makes them fail (INVAL),
 *   never the server fault. ipcsvc_buf_ptr still gives the server's own
 *   mapping where it has one, for a server that accepts that risk: an
 *   access through it after the client's revoke is a memory fault
 *   (docs/ipc-share.md).
 * - ipcsvc_conn_t.bufs[slot].shared is true when both sides map the chunk
 *   (no byte is copied), found with a trial grant when the buffer is
 *   attached.
 */
#include <ipcsvc.h>

#include <stdlib.h>
#include <string.h>

#include <libtock/ipc/share.h>
#include <libtock/ipc/syscalls/relay_request_syscalls.h>
#include <libtock/ipc/syscalls/registry_syscalls.h>
#include <libtock/tock.h>

#include "relay_internal.h"

#define SHARE_CONNS 4 /* connections with attached buffers, per process */

/* A client connection's chunks. */
struct share_conn {
    const ipcsvc_conn_t *c;
    bool have[IPCSVC_MAX_BUFS]; /* chunk[slot] is activated (kept for reuse) */
    libtock_share_chunk_t chunk[IPCSVC_MAX_BUFS];
    uint8_t *staging[IPCSVC_MAX_BUFS]; /* the app's memory when the owner cannot map */
};

static struct share_conn conns[SHARE_CONNS];

/* The chunks of the request being served (a server serves one at a time). */
static struct {
    bool external[IPCSVC_MAX_BUFS];
    libtock_share_chunk_t chunk[IPCSVC_MAX_BUFS];
} serving;

static bool share_present(void)
{
    return libtock_share_exists() && libtock_ipc_relay_request_driver_exists() &&
           libtock_ipc_registry_name_driver_exists();
}

static uint32_t server_pid(const ipcsvc_conn_t *c)
{
    return (uint32_t)c->server; /* the low half of the IPC identifier */
}

static struct share_conn *conn_state(const ipcsvc_conn_t *c, bool create)
{
    struct share_conn *free_slot = NULL;
    for (unsigned i = 0; i < SHARE_CONNS; i++) {
        if (conns[i].c == c)
            return &conns[i];
        if (conns[i].c == NULL && free_slot == NULL)
            free_slot = &conns[i];
    }
    if (create && free_slot != NULL) {
        memset(free_slot, 0, sizeof(*free_slot));
        free_slot->c = c;
    }
    return create ? free_slot : NULL;
}

static uint32_t grant_mode(uint8_t mode)
{
    return (mode & IPCSVC_BUF_WRITE) ? LIBTOCK_SHARE_EXCLUSIVE : LIBTOCK_SHARE_READONLY;
}

/* ---- Client ---- */

/* A connection object connected again keeps its chunks: chunks come
 * back to the process only when it restarts, so buffers attached again
 * reuse them (share_buf_alloc). */
static int share_connect(ipcsvc_conn_t *c, const char *name)
{
    return relay_connect(c, name);
}

static int share_buf_alloc(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                           void **out)
{
    struct share_conn *sc = conn_state(c, true);
    if (sc == NULL)
        return RETURNCODE_ENOMEM;
    libtock_share_chunk_t *ch = &sc->chunk[slot];
    int rc = RETURNCODE_SUCCESS;
    if (!sc->have[slot] || ch->size < len) {
        rc = libtock_share_activate(len, 0, ch);
        if (rc != RETURNCODE_SUCCESS)
            return rc;
        sc->have[slot] = true;
        free(sc->staging[slot]);
        sc->staging[slot] = NULL;
    }
    uint8_t *p = ch->ptr;
    if (!ch->mapped) {
        if (sc->staging[slot] == NULL)
            sc->staging[slot] = calloc(1, ch->size);
        if (sc->staging[slot] == NULL)
            return RETURNCODE_ENOMEM;
        p = sc->staging[slot];
        memset(p, 0, len);
    } else {
        memset(p, 0, len);
    }
    /* A trial grant: does the server's MPU map it? */
    bool peer_mapped = false;
    rc = libtock_share_grant(ch, server_pid(c), grant_mode((uint8_t)mode), &peer_mapped);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    (void)libtock_share_revoke(ch, server_pid(c));
    c->bufs[slot] = (struct ipcsvc_buf){.ptr = p,
                                        .len = len,
                                        .mode = (uint8_t)mode,
                                        .shared = ch->mapped && peer_mapped,
                                        .token = ch->handle};
    *out = p;
    return RETURNCODE_SUCCESS;
}

static bool chunk_travels(ipcsvc_conn_t *c, unsigned slot)
{
    (void)c;
    (void)slot;
    return false; /* every attached buffer is a chunk */
}

static const struct relay_hooks client_hooks = {.travels = chunk_travels};

/* Ends the grants of slots 0..n-1 and copies WRITE chunks back into the
 * app's memory where the client does not map them. */
static void take_back(ipcsvc_conn_t *c, struct share_conn *sc, unsigned n, bool copy)
{
    for (unsigned i = 0; i < n; i++) {
        (void)libtock_share_revoke(&sc->chunk[i], server_pid(c));
        if (copy && sc->staging[i] != NULL && (c->bufs[i].mode & IPCSVC_BUF_WRITE))
            (void)libtock_share_copy_in(&sc->chunk[i], 0, sc->staging[i], c->bufs[i].len);
    }
}

static int share_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                      uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms)
{
    struct share_conn *sc = conn_state(c, false);
    unsigned n = 0;
    while (sc != NULL && n < IPCSVC_MAX_BUFS && c->bufs[n].ptr != NULL)
        n++;
    for (unsigned i = 0; i < n; i++) {
        const struct ipcsvc_buf *b = &c->bufs[i];
        int rc = RETURNCODE_SUCCESS;
        if (sc->staging[i] != NULL && (b->mode & IPCSVC_BUF_READ))
            rc = libtock_share_copy_out(&sc->chunk[i], 0, sc->staging[i], b->len);
        if (rc == RETURNCODE_SUCCESS)
            rc = libtock_share_grant(&sc->chunk[i], server_pid(c), grant_mode(b->mode), NULL);
        if (rc != RETURNCODE_SUCCESS) {
            take_back(c, sc, i, false);
            return rc;
        }
    }
    int rc = relay_call_with_hooks(c, op, req, req_len, resp, resp_cap, resp_len, timeout_ms,
                                   &client_hooks);
    if (n)
        take_back(c, sc, n, rc == RETURNCODE_SUCCESS || rc == RETURNCODE_ESIZE);
    return rc;
}

/* ---- Server ---- */

static void chunk_external(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint8_t token)
{
    (void)s;
    serving.external[slot] = true;
    libtock_share_chunk_t *ch = &serving.chunk[slot];
    if (libtock_share_info(token, (uint32_t)r->client, ch) != RETURNCODE_SUCCESS ||
        ch->size < r->bufs[slot].len) {
        serving.external[slot] = false; /* not granted to us: reads and writes fail */
        return;
    }
    r->bufs[slot].direct = ch->mapped ? ch->ptr : NULL;
}

static const struct relay_hooks server_hooks = {.external = chunk_external};

static int share_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms)
{
    memset(&serving, 0, sizeof(serving));
    return relay_next_with_hooks(s, r, timeout_ms, &server_hooks);
}

/* Through the kernel even where the server maps the chunk: see the top. */
static int share_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                          void *dst, uint32_t n)
{
    if (!serving.external[slot])
        return ipcsvc_backend_relay.buf_read(s, r, slot, off, dst, n);
    return libtock_share_copy_in(&serving.chunk[slot], off, dst, n);
}

static int share_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                           const void *src, uint32_t n)
{
    if (!serving.external[slot])
        return ipcsvc_backend_relay.buf_write(s, r, slot, off, src, n);
    return libtock_share_copy_out(&serving.chunk[slot], off, src, n);
}

const struct ipcsvc_backend ipcsvc_backend_share = {
    .name = "share",
    .present = share_present,
    .connect = share_connect,
    .buf_alloc = share_buf_alloc,
    .call = share_call,
    .notify = relay_notify,
    .reg = relay_register,
    .restrict_to = relay_restrict_to,
    .next = share_next,
    .reply = relay_reply,
    .buf_read = share_buf_read,
    .buf_write = share_buf_write,
};
