/* check_mpu_armv7m.c: the ARMv7-M MPU model against the vectors recorded
 * from Tock's arch/cortex-m/src/mpu.rs and against hand-computed cases.
 *
 * Register values below follow mpu.rs:92-131 and 274-343:
 *   RBAR = (base & ~0x1f) | 0x10 (VALID) | region number
 *   RASR = XN << 28 | AP << 24 | SRD << 8 | (log2(size) - 1) << 1 | 1
 * with RW = AP 3, XN 1 (0x13000000); RX = AP 2, XN 0 (0x02000000);
 * R = AP 2, XN 1 (0x12000000); RWX = AP 3, XN 0 (0x03000000);
 * X = AP 1, XN 0 (0x01000000). SRD bit i set = subregion i disabled. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km_mpu.h"
#include "mpu_test_vectors.h"

#define RW (KM_ACCESS_READ | KM_ACCESS_WRITE)
#define RD KM_ACCESS_READ
#define RX (KM_ACCESS_READ | KM_ACCESS_EXEC)
#define RWX (KM_ACCESS_READ | KM_ACCESS_WRITE | KM_ACCESS_EXEC)

static struct km_mpu mpu_new(unsigned num_regions, uint32_t min_region_size)
{
    struct km_mpu m = {.ops = &km_mpu_armv7m_ops};
    m.p.num_regions = num_regions;
    m.p.min_region_size = min_region_size;
    ck_assert_ptr_null(m.ops->check_params(&m.p));
    return m;
}

static bool alloc(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start, uint32_t size,
                  uint32_t min, enum km_perm perm, uint32_t *rs, uint32_t *rz)
{
    return m->ops->allocate_region(m, start, size, min, perm, c, rs, rz);
}

/* allocate_region(start, size, min) that must succeed with (ws, wz). */
static void alloc_ok(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start, uint32_t size,
                     uint32_t min, enum km_perm perm, uint32_t ws, uint32_t wz)
{
    uint32_t rs = 0, rz = 0;
    ck_assert_msg(alloc(m, c, start, size, min, perm, &rs, &rz),
                  "allocate_region(0x%x, 0x%x, 0x%x) failed", start, size, min);
    ck_assert_uint_eq(rs, ws);
    ck_assert_uint_eq(rz, wz);
}

/* allocate_region that must fail and leave the configuration alone. */
static void alloc_refused(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start,
                          uint32_t size, uint32_t min, enum km_perm perm)
{
    struct km_mpu_config before = *c;
    uint32_t rs, rz;
    ck_assert_msg(!alloc(m, c, start, size, min, perm, &rs, &rz),
                  "allocate_region(0x%x, 0x%x, 0x%x) succeeded", start, size, min);
    ck_assert(memcmp(before.r, c->r, sizeof(c->r)) == 0);
}

static void app_ok(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start, uint32_t size,
                   uint32_t min, uint32_t app, uint32_t kernel, uint32_t ws, uint32_t wz)
{
    uint32_t rs = 0, rz = 0;
    ck_assert(m->ops->allocate_app_memory_region(m, start, size, min, app, kernel, KM_PERM_RW, c,
                                                 &rs, &rz));
    ck_assert_uint_eq(rs, ws);
    ck_assert_uint_eq(rz, wz);
    ck_assert_int_eq(c->app_region, 0);
}

static bool update(const struct km_mpu *m, struct km_mpu_config *c, uint32_t app_break,
                   uint32_t kernel_break)
{
    return m->ops->update_app_memory_region(m, app_break, kernel_break, KM_PERM_RW, c);
}

/* An enabled region n with the given geometry, enabled-subregion mask and
 * register values. */
static void expect_region(const struct km_mpu_config *c, unsigned n, uint32_t base, uint64_t size,
                          uint8_t en, uint32_t rbar, uint32_t rasr)
{
    const struct km_mpu_region *r = &c->r[n];
    ck_assert_msg(r->enabled, "region %u disabled", n);
    ck_assert_uint_eq(r->base, base);
    ck_assert_uint_eq(r->size, size);
    ck_assert_uint_eq(r->subregions, en);
    ck_assert_uint_eq(r->reg[0], rbar);
    ck_assert_uint_eq(r->reg[1], rasr);
}

/* CortexMRegion::empty(n): RBAR = 0x10 | n, RASR = 0. */
static void expect_empty(const struct km_mpu_config *c, unsigned n)
{
    ck_assert(!c->r[n].enabled);
    ck_assert_uint_eq(c->r[n].reg[0], 0x10u | n);
    ck_assert_uint_eq(c->r[n].reg[1], 0);
}

static unsigned acc(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr)
{
    return m->ops->access(m, c, addr);
}

/* ---- Vectors recorded from Tock ------------------------------------------ */

START_TEST(test_vectors)
{
    static char report[8192];
    int ran = 0;
    int failed =
        mpu_vectors_run(MPU_VECTORS, "armv7m", &km_mpu_armv7m_ops, report, sizeof(report), &ran);
    ck_assert_msg(failed >= 0, "cannot read %s", MPU_VECTORS);
    if (failed != 0)
        fprintf(stderr, "%s", report);
    ck_assert_msg(failed == 0, "%d of %d armv7m vectors failed:\n%s", failed, ran, report);
    ck_assert_int_gt(ran, 0);
}
END_TEST

/* ---- Parameters and empty configurations -------------------------------- */

START_TEST(test_check_params)
{
    struct km_mpu_params p = {.num_regions = 8, .min_region_size = 32};
    ck_assert_ptr_null(km_mpu_armv7m_ops.check_params(&p));
    p.num_regions = 16; /* M7 */
    ck_assert_ptr_null(km_mpu_armv7m_ops.check_params(&p));
    p.num_regions = 8;
    p.min_region_size = 256; /* M0+ */
    ck_assert_ptr_null(km_mpu_armv7m_ops.check_params(&p));
    p.num_regions = 12;
    ck_assert_ptr_nonnull(km_mpu_armv7m_ops.check_params(&p));
    p.num_regions = 0;
    ck_assert_ptr_nonnull(km_mpu_armv7m_ops.check_params(&p));
    p.num_regions = 8;
    p.min_region_size = 64;
    ck_assert_ptr_nonnull(km_mpu_armv7m_ops.check_params(&p));
    p.min_region_size = 4;
    ck_assert_ptr_nonnull(km_mpu_armv7m_ops.check_params(&p));
    ck_assert_str_eq(km_mpu_armv7m_ops.name, "armv7m");
}
END_TEST

/* reset_config: every region CortexMRegion::empty(i), RBAR = 0x10 | i. */
START_TEST(test_reset_config)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    for (unsigned i = 0; i < 8; i++)
        expect_empty(&c, i);
    ck_assert_int_eq(c.app_region, -1);
    ck_assert_uint_eq(m.ops->number_total_regions(&m), 8);
    ck_assert_uint_eq(acc(&m, &c, 0x20000000), 0); /* background: nothing */
}
END_TEST

/* ---- allocate_region ----------------------------------------------------- */

/* 256 B at a 256-aligned start: a power of two dividing start, so a plain
 * region (mpu.rs:471) in the first free slot above the app regions, 2.
 * SIZE = log2(0x100) - 1 = 7 -> 7 << 1 = 0xe, | ENABLE = 0xf. */
START_TEST(test_alloc_plain_aligned)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x20001000, 0x100, 0x100, KM_PERM_RW, 0x20001000, 0x100);
    expect_region(&c, 2, 0x20001000, 0x100, 0xff, 0x20001012, 0x1300000f);
    ck_assert_uint_eq(c.r[2].loc_start, 0x20001000);
    ck_assert_uint_eq(c.r[2].loc_size, 0x100);
}
END_TEST

/* Rounding: start 0x20001001 rounds up to the next multiple of 32,
 * 0x20001020; min 0x20 is a power of two dividing it -> a plain 32-B region,
 * SIZE = log2(32) - 1 = 4 -> 0x8 | 1 = 0x9; end 0x20001040 <= 0x20001101.
 * A min of 0x10 is raised to 32 (mpu.rs:459-461). */
START_TEST(test_alloc_rounding)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x20001001, 0x100, 0x20, KM_PERM_RW, 0x20001020, 0x20);
    expect_region(&c, 2, 0x20001020, 0x20, 0xff, 0x20001032, 0x13000009);
    alloc_ok(&m, &c, 0x20002000, 0x100, 0x10, KM_PERM_RW, 0x20002000, 0x20);
    expect_region(&c, 3, 0x20002000, 0x20, 0xff, 0x20002013, 0x13000009);
}
END_TEST

/* Subregions: 0x300 B at 0x20001100 (not a power of two). tz(0x20001100) = 8
 * -> subregion 0x100, region 0x800 at 0x20001100 - 0x100 = 0x20001000; size
 * stays 0x300, end 0x20001400 <= 0x20001800 -> subregions 1..=3 enabled
 * (mask 0x0e, SRD 0xf1). SIZE = log2(0x800) - 1 = 10 -> 0x14 | 1 = 0x15.
 * RASR = 0x13000000 | 0xf100 | 0x15 = 0x1300f115. */
START_TEST(test_alloc_subregions)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x20001100, 0x300, 0x300, KM_PERM_RW, 0x20001100, 0x300);
    expect_region(&c, 2, 0x20001000, 0x800, 0x0e, 0x20001012, 0x1300f115);
    ck_assert_uint_eq(c.r[2].loc_start, 0x20001100);
    ck_assert_uint_eq(c.r[2].loc_size, 0x300);
    /* access: subregion 0 (0x20001000..0x20001100) and 4..7 (from
     * 0x20001400) are disabled; 1..3 are RW without exec. */
    ck_assert_uint_eq(acc(&m, &c, 0x200010ff), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20001100), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x200013ff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20001400), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20001fff), 0);
}
END_TEST

/* 100 B as IPC passes it, (len, len): at 0x20008040, tz = 6 -> subregion
 * 0x40, size rounds to 0x80, end 0x200080c0 > buffer end 0x200080a4 -> None.
 * At 0x20008000: tz = 15 -> subregion 0x8000, size rounds to 0x8000, end
 * 0x20010000 > 0x20008064 -> None. */
START_TEST(test_alloc_refuses_100_bytes)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_refused(&m, &c, 0x20008040, 100, 100, KM_PERM_RW);
    alloc_refused(&m, &c, 0x20008000, 100, 100, KM_PERM_RW);
    /* Given slack it works: 0x20008040 with 0x100 free -> 0x80 B region
     * (vector B5). */
    alloc_ok(&m, &c, 0x20008040, 0x100, 100, KM_PERM_RW, 0x20008040, 0x80);
}
END_TEST

/* 64 B at addresses aligned only to 16: 0x20009030 rounds up to 0x20009040
 * (32-multiple, and 64-aligned -> plain region), end 0x20009080 > buffer end
 * 0x20009070 -> None. 0x20009050 -> 0x20009060, 0x60 % 0x40 != 0, tz = 5 ->
 * subregion 0x20, region 0x100 at 0x20009000, end 0x200090a0 > 0x20009090
 * -> None. */
START_TEST(test_alloc_refuses_64_at_16_aligned)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_refused(&m, &c, 0x20009030, 0x40, 0x40, KM_PERM_RW);
    alloc_refused(&m, &c, 0x20009050, 0x40, 0x40, KM_PERM_RW);
    /* At 0x20009060 (32-aligned) the same request succeeds with
     * subregions 3..=4 of the 0x100 region at 0x20009000: mask 0x18, SRD
     * 0xe7; SIZE = log2(0x100) - 1 = 7 -> 0xf; RASR = 0x1300e70f. */
    alloc_ok(&m, &c, 0x20009060, 0x40, 0x40, KM_PERM_RW, 0x20009060, 0x40);
    expect_region(&c, 2, 0x20009000, 0x100, 0x18, 0x20009012, 0x1300e70f);
}
END_TEST

/* No subregions possible: 0x200 B at 0x20008700. tz = 8 -> subregion 0x100,
 * region 0x800 at 0x20008000, end 0x20008900 > 0x20008800 -> mpu.rs:528-529:
 * size stays 0x200 and start += 0x200 - 0x100 = 0x20008800, a plain region
 * (SIZE = log2(0x200) - 1 = 8 -> 0x11). It fits 0x20008700 + 0x400. */
START_TEST(test_alloc_shifts_start_without_subregions)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_refused(&m, &c, 0x20008700, 0x200, 0x200, KM_PERM_RW);
    alloc_ok(&m, &c, 0x20008700, 0x400, 0x200, KM_PERM_RW, 0x20008800, 0x200);
    expect_region(&c, 2, 0x20008800, 0x200, 0xff, 0x20008812, 0x13000011);
}
END_TEST

/* Eight regions: flash takes region 2 (as ProcessStandard allocates it
 * first), app RAM 0 and 1, so IPC gets regions 3..7: five fit, the sixth
 * finds no unused region (mpu.rs:244-254) and fails.
 * Flash 64 KiB RX at 0x40000: AP 2, XN 0, SIZE = log2(0x10000) - 1 = 15 ->
 * 0x1e | 1 = 0x1f: RASR 0x0200001f, RBAR 0x00040012. */
START_TEST(test_alloc_exhaustion_8_regions)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x00040000, 0x10000, 0x10000, KM_PERM_RX, 0x00040000, 0x10000);
    expect_region(&c, 2, 0x00040000, 0x10000, 0xff, 0x00040012, 0x0200001f);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    for (unsigned i = 0; i < 5; i++) {
        uint32_t a = 0x20010000 + i * 0x100;
        alloc_ok(&m, &c, a, 0x40, 0x40, KM_PERM_RW, a, 0x40);
        /* Plain 64-B region: SIZE = 5 -> 0xa | 1 = 0xb. */
        expect_region(&c, 3 + i, a, 0x40, 0xff, a | 0x10 | (3 + i), 0x1300000b);
    }
    alloc_refused(&m, &c, 0x20010800, 0x40, 0x40, KM_PERM_RW);
}
END_TEST

/* Sixteen regions (M7): regions 2..15 take 14 buffers, the 15th fails.
 * Region 15's RBAR carries 0xf in REGION: base | 0x10 | 0xf = base | 0x1f. */
START_TEST(test_alloc_16_regions)
{
    struct km_mpu m = mpu_new(16, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    ck_assert_uint_eq(m.ops->number_total_regions(&m), 16);
    for (unsigned i = 0; i < 16; i++)
        expect_empty(&c, i);
    for (unsigned i = 0; i < 14; i++) {
        uint32_t a = 0x20010000 + i * 0x100;
        alloc_ok(&m, &c, a, 0x40, 0x40, KM_PERM_RW, a, 0x40);
    }
    expect_region(&c, 15, 0x20010d00, 0x40, 0xff, 0x20010d1f, 0x1300000b);
    alloc_refused(&m, &c, 0x20011000, 0x40, 0x40, KM_PERM_RW);
}
END_TEST

/* M0+ (MPU<8,256>): start rounds up to a multiple of 256 and size to at
 * least 256. 64 B at 0x20001040: start -> 0x20001100, size -> 0x100, end
 * 0x20001200 > 0x20001080 -> None. 64 B asked inside 256 B free at
 * 0x20001000: a plain 256-B region (RASR 0x1300000f), returned size 0x100. */
START_TEST(test_alloc_m0plus_256)
{
    struct km_mpu m = mpu_new(8, 256);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_refused(&m, &c, 0x20001040, 0x40, 0x40, KM_PERM_RW);
    alloc_refused(&m, &c, 0x20001000, 0x40, 0x40, KM_PERM_RW); /* end 0x20001100 > 0x20001040 */
    alloc_ok(&m, &c, 0x20001000, 0x100, 0x40, KM_PERM_RW, 0x20001000, 0x100);
    expect_region(&c, 2, 0x20001000, 0x100, 0xff, 0x20001012, 0x1300000f);
    /* 0x300 at 0x20002100: tz = 8 -> subregion 0x100 as on M3: subregions
     * 1..=3 of 0x800 at 0x20002000 (RASR 0x1300f115). */
    alloc_ok(&m, &c, 0x20002100, 0x300, 0x300, KM_PERM_RW, 0x20002100, 0x300);
    expect_region(&c, 3, 0x20002000, 0x800, 0x0e, 0x20002013, 0x1300f115);
}
END_TEST

/* A start aligned to 2^29 with a size that is not a power of two:
 * subregion = 1 << 29, region = 8 << 29 = 2^32, which overflows Tock's
 * 32-bit usize (mpu.rs:496; in release builds `start % 0` at mpu.rs:500
 * panics). The model refuses, even where 64-bit arithmetic would find
 * room: size 100 rounds up to one 0x20000000 subregion, end 0x40000000 <=
 * 0x20000000 + 0x20000000. */
START_TEST(test_alloc_2pow29_start_overflow)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_refused(&m, &c, 0x20000000, 0x100, 100, KM_PERM_RW);
    alloc_refused(&m, &c, 0x20000000, 0x20000000, 100, KM_PERM_RW);
    alloc_refused(&m, &c, 0x40000000, 0x20000000, 0x60, KM_PERM_RW);
    /* A power of two dividing it is a plain region and fine. */
    alloc_ok(&m, &c, 0x20000000, 0x100, 0x100, KM_PERM_RW, 0x20000000, 0x100);
}
END_TEST

/* Overlap with an existing region's location is refused. */
START_TEST(test_alloc_overlap_refused)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x20001100, 0x300, 0x300, KM_PERM_RW, 0x20001100, 0x300);
    alloc_refused(&m, &c, 0x200013c0, 0x40, 0x40, KM_PERM_RW);  /* inside 0x...1100+0x300 */
    alloc_refused(&m, &c, 0x20001000, 0x101, 0x40, KM_PERM_RW); /* touches 0x20001100 */
    /* Outside the location but inside the 0x800 physical region: the check
     * looks at the location only, so it is accepted (region 3). */
    alloc_ok(&m, &c, 0x20001400, 0x40, 0x40, KM_PERM_RW, 0x20001400, 0x40);
}
END_TEST

/* ---- Permissions and access ---------------------------------------------- */

/* R: AP 2, XN 1 -> RASR 0x12000011 for 0x200 B (SIZE 8 -> 0x11): read only.
 * RX: AP 2, XN 0 -> read and exec. RWX: AP 3, XN 0. X: AP 1 (privileged
 * only) XN 0 -> nothing for the process. */
START_TEST(test_permissions)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    alloc_ok(&m, &c, 0x20002000, 0x200, 0x200, KM_PERM_R, 0x20002000, 0x200);
    expect_region(&c, 2, 0x20002000, 0x200, 0xff, 0x20002012, 0x12000011);
    alloc_ok(&m, &c, 0x00040000, 0x10000, 0x10000, KM_PERM_RX, 0x00040000, 0x10000);
    expect_region(&c, 3, 0x00040000, 0x10000, 0xff, 0x00040013, 0x0200001f);
    alloc_ok(&m, &c, 0x20003000, 0x200, 0x200, KM_PERM_RWX, 0x20003000, 0x200);
    expect_region(&c, 4, 0x20003000, 0x200, 0xff, 0x20003014, 0x03000011);
    alloc_ok(&m, &c, 0x20004000, 0x200, 0x200, KM_PERM_X, 0x20004000, 0x200);
    expect_region(&c, 5, 0x20004000, 0x200, 0xff, 0x20004015, 0x01000011);

    ck_assert_uint_eq(acc(&m, &c, 0x20002000), RD);
    ck_assert_uint_eq(acc(&m, &c, 0x200021ff), RD);
    ck_assert_uint_eq(acc(&m, &c, 0x20002200), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x00040000), RX);
    ck_assert_uint_eq(acc(&m, &c, 0x0004ffff), RX);
    ck_assert_uint_eq(acc(&m, &c, 0x00050000), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x0003ffff), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20003100), RWX);
    ck_assert_uint_eq(acc(&m, &c, 0x20004100), 0);
}
END_TEST

/* ---- App memory -------------------------------------------------------- */

/* A2 layout: min 0x1000, app 0x20, kernel 0x400 -> block 0x1000, regions of
 * 0x800 with subregions of 0x100; app*8/0x800 + 1 = 1 subregion. Region 0:
 * mask 0x01, SRD 0xfe, SIZE = log2(0x800) - 1 = 10 -> 0x15: RASR 0x1300fe15.
 * Access: 0x20004000..0x20004100 RW, above nothing (break, grant region). */
START_TEST(test_app_alloc_and_access)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    expect_region(&c, 0, 0x20004000, 0x800, 0x01, 0x20004010, 0x1300fe15);
    expect_empty(&c, 1);
    ck_assert_uint_eq(acc(&m, &c, 0x20003fff), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20004000), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x200040ff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004100), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), 0); /* grant region */
    ck_assert_uint_eq(acc(&m, &c, 0x20004fff), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20005000), 0);
}
END_TEST

/* Doubling from the +1 subregion: min 0x800, app 0x700, kernel 0x100 ->
 * block 0x800, regions 0x400, subregions 0x80; n = 0x700*8/0x400 + 1 = 15
 * (14 would be exact), end 0x20004000 + 15*0x80 = 0x20004780 > kernel break
 * 0x20004800 - 0x100 = 0x20004700 -> doubled: block 0x1000, regions 0x800,
 * n = 0x3800/0x800 + 1 = 8 -> region 0 full (SRD 0, RASR 0x13000015),
 * region 1 empty. Starting at 0x20004400 the doubled start moves up to the
 * next multiple of 0x800, 0x20004800. */
START_TEST(test_app_block_doubling)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x800, 0x700, 0x100, 0x20004000, 0x1000);
    expect_region(&c, 0, 0x20004000, 0x800, 0xff, 0x20004010, 0x13000015);
    expect_empty(&c, 1);

    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004400, 0x40000, 0x800, 0x700, 0x100, 0x20004800, 0x1000);
    expect_region(&c, 0, 0x20004800, 0x800, 0xff, 0x20004810, 0x13000015);

    /* Small blocks are raised to 512: app 0x20, kernel 0x40 -> 0x60 -> 0x80
     * -> exponent 7 < 9 -> 512, regions 0x100 (SIZE 7 -> 0xf), subregions
     * 0x20, n = 0x100/0x100 + 1 = 2: mask 0x03, SRD 0xfc -> RASR 0x1300fc0f. */
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0, 0x20, 0x40, 0x20004000, 0x200);
    expect_region(&c, 0, 0x20004000, 0x100, 0x03, 0x20004010, 0x1300fc0f);

    /* The doubled block must still fit: with 0x800 free the undoubled block
     * (0x800) would have fitted, the doubled one (0x1000) does not. */
    m.ops->reset_config(&m, &c);
    struct km_mpu_config before = c;
    uint32_t rs, rz;
    ck_assert(!m.ops->allocate_app_memory_region(&m, 0x20004000, 0x800, 0x800, 0x700, 0x100,
                                                 KM_PERM_RW, &c, &rs, &rz));
    ck_assert(memcmp(&before, &c, sizeof(c)) == 0);
}
END_TEST

/* Growth and shrink (A2 block 0x20004000/0x1000, kernel break 0x20004c00).
 * Break 0x20004a00: 0xa00 / 0x100 = 10 subregions -> region 0 full
 * (RASR 0x13000015), region 1 at 0x20004800 subregions 0..1 (mask 0x03, SRD
 * 0xfc, RASR 0x1300fc15, RBAR 0x20004811). Break 0x20004150: ceil(0x150 /
 * 0x100) = 2 -> region 0 mask 0x03 (RASR 0x1300fc15), region 1 empty. */
START_TEST(test_brk_grow_and_shrink)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);

    ck_assert(update(&m, &c, 0x20004a00, 0x20004c00));
    expect_region(&c, 0, 0x20004000, 0x800, 0xff, 0x20004010, 0x13000015);
    expect_region(&c, 1, 0x20004800, 0x800, 0x03, 0x20004811, 0x1300fc15);
    ck_assert_uint_eq(acc(&m, &c, 0x200049ff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004a00), 0);

    ck_assert(update(&m, &c, 0x20004150, 0x20004c00));
    expect_region(&c, 0, 0x20004000, 0x800, 0x03, 0x20004010, 0x1300fc15);
    expect_empty(&c, 1);
    /* The rounded-up subregion is accessible past the break. */
    ck_assert_uint_eq(acc(&m, &c, 0x200041ff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004200), 0);

    /* One byte: ceil(1 / 0x100) = 1 subregion. */
    ck_assert(update(&m, &c, 0x20004001, 0x20004c00));
    expect_region(&c, 0, 0x20004000, 0x800, 0x01, 0x20004010, 0x1300fe15);
}
END_TEST

/* Break into the grant region (kernel break 0x20004c00): 0x20004b01 ->
 * ceil(0xb01 / 0x100) = 12 -> end 0x20004c00 <= 0x20004c00: fine. With the
 * kernel break at 0x20004bf0 the same end is past it -> Err (vector AU3's
 * rule). A break above the kernel break -> Err (mpu.rs:725). */
START_TEST(test_brk_into_grant_refused)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    struct km_mpu_config before = c;
    ck_assert(!update(&m, &c, 0x20004c01, 0x20004c00));
    ck_assert(!update(&m, &c, 0x20004b01, 0x20004bf0));
    ck_assert(memcmp(&before, &c, sizeof(c)) == 0);
    ck_assert(update(&m, &c, 0x20004b01, 0x20004c00));
    /* 12 subregions: region 1 subregions 0..3 -> mask 0x0f, SRD 0xf0. */
    expect_region(&c, 1, 0x20004800, 0x800, 0x0f, 0x20004811, 0x1300f015);
    ck_assert_uint_eq(acc(&m, &c, 0x20004bff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), 0);
}
END_TEST

/* The underflow at mpu.rs:757: a break equal to the block start gives 0
 * subregions and `0 - 1`; upstream panics in debug builds. The model
 * refuses and leaves the configuration alone; so does a break below the
 * start (mpu.rs:730), and an update before any app region exists. */
START_TEST(test_brk_at_region_start_underflow)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    ck_assert(!update(&m, &c, 0x20004100, 0x20004c00)); /* no app region */
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    struct km_mpu_config before = c;
    ck_assert(!update(&m, &c, 0x20004000, 0x20004c00));
    ck_assert_ptr_nonnull(c.finding); /* reported to the kernel as a finding */
    ck_assert_ptr_nonnull(strstr(c.finding, "mpu.rs:757"));
    c.finding = NULL;
    ck_assert(!update(&m, &c, 0x20003ff0, 0x20004c00));
    ck_assert_ptr_nonnull(strstr(c.finding, "mpu.rs:730"));
    c.finding = NULL;
    ck_assert(memcmp(&before, &c, sizeof(c)) == 0);
}
END_TEST

/* ---- Quirks of the overlap check ----------------------------------------- */

/* Region 1 has no location while the break is in region 0, so a buffer in
 * the kernel-owned top of the block (0x20004c00, grant region) is accepted:
 * a plain 64-B region 2 (RASR 0x1300000b) that the process can then read
 * and write. In region 0's location (0x20004000+0x800) it is refused. Once
 * the break moves into region 1, the same request is refused. */
START_TEST(test_overlap_misses_disabled_region1)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    alloc_refused(&m, &c, 0x20004400, 0x40, 0x40, KM_PERM_RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), 0);
    alloc_ok(&m, &c, 0x20004c00, 0x40, 0x40, KM_PERM_RW, 0x20004c00, 0x40);
    expect_region(&c, 2, 0x20004c00, 0x40, 0xff, 0x20004c12, 0x1300000b);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c3f), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c40), 0);

    ck_assert(update(&m, &c, 0x20004900, 0x20004c00)); /* 9 subregions */
    alloc_refused(&m, &c, 0x20004d00, 0x40, 0x40, KM_PERM_RW);
}
END_TEST

/* Highest-numbered region wins, and a disabled subregion falls through.
 * Block with no kernel part: min 0x1000, app 0x20, kernel 0 -> 0x20004000
 * /0x1000, kernel break 0x20005000. Region 2 (R) at 0x20004c20: tz = 5 ->
 * subregion 0x20, region 0x100 at 0x20004c00, subregions 1..=2 (mask 0x06,
 * SRD 0xf9, RASR 0x1200f90f). Break 0x20004d00: ceil(0xd00 / 0x100) = 13
 * -> region 1 subregions 0..4 (RW up to 0x20004d00). Then 0x20004c20 is R
 * (region 2 wins over region 1), 0x20004c00 is RW (region 2's subregion 0
 * is disabled, region 1 decides), 0x20004c60 is RW again. */
START_TEST(test_access_priority_and_fallthrough)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0, 0x20004000, 0x1000);
    alloc_ok(&m, &c, 0x20004c20, 0x40, 0x40, KM_PERM_R, 0x20004c20, 0x40);
    expect_region(&c, 2, 0x20004c00, 0x100, 0x06, 0x20004c12, 0x1200f90f);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), 0);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c20), RD);

    ck_assert(update(&m, &c, 0x20004d00, 0x20005000));
    expect_region(&c, 1, 0x20005000 - 0x800, 0x800, 0x1f, 0x20004811, 0x1300e015);
    ck_assert_uint_eq(acc(&m, &c, 0x20004bff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c00), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c1f), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c20), RD);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c5f), RD);
    ck_assert_uint_eq(acc(&m, &c, 0x20004c60), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004cff), RW);
    ck_assert_uint_eq(acc(&m, &c, 0x20004d00), 0);
}
END_TEST

/* ---- remove_memory_region ------------------------------------------------ */

/* Two IPC regions (2 and 3); removing (0x20010000, 0x40) empties region 2
 * (RBAR 0x12, RASR 0) and the next allocation reuses it. A missing region,
 * a right start with a wrong size, and the app's region 0 (idx <= 1,
 * mpu.rs:569) are refused. */
START_TEST(test_remove_region)
{
    struct km_mpu m = mpu_new(8, 32);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_ok(&m, &c, 0x20004000, 0x40000, 0x1000, 0x20, 0x400, 0x20004000, 0x1000);
    alloc_ok(&m, &c, 0x20010000, 0x40, 0x40, KM_PERM_RW, 0x20010000, 0x40);
    alloc_ok(&m, &c, 0x20010100, 0x40, 0x40, KM_PERM_RW, 0x20010100, 0x40);

    struct km_mpu_config before = c;
    ck_assert(!m.ops->remove_memory_region(&m, 0x20009000, 0x40, &c));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20010000, 0x20, &c));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20004000, 0x800, &c));
    ck_assert(memcmp(&before, &c, sizeof(c)) == 0);

    ck_assert(m.ops->remove_memory_region(&m, 0x20010000, 0x40, &c));
    expect_empty(&c, 2);
    expect_region(&c, 3, 0x20010100, 0x40, 0xff, 0x20010113, 0x1300000b);
    ck_assert_uint_eq(acc(&m, &c, 0x20010000), 0);
    ck_assert(!m.ops->remove_memory_region(&m, 0x20010000, 0x40, &c));

    alloc_ok(&m, &c, 0x20010200, 0x40, 0x40, KM_PERM_RW, 0x20010200, 0x40);
    expect_region(&c, 2, 0x20010200, 0x40, 0xff, 0x20010212, 0x1300000b);
}
END_TEST

static Suite *armv7m_suite(void)
{
    Suite *s = suite_create("mpu_armv7m");
    TCase *tc = tcase_create("vectors");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_vectors);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_check_params);
    tcase_add_test(tc, test_reset_config);
    suite_add_tcase(s, tc);

    tc = tcase_create("allocate_region");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_alloc_plain_aligned);
    tcase_add_test(tc, test_alloc_rounding);
    tcase_add_test(tc, test_alloc_subregions);
    tcase_add_test(tc, test_alloc_refuses_100_bytes);
    tcase_add_test(tc, test_alloc_refuses_64_at_16_aligned);
    tcase_add_test(tc, test_alloc_shifts_start_without_subregions);
    tcase_add_test(tc, test_alloc_exhaustion_8_regions);
    tcase_add_test(tc, test_alloc_16_regions);
    tcase_add_test(tc, test_alloc_m0plus_256);
    tcase_add_test(tc, test_alloc_2pow29_start_overflow);
    tcase_add_test(tc, test_alloc_overlap_refused);
    tcase_add_test(tc, test_permissions);
    suite_add_tcase(s, tc);

    tc = tcase_create("app_memory");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_app_alloc_and_access);
    tcase_add_test(tc, test_app_block_doubling);
    tcase_add_test(tc, test_brk_grow_and_shrink);
    tcase_add_test(tc, test_brk_into_grant_refused);
    tcase_add_test(tc, test_brk_at_region_start_underflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("quirks_and_access");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_overlap_misses_disabled_region1);
    tcase_add_test(tc, test_access_priority_and_fallthrough);
    tcase_add_test(tc, test_remove_region);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(armv7m_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
