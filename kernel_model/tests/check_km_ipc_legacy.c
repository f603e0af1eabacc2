/* check_km_ipc_legacy.c: the legacy IPC capsule, driver 0x10000, against
 * kernel/src/ipc.rs and the Task::IPC arm of do_process in
 * kernel/src/kernel.rs: discovery, notification, delivery at dequeue, the
 * MPU window over a shared buffer, and the refuse_unexposable switch. */
#include "km_harness.h"

#include <string.h>

#define H_DRV_IPC 0x10000u
#define RW (KM_ACCESS_READ | KM_ACCESS_WRITE)

/* A bench with legacy IPC. mpu: NULL for the harness's PMP (4 user
 * regions), or "armv7m" / "armv8m" with 8 regions. */
static struct harness *ipc_bench(unsigned nprocs, const char *mpu, bool refuse)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.ipc.mechanism = "legacy";
    o.ipc.refuse_unexposable = refuse;
    if (mpu != NULL) {
        o.mpu = mpu;
        o.mpu_regions = 8;
        o.mpu_min_region = 32;
    }
    return h_open(&o);
}

/* Process p yields (wait); returns the dispatch that follows. */
static struct km_dispatch park(struct harness *h, int p)
{
    return h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
}

/* Writes a package name into p's memory at ram + off and allows it
 * read-only as the discovery string. */
static void allow_search(struct harness *h, int p, uint32_t off, const char *name)
{
    uint32_t at = h_ram(h, p) + off;
    memcpy(h_mem(h, at), name, strlen(name));
    H_EXPECT1(h_call(h, p, KM_SYS_ALLOW_RO, H_DRV_IPC, 0, at, strlen(name)), KM_RV_SUCCESS_2U32);
}

static bool exposed(struct harness *h, int p, uint32_t ptr, uint32_t len)
{
    struct km_proc_info info = h_info(h, p);
    return km_mpu_range_allowed(&h->cfg.mpu, &info.mpu, ptr, len, RW);
}

/* Service 0 subscribes on its own index and yields; client 1 boots and
 * holds the dispatch. */
static void service_then_client(struct harness *h)
{
    h_boot(h, 0);
    H_EXPECT3(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, H_DATA_A), KM_RV_SUCCESS_2U32, 0,
              0);
    park(h, 0);
    h_boot(h, 1);
}

/* ---- Presence ---------------------------------------------------------- */

/* Without "mechanism": "legacy" the board has no driver 0x10000. */
START_TEST(test_absent_without_mechanism)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, 0), KM_RV_FAILURE_2U32,
              KM_ENODEVICE);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_IPC, 0, h_ram(h, 0) + 0x100, 4),
              KM_RV_FAILURE_2U32, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* Subscribe and read-write allow numbers are process indices: as many as
 * there are processes (UpcallCount<NUM_PROCS>, AllowRwCount<NUM_PROCS>);
 * one read-only allow (the search string). */
START_TEST(test_slots_per_process)
{
    struct harness *h = ipc_bench(3, NULL, false);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 2, H_FN_A, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 3, H_FN_A, 0), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    uint32_t buf = h_ram(h, 0) + 0x400;
    H_EXPECT1(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_IPC, 2, buf, 16), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_IPC, 3, buf, 16), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_IPC, 1, buf, 16), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 4, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    h_close(h);
}
END_TEST

/* ---- Discover ---------------------------------------------------------- */

/* Command 1 compares read-only allow 0 (no NUL) with every package name
 * and answers the process INDEX, the caller's own included. */
START_TEST(test_discover_by_package_name)
{
    struct harness *h = ipc_bench(3, NULL, false);
    h_boot(h, 0);
    allow_search(h, 0, 0x100, "org.test.app2");
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_SUCCESS_U32, 2);
    allow_search(h, 0, 0x100, "org.test.app0");
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_SUCCESS_U32, 0);
    /* a prefix is not a match, nor is the name with its NUL */
    allow_search(h, 0, 0x100, "org.test.app");
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    uint32_t at = h_ram(h, 0) + 0x200;
    memcpy(h_mem(h, at), "org.test.app1", 14);
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_IPC, 0, at, 14);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    /* the search string may sit in flash */
    uint32_t fl = h_info(h, 0).flash_start + 0x40;
    memcpy(h_mem(h, fl), "org.test.app1", 13);
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_IPC, 0, fl, 13);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_SUCCESS_U32, 1);
    h_close(h);
}
END_TEST

/* With nothing allowed the capsule searches an empty string, which no
 * package name equals: NODEVICE (the source's answer; its INVAL arm needs a
 * search buffer whose process is gone). */
START_TEST(test_discover_nothing_allowed)
{
    struct harness *h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    allow_search(h, 0, 0x100, "org.test.app1");
    H_EXPECT1(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_IPC, 0, 0, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* process_until visits every process whatever its state: a terminated
 * service is still found by name, but a notify to it is NODEVICE. */
START_TEST(test_discover_dead_process_notify_nodevice)
{
    struct harness *h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    /* let 1 run and exit while 0 waits on an alarm */
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0);
    park(h, 0);
    h_boot(h, 1);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_EXIT, 0, 7, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_int_eq(h_info(h, 1).state, KM_STATE_TERMINATED);
    allow_search(h, 0, 0x100, "org.test.app1");
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 1, 0, 0), KM_RV_SUCCESS_U32, 1);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 1, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 3, 1, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* ---- Notify ------------------------------------------------------------ */

/* An index with no process is INVAL, for both notify commands. */
START_TEST(test_notify_unknown_index)
{
    struct harness *h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 2, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 3, 2, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 0xffffffffu, 0), KM_RV_FAILURE, KM_EINVAL);
    h_close(h);
}
END_TEST

/* A target whose queue is full: NOMEM, and its dropped-upcall counter
 * goes up (enqueue_task). A target waiting in yield-wait-for keeps its IPC
 * tasks queued: Task::IPC matches no upcall id. */
START_TEST(test_notify_queue_full)
{
    struct harness *h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_CONSOLE, 1, 0), 1,
                      KM_RESUME_START);
    h_boot(h, 1);
    for (int i = 0; i < 9; i++)
        H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 3, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_dropped, 2);
    /* process 0 is not woken by them */
    H_EXPECT_END(park(h, 1), KM_END_IDLE);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED_FOR);
    h_close(h);
}
END_TEST

/* A notify sent before the service subscribed still arrives: the
 * subscription is looked up when the task is dequeued. Upcall on the
 * service's own index with (sender, 0, 0) when nothing is shared. */
START_TEST(test_notify_before_subscribe)
{
    struct harness *h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    /* the client notifies service 1, which has not even started */
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 1, 0), KM_RV_SUCCESS);
    H_EXPECT_DISPATCH(park(h, 0), 1, KM_RESUME_START);
    h_boot(h, 1);
    H_EXPECT1(h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 1, H_FN_B, H_DATA_B), KM_RV_SUCCESS_2U32);
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_B);
    ck_assert_uint_eq(d.upcall.args[0], 0);
    ck_assert_uint_eq(d.upcall.args[1], 0);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    h_close(h);
}
END_TEST

/* Delivery happens at dequeue: a re-subscribe between notify and delivery
 * does not drop the notification (it is no FunctionCall yet) and the new
 * function gets it; a Null subscription at delivery swallows it without
 * waking the target. */
START_TEST(test_delivery_at_dequeue)
{
    struct harness *h = ipc_bench(2, NULL, false);
    service_then_client(h);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.args[0], 1);
    h_close(h);

    h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 1, 0), KM_RV_SUCCESS);
    park(h, 0);
    h_boot(h, 1);
    /* subscribe, then replace: the queued IPC task survives both */
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 1, H_FN_A, 0);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 1, H_FN_C, H_DATA_A);
    d = park(h, 1);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_C);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_A);
    h_close(h);

    /* Null subscription at delivery: a ReturnValue, the target sleeps on */
    h = ipc_bench(2, NULL, false);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 1, 0), KM_RV_SUCCESS);
    park(h, 0);
    h_boot(h, 1);
    H_EXPECT_END(park(h, 1), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 1).stats.upcalls_delivered, 0);
    h_close(h);
}
END_TEST

/* Upcall arguments: a service notify carries (client index, len, ptr) of
 * the buffer the client shared with rw-allow number = service index, on
 * the service's own subscribe number; a client notify arrives on
 * subscribe number = the service's index, with (service index, 0, 0) when
 * the service shared nothing with the client. */
START_TEST(test_upcall_args)
{
    struct harness *h = ipc_bench(3, NULL, false);
    /* service is process 1 of 3; client is process 2 */
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000000, 0); /* keeps the run alive */
    park(h, 0);
    h_boot(h, 1);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 1, H_FN_A, H_DATA_A);
    park(h, 1);
    h_boot(h, 2);
    uint32_t buf = h_ram(h, 2) + 0x400;
    h_call(h, 2, KM_SYS_SUBSCRIBE, H_DRV_IPC, 1, H_FN_B, H_DATA_B);
    H_EXPECT1(h_call(h, 2, KM_SYS_ALLOW_RW, H_DRV_IPC, 1, buf, 64), KM_RV_SUCCESS_2U32);
    H_EXPECT1(h_call(h, 2, KM_SYS_COMMAND, H_DRV_IPC, 2, 1, 0), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 2);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_A);
    ck_assert_uint_eq(d.upcall.args[0], 2);
    ck_assert_uint_eq(d.upcall.args[1], 64);
    ck_assert_uint_eq(d.upcall.args[2], buf);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 3, 2, 0), KM_RV_SUCCESS);
    d = park(h, 1);
    H_EXPECT_DISPATCH(d, 2, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_B);
    ck_assert_uint_eq(d.upcall.args[0], 1);
    ck_assert_uint_eq(d.upcall.args[1], 0);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    h_close(h);
}
END_TEST

/* IPC with yourself: the notify is accepted and the task dropped at
 * delivery (schedule_upcall returns AlreadyInUse). */
START_TEST(test_self_ipc_refused)
{
    struct harness *h = ipc_bench(1, NULL, false);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, h_ram(h, 0) + 0x400, 64);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 3, 0, 0), KM_RV_SUCCESS);
    H_EXPECT_END(park(h, 0), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 0);
    h_close(h);
}
END_TEST

/* ---- MPU windows ------------------------------------------------------- */

/* A 64-byte buffer aligned to 64: ARMv7-M gives the service a read-write
 * region over it at delivery (not at notify), and the host view must be
 * rebuilt (the MPU generation moves). */
START_TEST(test_exposure_success)
{
    struct harness *h = ipc_bench(2, "armv7m", false);
    service_then_client(h);
    uint32_t buf = h_ram(h, 1) + 0x400;
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_B, 0);
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 64);
    ck_assert(!exposed(h, 0, buf, 64));
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
    ck_assert(!exposed(h, 0, buf, 64));
    uint32_t gen = h_info(h, 0).mpu_generation;
    struct km_proc_stats before = h_info(h, 0).stats;
    ck_assert_uint_eq(before.mpu_regions_peak, before.mpu_regions_base);
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert(exposed(h, 0, buf, 64));
    /* the counters results.json reports: one more reprogramming, one more
     * region at the peak than at load */
    struct km_proc_stats after = h_info(h, 0).stats;
    ck_assert_uint_eq(after.mpu_reprograms, before.mpu_reprograms + 1);
    ck_assert_uint_eq(after.mpu_regions_peak, after.mpu_regions_base + 1);
    ck_assert(!exposed(h, 0, buf + 64, 1));
    ck_assert_uint_ne(h_info(h, 0).mpu_generation, gen);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 1);
    ck_assert_uint_eq(h->notices, 0);
    /* a second notify with the same buffer adds nothing (overlap) */
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 3, 1, 0);
    park(h, 0);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
    park(h, 1);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 1);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows_refused, 0);
    ck_assert_uint_eq(h_info(h, 0).stats.mpu_reprograms, after.mpu_reprograms);
    h_close(h);
}
END_TEST

/* A 100-byte buffer: ARMv7-M's allocate_region(ptr, 100, 100) returns
 * None; the kernel ignores it (tock/tock#1993) and the upcall still
 * carries the pointer the service cannot touch. */
START_TEST(test_exposure_failure_ignored)
{
    struct harness *h = ipc_bench(2, "armv7m", false);
    service_then_client(h);
    uint32_t buf = h_ram(h, 1) + 0x400;
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 100);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 1);
    ck_assert_uint_eq(d.upcall.args[1], 100);
    ck_assert_uint_eq(d.upcall.args[2], buf);
    ck_assert(!exposed(h, 0, buf, 1));
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 0);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows_refused, 1);
    ck_assert_uint_eq(h->notices, 1);
    ck_assert_ptr_nonnull(strstr(h->notice, "#1993"));
    h_close(h);
}
END_TEST

/* 96 bytes at a 32-byte boundary that crosses a 256-byte one: ARMv7-M
 * cannot (no power-of-two region, and the subregions of one 256-byte region
 * do not reach), ARMv8-M and PMP can. */
START_TEST(test_exposure_depends_on_mpu)
{
    static const char *const mpus[] = {"armv7m", "armv8m", NULL};
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = ipc_bench(2, mpus[i], false);
        service_then_client(h);
        uint32_t buf = ((h_ram(h, 1) + 0x400) & ~0xffu) + 0xe0;
        h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 96);
        h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
        H_EXPECT_DISPATCH(park(h, 1), 0, KM_RESUME_UPCALL);
        ck_assert_msg(exposed(h, 0, buf, 96) == (i != 0), "MPU %s", mpus[i] ? mpus[i] : "pmp");
        ck_assert_uint_eq(h->notices, i == 0 ? 1 : 0);
        h_close(h);
    }
}
END_TEST

/* ARMv8-M aligns the start up to 32 and keeps the size: 64 bytes at an
 * address aligned only to 16 get a region shifted 16 bytes past the
 * buffer (mpu_v8m.rs allocate_region). The window is added yet does not
 * cover the buffer, and it covers 16 bytes after it. */
START_TEST(test_exposure_armv8m_shifted)
{
    struct harness *h = ipc_bench(2, "armv8m", false);
    service_then_client(h);
    uint32_t buf = h_ram(h, 1) + 0x410;
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 64);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
    H_EXPECT_DISPATCH(park(h, 1), 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 1);
    ck_assert(!exposed(h, 0, buf, 16));
    ck_assert(exposed(h, 0, buf + 16, 64));
    ck_assert_uint_eq(h->notices, 1);
    ck_assert_ptr_nonnull(strstr(h->notice, "does not cover"));
    h_close(h);
}
END_TEST

/* With refuse_unexposable the notify fails instead: INVAL when no ARMv7-M
 * region can ever cover the buffer; nothing is queued. */
START_TEST(test_exposure_refused_with_switch)
{
    struct harness *h = ipc_bench(2, "armv7m", true);
    service_then_client(h);
    uint32_t buf = h_ram(h, 1) + 0x400;
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 100);
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows_refused, 1);
    H_EXPECT_END(park(h, 1), KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    h_close(h);

    /* a buffer it can expose: the window is added at the notify */
    h = ipc_bench(2, "armv7m", true);
    service_then_client(h);
    buf = h_ram(h, 1) + 0x400;
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 64);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    ck_assert(exposed(h, 0, buf, 64));
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[1], 64);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 1);
    h_close(h);
}
END_TEST

/* More shared buffers than MPU regions: PMP with 4 user regions has two
 * left after flash and RAM. The third window fails: ignored upstream
 * (the service gets a pointer it cannot use), NOMEM with the switch. */
static void exhaustion(bool refuse)
{
    struct harness *h = ipc_bench(4, NULL, refuse);
    service_then_client(h);
    /* clients 1, 2, 3 each share 64 bytes with service 0 */
    for (int c = 1; c <= 3; c++) {
        if (c > 1) {
            park(h, c - 1);
            h_boot(h, c);
        }
        uint32_t buf = h_ram(h, c) + 0x400;
        h_call(h, c, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 64);
        struct km_regs r = h_call(h, c, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
        if (refuse && c == 3)
            H_EXPECT2(r, KM_RV_FAILURE, KM_ENOMEM);
        else
            H_EXPECT1(r, KM_RV_SUCCESS);
    }
    /* deliver everything to the service */
    struct km_dispatch d = park(h, 3);
    while (!d.end)
        d = park(h, d.proc);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, refuse ? 2 : 3);
    ck_assert(exposed(h, 0, h_ram(h, 1) + 0x400, 64));
    ck_assert(exposed(h, 0, h_ram(h, 2) + 0x400, 64));
    ck_assert(!exposed(h, 0, h_ram(h, 3) + 0x400, 64));
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 2);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows_refused, 1);
    h_close(h);
}

START_TEST(test_exposure_exhaustion_ignored)
{
    exhaustion(false);
}
END_TEST

START_TEST(test_exposure_exhaustion_refused)
{
    exhaustion(true);
}
END_TEST

/* Upstream asks the MPU for a 0-byte region at address 0 when nothing is
 * shared; every model refuses it and the configuration is untouched. */
START_TEST(test_no_buffer_no_region)
{
    static const char *const mpus[] = {NULL, "armv7m", "armv8m"};
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = ipc_bench(2, mpus[i], false);
        service_then_client(h);
        uint32_t gen = h_info(h, 0).mpu_generation;
        h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
        H_EXPECT_DISPATCH(park(h, 1), 0, KM_RESUME_UPCALL);
        ck_assert_uint_eq(h_info(h, 0).mpu_generation, gen);
        ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows, 0);
        ck_assert_uint_eq(h_info(h, 0).stats.ipc_windows_refused, 0);
        ck_assert_uint_eq(h->notices, 0);
        h_close(h);
    }
}
END_TEST

/* ---- Restarts ---------------------------------------------------------- */

/* The service restarts: the client keeps its grant (subscription, shared
 * buffer) and reaches the new incarnation by the same index without being
 * told; the new incarnation has no window until a notify adds one again. */
START_TEST(test_restart_service)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.ipc.mechanism = "legacy";
    o.mpu = "armv7m";
    o.mpu_regions = 8;
    o.mpu_min_region = 32;
    o.policy[0].kind = KM_FP_RESTART;
    struct harness *h = h_open(&o);
    service_then_client(h);
    uint32_t buf = h_ram(h, 1) + 0x400;
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_B, H_DATA_B);
    h_call(h, 1, KM_SYS_ALLOW_RW, H_DRV_IPC, 0, buf, 64);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0);
    H_EXPECT_DISPATCH(park(h, 1), 0, KM_RESUME_UPCALL);
    ck_assert(exposed(h, 0, buf, 64));
    uint32_t old_pid = h_info(h, 0).process_id;
    /* the service crashes while handling the request */
    struct km_dispatch d = h_fault(h, 0, "crash");
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    ck_assert_uint_ne(h_info(h, 0).process_id, old_pid);
    ck_assert(!exposed(h, 0, buf, 64));
    ck_assert_uint_eq(h_info(h, 0).stats.restart_count, 1);
    /* nothing of the client's went: its shared buffer and subscription */
    H_EXPECT4(h_call(h, 0, KM_SYS_MEMOP, 0, h_ram(h, 0) + H_APP_BRK, 0, 0), KM_RV_SUCCESS, 0, 0, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, H_DATA_A);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_IPC, 3, 1, 0);
    d = park(h, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    /* the client notifies index 0 again: the new incarnation answers */
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.args[1], 64);
    ck_assert(exposed(h, 0, buf, 64));
    h_close(h);
}
END_TEST

/* A notify from a sender that restarted (or died) before delivery is
 * dropped: its ProcessId is stale (called_from.index() is None), or it has
 * no grant left to enter. */
static void sender_gone(bool restart)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.ipc.mechanism = "legacy";
    o.policy[1].kind = restart ? KM_FP_RESTART : KM_FP_STOP;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, 0);
    park(h, 0);
    h_boot(h, 1);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_fault(h, 1, "crash");
    if (restart) {
        H_EXPECT_DISPATCH(d, 1, KM_RESUME_START);
        d = park(h, 1);
    }
    /* the service dequeues the task and drops it */
    H_EXPECT_END(d, KM_END_IDLE);
    ck_assert_uint_eq(h_info(h, 0).stats.upcalls_delivered, 0);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED);
    /* the trace's flow: queued once, dropped once, never delivered */
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    h_close(h);
}

/* A notification still queued on a target that terminates is discarded
 * with its queue and reported dropped, so every queued one ends. */
START_TEST(test_target_gone_discards_pending)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.ipc.mechanism = "legacy";
    o.policy[0].kind = KM_FP_STOP;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_IPC, 0, H_FN_A, 0);
    park(h, 0);
    h_boot(h, 1);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_IPC, 2, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    km_fault(h->k, 0, &(struct km_fault_info){.kind = KM_FAULT_CRASH, .reason = "gone"});
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    h_close(h);
}
END_TEST

START_TEST(test_restart_sender_drops_pending)
{
    sender_gone(true);
}
END_TEST

START_TEST(test_dead_sender_drops_pending)
{
    sender_gone(false);
}
END_TEST

static Suite *ipc_suite(void)
{
    Suite *s = suite_create("km_ipc_legacy");
    TCase *tc = tcase_create("legacy");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_absent_without_mechanism);
    tcase_add_test(tc, test_slots_per_process);
    tcase_add_test(tc, test_discover_by_package_name);
    tcase_add_test(tc, test_discover_nothing_allowed);
    tcase_add_test(tc, test_discover_dead_process_notify_nodevice);
    tcase_add_test(tc, test_notify_unknown_index);
    tcase_add_test(tc, test_notify_queue_full);
    tcase_add_test(tc, test_notify_before_subscribe);
    tcase_add_test(tc, test_delivery_at_dequeue);
    tcase_add_test(tc, test_upcall_args);
    tcase_add_test(tc, test_self_ipc_refused);
    tcase_add_test(tc, test_exposure_success);
    tcase_add_test(tc, test_exposure_failure_ignored);
    tcase_add_test(tc, test_exposure_depends_on_mpu);
    tcase_add_test(tc, test_exposure_armv8m_shifted);
    tcase_add_test(tc, test_exposure_refused_with_switch);
    tcase_add_test(tc, test_exposure_exhaustion_ignored);
    tcase_add_test(tc, test_exposure_exhaustion_refused);
    tcase_add_test(tc, test_no_buffer_no_region);
    tcase_add_test(tc, test_restart_service);
    tcase_add_test(tc, test_restart_sender_drops_pending);
    tcase_add_test(tc, test_dead_sender_drops_pending);
    tcase_add_test(tc, test_target_gone_discards_pending);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(ipc_suite());
}
