/* check_km_lifecycle.c: capsules plugged in from outside the built-in table
 * (km_config.extra_drivers) and the lifecycle hook every capsule gets when
 * a process faults, terminates or restarts. */
#include <string.h>

#include "km_harness.h"
#include "km_internal.h"

#define TEST_DRIVER 0x90000u

/* What the test capsule heard, in order. */
static struct {
    int proc[16];
    enum km_lifecycle ev[16];
    uint32_t pid[16];
    unsigned n;
} heard;

static void test_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                         uint32_t a2, struct km_regs *ret)
{
    (void)k;
    (void)p;
    (void)a2;
    if (cmd == 0)
        km_ret_success(ret);
    else if (cmd == 1)
        km_ret_success_u32(ret, a1 * 2);
    else
        km_ret_failure(ret, KM_ENOSUPPORT);
}

static void test_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    (void)k;
    if (heard.n < 16) {
        heard.proc[heard.n] = p->index;
        heard.ev[heard.n] = ev;
        heard.pid[heard.n] = p->process_id;
        heard.n++;
    }
}

static const struct km_driver_ops test_driver = {
    .num = TEST_DRIVER,
    .name = "test",
    .has_grant = true,
    .n_upcalls = 1,
    .command = test_command,
    .lifecycle = test_lifecycle,
};

static const struct km_driver_ops *const extra[] = {&test_driver};

static struct harness *open_with_test_driver(enum km_fault_policy_kind policy)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.extra_drivers = extra;
    o.n_extra_drivers = 1;
    o.policy[0].kind = policy;
    o.policy[1].kind = policy;
    memset(&heard, 0, sizeof(heard));
    return h_open(&o);
}

/* An extra capsule answers commands and holds subscriptions like a built-in
 * one; a driver number nobody has is still NODEVICE. */
START_TEST(test_extra_driver_reachable)
{
    struct harness *h = open_with_test_driver(KM_FP_PANIC);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, TEST_DRIVER, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, TEST_DRIVER, 1, 21, 0), KM_RV_SUCCESS_U32, 42);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, TEST_DRIVER, 0, H_FN_A, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, TEST_DRIVER + 1, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* A fault under the restart policy: FAULT, then TERMINATE, then RESTART,
 * all for that process, the RESTART with its new process id; the other
 * process's exit-terminate is one TERMINATE. */
START_TEST(test_lifecycle_order)
{
    struct harness *h = open_with_test_driver(KM_FP_RESTART);
    h_boot(h, 0);
    uint32_t old_pid = h_info(h, 0).process_id;
    h_fault(h, 0, "crash");
    ck_assert_uint_eq(heard.n, 3);
    ck_assert_int_eq(heard.ev[0], KM_LC_FAULT);
    ck_assert_int_eq(heard.ev[1], KM_LC_TERMINATE);
    ck_assert_int_eq(heard.ev[2], KM_LC_RESTART);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_int_eq(heard.proc[i], 0);
    ck_assert_uint_eq(heard.pid[0], old_pid);
    ck_assert_uint_ne(heard.pid[2], old_pid);
    ck_assert_uint_eq(heard.pid[2], h_info(h, 0).process_id);

    h_boot(h, 1);
    h_syscall(h, 1, KM_SYS_EXIT, 0, 5, 0, 0);
    ck_assert_uint_eq(heard.n, 4);
    ck_assert_int_eq(heard.ev[3], KM_LC_TERMINATE);
    ck_assert_int_eq(heard.proc[3], 1);
    h_close(h);
}
END_TEST

/* Under the stop policy a fault is FAULT then TERMINATE, and nothing more. */
START_TEST(test_lifecycle_stop)
{
    struct harness *h = open_with_test_driver(KM_FP_STOP);
    h_boot(h, 0);
    h_fault(h, 0, "crash");
    ck_assert_uint_eq(heard.n, 2);
    ck_assert_int_eq(heard.ev[0], KM_LC_FAULT);
    ck_assert_int_eq(heard.ev[1], KM_LC_TERMINATE);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    h_close(h);
}
END_TEST

/* Capsules keep per-process tables of KM_MAX_PROCS entries (the IPC
 * designs' state), so km_create refuses a kernel with more processes. */
START_TEST(test_too_many_processes_refused)
{
    static struct km_proc_config pc[KM_MAX_PROCS + 1];
    for (unsigned i = 0; i <= KM_MAX_PROCS; i++)
        pc[i] = (struct km_proc_config){.name = "a", .package_name = "a", .min_ram = 1024};
    struct km_config c = {
        .clock_hz = 1000000, .alarm_hz = 1000000, .nprocs = KM_MAX_PROCS + 1, .procs = pc};
    c.mpu.ops = km_mpu_find("riscv_pmp");
    c.mpu.p.num_regions = 4;
    c.mpu.p.min_region_size = 4;
    char err[128] = "";
    ck_assert_ptr_null(km_create(&c, err, sizeof(err)));
    ck_assert_str_eq(err, "65 processes, more than the 64 a kernel holds");
}
END_TEST

static Suite *lifecycle_suite(void)
{
    Suite *s = suite_create("km_lifecycle");
    TCase *tc = tcase_create("lifecycle");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_extra_driver_reachable);
    tcase_add_test(tc, test_lifecycle_order);
    tcase_add_test(tc, test_lifecycle_stop);
    tcase_add_test(tc, test_too_many_processes_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lifecycle_suite());
    srunner_run_all(sr, CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
