/* check_km_inject.c: the fault-injection schedule of the kernel model:
 * each trigger (virtual time, after the nth syscall, nth named event,
 * rate) and each action, with exact times and counts. */
#include <string.h>

#include "km_harness.h"
#include "km_internal.h"

static struct km_inject_rule rule(enum km_inject_kind kind, int proc, enum km_trigger trig)
{
    struct km_inject_rule r;
    memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.proc = proc;
    r.trigger = trig;
    r.match_class = -1;
    r.match_driver = -1;
    r.match_number = -1;
    r.allow_class = KM_SYS_ALLOW_RW;
    r.bits = 1;
    return r;
}

static struct harness *open_with(const struct km_inject_rule *rules, unsigned n, unsigned nprocs,
                                 enum km_fault_policy_kind policy)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.inject = rules;
    o.ninject = n;
    for (unsigned i = 0; i < nprocs; i++)
        o.policy[i].kind = policy;
    return h_open(&o);
}

/* A crash at virtual time 500 us (the harness clock is 1 MHz: one cycle per
 * microsecond) while the process computes: it is faulted at exactly cycle
 * 500, with the reason "injected crash", and stopped. */
START_TEST(test_crash_at_time)
{
    struct km_inject_rule r = rule(KM_INJ_CRASH, 0, KM_TRIG_AT_TIME);
    r.at_cycles = 500;
    struct harness *h = open_with(&r, 1, 1, KM_FP_STOP);
    h_boot(h, 0);
    struct km_dispatch d = h_compute(h, 0, 2000);
    ck_assert(d.end);
    struct km_proc_info in = h_info(h, 0);
    ck_assert_int_eq(in.state, KM_STATE_FAULTED);
    ck_assert_str_eq(in.fault_reason, "injected crash");
    ck_assert_uint_eq(h->injections, 1);
    ck_assert_uint_eq(km_now(h->k), 500);
    h_close(h);
}
END_TEST

/* after_syscalls: the rule acts once the app's 3rd syscall has been handled
 * (h_boot makes START's brk the first). */
START_TEST(test_restart_after_syscalls)
{
    struct km_inject_rule r = rule(KM_INJ_RESTART, 0, KM_TRIG_AFTER_SYSCALLS);
    r.nth = 3;
    r.exit_code = 9;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);                                     /* syscall 1 */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0); /* syscall 2 */
    ck_assert_uint_eq(h->injections, 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0); /* 3 */
    ck_assert_uint_eq(h->injections, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    struct km_proc_info in = h_info(h, 0);
    ck_assert_uint_eq(in.stats.restart_count, 1);
    ck_assert(in.has_completion_code);
    ck_assert_uint_eq(in.completion_code, 9);
    h_close(h);
}
END_TEST

/* syscall_error: the 2nd matching command fails with BUSY instead of
 * running; the 1st and 3rd run. */
START_TEST(test_syscall_error_nth)
{
    struct km_inject_rule r = rule(KM_INJ_SYSCALL_ERROR, 0, KM_TRIG_NTH);
    r.nth = 2;
    r.match_class = KM_SYS_COMMAND;
    r.match_driver = H_DRV_LED;
    r.match_number = 1;
    r.error = KM_EBUSY;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 1, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0), KM_RV_SUCCESS_U32); /* no match */
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 1, 1, 0), KM_RV_FAILURE, KM_EBUSY);
    /* it did not run: LED 1 is still off */
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 4, 1, 0), KM_RV_SUCCESS_U32, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 1, 1, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->injections, 1);
    h_close(h);
}
END_TEST

/* A syscall_error on an allow keeps the class's failure shape:
 * Failure+2xu32 with the buffer that was passed. */
START_TEST(test_syscall_error_allow_shape)
{
    struct km_inject_rule r = rule(KM_INJ_SYSCALL_ERROR, 0, KM_TRIG_NTH);
    r.nth = 1;
    r.match_class = KM_SYS_ALLOW_RW;
    r.error = KM_ENOMEM;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    struct km_proc_info in = h_info(h, 0);
    struct km_regs ret = h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, in.ram_start + 64, 16);
    H_EXPECT4(ret, KM_RV_FAILURE_2U32, KM_ENOMEM, in.ram_start + 64, 16);
    h_close(h);
}
END_TEST

/* drop_upcall: the first alarm upcall never arrives (the process stays
 * blocked in yield-wait until the run is idle); the injection says so. */
START_TEST(test_drop_upcall)
{
    struct km_inject_rule r = rule(KM_INJ_DROP_UPCALL, 0, KM_TRIG_NTH);
    r.nth = 1;
    r.match_driver = H_DRV_ALARM;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 100, 0), KM_RV_SUCCESS_U32);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    ck_assert(d.end);
    ck_assert_int_eq(d.end_reason, KM_END_IDLE);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED);
    ck_assert_uint_eq(h->injections, 1);
    ck_assert_ptr_nonnull(strstr(h->inject_detail, "dropped"));
    h_close(h);
}
END_TEST

/* delay_upcall: the alarm upcall due at cycle t arrives delay later. */
START_TEST(test_delay_upcall)
{
    struct km_inject_rule r = rule(KM_INJ_DELAY_UPCALL, 0, KM_TRIG_NTH);
    r.nth = 1;
    r.match_driver = H_DRV_ALARM;
    r.delay_cycles = 700;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    uint64_t t0 = km_now(h->k);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 100, 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    /* the alarm fired at t0 + 100 (1 tick per cycle); the upcall came 700 later */
    ck_assert_uint_eq(km_now(h->k), t0 + 100 + 700);
    h_close(h);
}
END_TEST

/* nth named event: a crash at the 2nd "upcall" event of the process. */
START_TEST(test_on_event_nth)
{
    struct km_inject_rule r = rule(KM_INJ_CRASH, 0, KM_TRIG_NTH);
    r.nth = 2;
    r.event = KM_NOTE_UPCALL;
    struct harness *h = open_with(&r, 1, 1, KM_FP_STOP);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    ck_assert_int_eq(km_schedule_upcall(h->k, km_proc(h->k, 0), H_DRV_ALARM, 0, 1, 2, 3), 0);
    ck_assert_uint_eq(h_info(h, 0).stats.fault_count, 0);
    km_schedule_upcall(h->k, km_proc(h->k, 0), H_DRV_ALARM, 0, 1, 2, 3);
    ck_assert_uint_eq(h_info(h, 0).stats.fault_count, 1);
    h_close(h);
}
END_TEST

/* Rates are drawn from a stream seeded by the scenario seed: the same seed
 * gives the same firings; a rate of 1 fires at every matching event. */
static unsigned firings(uint64_t seed, uint32_t ppm)
{
    struct km_inject_rule r = rule(KM_INJ_SYSCALL_ERROR, 0, KM_TRIG_RATE);
    r.rate_ppm = ppm;
    r.match_class = KM_SYS_COMMAND;
    r.error = KM_EFAIL;
    struct h_opts o;
    h_opts_init(&o, 1);
    o.seed = seed;
    o.inject = &r;
    o.ninject = 1;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    unsigned failed = 0;
    for (int i = 0; i < 200; i++)
        failed += h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0).r[0] == KM_RV_FAILURE;
    ck_assert_uint_eq(failed, h->injections);
    h_close(h);
    return failed;
}

START_TEST(test_rate_deterministic)
{
    unsigned a = firings(7, 250000), b = firings(7, 250000), c = firings(8, 250000);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_gt(a, 20); /* about 50 of 200 */
    ck_assert_uint_lt(a, 90);
    ck_assert_uint_gt(c, 20);
    ck_assert_uint_eq(firings(7, 1000000), 200);
}
END_TEST

/* grant_exhaustion: from then on the first use of a driver fails NOMEM. */
START_TEST(test_grant_exhaustion)
{
    struct km_inject_rule r = rule(KM_INJ_GRANT_EXHAUSTION, 0, KM_TRIG_AFTER_SYSCALLS);
    r.nth = 1;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 1, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    struct km_regs s = h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_A, 0);
    ck_assert_uint_eq(s.r[0], KM_RV_FAILURE_2U32);
    ck_assert_uint_eq(s.r[1], KM_ENOMEM);
    h_close(h);
}
END_TEST

/* corrupt_buffer flips exactly `bits` bits of the allowed buffer. */
START_TEST(test_corrupt_buffer)
{
    struct km_inject_rule r = rule(KM_INJ_CORRUPT_BUFFER, 0, KM_TRIG_AFTER_SYSCALLS);
    r.nth = 3;
    r.match_driver = H_DRV_RNG;
    r.match_number = 0;
    r.bits = 5;
    struct harness *h = open_with(&r, 1, 1, KM_FP_PANIC);
    h_boot(h, 0);
    struct km_proc_info in = h_info(h, 0);
    uint32_t buf = in.ram_start + 256;
    uint8_t *mem = h->sram + (buf - H_SRAM_BASE);
    memset(mem, 0, 64);
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, buf, 64); /* syscall 2 */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);     /* syscall 3: fires */
    unsigned ones = 0;
    for (int i = 0; i < 64; i++)
        ones += (unsigned)__builtin_popcount(mem[i]);
    /* distinct positions are not guaranteed: an even number may cancel */
    ck_assert_uint_le(ones, 5);
    ck_assert_uint_eq(ones % 2, 1);
    ck_assert_uint_eq(h->injections, 1);
    h_close(h);
}
END_TEST

/* mpu_violation and hang are carried out by the app's host process: the
 * next dispatch carries them; kill is an event for the host. */
START_TEST(test_host_side_kinds)
{
    struct km_inject_rule r[3];
    r[0] = rule(KM_INJ_MPU_VIOLATION, 0, KM_TRIG_AFTER_SYSCALLS);
    r[0].nth = 2;
    r[1] = rule(KM_INJ_HANG, 1, KM_TRIG_AFTER_SYSCALLS);
    r[1].nth = 2;
    r[2] = rule(KM_INJ_KILL, 1, KM_TRIG_AFTER_SYSCALLS);
    r[2].nth = 3;
    struct harness *h = open_with(r, 3, 2, KM_FP_PANIC);
    h_boot(h, 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_int_eq(d.host_inject, KM_HOST_TOUCH);
    ck_assert_uint_eq(d.host_inject_addr, h_info(h, 0).ram_end);
    h_close(h);

    h = open_with(r, 3, 2, KM_FP_PANIC);
    h_boot(h, 1);
    d = h_syscall(h, 1, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_int_eq(d.host_inject, KM_HOST_HANG);
    ck_assert_uint_eq(h->kills, 0);
    h_syscall(h, 1, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
    ck_assert_uint_eq(h->kills, 1);
    h_close(h);
}
END_TEST

/* An action on a process that is not alive does nothing but is reported. */
START_TEST(test_dead_target)
{
    struct km_inject_rule r = rule(KM_INJ_CRASH, 0, KM_TRIG_AT_TIME);
    r.at_cycles = 5000;
    struct harness *h = open_with(&r, 1, 2, KM_FP_PANIC);
    h_boot(h, 0);
    h_syscall(h, 0, KM_SYS_EXIT, 0, 0, 0, 0);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_TERMINATED);
    h_boot(h, 1);
    h_compute(h, 1, 10000);
    ck_assert_uint_eq(h->injections, 1);
    ck_assert_ptr_nonnull(strstr(h->inject_detail, "not alive"));
    ck_assert_uint_eq(h_info(h, 0).stats.fault_count, 0);
    h_close(h);
}
END_TEST

static Suite *inject_suite(void)
{
    Suite *s = suite_create("km_inject");
    TCase *tc = tcase_create("inject");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_crash_at_time);
    tcase_add_test(tc, test_restart_after_syscalls);
    tcase_add_test(tc, test_syscall_error_nth);
    tcase_add_test(tc, test_syscall_error_allow_shape);
    tcase_add_test(tc, test_drop_upcall);
    tcase_add_test(tc, test_delay_upcall);
    tcase_add_test(tc, test_on_event_nth);
    tcase_add_test(tc, test_rate_deterministic);
    tcase_add_test(tc, test_grant_exhaustion);
    tcase_add_test(tc, test_corrupt_buffer);
    tcase_add_test(tc, test_host_side_kinds);
    tcase_add_test(tc, test_dead_target);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(inject_suite());
    srunner_run_all(sr, CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
