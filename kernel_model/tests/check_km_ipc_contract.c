/* check_km_ipc_contract.c: one contract, every IPC design. Each contract
 * test runs once per design (a Check loop test, the loop index naming the
 * adapter) through an adapter that plays both sides of a request and its
 * response at the syscall level:
 *
 *   legacy    0x10000: discover the package name; request = a shared
 *             buffer + notify service; response = written in place +
 *             notify client
 *   relay     string registry 0xA0000 + Relay Request 0xA0010
 *   mailbox   string registry + Relay Message 0xA0011: request and
 *             response are two mailbox messages
 *   sendrecv  0xA0030: lookup by package name + SEND / RECV / REPLY
 *   share     string registry + 0xA0020: request = a chunk holding the
 *             data granted EXCLUSIVE to the server; response = the server
 *             writes the chunk and releases it
 *
 * Where a property is every design's promise (bytes intact both ways, the
 * client identity the kernel reports, another client undisturbed), the
 * test asserts it alike for all. Where designs legitimately differ, the
 * expectation table (struct expect, one row per design) states the
 * documented behaviour and the test asserts that row, so a change in any
 * design's behaviour fails the suite.
 *
 * The bench: processes hand the CPU to one another with the baton of
 * km_ipc_bench.h; a process waiting for an upcall arms an alarm first, so
 * "nothing arrives" is observed as the alarm coming first. Processes die by
 * a fault (fault policy Stop) or restart (policy Restart) while another
 * process holds the CPU. */
#include "km_ipc_bench.h"

#include <stdio.h>

/* ---- Names, numbers, layout ----------------------------------------------- */

#define DRV_LEGACY 0x10000u
#define DRV_SHARE 0xA0020u
#define DRV_SR 0xA0030u

#define SVC_NAME "contract.echo" /* the service: package name and registry name */
#define NO_NAME "contract.nobody"

/* Upcall functions (inside the host code range every process declares). */
#define FN_REQ H_FN_A                /* server: a request (or its announcement) */
#define FN_RESP H_FN_B               /* client: a response */
#define FN_TIMER H_FN_C              /* alarm: the wait timed out */
#define FN_REG (H_CODE_LO + 0x100u)  /* registry: registration done */
#define FN_DISC (H_CODE_LO + 0x200u) /* registry: discovery done */
#define FN_END (H_CODE_LO + 0x300u)  /* share: a grant ended (server side) */
#define TIMEOUT_TICKS 20000u         /* 20 ms at the bench's 1 MHz alarm */

/* Offsets in each process's app memory (H_APP_BRK bytes). */
#define OFF_REQ 0x100u  /* client: request bytes */
#define OFF_RESP 0x200u /* client: response buffer or mailbox slice */
#define OFF_RX 0x300u   /* server: request buffer or mailbox slice */
#define OFF_TX 0x500u   /* server: response bytes */
#define OFF_NAME 0x600u /* discovery / registration name */
#define RESP_CAP 64u    /* client response capacity */
#define SRV_CAP 64u     /* server request capacity, unless a test says otherwise */

#define MB_HDR 8u  /* streaming slice header */
#define MB_REC 12u /* mailbox record header: id low, id high, length */

/* ---- What a side observes ------------------------------------------------------ */

/* What the server gets when it waits for a request. */
enum rx_kind {
    RX_OK,       /* a request, whole */
    RX_TRUNC,    /* a request, cut to the server's buffer */
    RX_LOST,     /* told a request from `from` did not fit; nothing copied */
    RX_VANISHED, /* told of a request that was gone when it went to take it */
    RX_DEAD,     /* told explicitly that the client died */
    RX_NONE,     /* nothing: the timeout came first */
};
static const char *const rx_names[] = {"OK", "TRUNC", "LOST", "VANISHED", "DEAD", "NONE"};

struct rx {
    enum rx_kind kind;
    uint64_t from; /* the client identity the kernel reported */
    uint32_t len;  /* bytes the server can read (data) */
    uint32_t full; /* the request's whole length as reported, 0 = not reported */
    uint8_t data[256];
};

/* What the client gets when it waits for its response. */
enum resp_kind {
    RS_OK,      /* the response */
    RS_TRUNC,   /* the response, cut to the client's buffer */
    RS_CANCEL,  /* its own cancel, confirmed by an upcall */
    RS_DEAD,    /* told the server died (code: the design's detail) */
    RS_TIMEOUT, /* nothing: the timeout came first */
};
static const char *const resp_names[] = {"OK", "TRUNC", "CANCEL", "DEAD", "TIMEOUT"};

struct resp {
    enum resp_kind kind;
    uint32_t code; /* RS_DEAD: the dead code / reason the design reports */
    uint32_t len;
    uint8_t data[256];
};

/* ---- The bench and the adapters --------------------------------------------- */

struct adapter;

struct ct {
    const struct adapter *a;
    struct harness *h;
    int cur;                        /* the process holding the dispatch */
    uint32_t cap[H_MAX_PROCS];      /* server: request capacity */
    uint32_t req_len[H_MAX_PROCS];  /* client: its last request's length */
    uint32_t peer_ptr[H_MAX_PROCS]; /* legacy server: the last request's buffer */
    uint32_t peer_len[H_MAX_PROCS];
    uint32_t mb_read[H_MAX_PROCS];  /* mailbox receiver: read cursor in its slice */
    uint32_t mb_slice[H_MAX_PROCS]; /* mailbox receiver: slice length */
    uint32_t sh_owner[H_MAX_PROCS]; /* share server: owner pid of the chunk it holds */
    uint32_t sh_handle[H_MAX_PROCS];
    uint32_t sh_req[H_MAX_PROCS]; /* share client: handle of its request chunk */
    uint32_t sh_size[H_MAX_PROCS];
    /* share server: chunks already reported gone whose ended upcall is
     * still to come (owner pid << 8 | handle) */
    uint64_t sh_skip[H_MAX_PROCS][8];
    unsigned sh_nskip[H_MAX_PROCS];
};

/* One design driven through the same steps. Every operation runs on the
 * process named, which must hold the dispatch. Return codes are 0 or a
 * Tock ErrorCode number. */
struct adapter {
    const char *name;
    const char *mechanism;
    /* register under SVC_NAME and get ready to take requests of up to cap bytes */
    void (*serve)(struct ct *t, int s, uint32_t cap);
    /* look the name up; true with the identifier to address it by */
    bool (*discover)(struct ct *t, int c, const char *name, uint64_t *id);
    /* p's identity as the kernel reports it to a peer */
    uint64_t (*self_id)(struct ct *t, int p);
    int (*request)(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n);
    void (*await_request)(struct ct *t, int s, struct rx *rx);
    int (*respond)(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n);
    void (*await_response)(struct ct *t, int c, struct resp *r);
    int (*cancel)(struct ct *t, int c); /* NULL: the design has none */
};

/* ---- Helpers every adapter uses ---------------------------------------------- */

/* 0 for a success variant, else the ErrorCode in r1. */
static int rc_of(struct km_regs r)
{
    return r.r[0] >= KM_RV_SUCCESS ? 0 : (int)r.r[1];
}

static uint32_t at(struct ct *t, int p, uint32_t off)
{
    return h_ram(t->h, p) + off;
}

static uint8_t *mem(struct ct *t, int p, uint32_t off)
{
    return h_mem(t->h, at(t, p, off));
}

static struct km_regs cmd(struct ct *t, int p, uint32_t drv, uint32_t c, uint32_t a1, uint32_t a2)
{
    return h_call(t->h, p, KM_SYS_COMMAND, drv, c, a1, a2);
}

static void sub(struct ct *t, int p, uint32_t drv, uint32_t num, uint64_t fn)
{
    H_EXPECT1(h_call(t->h, p, KM_SYS_SUBSCRIBE, drv, num, fn, 0), KM_RV_SUCCESS_2U32);
}

/* p copies len bytes to off (if d) and allows them (cls, drv, num). */
static uint32_t put(struct ct *t, int p, uint32_t cls, uint32_t drv, uint32_t num, uint32_t off,
                    const void *d, uint32_t len)
{
    return ib_put(t->h, p, cls, drv, num, off, d, len);
}

/* Hands the CPU to p (started if it never ran or just restarted). */
static void go(struct ct *t, int p)
{
    if (t->cur != p)
        ib_handover(t->h, t->cur, p);
    t->cur = p;
}

/* Process p (not holding the dispatch) faults; its fault policy acts. */
static void die(struct ct *t, int p)
{
    ck_assert_int_ne(p, t->cur);
    uint32_t restarts = h_info(t->h, p).stats.restart_count;
    h_fault(t->h, p, "contract: dies");
    if (t->h->opts.policy[p].kind == KM_FP_RESTART)
        ck_assert_uint_eq(h_info(t->h, p).stats.restart_count, restarts + 1);
    else
        ck_assert_int_eq(h_info(t->h, p).state, KM_STATE_FAULTED);
}

/* p waits for its next upcall, TIMEOUT_TICKS at most: true with *d that
 * upcall, false if the timeout came first. */
static bool wait_upcall(struct ct *t, int p, struct km_dispatch *d)
{
    ck_assert_int_eq(t->cur, p);
    sub(t, p, H_DRV_ALARM, 0, FN_TIMER);
    H_EXPECT1(cmd(t, p, H_DRV_ALARM, 5, TIMEOUT_TICKS, 0), KM_RV_SUCCESS_U32);
    *d = h_syscall(t->h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(*d, p, KM_RESUME_UPCALL);
    if (d->upcall.fn == FN_TIMER)
        return false;
    H_EXPECT1(cmd(t, p, H_DRV_ALARM, 3, 0, 0), KM_RV_SUCCESS); /* stop the alarm */
    return true;
}

/* ---- Legacy IPC 0x10000 ------------------------------------------------------ */

/* Service: subscribes on its own index (that is the registration). */
static void lg_serve(struct ct *t, int s, uint32_t cap)
{
    t->cap[s] = cap;
    sub(t, s, DRV_LEGACY, (uint32_t)s, FN_REQ);
}

static bool lg_discover(struct ct *t, int c, const char *name, uint64_t *id)
{
    put(t, c, KM_SYS_ALLOW_RO, DRV_LEGACY, 0, OFF_NAME, name, (uint32_t)strlen(name));
    struct km_regs r = cmd(t, c, DRV_LEGACY, 1, 0, 0);
    if (r.r[0] != KM_RV_SUCCESS_U32) {
        H_EXPECT2(r, KM_RV_FAILURE, KM_ENODEVICE);
        return false;
    }
    *id = r.r[1];
    return true;
}

/* The identity legacy IPC reports: the process index. */
static uint64_t lg_self(struct ct *t, int p)
{
    (void)t;
    return (uint64_t)p;
}

/* The client shares exactly the request with the service (allow number =
 * service index) and notifies it; the response upcall comes on subscribe
 * number = service index. */
static int lg_request(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n)
{
    uint32_t s = (uint32_t)server;
    t->req_len[c] = n;
    sub(t, c, DRV_LEGACY, s, FN_RESP);
    put(t, c, KM_SYS_ALLOW_RW, DRV_LEGACY, s, OFF_REQ, d, n);
    return rc_of(cmd(t, c, DRV_LEGACY, 2, s, 0));
}

/* The upcall carries (client index, len, ptr); the service reads the
 * client's buffer in place, through the window the kernel opened. */
static void lg_await_request(struct ct *t, int s, struct rx *rx)
{
    struct km_dispatch d;
    if (!wait_upcall(t, s, &d)) {
        rx->kind = RX_NONE;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_REQ);
    uint32_t len = (uint32_t)d.upcall.args[1], ptr = (uint32_t)d.upcall.args[2];
    rx->kind = RX_OK;
    rx->from = d.upcall.args[0];
    rx->len = rx->full = len;
    ck_assert_uint_le(len, sizeof(rx->data));
    if (len != 0) {
        ck_assert_msg(ib_can(t->h, s, ptr, len, KM_ACCESS_READ | KM_ACCESS_WRITE),
                      "legacy: the service cannot reach the buffer");
        memcpy(rx->data, h_mem(t->h, ptr), len);
    }
    t->peer_ptr[s] = ptr;
    t->peer_len[s] = len;
}

/* The response is written into the client's shared buffer, then the
 * client is notified. */
static int lg_respond(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n)
{
    if (t->peer_len[s] != 0)
        memcpy(h_mem(t->h, t->peer_ptr[s]), d, n < t->peer_len[s] ? n : t->peer_len[s]);
    return rc_of(cmd(t, s, DRV_LEGACY, 3, (uint32_t)client, 0));
}

static void lg_await_response(struct ct *t, int c, struct resp *r)
{
    struct km_dispatch d;
    if (!wait_upcall(t, c, &d)) {
        r->kind = RS_TIMEOUT;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_RESP);
    ck_assert_uint_eq(d.upcall.args[1], 0); /* the service shared nothing back */
    r->kind = RS_OK;
    r->len = t->req_len[c];
    memcpy(r->data, mem(t, c, OFF_REQ), r->len);
}

/* ---- The string-name registry 0xA0000 (relay, mailbox, share) ---------------- */

static void reg_register(struct ct *t, int s)
{
    ib_allow_name(t->h, s, OFF_NAME, SVC_NAME);
    sub(t, s, H_DRV_REG_NAME, 0, FN_REG);
    H_EXPECT1(cmd(t, s, H_DRV_REG_NAME, 1, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d;
    ck_assert(wait_upcall(t, s, &d));
    ck_assert_uint_eq(d.upcall.fn, FN_REG);
    ck_assert_uint_eq(d.upcall.args[0], 0);
}

static bool reg_discover(struct ct *t, int c, const char *name, uint64_t *id)
{
    ib_allow_name(t->h, c, OFF_NAME, name);
    sub(t, c, H_DRV_REG_NAME, 1, FN_DISC);
    H_EXPECT1(cmd(t, c, H_DRV_REG_NAME, 2, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d;
    ck_assert(wait_upcall(t, c, &d));
    ck_assert_uint_eq(d.upcall.fn, FN_DISC);
    if (d.upcall.args[0] != 0) {
        ck_assert_uint_eq(d.upcall.args[0], KM_ENODEVICE);
        return false;
    }
    *id = d.upcall.args[1] | (uint64_t)d.upcall.args[2] << 32;
    return true;
}

/* The draft design's IPC identifier: ProcessId | ShortId << 32. */
static uint64_t ipc_self(struct ct *t, int p)
{
    return ib_lo(t->h, p) | (uint64_t)ib_hi(t->h, p) << 32;
}

/* ---- Relay Request 0xA0010 ------------------------------------------------------ */

static void rr_serve(struct ct *t, int s, uint32_t cap)
{
    t->cap[s] = cap;
    reg_register(t, s);
    H_EXPECT1(cmd(t, s, H_DRV_RELAY, 0x20, 0, 0), KM_RV_SUCCESS);
    sub(t, s, H_DRV_RELAY, 1, FN_REQ);
    put(t, s, KM_SYS_ALLOW_RW, H_DRV_RELAY, 0, OFF_RX, NULL, cap);
}

static int rr_request(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n)
{
    t->req_len[c] = n;
    sub(t, c, H_DRV_RELAY, 0, FN_RESP);
    put(t, c, KM_SYS_ALLOW_RO, H_DRV_RELAY, 0, OFF_REQ, d, n);
    put(t, c, KM_SYS_ALLOW_RW, H_DRV_RELAY, 0, OFF_RESP, NULL, RESP_CAP);
    return rc_of(cmd(t, c, H_DRV_RELAY, 0x10, (uint32_t)server, (uint32_t)(server >> 32)));
}

/* The announcement (client id), then get next request. */
static void rr_await_request(struct ct *t, int s, struct rx *rx)
{
    struct km_dispatch d;
    if (!wait_upcall(t, s, &d)) {
        rx->kind = RX_NONE;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_REQ);
    struct km_regs r = cmd(t, s, H_DRV_RELAY, 0x22, 0, 0);
    rx->full = 0; /* the relay does not report a request's whole length */
    rx->from = r.r[2] | (uint64_t)r.r[3] << 32;
    if (r.r[0] == KM_RV_SUCCESS_U32_U64) {
        rx->kind = RX_OK;
        rx->len = (uint32_t)r.r[1];
    } else {
        ck_assert_uint_eq(r.r[0], KM_RV_FAILURE_U64);
        if (r.r[1] == KM_ESIZE) {
            rx->kind = RX_TRUNC;
            rx->len = t->cap[s];
        } else {
            ck_assert_uint_eq(r.r[1], KM_ENODEVICE);
            rx->kind = RX_VANISHED;
            rx->len = 0;
            rx->from = d.upcall.args[0] | (uint64_t)d.upcall.args[1] << 32;
        }
    }
    memcpy(rx->data, mem(t, s, OFF_RX), rx->len);
}

static int rr_respond(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n)
{
    (void)client; /* the transaction names it */
    put(t, s, KM_SYS_ALLOW_RO, H_DRV_RELAY, 0, OFF_TX, d, n);
    return rc_of(cmd(t, s, H_DRV_RELAY, 0x24, 0, 0));
}

static void rr_await_response(struct ct *t, int c, struct resp *r)
{
    struct km_dispatch d;
    if (!wait_upcall(t, c, &d)) {
        r->kind = RS_TIMEOUT;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_RESP);
    uint32_t status = (uint32_t)d.upcall.args[0];
    r->len = (uint32_t)d.upcall.args[1];
    if (status == KM_ECANCEL) {
        r->kind = RS_CANCEL;
        return;
    }
    ck_assert_msg(status == 0 || status == KM_ESIZE, "relay: response status %u", status);
    r->kind = status == 0 ? RS_OK : RS_TRUNC;
    memcpy(r->data, mem(t, c, OFF_RESP), r->len);
}

static int rr_cancel(struct ct *t, int c)
{
    return rc_of(cmd(t, c, H_DRV_RELAY, 0x11, 0, 0));
}

/* ---- Relay Message (mailbox) 0xA0011 ---------------------------------------- */

/* p receives messages of up to cap bytes: a fresh slice, reception on. */
static void mb_receive(struct ct *t, int p, uint32_t off, uint32_t cap, uint64_t fn)
{
    uint32_t len = MB_HDR + MB_REC + cap;
    memset(mem(t, p, off), 0, len);
    put(t, p, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, off, NULL, len);
    H_EXPECT1(cmd(t, p, H_DRV_MAILBOX, 2, 0, 0), KM_RV_SUCCESS);
    sub(t, p, H_DRV_MAILBOX, 0, fn);
    t->mb_slice[p] = len;
    t->mb_read[p] = 0;
}

/* The next record of p's slice at off, after upcall d: kernel-written
 * sender identity, length, bytes. A slice read to its end is swapped for
 * a fresh one. */
static void mb_take(struct ct *t, int p, uint32_t off, const struct km_dispatch *d, uint64_t *from,
                    uint32_t *len, uint8_t *data, bool *lost)
{
    uint8_t *slice = mem(t, p, off);
    uint64_t told = d->upcall.args[1] | (uint64_t)d->upcall.args[2] << 32;
    *lost = d->upcall.args[0] != 0;
    *from = told;
    *len = 0;
    if (*lost) {
        ck_assert_uint_eq(d->upcall.args[0], KM_ESIZE);
    } else {
        const uint8_t *rec = slice + MB_HDR + t->mb_read[p];
        *from = ib_le32(rec) | (uint64_t)ib_le32(rec + 4) << 32;
        ck_assert_uint_eq(*from, told); /* the record and the upcall agree */
        *len = ib_le32(rec + 8);
        memcpy(data, rec + MB_REC, *len);
        t->mb_read[p] += MB_REC + *len;
    }
    if (t->mb_read[p] == ib_le32(slice + 4)) { /* all read: a fresh slice */
        memset(slice, 0, t->mb_slice[p]);
        put(t, p, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, off, NULL, t->mb_slice[p]);
        t->mb_read[p] = 0;
    }
}

static void mb_serve(struct ct *t, int s, uint32_t cap)
{
    t->cap[s] = cap;
    reg_register(t, s);
    mb_receive(t, s, OFF_RX, cap, FN_REQ);
}

/* The client opens its own mailbox for the response, then sends. */
static int mb_request(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n)
{
    t->req_len[c] = n;
    mb_receive(t, c, OFF_RESP, RESP_CAP, FN_RESP);
    put(t, c, KM_SYS_ALLOW_RO, H_DRV_MAILBOX, 0, OFF_REQ, d, n);
    return rc_of(cmd(t, c, H_DRV_MAILBOX, 1, (uint32_t)server, (uint32_t)(server >> 32)));
}

static void mb_await_request(struct ct *t, int s, struct rx *rx)
{
    struct km_dispatch d;
    if (!wait_upcall(t, s, &d)) {
        rx->kind = RX_NONE;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_REQ);
    bool lost = false;
    mb_take(t, s, OFF_RX, &d, &rx->from, &rx->len, rx->data, &lost);
    rx->kind = lost ? RX_LOST : RX_OK;
    rx->full = lost ? 0 : rx->len;
}

static int mb_respond(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n)
{
    put(t, s, KM_SYS_ALLOW_RO, H_DRV_MAILBOX, 0, OFF_TX, d, n);
    return rc_of(cmd(t, s, H_DRV_MAILBOX, 1, (uint32_t)client, (uint32_t)(client >> 32)));
}

static void mb_await_response(struct ct *t, int c, struct resp *r)
{
    struct km_dispatch d;
    if (!wait_upcall(t, c, &d)) {
        r->kind = RS_TIMEOUT;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_RESP);
    bool lost = false;
    uint64_t from = 0;
    mb_take(t, c, OFF_RESP, &d, &from, &r->len, r->data, &lost);
    r->kind = lost ? RS_TRUNC : RS_OK;
}

/* ---- Send / receive / reply 0xA0030 ------------------------------------------- */

static void sr_serve(struct ct *t, int s, uint32_t cap)
{
    t->cap[s] = cap; /* the package name is the name: nothing to register */
    sub(t, s, DRV_SR, 1, FN_REQ);
    put(t, s, KM_SYS_ALLOW_RW, DRV_SR, 0, OFF_RX, NULL, cap);
}

static bool sr_discover(struct ct *t, int c, const char *name, uint64_t *id)
{
    put(t, c, KM_SYS_ALLOW_RO, DRV_SR, 0, OFF_NAME, name, (uint32_t)strlen(name));
    struct km_regs r = cmd(t, c, DRV_SR, 1, 0, 0);
    if (r.r[0] != KM_RV_SUCCESS_U32) {
        H_EXPECT2(r, KM_RV_FAILURE, KM_ENODEVICE);
        return false;
    }
    *id = r.r[1];
    return true;
}

/* The task id (index | generation << 10), as command 14 gives it. */
static uint64_t sr_self(struct ct *t, int p)
{
    struct km_regs r = cmd(t, p, DRV_SR, 14, 0, 0);
    ck_assert_uint_eq(r.r[0], KM_RV_SUCCESS_U32);
    return r.r[1];
}

static int sr_request(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n)
{
    t->req_len[c] = n;
    sub(t, c, DRV_SR, 0, FN_RESP);
    put(t, c, KM_SYS_ALLOW_RO, DRV_SR, 0, OFF_REQ, d, n);
    put(t, c, KM_SYS_ALLOW_RW, DRV_SR, 0, OFF_RESP, NULL, RESP_CAP);
    return rc_of(cmd(t, c, DRV_SR, 2, (uint32_t)server, 1));
}

/* An open receive; on a timeout the server stops taking messages again (a
 * closed receive of notifications with an empty mask). */
static void sr_await_request(struct ct *t, int s, struct rx *rx)
{
    H_EXPECT1(cmd(t, s, DRV_SR, 3, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d;
    if (!wait_upcall(t, s, &d)) {
        H_EXPECT1(cmd(t, s, DRV_SR, 4, 0xFFFFu, 0), KM_RV_SUCCESS);
        rx->kind = RX_NONE;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_REQ);
    uint32_t sender = (uint32_t)d.upcall.args[0], sizes = (uint32_t)d.upcall.args[1];
    rx->from = sender;
    if ((sender & 0xFFFFFF00u) == 0xFFFFFF00u) {
        rx->kind = RX_DEAD;
        rx->len = rx->full = 0;
        return;
    }
    rx->len = sizes & 0xFFFFu;
    rx->full = sizes >> 16;
    rx->kind = rx->full > rx->len ? RX_TRUNC : RX_OK;
    memcpy(rx->data, mem(t, s, OFF_RX), rx->len);
}

static int sr_respond(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n)
{
    put(t, s, KM_SYS_ALLOW_RO, DRV_SR, 0, OFF_TX, d, n);
    return rc_of(cmd(t, s, DRV_SR, 5, (uint32_t)client, 0));
}

static void sr_await_response(struct ct *t, int c, struct resp *r)
{
    struct km_dispatch d;
    if (!wait_upcall(t, c, &d)) {
        r->kind = RS_TIMEOUT;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_RESP);
    uint32_t kind = (uint32_t)d.upcall.args[2] & 0xFFu;
    r->code = (uint32_t)d.upcall.args[0];
    r->len = (uint32_t)d.upcall.args[1];
    ck_assert_uint_le(kind, 2);
    r->kind = kind == 0 ? RS_OK : kind == 1 ? RS_TRUNC : RS_DEAD;
    memcpy(r->data, mem(t, c, OFF_RESP), r->len);
}

static int sr_cancel(struct ct *t, int c)
{
    return rc_of(cmd(t, c, DRV_SR, 13, 0, 0));
}

/* ---- Shared memory 0xA0020 (with the string registry) ------------------------ */

#define SH_COPIED (1u << 16)
#define SH_EXCLUSIVE 1u
#define SH_END_REVOKED 0u
#define SH_END_RELEASED 1u
#define SH_END_GONE 2u

static void sh_serve(struct ct *t, int s, uint32_t cap)
{
    t->cap[s] = cap;
    reg_register(t, s);
    sub(t, s, DRV_SHARE, 0, FN_REQ);
    sub(t, s, DRV_SHARE, 1, FN_END);
    t->sh_nskip[s] = 0;
}

/* The client activates a chunk, fills it (copy_out, which works mapped or
 * not) and grants it EXCLUSIVE to the server (named by its ProcessId). */
static int sh_request(struct ct *t, int c, uint64_t server, const uint8_t *d, uint32_t n)
{
    t->req_len[c] = n;
    sub(t, c, DRV_SHARE, 1, FN_RESP);
    struct km_regs r = cmd(t, c, DRV_SHARE, 1, n, 0);
    ck_assert_uint_eq(r.r[0], KM_RV_SUCCESS_3U32);
    uint32_t handle = (uint32_t)r.r[1] & 0xFFu;
    t->sh_req[c] = handle;
    t->sh_size[c] = (uint32_t)r.r[3];
    put(t, c, KM_SYS_ALLOW_RO, DRV_SHARE, 0, OFF_REQ, d, n);
    H_EXPECT2(cmd(t, c, DRV_SHARE, 7, handle, 0), KM_RV_SUCCESS_U32, n);
    return rc_of(cmd(t, c, DRV_SHARE, 2, handle | SH_EXCLUSIVE << 8, (uint32_t)server));
}

static bool sh_skipped(struct ct *t, int s, uint32_t pid, uint32_t handle)
{
    uint64_t key = (uint64_t)pid << 8 | handle;
    for (unsigned i = 0; i < t->sh_nskip[s]; i++)
        if (t->sh_skip[s][i] == key) {
            t->sh_skip[s][i] = t->sh_skip[s][--t->sh_nskip[s]];
            return true;
        }
    return false;
}

static void sh_skip(struct ct *t, int s, uint32_t pid, uint32_t handle)
{
    ck_assert_uint_lt(t->sh_nskip[s], 8);
    t->sh_skip[s][t->sh_nskip[s]++] = (uint64_t)pid << 8 | handle;
}

/* A granted upcall: the server reads the chunk through its mapping (or by
 * copy_in where it has none). An ended upcall: the client withdrew it
 * (revoked) or is gone. */
static void sh_await_request(struct ct *t, int s, struct rx *rx)
{
    for (;;) {
        struct km_dispatch d;
        if (!wait_upcall(t, s, &d)) {
            rx->kind = RX_NONE;
            return;
        }
        uint32_t pid = (uint32_t)d.upcall.args[0], handle = (uint32_t)d.upcall.args[1] & 0xFFu;
        rx->from = pid;
        rx->len = rx->full = 0;
        if (d.upcall.fn == FN_END) {
            if (sh_skipped(t, s, pid, handle))
                continue; /* already reported */
            rx->kind = d.upcall.args[2] == SH_END_REVOKED ? RX_VANISHED : RX_DEAD;
            return;
        }
        ck_assert_uint_eq(d.upcall.fn, FN_REQ);
        struct km_regs r = cmd(t, s, DRV_SHARE, 5, handle, pid);
        if (r.r[0] != KM_RV_SUCCESS_3U32) { /* gone before it looked */
            sh_skip(t, s, pid, handle);
            rx->kind = r.r[1] == KM_ENODEVICE ? RX_DEAD : RX_VANISHED;
            return;
        }
        uint32_t hw = (uint32_t)r.r[1], addr = (uint32_t)r.r[2], size = (uint32_t)r.r[3];
        t->sh_owner[s] = pid;
        t->sh_handle[s] = handle;
        rx->full = size;
        ck_assert_uint_le(size, sizeof(rx->data));
        if (!(hw & SH_COPIED)) {
            ck_assert_msg(ib_can(t->h, s, addr, size, KM_ACCESS_READ | KM_ACCESS_WRITE),
                          "share: the mapping does not cover it");
            rx->len = size;
            memcpy(rx->data, h_mem(t->h, addr), size);
        } else {
            rx->len = size < t->cap[s] ? size : t->cap[s];
            put(t, s, KM_SYS_ALLOW_RW, DRV_SHARE, 0, OFF_RX, NULL, rx->len);
            H_EXPECT2(cmd(t, s, DRV_SHARE, 6, handle, pid), KM_RV_SUCCESS_U32, rx->len);
            memcpy(rx->data, mem(t, s, OFF_RX), rx->len);
        }
        rx->kind = rx->len < size ? RX_TRUNC : RX_OK;
        return;
    }
}

/* The server writes the response into the chunk and releases it. */
static int sh_respond(struct ct *t, int s, uint64_t client, const uint8_t *d, uint32_t n)
{
    (void)client; /* the chunk names its owner */
    put(t, s, KM_SYS_ALLOW_RO, DRV_SHARE, 0, OFF_TX, d, n);
    int rc = rc_of(cmd(t, s, DRV_SHARE, 7, t->sh_handle[s], t->sh_owner[s]));
    if (rc != 0)
        return rc;
    return rc_of(cmd(t, s, DRV_SHARE, 4, t->sh_handle[s], t->sh_owner[s]));
}

/* Released: the chunk holds the response. Gone: the server died. */
static void sh_await_response(struct ct *t, int c, struct resp *r)
{
    struct km_dispatch d;
    if (!wait_upcall(t, c, &d)) {
        r->kind = RS_TIMEOUT;
        return;
    }
    ck_assert_uint_eq(d.upcall.fn, FN_RESP);
    uint32_t why = (uint32_t)d.upcall.args[2];
    if (why == SH_END_GONE) {
        r->kind = RS_DEAD;
        r->code = why;
        return;
    }
    ck_assert_uint_eq(why, SH_END_RELEASED);
    r->kind = RS_OK;
    r->len = t->sh_size[c];
    put(t, c, KM_SYS_ALLOW_RW, DRV_SHARE, 0, OFF_RESP, NULL, r->len);
    H_EXPECT2(cmd(t, c, DRV_SHARE, 6, t->sh_req[c], 0), KM_RV_SUCCESS_U32, r->len);
    memcpy(r->data, mem(t, c, OFF_RESP), r->len);
}

/* Cancel = revoke the request chunk from every peer. */
static int sh_cancel(struct ct *t, int c)
{
    return rc_of(cmd(t, c, DRV_SHARE, 3, t->sh_req[c], 0));
}

/* ---- The designs and what each documents ------------------------------------- */

static const struct adapter adapters[] = {
    {"legacy", "legacy", lg_serve, lg_discover, lg_self, lg_request, lg_await_request, lg_respond,
     lg_await_response, NULL},
    {"relay", "relay", rr_serve, reg_discover, ipc_self, rr_request, rr_await_request, rr_respond,
     rr_await_response, rr_cancel},
    {"mailbox", "relay", mb_serve, reg_discover, ipc_self, mb_request, mb_await_request, mb_respond,
     mb_await_response, NULL},
    {"sendrecv", "sendrecv", sr_serve, sr_discover, sr_self, sr_request, sr_await_request,
     sr_respond, sr_await_response, sr_cancel},
    {"share", "share", sh_serve, reg_discover, ipc_self, sh_request, sh_await_request, sh_respond,
     sh_await_response, sh_cancel},
};
#define N_ADAPTERS (int)(sizeof(adapters) / sizeof(adapters[0]))

#define TRUNC_CAP 16u /* test 3: the server's buffer */
#define TRUNC_LEN 40u /* test 3: the request */

/* Each design's documented behaviour where designs differ. */
struct expect {
    /* 1 discovery: the name resolves before the server has registered */
    bool found_before_register;
    /* 3 truncation (TRUNC_LEN bytes to a TRUNC_CAP-byte server) */
    int trunc_rc;          /* the client's request call */
    enum rx_kind trunc_rx; /* what the server gets */
    uint32_t trunc_len;    /* bytes it can read */
    uint32_t trunc_full;   /* whole length reported to it (0: not reported) */
    /* 4 cancel */
    bool has_cancel;
    enum resp_kind cancel_client;  /* the client's wait after its cancel */
    enum rx_kind cancel_server;    /* the server then looks */
    int cancel_late_rc;            /* a response after a cancel that came late */
    enum rx_kind cancel_late_told; /* ... and whether the server is told of it */
    /* 5 client death */
    enum rx_kind cdeath_rx;   /* died before the server looked */
    int cdeath_rc;            /* died after: the server's response */
    enum rx_kind cdeath_told; /* ... and whether the server is told */
    /* 6 server death with a request outstanding */
    enum resp_kind sdeath; /* what the client sees */
    uint32_t sdeath_code;  /* its detail */
    int sdeath_resend_rc;  /* the client's next request to it */
    bool dead_found;       /* its name still resolves */
    /* 7 restart */
    bool id_changes; /* the identifier changes when a process restarts */
    int stale_rc;    /* a request with the identifier from before */
    /* 8 one client dies, another is served */
    unsigned dead_seen; /* requests of the dead client the server still gets */
    unsigned wakeups;   /* times the server is woken in all */
};

static const struct expect expects[] = {
    /* legacy: docs/legacy-ipc.md */
    {.found_before_register = true, /* any process's package name, whatever its state */
     .trunc_rc = 0,
     .trunc_rx = RX_OK, /* no server buffer: it reads the client's in place */
     .trunc_len = TRUNC_LEN,
     .trunc_full = TRUNC_LEN,
     .has_cancel = false,
     .cancel_client = RS_TIMEOUT,
     .cancel_server = RX_OK, /* a notify cannot be withdrawn */
     .cdeath_rx = RX_NONE,   /* dropped at delivery: sender gone */
     .cdeath_rc = KM_ENODEVICE,
     .cdeath_told = RX_NONE,
     .sdeath = RS_TIMEOUT, /* clients are never told (#1082) */
     .sdeath_resend_rc = KM_ENODEVICE,
     .dead_found = true,  /* process_until ignores the state */
     .id_changes = false, /* the index stays */
     .stale_rc = 0,
     .dead_seen = 0,
     .wakeups = 1},
    /* relay: docs/ipc-relay.md, Relay Request */
    {.found_before_register = false,
     .trunc_rc = 0,
     .trunc_rx = RX_TRUNC, /* copied cut, SIZE, transaction open */
     .trunc_len = TRUNC_CAP,
     .trunc_full = 0,
     .has_cancel = true, /* 0x11 */
     .cancel_client = RS_CANCEL,
     .cancel_server = RX_VANISHED, /* announced, then get-next NODEVICE */
     .cancel_late_rc = KM_ENODEVICE,
     .cancel_late_told = RX_NONE,
     .cdeath_rx = RX_VANISHED,
     .cdeath_rc = KM_ENODEVICE,
     .cdeath_told = RX_NONE,
     .sdeath = RS_TIMEOUT, /* not told; the request stays outstanding */
     .sdeath_resend_rc = KM_EALREADY,
     .id_changes = true,
     .stale_rc = KM_ENODEVICE,
     .dead_seen = 0,
     .wakeups = 2}, /* the dead client's announcement too */
    /* mailbox: docs/ipc-relay.md, Relay Message */
    {.found_before_register = false,
     .trunc_rc = KM_ESIZE, /* the record does not fit: the send fails */
     .trunc_rx = RX_LOST,  /* and the receiver is told (SIZE, id) */
     .trunc_len = 0,
     .trunc_full = 0,
     .has_cancel = false,
     .cancel_client = RS_TIMEOUT,
     .cancel_server = RX_OK,
     .cdeath_rx = RX_OK, /* appended at send: it outlives its sender */
     .cdeath_rc = KM_ENODEVICE,
     .cdeath_told = RX_NONE,
     .sdeath = RS_TIMEOUT,
     .sdeath_resend_rc = KM_ENODEVICE,
     .id_changes = true,
     .stale_rc = KM_ENODEVICE,
     .dead_seen = 1,
     .wakeups = 2},
    /* sendrecv: docs/ipc-sendrecv.md */
    {.found_before_register = true, /* lookup finds any live process */
     .trunc_rc = 0,
     .trunc_rx = RX_TRUNC, /* copied | sent << 16 */
     .trunc_len = TRUNC_CAP,
     .trunc_full = TRUNC_LEN,
     .has_cancel = true, /* abandon, command 13 */
     .cancel_client = RS_TIMEOUT,
     .cancel_server = RX_NONE, /* the send was withdrawn */
     .cancel_late_rc = 0,      /* reply never fails; dropped */
     .cancel_late_told = RX_NONE,
     .cdeath_rx = RX_NONE,
     .cdeath_rc = 0,
     .cdeath_told = RX_NONE,
     .sdeath = RS_DEAD, /* the dead code with the new generation */
     .sdeath_code = 0xFFFFFF01u,
     .sdeath_resend_rc = KM_ENODEVICE,
     .id_changes = true, /* the generation */
     .stale_rc = KM_ENODEVICE,
     .dead_seen = 0,
     .wakeups = 1},
    /* share: docs/ipc-share.md */
    {.found_before_register = false,
     .trunc_rc = 0,
     .trunc_rx = RX_OK, /* the server maps the whole chunk */
     .trunc_len = TRUNC_LEN,
     .trunc_full = TRUNC_LEN,
     .has_cancel = true, /* revoke */
     .cancel_client = RS_TIMEOUT,
     .cancel_server = RX_VANISHED,    /* told: revoked */
     .cancel_late_rc = KM_EINVAL,     /* it no longer holds the chunk */
     .cancel_late_told = RX_VANISHED, /* ended: revoked */
     .cdeath_rx = RX_DEAD,            /* the chunk died with its owner, told */
     .cdeath_rc = KM_ENODEVICE,
     .cdeath_told = RX_DEAD,
     .sdeath = RS_DEAD, /* ended, reason gone */
     .sdeath_code = SH_END_GONE,
     .sdeath_resend_rc = KM_ENODEVICE,
     .id_changes = true,
     .stale_rc = KM_ENODEVICE,
     .dead_seen = 0,
     .wakeups = 2},
};

_Static_assert(sizeof(expects) / sizeof(expects[0]) == sizeof(adapters) / sizeof(adapters[0]),
               "one expectation row per adapter");

/* ---- Scenario helpers ------------------------------------------------------------ */

/* A bench of n processes for design i, server s (it carries SVC_NAME as its
 * package name), every process on fault policy Stop except those named in
 * `restart` (a bit per process); boots the first `boot` processes in
 * order, process 0 holding the dispatch. */
static void ct_open(struct ct *t, int i, unsigned n, int s, unsigned restart, unsigned boot)
{
    memset(t, 0, sizeof(*t));
    t->a = &adapters[i];
    struct h_opts o = ib_opts(n);
    o.ipc.mechanism = t->a->mechanism;
    o.package_name[s] = SVC_NAME;
    o.mpu_regions = 8; /* room for a window or mapping per client */
    for (unsigned p = 0; p < n; p++)
        o.policy[p].kind = (restart >> p) & 1u ? KM_FP_RESTART : KM_FP_STOP;
    t->h = h_open(&o);
    ib_boot_all(t->h, boot);
    t->cur = 0;
}

static void ct_close(struct ct *t)
{
    h_close(t->h);
}

/* A request of n bytes from client c: a pattern, led by an identity the
 * client claims (forged), which must not matter. */
static void make_request(uint8_t *d, uint32_t n, int c, uint64_t forged)
{
    for (uint32_t k = 0; k < n; k++)
        d[k] = (uint8_t)(0x40 + c * 0x20 + k);
    if (n >= 8)
        memcpy(d, &forged, 8);
}

static void reversed(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        dst[k] = src[n - 1 - k];
}

#define EXPECT_RX(t, got, want)                                                                    \
    ck_assert_msg((got) == (want), "%s: server got %s, expected %s", (t)->a->name,                 \
                  rx_names[(got)], rx_names[(want)])
#define EXPECT_RESP(t, got, want)                                                                  \
    ck_assert_msg((got) == (want), "%s: client got %s, expected %s", (t)->a->name,                 \
                  resp_names[(got)], resp_names[(want)])
#define EXPECT_RC(t, got, want, what)                                                              \
    ck_assert_msg((got) == (want), "%s: %s returned %s, expected %s", (t)->a->name, (what),        \
                  (got) ? km_err_name(got) : "Success", (want) ? km_err_name(want) : "Success")

/* One whole exchange: client c sends n bytes (claiming to be `forged`) to
 * server s (known as sid); the server must see them intact with the
 * client's real identity, answer them reversed, and the client must get
 * that answer intact. Ends with c holding the dispatch. */
static void round_trip(struct ct *t, int s, int c, uint64_t sid, uint32_t n, uint64_t forged)
{
    uint8_t req[256], ans[256];
    go(t, c);
    uint64_t cid = t->a->self_id(t, c);
    ck_assert_uint_ne(cid, forged);
    make_request(req, n, c, forged);
    EXPECT_RC(t, t->a->request(t, c, sid, req, n), 0, "request");
    go(t, s);
    struct rx rx;
    t->a->await_request(t, s, &rx);
    EXPECT_RX(t, rx.kind, RX_OK);
    ck_assert_msg(rx.from == cid, "%s: the server was told 0x%llx, the client is 0x%llx",
                  t->a->name, (unsigned long long)rx.from, (unsigned long long)cid);
    ck_assert_uint_ge(rx.len, n); /* share rounds a chunk up */
    ck_assert_mem_eq(rx.data, req, n);
    reversed(ans, req, n);
    EXPECT_RC(t, t->a->respond(t, s, rx.from, ans, n), 0, "respond");
    go(t, c);
    struct resp r;
    t->a->await_response(t, c, &r);
    EXPECT_RESP(t, r.kind, RS_OK);
    ck_assert_uint_ge(r.len, n);
    ck_assert_mem_eq(r.data, ans, n);
}

/* Server s serves; client c finds it; returns its identifier. */
static uint64_t setup_pair(struct ct *t, int s, int c, uint32_t cap)
{
    go(t, s);
    t->a->serve(t, s, cap);
    uint64_t want = t->a->self_id(t, s);
    go(t, c);
    uint64_t sid = 0;
    ck_assert_msg(t->a->discover(t, c, SVC_NAME, &sid), "%s: service not found", t->a->name);
    ck_assert_uint_eq(sid, want);
    return sid;
}

/* ---- The contract ------------------------------------------------------------------ */

/* 1 Discovery. A client that starts before the server: an unknown name is
 * never found; the service's name is found before the server has even
 * started only where the design resolves names without registration
 * (legacy: package names of any process; sendrecv: any live process); once
 * the server has registered, the retry finds it, under the identity the
 * server has, and that identifier carries an exchange. */
START_TEST(test_discovery)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 2, 1, 0, 1); /* client 0 runs first; server 1 has not started */
    uint64_t id = 0;
    ck_assert_msg(!t.a->discover(&t, 0, NO_NAME, &id), "%s: found an unknown name", t.a->name);
    bool early = t.a->discover(&t, 0, SVC_NAME, &id);
    ck_assert_msg(early == e->found_before_register, "%s: found before registration: %d", t.a->name,
                  early);
    go(&t, 1);
    t.a->serve(&t, 1, SRV_CAP);
    uint64_t want = t.a->self_id(&t, 1);
    go(&t, 0);
    ck_assert(!t.a->discover(&t, 0, NO_NAME, &id));
    ck_assert_msg(t.a->discover(&t, 0, SVC_NAME, &id), "%s: not found after registration",
                  t.a->name);
    ck_assert_uint_eq(id, want);
    round_trip(&t, 1, 0, id, 24, 0x1111111111111111ull);
    ct_close(&t);
}
END_TEST

/* 2 Request / response: bytes intact both ways; the server sees the client
 * identity the kernel supplies, equal to the client's own, whatever the
 * payload claims (here: the other client's identity, then the server's). */
START_TEST(test_request_response)
{
    struct ct t;
    ct_open(&t, _i, 3, 0, 0, 3);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    go(&t, 2);
    uint64_t id2 = t.a->self_id(&t, 2);
    uint64_t id = 0;
    ck_assert(t.a->discover(&t, 2, SVC_NAME, &id));
    ck_assert_uint_eq(id, sid);
    go(&t, 1);
    uint64_t id1 = t.a->self_id(&t, 1);
    ck_assert_uint_ne(id1, id2);
    round_trip(&t, 0, 1, sid, 24, id2); /* client 1 claims to be client 2 */
    round_trip(&t, 0, 2, sid, 40, sid); /* client 2 claims to be the server */
    round_trip(&t, 0, 1, sid, 8, id2);
    ct_close(&t);
}
END_TEST

/* 3 Truncation: TRUNC_LEN bytes to a server whose buffer holds TRUNC_CAP:
 * reported as the design documents; the bytes the server can read are the
 * request's first ones; afterwards the pair still works. */
START_TEST(test_truncation)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 2, 0, 0, 2);
    uint64_t sid = setup_pair(&t, 0, 1, TRUNC_CAP);
    uint64_t cid = t.a->self_id(&t, 1);
    uint8_t req[TRUNC_LEN], ans[TRUNC_LEN];
    make_request(req, TRUNC_LEN, 1, 0);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, TRUNC_LEN), e->trunc_rc, "oversized request");
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, e->trunc_rx);
    ck_assert_uint_eq(rx.from, cid);
    ck_assert_uint_eq(rx.len, e->trunc_len);
    ck_assert_uint_eq(rx.full, e->trunc_full);
    ck_assert_mem_eq(rx.data, req, rx.len);
    if (rx.kind == RX_OK || rx.kind == RX_TRUNC) { /* the exchange completes */
        reversed(ans, req, 8);
        EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 8), 0, "respond");
        go(&t, 1);
        struct resp r;
        t.a->await_response(&t, 1, &r);
        EXPECT_RESP(&t, r.kind, RS_OK);
        ck_assert_mem_eq(r.data, ans, 8);
    }
    round_trip(&t, 0, 1, sid, 16, 0); /* a request that fits */
    ct_close(&t);
}
END_TEST

/* 4 Cancel. Early (before the server took the request): what the client
 * and then the server see. Late (after the server took it): the response
 * no longer reaches the client, and nothing is copied into it. Designs
 * without a cancel: the request cannot be withdrawn, the server gets it. */
START_TEST(test_cancel)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 2, 0, 0, 2);
    ck_assert_msg((t.a->cancel != NULL) == e->has_cancel, "%s: cancel", t.a->name);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint8_t req[24], ans[24];
    make_request(req, 24, 1, 0);
    reversed(ans, req, 24);
    /* early */
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 24), 0, "request");
    if (t.a->cancel)
        EXPECT_RC(&t, t.a->cancel(&t, 1), 0, "cancel");
    struct resp r;
    t.a->await_response(&t, 1, &r);
    EXPECT_RESP(&t, r.kind, e->cancel_client);
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, e->cancel_server);
    if (t.a->cancel == NULL) {
        ck_assert_mem_eq(rx.data, req, 24);
        EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 24), 0, "respond");
        go(&t, 1);
        t.a->await_response(&t, 1, &r);
        EXPECT_RESP(&t, r.kind, RS_OK);
        ct_close(&t);
        return;
    }
    /* nothing else is pending for the server */
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_NONE);
    /* late */
    go(&t, 1);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 24), 0, "request");
    go(&t, 0);
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_OK);
    go(&t, 1);
    EXPECT_RC(&t, t.a->cancel(&t, 1), 0, "late cancel");
    t.a->await_response(&t, 1, &r);
    EXPECT_RESP(&t, r.kind, e->cancel_client);
    uint64_t copied = h_info(t.h, 1).stats.ipc_bytes_copied;
    go(&t, 0);
    EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 24), e->cancel_late_rc, "late respond");
    ck_assert_uint_eq(h_info(t.h, 1).stats.ipc_bytes_copied, copied);
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, e->cancel_late_told);
    go(&t, 1);
    t.a->await_response(&t, 1, &r);
    EXPECT_RESP(&t, r.kind, RS_TIMEOUT);
    /* and the pair works again */
    round_trip(&t, 0, 1, sid, 16, 0);
    ct_close(&t);
}
END_TEST

/* 5 A client dies mid-request: before the server looked (what the server
 * gets), and after it took the request (its response, and whether it is
 * told of the death). */
START_TEST(test_client_death)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 3, 0, 0, 3);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint64_t cid = t.a->self_id(&t, 1);
    uint8_t req[24], ans[24];
    make_request(req, 24, 1, 0);
    reversed(ans, req, 24);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 24), 0, "request");
    go(&t, 0);
    die(&t, 1);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, e->cdeath_rx);
    if (rx.kind == RX_OK) {
        ck_assert_uint_eq(rx.from, cid);
        ck_assert_mem_eq(rx.data, req, 24);
        EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 24), e->cdeath_rc, "respond to the dead");
    }
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_NONE);
    /* client 2 dies after the server took its request */
    go(&t, 2);
    cid = t.a->self_id(&t, 2);
    uint64_t id = 0;
    ck_assert(t.a->discover(&t, 2, SVC_NAME, &id));
    make_request(req, 24, 2, 0);
    EXPECT_RC(&t, t.a->request(&t, 2, id, req, 24), 0, "request");
    go(&t, 0);
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_OK);
    ck_assert_uint_eq(rx.from, cid);
    die(&t, 2);
    EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 24), e->cdeath_rc, "respond to the dead");
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, e->cdeath_told);
    ct_close(&t);
}
END_TEST

/* 6 The server dies with a request outstanding (taken, not answered): the
 * client is told, with the design's detail, or sees nothing and must rely
 * on its timeout; then its next request to the dead server. */
START_TEST(test_server_death)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 2, 0, 0, 2);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint8_t req[24];
    make_request(req, 24, 1, 0);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 24), 0, "request");
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_OK);
    go(&t, 1);
    die(&t, 0);
    struct resp r;
    t.a->await_response(&t, 1, &r);
    EXPECT_RESP(&t, r.kind, e->sdeath);
    if (r.kind == RS_DEAD)
        ck_assert_uint_eq(r.code, e->sdeath_code);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 24), e->sdeath_resend_rc, "request to the dead");
    /* does its name still resolve? */
    uint64_t id = 0;
    bool found = t.a->discover(&t, 1, SVC_NAME, &id);
    ck_assert_msg(found == e->dead_found, "%s: a dead service found: %d", t.a->name, found);
    ct_close(&t);
}
END_TEST

/* 7 The server restarts: an identifier obtained before is refused
 * afterwards (legacy: accepted, the index stays and reaches the new
 * incarnation); discovery gives the new identifier, which works. */
START_TEST(test_restart_identity)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 2, 0, 1u << 0, 2);
    uint64_t old = setup_pair(&t, 0, 1, SRV_CAP);
    round_trip(&t, 0, 1, old, 16, 0);
    uint32_t pid = h_info(t.h, 0).process_id;
    die(&t, 0); /* restarts */
    ck_assert_uint_ne(h_info(t.h, 0).process_id, pid);
    go(&t, 0);
    t.a->serve(&t, 0, SRV_CAP);
    uint64_t now = t.a->self_id(&t, 0);
    ck_assert_msg((now != old) == e->id_changes, "%s: identity 0x%llx before, 0x%llx after",
                  t.a->name, (unsigned long long)old, (unsigned long long)now);
    go(&t, 1);
    uint8_t req[16], ans[16];
    make_request(req, 16, 1, 0);
    EXPECT_RC(&t, t.a->request(&t, 1, old, req, 16), e->stale_rc, "request with the old id");
    if (e->stale_rc == 0) { /* the new incarnation gets it */
        go(&t, 0);
        struct rx rx;
        t.a->await_request(&t, 0, &rx);
        EXPECT_RX(&t, rx.kind, RX_OK);
        ck_assert_mem_eq(rx.data, req, 16);
        reversed(ans, req, 16);
        EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 16), 0, "respond");
        go(&t, 1);
        struct resp r;
        t.a->await_response(&t, 1, &r);
        EXPECT_RESP(&t, r.kind, RS_OK);
    }
    uint64_t id = 0;
    ck_assert(t.a->discover(&t, 1, SVC_NAME, &id));
    ck_assert_uint_eq(id, now);
    round_trip(&t, 0, 1, id, 16, old);
    ct_close(&t);
}
END_TEST

/* 8 Two clients have requests outstanding; one dies: the other's exchange
 * is intact. The table says how many of the dead client's requests still
 * reach the server and how often it is woken in all. */
START_TEST(test_death_isolated)
{
    const struct expect *e = &expects[_i];
    struct ct t;
    ct_open(&t, _i, 3, 0, 0, 3);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint64_t id1 = t.a->self_id(&t, 1);
    uint8_t req1[24], req2[24], ans[24];
    make_request(req1, 24, 1, 0);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req1, 24), 0, "request 1");
    go(&t, 2);
    uint64_t id2 = t.a->self_id(&t, 2), id = 0;
    ck_assert(t.a->discover(&t, 2, SVC_NAME, &id));
    make_request(req2, 24, 2, id1); /* also claims to be the dead one */
    EXPECT_RC(&t, t.a->request(&t, 2, id, req2, 24), 0, "request 2");
    go(&t, 0);
    die(&t, 1);
    unsigned woken = 0, dead_seen = 0, served = 0;
    for (int k = 0; k < 4; k++) {
        struct rx rx;
        t.a->await_request(&t, 0, &rx);
        if (rx.kind == RX_NONE)
            break;
        woken++;
        if (rx.kind == RX_OK && rx.from == id1)
            dead_seen++;
        if (rx.kind == RX_OK && rx.from == id2) {
            ck_assert_mem_eq(rx.data, req2, 24);
            reversed(ans, req2, 24);
            EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 24), 0, "respond");
            served++;
        }
    }
    ck_assert_uint_eq(served, 1);
    ck_assert_msg(dead_seen == e->dead_seen, "%s: %u requests of the dead client", t.a->name,
                  dead_seen);
    ck_assert_msg(woken == e->wakeups, "%s: woken %u times", t.a->name, woken);
    go(&t, 2);
    struct resp r;
    t.a->await_response(&t, 2, &r);
    EXPECT_RESP(&t, r.kind, RS_OK);
    ck_assert_mem_eq(r.data, ans, 24);
    ct_close(&t);
}
END_TEST

/* ---- Per-design cases --------------------------------------------------------- */

/* legacy: the server cannot tell a restarted client from its earlier
 * incarnation (the index stays), unlike every other design. */
START_TEST(test_client_restart_identity)
{
    struct ct t;
    ct_open(&t, _i, 2, 0, 1u << 1, 2);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint64_t before = t.a->self_id(&t, 1);
    round_trip(&t, 0, 1, sid, 16, 0);
    go(&t, 0);
    die(&t, 1); /* restarts */
    go(&t, 1);
    uint64_t id = 0;
    ck_assert(t.a->discover(&t, 1, SVC_NAME, &id));
    uint64_t after = t.a->self_id(&t, 1);
    ck_assert_msg((after != before) == expects[_i].id_changes,
                  "%s: client identity 0x%llx -> 0x%llx", t.a->name, (unsigned long long)before,
                  (unsigned long long)after);
    /* it claims its old identity (where that differs): the kernel says who it is */
    round_trip(&t, 0, 1, id, 16, after != before ? before : sid);
    ct_close(&t);
}
END_TEST

/* relay: one transaction slot each: a second request while one is
 * outstanding is ALREADY; a server in a transaction cannot take another. */
START_TEST(test_relay_one_slot)
{
    struct ct t;
    ct_open(&t, 1, 3, 0, 0, 3);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint8_t req[8] = "abcdefgh";
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 8), 0, "request");
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 8), KM_EALREADY, "second request");
    go(&t, 2);
    uint64_t id = 0;
    ck_assert(t.a->discover(&t, 2, SVC_NAME, &id));
    EXPECT_RC(&t, t.a->request(&t, 2, id, req, 8), 0, "request of client 2");
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_OK);
    struct km_regs r = cmd(&t, 0, H_DRV_RELAY, 0x22, 0, 0);
    H_EXPECT2(r, KM_RV_FAILURE_U64, KM_EALREADY);
    ct_close(&t);
}
END_TEST

/* mailbox: a receiver with an allowlist refuses other senders (RESERVE)
 * and hears nothing of them. */
START_TEST(test_mailbox_allowlist)
{
    struct ct t;
    ct_open(&t, 2, 3, 0, 0, 3);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    go(&t, 2);
    uint64_t id2 = t.a->self_id(&t, 2), id = 0;
    ck_assert(t.a->discover(&t, 2, SVC_NAME, &id));
    go(&t, 0);
    H_EXPECT1(cmd(&t, 0, H_DRV_MAILBOX, 4, (uint32_t)id2, (uint32_t)(id2 >> 32)), KM_RV_SUCCESS);
    go(&t, 1);
    uint8_t req[8] = "abcdefgh";
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 8), KM_ERESERVE, "unlisted sender");
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_NONE);
    round_trip(&t, 0, 2, id, 8, 0);
    ct_close(&t);
}
END_TEST

/* sendrecv: the generation goes up by one per restart, and the dead code a
 * stale id gets carries the generation now. */
START_TEST(test_sendrecv_generation)
{
    struct ct t;
    ct_open(&t, 3, 2, 0, 1u << 0, 2);
    uint64_t old = setup_pair(&t, 0, 1, SRV_CAP);
    ck_assert_uint_eq(old, 0);
    for (unsigned gen = 1; gen <= 3; gen++) {
        die(&t, 0);
        go(&t, 0);
        t.a->serve(&t, 0, SRV_CAP);
        ck_assert_uint_eq(t.a->self_id(&t, 0), gen << 10);
        go(&t, 1);
        struct km_regs r = cmd(&t, 1, DRV_SR, 2, (uint32_t)old, 1);
        H_EXPECT3(r, KM_RV_FAILURE_U32, KM_ENODEVICE, 0xFFFFFF00u | gen);
    }
    round_trip(&t, 0, 1, 3u << 10, 8, old);
    ct_close(&t);
}
END_TEST

/* share: while the request chunk is granted EXCLUSIVE, its owner (the
 * client) cannot touch it: copy_out and copy_in are BUSY; it gets them
 * back when the server releases. */
START_TEST(test_share_exclusive)
{
    struct ct t;
    ct_open(&t, 4, 2, 0, 0, 2);
    uint64_t sid = setup_pair(&t, 0, 1, SRV_CAP);
    uint8_t req[16], ans[16];
    make_request(req, 16, 1, 0);
    EXPECT_RC(&t, t.a->request(&t, 1, sid, req, 16), 0, "request");
    H_EXPECT2(cmd(&t, 1, DRV_SHARE, 7, t.sh_req[1], 0), KM_RV_FAILURE, KM_EBUSY);
    put(&t, 1, KM_SYS_ALLOW_RW, DRV_SHARE, 0, OFF_RESP, NULL, 16);
    H_EXPECT2(cmd(&t, 1, DRV_SHARE, 6, t.sh_req[1], 0), KM_RV_FAILURE, KM_EBUSY);
    go(&t, 0);
    struct rx rx;
    t.a->await_request(&t, 0, &rx);
    EXPECT_RX(&t, rx.kind, RX_OK);
    reversed(ans, req, 16);
    EXPECT_RC(&t, t.a->respond(&t, 0, rx.from, ans, 16), 0, "respond");
    go(&t, 1);
    struct resp r;
    t.a->await_response(&t, 1, &r);
    EXPECT_RESP(&t, r.kind, RS_OK);
    ck_assert_mem_eq(r.data, ans, 16);
    H_EXPECT1(cmd(&t, 1, DRV_SHARE, 7, t.sh_req[1], 0), KM_RV_SUCCESS_U32);
    ct_close(&t);
}
END_TEST

static Suite *contract_suite(void)
{
    Suite *s = suite_create("km_ipc_contract");
    TCase *tc = tcase_create("contract");
    tcase_add_loop_test(tc, test_discovery, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_request_response, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_truncation, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_cancel, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_client_death, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_server_death, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_restart_identity, 0, N_ADAPTERS);
    tcase_add_loop_test(tc, test_death_isolated, 0, N_ADAPTERS);
    suite_add_tcase(s, tc);
    TCase *pd = tcase_create("per_design");
    tcase_add_loop_test(pd, test_client_restart_identity, 0, N_ADAPTERS);
    tcase_add_test(pd, test_relay_one_slot);
    tcase_add_test(pd, test_mailbox_allowlist);
    tcase_add_test(pd, test_sendrecv_generation);
    tcase_add_test(pd, test_share_exclusive);
    suite_add_tcase(s, pd);
    return s;
}

int main(void)
{
    return h_run_suite(contract_suite());
}
