/* km_ipc_common.c: what every IPC design shares: which capsules the board
 * has, IPC identifiers (draft TRD, tock/tock PR #5016: ProcessId in the low
 * 32 bits, ShortId in the high 32), message reports, kernel copies, and the
 * names of the planted bugs (km.h). */
#include "km_internal.h"

#include <string.h>

static const char *const km_bug_names[] = {
#define KM_X_BUG(name, str) str,
    KM_PLANTED_BUG_MAP(KM_X_BUG)
#undef KM_X_BUG
};

#define KM_NBUGS (sizeof(km_bug_names) / sizeof(km_bug_names[0]))

const char *km_planted_bug_name(enum km_planted_bug b)
{
    return (unsigned)b < KM_NBUGS ? km_bug_names[b] : "?";
}

int km_planted_bug_parse(const char *name)
{
    for (unsigned i = 0; i < KM_NBUGS; i++)
        if (strcmp(name, km_bug_names[i]) == 0)
            return (int)i;
    return -1;
}

bool km_ipc_mechanism_is(const struct km_kernel *k, const char *name)
{
    const char *m = k->cfg.ipc.mechanism;
    return m != NULL && strcmp(m, name) == 0;
}

bool km_ipc_relay_present(const struct km_kernel *k)
{
    return km_ipc_mechanism_is(k, "relay") || km_ipc_mechanism_is(k, "share");
}

uint64_t km_ipc_id(const struct km_process *p)
{
    return (uint64_t)p->process_id | ((uint64_t)p->cfg->short_id << 32);
}

struct km_process *km_ipc_find(struct km_kernel *k, uint32_t lo, uint32_t hi)
{
    for (unsigned i = 0; i < k->nprocs; i++) {
        struct km_process *p = &k->procs[i];
        if (p->process_id == lo && p->cfg->short_id == hi && p->state != KM_STATE_TERMINATED &&
            p->state != KM_STATE_FAULTED)
            return p;
    }
    return NULL;
}

void km_ipc_event(struct km_kernel *k, enum km_ipc_phase phase, int sender, int target,
                  bool to_server, const char *op, uint32_t bytes, const char *why)
{
    struct km_event ev = {
        .kind = KM_EV_IPC, .time = k->now, .proc = phase == KM_IPC_QUEUED ? sender : target};
    ev.u.ipc.phase = phase;
    ev.u.ipc.sender = sender;
    ev.u.ipc.target = target;
    ev.u.ipc.service = to_server;
    ev.u.ipc.op = op;
    ev.u.ipc.bytes = bytes;
    ev.u.ipc.why = why;
    km_emit(k, &ev);
}

/* Every reason a capsule drops a message for, with what excuses it. The
 * strings are the capsules' own (km_ipc_legacy.c, km_ipc_relay.c,
 * km_ipc_sendrecv.c, km_ipc_mailbox.c); docs/ipc-designs.md#delivery-promises
 * says the same in prose. */
static const struct km_ipc_drop_rule drop_rules[] = {
    /* legacy: discarded with the target's task queue (process_standard.rs
     * terminate() and reset() empty it; a restart terminates first, so
     * "target restarted" only reports tasks queued in between, which the
     * model never does today) */
    {"legacy", "service", "target restarted", KM_IPC_RECEIVER_ENDED},
    {"legacy", "client", "target restarted", KM_IPC_RECEIVER_ENDED},
    {"legacy", "service", "target terminated", KM_IPC_RECEIVER_ENDED},
    {"legacy", "client", "target terminated", KM_IPC_RECEIVER_ENDED},
    /* legacy, at delivery (kernel/src/ipc.rs schedule_upcall):
     * the sender's ProcessId is stale, the notify named the notifier, or
     * a grant cannot be entered; the sender was told SUCCESS and never
     * hears */
    {"legacy", "service", "sender restarted or gone", KM_IPC_SENDER_ENDED},
    {"legacy", "client", "sender restarted or gone", KM_IPC_SENDER_ENDED},
    {"legacy", "service", "notify to itself", KM_IPC_REFUSED},
    {"legacy", "client", "notify to itself", KM_IPC_REFUSED},
    {"legacy", "service", "target grant unavailable", KM_IPC_REFUSED},
    {"legacy", "client", "target grant unavailable", KM_IPC_REFUSED},
    {"legacy", "service", "sender grant unavailable", KM_IPC_REFUSED},
    {"legacy", "client", "sender grant unavailable", KM_IPC_REFUSED},
    /* relay (and share's requests): a waiting request */
    {"draft", "request", "cancelled by the client", KM_IPC_WITHDRAWN},
    {"draft", "request", "cleared by the client's own disable", KM_IPC_WITHDRAWN},
    {"draft", "request", "server disabled requests", KM_IPC_WITHDRAWN},
    {"draft", "request", "client terminated", KM_IPC_SENDER_ENDED},
    {"draft", "request", "server terminated", KM_IPC_RECEIVER_ENDED},
    /* sendrecv: a send not yet received; a reply Hubris ignores */
    {"sendrecv", "send", "abandoned by the sender", KM_IPC_WITHDRAWN},
    {"sendrecv", "send", "sender died", KM_IPC_SENDER_ENDED},
    {"sendrecv", "send", "server died", KM_IPC_RECEIVER_ENDED},
    {"sendrecv", "reply", "client restarted, gone or not waiting for this reply", KM_IPC_REFUSED},
    /* mailbox: no room; the sender gets SIZE, the receiver a SIZE upcall */
    {"draft", "message", "no room in the receiver's slice", KM_IPC_REFUSED},
};

const struct km_ipc_drop_rule *km_ipc_drop_rule(const char *op, const char *why)
{
    for (size_t i = 0; op != NULL && why != NULL && i < sizeof(drop_rules) / sizeof(drop_rules[0]);
         i++)
        if (strcmp(drop_rules[i].op, op) == 0 && strcmp(drop_rules[i].why, why) == 0)
            return &drop_rules[i];
    return NULL;
}

const struct km_ipc_drop_rule *km_ipc_drop_rules(size_t *n)
{
    *n = sizeof(drop_rules) / sizeof(drop_rules[0]);
    return drop_rules;
}

const char *km_ipc_excuse_name(enum km_ipc_excuse e)
{
    static const char *const names[] = {"receiver ended", "sender ended", "withdrawn", "refused"};
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

bool km_ipc_copy(struct km_kernel *k, struct km_process *into, uint32_t dst, uint32_t src,
                 uint32_t len)
{
    if (len == 0)
        return true;
    uint8_t *d = km_mem_ptr(k, dst, len);
    const uint8_t *s = km_mem_ptr(k, src, len);
    if (d == NULL || s == NULL)
        return false;
    memmove(d, s, len);
    /* a capsule copying between two processes' buffers through the kernel
     * (kernel/src/processbuffer.rs, copy_to_slice / copy_from_slice) */
    km_charge(k, km_copy_cycles(k, len));
    into->stats.ipc_bytes_copied += len;
    return true;
}
