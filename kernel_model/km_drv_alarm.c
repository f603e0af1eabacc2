/* km_drv_alarm.c: the alarm driver 0x0 in virtual time, after
 * capsules/core/src/alarm.rs (commands 0-6, upcall 0 (now, ref+dt, 0)).
 *
 * The simulated counter is 32 bits wide at the platform's alarm frequency,
 * so values need no left-justification and wrap at 2^32 ticks.
 */
#include "km_internal.h"

#define ALARM_NUM 0x0u

/* grant driver_state words */
enum { AL_ARMED = 0, AL_REF = 1, AL_DT = 2 };

static uint64_t alarm_abs_ticks(const struct km_kernel *k, uint64_t cycles)
{
    uint64_t hz = k->cfg.clock_hz, f = k->cfg.alarm_hz;
    return (cycles / hz) * f + (cycles % hz) * f / hz;
}

/* First cycle at which the absolute tick count reaches `ticks`. */
static uint64_t alarm_cycle_of_tick(const struct km_kernel *k, uint64_t ticks)
{
    uint64_t hz = k->cfg.clock_hz, f = k->cfg.alarm_hz;
    return (ticks / f) * hz + ((ticks % f) * hz + f - 1) / f;
}

static uint32_t alarm_now(const struct km_kernel *k)
{
    return (uint32_t)alarm_abs_ticks(k, k->now);
}

/* Arms the per-process alarm at reference + dt (wrapping) and the kernel
 * timer at the cycle the counter gets there. */
static void alarm_rearm(struct km_kernel *k, struct km_process *p, struct km_grant *g, uint32_t ref,
                        uint32_t dt)
{
    g->driver_state[AL_ARMED] = 1;
    g->driver_state[AL_REF] = ref;
    g->driver_state[AL_DT] = dt;
    uint64_t abs_now = alarm_abs_ticks(k, k->now);
    uint32_t elapsed = (uint32_t)abs_now - ref;
    uint64_t when = k->now;
    if (elapsed < dt)
        when = alarm_cycle_of_tick(k, abs_now + (dt - elapsed));
    km_timer_arm(k, p->index, ALARM_NUM, 0, when);
}

static void alarm_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                          uint32_t a2, struct km_regs *ret)
{
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, ALARM_NUM, true, &err);
    if (g == NULL) {
        km_ret_failure(ret, err);
        return;
    }
    switch (cmd) {
    case 0:
        km_ret_success(ret);
        break;
    case 1:
        km_ret_success_u32(ret, k->cfg.alarm_hz);
        break;
    case 2:
        km_ret_success_u32(ret, alarm_now(k));
        break;
    case 3:
        if (!g->driver_state[AL_ARMED]) {
            km_ret_failure(ret, KM_EALREADY);
        } else {
            g->driver_state[AL_ARMED] = 0;
            km_timer_cancel(k, p->index, ALARM_NUM, 0);
            km_ret_success(ret);
        }
        break;
    case 5: {
        uint32_t ref = alarm_now(k);
        alarm_rearm(k, p, g, ref, a1);
        km_ret_success_u32(ret, ref + a1);
        break;
    }
    case 6:
        alarm_rearm(k, p, g, a1, a2);
        km_ret_success_u32(ret, a1 + a2);
        break;
    default: /* 4 (set absolute, removed upstream) included */
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
}

static void alarm_timer(struct km_kernel *k, struct km_process *p, uint64_t tag)
{
    (void)tag;
    if (p == NULL)
        return;
    struct km_grant *g = km_grant_get(k, p, ALARM_NUM, false, NULL);
    if (g == NULL || !g->driver_state[AL_ARMED])
        return;
    g->driver_state[AL_ARMED] = 0;
    uint32_t expiry = (uint32_t)(g->driver_state[AL_REF] + g->driver_state[AL_DT]);
    km_schedule_upcall(k, p, ALARM_NUM, 0, alarm_now(k), expiry, 0);
}

const struct km_driver_ops km_drv_alarm_ops = {
    .num = ALARM_NUM,
    .has_grant = true,
    .name = "alarm",
    .n_upcalls = 1,
    .command = alarm_command,
    .timer = alarm_timer,
};
