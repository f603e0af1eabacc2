/* check_km_drivers.c: the alarm, console, led and rng drivers of the kernel
 * model, against capsules/core/src/{alarm,console,led,rng}.rs. */
#include "km_harness.h"

#include <string.h>

/* A 16 MHz core with a 32768 Hz alarm: one tick is 16e6 / 32768 =
 * 488.28125 cycles, so tick n first reads on cycle ceil(n * 488.28125). */
static struct harness *alarm_bench(unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.clock_hz = 16000000u;
    o.alarm_hz = 32768u;
    return h_open(&o);
}

/* A 1.152 MHz core: the model's UART (115200 baud, 8N1 = 10 bits a byte)
 * takes exactly 1152000 * 10 / 115200 = 100 cycles per byte. */
static struct harness *console_bench(unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.clock_hz = 1152000u;
    return h_open(&o);
}

/* ---- Alarm (driver 0x0) ----------------------------------------------- */

/* alarm.rs command 1: the frequency (32-bit ticks need no justification);
 * command 2: now. One second of computation is 32768 ticks. */
START_TEST(test_alarm_frequency_and_now)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 1, 0, 0), KM_RV_SUCCESS_U32, 32768);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0), KM_RV_SUCCESS_U32, 0);
    H_EXPECT_DISPATCH(h_compute(h, 0, 16000000u), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 16000000u);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0), KM_RV_SUCCESS_U32, 32768);
    /* tick 32769 first reads on cycle ceil(32769 * 488.28125) = 16000489 */
    h_compute(h, 0, 488);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0), KM_RV_SUCCESS_U32, 32768);
    h_compute(h, 0, 1);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 2, 0, 0), KM_RV_SUCCESS_U32, 32769);
    h_close(h);
}
END_TEST

/* alarm.rs command 3: ALREADY (3) when no expiration is set; else the
 * alarm is cleared and no upcall comes. */
START_TEST(test_alarm_stop)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 3, 0, 0), KM_RV_FAILURE, KM_EALREADY);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0), KM_RV_SUCCESS_U32, 1000);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 3, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 3, 0, 0), KM_RV_FAILURE, KM_EALREADY);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 0);
    h_close(h);
}
END_TEST

/* alarm.rs command 5: reference = now, returns Success+u32 ref + dt; the
 * upcall is (now, ref + dt, 0) when the counter reaches ref + dt: tick 32768
 * is cycle 16,000,000 exactly. The fired alarm is cleared (expired_handler
 * sets expiration None), so a stop afterwards is ALREADY. */
START_TEST(test_alarm_relative_upcall)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, H_DATA_A);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 32768, 0), KM_RV_SUCCESS_U32, 32768);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 16000000u);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_A);
    ck_assert_uint_eq(d.upcall.args[0], 32768);
    ck_assert_uint_eq(d.upcall.args[1], 32768);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 3, 0, 0), KM_RV_FAILURE, KM_EALREADY);
    h_close(h);
}
END_TEST

/* alarm.rs command 6 (reference, dt) returns Success+u32 ref + dt. After
 * one second (now = tick 32768) ref 32000 + dt 1068 = 33068; tick 33068
 * first reads on cycle ceil(33068 * 488.28125) = ceil(16146484.375) =
 * 16146485, where now = floor(16146485 * 32768 / 16e6) = 33068. */
START_TEST(test_alarm_absolute_upcall)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_compute(h, 0, 16000000u);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 6, 32000, 1068), KM_RV_SUCCESS_U32, 33068);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 16146485u);
    ck_assert_uint_eq(d.upcall.args[0], 33068);
    ck_assert_uint_eq(d.upcall.args[1], 33068);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    h_close(h);
}
END_TEST

/* alarm.rs earliest_alarm: an expiration is pending only while
 * now.within_range(ref, ref + dt), i.e. (now - ref) < dt in wrapping
 * arithmetic (kernel/src/hil/time.rs). A past expiration fires at once
 * with (now, ref + dt, 0); so does a reference AHEAD of now, which reads
 * as almost 2^32 ticks ago. */
START_TEST(test_alarm_absolute_expired)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    /* at now = 0, reference 100 is in the "past" by 2^32 - 100 ticks */
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 6, 100, 200), KM_RV_SUCCESS_U32, 300);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 0);
    ck_assert_uint_eq(d.upcall.args[0], 0);
    ck_assert_uint_eq(d.upcall.args[1], 300);
    /* one second later, an expiration at tick 100 has passed */
    h_compute(h, 0, 16000000u);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 6, 0, 100), KM_RV_SUCCESS_U32, 100);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 16000000u);
    ck_assert_uint_eq(d.upcall.args[0], 32768);
    ck_assert_uint_eq(d.upcall.args[1], 100);
    h_close(h);
}
END_TEST

/* Ticks wrap at 2^32: reference 0xFFFFFF00 + dt 0x200 = 0x100 (wrapping);
 * at now = 0 the counter is 0x100 past the reference, so 0x100 ticks
 * remain: tick 256 = cycle 256 * 488.28125 = 125000. */
START_TEST(test_alarm_wraps)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 6, 0xFFFFFF00u, 0x200), KM_RV_SUCCESS_U32,
              0x100);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 125000);
    ck_assert_uint_eq(d.upcall.args[0], 0x100);
    ck_assert_uint_eq(d.upcall.args[1], 0x100);
    h_close(h);
}
END_TEST

/* alarm.rs rearm: one expiration per process; setting a new one replaces the
 * old. Tick 2000 = cycle ceil(976562.5) = 976563. */
START_TEST(test_alarm_rearm_replaces)
{
    struct harness *h = alarm_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0), KM_RV_SUCCESS_U32, 1000);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 2000, 0), KM_RV_SUCCESS_U32, 2000);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 976563);
    ck_assert_uint_eq(d.upcall.args[0], 2000);
    ck_assert_uint_eq(d.upcall.args[1], 2000);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* alarm.rs keeps an expiration per process (grant): each process gets its
 * own upcall at its own time (1 MHz ticks = cycles). */
START_TEST(test_alarm_per_process)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 3000, 0), KM_RV_SUCCESS_U32, 3000);
    h_boot(h, 1); /* parks process 0 in yield-wait */
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0);
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 1000, 0), KM_RV_SUCCESS_U32, 1000);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 1000);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.args[1], 1000);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 3000);
    ck_assert_uint_eq(d.upcall.fn, H_FN_A);
    ck_assert_uint_eq(d.upcall.args[1], 3000);
    h_close(h);
}
END_TEST

/* ---- Console (driver 0x1) --------------------------------------------- */

static void fill_pattern(uint8_t *dst, uint32_t n, uint8_t base)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(base + i % 26);
}

/* console.rs: command 1 writes read-only allow 1 through a 64-byte buffer
 * (DEFAULT_BUF_SIZE): 150 bytes go out as 64 + 64 + 22 at cycles 6400,
 * 12800, 15000; then upcall 1 (written, 0, 0) = (150, 0, 0). */
START_TEST(test_console_write_chunks)
{
    struct harness *h = console_bench(1);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x200;
    fill_pattern(h_mem(h, buf), 150, 'a');
    H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, buf, 150), KM_RV_SUCCESS_2U32, 0, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_C, 7);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 150, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 15000);
    ck_assert_uint_eq(d.upcall.fn, H_FN_C);
    ck_assert_uint_eq(d.upcall.appdata, 7);
    ck_assert_uint_eq(d.upcall.args[0], 150);
    ck_assert_uint_eq(d.upcall.args[1], 0);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    ck_assert_uint_eq(h_count(h, KM_EV_CONSOLE, 0), 3);
    const uint32_t lens[3] = {64, 64, 22};
    const uint64_t times[3] = {6400, 12800, 15000};
    for (unsigned i = 0; i < 3; i++) {
        const struct h_event *e = h_event_nth(h, KM_EV_CONSOLE, 0, i);
        ck_assert_uint_eq(e->con_len, lens[i]);
        ck_assert_uint_eq(e->time, times[i]);
    }
    ck_assert_uint_eq(h->con_len[0], 150);
    ck_assert_mem_eq(h->con[0], h_mem(h, buf), 150);
    h_close(h);
}
END_TEST

/* console.rs send_new: write_len = min(allowed length, requested). */
START_TEST(test_console_write_len_clamped)
{
    struct harness *h = console_bench(1);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x200;
    fill_pattern(h_mem(h, buf), 40, 'A');
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, buf, 10);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_C, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 100, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 10);
    ck_assert_uint_eq(km_now(h->k), 1000);
    ck_assert_uint_eq(h->con_len[0], 10);
    ck_assert_mem_eq(h->con[0], "ABCDEFGHIJ", 10);
    h_close(h);
}
END_TEST

/* console.rs send_new with nothing allowed: write_len = 0; the write
 * completes with upcall (0, 0, 0) and no bytes reach the UART. */
START_TEST(test_console_write_nothing_allowed)
{
    struct harness *h = console_bench(1);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_C, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 16, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.args[0], 0);
    ck_assert_uint_eq(h_count(h, KM_EV_CONSOLE, -2), 0);
    h_close(h);
}
END_TEST

/* console.rs send(): one UART; a write arriving while another is on the
 * wire is marked pending_write; transmitted_buffer finishes the current
 * writer's remaining chunks first (send_continue), then starts the pending
 * one. Process 0's 100 bytes go out as 64 (6400) + 36 (10000), then
 * process 1's 10 bytes (11000); nothing interleaves. */
START_TEST(test_console_two_writers_serialized)
{
    struct harness *h = console_bench(2);
    h_boot(h, 0);
    uint32_t b0 = h_ram(h, 0) + 0x200;
    fill_pattern(h_mem(h, b0), 100, 'A');
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, b0, 100);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_A, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 100, 0), KM_RV_SUCCESS);
    h_boot(h, 1); /* parks process 0 in yield-wait */
    uint32_t b1 = h_ram(h, 1) + 0x200;
    fill_pattern(h_mem(h, b1), 10, 'a');
    h_call(h, 1, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, b1, 10);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_B, 0);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 10, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 10000);
    ck_assert_uint_eq(d.upcall.args[0], 100);
    d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 11000);
    ck_assert_uint_eq(d.upcall.args[0], 10);
    /* the order on the wire */
    ck_assert_uint_eq(h_count(h, KM_EV_CONSOLE, -2), 3);
    const int procs[3] = {0, 0, 1};
    const uint32_t lens[3] = {64, 36, 10};
    const uint64_t times[3] = {6400, 10000, 11000};
    for (unsigned i = 0; i < 3; i++) {
        const struct h_event *e = h_event_nth(h, KM_EV_CONSOLE, -2, i);
        ck_assert_int_eq(e->proc, procs[i]);
        ck_assert_uint_eq(e->con_len, lens[i]);
        ck_assert_uint_eq(e->time, times[i]);
    }
    ck_assert_mem_eq(h->con[0], h_mem(h, b0), 100);
    ck_assert_mem_eq(h->con[1], h_mem(h, b1), 10);
    h_close(h);
}
END_TEST

/* console.rs send() copies the chunk into the capsule's own tx buffer and
 * hands it to the UART (transmit_buffer); the UART sends it whatever
 * happens to the app. When it is done, transmitted_buffer cannot enter the
 * gone app's grant, so no upcall. The 10 bytes must appear at cycle 1000
 * even though their writer exited at cycle 0. */
START_TEST(test_console_chunk_in_flight_survives_exit)
{
    struct harness *h = console_bench(1);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x200;
    memcpy(h_mem(h, buf), "last words", 10);
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, buf, 10);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 10, 0), KM_RV_SUCCESS);
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_EXIT, 0, 0, 0, 0), KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 1000);
    ck_assert_uint_eq(h_count(h, KM_EV_CONSOLE, 0), 1);
    ck_assert_uint_eq(h->con_len[0], 10);
    ck_assert_mem_eq(h->con[0], "last words", 10);
    h_close(h);
}
END_TEST

/* console.rs keeps tx_in_progress as a ProcessId. After exit-restart the
 * old incarnation's chunk still finishes at cycle 1000, but
 * transmitted_buffer cannot enter the old ProcessId, so it neither
 * continues nor upcalls; the pending write of the new incarnation then
 * starts (5 bytes, done at 1500) and gets exactly one upcall (5, 0, 0). */
START_TEST(test_console_restarted_writer_single_upcall)
{
    struct harness *h = console_bench(1);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x200;
    memcpy(h_mem(h, buf), "old bytes!", 10);
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, buf, 10);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_A, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 10, 0), KM_RV_SUCCESS);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_EXIT, 1, 0, 0, 0), 0, KM_RESUME_START);
    H_EXPECT1(h_call(h, 0, KM_SYS_MEMOP, 0, h_ram(h, 0) + H_APP_BRK, 0, 0), KM_RV_SUCCESS);
    memcpy(h_mem(h, buf), "NEW!!", 5);
    h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_CONSOLE, 1, buf, 5);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_CONSOLE, 1, H_FN_B, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_CONSOLE, 1, 5, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 1500);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.args[0], 5);
    ck_assert_uint_eq(h->con_len[0], 15);
    ck_assert_mem_eq(h->con[0], "old bytes!NEW!!", 15);
    /* and nothing more */
    H_EXPECT_END(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* ---- LED (driver 0x2) ------------------------------------------------- */

/* led.rs: 0 count (Success+u32), 1 on, 2 off, 3 toggle (Success), 4 read
 * (Success+u32 0/1); an index >= the count is INVAL (6). */
START_TEST(test_led_commands)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0), KM_RV_SUCCESS_U32, 4);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 1, 1, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 4, 1, 0), KM_RV_SUCCESS_U32, 1);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 4, 0, 0), KM_RV_SUCCESS_U32, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 3, 1, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 4, 1, 0), KM_RV_SUCCESS_U32, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 2, 2, 0), KM_RV_SUCCESS); /* already off */
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 3, 3, 0), KM_RV_SUCCESS);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 4, 3, 0), KM_RV_SUCCESS_U32, 1);
    /* events only for real changes: 1 on, 1 off, 3 on */
    ck_assert_uint_eq(h_count(h, KM_EV_LED, 0), 3);
    const uint32_t idx[3] = {1, 1, 3};
    const bool on[3] = {true, false, true};
    for (unsigned i = 0; i < 3; i++) {
        const struct h_event *e = h_event_nth(h, KM_EV_LED, 0, i);
        ck_assert_uint_eq(e->led_index, idx[i]);
        ck_assert(e->led_on == on[i]);
    }
    h_close(h);
}
END_TEST

START_TEST(test_led_bad_index)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    for (uint32_t cmd = 1; cmd <= 4; cmd++) {
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, cmd, 4, 0), KM_RV_FAILURE, KM_EINVAL);
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, cmd, 0xFFFFFFFFu, 0), KM_RV_FAILURE,
                  KM_EINVAL);
    }
    ck_assert_uint_eq(h_count(h, KM_EV_LED, -2), 0);
    h_close(h);
}
END_TEST

/* led.rs drives board LEDs: every process sees the same state. */
START_TEST(test_led_shared_between_processes)
{
    struct harness *h = h_new(2);
    h_boot(h, 0);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 1, 2, 0), KM_RV_SUCCESS);
    h_boot(h, 1);
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_LED, 4, 2, 0), KM_RV_SUCCESS_U32, 1);
    h_close(h);
}
END_TEST

/* ---- RNG (driver 0x40001) --------------------------------------------- */

/* Runs one process that asks for n random bytes into a `cap`-byte buffer
 * pre-filled with 0xEE; copies the 32-byte buffer to out and returns the
 * upcall's second argument (rng.rs: upcall 0 (0, bytes, 0)). */
static uint32_t rng_run(uint64_t seed, uint32_t cap, uint32_t n, uint8_t out[32])
{
    struct h_opts o;
    h_opts_init(&o, 1);
    o.seed = seed;
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    uint32_t buf = h_ram(h, 0) + 0x300;
    memset(h_mem(h, buf), 0xEE, 32);
    if (cap)
        H_EXPECT3(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RNG, 0, buf, cap), KM_RV_SUCCESS_2U32, 0, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RNG, 0, H_FN_B, H_DATA_B);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_RNG, 1, n, 0), KM_RV_SUCCESS);
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(d.upcall.fn, H_FN_B);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_B);
    ck_assert_uint_eq(d.upcall.args[0], 0);
    ck_assert_uint_eq(d.upcall.args[2], 0);
    memcpy(out, h_mem(h, buf), 32);
    uint32_t got = d.upcall.args[1];
    h_close(h);
    return got;
}

/* rng.rs command 1 (n) fills rw allow 0 with n bytes, upcall (0, n, 0). */
START_TEST(test_rng_fills_and_upcalls)
{
    uint8_t b[32];
    ck_assert_uint_eq(rng_run(42, 16, 16, b), 16);
    unsigned untouched = 0;
    for (unsigned i = 0; i < 16; i++)
        untouched += b[i] == 0xEE;
    ck_assert_uint_lt(untouched, 16);
    for (unsigned i = 16; i < 32; i++)
        ck_assert_uint_eq(b[i], 0xEE);
}
END_TEST

/* km.h: the rng driver is seeded: same seed, same bytes; another seed,
 * other bytes. */
START_TEST(test_rng_deterministic_per_seed)
{
    uint8_t a[32], b[32], c[32];
    rng_run(42, 16, 16, a);
    rng_run(42, 16, 16, b);
    rng_run(43, 16, 16, c);
    ck_assert_mem_eq(a, b, 16);
    ck_assert_mem_ne(a, c, 16);
}
END_TEST

/* rng.rs randomness_available: "if buffer.len() < idx + remaining
 * { remaining = buffer.len() - idx }": 16 asked, 8 allowed -> 8 written,
 * upcall (0, 8, 0); nothing allowed -> (0, 0, 0). */
START_TEST(test_rng_short_or_missing_buffer)
{
    uint8_t b[32];
    ck_assert_uint_eq(rng_run(42, 8, 16, b), 8);
    for (unsigned i = 8; i < 32; i++)
        ck_assert_uint_eq(b[i], 0xEE);
    ck_assert_uint_eq(rng_run(42, 0, 4, b), 0);
    for (unsigned i = 0; i < 32; i++)
        ck_assert_uint_eq(b[i], 0xEE);
}
END_TEST

static Suite *drivers_suite(void)
{
    Suite *s = suite_create("km_drivers");
    TCase *tc = tcase_create("alarm");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_alarm_frequency_and_now);
    tcase_add_test(tc, test_alarm_stop);
    tcase_add_test(tc, test_alarm_relative_upcall);
    tcase_add_test(tc, test_alarm_absolute_upcall);
    tcase_add_test(tc, test_alarm_absolute_expired);
    tcase_add_test(tc, test_alarm_wraps);
    tcase_add_test(tc, test_alarm_rearm_replaces);
    tcase_add_test(tc, test_alarm_per_process);
    suite_add_tcase(s, tc);

    tc = tcase_create("console");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_console_write_chunks);
    tcase_add_test(tc, test_console_write_len_clamped);
    tcase_add_test(tc, test_console_write_nothing_allowed);
    tcase_add_test(tc, test_console_two_writers_serialized);
    tcase_add_test(tc, test_console_chunk_in_flight_survives_exit);
    tcase_add_test(tc, test_console_restarted_writer_single_upcall);
    suite_add_tcase(s, tc);

    tc = tcase_create("led");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_led_commands);
    tcase_add_test(tc, test_led_bad_index);
    tcase_add_test(tc, test_led_shared_between_processes);
    suite_add_tcase(s, tc);

    tc = tcase_create("rng");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_rng_fills_and_upcalls);
    tcase_add_test(tc, test_rng_deterministic_per_seed);
    tcase_add_test(tc, test_rng_short_or_missing_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(drivers_suite());
}
