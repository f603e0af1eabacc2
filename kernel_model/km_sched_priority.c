/* km_sched_priority.c: the fixed-priority scheduler, after
 * capsules/system/src/scheduler/priority.rs: the highest-priority ready
 * process runs, with no timeslice; it stops when kernel work is pending or
 * when a process of higher priority has become ready.
 *
 * Upstream the priority is the position in the process array. Here it is
 * the process's km_proc_config.priority (lower runs first), which defaults
 * to that position; ties go to the earlier process in the array, and a
 * process never preempts one of equal priority. With the default
 * priorities this is exactly upstream's order. */
#include "km_internal.h"

/* True if process a comes before process b in priority order. */
static bool prio_before(const struct km_kernel *k, int a, int b)
{
    uint32_t pa = k->procs[a].cfg->priority, pb = k->procs[b].cfg->priority;
    return pa < pb || (pa == pb && a < b);
}

/* The ready process first in priority order, or -1. */
static int prio_first_ready(struct km_kernel *k)
{
    int best = -1;
    for (unsigned i = 0; i < k->nprocs; i++)
        if (km_proc_ready(&k->procs[i]) && (best < 0 || prio_before(k, (int)i, best)))
            best = (int)i;
    return best;
}

/* next(): the ready process of highest priority, no timeslice; remembers
 * it as the running one (PrioritySched.running). */
static int prio_next(struct km_kernel *k, uint32_t *timeslice_us)
{
    int next = prio_first_ready(k);
    k->ss.running = next;
    *timeslice_us = 0;
    return next;
}

/* result(): forgets the running process; nothing else changes. */
static void prio_result(struct km_kernel *k, enum km_stop_reason r, uint32_t executed_us)
{
    (void)r;
    (void)executed_us;
    k->ss.running = -1;
}

/* continue_process(): Tock's default (no kernel work pending), and no ready
 * process of strictly higher priority than the running one, which a
 * syscall of the running process may have made ready (IPC). */
static bool prio_continue(struct km_kernel *k, int proc)
{
    if (!km_sched_continue_default(k, proc))
        return false;
    int running = k->ss.running;
    if (running < 0)
        return true;
    int first = prio_first_ready(k);
    return !(first >= 0 && k->procs[first].cfg->priority < k->procs[running].cfg->priority);
}

const struct km_sched_ops km_sched_priority_ops = {
    .name = "priority",
    .default_timeslice_us = 0,
    .next = prio_next,
    .result = prio_result,
    .continue_process = prio_continue,
};
