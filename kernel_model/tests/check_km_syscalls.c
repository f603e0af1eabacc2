/* check_km_syscalls.c: the syscall classes of the kernel model (TRD104):
 * return variants and error codes of subscribe, command, the three allows,
 * memop, exit and unknown classes, checked against hand-derived values. */
#include <string.h>

#include "km_harness.h"
#include "km_internal.h"

/* Process blocks are placed by the MPU model (process_standard.rs create()
 * via allocate_app_memory_region); these tests take the block, the breaks
 * and the flash image from km_proc_info rather than assuming a layout. */

/* ---- Unknown classes and command -------------------------------------- */

/* A class number that does not exist decodes to no syscall
 * (kernel/src/utilities/arch_helpers.rs, syscall_from_register_arguments_trd104
 * returns None) and the architecture reports ContextSwitchReason::Fault
 * (arch/cortex-m/src/syscall.rs): the process faults, here under the
 * harness's default Panic policy, with a reason naming the class. (TRD104's
 * text asks for Failure NOSUPPORT; the kernel's code decides.) */
START_TEST(test_unknown_class_faults)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    struct km_dispatch d = h_syscall(h, 0, 8, 0, 0, 0, 0);
    ck_assert(d.end);
    ck_assert_int_eq(d.end_reason, KM_END_PANIC);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    ck_assert_ptr_nonnull(strstr(km_panic_reason(h->k), "invalid syscall: class 8"));
    h_close(h);
}
END_TEST

/* km.h: km_syscall from a process that does not hold the dispatch is
 * refused with -EINVAL and changes nothing. */
START_TEST(test_syscall_without_dispatch_rejected)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    struct km_regs r = {{0, 0, 0, 0}};
    ck_assert_int_eq(km_syscall(h->k, 1, KM_SYS_COMMAND, &r), -KM_EINVAL);
    ck_assert_int_eq(km_compute(h->k, 1, 100), -KM_EINVAL);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0), KM_RV_SUCCESS_U32, 4);
    h_close(h);
}
END_TEST

/* kernel.rs handle_syscall Command: no driver -> Failure NODEVICE (11). */
START_TEST(test_command_missing_driver_nodevice)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_MISSING, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_MISSING, 1, 5, 6), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* TRD104 4.3.1: command 0 is the existence check. alarm.rs, console.rs,
 * rng.rs answer Success (128); led.rs answers Success+u32 with the count. */
START_TEST(test_command_zero_existence)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_RNG, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0), KM_RV_SUCCESS_U32, 4);
    h_close(h);
}
END_TEST

/* TRD104 4: an unrecognised command -> Failure NOSUPPORT (10);
 * alarm.rs answers NOSUPPORT for the removed command 4 as well. */
START_TEST(test_command_unknown_nosupport)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 4, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 7, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 9, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 5, 99, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_RNG, 2, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    h_close(h);
}
END_TEST

/* ---- Subscribe -------------------------------------------------------- */

/* TRD104 4.2 / grant.rs subscribe: Success+2xu32 (130) with the previous
 * (fn, appdata); the first call returns (0, 0). 64-bit host values
 * survive the round trip. */
START_TEST(test_subscribe_returns_previous)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A), KM_RV_SUCCESS_2U32,
              0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, H_DATA_B), KM_RV_SUCCESS_2U32,
              H_FN_A, H_DATA_A);
    /* unsubscribe: the null upcall is stored and the old one returned */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, 0, 0), KM_RV_SUCCESS_2U32, H_FN_B,
              H_DATA_B);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 5), KM_RV_SUCCESS_2U32, 0, 0);
    /* each (driver, number) has its own slot */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_A, 1), KM_RV_SUCCESS_2U32, 0,
              0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 2, H_FN_B, 2), KM_RV_SUCCESS_2U32, 0,
              0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_C, 3), KM_RV_SUCCESS_2U32,
              H_FN_A, 1);
    h_close(h);
}
END_TEST

/* TRD104 4.2: a failed subscribe returns Failure+2xu32 (2) with the error
 * and the (fn, appdata) that were passed. kernel.rs: missing driver
 * NODEVICE; grant.rs subscribe: number beyond the grant's upcalls NOSUPPORT.
 * Nothing is stored. */
START_TEST(test_subscribe_failure_returns_passed)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_MISSING, 0, H_FN_A, H_DATA_A),
              KM_RV_FAILURE_2U32, KM_ENODEVICE, H_FN_A, H_DATA_A);
    /* alarm.rs has 1 upcall, console.rs 3, rng.rs 1 */
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 1, H_FN_A, H_DATA_A), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, H_FN_A, H_DATA_A);
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 3, H_FN_B, H_DATA_B),
              KM_RV_FAILURE_2U32, KM_ENOSUPPORT, H_FN_B, H_DATA_B);
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0x10000, H_FN_B, 0), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, H_FN_B, 0);
    /* the failures stored nothing */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 1), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 2, H_FN_C, 1), KM_RV_SUCCESS_2U32, 0,
              0);
    h_close(h);
}
END_TEST

/* kernel.rs Subscribe (TRD104 4.2): a non-null upcall pointer must pass
 * process_standard.rs is_valid_upcall_function_pointer (pointer-sized, in
 * app flash or app-owned memory; in the model also the declared host code
 * range) else Failure+2xu32 INVAL (6) with what was passed. The check comes
 * before the driver lookup, so it wins over NODEVICE. */
START_TEST(test_subscribe_invalid_upcall_pointer)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    const uint64_t bad = 0x0000777700001000ull;
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, bad, H_DATA_A), KM_RV_FAILURE_2U32,
              KM_EINVAL, bad, H_DATA_A);
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_MISSING, 0, bad, 1), KM_RV_FAILURE_2U32,
              KM_EINVAL, bad, 1);
    /* the last 4 bytes of the code range are a valid pointer; 2 short are not */
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_CODE_HI - 2, 0), KM_RV_FAILURE_2U32,
              KM_EINVAL, H_CODE_HI - 2, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_CODE_HI - 4, 0), KM_RV_SUCCESS_2U32,
              0, 0);
    /* app-owned RAM and the process's flash are valid too */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, ram + 0x40, 0), KM_RV_SUCCESS_2U32,
              H_CODE_HI - 4, 0);
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, ram + H_APP_BRK, 0),
              KM_RV_FAILURE_2U32, KM_EINVAL, ram + H_APP_BRK, 0);
    uint32_t fs = h_info(h, 0).flash_start;
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, fs + 0x100, 0), KM_RV_SUCCESS_2U32,
              ram + 0x40, 0);
    h_close(h);
}
END_TEST

/* A driver without a grant (led.rs: allocate_grant() is Ok(()) but
 * allocates nothing). kernel.rs Subscribe: grant::subscribe fails with
 * NOMEM (process_standard.rs lookup_grant_from_driver_num ->
 * Error::OutOfMemory), try_allocate_grant reports SameAllocation, so the
 * call returns Failure+2xu32 NOMEM (9) with what was passed; no grant
 * memory is used. Read-write and read-only allows go the same way. */
START_TEST(test_subscribe_driver_without_grant_nomem)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t kbrk = h_info(h, 0).kernel_break;
    H_EXPECT4(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_LED, 0, H_FN_A, H_DATA_A), KM_RV_FAILURE_2U32,
              KM_ENOMEM, H_FN_A, H_DATA_A);
    /* the same for read-write and read-only allows (grant.rs allow_rw/ro) */
    uint32_t a = h_ram(h, 0) + 0x100;
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_LED, 0, a, 4), KM_RV_FAILURE_2U32, KM_ENOMEM, a,
              4);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_LED, 0, a, 4), KM_RV_FAILURE_2U32, KM_ENOMEM, a,
              4);
    ck_assert_uint_eq(h_info(h, 0).kernel_break, kbrk);
    h_close(h);
}
END_TEST

/* kernel.rs Subscribe: "we only clear upcalls if the subscribe will return
 * success"; process_standard.rs remove_pending_upcalls drops the
 * FunctionCall tasks of that upcall id only. */
START_TEST(test_subscribe_drops_pending_upcalls)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 1);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, 2);
    struct km_process *p = km_proc(h->k, 0);
    ck_assert_int_eq(km_schedule_upcall(h->k, p, H_DRV_ALARM, 0, 10, 0, 0), 0);
    ck_assert_int_eq(km_schedule_upcall(h->k, p, H_DRV_RNG, 0, 20, 0, 0), 0);
    ck_assert_int_eq(km_schedule_upcall(h->k, p, H_DRV_ALARM, 0, 30, 0, 0), 0);
    ck_assert_uint_eq(p->task_count, 3);
    /* a failing subscribe (alarm number 1) drops nothing */
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 1, H_FN_C, 0), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    ck_assert_uint_eq(p->task_count, 3);
    /* re-subscribing (alarm, 0) drops both alarm upcalls, keeps rng's */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 3), KM_RV_SUCCESS_2U32, H_FN_A,
              1);
    ck_assert_uint_eq(p->task_count, 1);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.args[0], 20);
    /* nothing else is pending */
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* process_standard.rs remove_pending_upcalls keeps ReturnValue tasks (null
 * upcalls): a yield-wait-for after the subscribe still receives them. */
START_TEST(test_subscribe_keeps_null_upcall_results)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 0, 0, 0), KM_RV_SUCCESS); /* grant */
    struct km_process *p = km_proc(h->k, 0);
    ck_assert_int_eq(km_schedule_upcall(h->k, p, H_DRV_ALARM, 0, 7, 8, 9), 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    ck_assert_uint_eq(p->task_count, 1);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_ALARM, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    H_EXPECT3(d.regs, 7, 8, 9);
    h_close(h);
}
END_TEST

/* ---- Allow ------------------------------------------------------------ */

/* TRD104 4.4: read-write allow swaps buffers, Success+2xu32 with the
 * previous (ptr, len); the first call returns (0, 0). rng.rs: rw 0. */
START_TEST(test_allow_rw_swaps)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t a = h_ram(h, 0) + 0x100, b = h_ram(h, 0) + 0x200;
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, a, 16), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, b, 8), KM_RV_SUCCESS_2U32, a, 16);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, 0, 0), KM_RV_SUCCESS_2U32, b, 8);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, a, 4), KM_RV_SUCCESS_2U32, 0, 0);
    /* console.rs: rw 1 (read buffer) is a separate slot from ro 1 */
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_CONSOLE, 1, b, 32), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, a, 12), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_CONSOLE, 1, a, 1), KM_RV_SUCCESS_2U32, b, 32);
    h_close(h);
}
END_TEST

/* TRD104 4.5: read-only allow swaps the same way (console.rs: ro 1). */
START_TEST(test_allow_ro_swaps)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t a = h_ram(h, 0) + 0x300, b = h_ram(h, 0) + 0x340;
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, a, 10), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, b, 20), KM_RV_SUCCESS_2U32, a, 10);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 0, a, 5), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, 0, 0), KM_RV_SUCCESS_2U32, b, 20);
    h_close(h);
}
END_TEST

/* Userspace-readable allow (class 7). kernel.rs: the buffer is validated
 * first with build_readwrite_process_buffer (INVAL outside app memory; the
 * allow high-water mark moves), then handed to the driver; alarm, console,
 * led and rng keep syscall_driver.rs's default allow_userspace_readable,
 * which refuses with NOSUPPORT. Both failures return Failure+2xu32 with
 * what was passed. */
START_TEST(test_allow_userspace_readable)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_ALARM, 0, ram + 0x400, 16), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, ram + 0x400, 16);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_RNG, 0, ram + 0x500, 8), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, ram + 0x500, 8);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_RNG, 0, ram + H_APP_BRK, 8), KM_RV_FAILURE_2U32,
              KM_EINVAL, ram + H_APP_BRK, 8);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_MISSING, 0, ram, 8), KM_RV_FAILURE_2U32,
              KM_ENODEVICE, ram, 8);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, ram + 0x508);
    h_close(h);
}
END_TEST

/* kernel.rs UserspaceReadableAllow hands the buffer to the driver's
 * allow_userspace_readable and never enters the driver's grant, so a
 * refused userspace-readable allow allocates no grant memory. */
START_TEST(test_allow_userspace_readable_uses_no_grant)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    uint32_t kbrk = h_info(h, 0).kernel_break;
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_RNG, 0, ram + 0x400, 16), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, ram + 0x400, 16);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_LED, 0, ram + 0x400, 16), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, ram + 0x400, 16);
    ck_assert_uint_eq(h_info(h, 0).kernel_break, kbrk);
    h_close(h);
}
END_TEST

/* process_standard.rs build_readwrite/readonly_process_buffer: every byte
 * of a non-empty buffer must be in [memory start, app break) (or, for
 * read-only, the process's flash) else INVAL (6); the result is
 * Failure+2xu32 with what was passed. */
START_TEST(test_allow_outside_app_memory_inval)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0), brk = ram + H_APP_BRK;
    uint32_t kbrk = h_info(h, 0).kernel_break;
    uint32_t other = h_ram(h, 1);
    const uint32_t classes[] = {KM_SYS_ALLOW_RW, KM_SYS_ALLOW_RO};
    const uint32_t drv[] = {H_DRV_RNG, H_DRV_CONSOLE};
    const uint32_t num[] = {0, 1};
    for (unsigned c = 0; c < 2; c++) {
        /* the last 16 bytes below the break are fine */
        H_EXPECT3(h_call(h, 0, classes[c], drv[c], num[c], brk - 16, 16), KM_RV_SUCCESS_2U32, 0, 0);
        h_call(h, 0, classes[c], drv[c], num[c], 0, 0);
        /* crossing the break by one byte */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], brk - 16, 17), KM_RV_FAILURE_2U32,
                  KM_EINVAL, brk - 16, 17);
        /* between the break and the grant region */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], brk + 0x100, 4), KM_RV_FAILURE_2U32,
                  KM_EINVAL, brk + 0x100, 4);
        /* the kernel-owned grant region */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], kbrk, 4), KM_RV_FAILURE_2U32, KM_EINVAL,
                  kbrk, 4);
        /* below the process block */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], ram - 4, 8), KM_RV_FAILURE_2U32,
                  KM_EINVAL, ram - 4, 8);
        /* another process's memory */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], other + 0x40, 8), KM_RV_FAILURE_2U32,
                  KM_EINVAL, other + 0x40, 8);
        /* an address range that wraps around */
        H_EXPECT4(h_call(h, 0, classes[c], drv[c], num[c], 0xFFFFFFF0u, 0x20), KM_RV_FAILURE_2U32,
                  KM_EINVAL, 0xFFFFFFF0u, 0x20);
    }
    h_close(h);
}
END_TEST

/* process_standard.rs build_*_process_buffer: "if size == 0" any address is
 * accepted; the high-water mark does not move. The pointer comes back
 * unchanged on the next swap. */
START_TEST(test_allow_zero_length_any_address)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, 0xDEADBEEFu, 0), KM_RV_SUCCESS_2U32, 0,
              0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, 0, 0), KM_RV_SUCCESS_2U32, 0xDEADBEEFu,
              0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, 0xFFFFFFFFu, 0), KM_RV_SUCCESS_2U32,
              0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, 0x4, 0), KM_RV_SUCCESS_2U32,
              0xFFFFFFFFu, 0);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, ram);
    h_close(h);
}
END_TEST

/* TRD104 4.4: "it is possible for userspace to allow the same buffer
 * multiple times to the kernel" (and to extend one by allowing it again
 * with a longer length); aliasing is not checked (process_standard.rs
 * "TODO: Check for buffer aliasing"). */
START_TEST(test_allow_overlapping_and_repeated)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t a = h_ram(h, 0) + 0x600;
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, a, 64), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_CONSOLE, 1, a + 8, 64), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, a, 64), KM_RV_SUCCESS_2U32, 0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 0, a + 32, 4), KM_RV_SUCCESS_2U32, 0, 0);
    /* the same buffer again returns itself */
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, a, 64), KM_RV_SUCCESS_2U32, a, 64);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, a, 64), KM_RV_SUCCESS_2U32, a, 64);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, a + 8 + 64);
    /* extended in place */
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, a, 128), KM_RV_SUCCESS_2U32, a, 64);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, a + 128);
    h_close(h);
}
END_TEST

/* grant.rs allow_rw / allow_ro: an allow number beyond the grant's count is
 * NOSUPPORT (10); kernel.rs: a missing driver NODEVICE (11). Both return
 * what was passed. */
START_TEST(test_allow_bad_number_or_driver)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t a = h_ram(h, 0) + 0x100;
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 1, a, 4), KM_RV_FAILURE_2U32, KM_ENOSUPPORT,
              a, 4);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 2, a, 4), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, a, 4);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_ALARM, 0, a, 4), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT, a, 4);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_MISSING, 0, a, 4), KM_RV_FAILURE_2U32,
              KM_ENODEVICE, a, 4);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_MISSING, 0, a, 4), KM_RV_FAILURE_2U32,
              KM_ENODEVICE, a, 4);
    h_close(h);
}
END_TEST

/* process_standard.rs build_readonly_process_buffer: a read-only buffer may
 * lie in the process's flash (in_app_flash_memory) and does not move the
 * high-water mark; a read-write one there is INVAL, and so is another
 * process's flash. */
START_TEST(test_allow_ro_in_flash)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    struct km_proc_info info = h_info(h, 0);
    uint32_t fs = info.flash_start, fe = info.flash_end;
    ck_assert_uint_eq(fs, H_FLASH_BASE);
    ck_assert_uint_eq(fe, H_FLASH_BASE + H_FLASH_IMAGE);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, fs + 0x10, 0x100), KM_RV_SUCCESS_2U32,
              0, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, fe - 0x20, 0x20), KM_RV_SUCCESS_2U32,
              fs + 0x10, 0x100);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, fe - 0x20, 0x21), KM_RV_FAILURE_2U32,
              KM_EINVAL, fe - 0x20, 0x21);
    /* process 1's image follows */
    uint32_t other = h_info(h, 1).flash_start;
    ck_assert_uint_eq(other, fe);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, other + 0x100, 4), KM_RV_FAILURE_2U32,
              KM_EINVAL, other + 0x100, 4);
    /* read-write (and userspace-readable) never reach flash */
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, fs + 0x10, 0x10), KM_RV_FAILURE_2U32,
              KM_EINVAL, fs + 0x10, 0x10);
    H_EXPECT4(h_call(h, 0, KM_SYS_ALLOW_UR, H_DRV_RNG, 0, fs + 0x10, 0x10), KM_RV_FAILURE_2U32,
              KM_EINVAL, fs + 0x10, 0x10);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, info.ram_start);
    h_close(h);
}
END_TEST

/* ---- Memop ------------------------------------------------------------ */

/* process_standard.rs brk: new_break < allow_high_water_mark or >= mem_end
 * -> AddressOutOfBounds, > kernel_memory_break -> OutOfMemory; memop.rs
 * maps any error to Failure NOMEM (9). */
START_TEST(test_brk_below_high_water_mark_nomem)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, ram + 0x800, 0x100), KM_RV_SUCCESS_2U32,
              0, 0);
    ck_assert_uint_eq(h_info(h, 0).allow_high_water_mark, ram + 0x900);
    /* un-allowing does not lower the mark */
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, 0, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, ram + 0x8FF, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + H_APP_BRK);
    H_EXPECT1(h_call(h, 0, KM_SYS_MEMOP, 0, ram + 0x900, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + 0x900);
    /* sbrk(-1) would go below the mark too */
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, (uint32_t)-1, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    h_close(h);
}
END_TEST

START_TEST(test_brk_upper_bounds)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    uint32_t kbrk = h_info(h, 0).kernel_break;
    uint32_t end = h_info(h, 0).ram_end;
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, end, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, kbrk + 1, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, ram - 1, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + H_APP_BRK);
    /* up to the grant region is fine (a 32-byte aligned break, which every
     * MPU model can express) */
    H_EXPECT1(h_call(h, 0, KM_SYS_MEMOP, 0, kbrk & ~31u, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 0).app_break, kbrk & ~31u);
    h_close(h);
}
END_TEST

/* memop.rs: 2 RAM start, 3 RAM end, 4/5 flash start/end, 6 grant region
 * start = the kernel break (all Success+u32 (129) on a 32-bit target,
 * arch_helpers.rs SuccessPtr/SuccessAddr -> SuccessU32); 7 writeable flash
 * regions (Success+u32 0: the images have none); 8/9 with no such region
 * Failure FAIL (1); 10/11 Success (128); anything else Failure NOSUPPORT
 * (10). */
START_TEST(test_memop_values)
{
    struct harness *h = h_new(2);
    h_boot(h, 1);
    struct km_proc_info i0 = h_info(h, 0), i1 = h_info(h, 1);
    uint32_t ram = i1.ram_start;
    /* process_loading.rs: blocks are taken one after another */
    ck_assert_uint_ge(i0.ram_start, H_SRAM_BASE);
    ck_assert_uint_ge(ram, i0.ram_end);
    ck_assert_uint_lt(ram, i1.ram_end);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 2, 0, 0, 0), KM_RV_SUCCESS_U32, ram);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 3, 0, 0, 0), KM_RV_SUCCESS_U32, i1.ram_end);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 4, 0, 0, 0), KM_RV_SUCCESS_U32,
              H_FLASH_BASE + H_FLASH_IMAGE);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 5, 0, 0, 0), KM_RV_SUCCESS_U32,
              H_FLASH_BASE + 2 * H_FLASH_IMAGE);
    uint32_t kbrk0 = i1.kernel_break;
    ck_assert_uint_gt(kbrk0, ram + H_APP_BRK);
    ck_assert_uint_lt(kbrk0, i1.ram_end);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 6, 0, 0, 0), KM_RV_SUCCESS_U32, kbrk0);
    /* a grant comes out of the grant region, which grows down */
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    uint32_t kbrk1 = h_info(h, 1).kernel_break;
    ck_assert_uint_lt(kbrk1, kbrk0);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 6, 0, 0, 0), KM_RV_SUCCESS_U32, kbrk1);
    /* the same driver again: the grant exists, nothing moves */
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 6, 0, 0, 0), KM_RV_SUCCESS_U32, kbrk1);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 7, 0, 0, 0), KM_RV_SUCCESS_U32, 0);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 8, 0, 0, 0), KM_RV_FAILURE, KM_EFAIL);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 9, 0, 0, 0), KM_RV_FAILURE, KM_EFAIL);
    H_EXPECT1(h_call(h, 1, KM_SYS_MEMOP, 10, ram + 0x800, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 1, KM_SYS_MEMOP, 11, ram + 0x400, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 12, 0, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 1, KM_SYS_MEMOP, 0xFFFFFFFFu, 0, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    /* memop 0 success is plain Success */
    H_EXPECT1(h_call(h, 1, KM_SYS_MEMOP, 0, ram + 0x1800, 0, 0), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* process_standard.rs sbrk: new break = old + increment (signed), then brk;
 * memop.rs returns the previous break as Success+u32. */
START_TEST(test_sbrk_returns_previous_break)
{
    struct harness *h = h_new(1);
    struct km_dispatch d = h_run_until_dispatch(h, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    uint32_t ram = h_ram(h, 0);
    /* the break starts at the initial app break (32 B: the SVC frame) */
    ck_assert_uint_eq(h->opts.initial_app_brk, 32);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + 32);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, 0x100, 0, 0), KM_RV_SUCCESS_U32, ram + 32);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, 0x10, 0, 0), KM_RV_SUCCESS_U32, ram + 0x120);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, (uint32_t)-0x20, 0, 0), KM_RV_SUCCESS_U32, ram + 0x130);
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, 0, 0, 0), KM_RV_SUCCESS_U32, ram + 0x110);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + 0x110);
    /* past the grant region: NOMEM, break unchanged */
    H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 1, 0x10000, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).app_break, ram + 0x110);
    h_close(h);
}
END_TEST

/* ---- Exit ------------------------------------------------------------- */

/* kernel.rs Exit 0 -> process.terminate(Some(code)); process_standard.rs
 * terminate keeps the completion code and sets Terminated. The scheduler
 * moves on to the next process. */
START_TEST(test_exit_terminate)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_EXIT, 0, 42, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_TERMINATED);
    ck_assert(info.has_completion_code);
    ck_assert_uint_eq(info.completion_code, 42);
    ck_assert_uint_eq(h_count(h, KM_EV_TERMINATE, 0), 1);
    ck_assert_uint_eq(h_count(h, KM_EV_RESTART, 0), 0);
    const struct h_event *e = h_event_nth(h, KM_EV_STATE, 0, h_count(h, KM_EV_STATE, 0) - 1);
    ck_assert_int_eq(e->from, KM_STATE_RUNNING);
    ck_assert_int_eq(e->to, KM_STATE_TERMINATED);
    /* a terminated process makes no more syscalls and cannot fault */
    struct km_regs r = {{0, 0, 0, 0}};
    ck_assert_int_eq(km_syscall(h->k, 0, KM_SYS_COMMAND, &r), -KM_EINVAL);
    struct km_fault_info f = {.kind = KM_FAULT_CRASH, .reason = "late"};
    ck_assert_int_eq(km_fault(h->k, 0, &f), -KM_EALREADY);
    /* once process 1 waits too, nothing can happen */
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* kernel.rs Exit 1 -> try_restart(Some(code)): terminate (grants dropped,
 * code kept), reset (process_standard.rs reset: new identifier from
 * kernel.rs create_process_identifier, break and high-water mark back to
 * their initial values, restart_count + 1, state Yielded, init task
 * queued), so the next dispatch is START. */
START_TEST(test_exit_restart)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t ram = h_ram(h, 0);
    struct km_proc_info before = h_info(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, ram + 0x100, 16);
    unsigned nstate = h_count(h, KM_EV_STATE, 0);
    struct km_regs r = {{1, 7, 0, 0}};
    ck_assert_int_eq(km_syscall(h->k, 0, KM_SYS_EXIT, &r), 0);
    h->pending = false;
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_YIELDED);
    ck_assert_uint_eq(info.stats.restart_count, 1);
    /* one process: the next identifier is the one after its first */
    ck_assert_uint_eq(info.process_id, before.process_id + 1);
    ck_assert(info.has_completion_code);
    ck_assert_uint_eq(info.completion_code, 7);
    ck_assert_uint_eq(info.app_break, ram + h->opts.initial_app_brk);
    ck_assert_uint_eq(info.allow_high_water_mark, ram);
    ck_assert_uint_eq(info.kernel_break, before.kernel_break);
    ck_assert_uint_eq(h_count(h, KM_EV_RESTART, 0), 1);
    ck_assert_uint_eq(h_count(h, KM_EV_TERMINATE, 0), 0);
    /* Running -> Terminated -> Yielded */
    ck_assert_uint_eq(h_count(h, KM_EV_STATE, 0), nstate + 2);
    ck_assert_int_eq(h_event_nth(h, KM_EV_STATE, 0, nstate)->to, KM_STATE_TERMINATED);
    ck_assert_int_eq(h_event_nth(h, KM_EV_STATE, 0, nstate + 1)->to, KM_STATE_YIELDED);
    struct km_dispatch d = h_next(h);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    /* the grants are gone: the first subscribe returns (0, 0) again */
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0), KM_RV_SUCCESS_2U32, 0, 0);
    h_close(h);
}
END_TEST

/* kernel.rs Exit: "_ => set_syscall_return_value(Failure(NOSUPPORT))"; the
 * process keeps running. */
START_TEST(test_exit_unknown_type_fails)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_EXIT, 2, 5, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_EXIT, 0xFFFFFFFFu, 5, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    struct km_proc_info info = h_info(h, 0);
    ck_assert_int_eq(info.state, KM_STATE_RUNNING);
    ck_assert(!info.has_completion_code);
    h_close(h);
}
END_TEST

static Suite *syscalls_suite(void)
{
    Suite *s = suite_create("km_syscalls");
    TCase *tc = tcase_create("classes");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_unknown_class_faults);
    tcase_add_test(tc, test_syscall_without_dispatch_rejected);
    tcase_add_test(tc, test_command_missing_driver_nodevice);
    tcase_add_test(tc, test_command_zero_existence);
    tcase_add_test(tc, test_command_unknown_nosupport);
    suite_add_tcase(s, tc);

    tc = tcase_create("subscribe");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_subscribe_returns_previous);
    tcase_add_test(tc, test_subscribe_failure_returns_passed);
    tcase_add_test(tc, test_subscribe_invalid_upcall_pointer);
    tcase_add_test(tc, test_subscribe_driver_without_grant_nomem);
    tcase_add_test(tc, test_subscribe_drops_pending_upcalls);
    tcase_add_test(tc, test_subscribe_keeps_null_upcall_results);
    suite_add_tcase(s, tc);

    tc = tcase_create("allow");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_allow_rw_swaps);
    tcase_add_test(tc, test_allow_ro_swaps);
    tcase_add_test(tc, test_allow_userspace_readable);
    tcase_add_test(tc, test_allow_userspace_readable_uses_no_grant);
    tcase_add_test(tc, test_allow_outside_app_memory_inval);
    tcase_add_test(tc, test_allow_zero_length_any_address);
    tcase_add_test(tc, test_allow_overlapping_and_repeated);
    tcase_add_test(tc, test_allow_bad_number_or_driver);
    tcase_add_test(tc, test_allow_ro_in_flash);
    suite_add_tcase(s, tc);

    tc = tcase_create("memop");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_brk_below_high_water_mark_nomem);
    tcase_add_test(tc, test_brk_upper_bounds);
    tcase_add_test(tc, test_memop_values);
    tcase_add_test(tc, test_sbrk_returns_previous_break);
    suite_add_tcase(s, tc);

    tc = tcase_create("exit");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_exit_terminate);
    tcase_add_test(tc, test_exit_restart);
    tcase_add_test(tc, test_exit_unknown_type_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(syscalls_suite());
}
