/* check_mpu_pmp.c: the RISC-V PMP model (km_mpu_pmp.c) against the vectors
 * recorded from Tock's PMPUserMPU and against hand-computed cases, each
 * with its arithmetic; the rules are those of arch/riscv/src/pmp.rs. */
#include "km_mpu.h"
#include "mpu_test_vectors.h"

#include <check.h>
#include <stdlib.h>

/* ---- Helpers ----------------------------------------------------------- */

static struct km_mpu pmp(unsigned num_regions, bool epmp)
{
    struct km_mpu m = {.ops = &km_mpu_pmp_ops,
                       .p = {.num_regions = num_regions, .min_region_size = 4, .epmp = epmp}};
    return m;
}

/* Slot n holds an enabled TOR region [start, end) with pmpcfg `cfg` and the
 * two pmpaddr values given (computed by hand in each test). */
static void check_slot(const struct km_mpu_config *c, int n, uint32_t cfg, uint32_t start,
                       uint32_t end, uint32_t pmpaddr_a, uint32_t pmpaddr_b)
{
    const struct km_mpu_region *r = &c->r[n];
    ck_assert_msg(r->enabled, "slot %d not enabled", n);
    ck_assert_uint_eq(r->reg[0], cfg);
    ck_assert_uint_eq(r->base, start);
    ck_assert_uint_eq(r->base + r->size, end);
    ck_assert_uint_eq(r->reg[1], pmpaddr_a);
    ck_assert_uint_eq(r->reg[2], pmpaddr_b);
}

/* Field-by-field equality of two configurations (no memcmp: padding). */
static bool same_config(const struct km_mpu_config *a, const struct km_mpu_config *b)
{
    if (a->app_region != b->app_region)
        return false;
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        const struct km_mpu_region *x = &a->r[i], *y = &b->r[i];
        if (x->enabled != y->enabled || x->perm != y->perm || x->base != y->base ||
            x->size != y->size || x->loc_start != y->loc_start || x->loc_size != y->loc_size ||
            x->reg[0] != y->reg[0] || x->reg[1] != y->reg[1] || x->reg[2] != y->reg[2])
            return false;
    }
    return true;
}

static bool alloc(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start, uint32_t size,
                  uint32_t min, enum km_perm perm, uint32_t *rs, uint32_t *rz)
{
    return m->ops->allocate_region(m, start, size, min, perm, c, rs, rz);
}

static bool alloc_app(const struct km_mpu *m, struct km_mpu_config *c, uint32_t start,
                      uint32_t size, uint32_t min, uint32_t app, uint32_t kernel, uint32_t *rs,
                      uint32_t *rz)
{
    return m->ops->allocate_app_memory_region(m, start, size, min, app, kernel, KM_PERM_RW, c, rs,
                                              rz);
}

#define ACC_R KM_ACCESS_READ
#define ACC_W KM_ACCESS_WRITE
#define ACC_X KM_ACCESS_EXEC

/* ---- The vectors recorded from Tock ------------------------------------ */

/* D1, D3, DU1, DB1, DB7 of tests/data/mpu-vectors.json, replayed with
 * PMPUserMPU<4,_> parameters by the shared runner. */
START_TEST(test_vectors)
{
    char report[4096];
    int ran = 0;
    int failed =
        mpu_vectors_run(MPU_VECTORS, "riscv-pmp", &km_mpu_pmp_ops, report, sizeof report, &ran);
    ck_assert_msg(failed == 0, "%d of %d riscv-pmp vectors failed:\n%s", failed, ran, report);
    ck_assert_int_ge(ran, 5);
}
END_TEST

/* ---- Encoding and alignment -------------------------------------------- */

/* pmpcfg = A(TOR)=1<<3 | X<<2 | W<<1 | R (pmp.rs:243-268):
 * RWX 8+4+2+1 = 0x0f, RW 8+2+1 = 0x0b, RX 8+4+1 = 0x0d, R 8+1 = 0x09,
 * X 8+4 = 0x0c. Region i = [0x80000000 + i*0x100, +0x100): pmpaddr
 * 0x80000000 >> 2 = 0x20000000, each 0x100 step adds 0x100 >> 2 = 0x40. */
START_TEST(test_tor_encoding)
{
    struct km_mpu m = pmp(8, false);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    static const enum km_perm perms[] = {KM_PERM_RWX, KM_PERM_RW, KM_PERM_RX, KM_PERM_R, KM_PERM_X};
    static const uint32_t cfgs[] = {0x0f, 0x0b, 0x0d, 0x09, 0x0c};
    for (int i = 0; i < 5; i++) {
        uint32_t rs, rz, start = 0x80000000u + (uint32_t)i * 0x100u;
        ck_assert(alloc(&m, &c, start, 0x100, 0x100, perms[i], &rs, &rz));
        ck_assert_uint_eq(rs, start);
        ck_assert_uint_eq(rz, 0x100);
        check_slot(&c, i, cfgs[i], start, start + 0x100, 0x20000000u + (uint32_t)i * 0x40u,
                   0x20000040u + (uint32_t)i * 0x40u);
    }
    ck_assert_int_eq(c.app_region, -1);
}
END_TEST

/* Start 0x80001001 rounds up to (0x80001001 + 3) & ~3 = 0x80001004; size
 * 0x10; end 0x80001014 <= 0x80001001 + 0x20 = 0x80001021, so it fits.
 * pmpaddr 0x80001004 >> 2 = 0x20000401, 0x80001014 >> 2 = 0x20000405.
 * D3's start 0x80004321 rounds to 0x80004324 the same way. */
START_TEST(test_start_aligned_up)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80001001, 0x20, 0x10, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80001004);
    ck_assert_uint_eq(rz, 0x10);
    check_slot(&c, 0, 0x0b, 0x80001004, 0x80001014, 0x20000401, 0x20000405);

    ck_assert(alloc(&m, &c, 0x80004321, 0x100, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80004324);
    check_slot(&c, 1, 0x0b, 0x80004324, 0x80004364, 0x200010c9, 0x200010d9);
}
END_TEST

/* The size comes from min_region_size, not from the free area
 * (pmp.rs:1116-1123): min 0x41 -> (0x41 + 3) & ~3 = 0x44 although 0x100
 * are free; min 0 -> 0 -> raised to 4; min 1 -> 4. */
START_TEST(test_size_from_min_size)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80002000, 0x100, 0x41, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rz, 0x44);
    check_slot(&c, 0, 0x0b, 0x80002000, 0x80002044, 0x20000800, 0x20000811);
    ck_assert(alloc(&m, &c, 0x80002100, 0x100, 0, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rz, 4);
    check_slot(&c, 1, 0x0b, 0x80002100, 0x80002104, 0x20000840, 0x20000841);
    ck_assert(alloc(&m, &c, 0x80002200, 0x100, 1, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rz, 4);
}
END_TEST

/* ---- The read-only overrun (pmp.rs:1130-1161, tock/tock#3544) ---------- */

/* 0x3e bytes at 0x80004000: size 0x3e -> 0x40, end 0x80004040 > limit
 * 0x8000403e. Writable (RW, RWX): refused, nothing changes. */
START_TEST(test_writable_no_overrun)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c, before;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    before = c;
    ck_assert(!alloc(&m, &c, 0x80004000, 0x3e, 0x3e, KM_PERM_RW, &rs, &rz));
    ck_assert(!alloc(&m, &c, 0x80004000, 0x3e, 0x3e, KM_PERM_RWX, &rs, &rz));
    ck_assert(same_config(&c, &before));
}
END_TEST

/* Not writable: accepted while end <= limit + 3.
 * R:  end 0x80004040, limit 0x8000403e, + 3 = 0x80004041: 2 B past, ok.
 * RX: start 0x80005001 -> 0x80005004, size 0x3c, end 0x80005040, limit
 *     0x8000503d, + 3 = 0x80005040: exactly 3 B past, ok.
 * X:  start 0x80006001 -> 0x80006004, size 0x3c, end 0x80006040, limit
 *     0x80006001 + 0x3b = 0x8000603c, + 3 = 0x8000603f: 4 B past, refused. */
START_TEST(test_readonly_overrun)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80004000, 0x3e, 0x3e, KM_PERM_R, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80004000);
    ck_assert_uint_eq(rz, 0x40);
    check_slot(&c, 0, 0x09, 0x80004000, 0x80004040, 0x20001000, 0x20001010);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x8000403f), ACC_R); /* past the area */

    ck_assert(alloc(&m, &c, 0x80005001, 0x3c, 0x3c, KM_PERM_RX, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80005004);
    ck_assert_uint_eq(rz, 0x3c);
    check_slot(&c, 1, 0x0d, 0x80005004, 0x80005040, 0x20001401, 0x20001410);

    ck_assert(!alloc(&m, &c, 0x80006001, 0x3b, 0x3c, KM_PERM_X, &rs, &rz));
    ck_assert(!c.r[2].enabled);
}
END_TEST

/* ---- Exhaustion: flash 1 + app RAM 1 + the rest for IPC ----------------- */

/* n = 2, 4, 8 user regions (arty_e21, e310x/earlgrey, esp32-c3). Flash
 * (0x20010000, 0x8000) RX -> slot 0; app RAM: initial app 0 -> 4 B
 * protected, block max(0x1000, 4 + 0x400) = 0x1000 -> slot 1; IPC regions
 * of 0x40 at 0x80050000 + k*0x100 take slots 2 .. n-1 (n - 2 of them); the
 * next one finds no OFF slot and changes nothing. */
START_TEST(test_exhaustion)
{
    unsigned n = 2u << _i; /* 2, 4, 8 */
    struct km_mpu m = pmp(n, false);
    struct km_mpu_config c, before;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert_uint_eq(m.ops->number_total_regions(&m), n);
    ck_assert(alloc(&m, &c, 0x20010000, 0x8000, 0x8000, KM_PERM_RX, &rs, &rz));
    check_slot(&c, 0, 0x0d, 0x20010000, 0x20018000, 0x08004000, 0x08006000);
    ck_assert(alloc_app(&m, &c, 0x80004000, 0x40000, 0x1000, 0, 0x400, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80004000);
    ck_assert_uint_eq(rz, 0x1000);
    ck_assert_int_eq(c.app_region, 1);
    check_slot(&c, 1, 0x0b, 0x80004000, 0x80004004, 0x20001000, 0x20001001);
    for (unsigned k = 0; k < n - 2; k++) {
        uint32_t a = 0x80050000u + k * 0x100u;
        ck_assert_msg(alloc(&m, &c, a, 0x40, 0x40, KM_PERM_RW, &rs, &rz), "IPC %u", k);
        check_slot(&c, (int)(2 + k), 0x0b, a, a + 0x40, a >> 2, (a + 0x40) >> 2);
    }
    before = c;
    ck_assert(!alloc(&m, &c, 0x80058000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(same_config(&c, &before));
}
END_TEST

/* ---- App memory region ------------------------------------------------- */

/* Initial app 0x302 -> (0x302 + 3) & ~3 = 0x304 protected; block
 * max(0x100, 0x304 + 0x400 = 0x704) = 0x704. Slot 0 = [0x80010000,
 * 0x80010304): pmpaddr 0x20004000, 0x80010304 >> 2 = 0x200040c1. A second
 * app region is refused while free slots remain. */
START_TEST(test_app_region_layout_and_once)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c, before;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x100, 0x302, 0x400, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80010000);
    ck_assert_uint_eq(rz, 0x704);
    ck_assert_int_eq(c.app_region, 0);
    check_slot(&c, 0, 0x0b, 0x80010000, 0x80010304, 0x20004000, 0x200040c1);
    before = c;
    ck_assert(!alloc_app(&m, &c, 0x80020000, 0x10000, 0x100, 0x100, 0x400, &rs, &rz));
    ck_assert(same_config(&c, &before));
}
END_TEST

/* Start 0x80010001 -> 0x80010004; block 0x2000; 0x80010004 + 0x2000 =
 * 0x80012004 > 0x80010001 + 0x2000 = 0x80012001: the rounding pushes the
 * block out of the free area -> None. */
START_TEST(test_app_block_must_fit)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c, before;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    before = c;
    ck_assert(!alloc_app(&m, &c, 0x80010001, 0x2000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(same_config(&c, &before));
    ck_assert_int_eq(c.app_region, -1);
}
END_TEST

/* A region at [0x80011000, 0x80011040) lies inside the app block
 * [0x80010000, 0x80012000): the app allocation checks the whole block
 * (pmp.rs:1278-1285) -> None. */
START_TEST(test_app_block_overlap_refused)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80011000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(!alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert_int_eq(c.app_region, -1);
}
END_TEST

/* ---- brk: update_app_memory_region (pmp.rs:1301-1330) ------------------ */

/* Block [0x80010000, 0x80012000), kernel break 0x80011c00 (0x400 below the
 * top). Break 0x80010801 -> 0x80010804: pmpaddr 0x20004201, 0x804 B.
 * Break 0x80011bfd -> 0x80011c00 = kernel break: allowed (not above).
 * Break 0x80011c01 -> 0x80011c04 > 0x80011c00: Err, end unchanged.
 * The permissions are rewritten each time: RX gives cfg 0x0d. */
START_TEST(test_brk_growth)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c, before;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(m.ops->update_app_memory_region(&m, 0x80010801, 0x80011c00, KM_PERM_RW, &c));
    check_slot(&c, 0, 0x0b, 0x80010000, 0x80010804, 0x20004000, 0x20004201);
    ck_assert(m.ops->update_app_memory_region(&m, 0x80011bfd, 0x80011c00, KM_PERM_RW, &c));
    check_slot(&c, 0, 0x0b, 0x80010000, 0x80011c00, 0x20004000, 0x20004700);
    before = c;
    ck_assert(!m.ops->update_app_memory_region(&m, 0x80011c01, 0x80011c00, KM_PERM_RW, &c));
    ck_assert(same_config(&c, &before));
    ck_assert(m.ops->update_app_memory_region(&m, 0x80011000, 0x80011c00, KM_PERM_RX, &c));
    check_slot(&c, 0, 0x0d, 0x80010000, 0x80011000, 0x20004000, 0x20004400);
}
END_TEST

/* No lower bound: break 0x8000fff0 (below the start 0x80010000) is
 * accepted; pmpaddr b = 0x8000fff0 >> 2 = 0x20003ffc < a = 0x20004000, so
 * the TOR range matches nothing: the app loses all its RAM. Break = start
 * gives an empty range too. Without an app region: Err. */
START_TEST(test_brk_no_lower_bound)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(!m.ops->update_app_memory_region(&m, 0x80010100, 0x80011c00, KM_PERM_RW, &c));
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(!m.ops->update_app_memory_region(&m, 0x80020040, 0x80021c00, KM_PERM_RW, &c));

    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0x100, 0x400, &rs, &rz));
    ck_assert(m.ops->update_app_memory_region(&m, 0x8000fff0, 0x80011c00, KM_PERM_RW, &c));
    const struct km_mpu_region *r = &c.r[1];
    ck_assert(r->enabled);
    ck_assert_uint_eq(r->reg[1], 0x20004000);
    ck_assert_uint_eq(r->reg[2], 0x20003ffc);
    ck_assert_uint_eq(r->size, 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80010000), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x8000fff0), 0);
    ck_assert(m.ops->update_app_memory_region(&m, 0x80010000, 0x80011c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80010000), 0);
}
END_TEST

/* ---- Overlap checks ---------------------------------------------------- */

/* A = [0x80020000, 0x80020040). B at 0x8002003c: A contains B's start ->
 * None. C at 0x80020040: half-open, A's last byte 0x8002003f is not in C
 * -> accepted. D = [0x8001ff00, 0x80020100) contains A's start -> None. */
START_TEST(test_overlap_refused_adjacent_ok)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(!alloc(&m, &c, 0x8002003c, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(alloc(&m, &c, 0x80020040, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(!alloc(&m, &c, 0x8001ff00, 0x200, 0x200, KM_PERM_R, &rs, &rz));
    ck_assert(!c.r[2].enabled);
}
END_TEST

/* The app slot records only [start, break) = [0x80010000, 0x80010004),
 * not the block [0x80010000, 0x80012000): an IPC region at 0x80011f00,
 * inside the kernel-owned top [0x80011c00, 0x80012000), is accepted and
 * the app can then read and write grant memory. */
START_TEST(test_ipc_in_kernel_owned_top_accepted)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert_uint_eq(rz, 0x2000);
    ck_assert(alloc(&m, &c, 0x80011f00, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    check_slot(&c, 1, 0x0b, 0x80011f00, 0x80011f40, 0x200047c0, 0x200047d0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80011f00), ACC_R | ACC_W);
}
END_TEST

/* ---- remove_memory_region (pmp.rs:1182-1207) --------------------------- */

/* Matching needs start and end equal: (0x80020000, 0x20) ends at
 * 0x80020020 != 0x80020040, (0x80020004, 0x3c) starts elsewhere: Err.
 * (0x80020000, 0x40) matches slot 0: its pmpcfg turns OFF, its pmpaddr
 * values stay (0x20008000, 0x20008010); a second removal finds no enabled
 * match: Err. The freed slot 0 is the next one used. */
START_TEST(test_remove)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(alloc(&m, &c, 0x80020100, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(!m.ops->remove_memory_region(&m, 0x80020000, 0x20, &c));
    ck_assert(!m.ops->remove_memory_region(&m, 0x80020004, 0x3c, &c));
    ck_assert(c.r[0].enabled);
    ck_assert(m.ops->remove_memory_region(&m, 0x80020000, 0x40, &c));
    ck_assert(!c.r[0].enabled);
    ck_assert_uint_eq(c.r[0].reg[0], 0);
    ck_assert_uint_eq(c.r[0].reg[1], 0x20008000);
    ck_assert_uint_eq(c.r[0].reg[2], 0x20008010);
    ck_assert(c.r[1].enabled);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80020000), 0);
    ck_assert(!m.ops->remove_memory_region(&m, 0x80020000, 0x40, &c));
    ck_assert(alloc(&m, &c, 0x80030000, 0x40, 0x40, KM_PERM_R, &rs, &rz));
    check_slot(&c, 0, 0x09, 0x80030000, 0x80030040, 0x2000c000, 0x2000c010);
}
END_TEST

/* Removing the app slot [0x80010000, 0x80010004) leaves app_region_idx
 * set: a new app region is refused, and the next brk turns the slot back
 * on with its old start: [0x80010000, 0x80010100). */
START_TEST(test_remove_app_region_then_brk)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(m.ops->remove_memory_region(&m, 0x80010000, 4, &c));
    ck_assert(!c.r[0].enabled);
    ck_assert_int_eq(c.app_region, 0);
    ck_assert(!alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(m.ops->update_app_memory_region(&m, 0x80010100, 0x80011c00, KM_PERM_RW, &c));
    check_slot(&c, 0, 0x0b, 0x80010000, 0x80010100, 0x20004000, 0x20004040);
}
END_TEST

/* ---- access() ---------------------------------------------------------- */

/* [0x80020000, 0x80020040) RW: 0x8001ffff no; first byte and last byte
 * 0x8002003f R|W; 0x80020040 (the TOR top is exclusive) no. */
START_TEST(test_access_edges)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80020000), 0);
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x8001ffff), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80020000), ACC_R | ACC_W);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x8002003f), ACC_R | ACC_W);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80020040), 0);
}
END_TEST

/* Each permission as the hardware grants it: RWX all, RW R|W, RX R|X,
 * R R, X X (one region of 0x100 each, at 0x80000000 + i*0x100). */
START_TEST(test_access_permissions)
{
    struct km_mpu m = pmp(8, false);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    static const enum km_perm perms[] = {KM_PERM_RWX, KM_PERM_RW, KM_PERM_RX, KM_PERM_R, KM_PERM_X};
    static const unsigned want[] = {ACC_R | ACC_W | ACC_X, ACC_R | ACC_W, ACC_R | ACC_X, ACC_R,
                                    ACC_X};
    for (int i = 0; i < 5; i++) {
        uint32_t rs, rz, start = 0x80000000u + (uint32_t)i * 0x100u;
        ck_assert(alloc(&m, &c, start, 0x100, 0x100, perms[i], &rs, &rz));
        ck_assert_uint_eq(m.ops->access(&m, &c, start + 0x80), want[i]);
    }
}
END_TEST

/* Overlaps arise when brk grows the app slot over a region (update has no
 * overlap check). The lowest-numbered slot decides.
 * Case 1: slot 0 R [0x80012000, 0x80012100); app block [0x80010000,
 * 0x80012000) (adjacent, accepted) in slot 1; brk 0x80012080 (kernel
 * break 0x80013000 for the example) -> slot 1 [0x80010000, 0x80012080).
 * 0x80012000 and 0x8001207f: slot 0 wins, R only; 0x80011ffc: R|W;
 * 0x80012100: nothing.
 * Case 2: app slot 0, RX slot 1 [0x80011000, 0x80011100) in the block's
 * unprotected part; brk 0x80011080 -> slot 0 [0x80010000, 0x80011080):
 * 0x80011000 R|W (slot 0, no X); 0x80011080 R|X (slot 1 only). */
START_TEST(test_access_lowest_slot_wins)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0x80012000, 0x100, 0x100, KM_PERM_R, &rs, &rz));
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x2000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert_int_eq(c.app_region, 1);
    ck_assert(m.ops->update_app_memory_region(&m, 0x80012080, 0x80013000, KM_PERM_RW, &c));
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80012000), ACC_R);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x8001207f), ACC_R);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80011ffc), ACC_R | ACC_W);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80012100), 0);

    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(alloc(&m, &c, 0x80011000, 0x100, 0x100, KM_PERM_RX, &rs, &rz));
    ck_assert(m.ops->update_app_memory_region(&m, 0x80011080, 0x80011c00, KM_PERM_RW, &c));
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80011000), ACC_R | ACC_W);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0x80011080), ACC_R | ACC_X);
}
END_TEST

/* ---- Parameters, ePMP, reset, wrap-around ------------------------------ */

/* 1..8 user regions (two of 16 entries each), granularity 4; with Smepmp
 * at most (16 - 5) / 2 = 5 (KernelProtectionMMLEPMP; earlgrey uses 4). */
START_TEST(test_check_params)
{
    const struct km_mpu_ops *o = &km_mpu_pmp_ops;
    ck_assert_str_eq(o->name, "riscv_pmp");
    struct km_mpu_params p = {.num_regions = 2, .min_region_size = 4};
    ck_assert_ptr_null(o->check_params(&p));
    p.num_regions = 4;
    ck_assert_ptr_null(o->check_params(&p));
    p.num_regions = 8;
    ck_assert_ptr_null(o->check_params(&p));
    p.num_regions = 0;
    ck_assert_ptr_nonnull(o->check_params(&p));
    p.num_regions = 9;
    ck_assert_ptr_nonnull(o->check_params(&p));
    p.num_regions = 4;
    p.min_region_size = 32;
    ck_assert_ptr_nonnull(o->check_params(&p));
    p.min_region_size = 4;
    p.epmp = true;
    ck_assert_ptr_null(o->check_params(&p));
    p.num_regions = 5;
    ck_assert_ptr_null(o->check_params(&p));
    p.num_regions = 6;
    ck_assert_ptr_nonnull(o->check_params(&p));
}
END_TEST

/* earlgrey (4 regions, Smepmp): allocation is Tock's generic PMPUserMPU,
 * so D1 comes out the same: initial app 0xc00, block max(0x1000, 0xc00 +
 * 0x400) = 0x1000, slot 0 [0x80004000, 0x80004c00), pmpaddr 0x20001000,
 * 0x20001300. An RWX region is still allocated (cfg 0x0f); Tock refuses
 * it only when writing the ePMP (a panic in configure_mpu). */
START_TEST(test_epmp_same_allocation)
{
    struct km_mpu e = pmp(4, true), s = pmp(4, false);
    struct km_mpu_config ce, cs;
    uint32_t rs, rz;
    ck_assert_uint_eq(e.ops->number_total_regions(&e), 4);
    e.ops->reset_config(&e, &ce);
    s.ops->reset_config(&s, &cs);
    ck_assert(alloc_app(&e, &ce, 0x80004000, 0x40000, 0x1000, 0xc00, 0x400, &rs, &rz));
    ck_assert_uint_eq(rs, 0x80004000);
    ck_assert_uint_eq(rz, 0x1000);
    check_slot(&ce, 0, 0x0b, 0x80004000, 0x80004c00, 0x20001000, 0x20001300);
    ck_assert(alloc(&e, &ce, 0x80050000, 0x40, 0x40, KM_PERM_RWX, &rs, &rz));
    check_slot(&ce, 1, 0x0f, 0x80050000, 0x80050040, 0x20014000, 0x20014010);
    ck_assert(alloc_app(&s, &cs, 0x80004000, 0x40000, 0x1000, 0xc00, 0x400, &rs, &rz));
    ck_assert(alloc(&s, &cs, 0x80050000, 0x40, 0x40, KM_PERM_RWX, &rs, &rz));
    ck_assert(same_config(&ce, &cs));
}
END_TEST

/* reset_config: every slot OFF with null addresses, no app region; the
 * next allocation takes slot 0 again. */
START_TEST(test_reset_config)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc_app(&m, &c, 0x80010000, 0x10000, 0x2000, 0, 0x400, &rs, &rz));
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    m.ops->reset_config(&m, &c);
    ck_assert_int_eq(c.app_region, -1);
    for (int i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        ck_assert(!c.r[i].enabled);
        ck_assert_uint_eq(c.r[i].reg[0], 0);
        ck_assert_uint_eq(c.r[i].reg[1], 0);
        ck_assert_uint_eq(c.r[i].reg[2], 0);
    }
    ck_assert(alloc(&m, &c, 0x80020000, 0x40, 0x40, KM_PERM_RW, &rs, &rz));
    ck_assert(c.r[0].enabled);
}
END_TEST

/* RV32 release arithmetic wraps (no overflow checks in Tock's release
 * profile). 0x100 at 0xffffff00: end 0xffffff00 + 0x100 = 0 (mod 2^32),
 * limit also 0, 0 > 0 is false -> accepted; the new range [0xffffff00, 0)
 * is empty so no overlap; stored end 0, pmpaddr b 0: the region matches
 * nothing, yet remove(0xffffff00, 0x100) finds it (end 0 again).
 * Start 0xfffffffd rounds to 0 (wraps), size 4, end 4 <= limit
 * 0xfffffffd + 2 = 0xffffffff -> [0, 4) R is granted. */
START_TEST(test_wraparound)
{
    struct km_mpu m = pmp(4, false);
    struct km_mpu_config c;
    uint32_t rs, rz;
    m.ops->reset_config(&m, &c);
    ck_assert(alloc(&m, &c, 0xffffff00u, 0x100, 0x100, KM_PERM_RW, &rs, &rz));
    ck_assert_uint_eq(rs, 0xffffff00u);
    ck_assert_uint_eq(rz, 0x100);
    ck_assert(c.r[0].enabled);
    ck_assert_uint_eq(c.r[0].reg[1], 0x3fffffc0);
    ck_assert_uint_eq(c.r[0].reg[2], 0);
    ck_assert_uint_eq(c.r[0].size, 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0xffffff00u), 0);
    ck_assert(m.ops->remove_memory_region(&m, 0xffffff00u, 0x100, &c));

    ck_assert(alloc(&m, &c, 0xfffffffdu, 2, 0, KM_PERM_R, &rs, &rz));
    ck_assert_uint_eq(rs, 0);
    ck_assert_uint_eq(rz, 4);
    check_slot(&c, 0, 0x09, 0, 4, 0, 1);
    ck_assert_uint_eq(m.ops->access(&m, &c, 0), ACC_R);
}
END_TEST

static Suite *pmp_suite(void)
{
    Suite *s = suite_create("mpu_pmp");
    TCase *tc = tcase_create("vectors");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_vectors);
    suite_add_tcase(s, tc);

    tc = tcase_create("allocate_region");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_tor_encoding);
    tcase_add_test(tc, test_start_aligned_up);
    tcase_add_test(tc, test_size_from_min_size);
    tcase_add_test(tc, test_writable_no_overrun);
    tcase_add_test(tc, test_readonly_overrun);
    tcase_add_loop_test(tc, test_exhaustion, 0, 3);
    tcase_add_test(tc, test_overlap_refused_adjacent_ok);
    tcase_add_test(tc, test_ipc_in_kernel_owned_top_accepted);
    tcase_add_test(tc, test_wraparound);
    suite_add_tcase(s, tc);

    tc = tcase_create("app_memory");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_app_region_layout_and_once);
    tcase_add_test(tc, test_app_block_must_fit);
    tcase_add_test(tc, test_app_block_overlap_refused);
    tcase_add_test(tc, test_brk_growth);
    tcase_add_test(tc, test_brk_no_lower_bound);
    suite_add_tcase(s, tc);

    tc = tcase_create("remove_reset");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_remove_app_region_then_brk);
    tcase_add_test(tc, test_reset_config);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_access_edges);
    tcase_add_test(tc, test_access_permissions);
    tcase_add_test(tc, test_access_lowest_slot_wins);
    suite_add_tcase(s, tc);

    tc = tcase_create("params");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_check_params);
    tcase_add_test(tc, test_epmp_same_allocation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pmp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
