/* km_sched_rr.c: the round-robin scheduler, after
 * capsules/system/src/scheduler/round_robin.rs: the first ready process in
 * the queue runs; not-ready ones move to the back; after a kernel
 * preemption the same process resumes with the time it had left. */
#include "km_internal.h"

static void rr_rotate(struct km_sched_state *ss)
{
    int head = ss->queue[0];
    for (unsigned i = 1; i < ss->qlen; i++)
        ss->queue[i - 1] = ss->queue[i];
    ss->queue[ss->qlen - 1] = head;
}

static int rr_next(struct km_kernel *k, uint32_t *timeslice_us)
{
    struct km_sched_state *ss = &k->ss;
    int next = -1;
    for (unsigned tried = 0; tried < ss->qlen; tried++) {
        if (km_proc_ready(&k->procs[ss->queue[0]])) {
            next = ss->queue[0];
            break;
        }
        rr_rotate(ss);
    }
    if (next < 0)
        return -1; /* TrySleep */
    if (ss->last_rescheduled) {
        *timeslice_us = ss->time_remaining;
    } else {
        ss->time_remaining = ss->timeslice_us;
        *timeslice_us = ss->timeslice_us;
    }
    return next;
}

static void rr_result(struct km_kernel *k, enum km_stop_reason r, uint32_t executed_us)
{
    struct km_sched_state *ss = &k->ss;
    bool reschedule = false;
    if (r == KM_STOP_PREEMPTED && ss->time_remaining > executed_us) {
        ss->time_remaining -= executed_us;
        reschedule = true;
    }
    ss->last_rescheduled = reschedule;
    if (!reschedule)
        rr_rotate(ss);
}

const struct km_sched_ops km_sched_round_robin_ops = {
    .name = "round_robin",
    .default_timeslice_us = 10000,
    .next = rr_next,
    .result = rr_result,
    .continue_process = km_sched_continue_default,
};
