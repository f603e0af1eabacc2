/* check_km_sched_cooperative.c: the cooperative scheduler
 * (capsules/system/src/scheduler/cooperative.rs) in virtual time: no
 * timeslice, round-robin order among ready processes, and after a kernel
 * preemption the same process goes on. With the default 1 MHz clock and
 * zero costs, one cycle is one microsecond. */
#include "km_harness.h"
#include "km_internal.h"

static struct harness *coop_open(unsigned nprocs, uint32_t timeslice_us)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.scheduler = "cooperative";
    o.timeslice_us = timeslice_us;
    return h_open(&o);
}

/* next() returns no timeslice: p0 computes 100 ms and gets the CPU back
 * at 100 ms, though p1 was ready all along (round robin would have
 * switched at 10 ms). Only p0's yield lets p1 start. */
START_TEST(test_coop_never_preempts_computation)
{
    struct harness *h = coop_open(2, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    struct km_dispatch d = h_compute(h, 0, 100000);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 100000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 100000);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 100000);
    h_close(h);
}
END_TEST

/* A configured timeslice changes nothing: cooperative.rs has none. */
START_TEST(test_coop_ignores_configured_timeslice)
{
    struct harness *h = coop_open(2, 2000);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 50000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 50000);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    h_close(h);
}
END_TEST

/* Kernel work still interrupts: p0's own alarm at 5 ms is serviced at
 * 5 ms (KernelPreemption), and result() keeps p0 at the head, so p0 goes
 * on computing, not p1. At 50 ms p0 yields, runs the queued upcall at
 * once, yields again, and only then p1 starts. */
START_TEST(test_coop_kernel_work_then_same_process)
{
    struct harness *h = coop_open(2, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000, 0);
    struct km_dispatch d = h_compute(h, 0, 50000);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 50000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 5000); /* serviced on time */
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 50000);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    h_close(h);
}
END_TEST

/* Round-robin order among the ready: the processes start 0, 1, 2; each
 * arms an alarm for 1 ms and waits. The three alarms fire together; after
 * the three stops (NoWorkLeft) the queue is back at 0, 1, 2, and so are
 * the upcalls. Then p1 alone gets an upcall: p0 and p2, not ready, are
 * passed over. */
START_TEST(test_coop_round_robin_order)
{
    struct harness *h = coop_open(3, 0);
    for (int p = 0; p < 3; p++) {
        H_EXPECT_DISPATCH(h_next(h), p, KM_RESUME_START);
        h_call(h, p, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
        h_call(h, p, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
        h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    }
    for (int p = 0; p < 3; p++) {
        struct km_dispatch d = h_next(h);
        H_EXPECT_DISPATCH(d, p, KM_RESUME_UPCALL);
        ck_assert_uint_eq(km_now(h->k), 1000);
        if (p == 1)
            h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 2000, 0);
        h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    }
    struct km_dispatch d = h_next(h);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 3000);
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* Each process runs until it waits: it computes 10 ms, makes a
 * yield-no-wait (with nothing queued that returns at once and does not
 * stop it), then a yield-wait. The three run one after another, starting
 * at 0, 10 and 20 ms. */
START_TEST(test_coop_runs_each_to_its_yield)
{
    struct harness *h = coop_open(3, 0);
    for (int p = 0; p < 3; p++) {
        H_EXPECT_DISPATCH(h_next(h), p, KM_RESUME_START);
        ck_assert_uint_eq(km_now(h->k), (uint64_t)p * 10000);
        H_EXPECT_DISPATCH(h_compute(h, p, 10000), p, KM_RESUME_RETURN);
        /* yield-no-wait with nothing queued returns to the same process */
        struct km_regs r = h_call(h, p, KM_SYS_YIELD, KM_YIELD_NO_WAIT, 0, 0, 0);
        (void)r;
        h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    }
    H_EXPECT_END(h_next(h), KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 30000);
    h_close(h);
}
END_TEST

static Suite *coop_suite(void)
{
    Suite *s = suite_create("km_sched_cooperative");
    TCase *tc = tcase_create("cooperative");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_coop_never_preempts_computation);
    tcase_add_test(tc, test_coop_ignores_configured_timeslice);
    tcase_add_test(tc, test_coop_kernel_work_then_same_process);
    tcase_add_test(tc, test_coop_round_robin_order);
    tcase_add_test(tc, test_coop_runs_each_to_its_yield);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(coop_suite());
}
