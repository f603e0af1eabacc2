/* km_fault.c: process fault policies, after
 * capsules/system/src/process_policies.rs: Panic, Stop, Restart,
 * ThresholdRestart(n) (restart while restart_count <= n, then stop) and
 * ThresholdRestartThenPanic(n) (restart while <= n, then panic). */
#include "km_internal.h"

enum km_fault_action km_fault_policy_action(const struct km_fault_policy *fp,
                                            const struct km_process *p)
{
    switch (fp->kind) {
    case KM_FP_PANIC:
        return KM_FA_PANIC;
    case KM_FP_STOP:
        return KM_FA_STOP;
    case KM_FP_RESTART:
        return KM_FA_RESTART;
    case KM_FP_THRESHOLD_RESTART:
        return p->stats.restart_count <= fp->threshold ? KM_FA_RESTART : KM_FA_STOP;
    case KM_FP_THRESHOLD_RESTART_THEN_PANIC:
        return p->stats.restart_count <= fp->threshold ? KM_FA_RESTART : KM_FA_PANIC;
    }
    return KM_FA_PANIC;
}
