/* km_sched.c: the registry of schedulers, chosen by name as a board file
 * chooses one (capsules/system/src/scheduler/). */
#include "km_internal.h"

#include <string.h>

extern const struct km_sched_ops km_sched_round_robin_ops;

static const struct km_sched_ops *const km_schedulers[] = {
    &km_sched_round_robin_ops,
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
    static const char *const list[] = {"round_robin"};
    *names = list;
    return sizeof(list) / sizeof(list[0]);
}
