/* km_sched_mlfq.c: the multilevel feedback queue scheduler, after
 * capsules/system/src/scheduler/mlfq.rs.
 *
 * Three queues with timeslices of 10, 20 and 50 ms; the ready process at
 * the head of the highest non-empty queue runs for its queue's timeslice
 * minus the time it already used in that queue. A process that uses up its
 * timeslice moves to the back of the next lower queue with its used time
 * cleared; a process that stops for any other reason (yield, exit, kernel
 * work) moves to the back of its own queue and keeps the time it used.
 * Every 5,000 ms (PRIORITY_REFRESH_PERIOD_MS, checked in next()) the
 * processes at the heads of queues 1 and 2 move to the back of queue 0.
 *
 * The three queues share the one queue array of struct km_sched_state: a
 * process's queue is its procs[i].level, and the order of each queue is the
 * order of its processes in the array. */
#include "km_internal.h"

#define MLFQ_LEVELS 3
#define MLFQ_REFRESH_PERIOD_MS 5000u /* mlfq.rs PRIORITY_REFRESH_PERIOD_MS */

/* mlfq.rs get_timeslice_us() */
static const uint32_t mlfq_timeslice_us[MLFQ_LEVELS] = {10000, 20000, 50000};

static const char mlfq_finding_equal[] =
    "mlfq.rs next(): a process's time used in its queue equals the queue's timeslice, so "
    "it runs with no timeslice and result() unwraps the missing execution time (a panic); "
    "the model gives it a fresh timeslice instead";
static const char mlfq_finding_underflow[] =
    "mlfq.rs next(): timeslice - us_used_this_queue underflows for a process the priority "
    "refresh moved to a queue with a shorter timeslice (a panic with overflow checks, a "
    "timeslice of nearly 2^32 us without); the model gives it a fresh timeslice instead";

/* The scheduler's clock: the alarm's ticks since boot, 64 bits wide so
 * that it never wraps (upstream's 32-bit ticks wrap; last_reset_check is
 * kept for that). */
static uint64_t mlfq_now_ticks(const struct km_kernel *k)
{
    uint64_t hz = k->cfg.clock_hz, f = k->cfg.alarm_hz;
    return (k->now / hz) * f + (k->now % hz) * f / hz;
}

/* Position in the queue array of the first process of queue `level`, or
 * -1 if that queue is empty. */
static int mlfq_head(const struct km_sched_state *ss, unsigned level)
{
    for (unsigned i = 0; i < ss->qlen; i++)
        if (ss->procs[ss->queue[i]].level == level)
            return (int)i;
    return -1;
}

static int mlfq_position(const struct km_sched_state *ss, int proc)
{
    for (unsigned i = 0; i < ss->qlen; i++)
        if (ss->queue[i] == proc)
            return (int)i;
    return -1;
}

/* processes[level].push_tail(node), node taken from wherever it is. */
static void mlfq_push_tail(struct km_sched_state *ss, int proc, unsigned level)
{
    int pos = mlfq_position(ss, proc);
    if (pos < 0)
        return;
    ss->procs[proc].level = level;
    km_sched_queue_to_tail(ss, (unsigned)pos);
}

/* redeem_all_procs(): for queues 1 and 2, the process at the head (only
 * that one) moves to the back of queue 0. Its used time stays. */
static void mlfq_redeem(struct km_sched_state *ss)
{
    for (unsigned level = 1; level < MLFQ_LEVELS; level++) {
        int pos = mlfq_head(ss, level);
        if (pos >= 0)
            mlfq_push_tail(ss, ss->queue[pos], 0);
    }
}

/* get_next_ready_process_node(): the first ready process of the highest
 * queue that has one; the processes ahead of it in its queue move to that
 * queue's back, so it ends up at the head. Returns -1 if none is ready. */
static int mlfq_pick(struct km_kernel *k, unsigned *level_out)
{
    struct km_sched_state *ss = &k->ss;
    for (unsigned level = 0; level < MLFQ_LEVELS; level++) {
        int found = -1;
        for (unsigned i = 0; i < ss->qlen && found < 0; i++) {
            int p = ss->queue[i];
            if (ss->procs[p].level == level && km_proc_ready(&k->procs[p]))
                found = p;
        }
        if (found < 0)
            continue;
        int head;
        while ((head = mlfq_head(ss, level)) >= 0 && ss->queue[head] != found)
            km_sched_queue_to_tail(ss, (unsigned)head);
        *level_out = level;
        return found;
    }
    return -1;
}

static void mlfq_finding(struct km_kernel *k, int proc, const char *text)
{
    struct km_event ev = {.kind = KM_EV_FINDING, .time = k->now, .proc = proc};
    ev.u.finding.text = text;
    km_emit(k, &ev);
}

/* next(): first the priority refresh when its time has come (the first
 * next() of the run sets the first refresh 5,000 ms ahead), then the pick;
 * the timeslice is the queue's minus the time already used in it. */
static int mlfq_next(struct km_kernel *k, uint32_t *timeslice_us)
{
    struct km_sched_state *ss = &k->ss;
    uint64_t now = mlfq_now_ticks(k);
    /* !now.within_range(last_reset_check, next_reset) */
    if (!(now - ss->last_reset_check < ss->next_reset - ss->last_reset_check)) {
        ss->next_reset = now + (uint64_t)MLFQ_REFRESH_PERIOD_MS * k->cfg.alarm_hz / 1000u;
        mlfq_redeem(ss);
    }
    ss->last_reset_check = now;
    unsigned level = 0;
    int next = mlfq_pick(k, &level);
    if (next < 0)
        return -1; /* TrySleep */
    struct km_sched_proc *sp = &ss->procs[next];
    uint32_t slice = mlfq_timeslice_us[level];
    if (sp->used_us >= slice) {
        /* only after a refresh: within a queue a process always stops with
         * more than KM_MIN_QUANTA_US of its timeslice left, or expires */
        mlfq_finding(k, next, sp->used_us == slice ? mlfq_finding_equal : mlfq_finding_underflow);
        sp->used_us = 0;
    }
    ss->last_proc = next;
    ss->last_level = level;
    *timeslice_us = slice - sp->used_us;
    return next;
}

/* result(): TimesliceExpired demotes (one queue down, at most to the
 * last) with the used time cleared; anything else adds the time run to the
 * used time and moves the process to the back of its queue. */
static void mlfq_result(struct km_kernel *k, enum km_stop_reason r, uint32_t executed_us)
{
    struct km_sched_state *ss = &k->ss;
    int proc = ss->last_proc;
    struct km_sched_proc *sp = &ss->procs[proc];
    unsigned level = ss->last_level;
    if (r == KM_STOP_TIMESLICE) {
        sp->used_us = 0;
        mlfq_push_tail(ss, proc, level + 1 < MLFQ_LEVELS ? level + 1 : level);
    } else {
        sp->used_us += executed_us;
        mlfq_push_tail(ss, proc, level);
    }
}

const struct km_sched_ops km_sched_mlfq_ops = {
    .name = "mlfq",
    .default_timeslice_us = 10000, /* the top queue's; the others' are fixed */
    .next = mlfq_next,
    .result = mlfq_result,
    .continue_process = km_sched_continue_default,
};
