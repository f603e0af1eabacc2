/* check_km_sched.c: the round-robin scheduler and the main loop of the
 * kernel model in virtual time (capsules/system/src/scheduler/round_robin.rs,
 * kernel/src/kernel.rs kernel_loop_operation and do_process). With the
 * default 1 MHz clock and zero costs, one cycle is one microsecond. */
#include "km_harness.h"
#include "km_internal.h"

/* round_robin.rs: 10,000 us timeslices; a process that never yields runs
 * for one slice, then the next ready process gets a fresh one. Both
 * compute 25 ms: p0 0-10, p1 10-20, p0 20-30, p1 30-40, p0 40-45 (done,
 * dispatched at 45 ms), then p0 waits and p1 finishes 45-50. */
START_TEST(test_rr_alternates_10ms)
{
    struct harness *h = h_new(2);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    struct km_dispatch d = h_compute(h, 0, 25000);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    d = h_compute(h, 1, 25000);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 45000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 50000);
    struct km_proc_info i0 = h_info(h, 0), i1 = h_info(h, 1);
    ck_assert_uint_eq(i0.stats.timeslice_expirations, 2); /* at 10 and 30 ms */
    ck_assert_uint_eq(i1.stats.timeslice_expirations, 2); /* at 20 and 40 ms */
    ck_assert_uint_eq(i0.stats.run_cycles, 25000);
    ck_assert_uint_eq(i1.stats.run_cycles, 25000);
    h_close(h);
}
END_TEST

/* A configured timeslice replaces the default (km_config.timeslice_us). */
START_TEST(test_rr_configured_timeslice)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.timeslice_us = 2000;
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 5000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 2000);
    h_close(h);
}
END_TEST

/* kernel.rs do_process: "us <= MIN_QUANTA_THRESHOLD_US" (500) stops the
 * process as TimesliceExpired. 9500 us used leaves exactly 500: expired;
 * 9499 used leaves 501: the process runs on. */
START_TEST(test_rr_min_quanta_threshold)
{
    struct harness *h = h_new(2);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    struct km_dispatch d = h_compute(h, 0, 9500);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 9500);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 1);
    d = h_compute(h, 1, 9499);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 18999);
    ck_assert_uint_eq(h_info(h, 1).stats.timeslice_expirations, 0);
    d = h_compute(h, 1, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 19000);
    ck_assert_uint_eq(h_info(h, 1).stats.timeslice_expirations, 1);
    h_close(h);
}
END_TEST

/* kernel.rs do_process: continue_process() is false when kernel work is
 * pending, so the alarm interrupt at 3 ms stops p0 as KernelPreemption
 * after 3000 us; round_robin.rs result(): time_remaining (10000) > 3000,
 * so last_rescheduled and p0 resumes with the 7000 us left, expiring at
 * 10 ms; p1 starts then (not at 13 ms). The upcall waits in p0's queue:
 * upcalls run only inside yield (TRD104 4.1). */
START_TEST(test_rr_preempted_keeps_remaining_time)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 3000, 0), KM_RV_SUCCESS_U32, 3000);
    struct km_dispatch d = h_compute(h, 0, 100000);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    struct km_proc_info i0 = h_info(h, 0);
    ck_assert_uint_eq(i0.stats.timeslice_expirations, 1);
    ck_assert_uint_eq(i0.stats.upcalls_delivered, 0);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 1);
    ck_assert_int_eq(i0.state, KM_STATE_RUNNING);
    h_close(h);
}
END_TEST

/* The same, with p0 done computing before its slice ends: the rest of the
 * slice after the preemption still belongs to p0, which is dispatched at
 * 5 ms; its yield-wait then runs the alarm upcall at once. */
START_TEST(test_rr_preempted_process_resumes_first)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 3000, 0);
    struct km_dispatch d = h_compute(h, 0, 5000);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 5000);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 3000);
    ck_assert_uint_eq(km_now(h->k), 5000);
    h_close(h);
}
END_TEST

/* kernel_loop_operation: TrySleep when no process is ready; the chip sleeps
 * until the next interrupt, so virtual time jumps to the next timer and
 * no process is charged for it. */
START_TEST(test_idle_jumps_to_next_timer)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000, 0);
    h_boot(h, 1); /* parks p0 in yield-wait */
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 3000, 0);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 3000);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 5000);
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 0);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 0);
    h_close(h);
}
END_TEST

/* Nothing ready and no timer armed: nothing can ever happen (KM_END_IDLE),
 * and virtual time does not move. */
START_TEST(test_end_idle)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_compute(h, 0, 1234);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_END(d, KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 1234);
    ck_assert_int_eq(km_end_reason_of(h->k), KM_END_IDLE);
    /* the end is final */
    H_EXPECT_END(h_next(h), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* Every process terminated: the run ends idle too. */
START_TEST(test_end_idle_all_terminated)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_syscall(h, 0, KM_SYS_EXIT, 0, 0, 0, 0);
    h_boot(h, 1);
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_EXIT, 0, 1, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* km_config.duration_cycles: the run ends at exactly that virtual time,
 * even in the middle of a computation or of a timeslice. */
START_TEST(test_end_duration_while_busy)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.duration_cycles = 50000;
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 1000000), 1, KM_RESUME_START);
    struct km_dispatch d = h_compute(h, 1, 1000000);
    H_EXPECT_END(d, KM_END_DURATION);
    ck_assert_uint_eq(km_now(h->k), 50000);
    ck_assert_int_eq(km_end_reason_of(h->k), KM_END_DURATION);
    /* p0 ran 0-10, 20-30, 40-50; p1 10-20, 30-40 */
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 30000);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 20000);
    h_close(h);
}
END_TEST

/* Sleeping towards a timer past the end stops at the end. */
START_TEST(test_end_duration_while_idle)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.duration_cycles = 50000;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000000, 0);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_DURATION);
    ck_assert_uint_eq(km_now(h->k), 50000);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    h_close(h);
}
END_TEST

/* The costs of the platform are charged in virtual time: a syscall costs
 * trap_entry + syscall_base + trap_exit, a command adds command_base, and
 * switching to another process costs context_switch. */
START_TEST(test_costs_charged)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.costs.trap_entry = 10;
    o.costs.trap_exit = 20;
    o.costs.syscall_base = 30;
    o.costs.command_base = 40;
    o.costs.context_switch = 500;
    struct harness *h = h_open(&o);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 500); /* switching to p0 */
    h_call(h, 0, KM_SYS_MEMOP, 2, 0, 0, 0);
    ck_assert_uint_eq(km_now(h->k), 560);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_uint_eq(km_now(h->k), 660);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 660 + 60 + 500);
    ck_assert_uint_eq(h_info(h, 0).stats.context_switches, 1);
    ck_assert_uint_eq(h_info(h, 1).stats.context_switches, 1);
    h_close(h);
}
END_TEST

static Suite *sched_suite(void)
{
    Suite *s = suite_create("km_sched");
    TCase *tc = tcase_create("round_robin");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_rr_alternates_10ms);
    tcase_add_test(tc, test_rr_configured_timeslice);
    tcase_add_test(tc, test_rr_min_quanta_threshold);
    tcase_add_test(tc, test_rr_preempted_keeps_remaining_time);
    tcase_add_test(tc, test_rr_preempted_process_resumes_first);
    suite_add_tcase(s, tc);

    tc = tcase_create("main_loop");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_idle_jumps_to_next_timer);
    tcase_add_test(tc, test_end_idle);
    tcase_add_test(tc, test_end_idle_all_terminated);
    tcase_add_test(tc, test_end_duration_while_busy);
    tcase_add_test(tc, test_end_duration_while_idle);
    tcase_add_test(tc, test_costs_charged);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(sched_suite());
}
