/* km_ipc_mailbox.c: Relay Message, the "mailbox" of the draft design, on
 * this project's driver number 0xA0011: a sender appends a message to the
 * receiver's streaming process slice (tock/tock PR #5016, "Interprocess
 * Communication" section 4.2, still marked "in progress" upstream; RFC
 * PR #4680 "Asynchronous Mailbox Capsule"; the slice format of
 * kernel/src/utilities/streaming_process_slice.rs).
 *
 * Sections: presence and state; the streaming slice; commands; lifecycle.
 *
 * The protocol as modelled (the choices the draft leaves open are marked):
 *
 * - read-write allow 0, receiver: the streaming slice. Version 0 header:
 *   bytes 0-1 version (u16, must be 0), bytes 2-3 flags as a big-endian
 *   u16 (byte 3 bit 0 = exceeded, bit 1 = halt; every other bit reserved
 *   and must be 0), bytes 4-7 write offset (u32, little-endian as the
 *   target's native order), then the data area.
 * - read-only allow 0, sender: the message to send.
 * - Each message is appended to the data area at the write offset as a
 *   record (choice): sender IPC identifier low u32, high u32, message
 *   length u32 (all little-endian), then the message bytes, no padding;
 *   the offset then advances by 12 + length. A record is written whole or
 *   not at all (one chunk of the streaming slice).
 * - subscribe 0, receiver (choice): one upcall per append attempt that
 *   reached the slice: (0, sender id low, sender id high) when the message
 *   was appended, (SIZE, sender id low, sender id high) when it did not fit
 *   and the exceeded flag was set. The header, not the upcall count, says
 *   what arrived (as streaming slices specify).
 * - command 1 send(receiver id low, high): NODEVICE for an identifier no
 *   other live process with this capsule's grant has (unknown, dead,
 *   restarted, or the sender itself); UNINSTALLED when the receiver has not
 *   enabled reception (choice, after the RFC's enable/disable commands);
 *   RESERVE when the receiver's allowlist is not empty and lacks the sender
 *   (choice); then the slice: SIZE when no slice (or one shorter than its
 *   header) is allowed, INVAL for a bad header (version, reserved flags),
 *   BUSY when halt and exceeded are both set (slice untouched), SIZE when
 *   the record does not fit (exceeded is set and the receiver told: the
 *   draft says the next upcall reports it; the sender learns it too).
 *   Success otherwise.
 * - command 2 enable reception, 3 disable reception (receiver).
 * - command 4 allow sender(id low, high): ALREADY if listed, NOMEM when the
 *   list holds MB_ALLOW_MAX identifiers; 5 remove sender(id low, high):
 *   INVAL if not listed; 6 clear the list. An empty list accepts every
 *   sender (choice: the RFC and TRD only say the receiver keeps one).
 * - The receiver consumes messages by allowing a fresh slice (offset 0,
 *   flags clear) in place of the full one, as with every streaming slice.
 */
#include "km_internal.h"

#include <string.h>

#define MB_NUM 0xA0011u
#define MB_RW_SLICE 0u
#define MB_RO_DATA 0u
#define MB_UP_MESSAGE 0u
#define MB_CMD_SEND 1u
#define MB_CMD_ENABLE 2u
#define MB_CMD_DISABLE 3u
#define MB_CMD_ALLOW 4u
#define MB_CMD_REMOVE 5u
#define MB_CMD_CLEAR 6u
#define MB_ALLOW_MAX 8u /* allowlist entries per receiver */
#define MB_HEADER 8u    /* streaming slice header bytes */
#define MB_RECORD 12u   /* per-message record header bytes */
#define MB_FLAG_EXCEEDED 0x01u
#define MB_FLAG_HALT 0x02u
#define MB_ENABLED 1u /* driver_state[0] of a receiver */

/* ---- Presence and state ------------------------------------------------ */

/* The receivers' allowlists, kernel-wide by process index; emptied when
 * the process terminates (and so when it restarts). */
struct mb_state {
    uint64_t allow[KM_MAX_PROCS][MB_ALLOW_MAX];
    uint8_t n[KM_MAX_PROCS];
};

static bool mb_present(const struct km_kernel *k)
{
    return km_ipc_relay_present(k);
}

static struct mb_state *mb_state(struct km_kernel *k)
{
    return km_capsule_state(k, MB_NUM, sizeof(struct mb_state));
}

/* Index of id in p's allowlist, or -1. */
static int mb_listed(const struct mb_state *s, int p, uint64_t id)
{
    for (unsigned i = 0; i < s->n[p]; i++)
        if (s->allow[p][i] == id)
            return (int)i;
    return -1;
}

static void mb_put_u32le(uint8_t *d, uint32_t v)
{
    d[0] = (uint8_t)v;
    d[1] = (uint8_t)(v >> 8);
    d[2] = (uint8_t)(v >> 16);
    d[3] = (uint8_t)(v >> 24);
}

/* ---- The streaming slice ------------------------------------------------ */

/* Appends sender's message (its read-only allow) to receiver r's slice
 * (grant rg) as one record. Returns 0, or the negated ErrorCode; sets
 * *told when the receiver must hear about it (appended, or exceeded). */
static int mb_append(struct km_kernel *k, struct km_process *sender, struct km_grant *sg,
                     struct km_process *r, struct km_grant *rg, uint32_t *copied, bool *told)
{
    struct km_buffer slice = rg->rw[MB_RW_SLICE], msg = sg->ro[MB_RO_DATA];
    uint8_t *h = slice.len >= MB_HEADER ? km_mem_ptr(k, slice.ptr, slice.len) : NULL;
    *told = false;
    *copied = 0;
    if (h == NULL)
        return -KM_ESIZE; /* get_header: too small for the header */
    if (h[0] != 0 || h[1] != 0 || h[2] != 0 || (h[3] & ~(MB_FLAG_EXCEEDED | MB_FLAG_HALT)) != 0)
        return -KM_EINVAL; /* version not 0, or a reserved flag set */
    if ((h[3] & MB_FLAG_EXCEEDED) && (h[3] & MB_FLAG_HALT))
        return -KM_EBUSY;
    uint32_t off =
        (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
    uint64_t end = (uint64_t)off + MB_RECORD + msg.len;
    if (end > UINT32_MAX)
        return -KM_EFAIL;
    *told = true;
    if (end > slice.len - MB_HEADER) {
        h[3] |= MB_FLAG_EXCEEDED;
        return -KM_ESIZE;
    }
    uint64_t sid = km_ipc_id(sender);
    uint8_t *rec = h + MB_HEADER + off;
    mb_put_u32le(rec, (uint32_t)sid);
    mb_put_u32le(rec + 4, (uint32_t)(sid >> 32));
    mb_put_u32le(rec + 8, msg.len);
    if (!km_ipc_copy(k, r, slice.ptr + MB_HEADER + off + MB_RECORD, msg.ptr, msg.len)) {
        *told = false;
        return -KM_EFAIL;
    }
    mb_put_u32le(h + 4, (uint32_t)end);
    *copied = msg.len;
    return 0;
}

/* ---- Commands ------------------------------------------------------------ */

static void mb_send(struct km_kernel *k, struct km_process *p, struct km_grant *g, uint64_t rid,
                    struct km_regs *ret)
{
    struct km_process *r = km_ipc_find(k, (uint32_t)rid, (uint32_t)(rid >> 32));
    struct km_grant *rg = r && r != p ? km_grant_get(k, r, MB_NUM, false, NULL) : NULL;
    if (rg == NULL) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    if (!(rg->driver_state[0] & MB_ENABLED)) {
        km_ret_failure(ret, KM_EUNINSTALLED);
        return;
    }
    struct mb_state *s = mb_state(k);
    uint64_t sid = km_ipc_id(p);
    if (s != NULL && s->n[r->index] != 0 && mb_listed(s, r->index, sid) < 0) {
        km_ret_failure(ret, KM_ERESERVE);
        return;
    }
    uint32_t copied = 0;
    bool told = false;
    int rc = mb_append(k, p, g, r, rg, &copied, &told);
    if (told) {
        km_ipc_event(k, KM_IPC_QUEUED, p->index, r->index, false, "message", g->ro[MB_RO_DATA].len,
                     NULL);
        if (rc == 0)
            km_ipc_event(k, KM_IPC_DELIVERED, p->index, r->index, false, "message", copied, NULL);
        else
            km_ipc_event(k, KM_IPC_DROPPED, p->index, r->index, false, "message", 0,
                         "no room in the receiver's slice");
        (void)km_schedule_upcall(k, r, MB_NUM, MB_UP_MESSAGE, rc == 0 ? 0u : (uint32_t)KM_ESIZE,
                                 (uint32_t)sid, (uint32_t)(sid >> 32));
    }
    if (rc < 0)
        km_ret_failure(ret, rc);
    else
        km_ret_success(ret);
}

static void mb_allowlist(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint64_t id,
                         struct km_regs *ret)
{
    struct mb_state *s = mb_state(k);
    if (s == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    int at = mb_listed(s, p->index, id);
    uint8_t *n = &s->n[p->index];
    switch (cmd) {
    case MB_CMD_ALLOW:
        if (at >= 0) {
            km_ret_failure(ret, KM_EALREADY);
            return;
        }
        if (*n >= MB_ALLOW_MAX) {
            km_ret_failure(ret, KM_ENOMEM);
            return;
        }
        s->allow[p->index][(*n)++] = id;
        break;
    case MB_CMD_REMOVE:
        if (at < 0) {
            km_ret_failure(ret, KM_EINVAL);
            return;
        }
        s->allow[p->index][at] = s->allow[p->index][--(*n)];
        break;
    default: /* MB_CMD_CLEAR */
        *n = 0;
        break;
    }
    km_ret_success(ret);
}

static void mb_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                       uint32_t a2, struct km_regs *ret)
{
    uint64_t id = (uint64_t)a1 | ((uint64_t)a2 << 32);
    if (cmd == 0) {
        km_ret_success(ret);
        return;
    }
    if (cmd > MB_CMD_CLEAR) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    struct km_grant *g = km_grant_get(k, p, MB_NUM, true, NULL);
    if (g == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    switch (cmd) {
    case MB_CMD_SEND:
        mb_send(k, p, g, id, ret);
        break;
    case MB_CMD_ENABLE:
        g->driver_state[0] |= MB_ENABLED;
        km_ret_success(ret);
        break;
    case MB_CMD_DISABLE:
        g->driver_state[0] &= ~(uint64_t)MB_ENABLED;
        km_ret_success(ret);
        break;
    default:
        mb_allowlist(k, p, cmd, id, ret);
        break;
    }
}

/* ---- Lifecycle ------------------------------------------------------------ */

static void mb_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    struct mb_state *s = ev == KM_LC_TERMINATE ? mb_state(k) : NULL;
    if (s != NULL)
        s->n[p->index] = 0;
}

const struct km_driver_ops km_drv_relay_message_ops = {
    .num = MB_NUM,
    .name = "relay_message",
    .has_grant = true,
    .n_upcalls = 1,
    .n_rw = 1,
    .n_ro = 1,
    .present = mb_present,
    .command = mb_command,
    .lifecycle = mb_lifecycle,
};
