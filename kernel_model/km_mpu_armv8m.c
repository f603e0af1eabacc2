/* km_mpu_armv8m.c: the ARMv8-M MPU model, computing what Tock's
 * arch/cortex-m33/src/mpu_v8m.rs computes, register values and quirks
 * included.
 *
 * Line numbers below refer to arch/cortex-m33/src/mpu_v8m.rs at Tock commit
 * 65608d717a1d (2026-08). That file is self-contained: it defines its own
 * register layout (lines 61-185) and uses nothing from arch/cortex-m/ for
 * the region arithmetic.
 *
 * Arithmetic is done as on the 32-bit target in a release build (Tock's
 * Cargo profile.release does not enable overflow checks): pointers and
 * usize wrap modulo 2^32, and `offset_from` yields a 32-bit isize, so a
 * distance of 2^31 or more reads as negative and is refused as "overflow".
 *
 * Region slots: region 0 holds app RAM (APP_MEMORY_REGION_MAX_NUM = 0,
 * line 251); allocate_region takes the lowest free slot above 0 (lines
 * 288-298). A slot is in use when Tock's `location` is Some, which here is
 * `enabled` (every region Tock builds has RLAR.ENABLE set, line 362).
 *
 * Quirks reproduced (all of them follow from the code, none is added):
 * - the start is aligned up to 32 B and only the rounded size is checked
 *   against the free size, so a block may end up to 31 B past the free
 *   area and an IPC region may be shifted off its buffer (lines 468-480,
 *   550-562);
 * - allocate_app_memory_region returns the unrounded memory size while the
 *   block (location) is rounded up to 32 B (line 586);
 * - a region smaller than 32 B, hence a 0-byte app region or a break equal
 *   to the block start, is refused (line 330);
 * - overlap checks use the whole recorded block of region 0, so an IPC
 *   region inside the kernel-owned top of an app block is refused (lines
 *   459-464, 384-398);
 * - a second allocate_app_memory_region over a disjoint area replaces
 *   region 0 (line 583);
 * - ExecuteOnly is encoded as privileged read-only with XN clear (line
 *   341), which unprivileged code can neither read nor execute. */
#include "km_mpu.h"

#include <string.h>

/* CORTEXM_MIN_REGION_SIZE, line 25. */
#define V8_MIN_REGION_SIZE 32u

/* MPU_RBAR fields, lines 80-97. */
#define V8_RBAR_BASE_MASK 0xffffffe0u /* BASE, bits [31:5] */
#define V8_RBAR_SH_SHIFT 3            /* SH, bits [4:3]; Tock writes 0 */
#define V8_RBAR_AP_SHIFT 1            /* AP, bits [2:1] */
#define V8_RBAR_AP_RW_PRIV 0u         /* ReadWritePrivilegedOnly */
#define V8_RBAR_AP_RW 1u              /* ReadWrite */
#define V8_RBAR_AP_RO_PRIV 2u         /* ReadOnlyPrivilegedOnly */
#define V8_RBAR_AP_RO 3u              /* ReadOnly */
#define V8_RBAR_XN 1u                 /* XN, bit 0: 1 = execute never */

/* MPU_RLAR fields, lines 98-110. */
#define V8_RLAR_LIMIT_MASK 0xffffffe0u /* LIMIT, bits [31:5], inclusive */
#define V8_RLAR_PXN (1u << 4)          /* PXN::Disable as Tock names it */
#define V8_RLAR_ATTRINDX_SHIFT 1       /* ATTRINDX, bits [3:1]; Tock uses 0 */
#define V8_RLAR_ENABLE 1u              /* ENABLE, bit 0 */

/* align32(), lines 187-196: the next multiple of 32 at or above p, the
 * addition wrapping like `wrapping_add`. For a byte pointer
 * `align_offset` always succeeds, so the Err branch is unreachable. */
static uint32_t v8_align32(uint32_t p)
{
    return (p + 31u) & ~31u;
}

/* `end.offset_from(start)` on a 32-bit target: false if the isize result is
 * negative (the "Check for overflow" branches), else the distance. */
static bool v8_distance(uint32_t end, uint32_t start, uint32_t *out)
{
    uint32_t d = end - start;
    if (d >= 0x80000000u)
        return false;
    *out = d;
    return true;
}

/* CortexMRegion::empty(), lines 375-382: no location, RBAR 0, RLAR 0. */
static void v8_region_empty(struct km_mpu_region *r)
{
    memset(r, 0, sizeof(*r));
    r->perm = KM_PERM_RW;
    r->subregions = 0xff;
}

/* CortexMRegion::new(), lines 320-373: builds into *out the region whose
 * hardware span is [logical_start, logical_start + logical_size) and whose
 * recorded location is [region_start, region_start + region_size). Returns
 * false (Tock's None) if the logical size is below 32 B, exceeds the
 * region size, or ends off a 32 B boundary; *out is then untouched. */
static bool v8_region_new(uint32_t logical_start, uint32_t logical_size, uint32_t region_start,
                          uint32_t region_size, enum km_perm perm, struct km_mpu_region *out)
{
    if (logical_size < V8_MIN_REGION_SIZE || region_size < logical_size)
        return false;

    /* Lines 335-343. */
    uint32_t ap, xn;
    switch (perm) {
    case KM_PERM_RWX:
        ap = V8_RBAR_AP_RW, xn = 0;
        break;
    case KM_PERM_RW:
        ap = V8_RBAR_AP_RW, xn = V8_RBAR_XN;
        break;
    case KM_PERM_RX:
        ap = V8_RBAR_AP_RO, xn = 0;
        break;
    case KM_PERM_R:
        ap = V8_RBAR_AP_RO, xn = V8_RBAR_XN;
        break;
    case KM_PERM_X:
    default:
        ap = V8_RBAR_AP_RO_PRIV, xn = 0;
        break;
    }

    /* Lines 346-349: BASE.val(start >> 5) keeps bits [31:5]. */
    uint32_t rbar = (logical_start & V8_RBAR_BASE_MASK) | (0u << V8_RBAR_SH_SHIFT) |
                    (ap << V8_RBAR_AP_SHIFT) | xn;

    /* Lines 351-356. */
    uint32_t logical_end = logical_start + logical_size;
    if (logical_end % 32u != 0)
        return false;

    /* Lines 362-365: LIMIT.val((end - 1) >> 5), PXN::Disable, ATTRINDX 0. */
    uint32_t rlar = V8_RLAR_ENABLE | ((logical_end - 1u) & V8_RLAR_LIMIT_MASK) | V8_RLAR_PXN |
                    (0u << V8_RLAR_ATTRINDX_SHIFT);

    memset(out, 0, sizeof(*out));
    out->enabled = true;
    out->perm = perm;
    out->subregions = 0xff;
    /* The span the registers describe: RBAR base to RLAR limit + 1 (a limit
     * below the base, only reachable by wrapping, matches nothing). */
    out->base = rbar & V8_RBAR_BASE_MASK;
    uint64_t limit = rlar | 0x1fu;
    out->size = limit >= out->base ? limit + 1 - out->base : 0;
    out->loc_start = region_start;
    out->loc_size = region_size; /* location end = start.wrapping_add(size) */
    out->reg[0] = rbar;
    out->reg[1] = rlar;
    return true;
}

/* CortexMRegion::overlaps(), lines 384-398, with usize wrapping. */
static bool v8_overlaps(const struct km_mpu_region *r, uint32_t other_start, uint32_t other_size)
{
    if (!r->enabled)
        return false;
    uint32_t other_end = other_start + other_size;
    uint32_t region_start = r->loc_start;
    uint32_t region_end = r->loc_start + r->loc_size;
    return region_start < other_end && other_start < region_end;
}

static bool v8_overlaps_any(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t start,
                            uint32_t size)
{
    for (unsigned i = 0; i < m->p.num_regions; i++)
        if (v8_overlaps(&c->r[i], start, size))
            return true;
    return false;
}

static const char *v8_check_params(const struct km_mpu_params *p)
{
    if (p->num_regions != 8 && p->num_regions != 16)
        return "armv8m: num_regions must be 8 or 16";
    if (p->min_region_size != V8_MIN_REGION_SIZE)
        return "armv8m: min_region_size must be 32";
    return NULL;
}

/* number_total_regions(), lines 421-423: MPU_TYPE.DREGION. */
static unsigned v8_number_total_regions(const struct km_mpu *m)
{
    return m->p.num_regions;
}

/* new_config() / reset_config(), lines 425-448: every region empty. */
static void v8_reset_config(const struct km_mpu *m, struct km_mpu_config *c)
{
    (void)m;
    memset(c, 0, sizeof(*c));
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++)
        v8_region_empty(&c->r[i]);
    c->app_region = -1;
}

/* allocate_region(), lines 450-499. */
static bool v8_allocate_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                               uint32_t min_size, enum km_perm perm, struct km_mpu_config *c,
                               uint32_t *out_start, uint32_t *out_size)
{
    /* Lines 459-464: nothing recorded may overlap the free area. */
    if (v8_overlaps_any(m, c, start, size))
        return false;

    /* Line 466, unused_region_number() lines 288-298: skips region 0. */
    unsigned num = 0;
    for (unsigned i = 1; i < m->p.num_regions; i++)
        if (!c->r[i].enabled) {
            num = i;
            break;
        }
    if (num == 0)
        return false;

    /* Lines 468-480: align the start, round the end, check the size only. */
    uint32_t region_start = v8_align32(start);
    uint32_t region_end = v8_align32(region_start + min_size);
    uint32_t region_size;
    if (!v8_distance(region_end, region_start, &region_size))
        return false;
    if (region_size > size)
        return false;

    /* Lines 482-495. */
    struct km_mpu_region r;
    if (!v8_region_new(region_start, region_size, region_start, region_size, perm, &r))
        return false;
    c->r[num] = r;
    *out_start = region_start;
    *out_size = region_size;
    return true;
}

/* remove_memory_region(), lines 501-521: the first region whose location
 * is exactly (start, size); refused if that is region 0 (app RAM). */
static bool v8_remove_memory_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                    struct km_mpu_config *c)
{
    for (unsigned i = 0; i < m->p.num_regions; i++) {
        const struct km_mpu_region *r = &c->r[i];
        /* PartialEq, lines 310-317: same start and end - start == size;
         * with the end stored as start.wrapping_add(size) that difference
         * is the recorded size. */
        if (!r->enabled || r->loc_start != start || r->loc_size != size)
            continue;
        if (i == 0)
            return false;
        v8_region_empty(&c->r[i]);
        return true;
    }
    return false;
}

/* allocate_app_memory_region(), lines 523-590. */
static bool v8_allocate_app_memory_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                          uint32_t min_memory_size,
                                          uint32_t initial_app_memory_size,
                                          uint32_t initial_kernel_memory_size, enum km_perm perm,
                                          struct km_mpu_config *c, uint32_t *out_start,
                                          uint32_t *out_size)
{
    /* Lines 536-540. */
    if (v8_overlaps_any(m, c, start, size))
        return false;

    /* Lines 543-546 (the sum wraps in a release build). */
    uint32_t wanted = initial_app_memory_size + initial_kernel_memory_size;
    uint32_t memory_size = min_memory_size > wanted ? min_memory_size : wanted;

    /* Lines 550-562: align the start, round the end, check the size only. */
    uint32_t region_start = v8_align32(start);
    uint32_t region_end = v8_align32(region_start + memory_size);
    uint32_t region_size;
    if (!v8_distance(region_end, region_start, &region_size))
        return false;
    if (region_size > size)
        return false;

    /* Lines 564-571: the accessible part covers the initial break. */
    uint32_t logical_start = region_start;
    uint32_t logical_end = v8_align32(logical_start + initial_app_memory_size);
    uint32_t logical_size;
    if (!v8_distance(logical_end, logical_start, &logical_size))
        return false;

    /* Lines 573-586: returns the unrounded memory size. */
    struct km_mpu_region r;
    if (!v8_region_new(logical_start, logical_size, region_start, region_size, perm, &r))
        return false;
    c->r[0] = r;
    c->app_region = 0;
    *out_start = region_start;
    *out_size = memory_size;
    return true;
}

/* update_app_memory_region(), lines 592-652. */
static bool v8_update_app_memory_region(const struct km_mpu *m, uint32_t app_break,
                                        uint32_t kernel_break, enum km_perm perm,
                                        struct km_mpu_config *c)
{
    (void)m;
    /* Line 601: region 0 must exist. */
    const struct km_mpu_region *r0 = &c->r[0];
    if (!r0->enabled)
        return false;
    uint32_t region_start = r0->loc_start;
    uint32_t region_end = r0->loc_start + r0->loc_size;

    /* Lines 605-620: both breaks inside [start, end), app below kernel. */
    if (app_break < region_start || app_break >= region_end)
        return false;
    if (kernel_break < region_start || kernel_break >= region_end)
        return false;
    if (app_break > kernel_break)
        return false;

    /* Lines 622-629. */
    uint32_t logical_start = region_start;
    uint32_t logical_end = v8_align32(app_break);
    uint32_t logical_size;
    if (!v8_distance(logical_end, logical_start, &logical_size))
        return false;

    /* Lines 632-634: the rounded break must not pass the kernel break. */
    if (logical_end > kernel_break)
        return false;

    /* Line 636: `offset_from` cast to usize, no sign check. */
    uint32_t region_size = region_end - region_start;

    /* Lines 638-651. */
    struct km_mpu_region r;
    if (!v8_region_new(logical_start, logical_size, region_start, region_size, perm, &r))
        return false;
    c->r[0] = r;
    return true;
}

/* What unprivileged code may do with the byte at addr (Tock runs processes
 * unprivileged; MPU_CTRL.PRIVDEFENA only opens the background map to
 * privileged code, line 412). ARMv8-M rules: an address is in a region when
 * RBAR.BASE <= addr[31:5] <= RLAR.LIMIT with RLAR.ENABLE set; no region, or
 * more than one, faults; AP 0b01 allows read/write, 0b11 read, 0b00 and
 * 0b10 nothing; an instruction fetch needs read access and XN clear. */
static unsigned v8_access(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr)
{
    const struct km_mpu_region *hit = NULL;
    unsigned hits = 0;
    for (unsigned i = 0; i < m->p.num_regions; i++) {
        const struct km_mpu_region *r = &c->r[i];
        if (!r->enabled || !(r->reg[1] & V8_RLAR_ENABLE))
            continue;
        uint32_t base = r->reg[0] & V8_RBAR_BASE_MASK;
        uint32_t limit = r->reg[1] | 0x1fu;
        if (base <= addr && addr <= limit) {
            hit = r;
            hits++;
        }
    }
    if (hits != 1)
        return 0;

    unsigned acc = 0;
    switch ((hit->reg[0] >> V8_RBAR_AP_SHIFT) & 3u) {
    case V8_RBAR_AP_RW:
        acc = KM_ACCESS_READ | KM_ACCESS_WRITE;
        break;
    case V8_RBAR_AP_RO:
        acc = KM_ACCESS_READ;
        break;
    default: /* privileged only */
        return 0;
    }
    if (!(hit->reg[0] & V8_RBAR_XN))
        acc |= KM_ACCESS_EXEC;
    return acc;
}

const struct km_mpu_ops km_mpu_armv8m_ops = {
    .name = "armv8m",
    .check_params = v8_check_params,
    .number_total_regions = v8_number_total_regions,
    .reset_config = v8_reset_config,
    .allocate_region = v8_allocate_region,
    .remove_memory_region = v8_remove_memory_region,
    .allocate_app_memory_region = v8_allocate_app_memory_region,
    .update_app_memory_region = v8_update_app_memory_region,
    .access = v8_access,
};
