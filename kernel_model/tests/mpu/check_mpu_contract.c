/* check_mpu_contract.c: one contract suite run against every MPU model: the
 * properties any implementation of Tock's MPU trait must have, whatever its
 * region arithmetic (the models' own suites hold the exact figures). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "km_mpu.h"

struct model_case {
    const char *name;
    struct km_mpu_params p;
};

/* One realistic configuration per model: Cortex-M4 (8 regions, 32 B),
 * Cortex-M33 (8 regions), a 4-user-region PMP (earlgrey-like). */
static const struct model_case cases[] = {
    {"armv7m", {8, 32, false}},
    {"armv8m", {8, 32, false}},
    {"riscv_pmp", {4, 4, false}},
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static struct km_mpu model(int i)
{
    struct km_mpu m = {.ops = km_mpu_find(cases[i].name), .p = cases[i].p};
    ck_assert_msg(m.ops != NULL, "no model %s", cases[i].name);
    ck_assert_ptr_null(m.ops->check_params(&m.p));
    return m;
}

static int enabled_regions(const struct km_mpu_config *c)
{
    int n = 0;
    for (int i = 0; i < KM_MPU_MAX_REGIONS; i++)
        n += c->r[i].enabled;
    return n;
}

#define RAM 0x20000000u
#define RAM_SIZE 0x40000u

/* A fresh configuration allows nothing. */
START_TEST(contract_reset_is_empty)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    memset(&c, 0xa5, sizeof(c));
    m.ops->reset_config(&m, &c);
    ck_assert_int_eq(enabled_regions(&c), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, RAM), 0);
    ck_assert(!km_mpu_range_allowed(&m, &c, RAM, 4, KM_ACCESS_READ));
    ck_assert_uint_ge(m.ops->number_total_regions(&m), 1);
}
END_TEST

/* allocate_app_memory_region: a block inside the free area, at least the
 * minimum, whose initial app part is read-write and whose kernel part the
 * app cannot write. */
START_TEST(contract_app_block)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    uint32_t s, z;
    ck_assert(m.ops->allocate_app_memory_region(&m, RAM, RAM_SIZE, 0x1400, 0x400, 0x400, KM_PERM_RW,
                                                &c, &s, &z));
    ck_assert_uint_ge(s, RAM);
    ck_assert_uint_ge(z, 0x1400);
    ck_assert_uint_le((uint64_t)s + z, (uint64_t)RAM + RAM_SIZE);
    ck_assert(km_mpu_range_allowed(&m, &c, s, 0x400, KM_ACCESS_READ | KM_ACCESS_WRITE));
    ck_assert(!km_mpu_range_allowed(&m, &c, s + z - 0x400, 0x400, KM_ACCESS_WRITE));
    ck_assert(!km_mpu_range_allowed(&m, &c, s - 4, 4, KM_ACCESS_READ));
}
END_TEST

/* update_app_memory_region grows and shrinks the app part; a break above
 * the kernel break is refused and changes nothing. */
START_TEST(contract_brk)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    uint32_t s, z;
    ck_assert(m.ops->allocate_app_memory_region(&m, RAM, RAM_SIZE, 0x4000, 0x400, 0x400, KM_PERM_RW,
                                                &c, &s, &z));
    uint32_t kbrk = s + z - 0x400;
    ck_assert(m.ops->update_app_memory_region(&m, s + 0x2000, kbrk, KM_PERM_RW, &c));
    ck_assert(km_mpu_range_allowed(&m, &c, s, 0x2000, KM_ACCESS_READ | KM_ACCESS_WRITE));
    ck_assert(m.ops->update_app_memory_region(&m, s + 0x1000, kbrk, KM_PERM_RW, &c));
    ck_assert(km_mpu_range_allowed(&m, &c, s, 0x1000, KM_ACCESS_WRITE));
    ck_assert(!km_mpu_range_allowed(&m, &c, s + 0x1000, 0x1000, KM_ACCESS_WRITE));
    struct km_mpu_config before = c;
    ck_assert(!m.ops->update_app_memory_region(&m, kbrk + 0x100, kbrk, KM_PERM_RW, &c));
    ck_assert_mem_eq(&before.r, &c.r, sizeof(c.r));
}
END_TEST

/* allocate_region over an aligned power-of-two buffer is exact on every
 * MPU; removing it takes the access away; removing it again fails. */
START_TEST(contract_region_add_remove)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    uint32_t s, z;
    ck_assert(m.ops->allocate_region(&m, RAM + 0x30000, 0x100, 0x100, KM_PERM_RW, &c, &s, &z));
    ck_assert_uint_eq(s, RAM + 0x30000);
    ck_assert_uint_ge(z, 0x100);
    ck_assert(km_mpu_range_allowed(&m, &c, RAM + 0x30000, 0x100, KM_ACCESS_READ | KM_ACCESS_WRITE));
    ck_assert_uint_eq(m.ops->access(&m, &c, RAM + 0x30000 - 1), 0);
    ck_assert_uint_eq(m.ops->access(&m, &c, RAM + 0x30100), 0);
    ck_assert(m.ops->remove_memory_region(&m, s, z, &c));
    ck_assert_uint_eq(m.ops->access(&m, &c, RAM + 0x30000), 0);
    ck_assert(!m.ops->remove_memory_region(&m, s, z, &c));
}
END_TEST

/* A read-only region can be read and not written. */
START_TEST(contract_read_only)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    uint32_t s, z;
    ck_assert(m.ops->allocate_region(&m, RAM + 0x30000, 0x100, 0x100, KM_PERM_R, &c, &s, &z));
    ck_assert(km_mpu_range_allowed(&m, &c, RAM + 0x30000, 0x100, KM_ACCESS_READ));
    ck_assert(!km_mpu_range_allowed(&m, &c, RAM + 0x30000, 1, KM_ACCESS_WRITE));
}
END_TEST

/* Regions run out: at most number_total_regions succeed, and the failing
 * request leaves the configuration as it was. */
START_TEST(contract_exhaustion)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    unsigned ok = 0;
    bool failed = false;
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS + 1 && !failed; i++) {
        struct km_mpu_config before = c;
        uint32_t s, z;
        if (m.ops->allocate_region(&m, RAM + 0x10000 + i * 0x1000, 0x100, 0x100, KM_PERM_RW, &c, &s,
                                   &z)) {
            ok++;
        } else {
            failed = true;
            ck_assert_mem_eq(&before.r, &c.r, sizeof(c.r));
        }
    }
    ck_assert(failed);
    ck_assert_uint_ge(ok, 1);
    ck_assert_uint_le(ok, m.ops->number_total_regions(&m));
}
END_TEST

/* The runs of equal access cover exactly the accessible bytes. */
static void count_run(void *ctx, uint32_t start, uint32_t end, unsigned access)
{
    (void)access;
    *(uint64_t *)ctx += end - start;
}

START_TEST(contract_runs_match_access)
{
    struct km_mpu m = model(_i);
    struct km_mpu_config c;
    m.ops->reset_config(&m, &c);
    uint32_t s, z;
    ck_assert(m.ops->allocate_app_memory_region(&m, RAM, RAM_SIZE, 0x1400, 0x400, 0x400, KM_PERM_RW,
                                                &c, &s, &z));
    ck_assert(m.ops->allocate_region(&m, RAM + 0x30000, 0x100, 0x100, KM_PERM_R, &c, &s, &z));
    uint64_t from_runs = 0, from_bytes = 0;
    km_mpu_for_each_run(&m, &c, RAM, RAM + RAM_SIZE, count_run, &from_runs);
    for (uint32_t a = RAM; a < RAM + RAM_SIZE; a += 4)
        from_bytes += m.ops->access(&m, &c, a) ? 4 : 0;
    ck_assert_uint_eq(from_runs, from_bytes);
}
END_TEST

static Suite *contract_suite(void)
{
    Suite *s = suite_create("mpu_contract");
    TCase *tc = tcase_create("every model");
    tcase_add_loop_test(tc, contract_reset_is_empty, 0, NCASES);
    tcase_add_loop_test(tc, contract_app_block, 0, NCASES);
    tcase_add_loop_test(tc, contract_brk, 0, NCASES);
    tcase_add_loop_test(tc, contract_region_add_remove, 0, NCASES);
    tcase_add_loop_test(tc, contract_read_only, 0, NCASES);
    tcase_add_loop_test(tc, contract_exhaustion, 0, NCASES);
    tcase_add_loop_test(tc, contract_runs_match_access, 0, NCASES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(contract_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
