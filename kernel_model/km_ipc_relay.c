/* km_ipc_relay.c: the draft design's Relay Request capsule, driver 0xA0010
 * (tock/tock PR #5016, "Interprocess Communication" section 4.1; capsule
 * capsules/core/src/ipc/ipc_relay_request.rs of PR #5015): single-copy
 * request and response between a client's and a server's allowed buffers.
 *
 * Sections: presence, state and reporting; client commands; server
 * commands; dispatch and lifecycle.
 *
 * The protocol as modelled:
 *
 * - read-only allow 0: data to send (a client's request, a server's
 *   response); read-write allow 0: where data lands (a server's request, a
 *   client's response).
 * - subscribe 0, client: response received (status, len, 0); subscribe 1,
 *   server: request waiting (client id low, client id high, 0), queued when
 *   the client sends.
 * - Each process has ONE transaction slot, client or server, as the draft
 *   capsule's TransactionState: a client with an outstanding request cannot
 *   get a request as a server (ALREADY) and vice versa.
 * - 0x10 send request(server id low, high): ALREADY with a transaction in
 *   progress; NODEVICE when no other process with this capsule's grant has
 *   that identifier (unknown, dead, restarted, or the caller itself);
 *   UNINSTALLED when the server has not enabled requests. Nothing is
 *   copied yet: the request stays in the client's allow.
 * - 0x11 cancel: INVAL without an outstanding client request; else clears
 *   it and schedules the client's own subscribe 0 with (CANCEL, 0, 0).
 * - 0x20 enable requests; 0x21 disable: clears the caller's own
 *   transaction (of either kind, as the draft does) and every client
 *   waiting on it gets (UNINSTALLED, 0, 0).
 * - 0x22 get next request / 0x23 get next request from (client id low,
 *   high): copies min(request, server buffer) bytes from the client's
 *   read-only allow into the server's read-write allow and opens the
 *   server's transaction. Success+u32+u64 (bytes, client id); when the
 *   request did not fit, the copy is still made (truncated) and the
 *   transaction opened, answered Failure+u64 (SIZE, client id). Every other
 *   failure is Failure+u64 with 0: ALREADY (a transaction in progress),
 *   NODEVICE (no request waiting). Clients are served round-robin: the
 *   search starts after the last client served (the draft's TRD says
 *   SHOULD; its capsule still carries a TODO and picks by process order).
 * - 0x24 send response: INVAL without a server transaction (which is
 *   closed whatever happens next); NODEVICE when the client no longer waits
 *   (cancelled, dead, restarted). Else copies min(response, client buffer)
 *   and the client gets (0, len, 0), or (SIZE, len, 0) when truncated.
 * - If the server dies, its clients are NOT told (the draft defers this to
 *   a future process-state callback): their requests stay outstanding until
 *   they cancel them, so a reliable client needs its own timeout. A client
 *   that dies takes its request with it (its grant goes): the server's
 *   get-next then finds nothing (NODEVICE) and a response NODEVICE.
 *
 * ipcsim extension, not upstream: 0x25 restrict(short_id) makes the server
 * accept requests only from clients whose ShortId equals short_id (others
 * get NODEVICE from 0x10, as if the server did not exist for them); 0
 * lifts it. It is checked when a request is sent.
 *
 * Planted bug, for testing `ipcsim fuzz` only (km_config.ipc.planted_bug
 * KM_BUG_RELAY_SERVER_BY_SLOT, docs/fuzzing.md): a waiting client is
 * matched to its server by the server's process slot (its index in the
 * process array) instead of its identifier. Without a restart the two
 * name the same process and nothing changes. After the server restarts,
 * its new incarnation takes the requests still waiting on the old one as
 * its own, and a request the old one had taken and not answered is
 * delivered again: handled twice. The requests waiting on a terminated
 * server are then not reported dropped, since the capsule still hands
 * them out.
 */
#include "km_internal.h"

#include <string.h>

#define RR_NUM 0xA0010u
#define RR_RO_DATA 0u         /* ro_allow::READ_BUFFER */
#define RR_RW_DATA 0u         /* rw_allow::WRITE_BUFFER */
#define RR_UP_RESPONSE 0u     /* upcall::CLIENT_RESPONSE_RECEIVED */
#define RR_UP_REQUEST 1u      /* upcall::SERVER_REQUEST_WAITING */
#define RR_CMD_SEND 0x10u     /* client: send request */
#define RR_CMD_CANCEL 0x11u   /* client: cancel request */
#define RR_CMD_ENABLE 0x20u   /* server: enable requests */
#define RR_CMD_DISABLE 0x21u  /* server: disable requests */
#define RR_CMD_NEXT 0x22u     /* server: get any next request */
#define RR_CMD_NEXT_OF 0x23u  /* server: get next request from a client */
#define RR_CMD_RESPOND 0x24u  /* server: send response */
#define RR_CMD_RESTRICT 0x25u /* server: ipcsim extension, accept one ShortId */

/* ---- Presence, state and reporting ----------------------------------- */

/* A process's state, in its grant's driver_state words (so that it goes
 * with the grant when the process terminates or restarts). */
enum rr_kind { RR_NONE = 0, RR_CLIENT = 1, RR_SERVER = 2 };
#define RR_W_FLAGS                                                                                 \
    0                   /* kind in bits 0-1, requests enabled in bit 8, a client's                 \
                           server's process slot in bits 16-23 (only the planted bug               \
                           looks at it), request number in bits 32-63 (a client: its               \
                           current request; a server: the request of its transaction) */
#define RR_W_PEER 1     /* the transaction's other end (IPC identifier) */
#define RR_W_RESTRICT 2 /* ShortId accepted (extension), 0 = any */
#define RR_W_CURSOR 3   /* round robin: process index to search from */
#define RR_ENABLED 0x100u
#define RR_SLOT_SHIFT 16u
#define RR_SLOT_MASK ((uint64_t)0xffu << RR_SLOT_SHIFT)

/* Message reports (KM_EV_IPC) still open: a request queued and neither
 * delivered nor dropped yet, per client process index. Kernel-wide so that
 * they survive the client's grant. */
struct rr_books {
    bool open[KM_MAX_PROCS];
    int server[KM_MAX_PROCS];
};

static bool rr_present(const struct km_kernel *k)
{
    return km_ipc_relay_present(k);
}

static struct rr_books *rr_books(struct km_kernel *k)
{
    return km_capsule_state(k, RR_NUM, sizeof(struct rr_books));
}

static enum rr_kind rr_kind_of(const struct km_grant *g)
{
    return (enum rr_kind)(g->driver_state[RR_W_FLAGS] & 3u);
}

static void rr_set_kind(struct km_grant *g, enum rr_kind kind, uint64_t peer)
{
    g->driver_state[RR_W_FLAGS] = (g->driver_state[RR_W_FLAGS] & ~(uint64_t)3u) | kind;
    g->driver_state[RR_W_PEER] = peer;
}

/* The request number in a grant's flags word. The draft keeps no such
 * number; ipcsim needs one so that a response to a request the client
 * cancelled cannot answer the client's next request (the header's "no
 * longer waits (cancelled)" case). */
static uint32_t rr_seq(const struct km_grant *g)
{
    return (uint32_t)(g->driver_state[RR_W_FLAGS] >> 32);
}

static void rr_set_seq(struct km_grant *g, uint32_t seq)
{
    g->driver_state[RR_W_FLAGS] =
        (g->driver_state[RR_W_FLAGS] & 0xffffffffu) | ((uint64_t)seq << 32);
}

/* The process slot of the server a client waits on, and setting it. */
static unsigned rr_slot(const struct km_grant *g)
{
    return (unsigned)((g->driver_state[RR_W_FLAGS] & RR_SLOT_MASK) >> RR_SLOT_SHIFT);
}

static void rr_set_slot(struct km_grant *g, unsigned slot)
{
    g->driver_state[RR_W_FLAGS] =
        (g->driver_state[RR_W_FLAGS] & ~RR_SLOT_MASK) | ((uint64_t)slot << RR_SLOT_SHIFT);
}

/* Is the planted bug (file header) switched on? */
static bool rr_by_slot(const struct km_kernel *k)
{
    return k->cfg.ipc.planted_bug == KM_BUG_RELAY_SERVER_BY_SLOT;
}

/* Closes client c's open request report as dropped. */
static void rr_drop(struct km_kernel *k, int c, const char *why)
{
    struct rr_books *b = rr_books(k);
    if (b == NULL || !b->open[c])
        return;
    b->open[c] = false;
    km_ipc_event(k, KM_IPC_DROPPED, c, b->server[c], true, "request", 0, why);
}

static void rr_ret_failure_u64(struct km_regs *r, int err, uint64_t v)
{
    km_ret_failure(r, err);
    r->r[0] = KM_RV_FAILURE_U64;
    r->r[2] = (uint32_t)v;
    r->r[3] = (uint32_t)(v >> 32);
}

static void rr_ret_success_u32_u64(struct km_regs *r, uint32_t a, uint64_t v)
{
    km_ret_success(r);
    r->r[0] = KM_RV_SUCCESS_U32_U64;
    r->r[1] = a;
    r->r[2] = (uint32_t)v;
    r->r[3] = (uint32_t)(v >> 32);
}

/* The other process with this capsule's grant whose identifier is id, and
 * its grant; NULL if none. */
static struct km_process *rr_find(struct km_kernel *k, const struct km_process *self, uint64_t id,
                                  struct km_grant **g)
{
    for (unsigned i = 0; i < k->nprocs; i++) {
        struct km_process *q = &k->procs[i];
        if (q == self || km_ipc_id(q) != id)
            continue;
        *g = km_grant_get(k, q, RR_NUM, false, NULL);
        return *g ? q : NULL;
    }
    return NULL;
}

/* Does process q (grant qg) wait with a request for server s? */
static bool rr_waits_for(const struct km_kernel *k, const struct km_process *q,
                         const struct km_grant *qg, const struct km_process *s)
{
    if (q == s || qg == NULL || rr_kind_of(qg) != RR_CLIENT)
        return false;
    if (rr_by_slot(k))
        return rr_slot(qg) == (unsigned)s->index; /* planted bug: any incarnation */
    return qg->driver_state[RR_W_PEER] == km_ipc_id(s);
}

/* ---- Client commands -------------------------------------------------- */

static void rr_send(struct km_kernel *k, struct km_process *p, struct km_grant *g, uint64_t sid,
                    struct km_regs *ret)
{
    if (rr_kind_of(g) != RR_NONE) {
        km_ret_failure(ret, KM_EALREADY);
        return;
    }
    struct km_grant *sg = NULL;
    struct km_process *s = rr_find(k, p, sid, &sg);
    uint64_t restrict_to = s ? sg->driver_state[RR_W_RESTRICT] : 0;
    if (s == NULL || (restrict_to != 0 && restrict_to != p->cfg->short_id)) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    if (!(sg->driver_state[RR_W_FLAGS] & RR_ENABLED)) {
        km_ret_failure(ret, KM_EUNINSTALLED);
        return;
    }
    uint64_t cid = km_ipc_id(p);
    (void)km_schedule_upcall(k, s, RR_NUM, RR_UP_REQUEST, (uint32_t)cid, (uint32_t)(cid >> 32), 0);
    rr_set_kind(g, RR_CLIENT, sid);
    rr_set_slot(g, (unsigned)s->index);
    rr_set_seq(g, rr_seq(g) + 1u);
    km_ipc_event(k, KM_IPC_QUEUED, p->index, s->index, true, "request", g->ro[RR_RO_DATA].len,
                 NULL);
    struct rr_books *b = rr_books(k);
    if (b != NULL) {
        b->open[p->index] = true;
        b->server[p->index] = s->index;
    }
    km_ret_success(ret);
}

static void rr_cancel(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                      struct km_regs *ret)
{
    if (rr_kind_of(g) != RR_CLIENT) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    rr_set_kind(g, RR_NONE, 0);
    (void)km_schedule_upcall(k, p, RR_NUM, RR_UP_RESPONSE, KM_ECANCEL, 0, 0);
    rr_drop(k, p->index, "cancelled by the client");
    km_ret_success(ret);
}

/* ---- Server commands -------------------------------------------------- */

static void rr_disable(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                       struct km_regs *ret)
{
    g->driver_state[RR_W_FLAGS] &= ~(uint64_t)RR_ENABLED;
    if (rr_kind_of(g) == RR_CLIENT)
        rr_drop(k, p->index, "cleared by the client's own disable");
    rr_set_kind(g, RR_NONE, 0);
    for (unsigned i = 0; i < k->nprocs; i++) {
        struct km_process *q = &k->procs[i];
        struct km_grant *qg = km_grant_get(k, q, RR_NUM, false, NULL);
        if (!rr_waits_for(k, q, qg, p))
            continue;
        rr_set_kind(qg, RR_NONE, 0);
        (void)km_schedule_upcall(k, q, RR_NUM, RR_UP_RESPONSE, KM_EUNINSTALLED, 0, 0);
        rr_drop(k, q->index, "server disabled requests");
    }
    km_ret_success(ret);
}

/* The client whose request server p takes next: the one with identifier
 * `only` if specific, else round robin from the cursor. */
static struct km_process *rr_pick(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                                  bool specific, uint64_t only, struct km_grant **cg)
{
    if (specific) {
        struct km_process *c = rr_find(k, p, only, cg);
        return c && rr_waits_for(k, c, *cg, p) ? c : NULL;
    }
    unsigned start = (unsigned)(g->driver_state[RR_W_CURSOR] % k->nprocs);
    for (unsigned j = 0; j < k->nprocs; j++) {
        struct km_process *c = &k->procs[(start + j) % k->nprocs];
        *cg = km_grant_get(k, c, RR_NUM, false, NULL);
        if (rr_waits_for(k, c, *cg, p))
            return c;
    }
    return NULL;
}

static void rr_next(struct km_kernel *k, struct km_process *p, struct km_grant *g, bool specific,
                    uint64_t only, struct km_regs *ret)
{
    if (rr_kind_of(g) != RR_NONE) {
        rr_ret_failure_u64(ret, KM_EALREADY, 0);
        return;
    }
    struct km_grant *cg = NULL;
    struct km_process *c = rr_pick(k, p, g, specific, only, &cg);
    if (c == NULL) {
        rr_ret_failure_u64(ret, KM_ENODEVICE, 0);
        return;
    }
    struct km_buffer src = cg->ro[RR_RO_DATA], dst = g->rw[RR_RW_DATA];
    uint32_t n = src.len < dst.len ? src.len : dst.len;
    if (!km_ipc_copy(k, p, dst.ptr, src.ptr, n)) {
        rr_ret_failure_u64(ret, KM_EFAIL, 0);
        return;
    }
    uint64_t cid = km_ipc_id(c);
    rr_set_kind(g, RR_SERVER, cid);
    rr_set_seq(g, rr_seq(cg)); /* the request this transaction answers */
    g->driver_state[RR_W_CURSOR] = (uint64_t)c->index + 1u;
    /* every request handed to a server is reported delivered: one whose
     * report is closed already is delivered a second time (what the
     * planted bug does) */
    struct rr_books *b = rr_books(k);
    if (b != NULL)
        b->open[c->index] = false;
    km_ipc_event(k, KM_IPC_DELIVERED, c->index, p->index, true, "request", n, NULL);
    km_note(k, p, KM_NOTE_IPC_REQUEST);
    if (src.len > dst.len)
        rr_ret_failure_u64(ret, KM_ESIZE, cid); /* truncated, transaction open */
    else
        rr_ret_success_u32_u64(ret, n, cid);
}

static void rr_respond(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                       struct km_regs *ret)
{
    if (rr_kind_of(g) != RR_SERVER) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    uint64_t cid = g->driver_state[RR_W_PEER];
    rr_set_kind(g, RR_NONE, 0); /* closed whatever happens next */
    struct km_grant *cg = NULL;
    struct km_process *c = rr_find(k, p, cid, &cg);
    /* the client must still wait for the request the transaction took: a
     * client that cancelled and sent again waits for another one */
    if (c == NULL || !rr_waits_for(k, c, cg, p) || rr_seq(cg) != rr_seq(g)) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    rr_set_kind(cg, RR_NONE, 0);
    struct km_buffer src = g->ro[RR_RO_DATA], dst = cg->rw[RR_RW_DATA];
    uint32_t n = src.len < dst.len ? src.len : dst.len;
    if (!km_ipc_copy(k, c, dst.ptr, src.ptr, n)) {
        (void)km_schedule_upcall(k, c, RR_NUM, RR_UP_RESPONSE, KM_EFAIL, 0, 0);
        km_ret_failure(ret, KM_EFAIL);
        return;
    }
    uint32_t status = src.len > dst.len ? (uint32_t)KM_ESIZE : 0u;
    (void)km_schedule_upcall(k, c, RR_NUM, RR_UP_RESPONSE, status, n, 0);
    km_ipc_event(k, KM_IPC_QUEUED, p->index, c->index, false, "response", n, NULL);
    km_ipc_event(k, KM_IPC_DELIVERED, p->index, c->index, false, "response", n, NULL);
    km_note(k, c, KM_NOTE_IPC_REPLY);
    km_ret_success(ret);
}

/* ---- Dispatch and lifecycle ------------------------------------------- */

static void rr_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                       uint32_t a2, struct km_regs *ret)
{
    uint64_t id = (uint64_t)a1 | ((uint64_t)a2 << 32);
    if (cmd == 0) {
        km_ret_success(ret);
        return;
    }
    if (cmd != RR_CMD_SEND && cmd != RR_CMD_CANCEL &&
        (cmd < RR_CMD_ENABLE || cmd > RR_CMD_RESTRICT)) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    struct km_grant *g = km_grant_get(k, p, RR_NUM, true, NULL);
    if (g == NULL) {
        if (cmd == RR_CMD_NEXT || cmd == RR_CMD_NEXT_OF)
            rr_ret_failure_u64(ret, KM_ENOMEM, 0);
        else
            km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    switch (cmd) {
    case RR_CMD_SEND:
        rr_send(k, p, g, id, ret);
        break;
    case RR_CMD_CANCEL:
        rr_cancel(k, p, g, ret);
        break;
    case RR_CMD_ENABLE:
        g->driver_state[RR_W_FLAGS] |= RR_ENABLED;
        km_ret_success(ret);
        break;
    case RR_CMD_DISABLE:
        rr_disable(k, p, g, ret);
        break;
    case RR_CMD_NEXT:
        rr_next(k, p, g, false, 0, ret);
        break;
    case RR_CMD_NEXT_OF:
        rr_next(k, p, g, true, id, ret);
        break;
    case RR_CMD_RESPOND:
        rr_respond(k, p, g, ret);
        break;
    default: /* RR_CMD_RESTRICT */
        g->driver_state[RR_W_RESTRICT] = a1;
        km_ret_success(ret);
        break;
    }
}

/* The capsule's state went with p's grant; what remains is to close the
 * reports of requests that will now never be delivered: p's own (its
 * request vanished) and those waiting on p (nobody tells their clients,
 * but no server will ever take them; with the planted bug p's next
 * incarnation will, so they stay open). */
static void rr_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    if (ev != KM_LC_TERMINATE)
        return;
    struct rr_books *b = rr_books(k);
    if (b == NULL)
        return;
    rr_drop(k, p->index, "client terminated");
    if (rr_by_slot(k))
        return;
    for (unsigned i = 0; i < k->nprocs; i++)
        if (b->open[i] && b->server[i] == p->index)
            rr_drop(k, (int)i, "server terminated");
}

const struct km_driver_ops km_drv_relay_request_ops = {
    .num = RR_NUM,
    .name = "relay_request",
    .has_grant = true,
    .n_upcalls = 2, /* upcall::COUNT */
    .n_rw = 1,      /* rw_allow::COUNT */
    .n_ro = 1,      /* ro_allow::COUNT */
    .present = rr_present,
    .command = rr_command,
    .lifecycle = rr_lifecycle,
};
