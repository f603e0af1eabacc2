/* check_km_costs: each cost of the platform's cost model is charged in
 * virtual time exactly where the kernel step it stands for happens, and
 * nowhere else (docs/cost-model.md). */
#include <check.h>

#include "km_harness.h"

/* Enabled regions of p's MPU configuration now. */
static unsigned regions(const struct harness *h, int p)
{
    struct km_proc_info info = h_info(h, p);
    unsigned n = 0;
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++)
        n += info.mpu.r[i].enabled;
    return n;
}

/* Loading a process's MPU configuration costs mpu_fixed + mpu_per_region
 * per enabled region when the hardware held another process's; a process
 * that continues with an unchanged configuration costs nothing. */
START_TEST(test_mpu_charged_on_switch_only)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.costs.mpu_fixed = 1000;
    o.costs.mpu_per_region = 100;
    o.costs.trap_entry = 1;
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    unsigned n0 = regions(h, 0);
    ck_assert_uint_ge(n0, 1);
    ck_assert_uint_eq(km_now(h->k), 1000 + 100 * n0); /* first load */
    uint64_t t = km_now(h->k);
    /* the same process continues after a syscall: only the trap */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_uint_eq(km_now(h->k), t + 1);
    t = km_now(h->k);
    /* p0 yields, p1 runs: p1's configuration is loaded */
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    unsigned n1 = regions(h, 1);
    ck_assert_uint_eq(km_now(h->k), t + 1 + 1000 + 100 * n1);
    h_close(h);
}
END_TEST

/* A configuration that changed (the break moved) is loaded again although
 * the same process continues (is_dirty in Tock's MPU drivers). */
START_TEST(test_mpu_charged_when_config_changes)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.costs.mpu_fixed = 1000;
    o.costs.mpu_per_region = 100;
    struct harness *h = h_open(&o);
    h_boot(h, 0); /* moves the break */
    uint64_t t = km_now(h->k);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_uint_eq(km_now(h->k), t);
    uint32_t ram = h_ram(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_MEMOP, 0, ram + 0x900, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(km_now(h->k), t + 1000 + 100 * regions(h, 0));
    h_close(h);
}
END_TEST

/* Switching back and forth loads each configuration every time. */
START_TEST(test_mpu_charged_each_switch)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.costs.mpu_fixed = 1000;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    struct km_regs r = h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 10000, 0);
    uint32_t expiry = (uint32_t)r.r[1];
    uint64_t t = km_now(h->k);
    /* p0 waits, p1 starts: p1's configuration is loaded */
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), t + 1000);
    /* p1 waits, the alarm wakes p0: p0's configuration is loaded again */
    H_EXPECT_DISPATCH(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), (uint64_t)expiry + 1000);
    h_close(h);
}
END_TEST

/* Entering a grant costs grant_enter, once per entry: a command to a capsule
 * with a grant (the alarm) pays it, one without (the LEDs) does not. */
START_TEST(test_grant_enter_per_entry)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.costs.grant_enter = 7;
    o.costs.command_base = 1000;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    uint64_t t = km_now(h->k);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_uint_eq(km_now(h->k), t + 1000);
    t = km_now(h->k);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0); /* read: enters the grant */
    ck_assert_uint_eq(km_now(h->k), t + 1000 + 7);
    t = km_now(h->k);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0); /* subscribe enters it too */
    ck_assert_uint_eq(km_now(h->k), t + 7);
    h_close(h);
}
END_TEST

/* The alarm value a process reads includes the whole cost of the read
 * syscall, so two reads in a row differ by one syscall: what a measurement
 * around nothing sees on a board. */
START_TEST(test_read_pair_is_one_syscall)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.costs.trap_entry = 3;
    o.costs.syscall_base = 5;
    o.costs.trap_exit = 11;
    o.costs.command_base = 17;
    o.costs.grant_enter = 23;
    o.costs.mpu_fixed = 1000;
    o.costs.context_switch = 1000;
    o.costs.sched_decision = 1000;
    o.scheduler = "cooperative"; /* no timeslice to end between the reads */
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    /* the first read allocates the alarm grant, which moves the kernel
     * break and so changes the MPU configuration (loaded again after it) */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0);
    struct km_regs a = h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0);
    struct km_regs b = h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0);
    ck_assert_uint_eq((uint32_t)(b.r[1] - a.r[1]), 3 + 5 + 11 + 17 + 23);
    h_close(h);
}
END_TEST

/* A kernel copy costs copy_fixed + len * copy_per_byte / 16; upcall
 * delivery costs upcall_dispatch; a scheduler decision sched_decision. */
START_TEST(test_upcall_and_sched_costs)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.costs.upcall_dispatch = 300;
    o.costs.sched_decision = 50;
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 50); /* one decision chose p0 */
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
    uint64_t t = km_now(h->k);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 0, KM_RESUME_UPCALL);
    /* the alarm fired at t + 1000; then a decision and the upcall frame */
    ck_assert_uint_ge(km_now(h->k), t + 1000 + 50 + 300);
    ck_assert_uint_le(km_now(h->k), t + 1000 + 2 * 50 + 300);
    h_close(h);
}
END_TEST

/* A copy an app declares (ipcsim_compute_copy) costs what the kernel's
 * copy of as many bytes costs, as computation: the app runs that long. */
static uint64_t time_after_compute(bool copy)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.costs.copy_fixed = 30;
    o.costs.copy_per_byte = 24; /* 1.5 cycles a byte */
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    ck_assert_uint_eq(km_copy_cycles(h->k, 100), 30 + 150);
    ck_assert_uint_eq(km_copy_cycles(h->k, 0), 30);
    uint64_t t = km_now(h->k);
    ck_assert_int_eq(copy ? km_compute_copy(h->k, 0, 100) : km_compute(h->k, 0, 180), 0);
    h->pending = false;                               /* the harness's dispatch was used up */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0); /* its next syscall, after the copy */
    uint64_t spent = km_now(h->k) - t;
    ck_assert_int_eq(km_compute_copy(h->k, 1, 100), -KM_EINVAL); /* not dispatched */
    h_close(h);
    return spent;
}

START_TEST(test_app_copy_charged_as_copy)
{
    uint64_t copy = time_after_compute(true), plain = time_after_compute(false);
    ck_assert_uint_ge(copy, 180);
    ck_assert_uint_eq(copy, plain);
}
END_TEST

static Suite *costs_suite(void)
{
    Suite *s = suite_create("km_costs");
    TCase *tc = tcase_create("mpu");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_mpu_charged_on_switch_only);
    tcase_add_test(tc, test_mpu_charged_when_config_changes);
    tcase_add_test(tc, test_mpu_charged_each_switch);
    suite_add_tcase(s, tc);
    tc = tcase_create("kernel");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_grant_enter_per_entry);
    tcase_add_test(tc, test_read_pair_is_one_syscall);
    tcase_add_test(tc, test_upcall_and_sched_costs);
    tcase_add_test(tc, test_app_copy_charged_as_copy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(costs_suite());
}
