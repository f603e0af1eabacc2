/* check_mpu_armv8m.c: the ARMv8-M MPU model against the vectors recorded
 * from Tock's arch/cortex-m33/src/mpu_v8m.rs and against hand-computed
 * cases (alignment, overlap, exhaustion, breaks, quirks, access rights).
 *
 * Register encodings used in the arithmetic below (mpu_v8m.rs 80-110,
 * 335-365):
 *   RBAR = base[31:5] | SH 0 << 3 | AP << 1 | XN
 *          RW: AP 01 XN 1 -> low bits 0x3;  RX:  AP 11 XN 0 -> 0x6;
 *          R:  AP 11 XN 1 -> 0x7;           RWX: AP 01 XN 0 -> 0x2;
 *          X:  AP 10 XN 0 -> 0x4 (privileged read-only).
 *   RLAR = ((end - 1) & ~31) | PXN 1 << 4 | ATTRINDX 0 << 1 | ENABLE 1
 *          -> low bits 0x11.
 *   align32(x) = (x + 31) & ~31. */
#include "mpu_test_vectors.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RW_ACC (KM_ACCESS_READ | KM_ACCESS_WRITE)

static struct km_mpu mpu_n(unsigned num_regions)
{
    struct km_mpu m = {.ops = &km_mpu_armv8m_ops, .p = {num_regions, 32, false}};
    return m;
}

/* Vector C1: a 0x1000 block at 0x20004000, 0xc00 accessible, 0x400 for the
 * kernel. memory_size = max(0x1000, 0xc00 + 0x400) = 0x1000, block
 * [0x20004000, 0x20005000), accessible [0x20004000, 0x20004c00):
 * RBAR 0x20004003, RLAR (0x20004bff & ~31) | 0x11 = 0x20004bf1. */
static void app_c1(const struct km_mpu *m, struct km_mpu_config *c)
{
    uint32_t s = 0, z = 0;
    ck_assert(m->ops->allocate_app_memory_region(m, 0x20004000, 0x40000, 0x1000, 0xc00, 0x400,
                                                 KM_PERM_RW, c, &s, &z));
    ck_assert_uint_eq(s, 0x20004000);
    ck_assert_uint_eq(z, 0x1000);
    ck_assert_uint_eq(c->r[0].reg[1], 0x20004bf1);
}

static bool alloc(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start, uint32_t len,
                  uint32_t min, enum km_perm perm, uint32_t *s, uint32_t *z)
{
    return m->ops->allocate_region(m, start, len, min, perm, c, s, z);
}

static bool same_config(const struct km_mpu_config *a, const struct km_mpu_config *b)
{
    return memcmp(a->r, b->r, sizeof(a->r)) == 0 && a->app_region == b->app_region;
}

/* ---- Vectors recorded from Tock --------------------------------------- */

START_TEST(test_vectors)
{
    char report[4096];
    int ran = 0;
    int failed =
        mpu_vectors_run(MPU_VECTORS, "armv8m", &km_mpu_armv8m_ops, report, sizeof report, &ran);
    ck_assert_msg(failed == 0, "%d of %d armv8m vectors failed:\n%s", failed, ran, report);
    ck_assert_int_gt(ran, 0);
}
END_TEST

/* The runner does not compare Tock's recorded location ("loc"); check it
 * for C1 (0x20004000..0x20005000) and C5 (0x20004000..0x20005020). */
START_TEST(test_vector_locations)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_c1(&m, &c);
    ck_assert_uint_eq(c.r[0].loc_start, 0x20004000);
    ck_assert_uint_eq(c.r[0].loc_size, 0x1000);
    ck_assert_int_eq(c.app_region, 0);

    /* C5: memory_size = max(0x1001, 0x20 + 0x400) = 0x1001; region_end =
     * align32(0x20005001) = 0x20005020 -> block 0x1020, returned 0x1001;
     * logical_end = align32(0x20004020) = 0x20004020 -> RLAR 0x20004011. */
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20004000, 0x40000, 0x1001, 0x20, 0x400,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, 0x20004000);
    ck_assert_uint_eq(z, 0x1001);
    ck_assert_uint_eq(c.r[0].loc_start, 0x20004000);
    ck_assert_uint_eq(c.r[0].loc_size, 0x1020);
    ck_assert_uint_eq(c.r[0].reg[0], 0x20004003);
    ck_assert_uint_eq(c.r[0].reg[1], 0x20004011);
}
END_TEST

/* ---- allocate_app_memory_region --------------------------------------- */

/* start 0x20000005: region_start = align32 = 0x20000020; memory_size =
 * max(0x800, 0x30 + 0x200 = 0x230) = 0x800; region_end = align32(0x20000820)
 * = 0x20000820, size 0x800 <= 0x10000; logical_end = align32(0x20000020 +
 * 0x30 = 0x20000050) = 0x20000060, logical size 0x40. RBAR 0x20000023,
 * RLAR (0x2000005f & ~31 = 0x20000040) | 0x11 = 0x20000051. */
START_TEST(test_app_unaligned_start_rounds)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20000005, 0x10000, 0x800, 0x30, 0x200,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, 0x20000020);
    ck_assert_uint_eq(z, 0x800);
    ck_assert_uint_eq(c.r[0].base, 0x20000020);
    ck_assert_uint_eq(c.r[0].size, 0x40);
    ck_assert_uint_eq(c.r[0].loc_start, 0x20000020);
    ck_assert_uint_eq(c.r[0].loc_size, 0x800);
    ck_assert_uint_eq(c.r[0].reg[0], 0x20000023);
    ck_assert_uint_eq(c.r[0].reg[1], 0x20000051);
}
END_TEST

/* When app + kernel exceed the minimum: max(0x100, 0x300 + 0x211 = 0x511)
 * = 0x511, block align32(0x20000511) - 0x20000000 = 0x520, returned size
 * the unrounded 0x511; logical end align32(0x20000300) -> RLAR 0x200002f1. */
START_TEST(test_app_returned_size_unrounded)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20000000, 0x10000, 0x100, 0x300, 0x211,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, 0x20000000);
    ck_assert_uint_eq(z, 0x511);
    ck_assert_uint_eq(c.r[0].loc_size, 0x520);
    ck_assert_uint_eq(c.r[0].reg[1], 0x200002f1);
}
END_TEST

/* Free area [0x20000010, 0x20000110): region_start 0x20000020, memory_size
 * max(0x100, 0x20 + 0x40) = 0x100, region size 0x100 <= 0x100 accepted, so
 * the block [0x20000020, 0x20000120) ends 0x10 past the free area. With a
 * free size of 0xff, 0x100 > 0xff is refused and nothing changes. */
START_TEST(test_app_block_past_free_area)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, before;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    before = c;
    ck_assert(!m.ops->allocate_app_memory_region(&m, 0x20000010, 0xff, 0x100, 0x20, 0x40,
                                                 KM_PERM_RW, &c, &s, &z));
    ck_assert(same_config(&c, &before));
    ck_assert_int_eq(c.app_region, -1);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20000010, 0x100, 0x100, 0x20, 0x40,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, 0x20000020);
    ck_assert_uint_eq(z, 0x100);
    ck_assert_uint_eq((uint64_t)c.r[0].loc_start + c.r[0].loc_size, 0x20000120);
}
END_TEST

/* initial_app_memory_size 0: logical_end = align32(0x20000000) =
 * 0x20000000, logical size 0 < 32 -> None. Size 1: align32(0x20000001) =
 * 0x20000020, 32 B -> RLAR (0x2000001f & ~31) | 0x11 = 0x20000011. */
START_TEST(test_app_zero_and_tiny)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, before;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    before = c;
    ck_assert(!m.ops->allocate_app_memory_region(&m, 0x20000000, 0x10000, 0x1000, 0, 0x400,
                                                 KM_PERM_RW, &c, &s, &z));
    ck_assert(same_config(&c, &before));
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20000000, 0x10000, 0x1000, 1, 0x400,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(c.r[0].reg[1], 0x20000011);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x2000001f), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20000020), 0);
}
END_TEST

/* Region 1 at [0x20000100, 0x20000140). A free area [0x20000000,
 * 0x20001000) overlaps it -> refused; [0x20000140, 0x20001140) starts at
 * its exclusive end -> accepted. */
START_TEST(test_app_overlap_refused)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x20000100, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!m.ops->allocate_app_memory_region(&m, 0x20000000, 0x1000, 0x400, 0x20, 0x100,
                                                 KM_PERM_RW, &c, &s, &z));
    ck_assert(!c.r[0].enabled);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20000140, 0x1000, 0x400, 0x20, 0x100,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, 0x20000140);
}
END_TEST

/* A second allocation over a disjoint free area replaces region 0 (line
 * 583): block (0x20010000, 0x800), logical 0x100 -> RLAR 0x200100f1; the
 * old block is no longer accessible. */
START_TEST(test_app_second_allocation_replaces)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    app_c1(&m, &c);
    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20010000, 0x10000, 0x800, 0x100, 0x200,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(c.r[0].loc_start, 0x20010000);
    ck_assert_uint_eq(c.r[0].loc_size, 0x800);
    ck_assert_uint_eq(c.r[0].reg[1], 0x200100f1);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004000), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20010000), RW_ACC);
}
END_TEST

/* 32-bit isize: min 0x90000000 from 0x10000000 gives region_end
 * 0xa0000000, a distance of 0x90000000 >= 2^31, read as negative. */
START_TEST(test_app_distance_overflow_refused)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(!m.ops->allocate_app_memory_region(&m, 0x10000000, 0xf0000000, 0x90000000, 0x20, 0,
                                                 KM_PERM_RW, &c, &s, &z));
    ck_assert(!alloc(&m, &c, 0x10000000, 0xf0000000, 0x80000000, KM_PERM_RW, &s, &z));
    ck_assert(!c.r[0].enabled && !c.r[1].enabled);
}
END_TEST

/* ---- allocate_region -------------------------------------------------- */

/* Inside C1's kernel-owned top [0x20004c00, 0x20005000): 0x20004000 <
 * 0x20004f40 && 0x20004f00 < 0x20005000 -> overlap, refused; straddling
 * [0x20004fe0, 0x20005020) refused; inside the accessible part refused
 * too; [0x20005000, 0x20005040) is adjacent -> region 1, RBAR 0x20005003,
 * RLAR (0x2000503f & ~31) | 0x11 = 0x20005031. */
START_TEST(test_ipc_in_kernel_top_refused)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, before;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    app_c1(&m, &c);
    before = c;
    ck_assert(!alloc(&m, &c, 0x20004f00, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!alloc(&m, &c, 0x20004fe0, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!alloc(&m, &c, 0x20004800, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(same_config(&c, &before));
    ck_assert(alloc(&m, &c, 0x20005000, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(s, 0x20005000);
    ck_assert_uint_eq(z, 0x40);
    ck_assert(c.r[1].enabled);
    ck_assert_uint_eq(c.r[1].reg[0], 0x20005003);
    ck_assert_uint_eq(c.r[1].reg[1], 0x20005031);
}
END_TEST

/* Region 1 at [0x20008040, 0x20008080). [0x20008060, 0x200080a0) and
 * [0x20008000, 0x20008041) overlap it; [0x20008000, 0x20008040) and
 * [0x20008080, 0x200080c0) touch it and go to regions 2 and 3. */
START_TEST(test_ipc_overlap_between_regions)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x20008040, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(c.r[1].enabled);
    ck_assert(!alloc(&m, &c, 0x20008060, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!alloc(&m, &c, 0x20008000, 0x41, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!c.r[2].enabled);
    ck_assert(alloc(&m, &c, 0x20008000, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(c.r[2].loc_start, 0x20008000);
    ck_assert(alloc(&m, &c, 0x20008080, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(c.r[3].loc_start, 0x20008080);
}
END_TEST

/* 8 regions: flash takes region 1 (region 0 is kept for app RAM even
 * while empty), app RAM region 0, IPC regions 2..7 = 6; the 7th fails.
 * Flash [0x00040000, +0x8000) RX: RBAR 0x00040006, RLAR 0x00047ff1.
 * Removing region 4 frees its slot for the next allocation. */
START_TEST(test_exhaust_8_regions)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, before;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert_uint_eq(m.ops->number_total_regions(&m), 8);
    ck_assert(alloc(&m, &c, 0x00040000, 0x8000, 0x8000, KM_PERM_RX, &s, &z));
    ck_assert(c.r[1].enabled && !c.r[0].enabled);
    ck_assert_uint_eq(c.r[1].reg[0], 0x00040006);
    ck_assert_uint_eq(c.r[1].reg[1], 0x00047ff1);
    app_c1(&m, &c);
    for (unsigned i = 0; i < 6; i++) {
        uint32_t a = 0x20010000 + i * 0x100;
        ck_assert_msg(alloc(&m, &c, a, 0x40, 0x40, KM_PERM_RW, &s, &z), "IPC %u", i);
        ck_assert_uint_eq(s, a);
        ck_assert_uint_eq(z, 0x40);
        ck_assert_uint_eq(c.r[2 + i].loc_start, a);
    }
    before = c;
    ck_assert(!alloc(&m, &c, 0x20010600, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(same_config(&c, &before));
    ck_assert(m.ops->remove_memory_region(&m, 0x20010200, 0x40, &c));
    ck_assert(alloc(&m, &c, 0x20010600, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(c.r[4].loc_start, 0x20010600);
}
END_TEST

/* 16 regions: app 0, flash 1, 14 IPC regions 2..15; the 15th fails. */
START_TEST(test_exhaust_16_regions)
{
    struct km_mpu m = mpu_n(16);
    struct km_mpu_config c;
    uint32_t s, z;
    ck_assert_ptr_null(m.ops->check_params(&m.p));
    ck_assert_uint_eq(m.ops->number_total_regions(&m), 16);
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x00040000, 0x8000, 0x8000, KM_PERM_RX, &s, &z));
    app_c1(&m, &c);
    for (unsigned i = 0; i < 14; i++)
        ck_assert_msg(alloc(&m, &c, 0x20010000 + i * 0x100, 0x40, 0x40, KM_PERM_RW, &s, &z),
                      "IPC %u", i);
    ck_assert_uint_eq(c.r[15].loc_start, 0x20010000 + 13 * 0x100);
    ck_assert(!alloc(&m, &c, 0x20011000, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20010d3f), RW_ACC);
}
END_TEST

/* CB3: request [0x20008010, 0x20008050). region_start = align32 =
 * 0x20008020, region_end = align32(0x20008060) = 0x20008060, size 0x40 <=
 * 0x40 -> accepted at [0x20008020, 0x20008060): the buffer's first 16 B
 * are not covered, 16 B past its end are. [0x20008001, +0x3f): start
 * 0x20008020, end align32(0x2000805f) = 0x20008060, 0x40 > 0x3f refused. */
START_TEST(test_shifted_region_quirk)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(!alloc(&m, &c, 0x20008001, 0x3f, 0x3f, KM_PERM_RW, &s, &z));
    ck_assert(alloc(&m, &c, 0x20008010, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(s, 0x20008020);
    ck_assert_uint_eq(z, 0x40);
    ck_assert_uint_eq(c.r[1].reg[0], 0x20008023);
    ck_assert_uint_eq(c.r[1].reg[1], 0x20008051);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20008010), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x2000801f), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20008020), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x2000804f), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x2000805f), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20008060), 0);
}
END_TEST

/* min 0: region_end = region_start, size 0 < 32 refused; min 1: align32
 * gives 32 B -> (0x20008000, 0x20), RLAR 0x20008011; 16 B free: 0x20 >
 * 0x10 refused; 0 B free and 0 min refused. */
START_TEST(test_tiny_regions)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(!alloc(&m, &c, 0x20008000, 0x20, 0, KM_PERM_RW, &s, &z));
    ck_assert(!alloc(&m, &c, 0x20009000, 0x10, 0x10, KM_PERM_RW, &s, &z));
    ck_assert(!alloc(&m, &c, 0x20009000, 0, 0, KM_PERM_RW, &s, &z));
    ck_assert(!c.r[1].enabled);
    ck_assert(alloc(&m, &c, 0x20008000, 0x20, 1, KM_PERM_RW, &s, &z));
    ck_assert_uint_eq(s, 0x20008000);
    ck_assert_uint_eq(z, 0x20);
    ck_assert_uint_eq(c.r[1].reg[1], 0x20008011);
}
END_TEST

/* Flash of 0x1010 B: region_end = align32(0x00031010) = 0x00031020, size
 * 0x1020 > 0x1010 -> None (the kernel's MpuInvalidFlashLength). */
START_TEST(test_flash_length_not_multiple_of_32)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    ck_assert(!alloc(&m, &c, 0x00030000, 0x1010, 0x1010, KM_PERM_RX, &s, &z));
    ck_assert(alloc(&m, &c, 0x00030000, 0x1020, 0x1020, KM_PERM_RX, &s, &z));
}
END_TEST

/* ---- remove_memory_region --------------------------------------------- */

/* A region is named by its exact location; region 0 is never removed. C5's
 * block is recorded as (0x20004000, 0x1020) while the kernel was told
 * 0x1001: neither removes it. */
START_TEST(test_remove_existing_and_missing)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, empty;
    uint32_t s, z;
    m.ops->reset_config(&m, &empty);
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x20008040, 0x40, 0x40, KM_PERM_RW, &s, &z));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20008040, 0x20, &c));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20008020, 0x40, &c));
    ck_assert(m.ops->remove_memory_region(&m, 0x20008040, 0x40, &c));
    ck_assert(same_config(&c, &empty));
    ck_assert_uint_eq(c.r[1].reg[0], 0);
    ck_assert_uint_eq(c.r[1].reg[1], 0);
    ck_assert(!m.ops->remove_memory_region(&m, 0x20008040, 0x40, &c));

    ck_assert(m.ops->allocate_app_memory_region(&m, 0x20004000, 0x40000, 0x1001, 0x20, 0x400,
                                                KM_PERM_RW, &c, &s, &z));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20004000, 0x1001, &c));
    ck_assert(!m.ops->remove_memory_region(&m, 0x20004000, 0x1020, &c));
    ck_assert(c.r[0].enabled);
}
END_TEST

/* ---- update_app_memory_region ----------------------------------------- */

/* From C1. Grow to 0x20004a01: align32 -> 0x20004a20 <= 0x20004c00, RLAR
 * (0x20004a1f & ~31) | 0x11 = 0x20004a11. Shrink to 0x20004100: RLAR
 * 0x200040f1. Break equal to the kernel break 0x20004c00: RLAR 0x20004bf1.
 * The block (location) never changes. */
START_TEST(test_brk_grow_and_shrink)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    app_c1(&m, &c);
    ck_assert(m.ops->update_app_memory_region(&m, 0x20004a01, 0x20004c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(c.r[0].reg[1], 0x20004a11);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004a1f), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004a20), 0);
    ck_assert(m.ops->update_app_memory_region(&m, 0x20004100, 0x20004c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(c.r[0].reg[1], 0x200040f1);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x200040ff), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004100), 0);
    ck_assert(m.ops->update_app_memory_region(&m, 0x20004c00, 0x20004c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(c.r[0].reg[1], 0x20004bf1);
    ck_assert_uint_eq(c.r[0].loc_start, 0x20004000);
    ck_assert_uint_eq(c.r[0].loc_size, 0x1000);
}
END_TEST

/* From C1 (block [0x20004000, 0x20005000)), each refused with the
 * configuration unchanged: app 0x20004c01 > kernel 0x20004c00; app
 * 0x20004be1 rounds to 0x20004c00 > kernel 0x20004bf0; kernel break
 * 0x20005000 = block end; app 0x20003fe0 below the block; app 0x20004000
 * gives 0 B < 32. App 0x20004001 gives 32 B: accepted. Without region 0
 * nothing can be updated. */
START_TEST(test_brk_into_kernel_refused)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, before;
    m.ops->reset_config(&m, &c);
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20004800, 0x20004c00, KM_PERM_RW, &c));
    app_c1(&m, &c);
    before = c;
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20004c01, 0x20004c00, KM_PERM_RW, &c));
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20004be1, 0x20004bf0, KM_PERM_RW, &c));
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20004800, 0x20005000, KM_PERM_RW, &c));
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20003fe0, 0x20004c00, KM_PERM_RW, &c));
    ck_assert(!m.ops->update_app_memory_region(&m, 0x20004000, 0x20004c00, KM_PERM_RW, &c));
    ck_assert(same_config(&c, &before));
    ck_assert(m.ops->update_app_memory_region(&m, 0x20004001, 0x20004c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(c.r[0].reg[1], 0x20004011);
}
END_TEST

/* ---- access ----------------------------------------------------------- */

/* C1: [0x20004000, 0x20004c00) RW, not executable; one byte either side
 * and the kernel-owned top of the block have no access. */
START_TEST(test_access_edges)
{
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004000), 0);
    app_c1(&m, &c);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20003fff), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004000), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004bff), RW_ACC);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004c00), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004fff), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20005000), 0);
}
END_TEST

/* 64 B regions at 0x20008000 + i * 0x40 with RW, RX, R, RWX, X: RBAR low
 * bits 0x3, 0x6, 0x7, 0x2, 0x4 (see the top of the file). ExecuteOnly is
 * privileged read-only: unprivileged code can neither read nor fetch. */
START_TEST(test_permissions)
{
    static const struct {
        enum km_perm perm;
        uint32_t rbar_low;
        unsigned acc;
    } t[] = {
        {KM_PERM_RW, 0x3, KM_ACCESS_READ | KM_ACCESS_WRITE},
        {KM_PERM_RX, 0x6, KM_ACCESS_READ | KM_ACCESS_EXEC},
        {KM_PERM_R, 0x7, KM_ACCESS_READ},
        {KM_PERM_RWX, 0x2, KM_ACCESS_READ | KM_ACCESS_WRITE | KM_ACCESS_EXEC},
        {KM_PERM_X, 0x4, 0},
    };
    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c;
    uint32_t s, z;
    m.ops->reset_config(&m, &c);
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint32_t a = 0x20008000 + i * 0x40;
        ck_assert(alloc(&m, &c, a, 0x40, 0x40, t[i].perm, &s, &z));
        ck_assert_uint_eq(c.r[1 + i].reg[0], a | t[i].rbar_low);
        ck_assert_uint_eq(c.r[1 + i].reg[1], (a + 0x20) | 0x11);
        ck_assert_uint_eq(m.ops->access(&m, &c, a), t[i].acc);
        ck_assert_uint_eq(m.ops->access(&m, &c, a + 0x3f), t[i].acc);
    }
}
END_TEST

/* ---- parameters and reset --------------------------------------------- */

START_TEST(test_params_and_reset)
{
    struct km_mpu_params ok8 = {8, 32, false}, ok16 = {16, 32, false};
    struct km_mpu_params bad_n = {12, 32, false}, bad_min = {8, 256, false};
    ck_assert_ptr_null(km_mpu_armv8m_ops.check_params(&ok8));
    ck_assert_ptr_null(km_mpu_armv8m_ops.check_params(&ok16));
    ck_assert_ptr_nonnull(km_mpu_armv8m_ops.check_params(&bad_n));
    ck_assert_ptr_nonnull(km_mpu_armv8m_ops.check_params(&bad_min));
    ck_assert_str_eq(km_mpu_armv8m_ops.name, "armv8m");

    struct km_mpu m = mpu_n(8);
    struct km_mpu_config c, empty;
    uint32_t s, z;
    m.ops->reset_config(&m, &empty);
    m.ops->reset_config(&m, &c);
    app_c1(&m, &c);
    ck_assert(alloc(&m, &c, 0x20008000, 0x40, 0x40, KM_PERM_RW, &s, &z));
    m.ops->reset_config(&m, &c);
    ck_assert(same_config(&c, &empty));
    ck_assert_int_eq(c.app_region, -1);
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++)
        ck_assert(!c.r[i].enabled);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x20004000), 0);
}
END_TEST

static Suite *mpu_armv8m_suite(void)
{
    Suite *s = suite_create("mpu_armv8m");
    TCase *tc = tcase_create("vectors");
    tcase_add_test(tc, test_vectors);
    tcase_add_test(tc, test_vector_locations);
    suite_add_tcase(s, tc);

    tc = tcase_create("app_memory");
    tcase_add_test(tc, test_app_unaligned_start_rounds);
    tcase_add_test(tc, test_app_returned_size_unrounded);
    tcase_add_test(tc, test_app_block_past_free_area);
    tcase_add_test(tc, test_app_zero_and_tiny);
    tcase_add_test(tc, test_app_overlap_refused);
    tcase_add_test(tc, test_app_second_allocation_replaces);
    tcase_add_test(tc, test_app_distance_overflow_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("regions");
    tcase_add_test(tc, test_ipc_in_kernel_top_refused);
    tcase_add_test(tc, test_ipc_overlap_between_regions);
    tcase_add_test(tc, test_exhaust_8_regions);
    tcase_add_test(tc, test_exhaust_16_regions);
    tcase_add_test(tc, test_shifted_region_quirk);
    tcase_add_test(tc, test_tiny_regions);
    tcase_add_test(tc, test_flash_length_not_multiple_of_32);
    tcase_add_test(tc, test_remove_existing_and_missing);
    suite_add_tcase(s, tc);

    tc = tcase_create("break");
    tcase_add_test(tc, test_brk_grow_and_shrink);
    tcase_add_test(tc, test_brk_into_kernel_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_add_test(tc, test_access_edges);
    tcase_add_test(tc, test_permissions);
    tcase_add_test(tc, test_params_and_reset);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mpu_armv8m_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
