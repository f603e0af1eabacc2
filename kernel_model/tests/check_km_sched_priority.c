/* check_km_sched_priority.c: the fixed-priority scheduler
 * (capsules/system/src/scheduler/priority.rs) in virtual time: the ready
 * process of highest priority runs with no timeslice, and a process of
 * higher priority that becomes ready stops the running one at the next
 * check (continue_process). Priority is km_proc_config.priority, lower
 * first; the harness defaults it to the process's index, as upstream uses
 * the position in the process array. With the default 1 MHz clock and
 * zero costs, one cycle is one microsecond. */
#include "km_harness.h"
#include "km_internal.h"

static struct harness *prio_open(unsigned nprocs, const uint32_t *priority, uint32_t timeslice_us)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.scheduler = "priority";
    o.timeslice_us = timeslice_us;
    if (priority)
        for (unsigned i = 0; i < nprocs; i++)
            o.priority[i] = priority[i];
    return h_open(&o);
}

/* Default priorities (array order): p0 starts, computes 20 ms with no
 * timeslice and gets the CPU back; only when it waits does p1 start, and
 * p2 after p1. */
START_TEST(test_prio_array_order)
{
    struct harness *h = prio_open(3, NULL, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 20000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 20000);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 2, KM_RESUME_START);
    H_EXPECT_END(h_syscall(h, 2, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    h_close(h);
}
END_TEST

/* Configured priorities {2, 0, 1}: p1 first, then p2, then p0. */
START_TEST(test_prio_configured_order)
{
    static const uint32_t prio[] = {2, 0, 1};
    struct harness *h = prio_open(3, prio, 0);
    H_EXPECT_DISPATCH(h_next(h), 1, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 2, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_syscall(h, 2, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 0, KM_RESUME_START);
    h_close(h);
}
END_TEST

/* p0 (high) waits for its alarm at 5 ms; p1 (low) starts and computes
 * 100 ms. At 5 ms the alarm interrupt stops p1 (KernelPreemption), and
 * next() picks p0, which runs its upcall at 5 ms, computes 2 ms and waits
 * again. Only then does p1 go on; its remaining 95 ms end at 102 ms. */
START_TEST(test_prio_alarm_preempts_lower_mid_computation)
{
    struct harness *h = prio_open(2, NULL, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000, 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 0);
    d = h_compute(h, 1, 100000);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 5000);
    ck_assert_uint_eq(d.upcall.args[0], 5000);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 5000);
    H_EXPECT_DISPATCH(h_compute(h, 0, 2000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 7000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 102000);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 100000);
    ck_assert_uint_eq(h_info(h, 1).stats.timeslice_expirations, 0);
    h_close(h);
}
END_TEST

/* The lower-priority process runs only while the higher one is blocked:
 * p1 is ready from the start but p0 computes 50 ms first; p1 starts when
 * p0 waits (50 ms), loses the CPU when p0's alarm fires (60 ms) until p0
 * waits again (65 ms), and finishes its 100 ms at 155 ms. */
START_TEST(test_prio_lower_runs_only_when_higher_blocked)
{
    struct harness *h = prio_open(2, NULL, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT_DISPATCH(h_compute(h, 0, 50000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 50000);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 10000, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 50000);
    H_EXPECT_DISPATCH(h_compute(h, 1, 100000), 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 60000);
    H_EXPECT_DISPATCH(h_compute(h, 0, 5000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 65000);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 155000);
    h_close(h);
}
END_TEST

/* Kernel work stops the high-priority process too, but next() gives it
 * the CPU straight back: p1's alarm at 5 ms interrupts p0's 20 ms of
 * computation (which began at 1 ms), p0 goes on to 21 ms, and p1 runs its
 * upcall only when p0 waits. */
START_TEST(test_prio_kernel_work_then_highest_again)
{
    struct harness *h = prio_open(2, NULL, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000, 0);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 1000);
    H_EXPECT_DISPATCH(h_compute(h, 0, 20000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 21000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 5000);
    ck_assert_uint_eq(km_now(h->k), 21000);
    h_close(h);
}
END_TEST

/* Runs p0 to a yield-wait with its alarm upcall subscribed, starts p1,
 * then queues an upcall on p0 as a capsule would during p1's syscall (the
 * IPC case priority.rs's continue_process names), and lets p1 make a
 * syscall. Returns the dispatch after that syscall. */
static struct km_dispatch prio_wake_during_syscall(struct harness *h)
{
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    ck_assert_int_eq(km_schedule_upcall(h->k, km_proc(h->k, 0), H_DRV_ALARM, 0, 7, 8, 9), 0);
    return h_syscall(h, 1, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
}

/* With no kernel work at all, p0 (higher) becoming ready stops p1 right
 * after its syscall: p0 runs its upcall first, then p1 gets the command's
 * result. Round robin, for contrast, returns to p1 at once. */
START_TEST(test_prio_higher_ready_preempts_without_kernel_work)
{
    struct harness *h = prio_open(2, NULL, 0);
    struct km_dispatch d = prio_wake_during_syscall(h);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 7);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    H_EXPECT2(d.regs, KM_RV_SUCCESS_U32, 4);
    h_close(h);

    struct h_opts o;
    h_opts_init(&o, 2);
    h = h_open(&o);
    H_EXPECT_DISPATCH(prio_wake_during_syscall(h), 1, KM_RESUME_RETURN);
    h_close(h);
}
END_TEST

/* Equal priorities never preempt each other: with both at 0, p1 keeps the
 * CPU after its syscall and p0 waits for p1 to yield. */
START_TEST(test_prio_equal_priority_no_preemption)
{
    static const uint32_t prio[] = {0, 0};
    struct harness *h = prio_open(2, prio, 0);
    struct km_dispatch d = prio_wake_during_syscall(h);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    h_close(h);
}
END_TEST

/* A configured timeslice changes nothing: priority.rs has none. */
START_TEST(test_prio_ignores_configured_timeslice)
{
    struct harness *h = prio_open(2, NULL, 2000);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 50000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 50000);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    h_close(h);
}
END_TEST

static Suite *prio_suite(void)
{
    Suite *s = suite_create("km_sched_priority");
    TCase *tc = tcase_create("priority");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_prio_array_order);
    tcase_add_test(tc, test_prio_configured_order);
    tcase_add_test(tc, test_prio_alarm_preempts_lower_mid_computation);
    tcase_add_test(tc, test_prio_lower_runs_only_when_higher_blocked);
    tcase_add_test(tc, test_prio_kernel_work_then_highest_again);
    tcase_add_test(tc, test_prio_higher_ready_preempts_without_kernel_work);
    tcase_add_test(tc, test_prio_equal_priority_no_preemption);
    tcase_add_test(tc, test_prio_ignores_configured_timeslice);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(prio_suite());
}
