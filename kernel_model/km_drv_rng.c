/* km_drv_rng.c: the rng driver 0x40001 (capsules/core/src/rng.rs): command
 * 1 fills read-write allow 0 with seeded, deterministic bytes, then upcall 0
 * (0, bytes, 0). */
#include "km_internal.h"

#include <string.h>

#define RNG_NUM 0x40001u
/* Time the generator takes: an estimate, pending calibration. */
#define RNG_FIXED_CYCLES 1000u
#define RNG_CYCLES_PER_BYTE 100u

enum { RNG_REMAINING = 0 };

static void rng_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                        uint32_t a2, struct km_regs *ret)
{
    (void)a2;
    if (cmd == 0) {
        km_ret_success(ret);
        return;
    }
    if (cmd != 1) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, RNG_NUM, true, &err);
    if (g == NULL) {
        km_ret_failure(ret, err);
        return;
    }
    g->driver_state[RNG_REMAINING] = a1;
    km_timer_arm(k, p->index, RNG_NUM, 0,
                 k->now + RNG_FIXED_CYCLES + (uint64_t)RNG_CYCLES_PER_BYTE * a1);
    km_ret_success(ret);
}

static void rng_timer(struct km_kernel *k, struct km_process *p, uint64_t tag)
{
    (void)tag;
    if (p == NULL)
        return;
    struct km_grant *g = km_grant_get(k, p, RNG_NUM, false, NULL);
    if (g == NULL || g->driver_state[RNG_REMAINING] == 0)
        return;
    uint32_t want = (uint32_t)g->driver_state[RNG_REMAINING];
    uint32_t n = want < g->rw[0].len ? want : g->rw[0].len;
    uint8_t *dst = n ? km_mem_ptr(k, g->rw[0].ptr, n) : NULL;
    uint32_t done = 0;
    while (dst && done < n) {
        uint64_t r = km_rng_next(k);
        uint32_t chunk = n - done < 8 ? n - done : 8;
        memcpy(dst + done, &r, chunk);
        done += chunk;
    }
    g->driver_state[RNG_REMAINING] = 0;
    km_schedule_upcall(k, p, RNG_NUM, 0, 0, done, 0);
}

const struct km_driver_ops km_drv_rng_ops = {
    .num = RNG_NUM,
    .has_grant = true,
    .name = "rng",
    .n_upcalls = 1,
    .n_rw = 1,
    .command = rng_command,
    .timer = rng_timer,
};
