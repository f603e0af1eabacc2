/* km_ipc_bench.h: helpers the IPC suites share. For the draft IPC
 * design's capsules (registries, relay request, relay message) and the
 * contract suite: a bench with the "relay" mechanism, handing the CPU from
 * one process to another, and waiting for an upcall. For every IPC suite:
 * checking an upcall dispatch, reading a little-endian word, allowing a
 * registry name, and asking a process's MPU configuration about a range.
 * Header-only: each suite is its own binary. */
#ifndef KM_IPC_BENCH_H
#define KM_IPC_BENCH_H

#include "km_harness.h"
#include "km_internal.h"

#include <string.h>

#define H_DRV_REG_NAME 0xA0000u
#define H_DRV_REG_PKG 0xA0001u
#define H_DRV_RELAY 0xA0010u
#define H_DRV_MAILBOX 0xA0011u
#define IB_REG_NAME_LEN 20u /* the string-name registry's name length */

/* Dispatch dd must be upcall func of process p with arguments (a0, a1,
 * a2). A macro, so that a failure names the line of the test. */
#define IB_EXPECT_UPCALL(dd, p, func, a0, a1, a2)                                                  \
    do {                                                                                           \
        struct km_dispatch u_ = (dd);                                                              \
        H_EXPECT_DISPATCH(u_, (p), KM_RESUME_UPCALL);                                              \
        ck_assert_uint_eq(u_.upcall.fn, (func));                                                   \
        ck_assert_uint_eq(u_.upcall.args[0], (a0));                                                \
        ck_assert_uint_eq(u_.upcall.args[1], (a1));                                                \
        ck_assert_uint_eq(u_.upcall.args[2], (a2));                                                \
    } while (0)

/* The baton: a test capsule whose command 1(target) queues a null upcall
 * (subscribe 0) on process `target`. A process hands the CPU over by
 * passing the baton and waiting for its own with yield-wait-for, so that
 * exactly the process handed to runs next, whatever else is queued (which
 * stays queued, in order, for ib_expect_upcall). */
#define H_DRV_BATON 0xBA700u

static void ib_baton_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                             uint32_t a2, struct km_regs *ret)
{
    (void)a2;
    struct km_process *t = cmd == 1 ? km_proc(k, (int)a1) : NULL;
    if (cmd == 0)
        km_ret_success(ret);
    else if (t == NULL)
        km_ret_failure(ret, KM_EINVAL);
    else if (km_grant_get(k, t, H_DRV_BATON, false, NULL) == NULL)
        km_ret_success(ret); /* not started yet: its start runs it */
    else if (km_schedule_upcall(k, t, H_DRV_BATON, 0, (uint32_t)p->index, 0, 0) < 0)
        km_ret_failure(ret, KM_EFAIL);
    else
        km_ret_success(ret);
}

static const struct km_driver_ops ib_baton = {
    .num = H_DRV_BATON,
    .name = "baton",
    .has_grant = true,
    .n_upcalls = 1,
    .command = ib_baton_command,
};
static const struct km_driver_ops *const ib_extra[] = {&ib_baton};

/* Options for nprocs processes on the "relay" mechanism, with the baton
 * and the Stop fault policy. */
static inline struct h_opts ib_opts(unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.ipc.mechanism = "relay";
    o.policy[0].kind = o.policy[1].kind = o.policy[2].kind = o.policy[3].kind = KM_FP_STOP;
    o.extra_drivers = ib_extra;
    o.n_extra_drivers = 1;
    return o;
}

static inline struct harness *ib_bench(unsigned nprocs)
{
    struct h_opts o = ib_opts(nprocs);
    return h_open(&o);
}

/* p's IPC identifier now, as (low, high). */
static inline uint32_t ib_lo(const struct harness *h, int p)
{
    return h_info(h, p).process_id;
}
static inline uint32_t ib_hi(const struct harness *h, int p)
{
    return h->procs[p].short_id;
}

/* Process p, just started (holding its START dispatch), moves its break as
 * h_boot does and enters the baton's grant. */
static inline void ib_started(struct harness *h, int p)
{
    H_EXPECT1(h_call(h, p, KM_SYS_MEMOP, 0, h_ram(h, p) + H_APP_BRK, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, H_DRV_BATON, 0, 0, 0), KM_RV_SUCCESS_2U32);
}

/* Process from (holding the dispatch) passes the baton to `to` (without
 * waiting itself). */
static inline void ib_pass(struct harness *h, int from, int to)
{
    H_EXPECT1(h_call(h, from, KM_SYS_COMMAND, H_DRV_BATON, 1, (uint32_t)to, 0), KM_RV_SUCCESS);
}

/* Process from passes the baton to `to` and waits for its own; `to` must
 * run next (a fresh one gets started) and holds the dispatch. */
static inline void ib_handover(struct harness *h, int from, int to)
{
    ib_pass(h, from, to);
    struct km_dispatch d = h_syscall(h, from, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, H_DRV_BATON, 0, 0);
    ck_assert_msg(!d.end && d.proc == to, "expected process %d to run, got %d (end %d)", to, d.proc,
                  d.end);
    if (d.resume == KM_RESUME_START)
        ib_started(h, to);
    else
        ck_assert_int_eq(d.resume, KM_RESUME_RETURN); /* its yield-wait-for returned */
}

/* Process p (holding the dispatch) exits with restart; it must be
 * dispatched again at once to start over, and holds the dispatch. */
static inline void ib_restart(struct harness *h, int p)
{
    struct km_dispatch d = h_syscall(h, p, KM_SYS_EXIT, 1, 0, 0, 0);
    H_EXPECT_DISPATCH(d, p, KM_RESUME_START);
    ib_started(h, p);
}

/* Boots processes 0..n-1 in turn; process 0 holds the dispatch after. */
static inline void ib_boot_all(struct harness *h, unsigned n)
{
    struct km_dispatch d = h_next(h);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    ib_started(h, 0);
    for (unsigned i = 1; i < n; i++)
        ib_handover(h, (int)i - 1, (int)i);
    if (n > 1)
        ib_handover(h, (int)n - 1, 0);
}

/* Process p yields (wait) and must next run upcall fn with args (a0, a1,
 * a2). */
static inline void ib_expect_upcall(struct harness *h, int p, uint64_t fn, uint32_t a0, uint32_t a1,
                                    uint32_t a2)
{
    IB_EXPECT_UPCALL(h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0), p, fn, a0, a1, a2);
}

/* Asserts that process p has no task queued (no upcall pending). */
static inline void ib_expect_quiet(struct harness *h, int p)
{
    struct km_regs r = h_call(h, p, KM_SYS_YIELD, KM_YIELD_NO_WAIT, 0, 0, 0);
    ck_assert_uint_eq(r.r[0], 0);
}

/* Writes len bytes at p's ram + off and allows them on (driver, num) with
 * allow class cls; returns their address. */
static inline uint32_t ib_put(struct harness *h, int p, uint32_t cls, uint32_t driver, uint32_t num,
                              uint32_t off, const void *bytes, uint32_t len)
{
    uint32_t at = h_ram(h, p) + off;
    if (len && bytes)
        memcpy(h_mem(h, at), bytes, len);
    H_EXPECT1(h_call(h, p, cls, driver, num, at, len), KM_RV_SUCCESS_2U32);
    return at;
}

/* The nth (0-based) KM_EV_IPC event, any process; fails if missing. */
static inline const struct h_event *ib_ipc(const struct harness *h, unsigned nth)
{
    const struct h_event *e = h_event_nth(h, KM_EV_IPC, -2, nth);
    ck_assert_msg(e != NULL, "no IPC event #%u", nth);
    return e;
}

/* Writes `name` zero padded to IB_REG_NAME_LEN bytes at p's ram + off and
 * allows it as p's string-name registry name; returns its address. */
static inline uint32_t ib_allow_name(struct harness *h, int p, uint32_t off, const char *name)
{
    uint8_t padded[IB_REG_NAME_LEN] = {0};
    memcpy(padded, name, strlen(name));
    return ib_put(h, p, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, off, padded, IB_REG_NAME_LEN);
}

/* The little-endian 32-bit word at b (streaming slice headers and mailbox
 * records). */
static inline uint32_t ib_le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* May p access [addr, addr + len) with `want` (KM_ACCESS_*) through its
 * MPU configuration now? */
static inline bool ib_can(const struct harness *h, int p, uint32_t addr, uint32_t len,
                          unsigned want)
{
    struct km_proc_info info = h_info(h, p);
    return km_mpu_range_allowed(&h->cfg.mpu, &info.mpu, addr, len, want);
}

#endif
