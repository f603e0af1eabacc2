/* km_sched.c: the registry of schedulers, chosen by name as a board file
 * chooses one (capsules/system/src/scheduler/), and what they share: Tock's
 * default continue_process() and the queue helper. */
#include "km_internal.h"

#include <string.h>

/* Every scheduler the model knows, in the order `ipcsim list` shows them.
 * Entry x is the table km_sched_<x>_ops, whose .name is "<x>". */
#define KM_SCHED_LIST(X)                                                                           \
    X(round_robin)                                                                                 \
    X(cooperative)                                                                                 \
    X(priority)                                                                                    \
    X(mlfq)

#define KM_X_DECL(x) extern const struct km_sched_ops km_sched_##x##_ops;
KM_SCHED_LIST(KM_X_DECL)
#undef KM_X_DECL

static const struct km_sched_ops *const km_schedulers[] = {
#define KM_X_PTR(x) &km_sched_##x##_ops,
    KM_SCHED_LIST(KM_X_PTR)
#undef KM_X_PTR
};

static const char *const km_sched_names[] = {
#define KM_X_NAME(x) #x,
    KM_SCHED_LIST(KM_X_NAME)
#undef KM_X_NAME
};

#define KM_NSCHED (sizeof(km_schedulers) / sizeof(km_schedulers[0]))

const struct km_sched_ops *km_sched_find(const char *name)
{
    for (unsigned i = 0; i < KM_NSCHED; i++)
        if (strcmp(km_schedulers[i]->name, name) == 0)
            return km_schedulers[i];
    return NULL;
}

size_t km_scheduler_names(const char *const **names)
{
    *names = km_sched_names;
    return KM_NSCHED;
}

/* kernel/src/scheduler.rs, Scheduler::continue_process (provided method):
 * !(chip.has_pending_interrupts() || DeferredCall::has_tasks()). */
bool km_sched_continue_default(struct km_kernel *k, int proc)
{
    (void)proc;
    return !km_kernel_work_pending(k);
}

void km_sched_queue_to_tail(struct km_sched_state *ss, unsigned pos)
{
    if (pos >= ss->qlen)
        return;
    int moved = ss->queue[pos];
    for (unsigned i = pos + 1; i < ss->qlen; i++)
        ss->queue[i - 1] = ss->queue[i];
    ss->queue[ss->qlen - 1] = moved;
}
