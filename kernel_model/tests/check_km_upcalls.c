/* check_km_upcalls.c: the per-process task queue and the three yields of the
 * kernel model (TRD104 4.1, kernel.rs do_process, process_standard.rs). */
#include "km_harness.h"
#include "km_internal.h"

/* Queues an upcall for (driver, subnum) on process p as a driver would. */
static int queue_upcall(struct harness *h, int p, uint32_t driver, uint32_t subnum, uint32_t a0,
                        uint32_t a1, uint32_t a2)
{
    return km_schedule_upcall(h->k, km_proc(h->k, p), driver, subnum, a0, a1, a2);
}

/* ---- The queue -------------------------------------------------------- */

/* process_standard.rs: the task queue is a RingBuffer over CALLBACK_LEN =
 * 10 slots; ring_buffer.rs is_full() is head == (tail + 1) % len ("the
 * maximum capacity of the queue is ring.len - 1"), so 9 tasks fit and the
 * 10th enqueue fails. enqueue_task: NOMEM and the dropped-upcall count
 * goes up. The init task has been consumed by START, so the queue is
 * empty here. */
START_TEST(test_queue_capacity)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    for (uint32_t i = 0; i < 9; i++)
        ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, i, 0, 0), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 9, 0, 0), -KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_dropped, 1);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 10, 0, 0), -KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_dropped, 2);
    /* the 9 that fit come out in order; the dropped ones never do */
    for (uint32_t i = 0; i < 9; i++) {
        struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
        H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
        ck_assert_uint_eq(d.upcall.args[0], i);
    }
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 9);
    h_close(h);
}
END_TEST

/* Once there is room again, enqueueing works again. */
START_TEST(test_queue_room_after_delivery)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, 0);
    for (uint32_t i = 0; i < 9; i++)
        ck_assert_int_eq(queue_upcall(h, 0, H_DRV_RNG, 0, i, 0, 0), 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_RNG, 0, 100, 0, 0), 0);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_dropped, 0);
    h_close(h);
}
END_TEST

/* process_standard.rs terminate drops the grants and empties the queue, and
 * enqueue_task refuses a process that is not running: a terminated process
 * gets no more upcalls. */
START_TEST(test_queue_terminated_gets_nothing)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    struct km_process *p = km_proc(h->k, 0);
    h_syscall(h, 0, KM_SYS_EXIT, 0, 0, 0, 0);
    ck_assert_int_ne(km_schedule_upcall(h->k, p, H_DRV_ALARM, 0, 1, 2, 3), 0);
    ck_assert_uint_eq(p->task_count, 0);
    h_close(h);
}
END_TEST

/* ---- Yield-NoWait ----------------------------------------------------- */

/* kernel.rs YieldVariant::NoWait: no tasks -> set_byte(ptr, 0) and the
 * process keeps running (TRD104 4.1.1). */
START_TEST(test_yield_nowait_nothing_pending)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t flag = h_ram(h, 0) + 0x100;
    *h_mem(h, flag) = 0xAA;
    uint64_t t = km_now(h->k);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, flag, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(*h_mem(h, flag), 0);
    ck_assert_uint_eq(km_now(h->k), t);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_RUNNING);
    /* a null flag pointer is fine */
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, 0, 0, 0), 0,
                      KM_RESUME_RETURN);
    h_close(h);
}
END_TEST

/* kernel.rs NoWait with tasks: set_byte(ptr, 1), Yielded, and do_process
 * runs exactly one upcall (RESUME_UPCALL, upcall_nowait). */
START_TEST(test_yield_nowait_delivers_one)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 7, 8, 9), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 10, 11, 12), 0);
    uint32_t flag = h_ram(h, 0) + 0x100;
    *h_mem(h, flag) = 0xAA;
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, flag, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert(d.upcall_nowait);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_A);
    ck_assert_uint_eq(d.upcall.args[0], 7);
    ck_assert_uint_eq(d.upcall.args[1], 8);
    ck_assert_uint_eq(d.upcall.args[2], 9);
    ck_assert_uint_eq(*h_mem(h, flag), 1);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 1);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 1);
    h_close(h);
}
END_TEST

/* A task queued for another incarnation of the process (a capsule that kept
 * an old identity) never reaches it: it is discarded at dequeue and counted
 * as stale; the next task for this incarnation is delivered instead. */
START_TEST(test_stale_task_not_delivered)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    struct km_process *p = km_proc(h->k, 0);
    struct km_task stale = {.kind = KM_TASK_FUNCTION_CALL, .driver = H_DRV_ALARM, .subnum = 0};
    stale.up.fn = H_FN_A;
    stale.up.args[0] = 99;
    stale.for_pid = p->process_id + 7; /* not this incarnation */
    ck_assert_int_eq(km_enqueue(p, &stale), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 7, 8, 9), 0);
    uint32_t flag = h_ram(h, 0) + 0x100;
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, flag, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 7);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_stale, 1);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 1);
    h_close(h);
}
END_TEST

/* process_standard.rs set_byte writes only if in_app_owned_memory(addr, 1);
 * TRD104 4.1.1 "SHALL NOT write ... not in the memory allocated". */
START_TEST(test_yield_nowait_flag_outside_not_written)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    uint32_t above_brk = h_ram(h, 0) + H_APP_BRK;
    uint32_t grant = h_info(h, 0).kernel_break;
    uint32_t other = h_ram(h, 1) + 0x40;
    *h_mem(h, above_brk) = 0xAA;
    *h_mem(h, grant) = 0xBB;
    *h_mem(h, other) = 0xCC;
    h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, above_brk, 0, 0);
    h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, grant, 0, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, other, 0, 0), 0,
                      KM_RESUME_RETURN);
    ck_assert_uint_eq(*h_mem(h, above_brk), 0xAA);
    ck_assert_uint_eq(*h_mem(h, grant), 0xBB);
    ck_assert_uint_eq(*h_mem(h, other), 0xCC);
    h_close(h);
}
END_TEST

/* kernel.rs: NoWait with only a null-upcall result queued: has_tasks() is
 * true, so the flag becomes 1 and the process goes Yielded; do_process
 * then dequeues the ReturnValue task and breaks ("Yield-Wait does not wake
 * the process for events that generate Null Upcalls"). The process stays
 * Yielded with nothing left: upstream's behaviour, kept by the model. */
START_TEST(test_yield_nowait_null_upcall_blocks)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 0, 0, 0), KM_RV_SUCCESS);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 1, 2, 3), 0);
    uint32_t flag = h_ram(h, 0) + 0x100;
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_NO_WAIT, flag, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(*h_mem(h, flag), 1);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    h_close(h);
}
END_TEST

/* ---- Yield-Wait ------------------------------------------------------- */

/* kernel.rs do_process, State::Yielded: one dequeue_task per wake-up, so
 * yield-wait delivers exactly one upcall (TRD104 4.1.2), in queue order. */
START_TEST(test_yield_wait_delivers_exactly_one)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_B, H_DATA_B);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_CONSOLE, 1, 1, 0, 0), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 2, 0, 0), 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert(!d.upcall_nowait);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_B);
    ck_assert_uint_eq(d.upcall.args[0], 1);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 1);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_RUNNING);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.args[0], 2);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 2);
    h_close(h);
}
END_TEST

/* TRD104 4.1.2 and kernel.rs Task::ReturnValue => break: a null upcall
 * (nothing subscribed, fn 0) does not wake yield-wait. The alarm fires at
 * tick 100 = cycle 100, its result is consumed, nothing else can happen. */
START_TEST(test_yield_wait_null_upcall_does_not_wake)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 100, 0), KM_RV_SUCCESS_U32, 100);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 100);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 0);
    h_close(h);
}
END_TEST

/* ---- Yield-WaitFor ---------------------------------------------------- */

/* TRD104 4.1.3 / kernel.rs State::YieldedFor: the null upcall's arguments
 * come back raw in r0-r2 (YieldWaitFor encoding, arch_helpers.rs). The
 * alarm (1 MHz ticks = cycles) armed at 0 for 1000 fires at cycle 1000
 * with (now, ref + dt, 0) = (1000, 1000, 0). */
START_TEST(test_yield_wait_for_null_upcall)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0), KM_RV_SUCCESS_U32, 1000);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_ALARM, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    H_EXPECT3(d.regs, 1000, 1000, 0);
    ck_assert_uint_eq(km_now(h->k), 1000);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_RUNNING);
    h_close(h);
}
END_TEST

/* kernel.rs State::YieldedFor: remove_upcall takes the first matching task
 * (FunctionCall or ReturnValue), runs no function, returns its arguments;
 * the other tasks stay queued in order (ring_buffer.rs
 * remove_first_matching) and come out with later yields. */
START_TEST(test_yield_wait_for_keeps_others_in_order)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_C, 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_CONSOLE, 1, 11, 12, 13), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 21, 22, 23), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_RNG, 0, 31, 32, 33), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 41, 42, 43), 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_CONSOLE, 1, 51, 52, 53), 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_ALARM, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    H_EXPECT3(d.regs, 21, 22, 23);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 4);
    const uint64_t fns[4] = {H_FN_C, H_FN_B, H_FN_A, H_FN_C};
    const uint32_t a0[4] = {11, 31, 41, 51};
    for (unsigned i = 0; i < 4; i++) {
        d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
        H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
        ck_assert_uint_eq(d.upcall.fn, fns[i]);
        ck_assert_uint_eq(d.upcall.args[0], a0[i]);
        ck_assert_uint_eq(d.upcall.args[1], a0[i] + 1);
        ck_assert_uint_eq(d.upcall.args[2], a0[i] + 2);
    }
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* process_standard.rs ready(): YieldedFor is ready only when a matching
 * task is queued; other upcalls do not wake it. */
START_TEST(test_yield_wait_for_ignores_other_upcalls)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 1, 2, 3), 0);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_RNG, 0, 0), KM_END_IDLE);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED_FOR);
    ck_assert_uint_eq(km_proc(h->k, 0)->task_count, 1);
    h_close(h);
}
END_TEST

/* A real driver upcall ends the wait: rng fills 4 bytes and its upcall
 * (0, 4, 0) (rng.rs) comes back raw; the subscribed function does not run. */
START_TEST(test_yield_wait_for_real_driver)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x200;
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, 0);
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, buf, 4);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_RNG, 1, 4, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_RNG, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    H_EXPECT3(d.regs, 0, 4, 0);
    h_close(h);
}
END_TEST

/* An invalid yield number decodes to no syscall (arch_helpers.rs returns
 * None for yield r0 outside 0..2) and the process faults; its queued
 * upcall is never delivered. (TRD104's text says the kernel returns at
 * once; the kernel's code faults.) */
START_TEST(test_yield_invalid_number_faults)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    ck_assert_int_eq(queue_upcall(h, 0, H_DRV_ALARM, 0, 1, 2, 3), 0);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, 3, 0, 0, 0);
    ck_assert(d.end);
    ck_assert_int_eq(d.end_reason, KM_END_PANIC);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    h_close(h);
}
END_TEST

static Suite *upcalls_suite(void)
{
    Suite *s = suite_create("km_upcalls");
    TCase *tc = tcase_create("queue");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_queue_capacity);
    tcase_add_test(tc, test_queue_room_after_delivery);
    tcase_add_test(tc, test_queue_terminated_gets_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("yield");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_yield_nowait_nothing_pending);
    tcase_add_test(tc, test_yield_nowait_delivers_one);
    tcase_add_test(tc, test_stale_task_not_delivered);
    tcase_add_test(tc, test_yield_nowait_flag_outside_not_written);
    tcase_add_test(tc, test_yield_nowait_null_upcall_blocks);
    tcase_add_test(tc, test_yield_wait_delivers_exactly_one);
    tcase_add_test(tc, test_yield_wait_null_upcall_does_not_wake);
    tcase_add_test(tc, test_yield_wait_for_null_upcall);
    tcase_add_test(tc, test_yield_wait_for_keeps_others_in_order);
    tcase_add_test(tc, test_yield_wait_for_ignores_other_upcalls);
    tcase_add_test(tc, test_yield_wait_for_real_driver);
    tcase_add_test(tc, test_yield_invalid_number_faults);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(upcalls_suite());
}
