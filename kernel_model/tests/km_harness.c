/* km_harness.c: the kernel-model test bench: builds a kernel over calloc'd
 * memory, answers dispatches for the test and records emitted events. */
#include "km_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on dispatches h_run_until_dispatch handles before it gives up,
 * so a model that never reaches the wanted process fails instead of hanging. */
#define H_MAX_STEPS 100000

void h_opts_init(struct h_opts *o, unsigned nprocs)
{
    memset(o, 0, sizeof(*o));
    o->nprocs = nprocs;
    o->clock_hz = 1000000u;
    o->alarm_hz = 1000000u;
    o->led_count = 4;
    o->seed = 42;
    o->min_ram = H_MIN_RAM;
    o->mpu = "riscv_pmp";
    o->mpu_regions = 4;
    o->mpu_min_region = 4;
    o->initial_app_brk = 32;
    for (unsigned i = 0; i < H_MAX_PROCS; i++) {
        o->policy[i].kind = KM_FP_PANIC;
        o->priority[i] = i;
    }
}

static void h_on_event(void *ctx, const struct km_event *ev)
{
    struct harness *h = ctx;
    ck_assert_msg(h->nev < H_MAX_EVENTS, "event log full");
    struct h_event *e = &h->ev[h->nev++];
    memset(e, 0, sizeof(*e));
    e->kind = ev->kind;
    e->time = ev->time;
    e->proc = ev->proc;
    switch (ev->kind) {
    case KM_EV_STATE:
        e->from = ev->u.state.from;
        e->to = ev->u.state.to;
        break;
    case KM_EV_LED:
        e->led_index = ev->u.led.index;
        e->led_on = ev->u.led.on;
        break;
    case KM_EV_CONSOLE: {
        ck_assert_msg(ev->proc >= 0 && ev->proc < H_MAX_PROCS, "console event for process %d",
                      ev->proc);
        uint32_t *len = &h->con_len[ev->proc];
        ck_assert_msg(*len + ev->u.console.len <= H_CONSOLE_MAX, "console log full");
        e->con_off = *len;
        e->con_len = ev->u.console.len;
        memcpy(h->con[ev->proc] + *len, ev->u.console.data, ev->u.console.len);
        *len += ev->u.console.len;
        break;
    }
    case KM_EV_FINDING:
        h->finding = ev->u.finding.text;
        break;
    case KM_EV_INJECT:
        snprintf(h->inject_detail, sizeof(h->inject_detail), "%s", ev->u.inject.detail);
        h->injections++;
        break;
    case KM_EV_KILL:
        h->kills++;
        break;
    case KM_EV_FAULT:
        break;
    case KM_EV_NOTICE:
        snprintf(h->notice, sizeof(h->notice), "%s", ev->u.notice.text);
        h->notices++;
        break;
    case KM_EV_PANIC:
        snprintf(h->panic_reason, sizeof(h->panic_reason), "%s",
                 ev->u.panic.reason ? ev->u.panic.reason : "");
        break;
    case KM_EV_IPC:
        if ((unsigned)ev->u.ipc.phase < 3)
            h->ipc_phase[ev->u.ipc.phase]++;
        e->ipc_phase = ev->u.ipc.phase;
        e->ipc_sender = ev->u.ipc.sender;
        e->ipc_target = ev->u.ipc.target;
        e->ipc_op = ev->u.ipc.op;
        e->ipc_why = ev->u.ipc.why;
        e->ipc_bytes = ev->u.ipc.bytes;
        /* every drop has a delivery-promise rule (docs/ipc-designs.md) */
        if (ev->u.ipc.phase == KM_IPC_DROPPED)
            ck_assert_msg(km_ipc_drop_rule(ev->u.ipc.op, ev->u.ipc.why) != NULL,
                          "a %s dropped for \"%s\" has no km_ipc_drop_rule",
                          ev->u.ipc.op ? ev->u.ipc.op : "(null)",
                          ev->u.ipc.why ? ev->u.ipc.why : "(null)");
        break;
    case KM_EV_DISCOVER:
        e->discover_found = ev->u.discover.found;
        break;
    case KM_EV_TERMINATE:
    case KM_EV_RESTART:
        break;
    }
}

struct harness *h_open(const struct h_opts *o)
{
    ck_assert_uint_le(o->nprocs, H_MAX_PROCS);
    struct harness *h = calloc(1, sizeof(*h));
    ck_assert_ptr_nonnull(h);
    h->sram = calloc(1, H_SRAM_SIZE);
    h->flash = calloc(1, H_FLASH_SIZE);
    ck_assert_ptr_nonnull(h->sram);
    ck_assert_ptr_nonnull(h->flash);
    h->opts = *o;
    for (unsigned i = 0; i < o->nprocs; i++) {
        snprintf(h->names[i], sizeof(h->names[i]), "app%u", i);
        snprintf(h->pkgs[i], sizeof(h->pkgs[i]), "org.test.app%u", i);
        h->procs[i].name = h->names[i];
        h->procs[i].package_name = o->package_name[i] ? o->package_name[i] : h->pkgs[i];
        h->procs[i].short_id = o->short_id[i];
        h->procs[i].min_ram = o->min_ram;
        h->procs[i].priority = o->priority[i];
        h->procs[i].fault_policy = o->policy[i];
        h->procs[i].flash_start = H_FLASH_BASE + i * H_FLASH_IMAGE;
        h->procs[i].flash_size = H_FLASH_IMAGE;
    }
    struct km_config *c = &h->cfg;
    c->mem.sram = h->sram;
    c->mem.sram_base = H_SRAM_BASE;
    c->mem.sram_size = H_SRAM_SIZE;
    c->mem.flash = h->flash;
    c->mem.flash_base = H_FLASH_BASE;
    c->mem.flash_size = H_FLASH_SIZE;
    c->clock_hz = o->clock_hz;
    c->alarm_hz = o->alarm_hz;
    c->led_count = o->led_count;
    c->seed = o->seed;
    c->duration_cycles = o->duration_cycles;
    c->scheduler = o->scheduler;
    c->timeslice_us = o->timeslice_us;
    c->costs = o->costs;
    c->mpu.ops = km_mpu_find(o->mpu);
    ck_assert_msg(c->mpu.ops != NULL, "no MPU model \"%s\"", o->mpu);
    c->mpu.p.num_regions = o->mpu_regions;
    c->mpu.p.min_region_size = o->mpu_min_region;
    c->initial_app_brk = o->initial_app_brk;
    c->nprocs = o->nprocs;
    c->procs = h->procs;
    c->inject = o->inject;
    c->ninject = o->ninject;
    c->extra_drivers = o->extra_drivers;
    c->n_extra_drivers = o->n_extra_drivers;
    c->ipc = o->ipc;
    c->on_event = h_on_event;
    c->ctx = h;
    char err[256] = "";
    h->k = km_create(c, err, sizeof(err));
    ck_assert_msg(h->k != NULL, "km_create failed: %s", err);
    for (unsigned i = 0; i < o->nprocs; i++)
        km_set_code(h->k, (int)i, H_CODE_LO, H_CODE_HI);
    return h;
}

struct harness *h_new(unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    return h_open(&o);
}

void h_close(struct harness *h)
{
    if (h == NULL)
        return;
    km_destroy(h->k);
    free(h->sram);
    free(h->flash);
    free(h);
}

struct km_dispatch h_next(struct harness *h)
{
    if (!h->pending) {
        ck_assert_int_eq(km_next(h->k, &h->d), 0);
        h->pending = !h->d.end;
    }
    return h->d;
}

struct km_dispatch h_syscall(struct harness *h, int p, uint32_t cls, uint64_t r0, uint64_t r1,
                             uint64_t r2, uint64_t r3)
{
    struct km_dispatch cur = h_next(h);
    ck_assert_msg(!cur.end && cur.proc == p, "syscall from process %d, but %s", p,
                  cur.end ? "the run has ended" : "another process holds the dispatch");
    struct km_regs r = {{r0, r1, r2, r3}};
    ck_assert_int_eq(km_syscall(h->k, p, cls, &r), 0);
    h->pending = false;
    return h_next(h);
}

struct km_regs h_call(struct harness *h, int p, uint32_t cls, uint64_t r0, uint64_t r1, uint64_t r2,
                      uint64_t r3)
{
    struct km_dispatch d = h_syscall(h, p, cls, r0, r1, r2, r3);
    ck_assert_msg(!d.end && d.proc == p && d.resume == KM_RESUME_RETURN,
                  "%s syscall of process %d did not return to it (end %d, proc %d, resume %d)",
                  km_class_name(cls), p, d.end, d.proc, (int)d.resume);
    return d.regs;
}

struct km_dispatch h_compute(struct harness *h, int p, uint64_t cycles)
{
    struct km_dispatch cur = h_next(h);
    ck_assert_msg(!cur.end && cur.proc == p, "compute from process %d without the dispatch", p);
    ck_assert_int_eq(km_compute(h->k, p, cycles), 0);
    h->pending = false;
    return h_next(h);
}

struct km_dispatch h_fault(struct harness *h, int p, const char *reason)
{
    struct km_fault_info f = {.kind = KM_FAULT_MEMORY, .access = 2, .reason = reason};
    ck_assert_int_eq(km_fault(h->k, p, &f), 0);
    /* the faulting process no longer holds the dispatch */
    if (h->pending && h->d.proc == p)
        h->pending = false;
    return h_next(h);
}

struct km_dispatch h_run_until_dispatch(struct harness *h, int p)
{
    for (int i = 0; i < H_MAX_STEPS; i++) {
        struct km_dispatch d = h_next(h);
        if (d.end || d.proc == p)
            return d;
        h_syscall(h, d.proc, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
    }
    ck_abort_msg("process %d was never dispatched", p);
    return h->d;
}

void h_boot(struct harness *h, int p)
{
    struct km_dispatch d = h_run_until_dispatch(h, p);
    H_EXPECT_DISPATCH(d, p, KM_RESUME_START);
    struct km_regs r = h_call(h, p, KM_SYS_MEMOP, 0, h_ram(h, p) + H_APP_BRK, 0, 0);
    H_EXPECT1(r, KM_RV_SUCCESS);
}

uint32_t h_ram(const struct harness *h, int p)
{
    struct km_proc_info info;
    km_proc_info(h->k, p, &info);
    return info.ram_start;
}

uint8_t *h_mem(struct harness *h, uint32_t addr)
{
    if (addr >= H_SRAM_BASE && addr - H_SRAM_BASE < H_SRAM_SIZE)
        return h->sram + (addr - H_SRAM_BASE);
    if (addr >= H_FLASH_BASE && addr - H_FLASH_BASE < H_FLASH_SIZE)
        return h->flash + (addr - H_FLASH_BASE);
    ck_abort_msg("address 0x%08x is outside simulated memory", addr);
    return NULL;
}

struct km_proc_info h_info(const struct harness *h, int p)
{
    struct km_proc_info info;
    km_proc_info(h->k, p, &info);
    return info;
}

static bool h_event_matches(const struct h_event *e, enum km_event_kind kind, int proc)
{
    return e->kind == kind && (proc == -2 || e->proc == proc);
}

unsigned h_count(const struct harness *h, enum km_event_kind kind, int proc)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->nev; i++)
        if (h_event_matches(&h->ev[i], kind, proc))
            n++;
    return n;
}

const struct h_event *h_event_nth(const struct harness *h, enum km_event_kind kind, int proc,
                                  unsigned nth)
{
    for (unsigned i = 0; i < h->nev; i++)
        if (h_event_matches(&h->ev[i], kind, proc) && nth-- == 0)
            return &h->ev[i];
    return NULL;
}

int h_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
