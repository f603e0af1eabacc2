/* km_mpu_armv7m.c: the ARMv7-M MPU model, computing what Tock's
 * arch/cortex-m/src/mpu.rs (`MPU<NUM_REGIONS, MIN_REGION_SIZE>`) computes,
 * register values and quirks included.
 *
 * Sections: register encoding (CortexMRegion, mpu.rs:257-381); the trait
 * operations (mpu.rs:386-782); what the hardware allows (ARMv7-M ARM B3.5).
 *
 * Arithmetic: Tock runs with a 32-bit usize. This model computes in 64 bits
 * and treats every step where the 32-bit usize would overflow or underflow
 * as a failure (false, configuration unchanged): upstream panics there in
 * debug builds (release builds have overflow checks off and go on with
 * wrapped values, or panic on a division by zero). The steps are named
 * where they occur, so the kernel can report such a case as a finding. */
#include "km_mpu.h"

#include <string.h>

/* ---- Register layout (mpu.rs:92-131, Cortex-M4 generic user guide 4.5) -- */

#define V7_RBAR_ADDR_MASK 0xffffffe0u /* ADDR: OFFSET(5) NUMBITS(27) */
#define V7_RBAR_VALID (1u << 4)       /* VALID::UseRBAR */
#define V7_RBAR_REGION_MASK 0xfu      /* REGION: OFFSET(0) NUMBITS(4) */

#define V7_RASR_XN (1u << 28) /* XN::Disable = 1: no instruction fetch */
#define V7_RASR_AP_SHIFT 24   /* AP: OFFSET(24) NUMBITS(3) */
#define V7_RASR_SRD_SHIFT 8   /* SRD: OFFSET(8) NUMBITS(8), 1 = disabled */
#define V7_RASR_SIZE_SHIFT 1  /* SIZE: OFFSET(1) NUMBITS(5), 2^(SIZE+1) bytes */
#define V7_RASR_ENABLE 1u     /* ENABLE: OFFSET(0) */

/* AP values (mpu.rs:113-124): privileged / unprivileged access. */
#define V7_AP_PRIV_ONLY 1u  /* RW / -- */
#define V7_AP_UNPRIV_RO 2u  /* RW / R- */
#define V7_AP_READ_WRITE 3u /* RW / RW */
#define V7_AP_RO 6u         /* R- / R- */
#define V7_AP_RO_ALIAS 7u   /* R- / R- */

/* mpu.rs:24 CORTEXM_MIN_REGION_SIZE: smallest logical region. */
#define V7_CORTEXM_MIN_REGION_SIZE 32u
/* mpu.rs:187 APP_MEMORY_REGION_MAX_NUM: regions 0..=1 hold app RAM. */
#define V7_APP_MEMORY_REGION_MAX_NUM 1u

/* Indices of the model-private words in km_mpu_config.priv. */
#define V7_PRIV_BLOCK_START 0 /* start of the process block last allocated */
#define V7_PRIV_BLOCK_SIZE 1  /* its size (memory_size_po2), 0 if none */

#define V7_U32_END 0x100000000ull /* first value a 32-bit usize cannot hold */

/* ---- Small arithmetic helpers (Rust core semantics on a 32-bit usize) -- */

static bool v7_is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* u32::next_power_of_two(): 0 and 1 give 1; values above 2^31 panic in
 * debug builds (return false here). */
static bool v7_next_pow2(uint64_t x, uint64_t *out)
{
    if (x > 0x80000000ull)
        return false;
    uint64_t p = 1;
    while (p < x)
        p <<= 1;
    *out = p;
    return true;
}

/* usize::next_multiple_of(m): false where the 32-bit result overflows. */
static bool v7_next_multiple(uint64_t x, uint64_t m, uint64_t *out)
{
    uint64_t r = x % m == 0 ? x : x + (m - x % m);
    if (r >= V7_U32_END)
        return false;
    *out = r;
    return true;
}

/* math::log_base_two() (kernel/src/utilities/math.rs:48-50) of a power of
 * two. */
static uint32_t v7_log2(uint64_t x)
{
    uint32_t n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

static unsigned v7_trailing_zeros32(uint32_t x)
{
    if (x == 0)
        return 32; /* usize::trailing_zeros(0) on a 32-bit target */
    unsigned n = 0;
    while ((x & 1u) == 0) {
        x >>= 1;
        n++;
    }
    return n;
}

/* ---- CortexMRegion (mpu.rs:257-381) ------------------------------------- */

/* CortexMRegion::empty(region_num) (mpu.rs:345-352): no location, RBAR holds
 * only VALID and the region number, RASR is 0 (ENABLE clear). */
static void v7_region_empty(struct km_mpu_region *r, unsigned num)
{
    memset(r, 0, sizeof(*r));
    r->perm = KM_PERM_RWX;
    r->subregions = 0xff; /* SRD = 0 in the register */
    r->reg[0] = V7_RBAR_VALID | (num & V7_RBAR_REGION_MASK);
}

/* CortexMRegion::new() (mpu.rs:274-343). Subregions [sub_lo, sub_hi] are
 * enabled when use_sub is true; otherwise SRD stays 0 (all enabled). Fills
 * *r and returns true, or returns false (Tock's None) when the logical size
 * is below 32 B or larger than the physical region. */
static bool v7_region_new(struct km_mpu_region *r, uint32_t logical_start, uint64_t logical_size,
                          uint32_t region_start, uint64_t region_size, unsigned num, bool use_sub,
                          unsigned sub_lo, unsigned sub_hi, enum km_perm perm)
{
    if (logical_size < V7_CORTEXM_MIN_REGION_SIZE || region_size < logical_size)
        return false;

    /* mpu.rs:290-311: Tock's permission -> (AP, XN) table. */
    /* ExecuteOnly -> PrivilegedOnly, XN clear: the process itself gets
     * nothing, since an instruction fetch needs read access. */
    uint32_t ap = V7_AP_PRIV_ONLY, xn = 0;
    switch (perm) {
    case KM_PERM_RWX:
        ap = V7_AP_READ_WRITE;
        xn = 0;
        break;
    case KM_PERM_RW:
        ap = V7_AP_READ_WRITE;
        xn = V7_RASR_XN;
        break;
    case KM_PERM_RX:
        ap = V7_AP_UNPRIV_RO;
        xn = 0;
        break;
    case KM_PERM_R:
        ap = V7_AP_UNPRIV_RO;
        xn = V7_RASR_XN;
        break;
    case KM_PERM_X:
        break;
    }

    /* mpu.rs:326-336: start with every subregion disabled and flip the
     * bits of [min_subregion, max_subregion]. */
    uint8_t srd = 0;
    if (use_sub) {
        srd = 0xff;
        for (unsigned i = sub_lo; i <= sub_hi; i++)
            srd ^= (uint8_t)(1u << i);
    }

    /* mpu.rs:318: SIZE = log2(region_size) - 1. */
    uint32_t size_field = v7_log2(region_size) - 1;

    memset(r, 0, sizeof(*r));
    r->enabled = true;
    r->perm = perm;
    r->base = region_start;
    r->size = region_size;
    r->subregions = (uint8_t)~srd;
    r->loc_start = logical_start;
    r->loc_size = (uint32_t)logical_size;
    /* mpu.rs:314-316 */
    r->reg[0] = (region_start & V7_RBAR_ADDR_MASK) | V7_RBAR_VALID | (num & V7_RBAR_REGION_MASK);
    /* mpu.rs:321-335 */
    r->reg[1] = xn | (ap << V7_RASR_AP_SHIFT) | ((uint32_t)srd << V7_RASR_SRD_SHIFT) |
                (size_field << V7_RASR_SIZE_SHIFT) | V7_RASR_ENABLE;
    return true;
}

/* CortexMRegion::overlaps() (mpu.rs:366-380): compares the recorded
 * location only, so a region without one (such as region 1 while the app
 * break is still in region 0) never overlaps anything. */
static bool v7_region_overlaps(const struct km_mpu_region *r, uint32_t start, uint64_t end)
{
    if (!r->enabled)
        return false;
    uint64_t r_end = (uint64_t)r->loc_start + r->loc_size;
    return r->loc_start < end && start < r_end;
}

/* The overlap loops of allocate_region (mpu.rs:442-447) and
 * allocate_app_memory_region (mpu.rs:592-598). Returns true when some
 * region overlaps or when start + size overflows the 32-bit usize. */
static bool v7_any_overlap(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t start,
                           uint32_t size)
{
    uint64_t end = (uint64_t)start + size;
    if (end >= V7_U32_END)
        return true; /* mpu.rs:368 other_start + other_size overflows */
    for (unsigned i = 0; i < m->p.num_regions; i++)
        if (v7_region_overlaps(&c->r[i], start, end))
            return true;
    return false;
}

/* ---- The trait operations (mpu.rs:386-782) ------------------------------ */

static const char *v7_check_params(const struct km_mpu_params *p)
{
    if (p->num_regions != 8 && p->num_regions != 16)
        return "ARMv7-M MPU has 8 or 16 regions";
    if (p->min_region_size != 32 && p->min_region_size != 256)
        return "ARMv7-M minimum region size is 32 (M3/M4/M7) or 256 (M0+) bytes";
    return NULL;
}

/* mpu.rs:405-407: the DREGION field of MPU_TYPE. */
static unsigned v7_number_total_regions(const struct km_mpu *m)
{
    return m->p.num_regions;
}

/* new_config() / reset_config() (mpu.rs:409-432): every region empty with
 * its own number in RBAR. Slots past num_regions stay all zero. */
static void v7_reset_config(const struct km_mpu *m, struct km_mpu_config *c)
{
    memset(c, 0, sizeof(*c));
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        v7_region_empty(&c->r[i], i);
        if (i >= m->p.num_regions)
            c->r[i].reg[0] = 0;
    }
    c->app_region = -1;
}

/* allocate_region() (mpu.rs:434-555). */
static bool v7_allocate_region(const struct km_mpu *m, uint32_t unalloc_start,
                               uint32_t unalloc_size, uint32_t min_size, enum km_perm perm,
                               struct km_mpu_config *c, uint32_t *out_start, uint32_t *out_size)
{
    const uint64_t min_region = m->p.min_region_size; /* MIN_REGION_SIZE */

    if (v7_any_overlap(m, c, unalloc_start, unalloc_size))
        return false;

    /* mpu.rs:244-254 unused_region_number(): the first region above 1
     * without a location. */
    unsigned region_num = 0;
    for (unsigned i = V7_APP_MEMORY_REGION_MAX_NUM + 1; i < m->p.num_regions; i++)
        if (!c->r[i].enabled) {
            region_num = i;
            break;
        }
    if (region_num == 0)
        return false;

    /* mpu.rs:452-461: align the start up to, and raise the size to, the
     * minimum region size. */
    uint64_t start, size = min_size;
    if (!v7_next_multiple(unalloc_start, min_region, &start))
        return false; /* mpu.rs:456 overflow */
    if (size < min_region)
        size = min_region;

    uint64_t region_start = start, region_size = size;
    bool use_sub = false;
    unsigned sub_lo = 0, sub_hi = 0;

    /* mpu.rs:471: a plain region needs a power-of-two size dividing start. */
    if (!v7_is_pow2(size) || start % size != 0) {
        /* mpu.rs:479-492: the subregion size is the largest power of two
         * dividing start (start = 0: an eighth of the size rounded up to a
         * power of two, at least 256). */
        uint64_t subregion_size;
        unsigned tz = v7_trailing_zeros32((uint32_t)start);
        if (tz < 32) {
            subregion_size = 1ull << tz;
        } else {
            uint64_t ceil;
            if (!v7_next_pow2(size, &ceil))
                return false; /* mpu.rs:486 */
            if (ceil < 256)
                ceil = 256;
            subregion_size = ceil / 8;
        }

        /* mpu.rs:496: subregion_size * 8. For a start aligned to 2^29 or
         * more (0x20000000, 0x40000000, ...) this is 2^32 or more, which
         * overflows the 32-bit usize: a panic in debug builds, and in
         * release builds the product wraps to 0 and `start % 0` on line
         * 500 panics. Upstream cannot return here; the model fails. */
        uint64_t underlying_size = subregion_size * 8;
        if (underlying_size >= V7_U32_END) {
            c->finding = "ARMv7-M allocate_region: subregion_size * 8 overflows for a start "
                         "aligned to 2^29 or more; Tock panics (arch/cortex-m/src/mpu.rs:496-500)";
            return false;
        }
        uint64_t underlying_start = start - start % underlying_size;

        /* mpu.rs:503: extend size to a multiple of the subregion size. */
        size = (size + subregion_size - 1) / subregion_size * subregion_size;
        if (size >= V7_U32_END)
            return false;
        uint64_t end = start + size;
        uint64_t underlying_end = underlying_start + underlying_size;

        if (subregion_size >= 32 && underlying_end >= end) {
            /* mpu.rs:511-523 */
            sub_lo = (unsigned)((start - underlying_start) / subregion_size);
            sub_hi = sub_lo + (unsigned)(size / subregion_size) - 1;
            region_start = underlying_start;
            region_size = underlying_size;
            use_sub = true;
        } else {
            /* mpu.rs:524-533: round size up to a power of two and move start
             * up by `size - start % size` (a whole size if already aligned). */
            if (!v7_next_pow2(size, &size))
                return false; /* mpu.rs:528 */
            start += size - start % size;
            if (start >= V7_U32_END)
                return false; /* mpu.rs:529 overflow */
            region_start = start;
            region_size = size;
        }
    }

    /* mpu.rs:536-539: the logical region must fit the free memory. */
    if (start + size >= V7_U32_END)
        return false; /* mpu.rs:537 start + size overflows */
    if (start + size > (uint64_t)unalloc_start + unalloc_size)
        return false;

    struct km_mpu_region r;
    if (!v7_region_new(&r, (uint32_t)start, size, (uint32_t)region_start, region_size, region_num,
                       use_sub, sub_lo, sub_hi, perm))
        return false;
    c->r[region_num] = r;
    *out_start = (uint32_t)start;
    *out_size = (uint32_t)size;
    return true;
}

/* remove_memory_region() (mpu.rs:557-577): the first region whose location
 * is exactly (start, size); refused if that is an app region (0 or 1). */
static bool v7_remove_memory_region(const struct km_mpu *m, uint32_t start, uint32_t size,
                                    struct km_mpu_config *c)
{
    for (unsigned i = 0; i < m->p.num_regions; i++) {
        const struct km_mpu_region *r = &c->r[i];
        if (r->enabled && r->loc_start == start && r->loc_size == size) {
            if (i <= V7_APP_MEMORY_REGION_MAX_NUM)
                return false;
            v7_region_empty(&c->r[i], i);
            return true;
        }
    }
    return false;
}

/* Builds regions 0 and 1 of an app block whose first half starts at
 * region_start and is region_size long, with n (1..16) subregions enabled
 * (mpu.rs:673-704 and 747-775). Writes c only if both can be built. */
static bool v7_set_app_regions(struct km_mpu_config *c, uint64_t region_start, uint64_t region_size,
                               uint64_t n, enum km_perm perm)
{
    uint64_t n0 = n < 8 ? n : 8;
    uint64_t n1 = n > 8 ? n - 8 : 0;
    struct km_mpu_region r0, r1;
    if (!v7_region_new(&r0, (uint32_t)region_start, region_size, (uint32_t)region_start,
                       region_size, 0, true, 0, (unsigned)n0 - 1, perm))
        return false;
    if (n1 == 0) {
        /* mpu.rs:687-689: "We cannot have a completely unused MPU region". */
        v7_region_empty(&r1, 1);
    } else if (!v7_region_new(&r1, (uint32_t)(region_start + region_size), region_size,
                              (uint32_t)(region_start + region_size), region_size, 1, true, 0,
                              (unsigned)n1 - 1, perm)) {
        return false;
    }
    c->r[0] = r0;
    c->r[1] = r1;
    c->app_region = 0;
    return true;
}

/* allocate_app_memory_region() (mpu.rs:582-707). */
static bool v7_allocate_app_memory_region(const struct km_mpu *m, uint32_t unalloc_start,
                                          uint32_t unalloc_size, uint32_t min_memory_size,
                                          uint32_t initial_app_memory_size,
                                          uint32_t initial_kernel_memory_size, enum km_perm perm,
                                          struct km_mpu_config *c, uint32_t *out_start,
                                          uint32_t *out_size)
{
    const uint64_t app = initial_app_memory_size, kernel = initial_kernel_memory_size;

    if (v7_any_overlap(m, c, unalloc_start, unalloc_size))
        return false;

    /* mpu.rs:601-604 */
    uint64_t memory_size = app + kernel;
    if (memory_size >= V7_U32_END)
        return false; /* mpu.rs:603 overflow */
    if (memory_size < min_memory_size)
        memory_size = min_memory_size;

    /* mpu.rs:608-620: a power of two, at least 512 (two regions of 256 B,
     * the smallest that have subregions). Above 2^31 next_power_of_two
     * panics in debug builds. */
    uint64_t memory_size_po2;
    if (!v7_next_pow2(memory_size, &memory_size_po2))
        return false;
    if (v7_log2(memory_size_po2) < 9)
        memory_size_po2 = 512;

    /* mpu.rs:624-631: each of the two regions is half the block, and the
     * block starts at the first multiple of that half. */
    uint64_t region_size = memory_size_po2 / 2;
    uint64_t region_start;
    if (!v7_next_multiple(unalloc_start, region_size, &region_start))
        return false;

    /* mpu.rs:644: app * 8 / region_size + 1 subregions (of region_size / 8),
     * one more than needed when app is a multiple of the subregion size. */
    if (app * 8 >= V7_U32_END)
        return false; /* mpu.rs:644 overflow */
    uint64_t n = app * 8 / region_size + 1;
    uint64_t subregion_size = region_size / 8;

    /* mpu.rs:650-664: if the enabled subregions reach into the initial
     * kernel memory at the top of the block, double the block. */
    uint64_t enabled_end = region_start + n * subregion_size;
    uint64_t kernel_break = region_start + memory_size_po2 - kernel;
    if (enabled_end >= V7_U32_END || region_start + memory_size_po2 >= V7_U32_END)
        return false; /* mpu.rs:650-651 overflow */
    if (enabled_end > kernel_break) {
        memory_size_po2 *= 2;
        if (memory_size_po2 >= V7_U32_END)
            return false; /* mpu.rs:658 overflow */
        region_size *= 2;
        if (!v7_next_multiple(region_start, region_size, &region_start))
            return false;
        n = app * 8 / region_size + 1;
    }

    /* mpu.rs:667-671 */
    if (region_start + memory_size_po2 >= V7_U32_END)
        return false; /* mpu.rs:667 overflow */
    if (region_start + memory_size_po2 > (uint64_t)unalloc_start + unalloc_size)
        return false;

    /* n <= 16 here: without doubling n = 17 would put the end past the
     * block; after doubling app <= region_size, so n <= 9. */
    if (!v7_set_app_regions(c, region_start, region_size, n, perm))
        return false;
    c->priv[V7_PRIV_BLOCK_START] = region_start;
    c->priv[V7_PRIV_BLOCK_SIZE] = memory_size_po2;
    *out_start = (uint32_t)region_start;
    *out_size = (uint32_t)memory_size_po2;
    return true;
}

/* update_app_memory_region() (mpu.rs:709-782): the block is read back from
 * region 0's location; the enabled subregions are ceil(app / subregion). */
static bool v7_update_app_memory_region(const struct km_mpu *m, uint32_t app_break,
                                        uint32_t kernel_break, enum km_perm perm,
                                        struct km_mpu_config *c)
{
    (void)m;
    /* mpu.rs:718: no app region yet -> Err. */
    if (!c->r[0].enabled)
        return false;
    const uint64_t region_start = c->r[0].loc_start, region_size = c->r[0].loc_size;

    /* mpu.rs:725-727: out of memory. */
    if (app_break > kernel_break)
        return false;

    /* mpu.rs:730: app_memory_break - region_start underflows for a break
     * below the block (a panic in debug builds). */
    if (app_break < region_start) {
        c->finding = "ARMv7-M update_app_memory_region: app break below the block start "
                     "underflows; Tock panics in debug builds (arch/cortex-m/src/mpu.rs:730)";
        return false;
    }
    /* A break exactly at the block start gives 0 bytes, 0 subregions, and
     * `num_enabled_subregions0 - 1` at mpu.rs:757 underflows: upstream
     * panics in debug builds (release builds go on with usize::MAX as the
     * last subregion, and the `1 << i` of the mask computation at
     * mpu.rs:333 overflows). brk(memory start) can reach it, since
     * ProcessStandard::brk only requires new_break >= allow_high_water_mark,
     * which starts at the memory start. The model fails so the kernel can
     * report it as a finding. */
    if (app_break == region_start) {
        c->finding = "ARMv7-M update_app_memory_region: app break equal to the block start "
                     "underflows num_enabled_subregions0 - 1; Tock panics in debug builds "
                     "(arch/cortex-m/src/mpu.rs:757)";
        return false;
    }

    uint64_t app_memory_size = app_break - region_start;
    uint64_t subregion_size = region_size / 8;
    uint64_t n = (app_memory_size + subregion_size - 1) / subregion_size; /* div_ceil */
    uint64_t enabled_end = region_start + subregion_size * n;
    if (enabled_end >= V7_U32_END)
        return false; /* mpu.rs:739 overflow */

    /* mpu.rs:743-745: rounded up, the app part would reach kernel memory. */
    if (enabled_end > kernel_break)
        return false;

    /* More than 16 subregions (a kernel break past the block end) makes
     * `1 << i` with i >= 8 in the u8 mask (mpu.rs:333) overflow: a panic in
     * debug builds. */
    if (n > 16)
        return false;

    return v7_set_app_regions(c, region_start, region_size, n, perm);
}

/* ---- What the hardware allows (ARMv7-M ARM B3.5) ------------------------ */

/* The highest-numbered enabled region that contains addr decides, unless
 * the subregion containing addr is disabled (regions of 256 B and more),
 * in which case the region does not match and lower ones are tried. No
 * match: the background region, which Tock enables for privileged code
 * only (PRIVDEFENA), so the process gets nothing. Decoded from RBAR/RASR. */
static unsigned v7_access(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr)
{
    for (unsigned i = m->p.num_regions; i-- > 0;) {
        uint32_t rbar = c->r[i].reg[0], rasr = c->r[i].reg[1];
        if ((rasr & V7_RASR_ENABLE) == 0)
            continue;
        uint64_t size = 1ull << (((rasr >> V7_RASR_SIZE_SHIFT) & 0x1fu) + 1);
        uint64_t base = rbar & V7_RBAR_ADDR_MASK & ~(size - 1);
        if (addr < base || addr - base >= size)
            continue;
        if (size >= 256) {
            unsigned sub = (unsigned)((addr - base) / (size / 8));
            if ((rasr >> (V7_RASR_SRD_SHIFT + sub)) & 1u)
                continue;
        }
        unsigned acc = 0;
        switch ((rasr >> V7_RASR_AP_SHIFT) & 7u) {
        case V7_AP_READ_WRITE:
            acc = KM_ACCESS_READ | KM_ACCESS_WRITE;
            break;
        case V7_AP_UNPRIV_RO:
        case V7_AP_RO:
        case V7_AP_RO_ALIAS:
            acc = KM_ACCESS_READ;
            break;
        default: /* NoAccess, PrivilegedOnly, Reserved, PrivilegedOnlyReadOnly */
            acc = 0;
            break;
        }
        /* An instruction fetch needs read access and XN clear. */
        if ((acc & KM_ACCESS_READ) && (rasr & V7_RASR_XN) == 0)
            acc |= KM_ACCESS_EXEC;
        return acc;
    }
    return 0;
}

const struct km_mpu_ops km_mpu_armv7m_ops = {
    .name = "armv7m",
    .check_params = v7_check_params,
    .number_total_regions = v7_number_total_regions,
    .reset_config = v7_reset_config,
    .allocate_region = v7_allocate_region,
    .remove_memory_region = v7_remove_memory_region,
    .allocate_app_memory_region = v7_allocate_app_memory_region,
    .update_app_memory_region = v7_update_app_memory_region,
    .access = v7_access,
};
