/* km_sched_cooperative.c: the cooperative scheduler, after
 * capsules/system/src/scheduler/cooperative.rs: round-robin order among
 * ready processes, but no timeslice, so a process runs until it yields,
 * exits or faults. Kernel work still interrupts it (Tock's default
 * continue_process), and then the same process goes on. */
#include "km_internal.h"

/* next(): the first ready process in the queue runs with no timeslice;
 * processes found not ready move to the back. A full turn without a ready
 * one leaves the queue as it was and sleeps (TrySleep). */
static int coop_next(struct km_kernel *k, uint32_t *timeslice_us)
{
    struct km_sched_state *ss = &k->ss;
    for (unsigned tried = 0; tried < ss->qlen; tried++) {
        if (km_proc_ready(&k->procs[ss->queue[0]])) {
            *timeslice_us = 0;
            return ss->queue[0];
        }
        km_sched_queue_to_tail(ss, 0);
    }
    return -1;
}

/* result(): after a kernel preemption the process stays at the head and
 * runs again; for any other reason it goes to the back. */
static void coop_result(struct km_kernel *k, enum km_stop_reason r, uint32_t executed_us)
{
    (void)executed_us;
    if (r != KM_STOP_PREEMPTED)
        km_sched_queue_to_tail(&k->ss, 0);
}

const struct km_sched_ops km_sched_cooperative_ops = {
    .name = "cooperative",
    .default_timeslice_us = 0,
    .next = coop_next,
    .result = coop_result,
    .continue_process = km_sched_continue_default,
};
