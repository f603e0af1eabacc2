/* km_ipc_sendrecv.c: Hubris-style synchronous send / receive / reply with
 * leases as a Tock capsule, driver 0xA0030 (this project's number), present
 * with the scenario's "ipc": {"mechanism": "sendrecv"}.
 *
 * Sections: state and task identifiers; delivery; client commands (lookup,
 * send, abandon); server commands (receive, reply, reply-fault, borrow,
 * restriction, client info); notifications; lifecycle; the table.
 *
 * The model follows Hubris (oxidecomputer/hubris: doc/ipc.adoc,
 * doc/syscalls.adoc, sys/kern/src/syscalls.rs, sys/kern/src/task.rs,
 * sys/kern/src/kipc.rs, sys/abi/src/lib.rs) as far as Tock's syscall ABI
 * lets it. Tock syscalls never block, so a Hubris SEND is a command followed
 * by a yield for the reply upcall, and a RECV is a command followed by a
 * yield for the receive upcall (even when a message is already there).
 *
 * Task identifiers (sys/abi TaskId): index (10 bits) | generation << 10
 * (6 bits). The index is the process's index in the process array. The
 * generation starts at 0 and goes up by one (mod 64) every time an
 * incarnation of the process ends (terminate, restart, fault), before
 * anyone hears of it, so that a process that is only ever restarted has
 * generation = restart count mod 64 and a stale identifier never names the
 * new incarnation. 0xFFFF names the kernel (the sender of notifications).
 * The dead code is 0xFFFFFF00 | the target's generation now (its new one
 * when it just died).
 *
 * Allows and subscriptions:
 *   ro 0     the message (send; at most 256 bytes), the reply (reply), the
 *            package name (lookup, restrict by name)
 *   rw 0     the reply buffer (client), the receive buffer (server)
 *   ro 1..4  read-only leases 0..3 (lease i in slot i + 1)
 *   rw 1..4  writable leases 0..3 (lease i in slot i + 1)
 *   ro 1     server: the source of BORROW_WRITE
 *   rw 1     server: the destination of BORROW_READ
 *   sub 0    client: (response code, bytes copied, kind | full length << 8)
 *            kind 0 reply, 1 reply truncated, 2 peer died (code = dead code)
 *   sub 1    server: a message (sender id, copied | sent << 16,
 *            operation | nleases << 16 | attributes << 20), a notification
 *            (0xFFFF, 0, bits), or the peer of a closed receive died
 *            (dead code, 0, 0)
 *
 * Commands (a1, a2):
 *   0  exists
 *   1  lookup: the live process whose package name equals ro 0:
 *      Success_u32(task id), NODEVICE
 *   2  send (target id, operation | nleases << 16 | attributes << 20), where
 *      attributes holds 2 bits per lease (1 READ: the ro slot; 2 WRITE or 3
 *      READ|WRITE: the rw slot): Success (queued, or delivered at once to a
 *      server waiting in receive), BUSY (a send of the caller is pending),
 *      INVAL (malformed argument, unknown index, itself), SIZE (message over
 *      256 bytes), Failure_u32(NODEVICE, dead code) (stale or dead target),
 *      NOSUPPORT (the server's restriction refuses the caller)
 *   3  open receive (notification mask): Success; the result comes as
 *      upcall 1. Priority first, then the first found scanning the process
 *      array cyclically from the server's index + 1 (task.rs priority_scan).
 *      Pending notifications in the mask come before any message.
 *   4  closed receive (task id, mask): only from that task (or, for 0xFFFF,
 *      notifications only); Failure_u32(NODEVICE, dead code) if stale
 *   5  reply (client id, response code): copies ro 0 into the client's rw 0
 *      (truncated to it) and wakes it; Success. A stale client, or one not
 *      waiting for this server's reply, is ignored (Success: Hubris REPLY
 *      never fails). INVAL for an index no process has.
 *   6  reply-fault (client id, reason 0..5): faults the client through the
 *      kernel's fault path, its fault policy applies; ignored like reply;
 *      INVAL for a bad reason
 *   7  borrow read (client id, lease | offset << 8): lease bytes from offset
 *      into rw 1: Success_u32(bytes)
 *   8  borrow write (client id, lease | offset << 8): ro 1 into the lease at
 *      offset: Success_u32(bytes)
 *   9  borrow info (client id, lease): Success_2u32(attributes, length)
 *      Borrow errors: Failure_u32(NODEVICE, dead code) for a stale lender;
 *      INVAL when it does not wait for the caller's reply (revoked), for a
 *      lease index it did not send, an attribute it lacks, an offset past
 *      the end (Hubris: DEFECT, or a fault of the borrower for the last
 *      two; Tock capsules do not fault their caller)
 *   10 post (target id, bits): ORs bits into its notification word and
 *      wakes a receive whose mask has them; dead code as send; NOSUPPORT
 *      when the target's restriction refuses the caller
 *   11 restrict (kind, short id): 0 anyone, 1 only senders with ShortId
 *      a2 (non-zero), 2 only the package name in ro 0 (1..64 bytes); applies
 *      to sends and posts made from then on
 *   12 client info (task id): Success_3u32(ShortId, ProcessId, capacity of
 *      its reply buffer if it waits for the caller's reply, else 0)
 *   13 abandon: the caller gives up its pending send (queued: withdrawn;
 *      awaiting the reply: the leases are revoked, and that server's next
 *      reply or reply-fault to the caller is taken as the abandoned
 *      message's and dropped); INVAL if none
 *   14 own task id: Success_u32
 *
 * Where this differs from Hubris (docs/ipc-sendrecv.md has the list): a
 * send to a dead or faulted process fails at once with the dead code
 * (Hubris blocks the sender until the supervisor restarts the task); a
 * reply longer than the reply buffer is cut and the client told (Hubris
 * faults the server); borrow mistakes are INVAL, not faults; a sender may
 * abandon its own send (Hubris: only supervisory logic can unblock it);
 * four leases, not 255; no build-time rule on who may send to whom.
 */
#include "km_internal.h"

#include <stdio.h>
#include <string.h>

#define SR_NUM 0xA0030u
#define SR_MSG_MAX 256u      /* largest message (Hubris: 256 bytes, by convention) */
#define SR_MAX_LEASES 4u     /* leases per send (Hubris: 255) */
#define SR_INDEX_BITS 10u    /* sys/abi TaskId::INDEX_BITS */
#define SR_GEN_MASK 0x3Fu    /* 6 bits of generation */
#define SR_KERNEL_ID 0xFFFFu /* TaskId::KERNEL */
#define SR_DEAD_BASE 0xFFFFFF00u
#define SR_PKG_MAX 64u /* restrict by package name: bytes kept */

enum { SR_ATTR_READ = 1, SR_ATTR_WRITE = 2 };
enum { SR_REPLY_OK = 0, SR_REPLY_TRUNCATED = 1, SR_REPLY_DEAD = 2 };
enum { SR_SUB_CLIENT = 0, SR_SUB_SERVER = 1 };
enum { SR_ANYONE = 0, SR_BY_SHORT_ID = 1, SR_BY_PACKAGE = 2 };
enum sr_client_state { SR_IDLE, SR_SENDING, SR_IN_REPLY };

/* The six reasons of sys/abi ReplyFaultReason, in its numbering. */
static const char *const sr_fault_reasons[] = {
    "UndefinedOperation", "BadMessageSize",      "BadMessageContents",
    "BadLeases",          "ReplyBufferTooSmall", "AccessViolation",
};

/* ---- State and task identifiers ----------------------------------------- */

/* What the capsule knows of one process slot; survives restarts. */
struct sr_proc {
    uint8_t gen; /* generation: incarnations ended, mod 64 */
    /* as a client */
    enum sr_client_state cstate;
    int server;      /* SR_SENDING / SR_IN_REPLY: the server's index */
    uint32_t opword; /* operation | nleases << 16 | attributes << 20 */
    /* A send abandoned while `stale_server` had it in service: that
     * server's next reply (or reply-fault) answers the abandoned message
     * and is dropped, and until then it may not borrow from this client.
     * REPLY names only the task, so without this a late reply would
     * answer the client's next send. */
    bool stale;
    int stale_server;
    /* as a server */
    bool receiving; /* waiting in receive */
    bool closed;    /* ... closed: only from `from` */
    uint32_t from;  /* closed receive: the task id (SR_KERNEL_ID: notifications) */
    uint32_t mask;  /* notification mask of the pending receive */
    uint32_t notes; /* notification word */
    uint8_t filter; /* SR_ANYONE, SR_BY_SHORT_ID, SR_BY_PACKAGE */
    uint32_t filter_short;
    uint8_t filter_pkg[SR_PKG_MAX];
    uint32_t filter_pkg_len;
};

struct sr_state {
    struct sr_proc procs[KM_MAX_PROCS];
};

static bool sr_present(const struct km_kernel *k)
{
    return km_ipc_mechanism_is(k, "sendrecv");
}

static struct sr_state *sr_state(struct km_kernel *k)
{
    return km_capsule_state(k, SR_NUM, sizeof(struct sr_state));
}

static bool sr_alive(const struct km_process *p)
{
    return p->state != KM_STATE_TERMINATED && p->state != KM_STATE_FAULTED;
}

static uint32_t sr_id(const struct sr_state *st, int index)
{
    return (uint32_t)index | (uint32_t)st->procs[index].gen << SR_INDEX_BITS;
}

static uint32_t sr_dead_code(const struct sr_state *st, int index)
{
    return SR_DEAD_BASE | st->procs[index].gen;
}

/* Resolves task id `id` for a command of this kernel: 0 with *index set,
 * -KM_EINVAL for an identifier no process slot can have (written into ret),
 * or -KM_ENODEVICE for a stale generation or a process that is not alive
 * (ret = Failure_u32(NODEVICE, dead code)). */
static int sr_resolve(struct km_kernel *k, const struct sr_state *st, uint32_t id, int *index,
                      struct km_regs *ret)
{
    uint32_t i = id & ((1u << SR_INDEX_BITS) - 1u);
    if (id > 0xFFFFu || i >= k->nprocs) {
        km_ret_failure(ret, KM_EINVAL);
        return -KM_EINVAL;
    }
    *index = (int)i;
    if ((id >> SR_INDEX_BITS) != st->procs[i].gen || !sr_alive(&k->procs[i])) {
        km_ret_failure_u32(ret, KM_ENODEVICE, sr_dead_code(st, (int)i));
        return -KM_ENODEVICE;
    }
    return 0;
}

/* The buffer p allowed at (cls, num), (0, 0) if none. */
static struct km_buffer sr_buf(struct km_kernel *k, struct km_process *p, uint32_t cls,
                               unsigned num)
{
    struct km_buffer b = {0, 0};
    struct km_grant *g = km_grant_get(k, p, SR_NUM, false, NULL);
    if (g != NULL)
        b = cls == KM_SYS_ALLOW_RW ? g->rw[num] : g->ro[num];
    return b;
}

static unsigned sr_nleases(uint32_t opword)
{
    return (opword >> 16) & 0xFu;
}

static unsigned sr_attr(uint32_t opword, unsigned lease)
{
    return (opword >> (20 + 2 * lease)) & 3u;
}

/* Is the operation word well formed: at most 4 leases, each with an
 * attribute, none past nleases, bits 28..31 clear? */
static bool sr_opword_ok(uint32_t opword)
{
    unsigned n = sr_nleases(opword);
    if (n > SR_MAX_LEASES || (opword >> 28) != 0)
        return false;
    for (unsigned i = 0; i < SR_MAX_LEASES; i++)
        if ((sr_attr(opword, i) != 0) != (i < n))
            return false;
    return true;
}

/* Does the restriction of server s accept sender p? */
static bool sr_accepts(const struct sr_proc *s, const struct km_process *p)
{
    switch (s->filter) {
    case SR_BY_SHORT_ID:
        return p->cfg->short_id == s->filter_short;
    case SR_BY_PACKAGE: {
        const char *name = p->cfg->package_name;
        return name != NULL && strlen(name) == s->filter_pkg_len &&
               memcmp(name, s->filter_pkg, s->filter_pkg_len) == 0;
    }
    default:
        return true;
    }
}

/* ---- Delivery ------------------------------------------------------------ */

/* Copies the message of client c (waiting in send) into the receive buffer
 * of server s and schedules s's receive upcall; c then waits for the reply
 * and its leases are lent to s. False (nothing changed) if s's upcall
 * cannot be queued. */
static bool sr_deliver(struct km_kernel *k, struct sr_state *st, struct km_process *c,
                       struct km_process *s)
{
    struct sr_proc *cp = &st->procs[c->index], *sp = &st->procs[s->index];
    struct km_buffer msg = sr_buf(k, c, KM_SYS_ALLOW_RO, 0);
    struct km_buffer rx = sr_buf(k, s, KM_SYS_ALLOW_RW, 0);
    uint32_t sent = msg.len < SR_MSG_MAX ? msg.len : SR_MSG_MAX;
    uint32_t n = sent < rx.len ? sent : rx.len;
    if (km_schedule_upcall(k, s, SR_NUM, SR_SUB_SERVER, sr_id(st, c->index), n | sent << 16,
                           cp->opword) < 0)
        return false;
    if (!km_ipc_copy(k, s, rx.ptr, msg.ptr, n))
        n = 0; /* cannot happen: allows lie in simulated memory */
    cp->cstate = SR_IN_REPLY;
    sp->receiving = false;
    km_ipc_event(k, KM_IPC_DELIVERED, c->index, s->index, true, "send", n, NULL);
    km_note(k, s, KM_NOTE_IPC_REQUEST);
    return true;
}

/* Hubris's priority_scan: among clients waiting in send to s (and, for a
 * closed receive, only the one it names), the most important priority
 * (lowest number), the first found scanning cyclically from s's index + 1. */
static struct km_process *sr_pick(struct km_kernel *k, struct sr_state *st, struct km_process *s)
{
    const struct sr_proc *sp = &st->procs[s->index];
    struct km_process *best = NULL;
    for (unsigned step = 1; step <= k->nprocs; step++) {
        struct km_process *q = &k->procs[((unsigned)s->index + step) % k->nprocs];
        const struct sr_proc *qp = &st->procs[q->index];
        if (qp->cstate != SR_SENDING || qp->server != s->index)
            continue;
        if (sp->closed && sp->from != sr_id(st, q->index))
            continue;
        if (best == NULL || q->cfg->priority < best->cfg->priority)
            best = q;
    }
    return best;
}

/* A receiving server s whose mask meets its notification word gets the
 * firing bits (cleared from the word). True if it did. */
static bool sr_fire_notes(struct km_kernel *k, struct sr_proc *sp, struct km_process *s)
{
    uint32_t firing = sp->notes & sp->mask;
    if (!sp->receiving || firing == 0)
        return false;
    if (km_schedule_upcall(k, s, SR_NUM, SR_SUB_SERVER, SR_KERNEL_ID, 0, firing) < 0)
        return false;
    sp->notes &= ~firing;
    sp->receiving = false;
    return true;
}

/* ---- Client commands ------------------------------------------------------ */

/* command 1: the live process whose package name equals ro 0. */
static void sr_lookup(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                      struct km_regs *ret)
{
    struct km_buffer b = sr_buf(k, p, KM_SYS_ALLOW_RO, 0);
    const uint8_t *want = b.len ? km_mem_ptr(k, b.ptr, b.len) : NULL;
    for (unsigned i = 0; want != NULL && i < k->nprocs; i++) {
        const char *name = k->procs[i].cfg->package_name;
        if (name != NULL && strlen(name) == b.len && memcmp(name, want, b.len) == 0 &&
            sr_alive(&k->procs[i])) {
            km_ret_success_u32(ret, sr_id(st, (int)i));
            return;
        }
    }
    km_ret_failure(ret, KM_ENODEVICE);
}

/* command 2: send to target with the operation word. */
static void sr_send(struct km_kernel *k, struct sr_state *st, struct km_process *p, uint32_t target,
                    uint32_t opword, struct km_regs *ret)
{
    struct sr_proc *pp = &st->procs[p->index];
    if (pp->cstate != SR_IDLE) {
        km_ret_failure(ret, KM_EBUSY);
        return;
    }
    if (!sr_opword_ok(opword)) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    if (sr_buf(k, p, KM_SYS_ALLOW_RO, 0).len > SR_MSG_MAX) {
        km_ret_failure(ret, KM_ESIZE);
        return;
    }
    int si = 0;
    if (sr_resolve(k, st, target, &si, ret) < 0)
        return;
    if (si == p->index) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    struct km_process *s = &k->procs[si];
    struct sr_proc *sp = &st->procs[si];
    if (!sr_accepts(sp, p)) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    pp->cstate = SR_SENDING;
    pp->server = si;
    pp->opword = opword;
    km_ipc_event(k, KM_IPC_QUEUED, p->index, si, true, "send", sr_buf(k, p, KM_SYS_ALLOW_RO, 0).len,
                 NULL);
    /* A server waiting in an open receive, or a closed one naming us,
     * takes the message at once (syscalls.rs send: can_accept_message_from). */
    if (sp->receiving && (!sp->closed || sp->from == sr_id(st, p->index)))
        (void)sr_deliver(k, st, p, s);
    km_ret_success(ret);
}

/* command 13: the caller gives up its pending send. */
static void sr_abandon(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                       struct km_regs *ret)
{
    struct sr_proc *pp = &st->procs[p->index];
    if (pp->cstate == SR_IDLE) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    if (pp->cstate == SR_SENDING)
        km_ipc_event(k, KM_IPC_DROPPED, p->index, pp->server, true, "send", 0,
                     "abandoned by the sender");
    if (pp->cstate == SR_IN_REPLY) {
        pp->stale = true;
        pp->stale_server = pp->server;
    }
    pp->cstate = SR_IDLE;
    km_ret_success(ret);
}

/* ---- Server commands ------------------------------------------------------ */

/* commands 3 and 4: receive (open, or closed from one task id). */
static void sr_recv(struct km_kernel *k, struct sr_state *st, struct km_process *p, bool closed,
                    uint32_t from, uint32_t mask, struct km_regs *ret)
{
    struct sr_proc *sp = &st->procs[p->index];
    if (closed && from != SR_KERNEL_ID) {
        int fi = 0;
        if (sr_resolve(k, st, from, &fi, ret) < 0)
            return;
    }
    sp->receiving = true;
    sp->closed = closed;
    sp->from = from;
    sp->mask = mask;
    km_ret_success(ret);
    /* notifications first (syscalls.rs recv: take_notifications) */
    if (sr_fire_notes(k, sp, p))
        return;
    if (closed && from == SR_KERNEL_ID)
        return;
    struct km_process *c = sr_pick(k, st, p);
    if (c != NULL)
        (void)sr_deliver(k, st, c, p);
}

/* The client c of a reply or reply-fault of server p: 0 with *out set when
 * c waits for p's reply; 1 when the command is to be ignored (stale id,
 * not waiting for p: Hubris tolerates both); -KM_EINVAL (ret set) for an
 * identifier no process slot can have. */
static int sr_reply_target(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                           uint32_t id, struct km_process **out, struct km_regs *ret)
{
    int ci = 0;
    int rc = sr_resolve(k, st, id, &ci, ret);
    if (rc == -KM_EINVAL)
        return rc;
    struct sr_proc *cp = &st->procs[ci];
    if (rc == 0 && cp->stale && cp->stale_server == p->index) {
        cp->stale = false; /* the abandoned message's answer */
        return 1;
    }
    if (rc < 0 || cp->cstate != SR_IN_REPLY || cp->server != p->index)
        return 1;
    *out = &k->procs[ci];
    return 0;
}

/* command 5: reply to client id with a response code. */
static void sr_reply(struct km_kernel *k, struct sr_state *st, struct km_process *p, uint32_t id,
                     uint32_t code, struct km_regs *ret)
{
    struct km_process *c = NULL;
    struct km_buffer src = sr_buf(k, p, KM_SYS_ALLOW_RO, 0);
    int rc = sr_reply_target(k, st, p, id, &c, ret);
    if (rc < 0)
        return;
    km_ret_success(ret);
    int ci = (int)(id & ((1u << SR_INDEX_BITS) - 1u));
    km_ipc_event(k, KM_IPC_QUEUED, p->index, ci, false, "reply", src.len, NULL);
    if (rc > 0) {
        km_ipc_event(k, KM_IPC_DROPPED, p->index, ci, false, "reply", 0,
                     "client restarted, gone or not waiting for this reply");
        return;
    }
    struct km_buffer dst = sr_buf(k, c, KM_SYS_ALLOW_RW, 0);
    uint32_t n = src.len < dst.len ? src.len : dst.len;
    if (!km_ipc_copy(k, c, dst.ptr, src.ptr, n))
        n = 0;
    uint32_t full = src.len < 0xFFFFFFu ? src.len : 0xFFFFFFu;
    uint32_t kind = n < src.len ? SR_REPLY_TRUNCATED : SR_REPLY_OK;
    st->procs[c->index].cstate = SR_IDLE; /* the leases are revoked */
    (void)km_schedule_upcall(k, c, SR_NUM, SR_SUB_CLIENT, code, n, kind | full << 8);
    km_ipc_event(k, KM_IPC_DELIVERED, p->index, c->index, false, "reply", n, NULL);
    km_note(k, c, KM_NOTE_IPC_REPLY);
}

/* command 6: fault client id for reason. */
static void sr_reply_fault(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                           uint32_t id, uint32_t reason, struct km_regs *ret)
{
    if (reason >= sizeof(sr_fault_reasons) / sizeof(sr_fault_reasons[0])) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    struct km_process *c = NULL;
    int rc = sr_reply_target(k, st, p, id, &c, ret);
    if (rc < 0)
        return;
    km_ret_success(ret);
    if (rc > 0)
        return;
    st->procs[c->index].cstate = SR_IDLE;
    char why[160];
    snprintf(why, sizeof(why), "reply fault from %s: %s", p->cfg->name, sr_fault_reasons[reason]);
    km_fault(k, c->index, &(struct km_fault_info){.kind = KM_FAULT_CRASH, .reason = why});
}

/* The lease `lease` of the client named `id`, lent to server p, with the
 * offset applied: 0 with *out and *attr set, or a negative code (ret set). */
static int sr_lease(struct km_kernel *k, struct sr_state *st, struct km_process *p, uint32_t id,
                    unsigned lease, uint32_t off, struct km_process **lender, struct km_buffer *out,
                    unsigned *attr, struct km_regs *ret)
{
    int ci = 0;
    int rc = sr_resolve(k, st, id, &ci, ret);
    if (rc < 0)
        return rc;
    const struct sr_proc *cp = &st->procs[ci];
    if (cp->cstate != SR_IN_REPLY || cp->server != p->index || lease >= sr_nleases(cp->opword) ||
        (cp->stale && cp->stale_server == p->index)) {
        km_ret_failure(ret, KM_EINVAL); /* not lending to p (DEFECT), no such lease */
        return -KM_EINVAL;
    }
    *attr = sr_attr(cp->opword, lease);
    uint32_t cls = (*attr & SR_ATTR_WRITE) ? KM_SYS_ALLOW_RW : KM_SYS_ALLOW_RO;
    struct km_buffer b = sr_buf(k, &k->procs[ci], cls, lease + 1);
    if (off > b.len) {
        km_ret_failure(ret, KM_EINVAL); /* offset out of range */
        return -KM_EINVAL;
    }
    out->ptr = b.ptr + off;
    out->len = b.len - off;
    *lender = &k->procs[ci];
    return 0;
}

/* commands 7 and 8: copy between a lease and the server's bounce buffer. */
static void sr_borrow(struct km_kernel *k, struct sr_state *st, struct km_process *p, bool write,
                      uint32_t id, uint32_t where, struct km_regs *ret)
{
    struct km_process *c = NULL;
    struct km_buffer lease;
    unsigned attr = 0;
    if (sr_lease(k, st, p, id, where & 0xFFu, where >> 8, &c, &lease, &attr, ret) < 0)
        return;
    if (!(attr & (write ? SR_ATTR_WRITE : SR_ATTR_READ))) {
        km_ret_failure(ret, KM_EINVAL); /* the lease lacks that attribute (DEFECT) */
        return;
    }
    struct km_buffer mine = sr_buf(k, p, write ? KM_SYS_ALLOW_RO : KM_SYS_ALLOW_RW, 1);
    uint32_t n = lease.len < mine.len ? lease.len : mine.len;
    bool ok = write ? km_ipc_copy(k, c, lease.ptr, mine.ptr, n)
                    : km_ipc_copy(k, p, mine.ptr, lease.ptr, n);
    km_ret_success_u32(ret, ok ? n : 0);
}

/* command 9: a lease's attributes and length. */
static void sr_borrow_info(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                           uint32_t id, uint32_t lease, struct km_regs *ret)
{
    struct km_process *c = NULL;
    struct km_buffer b;
    unsigned attr = 0;
    if (sr_lease(k, st, p, id, lease, 0, &c, &b, &attr, ret) == 0)
        km_ret_success_2u32(ret, attr, b.len);
}

/* command 11: accept only some senders. */
static void sr_restrict(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                        uint32_t kind, uint32_t short_id, struct km_regs *ret)
{
    struct sr_proc *sp = &st->procs[p->index];
    switch (kind) {
    case SR_ANYONE:
        sp->filter = SR_ANYONE;
        break;
    case SR_BY_SHORT_ID:
        if (short_id == 0) {
            km_ret_failure(ret, KM_EINVAL); /* 0 is LocallyUnique, no ShortId */
            return;
        }
        sp->filter = SR_BY_SHORT_ID;
        sp->filter_short = short_id;
        break;
    case SR_BY_PACKAGE: {
        struct km_buffer b = sr_buf(k, p, KM_SYS_ALLOW_RO, 0);
        const uint8_t *name = b.len ? km_mem_ptr(k, b.ptr, b.len) : NULL;
        if (b.len > SR_PKG_MAX) {
            km_ret_failure(ret, KM_ESIZE);
            return;
        }
        if (name == NULL) {
            km_ret_failure(ret, KM_EINVAL);
            return;
        }
        memcpy(sp->filter_pkg, name, b.len);
        sp->filter_pkg_len = b.len;
        sp->filter = SR_BY_PACKAGE;
        break;
    }
    default:
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    km_ret_success(ret);
}

/* command 12: who a task is, and its reply capacity if it waits for p. */
static void sr_client_info(struct km_kernel *k, struct sr_state *st, struct km_process *p,
                           uint32_t id, struct km_regs *ret)
{
    int ci = 0;
    if (sr_resolve(k, st, id, &ci, ret) < 0)
        return;
    struct km_process *c = &k->procs[ci];
    const struct sr_proc *cp = &st->procs[ci];
    uint32_t cap = 0;
    if (cp->cstate == SR_IN_REPLY && cp->server == p->index)
        cap = sr_buf(k, c, KM_SYS_ALLOW_RW, 0).len;
    km_ret_success(ret);
    ret->r[0] = KM_RV_SUCCESS_3U32;
    ret->r[1] = c->cfg->short_id;
    ret->r[2] = c->process_id;
    ret->r[3] = cap;
}

/* ---- Notifications ------------------------------------------------------- */

/* command 10: OR bits into target's notification word. */
static void sr_post(struct km_kernel *k, struct sr_state *st, struct km_process *p, uint32_t target,
                    uint32_t bits, struct km_regs *ret)
{
    int ti = 0;
    if (sr_resolve(k, st, target, &ti, ret) < 0)
        return;
    struct sr_proc *tp = &st->procs[ti];
    if (ti != p->index && !sr_accepts(tp, p)) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    tp->notes |= bits;
    (void)sr_fire_notes(k, tp, &k->procs[ti]);
    km_ret_success(ret);
}

/* ---- Commands ------------------------------------------------------------- */

static void sr_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                       uint32_t a2, struct km_regs *ret)
{
    if (cmd == 0) {
        km_ret_success(ret);
        return;
    }
    struct sr_state *st = sr_state(k);
    if (st == NULL || km_grant_get(k, p, SR_NUM, true, NULL) == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    switch (cmd) {
    case 1:
        sr_lookup(k, st, p, ret);
        break;
    case 2:
        sr_send(k, st, p, a1, a2, ret);
        break;
    case 3:
        sr_recv(k, st, p, false, 0, a1, ret);
        break;
    case 4:
        sr_recv(k, st, p, true, a1, a2, ret);
        break;
    case 5:
        sr_reply(k, st, p, a1, a2, ret);
        break;
    case 6:
        sr_reply_fault(k, st, p, a1, a2, ret);
        break;
    case 7:
    case 8:
        sr_borrow(k, st, p, cmd == 8, a1, a2, ret);
        break;
    case 9:
        sr_borrow_info(k, st, p, a1, a2, ret);
        break;
    case 10:
        sr_post(k, st, p, a1, a2, ret);
        break;
    case 11:
        sr_restrict(k, st, p, a1, a2, ret);
        break;
    case 12:
        sr_client_info(k, st, p, a1, ret);
        break;
    case 13:
        sr_abandon(k, st, p, ret);
        break;
    case 14:
        km_ret_success_u32(ret, sr_id(st, p->index));
        break;
    default:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
}

/* ---- Lifecycle -------------------------------------------------------------- */

/* An incarnation of p ended (terminate; a restart terminates first): its
 * generation goes up, and everyone who dealt with it hears of it as Hubris
 * tells them when a task is reinitialized (kipc.rs reinit_task): clients
 * queued on it or waiting for its reply, and servers in a closed receive
 * from it, get the dead code. Its own pending send is withdrawn; a reply to
 * it will be ignored and a borrow of its leases gets the dead code. */
static void sr_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    if (ev != KM_LC_TERMINATE)
        return;
    struct sr_state *st = sr_state(k);
    if (st == NULL)
        return;
    struct sr_proc *pp = &st->procs[p->index];
    uint32_t old_id = sr_id(st, p->index);
    pp->gen = (uint8_t)((pp->gen + 1u) & SR_GEN_MASK);
    if (pp->cstate == SR_SENDING)
        km_ipc_event(k, KM_IPC_DROPPED, p->index, pp->server, true, "send", 0, "sender died");
    uint8_t gen = pp->gen;
    memset(pp, 0, sizeof(*pp)); /* its grant, and with it its capsule state, is gone */
    pp->gen = gen;
    uint32_t dead = sr_dead_code(st, p->index);
    for (unsigned i = 0; i < k->nprocs; i++) {
        struct km_process *q = &k->procs[i];
        struct sr_proc *qp = &st->procs[i];
        if (q == p)
            continue;
        if (qp->cstate != SR_IDLE && qp->server == p->index) {
            if (qp->cstate == SR_SENDING)
                km_ipc_event(k, KM_IPC_DROPPED, q->index, p->index, true, "send", 0, "server died");
            qp->cstate = SR_IDLE;
            (void)km_schedule_upcall(k, q, SR_NUM, SR_SUB_CLIENT, dead, 0, SR_REPLY_DEAD);
        }
        if (qp->stale && qp->stale_server == p->index)
            qp->stale = false; /* that server will not answer any more */
        if (qp->receiving && qp->closed && qp->from == old_id) {
            qp->receiving = false;
            (void)km_schedule_upcall(k, q, SR_NUM, SR_SUB_SERVER, dead, 0, 0);
        }
    }
}

const struct km_driver_ops km_drv_sendrecv_ops = {
    .num = SR_NUM,
    .name = "sendrecv",
    .has_grant = true,
    .n_upcalls = 2,            /* 0 client reply, 1 server receive */
    .n_rw = 1 + SR_MAX_LEASES, /* reply / receive buffer, leases */
    .n_ro = 1 + SR_MAX_LEASES, /* message / reply, leases */
    .present = sr_present,
    .command = sr_command,
    .lifecycle = sr_lifecycle,
};
