/* km_mpu_pmp.c: the RISC-V PMP model, Tock's PMPUserMPU over TOR user
 * regions (arch/riscv/src/pmp.rs), register values and quirks included.
 *
 * Sections: pmpcfg encoding; helpers (alignment, overlap, storing a
 * region); the MPU operations; access checks; the ops table.
 *
 * Where the rules come from (tock/tock, arch/riscv/src/pmp.rs):
 *   pmpcfg octet layout             17-35
 *   Permissions -> TORUserPMPCFG    243-268
 *   region_overlaps                 446-481
 *   new_config / reset_config       1062-1088
 *   allocate_region                 1090-1180
 *   remove_memory_region            1182-1207
 *   allocate_app_memory_region      1209-1299
 *   update_app_memory_region        1301-1330
 *   SimplePMP::configure_pmp        1699-1758 (region i = entries 2i, 2i+1)
 *
 * A user region is one slot of PMPUserMPUConfig::regions, a tuple (pmpcfg,
 * start, end). The hardware gets it as two entries: the first OFF, holding
 * start >> 2, the second TOR with the permissions, holding end >> 2; an
 * address y matches when pmpaddr[2i] <= y >> 2 < pmpaddr[2i+1]. This model
 * stores the tuple as:
 *   reg[0] = pmpcfg octet of the TOR entry (0 = OFF, the slot is free)
 *   reg[1] = start >> 2, reg[2] = end >> 2 (the two pmpaddr values)
 *   loc_start = start, loc_size = end - start modulo 2^32, so that Tock's
 *     stored end is always loc_start + loc_size (it may lie below start)
 *   base = start, size = end - start, or 0 when end <= start (a TOR range
 *     whose top is not above its bottom matches nothing)
 * Removing a region turns only its pmpcfg OFF; start and end stay, as in
 * Tock (pmp.rs:1203).
 *
 * Arithmetic is RV32 usize arithmetic of a release build (Tock's
 * [profile.release] has no overflow checks): sums and next_multiple_of(4)
 * wrap modulo 2^32, as uint32_t does here; a debug build would panic.
 *
 * Quirks kept on purpose:
 *   - allocate_region sizes the region from min_region_size, not from the
 *     unallocated size, and a region without write permission may end up
 *     to 3 B past the free area (pmp.rs:1130-1161, tock/tock#3544).
 *   - The app RAM region records only [start, app break), not the block, so
 *     a later region inside the kernel-owned top of the block is accepted.
 *   - update_app_memory_region checks only app break <= kernel break: a
 *     break below the region start is accepted (the range then matches
 *     nothing), and it re-enables the app region even after it was removed.
 *   - Smepmp (earlgrey's EarlGreyEPMP, chips/earlgrey/src/epmp.rs:933-960,
 *     and KernelProtectionMMLEPMP, pmp.rs:2402-2428) refuses an RWX user
 *     region only when configuring the hardware, where configure_mpu
 *     unwraps the error (pmp.rs:1332-1338): a kernel panic. Allocation is
 *     unchanged, so it is unchanged here; a caller that asks for RWX on an
 *     epmp platform must treat the next context switch as that panic. The
 *     locked kernel .text rule that precedes earlgrey's user entries is not
 *     modelled (its address is not a parameter). */
#include "km_mpu.h"

#include <string.h>

/* ---- pmpcfg encoding (pmp.rs:17-35) ------------------------------------ */

#define PMP_CFG_OFF 0x00u /* TORUserPMPCFG::OFF: A = OFF, no permissions */
#define PMP_CFG_R 0x01u   /* bit 0 */
#define PMP_CFG_W 0x02u   /* bit 1 */
#define PMP_CFG_X 0x04u   /* bit 2 */
#define PMP_CFG_TOR 0x08u /* A (bits 3-4) = TOR (1); L (bit 7) always clear */

/* Smepmp user entries: KernelProtectionMMLEPMP<16, N> requires
 * N <= (16 - 5) / 2 (pmp.rs:2390); EarlGreyEPMP exposes 4 (epmp.rs:25-26). */
#define PMP_ENTRIES 16u
#define PMP_EPMP_KERNEL_ENTRIES 5u

/* From<mpu::Permissions> for TORUserPMPCFG (pmp.rs:243-268). */
static uint32_t pmp_cfg_from_perm(enum km_perm perm)
{
    switch (perm) {
    case KM_PERM_RWX:
        return PMP_CFG_TOR | PMP_CFG_R | PMP_CFG_W | PMP_CFG_X; /* 0x0f */
    case KM_PERM_RW:
        return PMP_CFG_TOR | PMP_CFG_R | PMP_CFG_W; /* 0x0b */
    case KM_PERM_RX:
        return PMP_CFG_TOR | PMP_CFG_R | PMP_CFG_X; /* 0x0d */
    case KM_PERM_R:
        return PMP_CFG_TOR | PMP_CFG_R; /* 0x09 */
    case KM_PERM_X:
        return PMP_CFG_TOR | PMP_CFG_X; /* 0x0c */
    }
    return PMP_CFG_OFF;
}

/* The `writeable` match of allocate_region (pmp.rs:1147-1153). */
static bool pmp_perm_writeable(enum km_perm perm)
{
    return perm == KM_PERM_RWX || perm == KM_PERM_RW;
}

/* ---- Helpers ----------------------------------------------------------- */

/* MAX_REGIONS of PMPUserMPU<MAX_REGIONS, P>: the user slots searched. */
static unsigned pmp_slots(const struct km_mpu *m)
{
    return m->p.num_regions < KM_MPU_MAX_REGIONS ? m->p.num_regions : KM_MPU_MAX_REGIONS;
}

/* usize::next_multiple_of(4) in a release build: wraps to 0 past 2^32 - 4. */
static uint32_t pmp_align4(uint32_t v)
{
    return (v + 3u) & ~(uint32_t)3u;
}

static bool pmp_slot_on(const struct km_mpu_region *r)
{
    return r->reg[0] != PMP_CFG_OFF;
}

/* Tock's stored end address of a slot (the third tuple field). */
static uint32_t pmp_slot_end(const struct km_mpu_region *r)
{
    return r->loc_start + r->loc_size;
}

/* The first slot whose pmpcfg is OFF, or -1 (pmp.rs:1099-1104). */
static int pmp_free_slot(const struct km_mpu *m, const struct km_mpu_config *c)
{
    for (unsigned i = 0; i < pmp_slots(m); i++)
        if (!pmp_slot_on(&c->r[i]))
            return (int)i;
    return -1;
}

/* Range::contains on a half-open range [start, end). */
static bool pmp_contains(uint32_t start, uint32_t end, uint32_t x)
{
    return start <= x && x < end;
}

/* region_overlaps (pmp.rs:446-481), written as Tock writes it: the other
 * range's end wraps, an empty range overlaps nothing, and the four
 * endpoint tests use saturating_sub(1). */
static bool pmp_overlaps(uint32_t r_start, uint32_t r_end, uint32_t o_start, uint32_t o_size)
{
    uint32_t o_end = o_start + o_size;
    if (!(r_start < r_end) || !(o_start < o_end))
        return false;
    uint32_t o_last = o_end > 0 ? o_end - 1 : 0;
    uint32_t r_last = r_end > 0 ? r_end - 1 : 0;
    return pmp_contains(r_start, r_end, o_start) || pmp_contains(r_start, r_end, o_last) ||
           pmp_contains(o_start, o_end, r_start) || pmp_contains(o_start, o_end, r_last);
}

/* Does [start, start+size) overlap any enabled slot (pmp.rs:1163-1170,
 * 1278-1285)? */
static bool pmp_overlaps_any(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t start,
                             uint32_t size)
{
    for (unsigned i = 0; i < pmp_slots(m); i++) {
        const struct km_mpu_region *r = &c->r[i];
        if (pmp_slot_on(r) && pmp_overlaps(r->loc_start, pmp_slot_end(r), start, size))
            return true;
    }
    return false;
}

/* Stores the tuple (cfg of perm, start, end) in a slot, with the register
 * view described at the top of the file. */
static void pmp_store(struct km_mpu_region *r, enum km_perm perm, uint32_t start, uint32_t end)
{
    r->reg[0] = pmp_cfg_from_perm(perm);
    r->reg[1] = start >> 2;
    r->reg[2] = end >> 2;
    r->enabled = r->reg[0] != PMP_CFG_OFF;
    r->perm = perm;
    r->base = start;
    r->size = end > start ? (uint64_t)(end - start) : 0;
    r->subregions = 0xff;
    r->loc_start = start;
    r->loc_size = end - start;
}

/* ---- MPU operations ---------------------------------------------------- */

/* num_regions is MAX_REGIONS: 1 to 8 TOR pairs within 16 entries
 * (SimplePMP CONST_ASSERT_CHECK, pmp.rs:1691); with Smepmp at most
 * (16 - 5) / 2 = 5 (pmp.rs:2390). PMP regions have a 4 B granularity. */
static const char *pmp_check_params(const struct km_mpu_params *p)
{
    if (p->num_regions < 1 || p->num_regions > PMP_ENTRIES / 2)
        return "riscv_pmp: num_regions must be 1 to 8 (two PMP entries per user region)";
    if (p->epmp && p->num_regions > (PMP_ENTRIES - PMP_EPMP_KERNEL_ENTRIES) / 2)
        return "riscv_pmp: with Smepmp at most 5 user regions (5 entries protect the kernel)";
    if (p->min_region_size != 4)
        return "riscv_pmp: min_region_size must be 4 (TOR granularity)";
    return NULL;
}

/* number_total_regions() = TORUserPMP::available_regions() = MAX_REGIONS
 * for every Tock implementation (pmp.rs:1058, 1693, 2052, 2392). */
static unsigned pmp_number_total_regions(const struct km_mpu *m)
{
    return m->p.num_regions;
}

/* new_config() / reset_config() (pmp.rs:1062-1088): every slot (OFF, null,
 * null), no app memory region. */
static void pmp_reset_config(const struct km_mpu *m, struct km_mpu_config *c)
{
    (void)m;
    memset(c, 0, sizeof(*c));
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++)
        c->r[i].subregions = 0xff;
    c->app_region = -1;
}

/* allocate_region (pmp.rs:1090-1180): first free slot; start rounded up to
 * 4; size = min_size rounded up to 4, at least 4; the end may pass the
 * free area by up to 3 B if the region is not writable; no overlap with an
 * enabled slot. Returns the region (start, size). */
static bool pmp_allocate_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                uint32_t min_size, enum km_perm perm, struct km_mpu_config *c,
                                uint32_t *out_start, uint32_t *out_size)
{
    int slot = pmp_free_slot(m, c);
    if (slot < 0)
        return false;

    uint32_t r_start = pmp_align4(start);
    uint32_t r_size = pmp_align4(min_size);
    if (r_size < 4)
        r_size = 4;

    uint32_t limit = start + size;
    if (r_start + r_size > limit) {
        /* pmp.rs:1130-1161: the kept "insecure hack" of tock/tock#3544. */
        if (pmp_perm_writeable(perm) || r_start + r_size > limit + 3u)
            return false;
    }

    if (pmp_overlaps_any(m, c, r_start, r_size))
        return false;

    pmp_store(&c->r[slot], perm, r_start, r_start + r_size);
    *out_start = r_start;
    *out_size = r_size;
    return true;
}

/* remove_memory_region (pmp.rs:1182-1207): the first enabled slot whose
 * start and end equal the region's; only its pmpcfg is turned OFF. The app
 * region index is left as it is. */
static bool pmp_remove_memory_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                     struct km_mpu_config *c)
{
    for (unsigned i = 0; i < pmp_slots(m); i++) {
        struct km_mpu_region *r = &c->r[i];
        if (pmp_slot_on(r) && r->loc_start == start && pmp_slot_end(r) == start + size) {
            r->reg[0] = PMP_CFG_OFF;
            r->enabled = false;
            return true;
        }
    }
    return false;
}

/* allocate_app_memory_region (pmp.rs:1209-1299): once per configuration;
 * first free slot; start rounded up to 4; the protected part is the initial
 * app memory rounded up to 4 (at least 4); the block is
 * max(min_memory_size, that + initial kernel memory) and must fit the free
 * area and overlap no enabled slot. The slot records only the protected
 * part; returns the block (start, size). */
static bool pmp_allocate_app_memory_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                           uint32_t min_memory_size,
                                           uint32_t initial_app_memory_size,
                                           uint32_t initial_kernel_memory_size, enum km_perm perm,
                                           struct km_mpu_config *c, uint32_t *out_start,
                                           uint32_t *out_size)
{
    if (c->app_region >= 0)
        return false;
    int slot = pmp_free_slot(m, c);
    if (slot < 0)
        return false;

    uint32_t r_start = pmp_align4(start);
    uint32_t pmp_size = pmp_align4(initial_app_memory_size);
    if (pmp_size < 4)
        pmp_size = 4;

    uint32_t with_kernel = pmp_size + initial_kernel_memory_size;
    uint32_t block = min_memory_size > with_kernel ? min_memory_size : with_kernel;

    if (r_start + block > start + size)
        return false;
    if (pmp_overlaps_any(m, c, r_start, block))
        return false;

    pmp_store(&c->r[slot], perm, r_start, r_start + pmp_size);
    c->app_region = slot;
    *out_start = r_start;
    *out_size = block;
    return true;
}

/* update_app_memory_region (pmp.rs:1301-1330): the app break rounded up to
 * 4 becomes the end of the app slot, with the given permissions, if it is
 * not above the kernel break. No lower bound: a break below the slot's
 * start is stored as it is. */
static bool pmp_update_app_memory_region(const struct km_mpu *m, uint32_t app_break,
                                         uint32_t kernel_break, enum km_perm perm,
                                         struct km_mpu_config *c)
{
    (void)m;
    if (c->app_region < 0)
        return false;
    uint32_t brk = pmp_align4(app_break);
    if (brk > kernel_break)
        return false;
    struct km_mpu_region *r = &c->r[c->app_region];
    pmp_store(r, perm, r->loc_start, brk);
    return true;
}

/* ---- Access checks ----------------------------------------------------- */

/* User-mode access to one byte: the lowest-numbered matching PMP entry
 * decides, with its R/W/X bits; no match denies user mode (RISC-V
 * privileged spec, 3.7.1; a TOR entry matches pmpaddr[i-1] <= y >> 2 <
 * pmpaddr[i]). The OFF first entry of each pair matches nothing. */
static unsigned pmp_access(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr)
{
    uint32_t word = addr >> 2;
    for (unsigned i = 0; i < pmp_slots(m); i++) {
        const struct km_mpu_region *r = &c->r[i];
        if (!pmp_slot_on(r) || !(r->reg[1] <= word && word < r->reg[2]))
            continue;
        unsigned acc = 0;
        if (r->reg[0] & PMP_CFG_R)
            acc |= KM_ACCESS_READ;
        if (r->reg[0] & PMP_CFG_W)
            acc |= KM_ACCESS_WRITE;
        if (r->reg[0] & PMP_CFG_X)
            acc |= KM_ACCESS_EXEC;
        return acc;
    }
    return 0;
}

/* ---- The ops table ----------------------------------------------------- */

const struct km_mpu_ops km_mpu_pmp_ops = {
    .name = "riscv_pmp",
    .check_params = pmp_check_params,
    .number_total_regions = pmp_number_total_regions,
    .reset_config = pmp_reset_config,
    .allocate_region = pmp_allocate_region,
    .remove_memory_region = pmp_remove_memory_region,
    .allocate_app_memory_region = pmp_allocate_app_memory_region,
    .update_app_memory_region = pmp_update_app_memory_region,
    .access = pmp_access,
};
