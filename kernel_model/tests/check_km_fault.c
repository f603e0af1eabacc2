/* check_km_fault.c: the process fault policies of the kernel model, after
 * capsules/system/src/process_policies.rs and kernel/src/process_standard.rs
 * (set_fault_state, terminate, try_restart, reset). */
#include "km_harness.h"

#include <string.h>

static struct harness *fault_bench(unsigned nprocs, enum km_fault_policy_kind kind,
                                   uint32_t threshold)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    for (unsigned i = 0; i < nprocs; i++) {
        o.policy[i].kind = kind;
        o.policy[i].threshold = threshold;
    }
    return h_open(&o);
}

/* process_standard.rs set_fault_state, FaultAction::Panic: state Faulted,
 * then panic!("Process {} had a fault", name). The run ends as a panic
 * whose reason names the app. */
START_TEST(test_fault_panic)
{
    struct harness *h = fault_bench(2, KM_FP_PANIC, 0);
    h_boot(h, 0);
    struct km_dispatch d = h_fault(h, 0, "bad access");
    H_EXPECT_END(d, KM_END_PANIC);
    ck_assert_int_eq(km_end_reason_of(h->k), KM_END_PANIC);
    const char *why = km_panic_reason(h->k);
    ck_assert_ptr_nonnull(strstr(why, "app0"));
    ck_assert_ptr_nonnull(strstr(why, "had a fault"));
    ck_assert_str_eq(h->panic_reason, why);
    ck_assert_uint_eq(h_count(h, KM_EV_PANIC, -2), 1);
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_FAULTED);
    ck_assert_uint_eq(info.stats.fault_count, 1);
    ck_assert_str_eq(info.fault_reason, "bad access");
    /* nothing runs after a panic: process 1 never started */
    ck_assert_int_eq(h_info(h, 1).state, KM_STATE_YIELDED);
    struct km_regs r = {{0, 0, 0, 0}};
    ck_assert_int_eq(km_syscall(h->k, 0, KM_SYS_COMMAND, &r), -KM_EINVAL);
    h_close(h);
}
END_TEST

/* FaultAction::Stop: terminate(None) (queue emptied, grants dropped, no
 * completion code), then state Faulted; the process is never scheduled
 * again, its pending alarm is gone with its grant, the others go on. */
START_TEST(test_fault_stop)
{
    struct harness *h = fault_bench(2, KM_FP_STOP, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
    struct km_dispatch d = h_fault(h, 0, "bad access");
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_FAULTED);
    ck_assert(!info.has_completion_code);
    ck_assert_uint_eq(info.stats.restart_count, 0);
    ck_assert_uint_eq(info.stats.fault_count, 1);
    ck_assert_uint_eq(h_count(h, KM_EV_TERMINATE, 0), 1);
    ck_assert_uint_eq(h_count(h, KM_EV_RESTART, 0), 0);
    /* already faulted; a process index that does not exist */
    struct km_fault_info f = {.kind = KM_FAULT_CRASH, .reason = "again"};
    ck_assert_int_eq(km_fault(h->k, 0, &f), -KM_EALREADY);
    ck_assert_int_eq(km_fault(h->k, 7, &f), -KM_EINVAL);
    /* p0's alarm never fires: nothing is left once p1 waits */
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 0);
    h_close(h);
}
END_TEST

/* FaultAction::Restart: try_restart(None): terminate, then reset(): a new
 * ProcessId (kernel.rs create_process_identifier), restart_count + 1,
 * breaks and the high-water mark back to their initial values, state
 * Yielded with the init task queued: the next dispatch is START. */
START_TEST(test_fault_restart)
{
    struct harness *h = fault_bench(2, KM_FP_RESTART, 0);
    h_boot(h, 0);
    struct km_proc_info before = h_info(h, 0);
    uint32_t kbrk0 = before.kernel_break;
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, before.ram_start + 0x100, 16);
    struct km_dispatch d = h_fault(h, 0, "crash");
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    struct km_proc_info info = h_info(h, 0);
    /* two processes took identifiers 1st and 2nd; the restart takes the 3rd */
    ck_assert_uint_eq(info.process_id, h_info(h, 1).process_id + 1);
    ck_assert_uint_ne(info.process_id, before.process_id);
    ck_assert_uint_eq(info.stats.restart_count, 1);
    ck_assert_uint_eq(info.stats.fault_count, 1);
    ck_assert(!info.has_completion_code);
    ck_assert_uint_eq(info.app_break, info.ram_start + h->opts.initial_app_brk);
    ck_assert_uint_eq(info.allow_high_water_mark, info.ram_start);
    ck_assert_uint_eq(info.kernel_break, kbrk0);
    ck_assert_uint_eq(info.ram_start, before.ram_start);
    ck_assert_uint_eq(h_count(h, KM_EV_RESTART, 0), 1);
    ck_assert_uint_eq(h_count(h, KM_EV_TERMINATE, 0), 0);
    /* the grants went with the old incarnation */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0), KM_RV_SUCCESS_2U32, 0, 0);
    h_close(h);
}
END_TEST

/* A restarted process's old alarm does not reach the new incarnation. */
START_TEST(test_fault_restart_drops_old_alarm)
{
    struct harness *h = fault_bench(1, KM_FP_RESTART, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
    H_EXPECT_DISPATCH(h_fault(h, 0, "crash"), 0, KM_RESUME_START);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    h_close(h);
}
END_TEST

/* process_standard.rs try_restart: terminate(), then "if let Ok(()) =
 * self.reset() { self.state.set(State::Yielded) }". reset() asks
 * allocate_app_memory_region for exactly memory_len bytes at mem_start;
 * ARMv8-M (arch/cortex-m33/src/mpu_v8m.rs allocate_app_memory_region)
 * returned the unrounded size at load but rounds the region up to 32 B,
 * so when memory_len is not a multiple of 32 the request fails, reset()
 * returns Err(NOMEM) before restart_count is incremented, and the process
 * stays Terminated. Nothing panics: do_process finds it not ready and the
 * other process runs. */
START_TEST(test_fault_restart_refused_by_mpu)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.mpu = "armv8m";
    o.mpu_regions = 8;
    o.mpu_min_region = 32;
    o.policy[0].kind = KM_FP_RESTART;
    struct harness *h = h_open(&o);
    struct km_proc_info info = h_info(h, 0);
    if ((info.ram_end - info.ram_start) % 32 == 0) {
        /* make the block size odd to 32 whatever the grant-region estimate */
        h_close(h);
        o.min_ram += 4;
        h = h_open(&o);
        info = h_info(h, 0);
    }
    ck_assert_uint_ne((info.ram_end - info.ram_start) % 32, 0);
    h_boot(h, 0);
    struct km_dispatch d = h_fault(h, 0, "crash");
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    ck_assert_int_eq(km_end_reason_of(h->k), KM_END_NONE);
    info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_TERMINATED);
    ck_assert_uint_eq(info.stats.restart_count, 0);
    ck_assert_uint_eq(info.stats.fault_count, 1);
    h_close(h);
}
END_TEST

/* ARMv7-M update_app_memory_region underflows upstream when the break is
 * set to the block start (arch/cortex-m/src/mpu.rs:757), which Tock's brk
 * allows while nothing is allowed (process_standard.rs brk: only
 * new_break >= allow_high_water_mark, which starts at the memory start).
 * The model refuses the brk (NOMEM) and reports a finding; PMP has no lower
 * bound and accepts it. */
START_TEST(test_brk_to_memory_start_finding)
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.mpu = "armv7m";
    o.mpu_regions = 8;
    o.mpu_min_region = 32;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    struct km_proc_info info = h_info(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, info.ram_start, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ck_assert_ptr_nonnull(h->finding);
    ck_assert_ptr_nonnull(strstr(h->finding, "mpu.rs:757"));
    h_close(h);

    h_opts_init(&o, 1); /* the default PMP model */
    h = h_open(&o);
    h_boot(h, 0);
    info = h_info(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_MEMOP, 0, info.ram_start, 0, 0), KM_RV_SUCCESS);
    ck_assert_ptr_null(h->finding);
    h_close(h);
}
END_TEST

/* A process that is not the one running can fault too (its host process
 * died): the policy applies and the running process keeps the dispatch. */
START_TEST(test_fault_not_dispatched)
{
    struct harness *h = fault_bench(2, KM_FP_RESTART, 0);
    h_boot(h, 0);
    h_boot(h, 1); /* parks p0 in yield-wait */
    struct km_dispatch d = h_fault(h, 0, "host process died");
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(h_info(h, 0).stats.restart_count, 1);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    h_close(h);
}
END_TEST

/* process_policies.rs ThresholdRestartFaultPolicy: "restart_count <=
 * threshold" -> Restart, else Stop. With threshold 2 the faults at restart
 * counts 0, 1, 2 restart (three restarts); the fourth fault stops it. */
START_TEST(test_fault_threshold_restart)
{
    struct harness *h = fault_bench(1, KM_FP_THRESHOLD_RESTART, 2);
    h_boot(h, 0);
    for (uint32_t i = 1; i <= 3; i++) {
        H_EXPECT_DISPATCH(h_fault(h, 0, "crash"), 0, KM_RESUME_START);
        ck_assert_uint_eq(h_info(h, 0).stats.restart_count, i);
    }
    H_EXPECT_END(h_fault(h, 0, "crash"), KM_END_IDLE);
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_FAULTED);
    ck_assert_uint_eq(info.stats.restart_count, 3);
    ck_assert_uint_eq(info.stats.fault_count, 4);
    ck_assert_uint_eq(h_count(h, KM_EV_RESTART, 0), 3);
    ck_assert_uint_eq(h_count(h, KM_EV_TERMINATE, 0), 1);
    h_close(h);
}
END_TEST

/* Threshold 0: one restart (count 0 <= 0), then stop. */
START_TEST(test_fault_threshold_restart_zero)
{
    struct harness *h = fault_bench(1, KM_FP_THRESHOLD_RESTART, 0);
    h_boot(h, 0);
    H_EXPECT_DISPATCH(h_fault(h, 0, "crash"), 0, KM_RESUME_START);
    H_EXPECT_END(h_fault(h, 0, "crash"), KM_END_IDLE);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    ck_assert_uint_eq(h_info(h, 0).stats.restart_count, 1);
    h_close(h);
}
END_TEST

/* process_policies.rs ThresholdRestartThenPanicFaultPolicy: "restart_count
 * <= threshold" -> Restart, else Panic. Threshold 1: faults at counts 0
 * and 1 restart (two restarts), the third fault panics. */
START_TEST(test_fault_threshold_restart_then_panic)
{
    struct harness *h = fault_bench(2, KM_FP_THRESHOLD_RESTART_THEN_PANIC, 1);
    h_boot(h, 0);
    H_EXPECT_DISPATCH(h_fault(h, 0, "crash"), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_fault(h, 0, "crash"), 0, KM_RESUME_START);
    ck_assert_uint_eq(h_info(h, 0).stats.restart_count, 2);
    H_EXPECT_END(h_fault(h, 0, "crash"), KM_END_PANIC);
    ck_assert_ptr_nonnull(strstr(km_panic_reason(h->k), "app0"));
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    ck_assert_uint_eq(h_info(h, 0).stats.restart_count, 2);
    h_close(h);
}
END_TEST

static Suite *fault_suite(void)
{
    Suite *s = suite_create("km_fault");
    TCase *tc = tcase_create("policies");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_fault_panic);
    tcase_add_test(tc, test_fault_stop);
    tcase_add_test(tc, test_fault_restart);
    tcase_add_test(tc, test_fault_restart_drops_old_alarm);
    tcase_add_test(tc, test_fault_restart_refused_by_mpu);
    tcase_add_test(tc, test_brk_to_memory_start_finding);
    tcase_add_test(tc, test_fault_not_dispatched);
    tcase_add_test(tc, test_fault_threshold_restart);
    tcase_add_test(tc, test_fault_threshold_restart_zero);
    tcase_add_test(tc, test_fault_threshold_restart_then_panic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(fault_suite());
}
