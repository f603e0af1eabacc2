/* km_ipc_share.c: this project's shared-memory IPC capsule, driver 0xA0020
 * (mechanism "share"): a process activates chunks of memory and grants
 * them to peers, read-write and exclusive or read-only to both sides, with
 * one MPU region per mapping, or access by kernel copies where a mapping
 * is not possible.
 *
 * Sections: state and identities; MPU mappings; grants ending; commands;
 * lifecycle.
 *
 * Upstream leaves sharing to be determined (draft TRD, tock/tock PR #5016;
 * RFC PR #4680). The ideas on record, and how they are met here:
 *
 * - "a service activates memory chunks": command 1 carves the chunk from
 *   the caller's own grant region (km_grant_carve), the kernel-owned top of
 *   its process block, and zeroes it. The chunk is therefore outside
 *   app-owned memory, so the allow check (in_app_owned_memory,
 *   kernel/src/process_standard.rs, build_readwrite_process_buffer and
 *   build_readonly_process_buffer) refuses any allow into it with INVAL,
 *   and an upcall function pointer inside it fails the same check in
 *   subscribe (is_valid_upcall_function_pointer): a shared region can never
 *   overlap an allow or an upcall pointer, by construction. The app break
 *   cannot grow over it either (brk stops at the kernel break). The memory
 *   comes back only when the owner is reset (restart), as grant memory
 *   does upstream.
 * - "chooses how to spend MPU slots": every mapping is one allocate_region
 *   on one process (the owner's own, and one per peer that maps it), the
 *   same call legacy IPC makes (kernel/src/process.rs add_mpu_region). The
 *   chunk is shaped so the platform's MPU can express it (see share_shape),
 *   unless the owner asks for the exact size (flag EXACT) or for no owner
 *   mapping (flag UNMAPPED).
 * - "exclusive or read-only, against time-of-check/time-of-use bugs": a
 *   grant is EXCLUSIVE (the owner's region is removed while the one peer
 *   holds the chunk read-write) or READONLY (the peers get read-only
 *   regions and the owner's region is reprogrammed read-only, so no side
 *   can change bytes another side has checked). A chunk has one EXCLUSIVE
 *   grant or up to SHARE_MAX_GRANTS READONLY ones.
 *
 * Fallback: when a process's MPU cannot map the chunk (ARMv7-M size or
 * alignment, no free region, an overlap: ARMv8-M compares a new region
 * against the owner's whole process block, arch/cortex-m33/src/mpu_v8m.rs
 * allocate_region, so an owner never maps its own chunk there) the
 * operation still succeeds and that process reaches the chunk with the
 * copy commands 6 and 7, charged as kernel copies; the result and the
 * upcall say so (the COPIED bit), a KM_EV_NOTICE names the reason, and the
 * process's ipc_share_copied counter goes up (ipc_share_mapped otherwise).
 * The copy commands work when mapped too, so an app can be written once.
 *
 * Identities: peers and owners are named by their ProcessId (the low half
 * of the IPC identifier, unique kernel-wide), so an identifier from before
 * a restart finds nothing (NODEVICE). When a process faults, terminates or
 * restarts, every grant involving it ends at once: its peers' regions over
 * its chunks are removed before anything else runs (a restarted owner's
 * memory is never readable through an old mapping), its own regions over
 * others' chunks are removed and those owners get their access back; the
 * side still alive gets upcall 1 with reason GONE.
 *
 * Commands (a1, a2; "hw" is a handle word, below):
 *   0 exists                                  Success
 *   1 activate(len, flags)                    Success_3u32(hw, addr, size)
 *   2 grant(handle | mode << 8, peer pid)     Success_u32(the peer's hw)
 *   3 revoke(handle, peer pid or 0 = all)     Success_u32(grants ended)
 *   4 release(handle, owner pid)              Success
 *   5 info(handle, owner pid or 0 = own)      Success_3u32(hw, addr, size)
 *   6 copy_in(handle | off << 8, owner or 0)  Success_u32(bytes): chunk -> rw allow 0
 *   7 copy_out(handle | off << 8, owner or 0) Success_u32(bytes): ro allow 0 -> chunk
 * Upcalls: 0 granted (owner pid, hw, addr) on the peer; 1 ended (the other
 * side's pid, hw, reason) on the peer (revoked, owner gone) and on the
 * owner (released, peer gone).
 * hw: bits 0-7 handle, 8-15 mode (0 owner, 1 EXCLUSIVE, 2 READONLY), bit 16
 * COPIED (this process has no MPU region over the chunk), and for the
 * owner's info bits 24-31 the number of grants.
 * Errors: INVAL (bad handle, mode, flags, offset or length; granting to
 * yourself; a peer writing a READONLY chunk; nothing allowed), NODEVICE
 * (no live process has that pid), BUSY (the chunk is granted in a way that
 * excludes the request), ALREADY (granted to that peer already; revoking or
 * releasing a grant that is not there), NOMEM (no chunk slot, grant region
 * too small, no grant slot, the caller's or the peer's grant cannot be
 * allocated), SIZE (a copy past the chunk's end).
 *
 * Grants (the per-process capsule state): activate enters the caller's and
 * grant enters the peer's, allocating them if need be, as a capsule's
 * enter() does, so that upcalls reach a process that never subscribed and
 * only waits with yield-wait-for.
 */
#include "km_internal.h"

#include <stdio.h>
#include <string.h>

#define SHARE_NUM 0xA0020u
#define SHARE_MAX_CHUNKS 8 /* chunks one process may have active */
#define SHARE_MAX_GRANTS 4 /* peers one chunk may be granted to (READONLY) */

#define SHARE_MODE_OWNER 0u
#define SHARE_MODE_EXCLUSIVE 1u
#define SHARE_MODE_READONLY 2u
#define SHARE_HW_COPIED (1u << 16)

#define SHARE_FLAG_EXACT 1u    /* activate: no rounding for the MPU */
#define SHARE_FLAG_UNMAPPED 2u /* activate: the owner spends no region */

#define SHARE_SUB_GRANTED 0u
#define SHARE_SUB_ENDED 1u

/* Why a grant ended (upcall 1, third argument). */
#define SHARE_END_REVOKED 0u  /* the owner revoked it */
#define SHARE_END_RELEASED 1u /* the peer released it */
#define SHARE_END_GONE 2u     /* the other side faulted, terminated or restarted */

/* ---- State and identities --------------------------------------------- */

/* A peer's hold on a chunk. */
struct share_grant {
    bool used;
    int peer;          /* process index */
    uint32_t peer_pid; /* its ProcessId when granted */
    uint8_t mode;      /* SHARE_MODE_EXCLUSIVE or SHARE_MODE_READONLY */
    bool mapped;       /* the peer holds an MPU region over the chunk */
    uint32_t rs, rz;   /* that region as Tock's Region (start, size) */
};

struct share_chunk {
    bool used;
    uint32_t owner_pid; /* the incarnation that activated it */
    uint32_t addr, size;
    bool owner_map;          /* the owner reaches it through a region (else by copies) */
    bool owner_mapped;       /* it holds that region now */
    enum km_perm owner_perm; /* with this permission */
    uint32_t ors, orz;       /* the region as Tock's Region */
    struct share_grant g[SHARE_MAX_GRANTS];
};

static bool share_present(const struct km_kernel *k)
{
    return km_ipc_mechanism_is(k, "share");
}

/* The kernel-wide table: SHARE_MAX_CHUNKS chunks per process slot, the
 * slot of process i at i * SHARE_MAX_CHUNKS. NULL if out of memory. */
static struct share_chunk *share_chunks(struct km_kernel *k)
{
    size_t n = (size_t)k->nprocs * SHARE_MAX_CHUNKS;
    return km_capsule_state(k, SHARE_NUM, n * sizeof(struct share_chunk));
}

/* Chunk `handle` of process p, or NULL if it has none by that number. */
static struct share_chunk *share_chunk_of(struct km_kernel *k, const struct km_process *p,
                                          uint32_t handle)
{
    struct share_chunk *all = share_chunks(k);
    if (all == NULL || handle >= SHARE_MAX_CHUNKS)
        return NULL;
    struct share_chunk *c = &all[(size_t)p->index * SHARE_MAX_CHUNKS + handle];
    return c->used && c->owner_pid == p->process_id ? c : NULL;
}

/* The live process whose ProcessId is pid (the low half of its IPC
 * identifier), or NULL. */
static struct km_process *share_find(struct km_kernel *k, uint32_t pid)
{
    for (unsigned i = 0; i < k->nprocs; i++)
        if (k->procs[i].process_id == pid)
            return km_ipc_find(k, pid, k->procs[i].cfg->short_id);
    return NULL;
}

static unsigned share_ngrants(const struct share_chunk *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SHARE_MAX_GRANTS; i++)
        n += c->g[i].used;
    return n;
}

static bool share_exclusive(const struct share_chunk *c)
{
    for (unsigned i = 0; i < SHARE_MAX_GRANTS; i++)
        if (c->g[i].used && c->g[i].mode == SHARE_MODE_EXCLUSIVE)
            return true;
    return false;
}

static struct share_grant *share_grant_of(struct share_chunk *c, const struct km_process *peer)
{
    for (unsigned i = 0; i < SHARE_MAX_GRANTS; i++)
        if (c->g[i].used && c->g[i].peer == peer->index && c->g[i].peer_pid == peer->process_id)
            return &c->g[i];
    return NULL;
}

/* The handle of owner's chunk c: its index in the owner's slot. */
static uint32_t share_handle(struct km_kernel *k, const struct km_process *owner,
                             const struct share_chunk *c)
{
    struct share_chunk *all = share_chunks(k);
    return (uint32_t)(c - &all[(size_t)owner->index * SHARE_MAX_CHUNKS]);
}

static uint32_t share_hw_peer(uint32_t handle, const struct share_grant *g)
{
    return handle | ((uint32_t)g->mode << 8) | (g->mapped ? 0 : SHARE_HW_COPIED);
}

static void share_notice(struct km_kernel *k, int proc, const char *text)
{
    struct km_event ev = {.kind = KM_EV_NOTICE, .time = k->now, .proc = proc};
    ev.u.notice.text = text;
    km_emit(k, &ev);
}

/* ---- MPU mappings ------------------------------------------------------- */

/* allocate_region(addr, size, size, perm) on a copy of configuration c;
 * true (and *c updated, *rs / *rz = Tock's Region) only if the region
 * covers exactly [addr, addr + size) with perm: a region the MPU moved or
 * grew (ARMv8-M aligns the start up) would expose other bytes. */
static bool share_try_region(struct km_kernel *k, int proc, struct km_mpu_config *c, uint32_t addr,
                             uint32_t size, enum km_perm perm, uint32_t *rs, uint32_t *rz)
{
    const struct km_mpu *m = &k->cfg.mpu;
    struct km_mpu_config trial = *c;
    uint32_t s = 0, z = 0;
    bool ok = m->ops->allocate_region(m, addr, size, size, perm, &trial, &s, &z);
    if (proc >= 0)
        km_mpu_finding_report(k, proc, &trial);
    else
        trial.finding = NULL; /* a probe, not a request Tock would make */
    unsigned want = perm == KM_PERM_R ? KM_ACCESS_READ : KM_ACCESS_READ | KM_ACCESS_WRITE;
    if (!ok || s != addr || z != size || !km_mpu_range_allowed(m, &trial, addr, size, want))
        return false;
    *c = trial;
    *rs = s;
    *rz = z;
    return true;
}

/* Could this MPU ever give a process exactly [addr, addr + size)? Asked on
 * an empty configuration. */
static bool share_expressible(struct km_kernel *k, uint32_t addr, uint32_t size)
{
    const struct km_mpu *m = &k->cfg.mpu;
    struct km_mpu_config empty;
    uint32_t rs, rz;
    m->ops->reset_config(m, &empty);
    return share_try_region(k, -1, &empty, addr, size, KM_PERM_RW, &rs, &rz);
}

/* Regions of c the kernel could still hand out: neither enabled nor kept
 * for app memory (ARMv7-M regions 0 and 1, mpu.rs:187; the model's
 * app_region elsewhere). */
static unsigned share_free_regions(const struct km_kernel *k, const struct km_mpu_config *c)
{
    const struct km_mpu *m = &k->cfg.mpu;
    unsigned n = 0, total = m->ops->number_total_regions(m);
    for (unsigned i = 0; i < total && i < KM_MPU_MAX_REGIONS; i++) {
        if (c->r[i].enabled || (int)i == c->app_region)
            continue;
        if (m->ops == &km_mpu_armv7m_ops && i <= 1)
            continue;
        n++;
    }
    return n;
}

/* Tells the user why process p reaches the chunk by copying and counts it. */
static void share_fallback(struct km_kernel *k, struct km_process *p, const struct share_chunk *c,
                           const char *role)
{
    char msg[256];
    const char *why;
    if (!share_expressible(k, c->addr, c->size))
        why = "no region of this MPU can cover it exactly (size or alignment)";
    else if (share_free_regions(k, &p->mpu) == 0)
        why = "it has no free MPU region";
    else if (c->addr >= p->mem_start && c->addr < p->mem_end)
        why = "the MPU refuses a region inside its own process block (overlap check)";
    else
        why = "the region would overlap one it holds";
    snprintf(msg, sizeof(msg),
             "share: the %s MPU cannot map the %u-byte chunk at 0x%08x into %s (%s): %s; it "
             "reaches the chunk by kernel copies",
             k->cfg.mpu.ops->name, c->size, c->addr, p->cfg->name, role, why);
    p->stats.ipc_share_copied++;
    share_notice(k, p->index, msg);
}

static void share_unmap(struct km_kernel *k, struct km_process *p, uint32_t rs, uint32_t rz)
{
    const struct km_mpu *m = &k->cfg.mpu;
    if (m->ops->remove_memory_region(m, rs, rz, &p->mpu))
        km_mpu_changed(p);
}

/* Gives the owner the access its chunk's grants allow: read-write with no
 * grant, read-only under READONLY grants, none under an EXCLUSIVE one. A
 * region that cannot be put back (its slot went to another mapping
 * meanwhile) leaves the owner with copies from then on. */
static void share_owner_apply(struct km_kernel *k, struct km_process *owner, struct share_chunk *c)
{
    bool want = c->owner_map && !share_exclusive(c);
    enum km_perm perm = share_ngrants(c) ? KM_PERM_R : KM_PERM_RW;
    if (c->owner_mapped && (!want || c->owner_perm != perm)) {
        share_unmap(k, owner, c->ors, c->orz);
        c->owner_mapped = false;
    }
    if (!want || c->owner_mapped)
        return;
    if (share_try_region(k, owner->index, &owner->mpu, c->addr, c->size, perm, &c->ors, &c->orz)) {
        c->owner_mapped = true;
        c->owner_perm = perm;
        km_mpu_changed(owner);
    } else {
        c->owner_map = false;
        share_fallback(k, owner, c, "its owner");
    }
}

/* ---- Grants ending ------------------------------------------------------ */

/* Ends grant g of owner's chunk c: the peer's region goes; the peer (if
 * tell_peer) or the owner (if tell_owner) gets upcall 1 with `why`. The
 * owner's own access is not touched: see share_owner_apply. */
static void share_end(struct km_kernel *k, struct km_process *owner, struct share_chunk *c,
                      struct share_grant *g, uint32_t why, bool tell_peer, bool tell_owner)
{
    struct km_process *peer = km_proc(k, g->peer);
    uint32_t hw = share_hw_peer(share_handle(k, owner, c), g);
    if (g->mapped && peer != NULL)
        share_unmap(k, peer, g->rs, g->rz);
    if (tell_peer && peer != NULL && peer->process_id == g->peer_pid)
        (void)km_schedule_upcall(k, peer, SHARE_NUM, SHARE_SUB_ENDED, c->owner_pid, hw, why);
    if (tell_owner)
        (void)km_schedule_upcall(k, owner, SHARE_NUM, SHARE_SUB_ENDED, g->peer_pid, hw, why);
    memset(g, 0, sizeof(*g));
}

/* ---- Commands ----------------------------------------------------------- */

static void share_ret_3u32(struct km_regs *r, uint32_t a, uint32_t b, uint32_t c)
{
    r->r[0] = KM_RV_SUCCESS_3U32;
    r->r[1] = a;
    r->r[2] = b;
    r->r[3] = c;
}

/* Size and alignment of a chunk of len bytes carved below kernel break kb:
 * first the length rounded to the MPU's granularity (its minimum region
 * size, at least 8) at that alignment, then the next power of two aligned
 * to itself (ARMv7-M regions; RISC-V NAPOT-like), whichever this MPU can
 * express exactly at the address the carve would give; if neither, the
 * first (reached by copies). With `exact`, len rounded to 8 at 8. Returns
 * false if nothing fits above the app break. */
static bool share_shape(struct km_kernel *k, const struct km_process *p, uint32_t len, bool exact,
                        uint32_t *size, uint32_t *align)
{
    uint64_t g = k->cfg.mpu.p.min_region_size > 8 ? k->cfg.mpu.p.min_region_size : 8;
    if (exact)
        g = 8;
    uint64_t cand[2][2] = {{(len + g - 1) / g * g, g}, {0, 0}};
    uint64_t pow2 = g;
    while (pow2 < len)
        pow2 <<= 1;
    cand[1][0] = cand[1][1] = pow2;
    unsigned ncand = exact ? 1 : 2;
    bool found = false;
    for (unsigned i = 0; i < ncand; i++) {
        uint64_t z = cand[i][0], a = cand[i][1];
        if (z > p->kernel_break - p->app_break)
            continue;
        uint32_t addr = (uint32_t)((p->kernel_break - z) & ~(a - 1));
        if (addr < p->app_break)
            continue;
        if (share_expressible(k, addr, (uint32_t)z)) {
            *size = (uint32_t)z;
            *align = (uint32_t)a;
            return true;
        }
        if (!found) {
            *size = (uint32_t)z;
            *align = (uint32_t)a;
            found = true;
        }
    }
    return found;
}

/* command 1: activate(len, flags). */
static void share_activate(struct km_kernel *k, struct km_process *p, uint32_t len, uint32_t flags,
                           struct km_regs *ret)
{
    struct share_chunk *all = share_chunks(k);
    if (len == 0 || (flags & ~(SHARE_FLAG_EXACT | SHARE_FLAG_UNMAPPED)) != 0) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    /* Enter the caller's grant first (allocated if need be, as a capsule's
     * enter does), so it can be told when a grant of this chunk ends and
     * the chunk is carved below it. */
    if (km_grant_get(k, p, SHARE_NUM, true, NULL) == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    struct share_chunk *c = NULL;
    uint32_t handle = 0;
    for (; all != NULL && handle < SHARE_MAX_CHUNKS; handle++)
        if (share_chunk_of(k, p, handle) == NULL) {
            c = &all[(size_t)p->index * SHARE_MAX_CHUNKS + handle];
            break;
        }
    uint32_t size = 0, align = 0, addr = 0;
    if (c == NULL || !share_shape(k, p, len, flags & SHARE_FLAG_EXACT, &size, &align) ||
        km_grant_carve(k, p, size, align, &addr) < 0) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    /* The grant region may hold an earlier incarnation's bytes. */
    uint8_t *mem = km_mem_ptr(k, addr, size);
    if (mem != NULL)
        memset(mem, 0, size);
    memset(c, 0, sizeof(*c));
    c->used = true;
    c->owner_pid = p->process_id;
    c->addr = addr;
    c->size = size;
    c->owner_map = !(flags & SHARE_FLAG_UNMAPPED);
    if (c->owner_map)
        share_owner_apply(k, p, c);
    else
        p->stats.ipc_share_copied++; /* by the owner's choice: no notice */
    if (c->owner_mapped)
        p->stats.ipc_share_mapped++;
    share_ret_3u32(ret, handle | (c->owner_mapped ? 0 : SHARE_HW_COPIED), addr, size);
}

/* command 2: grant(handle | mode << 8, peer pid). */
static void share_grant(struct km_kernel *k, struct km_process *p, uint32_t a1, uint32_t pid,
                        struct km_regs *ret)
{
    uint32_t handle = a1 & 0xffu, mode = (a1 >> 8) & 0xffu;
    struct share_chunk *c = share_chunk_of(k, p, handle);
    if (c == NULL || (a1 >> 16) != 0 ||
        (mode != SHARE_MODE_EXCLUSIVE && mode != SHARE_MODE_READONLY)) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    struct km_process *peer = share_find(k, pid);
    if (peer == NULL) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    if (peer == p) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    if (share_grant_of(c, peer) != NULL) {
        km_ret_failure(ret, KM_EALREADY);
        return;
    }
    unsigned n = share_ngrants(c);
    if ((mode == SHARE_MODE_EXCLUSIVE && n > 0) || share_exclusive(c)) {
        km_ret_failure(ret, KM_EBUSY);
        return;
    }
    struct share_grant *g = NULL;
    for (unsigned i = 0; i < SHARE_MAX_GRANTS && g == NULL; i++)
        if (!c->g[i].used)
            g = &c->g[i];
    /* Enter the peer's grant (allocated if need be) so that the granted
     * upcall reaches a peer that only waits for it with yield-wait-for. */
    if (g == NULL || km_grant_get(k, peer, SHARE_NUM, true, NULL) == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    g->used = true;
    g->peer = peer->index;
    g->peer_pid = peer->process_id;
    g->mode = (uint8_t)mode;
    enum km_perm perm = mode == SHARE_MODE_EXCLUSIVE ? KM_PERM_RW : KM_PERM_R;
    g->mapped =
        share_try_region(k, peer->index, &peer->mpu, c->addr, c->size, perm, &g->rs, &g->rz);
    if (g->mapped) {
        km_mpu_changed(peer);
        peer->stats.ipc_share_mapped++;
    } else {
        share_fallback(k, peer, c, "a peer");
    }
    share_owner_apply(k, p, c);
    uint32_t hw = share_hw_peer(handle, g);
    (void)km_schedule_upcall(k, peer, SHARE_NUM, SHARE_SUB_GRANTED, p->process_id, hw, c->addr);
    /* access changes hands at once: a message queued and delivered (the
     * trace's flow, and what tells who talks to whom) */
    km_ipc_event(k, KM_IPC_QUEUED, p->index, peer->index, false, "grant", 0, NULL);
    km_ipc_event(k, KM_IPC_DELIVERED, p->index, peer->index, false, "grant", 0, NULL);
    km_ret_success_u32(ret, hw);
}

/* command 3: revoke(handle, peer pid or 0 for every peer). */
static void share_revoke(struct km_kernel *k, struct km_process *p, uint32_t handle, uint32_t pid,
                         struct km_regs *ret)
{
    struct share_chunk *c = share_chunk_of(k, p, handle);
    if (c == NULL) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    uint32_t ended = 0;
    for (unsigned i = 0; i < SHARE_MAX_GRANTS; i++) {
        struct share_grant *g = &c->g[i];
        if (g->used && (pid == 0 || g->peer_pid == pid)) {
            share_end(k, p, c, g, SHARE_END_REVOKED, true, false);
            ended++;
        }
    }
    if (ended == 0) {
        km_ret_failure(ret, pid != 0 && share_find(k, pid) == NULL ? KM_ENODEVICE : KM_EALREADY);
        return;
    }
    share_owner_apply(k, p, c);
    km_ret_success_u32(ret, ended);
}

/* Resolves (handle, owner pid or 0 = own) for the peer-side commands: the
 * chunk, its owner, and the caller's grant (NULL if the caller owns it).
 * Returns 0 or a negated ErrorCode. */
static int share_resolve(struct km_kernel *k, struct km_process *p, uint32_t handle, uint32_t pid,
                         struct km_process **owner, struct share_chunk **c, struct share_grant **g)
{
    *owner = pid == 0 ? p : share_find(k, pid);
    if (*owner == NULL)
        return -KM_ENODEVICE;
    *c = share_chunk_of(k, *owner, handle);
    if (*c == NULL)
        return -KM_EINVAL;
    *g = NULL;
    if (*owner == p)
        return 0;
    *g = share_grant_of(*c, p);
    return *g != NULL ? 0 : -KM_EINVAL;
}

/* command 4: release(handle, owner pid). */
static void share_release(struct km_kernel *k, struct km_process *p, uint32_t handle, uint32_t pid,
                          struct km_regs *ret)
{
    struct km_process *owner = share_find(k, pid);
    struct share_chunk *c = NULL;
    struct share_grant *g = NULL;
    if (owner == NULL) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    if (owner == p || (c = share_chunk_of(k, owner, handle)) == NULL) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    if ((g = share_grant_of(c, p)) == NULL) {
        km_ret_failure(ret, KM_EALREADY);
        return;
    }
    share_end(k, owner, c, g, SHARE_END_RELEASED, false, true);
    share_owner_apply(k, owner, c);
    km_ret_success(ret);
}

/* command 5: info(handle, owner pid or 0). */
static void share_info(struct km_kernel *k, struct km_process *p, uint32_t handle, uint32_t pid,
                       struct km_regs *ret)
{
    struct km_process *owner;
    struct share_chunk *c;
    struct share_grant *g;
    int rc = share_resolve(k, p, handle, pid, &owner, &c, &g);
    if (rc < 0) {
        km_ret_failure(ret, rc);
        return;
    }
    uint32_t hw = g != NULL
                      ? share_hw_peer(handle, g)
                      : handle | (c->owner_mapped ? 0 : SHARE_HW_COPIED) | (share_ngrants(c) << 24);
    share_ret_3u32(ret, hw, c->addr, c->size);
}

/* commands 6 and 7: copy_in (chunk -> rw allow 0) and copy_out (ro allow
 * 0 -> chunk), at offset a1 >> 8 of the chunk. */
static void share_copy(struct km_kernel *k, struct km_process *p, bool in, uint32_t a1,
                       uint32_t pid, struct km_regs *ret)
{
    struct km_process *owner;
    struct share_chunk *c;
    struct share_grant *g;
    uint32_t off = a1 >> 8;
    int rc = share_resolve(k, p, a1 & 0xffu, pid, &owner, &c, &g);
    if (rc < 0) {
        km_ret_failure(ret, rc);
        return;
    }
    /* The modes: the owner's access while granted follows its MPU rules. */
    if (g == NULL && (share_exclusive(c) || (!in && share_ngrants(c) > 0))) {
        km_ret_failure(ret, KM_EBUSY);
        return;
    }
    if (g != NULL && !in && g->mode != SHARE_MODE_EXCLUSIVE) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    struct km_grant *mine = km_grant_get(k, p, SHARE_NUM, false, NULL);
    struct km_buffer b = {0, 0};
    if (mine != NULL)
        b = in ? mine->rw[0] : mine->ro[0];
    if (b.len == 0) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    if ((uint64_t)off + b.len > c->size) {
        km_ret_failure(ret, KM_ESIZE);
        return;
    }
    bool ok = in ? km_ipc_copy(k, p, b.ptr, c->addr + off, b.len)
                 : km_ipc_copy(k, owner, c->addr + off, b.ptr, b.len);
    if (!ok) {
        km_ret_failure(ret, KM_EFAIL);
        return;
    }
    km_ret_success_u32(ret, b.len);
}

static void share_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                          uint32_t a2, struct km_regs *ret)
{
    switch (cmd) {
    case 0:
        km_ret_success(ret);
        break;
    case 1:
        share_activate(k, p, a1, a2, ret);
        break;
    case 2:
        share_grant(k, p, a1, a2, ret);
        break;
    case 3:
    case 4:
    case 5:
        if (a1 >= SHARE_MAX_CHUNKS) {
            km_ret_failure(ret, KM_EINVAL);
            break;
        }
        if (cmd == 3)
            share_revoke(k, p, a1, a2, ret);
        else if (cmd == 4)
            share_release(k, p, a1, a2, ret);
        else
            share_info(k, p, a1, a2, ret);
        break;
    case 6:
    case 7:
        share_copy(k, p, cmd == 6, a1, a2, ret);
        break;
    default:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
}

/* ---- Lifecycle ---------------------------------------------------------- */

/* p faulted, terminated or restarted: every grant involving it ends now.
 * Its chunks die with its grant region: peers lose their regions over them
 * and are told; its holds on other processes' chunks end and those owners
 * get their access back and are told. Idempotent: a fault that leads to a
 * restart calls it three times. */
static void share_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    (void)ev;
    struct share_chunk *all = share_chunks(k);
    if (all == NULL)
        return;
    for (unsigned h = 0; h < SHARE_MAX_CHUNKS; h++) {
        struct share_chunk *c = &all[(size_t)p->index * SHARE_MAX_CHUNKS + h];
        if (!c->used)
            continue;
        for (unsigned i = 0; i < SHARE_MAX_GRANTS; i++)
            if (c->g[i].used)
                share_end(k, p, c, &c->g[i], SHARE_END_GONE, true, false);
        if (c->owner_mapped)
            share_unmap(k, p, c->ors, c->orz);
        memset(c, 0, sizeof(*c));
    }
    for (unsigned o = 0; o < k->nprocs; o++) {
        if ((int)o == p->index)
            continue;
        struct km_process *owner = &k->procs[o];
        for (unsigned h = 0; h < SHARE_MAX_CHUNKS; h++) {
            struct share_chunk *c = &all[(size_t)o * SHARE_MAX_CHUNKS + h];
            bool changed = false;
            for (unsigned i = 0; c->used && i < SHARE_MAX_GRANTS; i++)
                if (c->g[i].used && c->g[i].peer == p->index) {
                    share_end(k, owner, c, &c->g[i], SHARE_END_GONE, false, true);
                    changed = true;
                }
            if (changed)
                share_owner_apply(k, owner, c);
        }
    }
}

const struct km_driver_ops km_drv_share_ops = {
    .num = SHARE_NUM,
    .name = "share",
    .has_grant = true,
    .n_upcalls = 2, /* 0 granted, 1 ended */
    .n_rw = 1,      /* copy_in destination */
    .n_ro = 1,      /* copy_out source */
    .present = share_present,
    .command = share_command,
    .lifecycle = share_lifecycle,
};
