/* km_drv_led.c: the led driver 0x2 (capsules/core/src/led.rs); LED changes
 * are reported as events so they reach the console summary and the trace. */
#include "km_internal.h"

static void led_set(struct km_kernel *k, struct km_process *p, uint32_t i, bool on)
{
    bool was = (k->led_state >> i) & 1u;
    if (on)
        k->led_state |= 1u << i;
    else
        k->led_state &= ~(1u << i);
    if (was != on) {
        struct km_event ev = {.kind = KM_EV_LED, .time = k->now, .proc = p->index};
        ev.u.led.index = i;
        ev.u.led.on = on;
        km_emit(k, &ev);
    }
}

static void led_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                        uint32_t a2, struct km_regs *ret)
{
    (void)a2;
    uint32_t n = k->cfg.led_count;
    if (cmd == 0) {
        km_ret_success_u32(ret, n); /* upstream answers the count here */
        return;
    }
    if (cmd > 4) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    if (a1 >= n) {
        km_ret_failure(ret, KM_EINVAL);
        return;
    }
    switch (cmd) {
    case 1:
        led_set(k, p, a1, true);
        break;
    case 2:
        led_set(k, p, a1, false);
        break;
    case 3:
        led_set(k, p, a1, !((k->led_state >> a1) & 1u));
        break;
    case 4:
        km_ret_success_u32(ret, (k->led_state >> a1) & 1u);
        return;
    }
    km_ret_success(ret);
}

const struct km_driver_ops km_drv_led_ops = {
    .num = 0x2,
    .name = "led",
    .command = led_command,
};
