/* check_km_sched_mlfq.c: the multilevel feedback queue scheduler
 * (capsules/system/src/scheduler/mlfq.rs) in virtual time: queues of 10,
 * 20 and 50 ms timeslices, demotion when a process uses up its queue's
 * timeslice (counted across all its runs in that queue), any other stop
 * to the back of the same queue with the time kept, and every 5,000 ms the
 * heads of the lower queues back to the top. With the default 1 MHz clock
 * and alarm and zero costs, one cycle is one microsecond and one tick. */
#include "km_harness.h"
#include "km_internal.h"

#include <string.h>

static struct harness *mlfq_open(unsigned nprocs, uint64_t duration, uint32_t timeslice_us)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.scheduler = "mlfq";
    o.duration_cycles = duration;
    o.timeslice_us = timeslice_us;
    return h_open(&o);
}

static unsigned level_of(const struct harness *h, int p)
{
    return h->k->ss.procs[p].level;
}

static uint32_t used_of(const struct harness *h, int p)
{
    return h->k->ss.procs[p].used_us;
}

/* Two CPU-bound processes. Each uses up its 10 ms in queue 0 (p0 0-10,
 * p1 10-20) and moves to queue 1; there each gets 20 ms (p0 20-40, p1
 * 40-60) and moves to queue 2, where p0 finishes its last 5 ms (60-65)
 * and waits. p1 then gets 50 ms slices: 65-115, expired, and, still in the
 * last queue, 115-125 for the rest of its 80 ms of computation. */
START_TEST(test_mlfq_demotion_and_queue_timeslices)
{
    struct harness *h = mlfq_open(2, 0, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 10000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    ck_assert_uint_eq(level_of(h, 0), 1);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 1);
    H_EXPECT_DISPATCH(h_compute(h, 1, 10000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 20000);
    ck_assert_uint_eq(level_of(h, 1), 1);
    /* queue 1: 20 ms */
    H_EXPECT_DISPATCH(h_compute(h, 0, 25000), 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 40000);
    ck_assert_uint_eq(level_of(h, 0), 2);
    ck_assert_uint_eq(used_of(h, 0), 0);
    H_EXPECT_DISPATCH(h_compute(h, 1, 80000), 0, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 65000);
    ck_assert_uint_eq(level_of(h, 1), 2);
    /* p0 waits: 5000 us used in queue 2, kept */
    struct km_dispatch d = h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    ck_assert_uint_eq(used_of(h, 0), 5000);
    ck_assert_uint_eq(level_of(h, 0), 2);
    /* queue 2: 50 ms, and the last queue keeps an expired process */
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 125000);
    ck_assert_uint_eq(level_of(h, 1), 2);
    ck_assert_uint_eq(h_info(h, 1).stats.timeslice_expirations, 3);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 90000);
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_IDLE);
    h_close(h);
}
END_TEST

/* A kernel preemption is not a demotion, but the process loses its place:
 * result() moves it to the back of its queue with the time it ran added.
 * p0 computes with its own alarm due at 3 ms: at 3 ms it goes behind p1
 * and p2 with 3000 us used, so p1 starts at 3 ms (round robin would have
 * resumed p0); p2 starts when p1's 10 ms are up. */
START_TEST(test_mlfq_kernel_preemption_to_back_of_queue)
{
    struct harness *h = mlfq_open(3, 0, 0);
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, 3000, 0);
    H_EXPECT_DISPATCH(h_compute(h, 0, 1000000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 3000);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 3000);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    H_EXPECT_DISPATCH(h_compute(h, 1, 1000000), 2, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 13000);
    ck_assert_uint_eq(level_of(h, 1), 1);
    h_close(h);
}
END_TEST

/* Runs one tick of an interactive process p0: its alarm upcall must be
 * dispatched at `due`; it computes `work` us and re-arms the alarm
 * `period` ticks later (unless period is 0), then waits. Returns the time
 * the next tick is due. */
static uint64_t tick(struct harness *h, uint64_t due, uint32_t work, uint32_t period)
{
    struct km_dispatch d = h_next(h);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), due);
    uint64_t end = due + work;
    if (work) {
        d = h_compute(h, 0, work);
        H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
        ck_assert_uint_eq(km_now(h->k), end);
    }
    if (period)
        h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, period, 0);
    h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    return end + period;
}

/* Boots p0 with its alarm armed `period` ticks ahead, then starts p1 on
 * `cpu` us of computation. Returns the time p0's first tick is due. */
static uint64_t interactive_setup(struct harness *h, uint32_t period, uint64_t cpu)
{
    h_boot(h, 0);
    h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_A, 0);
    h_call(h, 0, KM_SYS_COMMAND, H_DRV_ALARM, 5, period, 0);
    H_EXPECT_DISPATCH(h_syscall(h, 0, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 1, KM_RESUME_START);
    ck_assert_int_eq(km_compute(h->k, 1, cpu), 0);
    h->pending = false;
    return period;
}

/* An interactive process (100 us of work every 5 ms) next to a CPU-bound
 * one: every tick is served the moment its alarm fires, because the
 * interactive process stays in queue 0 (2,000 us used of its 10,000 after
 * 20 ticks) while the CPU-bound one sinks to queue 2. */
START_TEST(test_mlfq_interactive_stays_on_top)
{
    struct harness *h = mlfq_open(2, 0, 0);
    uint64_t due = interactive_setup(h, 5000, 200000);
    for (int i = 0; i < 20; i++)
        due = tick(h, due, 100, i < 19 ? 5000 : 0);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 2000);
    ck_assert_uint_eq(level_of(h, 1), 2);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 0);
    struct km_dispatch d = h_next(h);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(km_now(h->k), 202000);
    h_close(h);
}
END_TEST

/* mlfq.rs Rule 4: the allotment counts "regardless of how many times it
 * has given up the CPU". With 1,000 us of work per tick, nine ticks use
 * 9,000 us of queue 0; the tenth is given the 1,000 us left, uses it up,
 * and is demoted. In queue 1 it is still served on time, above the
 * CPU-bound process in queue 2. */
START_TEST(test_mlfq_allotment_counts_across_yields)
{
    struct harness *h = mlfq_open(2, 0, 0);
    uint64_t due = interactive_setup(h, 5000, 1000000);
    for (int i = 0; i < 9; i++)
        due = tick(h, due, 1000, 5000);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 9000);
    due = tick(h, due, 1000, 5000);
    ck_assert_uint_eq(level_of(h, 0), 1);
    ck_assert_uint_eq(used_of(h, 0), 0);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 1);
    ck_assert_uint_eq(level_of(h, 1), 2);
    due = tick(h, due, 1000, 5000);
    ck_assert_uint_eq(used_of(h, 0), 1000);
    h_close(h);
}
END_TEST

/* The priority refresh. p0 computes 10 s alone after p1 (at 10 ms) arms
 * an alarm for 5,035 ms. p0's slices in queue 2 end at 30 ms + k * 50 ms;
 * the first next() at or after 5,000 ms (the first next() at 0 set the
 * refresh 5,000 ms ahead) is at 5,030 ms: p0, at the head of queue 2, goes
 * back to queue 0 and gets a 10 ms slice, which p1's alarm interrupts at
 * 5,035 ms. The next refresh is due 5,000 ms after the last, at 10,030 ms. */
START_TEST(test_mlfq_priority_refresh)
{
    struct harness *h = mlfq_open(2, 0, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 10000000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5025000, 0);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 5035000);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 5000);
    ck_assert_uint_eq(h->k->ss.next_reset, 10030000);
    h_close(h);

    /* just before: p0 is in queue 2 */
    h = mlfq_open(2, 5000000, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 10000000), 1, KM_RESUME_START);
    H_EXPECT_END(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), KM_END_DURATION);
    ck_assert_uint_eq(level_of(h, 0), 2);
    h_close(h);
}
END_TEST

/* redeem_all_procs() moves only the head of each lower queue, not every
 * process. Three CPU-bound processes reach queue 2 at 90 ms and take
 * 50 ms turns p0, p1, p2; the refresh comes at the next() at 5,040 ms,
 * when p2 has just gone to the back: p0 alone returns to queue 0. */
START_TEST(test_mlfq_refresh_moves_queue_heads_only)
{
    struct harness *h = mlfq_open(3, 5045000, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 10000000), 1, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 1, 10000000), 2, KM_RESUME_START);
    H_EXPECT_END(h_compute(h, 2, 10000000), KM_END_DURATION);
    ck_assert_uint_eq(km_now(h->k), 5045000);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(level_of(h, 1), 2);
    ck_assert_uint_eq(level_of(h, 2), 2);
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 10000 + 20000 + 33 * 50000 + 5000);
    h_close(h);
}
END_TEST

/* The refresh keeps the time used in the old queue. p0 in queue 2 is
 * interrupted at 5,010 ms after 30,000 us of its slice; the refresh moves
 * it to queue 0, whose timeslice is 10,000 us: upstream's
 * `timeslice - us_used_this_queue` underflows. The model reports a finding
 * and gives p0 a fresh 10 ms, which p1's next alarm interrupts at 5 ms. */
START_TEST(test_mlfq_refresh_underflow_finding)
{
    struct harness *h = mlfq_open(2, 0, 0);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 10000000), 1, KM_RESUME_START);
    h_call(h, 1, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_B, 0);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000000, 0);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 5010000);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 30000);
    ck_assert_ptr_null(h->finding);
    h_call(h, 1, KM_SYS_COMMAND, H_DRV_ALARM, 5, 5000, 0);
    d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    ck_assert_uint_eq(km_now(h->k), 5015000);
    ck_assert_ptr_nonnull(h->finding);
    ck_assert_ptr_nonnull(strstr(h->finding, "underflows"));
    ck_assert_uint_eq(h_count(h, KM_EV_FINDING, 0), 1);
    ck_assert_uint_eq(level_of(h, 0), 0);
    ck_assert_uint_eq(used_of(h, 0), 5000);
    h_close(h);
}
END_TEST

/* Used time equal to the queue's timeslice would make upstream run the
 * process with no timeslice and then unwrap a missing execution time in
 * result(). Set up by hand (it takes a refresh to get there): the model
 * reports it and gives a fresh slice. */
START_TEST(test_mlfq_used_equals_timeslice_finding)
{
    struct harness *h = mlfq_open(2, 0, 0);
    h->k->ss.procs[0].used_us = 10000;
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    ck_assert_ptr_nonnull(h->finding);
    ck_assert_ptr_nonnull(strstr(h->finding, "equals"));
    H_EXPECT_DISPATCH(h_compute(h, 0, 1000000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    h_close(h);
}
END_TEST

/* The timeslices are mlfq.rs's own: a configured one changes nothing. */
START_TEST(test_mlfq_ignores_configured_timeslice)
{
    struct harness *h = mlfq_open(2, 0, 2000);
    H_EXPECT_DISPATCH(h_next(h), 0, KM_RESUME_START);
    H_EXPECT_DISPATCH(h_compute(h, 0, 1000000), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 10000);
    h_close(h);
}
END_TEST

/* A timeslice with 500 us or less left counts as expired at once
 * (kernel.rs MIN_QUANTA_THRESHOLD_US). Set up by hand: p0 has used 9,500
 * us of queue 0 (a process gets there over several runs, each of which
 * ends with more than 500 us left). next() gives it the 500 us left, it
 * is stopped before it runs and demoted, and p1 starts at 0. */
START_TEST(test_mlfq_min_quanta_demotes)
{
    struct harness *h = mlfq_open(2, 0, 0);
    h->k->ss.procs[0].used_us = 9500;
    H_EXPECT_DISPATCH(h_next(h), 1, KM_RESUME_START);
    ck_assert_uint_eq(km_now(h->k), 0);
    ck_assert_uint_eq(h_info(h, 0).stats.timeslice_expirations, 1);
    ck_assert_uint_eq(level_of(h, 0), 1);
    ck_assert_uint_eq(used_of(h, 0), 0);
    /* p0 starts from queue 1 when p1 waits */
    H_EXPECT_DISPATCH(h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), 0, KM_RESUME_START);
    h_close(h);
}
END_TEST

static Suite *mlfq_suite(void)
{
    Suite *s = suite_create("km_sched_mlfq");
    TCase *tc = tcase_create("mlfq");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_mlfq_demotion_and_queue_timeslices);
    tcase_add_test(tc, test_mlfq_kernel_preemption_to_back_of_queue);
    tcase_add_test(tc, test_mlfq_interactive_stays_on_top);
    tcase_add_test(tc, test_mlfq_allotment_counts_across_yields);
    tcase_add_test(tc, test_mlfq_priority_refresh);
    tcase_add_test(tc, test_mlfq_refresh_moves_queue_heads_only);
    tcase_add_test(tc, test_mlfq_refresh_underflow_finding);
    tcase_add_test(tc, test_mlfq_used_equals_timeslice_finding);
    tcase_add_test(tc, test_mlfq_ignores_configured_timeslice);
    tcase_add_test(tc, test_mlfq_min_quanta_demotes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(mlfq_suite());
}
