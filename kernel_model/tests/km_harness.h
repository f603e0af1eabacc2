/* km_harness.h: a test bench that runs the kernel model with N processes over
 * calloc'd SRAM and flash, plays the apps' side of the dispatch loop for a
 * test, and records every event the model emits.
 *
 * Typical use:
 *
 *     struct harness *h = h_new(1);
 *     h_boot(h, 0);                          START, then brk like crt0
 *     struct km_regs r = h_call(h, 0, KM_SYS_COMMAND, H_DRV_LED, 0, 0, 0);
 *     H_EXPECT2(r, KM_RV_SUCCESS_U32, 4);
 *     h_close(h);
 *
 * Every helper that answers a dispatch returns the dispatch that follows, so
 * a test states exactly what the kernel must do next.
 */
#ifndef KM_HARNESS_H
#define KM_HARNESS_H

#include "km.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#define H_MAX_PROCS 6
#define H_SRAM_BASE 0x20000000u
#define H_SRAM_SIZE (256u * 1024u)
#define H_FLASH_BASE 0x00040000u
#define H_FLASH_SIZE (256u * 1024u)
#define H_FLASH_IMAGE 0x4000u /* each process's image: H_FLASH_BASE + i * H_FLASH_IMAGE */
#define H_MIN_RAM 8192u       /* TBF minimum RAM each process asks for */
#define H_APP_BRK 0x1000u     /* app-owned bytes h_boot gives a process */
#define H_MAX_EVENTS 4096
#define H_CONSOLE_MAX 16384 /* console bytes kept per process */

/* Driver numbers (capsules/core/src/driver.rs). */
#define H_DRV_ALARM 0x0u
#define H_DRV_CONSOLE 0x1u
#define H_DRV_LED 0x2u
#define H_DRV_RNG 0x40001u
#define H_DRV_MISSING 0x9999u /* no such driver */

/* Host code range every process declares (km_set_code), and upcall
 * function pointers and appdata inside it as a 64-bit host app passes them. */
#define H_CODE_LO 0x0000555500000000ull
#define H_CODE_HI 0x0000555600000000ull
#define H_FN_A 0x00005555aaaa1000ull
#define H_FN_B 0x00005555bbbb2000ull
#define H_FN_C 0x00005555cccc3000ull
#define H_DATA_A 0x00007fff00000a0aull
#define H_DATA_B 0x00007fff00000b0bull

struct h_opts {
    unsigned nprocs;
    uint64_t clock_hz;        /* default 1 MHz: one cycle is one microsecond */
    uint32_t alarm_hz;        /* default 1 MHz: one tick is one cycle */
    uint32_t led_count;       /* default 4 */
    uint64_t seed;            /* default 42 */
    uint64_t duration_cycles; /* default 0: no limit */
    const char *scheduler;    /* default NULL: round_robin */
    uint32_t timeslice_us;    /* default 0: the scheduler's own */
    uint32_t min_ram;         /* default H_MIN_RAM */
    struct km_costs costs;    /* default all zero */
    /* The MPU only places the blocks and guards the breaks here; its own
     * rules have their own suite. Default: RISC-V PMP with 4 user regions,
     * whose 4-byte granularity keeps block sizes exact across restarts. */
    const char *mpu;                            /* MPU model, default "riscv_pmp" */
    unsigned mpu_regions;                       /* default 4 */
    uint32_t mpu_min_region;                    /* default 4 */
    uint32_t initial_app_brk;                   /* default 32 (as the Cortex-M SVC frame) */
    struct km_fault_policy policy[H_MAX_PROCS]; /* default Panic */
    uint32_t priority[H_MAX_PROCS];             /* default: the process's index */
    const struct km_inject_rule *inject;        /* fault injection, default none */
    unsigned ninject;
    const struct km_driver_ops *const *extra_drivers; /* test capsules, default none */
    unsigned n_extra_drivers;
    struct km_ipc_config ipc;              /* IPC mechanism, default none */
    uint32_t short_id[H_MAX_PROCS];        /* ShortId, default 0 (LocallyUnique) */
    const char *package_name[H_MAX_PROCS]; /* default NULL: "org.test.appN" */
};

/* One event the model emitted, flattened. */
struct h_event {
    enum km_event_kind kind;
    uint64_t time;
    int proc;
    enum km_state from, to;       /* KM_EV_STATE */
    uint32_t led_index;           /* KM_EV_LED */
    bool led_on;                  /* KM_EV_LED */
    uint32_t con_off, con_len;    /* KM_EV_CONSOLE: bytes at con[proc] + con_off */
    enum km_ipc_phase ipc_phase;  /* KM_EV_IPC */
    int ipc_sender, ipc_target;   /* KM_EV_IPC */
    const char *ipc_op, *ipc_why; /* KM_EV_IPC (static strings) */
    uint32_t ipc_bytes;           /* KM_EV_IPC */
    int discover_found;           /* KM_EV_DISCOVER */
};

struct harness {
    struct h_opts opts; /* what the bench was built with */
    struct km_kernel *k;
    uint8_t *sram;  /* H_SRAM_SIZE bytes at H_SRAM_BASE */
    uint8_t *flash; /* H_FLASH_SIZE bytes at H_FLASH_BASE */
    struct km_config cfg;
    struct km_proc_config procs[H_MAX_PROCS];
    char names[H_MAX_PROCS][16]; /* "app0", "app1", ... */
    char pkgs[H_MAX_PROCS][32];  /* "org.test.app0", ... */
    struct km_dispatch d;        /* the last dispatch */
    bool pending;                /* d has not been answered yet */
    struct h_event ev[H_MAX_EVENTS];
    unsigned nev;
    uint8_t con[H_MAX_PROCS][H_CONSOLE_MAX]; /* console bytes per process */
    uint32_t con_len[H_MAX_PROCS];
    char panic_reason[256];  /* from the KM_EV_PANIC event */
    const char *finding;     /* last KM_EV_FINDING text, NULL if none */
    unsigned injections;     /* KM_EV_INJECT events */
    char inject_detail[160]; /* the last one's detail */
    unsigned kills;          /* KM_EV_KILL events */
    unsigned ipc_phase[3];   /* KM_EV_IPC events by phase (queued, delivered, dropped) */
    unsigned notices;        /* KM_EV_NOTICE events */
    char notice[256];        /* the last one's text */
};

/* Fills o with the defaults listed in struct h_opts for nprocs processes. */
void h_opts_init(struct h_opts *o, unsigned nprocs);
/* Creates a kernel for o; fails the test if km_create refuses it. The caller
 * owns the result and frees it with h_close. */
struct harness *h_open(const struct h_opts *o);
/* h_open with the defaults. */
struct harness *h_new(unsigned nprocs);
void h_close(struct harness *h);

/* The next dispatch: the last one again if it has not been answered, else
 * whatever km_next decides. */
struct km_dispatch h_next(struct harness *h);
/* Runs until process p is dispatched or the run ends, and returns that
 * dispatch. Any other process dispatched meanwhile is parked with a
 * yield-wait, as an app's main loop would. */
struct km_dispatch h_run_until_dispatch(struct harness *h, int p);
/* Process p (which must hold the dispatch) makes syscall cls with r0..r3;
 * returns the dispatch that follows. */
struct km_dispatch h_syscall(struct harness *h, int p, uint32_t cls, uint64_t r0, uint64_t r1,
                             uint64_t r2, uint64_t r3);
/* h_syscall for a call that must return to p at once; returns p's result
 * registers (fails the test otherwise). */
struct km_regs h_call(struct harness *h, int p, uint32_t cls, uint64_t r0, uint64_t r1, uint64_t r2,
                      uint64_t r3);
/* Process p declares `cycles` of computation; returns the dispatch after. */
struct km_dispatch h_compute(struct harness *h, int p, uint64_t cycles);
/* Process p faults (a memory fault with `reason`); returns the dispatch after. */
struct km_dispatch h_fault(struct harness *h, int p, const char *reason);
/* Runs to p's START dispatch and moves its break to ram start + H_APP_BRK
 * with memop 0, as libtock-c's start-up code does. Afterwards p holds the
 * dispatch (a return from that memop). */
void h_boot(struct harness *h, int p);

/* Start of p's process block (its RAM start, memop 2). */
uint32_t h_ram(const struct harness *h, int p);
/* Host pointer to simulated address addr (SRAM or flash); fails the test if
 * it is outside both. */
uint8_t *h_mem(struct harness *h, uint32_t addr);
struct km_proc_info h_info(const struct harness *h, int p);
/* Number of recorded events of `kind` for process proc (-2 = any process). */
unsigned h_count(const struct harness *h, enum km_event_kind kind, int proc);
/* The nth (0-based) recorded event of `kind` for proc (-2 = any), or NULL. */
const struct h_event *h_event_nth(const struct harness *h, enum km_event_kind kind, int proc,
                                  unsigned nth);

/* Runs suite s with Check in verbose mode; returns the process exit code. */
int h_run_suite(Suite *s);

/* Assertions on result registers: r0; r0-r1; r0-r2; r0-r3. */
#define H_EXPECT1(regs, a)                                                                         \
    do {                                                                                           \
        struct km_regs h_r_ = (regs);                                                              \
        ck_assert_uint_eq(h_r_.r[0], (a));                                                         \
    } while (0)
#define H_EXPECT2(regs, a, b)                                                                      \
    do {                                                                                           \
        struct km_regs h_r_ = (regs);                                                              \
        ck_assert_uint_eq(h_r_.r[0], (a));                                                         \
        ck_assert_uint_eq(h_r_.r[1], (b));                                                         \
    } while (0)
#define H_EXPECT3(regs, a, b, c)                                                                   \
    do {                                                                                           \
        struct km_regs h_r_ = (regs);                                                              \
        ck_assert_uint_eq(h_r_.r[0], (a));                                                         \
        ck_assert_uint_eq(h_r_.r[1], (b));                                                         \
        ck_assert_uint_eq(h_r_.r[2], (c));                                                         \
    } while (0)
#define H_EXPECT4(regs, a, b, c, d)                                                                \
    do {                                                                                           \
        struct km_regs h_r_ = (regs);                                                              \
        ck_assert_uint_eq(h_r_.r[0], (a));                                                         \
        ck_assert_uint_eq(h_r_.r[1], (b));                                                         \
        ck_assert_uint_eq(h_r_.r[2], (c));                                                         \
        ck_assert_uint_eq(h_r_.r[3], (d));                                                         \
    } while (0)

/* Asserts that dispatch dd runs process p with resume kind rs. */
#define H_EXPECT_DISPATCH(dd, p, rs)                                                               \
    do {                                                                                           \
        struct km_dispatch h_d_ = (dd);                                                            \
        ck_assert_msg(!h_d_.end, "run ended (%s), expected a dispatch",                            \
                      km_end_reason_name(h_d_.end_reason));                                        \
        ck_assert_int_eq(h_d_.proc, (p));                                                          \
        ck_assert_int_eq(h_d_.resume, (rs));                                                       \
    } while (0)

/* Asserts that dispatch dd ends the run for reason why. */
#define H_EXPECT_END(dd, why)                                                                      \
    do {                                                                                           \
        struct km_dispatch h_d_ = (dd);                                                            \
        ck_assert_msg(h_d_.end, "expected the run to end, got process %d", h_d_.proc);             \
        ck_assert_str_eq(km_end_reason_name(h_d_.end_reason), km_end_reason_name(why));            \
    } while (0)

#endif
