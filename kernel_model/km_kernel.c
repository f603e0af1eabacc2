/* km_kernel.c: the kernel model's core: process table, task queues, grants,
 * syscall dispatch (TRD104) and the main loop that decides what runs next.
 *
 * Sections: names; memory helpers; creation; task queue; grants; syscalls;
 * lifecycle and faults; timers; the main loop.
 *
 * Upstream references (tock/tock): kernel/src/kernel.rs (kernel_loop_operation,
 * do_process, handle_syscall), kernel/src/process_standard.rs (tasks, brk,
 * process buffers, terminate/restart), kernel/src/memop.rs,
 * kernel/src/upcall.rs, kernel/src/grant.rs, doc/reference/trd104-syscalls.md.
 */
#include "km_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names ------------------------------------------------------------ */

const char *km_err_name(int code)
{
    if (code < 0)
        code = -code;
    switch (code) {
#define KM_X_NAME(name, num)                                                                       \
    case num:                                                                                      \
        return #name;
        KM_ERRNO_MAP(KM_X_NAME)
#undef KM_X_NAME
    }
    return "?";
}

const char *km_class_name(uint32_t cls)
{
    static const char *const names[KM_SYS_NCLASSES] = {
        "yield", "subscribe", "command", "allow-rw", "allow-ro", "memop", "exit", "allow-ur",
    };
    return cls < KM_SYS_NCLASSES ? names[cls] : "?";
}

static const char *const km_state_names[] = {
#define KM_X_STATE(name, str) str,
    KM_STATE_MAP(KM_X_STATE)
#undef KM_X_STATE
};

const char *km_state_name(enum km_state s)
{
    if ((unsigned)s < sizeof(km_state_names) / sizeof(km_state_names[0]))
        return km_state_names[s];
    return "?";
}

int km_state_parse(const char *name)
{
    for (unsigned i = 0; i < sizeof(km_state_names) / sizeof(km_state_names[0]); i++)
        if (strcmp(name, km_state_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *km_end_reason_name(enum km_end_reason r)
{
    switch (r) {
    case KM_END_NONE:
        return "none";
    case KM_END_DURATION:
        return "duration";
    case KM_END_IDLE:
        return "idle";
    case KM_END_PANIC:
        return "panic";
    }
    return "?";
}

/* ---- Return values ---------------------------------------------------- */

void km_ret_success(struct km_regs *r)
{
    memset(r, 0, sizeof(*r));
    r->r[0] = KM_RV_SUCCESS;
}

void km_ret_success_u32(struct km_regs *r, uint32_t v)
{
    km_ret_success(r);
    r->r[0] = KM_RV_SUCCESS_U32;
    r->r[1] = v;
}

void km_ret_success_2u32(struct km_regs *r, uint32_t a, uint32_t b)
{
    km_ret_success(r);
    r->r[0] = KM_RV_SUCCESS_2U32;
    r->r[1] = a;
    r->r[2] = b;
}

void km_ret_success_u64(struct km_regs *r, uint64_t v)
{
    km_ret_success(r);
    r->r[0] = KM_RV_SUCCESS_U64;
    r->r[1] = (uint32_t)v;
    r->r[2] = (uint32_t)(v >> 32);
}

void km_ret_failure(struct km_regs *r, int err)
{
    memset(r, 0, sizeof(*r));
    r->r[0] = KM_RV_FAILURE;
    r->r[1] = (uint32_t)(err < 0 ? -err : err);
}

void km_ret_failure_u32(struct km_regs *r, int err, uint32_t v)
{
    km_ret_failure(r, err);
    r->r[0] = KM_RV_FAILURE_U32;
    r->r[2] = v;
}

/* Failure+2xu32 returning what was passed (subscribe and allow failures). */
static void km_ret_failure_2(struct km_regs *r, int err, uint64_t a, uint64_t b)
{
    km_ret_failure(r, err);
    r->r[0] = KM_RV_FAILURE_2U32;
    r->r[2] = a;
    r->r[3] = b;
}

static void km_ret_success_2(struct km_regs *r, uint64_t a, uint64_t b)
{
    km_ret_success(r);
    r->r[0] = KM_RV_SUCCESS_2U32;
    r->r[1] = a;
    r->r[2] = b;
}

/* ---- Memory helpers --------------------------------------------------- */

uint8_t *km_mem_ptr(struct km_kernel *k, uint32_t addr, uint32_t len)
{
    const struct km_memory *m = &k->cfg.mem;
    uint64_t end = (uint64_t)addr + len;
    if (m->sram && addr >= m->sram_base && end <= (uint64_t)m->sram_base + m->sram_size)
        return m->sram + (addr - m->sram_base);
    if (m->flash && addr >= m->flash_base && end <= (uint64_t)m->flash_base + m->flash_size)
        return m->flash + (addr - m->flash_base);
    return NULL;
}

bool km_mem_read(struct km_kernel *k, uint32_t addr, void *dst, uint32_t len)
{
    uint8_t *src = km_mem_ptr(k, addr, len);
    if (src == NULL)
        return false;
    memcpy(dst, src, len);
    return true;
}

bool km_mem_write(struct km_kernel *k, uint32_t addr, const void *src, uint32_t len)
{
    const struct km_memory *m = &k->cfg.mem;
    uint64_t end = (uint64_t)addr + len;
    if (!m->sram || addr < m->sram_base || end > (uint64_t)m->sram_base + m->sram_size)
        return false;
    memcpy(m->sram + (addr - m->sram_base), src, len);
    return true;
}

uint64_t km_us_to_cycles(const struct km_kernel *k, uint64_t us)
{
    return us * k->cfg.clock_hz / 1000000u;
}

uint64_t km_cycles_to_us(const struct km_kernel *k, uint64_t cycles)
{
    return cycles * 1000000u / k->cfg.clock_hz;
}

uint64_t km_cycles_to_ns(const struct km_kernel *k, uint64_t cycles)
{
    /* split to avoid overflow for long runs */
    uint64_t hz = k->cfg.clock_hz;
    return (cycles / hz) * 1000000000u + (cycles % hz) * 1000000000u / hz;
}

uint64_t km_now(const struct km_kernel *k)
{
    return k->now;
}

unsigned km_nprocs(const struct km_kernel *k)
{
    return k->nprocs;
}

const char *km_panic_reason(const struct km_kernel *k)
{
    return k->panic_reason;
}

enum km_end_reason km_end_reason_of(const struct km_kernel *k)
{
    return k->ended ? k->end_reason : KM_END_NONE;
}

void km_emit(struct km_kernel *k, const struct km_event *ev)
{
    if (k->cfg.on_event)
        k->cfg.on_event(k->cfg.ctx, ev);
}

void km_charge(struct km_kernel *k, uint64_t cycles)
{
    k->now += cycles;
    if (k->current >= 0)
        k->procs[k->current].stats.run_cycles += cycles;
}

uint64_t km_xorshift64s(uint64_t *state)
{
    /* xorshift64*: small, fast and fully determined by the seed. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t km_rng_next(struct km_kernel *k)
{
    return km_xorshift64s(&k->rng_state);
}

struct km_process *km_proc(struct km_kernel *k, int p)
{
    if (p < 0 || (unsigned)p >= k->nprocs)
        return NULL;
    return &k->procs[p];
}

static bool km_in_app_owned(const struct km_process *p, uint64_t addr, uint64_t len)
{
    return addr >= p->mem_start && addr + len <= p->app_break && addr + len >= addr;
}

static bool km_in_app_flash(const struct km_process *p, uint64_t addr, uint64_t len)
{
    return p->flash_end > p->flash_start && addr >= p->flash_start && addr + len <= p->flash_end;
}

/* ---- Creation --------------------------------------------------------- */

static void km_set_state(struct km_kernel *k, struct km_process *p, enum km_state s)
{
    if (p->state == s)
        return;
    struct km_event ev = {.kind = KM_EV_STATE, .time = k->now, .proc = p->index};
    ev.u.state.from = p->state;
    ev.u.state.to = s;
    p->state = s;
    km_emit(k, &ev);
}

/* initial_kernel_memory_size (process_standard.rs, create()): the grant
 * pointer table, the upcall queue and the process struct, each with its
 * alignment padding. Sizes are 32-bit-target estimates (km_internal.h). */
static uint32_t km_initial_kernel_bytes(void)
{
    return KM_MAX_GRANTS * KM_GRANT_PTR_BYTES + 4 + KM_TASK_QUEUE_LEN * KM_TASK_BYTES + 4 +
           KM_PROCESS_STRUCT_BYTES + 4;
}

static void km_task_push(struct km_process *p, const struct km_task *t);

/* Regions p's configuration has enabled. */
static unsigned km_mpu_regions_in_use(const struct km_process *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++)
        n += p->mpu.r[i].enabled;
    return n;
}

void km_mpu_changed(struct km_process *p)
{
    p->mpu_generation++;
    p->stats.mpu_reprograms++;
    unsigned n = km_mpu_regions_in_use(p);
    if (n > p->stats.mpu_regions_peak)
        p->stats.mpu_regions_peak = n;
}

void km_mpu_finding_report(struct km_kernel *k, int proc, struct km_mpu_config *c)
{
    if (c->finding == NULL)
        return;
    struct km_event ev = {.kind = KM_EV_FINDING, .time = k->now, .proc = proc};
    ev.u.finding.text = c->finding;
    c->finding = NULL;
    km_emit(k, &ev);
}

static void km_mpu_finding(struct km_kernel *k, struct km_process *p)
{
    km_mpu_finding_report(k, p->index, &p->mpu);
}

/* The MPU part of loading a process (create() and reset()): a fresh
 * configuration, a read-execute region over its flash, then its RAM block
 * from allocate_app_memory_region inside [start, start+size). */
static bool km_proc_load_mpu(struct km_kernel *k, struct km_process *p, uint32_t start,
                             uint32_t size, char *err, size_t errlen)
{
    const struct km_mpu *m = &k->cfg.mpu;
    uint32_t fs, fz, min_ram = p->cfg->min_ram;
    m->ops->reset_config(m, &p->mpu);
    if (p->cfg->flash_size &&
        !m->ops->allocate_region(m, p->cfg->flash_start, p->cfg->flash_size, p->cfg->flash_size,
                                 KM_PERM_RX, &p->mpu, &fs, &fz)) {
        snprintf(err, errlen,
                 "process %s: the %s MPU cannot cover its flash [0x%08x, +0x%x) "
                 "(MpuInvalidFlashLength)",
                 p->cfg->name, m->ops->name, p->cfg->flash_start, p->cfg->flash_size);
        return false;
    }
    uint32_t init_app = k->cfg.initial_app_brk;
    uint32_t init_kernel = km_initial_kernel_bytes();
    uint32_t min_total = (min_ram > init_app ? min_ram : init_app) + init_kernel;
    uint32_t bs, bz;
    if (!m->ops->allocate_app_memory_region(m, start, size, min_total, init_app, init_kernel,
                                            KM_PERM_RW, &p->mpu, &bs, &bz)) {
        snprintf(err, errlen,
                 "process %s: the %s MPU finds no RAM block of %u bytes in [0x%08x, +0x%x) "
                 "(NotEnoughMemory)",
                 p->cfg->name, m->ops->name, min_total, start, size);
        return false;
    }
    p->mem_start = bs;
    p->mem_end = bs + bz;
    p->initial_kernel_size = init_kernel;
    p->initial_kernel_break = p->mem_end - init_kernel;
    p->app_break = p->mem_start + init_app;
    p->kernel_break = p->initial_kernel_break;
    p->flash_start = p->cfg->flash_start;
    p->flash_end = p->cfg->flash_start + p->cfg->flash_size;
    km_mpu_changed(p);
    p->stats.mpu_regions_base = km_mpu_regions_in_use(p);
    return true;
}

/* Puts a process into its just-loaded state: Yielded with the init
 * function queued (process_standard.rs, reset() + start). The block keeps
 * its place; its MPU configuration is rebuilt from scratch, which can fail
 * (ARMv8-M returned the unrounded block size at load, so asking for exactly
 * that size again fails when it is not a multiple of 32): then the process
 * stays as it is and false is returned, as reset() returns an error. */
static bool km_proc_reset(struct km_kernel *k, struct km_process *p)
{
    char err[160];
    if (p->process_id != 0 &&
        !km_proc_load_mpu(k, p, p->mem_start, p->mem_end - p->mem_start, err, sizeof(err))) {
        snprintf(p->fault_reason, sizeof(p->fault_reason), "restart refused: %.140s", err);
        return false;
    }
    p->process_id = k->next_process_id++;
    p->allow_high_water_mark = p->mem_start;
    p->stack_start = p->heap_start = 0;
    km_ipc_legacy_discard(k, p, "target restarted");
    p->task_head = p->task_count = 0;
    memset(p->grants, 0, sizeof(p->grants));
    p->compute_left = 0;
    p->host_inject = KM_HOST_NONE;
    p->yielded_for_driver = p->yielded_for_subnum = 0;
    struct km_task init = {.kind = KM_TASK_FUNCTION_CALL, .from_kernel = true};
    km_task_push(p, &init);
    return true;
}

struct km_kernel *km_create(const struct km_config *cfg, char *err, size_t errlen)
{
    const struct km_sched_ops *sched =
        km_sched_find(cfg->scheduler ? cfg->scheduler : "round_robin");
    if (sched == NULL) {
        snprintf(err, errlen, "unknown scheduler \"%s\"", cfg->scheduler);
        return NULL;
    }
    if (cfg->clock_hz == 0 || cfg->alarm_hz == 0 || cfg->nprocs == 0) {
        snprintf(err, errlen, "clock_hz, alarm_hz and the process count must be non-zero");
        return NULL;
    }
    if (cfg->nprocs > KM_MAX_PROCS) {
        /* capsules keep per-process tables of KM_MAX_PROCS entries */
        snprintf(err, errlen, "%u processes, more than the %u a kernel holds", cfg->nprocs,
                 (unsigned)KM_MAX_PROCS);
        return NULL;
    }
    if (cfg->mpu.ops == NULL) {
        snprintf(err, errlen, "no MPU model");
        return NULL;
    }
    const char *bad = cfg->mpu.ops->check_params(&cfg->mpu.p);
    if (bad) {
        snprintf(err, errlen, "%s MPU: %s", cfg->mpu.ops->name, bad);
        return NULL;
    }
    struct km_kernel *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->cfg = *cfg;
    k->sched = sched;
    k->nprocs = cfg->nprocs;
    k->procs = calloc(cfg->nprocs, sizeof(*k->procs));
    k->ntimers = cfg->nprocs * 4 + 8;
    k->timers = calloc(k->ntimers, sizeof(*k->timers));
    k->ss.queue = calloc(cfg->nprocs, sizeof(int));
    k->ss.procs = calloc(cfg->nprocs, sizeof(*k->ss.procs));
    if (!k->procs || !k->timers || !k->ss.queue || !k->ss.procs) {
        km_destroy(k);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->current = -1;
    k->last_run = -1;
    k->mpu_loaded_for = -1;
    k->next_process_id = 1;
    k->rng_state = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ull;
    k->console_tx_proc = -1;

    /* Load processes in order, each from the memory the previous left
     * (kernel/src/process_loading.rs: remaining_memory advances past each
     * allocation, padding included). */
    uint32_t at = cfg->mem.sram_base;
    uint64_t end = (uint64_t)cfg->mem.sram_base + cfg->mem.sram_size;
    for (unsigned i = 0; i < cfg->nprocs; i++) {
        struct km_process *p = &k->procs[i];
        p->index = (int)i;
        p->cfg = &cfg->procs[i];
        if (!km_proc_load_mpu(k, p, at, (uint32_t)(end - at), err, errlen)) {
            km_destroy(k);
            return NULL;
        }
        p->state = KM_STATE_YIELDED;
        km_proc_reset(k, p);
        at = p->mem_end;
    }
    /* The scheduler's process list, in process-array order. */
    for (unsigned i = 0; i < cfg->nprocs; i++)
        k->ss.queue[i] = (int)i;
    k->ss.qlen = cfg->nprocs;
    k->ss.timeslice_us = cfg->timeslice_us ? cfg->timeslice_us : sched->default_timeslice_us;
    if (km_inj_init(k) < 0) {
        km_destroy(k);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return k;
}

void km_destroy(struct km_kernel *k)
{
    if (k == NULL)
        return;
    km_inj_destroy(k);
    for (unsigned i = 0; i < KM_MAX_CAPSULE_STATES; i++)
        free(k->capsules[i].state);
    free(k->procs);
    free(k->timers);
    free(k->ss.queue);
    free(k->ss.procs);
    free(k);
}

void km_set_code(struct km_kernel *k, int p, uint64_t lo, uint64_t hi)
{
    struct km_process *pr = km_proc(k, p);
    if (pr) {
        pr->code_lo = lo;
        pr->code_hi = hi;
    }
}

const struct km_mpu_config *km_proc_mpu(const struct km_kernel *k, int p, uint32_t *generation)
{
    if (p < 0 || (unsigned)p >= k->nprocs)
        return NULL;
    *generation = k->procs[p].mpu_generation;
    return &k->procs[p].mpu;
}

void km_proc_info(const struct km_kernel *k, int p, struct km_proc_info *out)
{
    memset(out, 0, sizeof(*out));
    if (p < 0 || (unsigned)p >= k->nprocs)
        return;
    const struct km_process *pr = &k->procs[p];
    out->name = pr->cfg->name;
    out->package_name = pr->cfg->package_name;
    out->state = pr->state;
    out->process_id = pr->process_id;
    out->has_completion_code = pr->has_completion_code;
    out->completion_code = pr->completion_code;
    out->ram_start = pr->mem_start;
    out->ram_end = pr->mem_end;
    out->app_break = pr->app_break;
    out->kernel_break = pr->kernel_break;
    out->allow_high_water_mark = pr->allow_high_water_mark;
    out->flash_start = pr->flash_start;
    out->flash_end = pr->flash_end;
    out->stats = pr->stats;
    memcpy(out->fault_reason, pr->fault_reason, sizeof(out->fault_reason));
    out->mpu = pr->mpu;
    out->mpu_generation = pr->mpu_generation;
}

/* ---- Task queue ------------------------------------------------------- */

/* Queues t for the process's current incarnation (unless t names one). */
static void km_task_push(struct km_process *p, const struct km_task *t)
{
    struct km_task *slot = &p->tasks[(p->task_head + p->task_count) % KM_TASK_QUEUE_LEN];
    *slot = *t;
    if (slot->for_pid == 0)
        slot->for_pid = p->process_id;
    p->task_count++;
}

/* The next task for this incarnation. Tock ties an upcall to a ProcessId
 * and empties the queue on restart (process_standard.rs), so no upcall
 * scheduled for an earlier incarnation can reach a restarted process; a
 * task that would is discarded and counted (upcalls_stale), which the
 * fuzzer checks stays 0. */
static bool km_task_pop(struct km_process *p, struct km_task *t)
{
    while (p->task_count > 0) {
        *t = p->tasks[p->task_head];
        p->task_head = (p->task_head + 1) % KM_TASK_QUEUE_LEN;
        p->task_count--;
        if (t->for_pid == p->process_id)
            return true;
        p->stats.upcalls_stale++;
    }
    return false;
}

/* Removes tasks for which keep() is false, preserving order. */
static unsigned km_task_retain(struct km_process *p, bool (*keep)(const struct km_task *, void *),
                               void *arg)
{
    struct km_task kept[KM_TASK_QUEUE_LEN];
    unsigned n = 0, removed = 0;
    struct km_task t;
    while (km_task_pop(p, &t)) {
        if (keep(&t, arg))
            kept[n++] = t;
        else
            removed++;
    }
    for (unsigned i = 0; i < n; i++)
        km_task_push(p, &kept[i]);
    return removed;
}

struct km_upcall_id {
    uint32_t driver, subnum;
};

static bool km_task_matches(const struct km_task *t, const struct km_upcall_id *id)
{
    /* Task::IPC matches no upcall id (process_standard.rs remove_upcall) */
    return t->kind != KM_TASK_IPC && !t->from_kernel && t->driver == id->driver &&
           t->subnum == id->subnum;
}

/* remove_pending_upcalls: drops FunctionCall tasks from a driver upcall id;
 * null-upcall return values stay (process_standard.rs). */
static bool km_keep_not_fn_of(const struct km_task *t, void *arg)
{
    return !(t->kind == KM_TASK_FUNCTION_CALL && km_task_matches(t, arg));
}

/* Takes out the first task of an upcall id (remove_upcall), keeping the
 * order of the rest. */
struct km_take_first {
    struct km_upcall_id id;
    bool taken;
    struct km_task task; /* the one taken */
};

static bool km_keep_unless_first(const struct km_task *t, void *arg)
{
    struct km_take_first *tf = arg;
    if (tf->taken || !km_task_matches(t, &tf->id))
        return true;
    tf->taken = true;
    tf->task = *t;
    return false;
}

static bool km_is_running(const struct km_process *p)
{
    return p->state == KM_STATE_RUNNING || p->state == KM_STATE_YIELDED ||
           p->state == KM_STATE_YIELDED_FOR || p->state == KM_STATE_STOPPED;
}

static bool km_has_task_for(const struct km_process *p, uint32_t driver, uint32_t subnum)
{
    struct km_upcall_id id = {driver, subnum};
    for (unsigned i = 0; i < p->task_count; i++)
        if (km_task_matches(&p->tasks[(p->task_head + i) % KM_TASK_QUEUE_LEN], &id))
            return true;
    return false;
}

/* process.ready() */
bool km_proc_ready(const struct km_process *p)
{
    switch (p->state) {
    case KM_STATE_RUNNING:
        return true;
    case KM_STATE_YIELDED:
        return p->task_count > 0;
    case KM_STATE_YIELDED_FOR:
        return km_has_task_for(p, p->yielded_for_driver, p->yielded_for_subnum);
    default:
        return false;
    }
}

/* enqueue_task: NODEVICE if the process is not alive, NOMEM if the queue is
 * full (and the dropped-upcall counter goes up). */
int km_enqueue(struct km_process *p, const struct km_task *t)
{
    if (!km_is_running(p))
        return -KM_ENODEVICE;
    /* kernel/src/collections/ring_buffer.rs: a ring of N slots is full at
     * N - 1 entries (is_full: head == (tail + 1) % len). */
    if (p->task_count >= KM_TASK_QUEUE_LEN - 1) {
        p->stats.upcalls_dropped++;
        return -KM_ENOMEM;
    }
    km_task_push(p, t);
    return 0;
}

/* ---- Grants ----------------------------------------------------------- */

static uint32_t km_grant_bytes(const struct km_kernel *k, const struct km_driver_ops *d)
{
    return KM_GRANT_HEADER_BYTES + km_driver_n_upcalls(k, d) * KM_UPCALL_BYTES +
           (km_driver_n_allows(k, d, KM_SYS_ALLOW_RW) + d->n_ro + d->n_ur) * KM_ALLOW_BYTES;
}

struct km_grant *km_grant_peek(struct km_process *p, uint32_t driver)
{
    for (unsigned i = 0; i < KM_MAX_GRANTS; i++)
        if (p->grants[i].used && p->grants[i].driver == driver)
            return &p->grants[i];
    return NULL;
}

int km_grant_carve(struct km_kernel *k, struct km_process *p, uint32_t len, uint32_t align,
                   uint32_t *addr)
{
    if (align < 8 || (align & (align - 1)) != 0 || len == 0 || len > p->kernel_break ||
        !km_is_running(p) || p->grant_exhausted)
        return -KM_ENOMEM;
    uint32_t new_break = (p->kernel_break - len) & ~(align - 1);
    const struct km_mpu *m = &k->cfg.mpu;
    /* The kernel-owned top of the block may not cross the app break
     * (process_standard.rs, allocate_in_grant_region). */
    if (new_break < p->app_break ||
        !m->ops->update_app_memory_region(m, p->app_break, new_break, KM_PERM_RW, &p->mpu)) {
        km_mpu_finding(k, p);
        return -KM_ENOMEM;
    }
    km_mpu_changed(p);
    p->kernel_break = new_break;
    *addr = new_break;
    return 0;
}

struct km_grant *km_grant_get(struct km_kernel *k, struct km_process *p, uint32_t driver,
                              bool allocate, int *err)
{
    /* Grant::enter / ProcessGrant::new (kernel/src/grant.rs): find the
     * process, check its grant pointer and allocate if asked, whatever the
     * outcome. */
    km_charge(k, k->cfg.costs.grant_enter);
    struct km_grant *g = km_grant_peek(p, driver);
    if (g != NULL)
        return g;
    if (!allocate) {
        if (err)
            *err = -KM_EFAIL;
        return NULL;
    }
    for (unsigned i = 0; g == NULL && i < KM_MAX_GRANTS; i++)
        if (!p->grants[i].used)
            g = &p->grants[i];
    const struct km_driver_ops *d = km_driver_lookup(k, driver);
    uint32_t at;
    /* The grant comes out of the kernel-owned top of the block, 8-aligned. */
    if (d == NULL || g == NULL || km_grant_carve(k, p, km_grant_bytes(k, d), 8, &at) < 0) {
        if (err)
            *err = -KM_ENOMEM;
        return NULL;
    }
    memset(g, 0, sizeof(*g));
    g->used = true;
    g->driver = driver;
    return g;
}

void *km_capsule_state(struct km_kernel *k, uint32_t driver, size_t size)
{
    for (unsigned i = 0; i < KM_MAX_CAPSULE_STATES; i++) {
        struct km_capsule_slot *c = &k->capsules[i];
        if (c->state != NULL && c->driver == driver)
            return c->state;
        if (c->state == NULL) {
            c->state = calloc(1, size);
            c->driver = driver;
            return c->state;
        }
    }
    return NULL;
}

int km_schedule_upcall(struct km_kernel *k, struct km_process *p, uint32_t driver, uint32_t subnum,
                       uint32_t a0, uint32_t a1, uint32_t a2)
{
    const uint32_t args[3] = {a0, a1, a2};
    if (k->cfg.ninject && km_inj_upcall(k, p, driver, subnum, args) != 0)
        return 0; /* dropped or held back: the driver cannot tell */
    int rc = km_schedule_upcall_raw(k, p, driver, subnum, a0, a1, a2);
    km_note(k, p, KM_NOTE_UPCALL);
    return rc;
}

int km_schedule_upcall_raw(struct km_kernel *k, struct km_process *p, uint32_t driver,
                           uint32_t subnum, uint32_t a0, uint32_t a1, uint32_t a2)
{
    struct km_grant *g = km_grant_get(k, p, driver, false, NULL);
    if (g == NULL || subnum >= KM_MAX_UPCALLS)
        return -KM_EFAIL;
    struct km_task t = {.driver = driver, .subnum = subnum};
    t.up.args[0] = a0;
    t.up.args[1] = a1;
    t.up.args[2] = a2;
    t.up.fn = g->upcalls[subnum].fn;
    t.up.appdata = g->upcalls[subnum].appdata;
    t.kind = t.up.fn ? KM_TASK_FUNCTION_CALL : KM_TASK_RETURN_VALUE;
    return km_enqueue(p, &t);
}

/* ---- Syscalls --------------------------------------------------------- */

static void km_sys_yield(struct km_kernel *k, struct km_process *p, const struct km_regs *r)
{
    switch (r->r[0]) {
    case KM_YIELD_NO_WAIT: {
        bool has_tasks = p->task_count > 0;
        uint8_t flag = has_tasks;
        /* set_byte only writes inside app-owned memory */
        if (km_in_app_owned(p, r->r[1], 1))
            km_mem_write(k, (uint32_t)r->r[1], &flag, 1);
        if (has_tasks) {
            p->upcall_nowait = true;
            km_set_state(k, p, KM_STATE_YIELDED);
        } else {
            memset(&p->ret, 0, sizeof(p->ret));
            p->resume = KM_RESUME_RETURN;
        }
        break;
    }
    case KM_YIELD_WAIT:
        p->upcall_nowait = false;
        km_set_state(k, p, KM_STATE_YIELDED);
        break;
    case KM_YIELD_WAIT_FOR:
        p->yielded_for_driver = (uint32_t)r->r[1];
        p->yielded_for_subnum = (uint32_t)r->r[2];
        km_set_state(k, p, KM_STATE_YIELDED_FOR);
        break;
    default:
        /* An unknown yield type decodes to no syscall at all
         * (kernel/src/utilities/arch_helpers.rs,
         * syscall_from_register_arguments_trd104 -> None), which the
         * architecture turns into ContextSwitchReason::Fault. */
        km_fault(k, p->index,
                 &(struct km_fault_info){.kind = KM_FAULT_CRASH,
                                         .reason = "invalid syscall: unknown yield type"});
        break;
    }
}

static void km_sys_subscribe(struct km_kernel *k, struct km_process *p, const struct km_regs *r,
                             struct km_regs *ret)
{
    uint32_t driver = (uint32_t)r->r[0], subnum = (uint32_t)r->r[1];
    uint64_t fn = r->r[2], appdata = r->r[3];
    /* is_valid_upcall_function_pointer: in app flash or app-owned memory;
     * checked before the driver exists (kernel.rs handle_syscall). */
    uint64_t ptr_size = 4; /* a pointer on the 32-bit target */
    if (fn != 0 && !(fn >= p->code_lo && fn + ptr_size <= p->code_hi) &&
        !km_in_app_flash(p, fn, ptr_size) && !km_in_app_owned(p, fn, ptr_size)) {
        km_ret_failure_2(ret, KM_EINVAL, fn, appdata);
        return;
    }
    const struct km_driver_ops *d = km_driver_lookup(k, driver);
    if (d == NULL) {
        km_ret_failure_2(ret, KM_ENODEVICE, fn, appdata);
        return;
    }
    if (!d->has_grant) {
        /* grant::subscribe finds no grant and the driver allocates none
         * (kernel.rs: AllocResult::NoAllocation -> NOMEM) */
        km_ret_failure_2(ret, KM_ENOMEM, fn, appdata);
        return;
    }
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, driver, true, &err);
    if (g == NULL) {
        km_ret_failure_2(ret, err, fn, appdata);
        return;
    }
    if (subnum >= km_driver_n_upcalls(k, d)) {
        km_ret_failure_2(ret, KM_ENOSUPPORT, fn, appdata);
        return;
    }
    struct km_saved_upcall old = g->upcalls[subnum];
    g->upcalls[subnum].fn = fn;
    g->upcalls[subnum].appdata = appdata;
    km_ret_success_2(ret, old.fn, old.appdata);
    struct km_upcall_id id = {driver, subnum};
    km_task_retain(p, km_keep_not_fn_of, &id);
}

static void km_sys_command(struct km_kernel *k, struct km_process *p, const struct km_regs *r,
                           struct km_regs *ret)
{
    const struct km_driver_ops *d = km_driver_lookup(k, (uint32_t)r->r[0]);
    if (d == NULL) {
        km_ret_failure(ret, KM_ENODEVICE);
        return;
    }
    /* handle_syscall: with_driver finds the capsule, then its command
     * (kernel/src/kernel.rs) */
    km_charge(k, k->cfg.costs.command_base);
    d->command(k, p, (uint32_t)r->r[1], (uint32_t)r->r[2], (uint32_t)r->r[3], ret);
}

static void km_sys_allow(struct km_kernel *k, struct km_process *p, uint32_t cls,
                         const struct km_regs *r, struct km_regs *ret)
{
    uint32_t driver = (uint32_t)r->r[0], num = (uint32_t)r->r[1];
    uint64_t ptr = r->r[2], len = r->r[3];
    const struct km_driver_ops *d = km_driver_lookup(k, driver);
    if (d == NULL) {
        km_ret_failure_2(ret, KM_ENODEVICE, ptr, len);
        return;
    }
    /* build_readwrite/readonly_process_buffer: zero-length buffers may have
     * any address; otherwise every byte must be app-owned RAM (or flash for
     * read-only allows). */
    if (len != 0) {
        bool ok = km_in_app_owned(p, ptr, len) ||
                  (cls == KM_SYS_ALLOW_RO && km_in_app_flash(p, ptr, len));
        if (!ok || ptr > UINT32_MAX) {
            km_ret_failure_2(ret, KM_EINVAL, ptr, len);
            return;
        }
        if (km_in_app_owned(p, ptr, len) && ptr + len > p->allow_high_water_mark)
            p->allow_high_water_mark = (uint32_t)(ptr + len);
    }
    if (cls == KM_SYS_ALLOW_UR) {
        /* handed straight to the driver's allow_userspace_readable, whose
         * default answer is NOSUPPORT; no driver here implements it */
        km_ret_failure_2(ret, KM_ENOSUPPORT, ptr, len);
        return;
    }
    if (!d->has_grant) {
        km_ret_failure_2(ret, KM_ENOMEM, ptr, len);
        return;
    }
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, driver, true, &err);
    if (g == NULL) {
        km_ret_failure_2(ret, err, ptr, len);
        return;
    }
    struct km_buffer *slot;
    unsigned count;
    switch (cls) {
    case KM_SYS_ALLOW_RW:
        slot = g->rw;
        count = km_driver_n_allows(k, d, KM_SYS_ALLOW_RW);
        break;
    case KM_SYS_ALLOW_RO:
        slot = g->ro;
        count = d->n_ro;
        break;
    default:
        slot = g->ur;
        count = d->n_ur;
        break;
    }
    if (num >= count) {
        km_ret_failure_2(ret, KM_ENOSUPPORT, ptr, len);
        return;
    }
    struct km_buffer old = slot[num];
    slot[num].ptr = (uint32_t)ptr;
    slot[num].len = (uint32_t)len;
    km_ret_success_2(ret, old.ptr, old.len);
}

/* process_standard.rs brk(): bounded below by the allow high-water mark,
 * above by the grant region; new memory is zeroed. */
static int km_brk(struct km_kernel *k, struct km_process *p, uint64_t new_break)
{
    if (!km_is_running(p))
        return -KM_ENOMEM;
    if (new_break < p->allow_high_water_mark || new_break >= p->mem_end)
        return -KM_ENOMEM;
    if (new_break > p->kernel_break)
        return -KM_ENOMEM;
    const struct km_mpu *m = &k->cfg.mpu;
    if (!m->ops->update_app_memory_region(m, (uint32_t)new_break, p->kernel_break, KM_PERM_RW,
                                          &p->mpu)) {
        km_mpu_finding(k, p);
        return -KM_ENOMEM;
    }
    km_mpu_changed(p);
    uint32_t old = p->app_break;
    p->app_break = (uint32_t)new_break;
    if (new_break > old) {
        uint8_t *mem = km_mem_ptr(k, old, (uint32_t)(new_break - old));
        if (mem)
            memset(mem, 0, (size_t)(new_break - old));
    }
    return 0;
}

static void km_sys_memop(struct km_kernel *k, struct km_process *p, const struct km_regs *r,
                         struct km_regs *ret)
{
    uint64_t arg = r->r[1];
    switch (r->r[0]) {
    case 0: /* brk */
        if (km_brk(k, p, arg) < 0)
            km_ret_failure(ret, KM_ENOMEM);
        else
            km_ret_success(ret);
        break;
    case 1: { /* sbrk: returns the previous break */
        uint32_t old = p->app_break;
        int64_t inc = (int32_t)(uint32_t)arg;
        if (km_brk(k, p, (uint64_t)((int64_t)old + inc)) < 0)
            km_ret_failure(ret, KM_ENOMEM);
        else
            km_ret_success_u32(ret, old);
        break;
    }
    case 2:
        km_ret_success_u32(ret, p->mem_start);
        break;
    case 3:
        km_ret_success_u32(ret, p->mem_end);
        break;
    case 4:
        km_ret_success_u32(ret, p->flash_start);
        break;
    case 5:
        km_ret_success_u32(ret, p->flash_end);
        break;
    case 6:
        km_ret_success_u32(ret, p->kernel_break);
        break;
    case 7:
        km_ret_success_u32(ret, 0); /* no writeable flash regions */
        break;
    case 8:
    case 9:
        km_ret_failure(ret, KM_EFAIL); /* region does not exist */
        break;
    case 10:
        p->stack_start = (uint32_t)arg;
        km_ret_success(ret);
        break;
    case 11:
        p->heap_start = (uint32_t)arg;
        km_ret_success(ret);
        break;
    default:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
    /* memop's pointer-valued successes are Success+u32 on 32-bit targets */
}

static void km_terminate(struct km_kernel *k, struct km_process *p, bool has_code, uint32_t code);
static void km_restart(struct km_kernel *k, struct km_process *p, bool has_code, uint32_t code);

void km_exit_process(struct km_kernel *k, struct km_process *p, bool restart, uint32_t code)
{
    if (restart) {
        km_restart(k, p, true, code);
    } else {
        km_terminate(k, p, true, code);
        km_emit(k, &(struct km_event){.kind = KM_EV_TERMINATE, .time = k->now, .proc = p->index});
    }
    km_note(k, p, KM_NOTE_EXIT);
}

static void km_sys_exit(struct km_kernel *k, struct km_process *p, const struct km_regs *r,
                        struct km_regs *ret)
{
    uint32_t code = (uint32_t)r->r[1];
    switch (r->r[0]) {
    case 0:
    case 1:
        km_exit_process(k, p, r->r[0] == 1, code);
        break;
    default:
        /* an unknown exit type fails and returns to the process */
        km_ret_failure(ret, KM_ENOSUPPORT);
        p->resume = KM_RESUME_RETURN;
        p->ret = *ret;
        break;
    }
}

static bool km_check_dispatched(struct km_kernel *k, int p)
{
    return k->current == p && k->dispatched && !k->ended && k->procs[p].state == KM_STATE_RUNNING;
}

static void km_syscall_dispatch(struct km_kernel *k, struct km_process *p, uint32_t cls,
                                const struct km_regs *r, struct km_regs *ret_out);

int km_syscall(struct km_kernel *k, int pi, uint32_t cls, const struct km_regs *r)
{
    if (!km_check_dispatched(k, pi))
        return -KM_EINVAL;
    struct km_process *p = &k->procs[pi];
    k->dispatched = false;
    /* The whole trip, charged up front so that a value a capsule returns
     * includes it: the trap in and out (arch/cortex-m/src/syscall.rs,
     * arch/rv32i/src/syscall.rs switch_to_process) and the kernel loop's
     * decoding and dispatch (kernel/src/kernel.rs, handle_syscall). */
    km_charge(k, (uint64_t)k->cfg.costs.trap_entry + k->cfg.costs.syscall_base +
                     k->cfg.costs.trap_exit);
    if (cls < KM_SYS_NCLASSES)
        p->stats.syscalls[cls]++;

    struct km_regs ret;
    km_ret_failure(&ret, KM_ENOSUPPORT);
    if (k->cfg.ninject && km_inj_syscall_pre(k, p, cls, r, &ret)) {
        p->ret = ret;
        p->resume = KM_RESUME_RETURN;
        km_inj_syscall_post(k, p);
        return 0;
    }
    km_syscall_dispatch(k, p, cls, r, &ret);
    if (k->cfg.ninject)
        km_inj_syscall_post(k, p);
    return 0;
}

/* Runs syscall cls of the running process p (handle_syscall). */
static void km_syscall_dispatch(struct km_kernel *k, struct km_process *p, uint32_t cls,
                                const struct km_regs *r, struct km_regs *ret_out)
{
    struct km_regs ret = *ret_out;
    int pi = p->index;
    switch (cls) {
    case KM_SYS_YIELD:
        km_sys_yield(k, p, r);
        return;
    case KM_SYS_SUBSCRIBE:
        km_sys_subscribe(k, p, r, &ret);
        break;
    case KM_SYS_COMMAND:
        km_sys_command(k, p, r, &ret);
        break;
    case KM_SYS_ALLOW_RW:
    case KM_SYS_ALLOW_RO:
    case KM_SYS_ALLOW_UR:
        km_sys_allow(k, p, cls, r, &ret);
        break;
    case KM_SYS_MEMOP:
        km_sys_memop(k, p, r, &ret);
        break;
    case KM_SYS_EXIT:
        km_sys_exit(k, p, r, &ret);
        return;
    default: {
        /* An unknown class decodes to no syscall (arch_helpers.rs returns
         * None) and the architecture reports a fault
         * (arch/cortex-m/src/syscall.rs: ContextSwitchReason::Fault). */
        char why[64];
        snprintf(why, sizeof(why), "invalid syscall: class %u", cls);
        km_fault(k, pi, &(struct km_fault_info){.kind = KM_FAULT_CRASH, .reason = why});
        return;
    }
    }
    p->ret = ret;
    p->resume = KM_RESUME_RETURN;
}

int km_compute(struct km_kernel *k, int pi, uint64_t cycles)
{
    if (!km_check_dispatched(k, pi))
        return -KM_EINVAL;
    struct km_process *p = &k->procs[pi];
    k->dispatched = false;
    p->compute_left += cycles;
    memset(&p->ret, 0, sizeof(p->ret));
    p->resume = KM_RESUME_RETURN;
    return 0;
}

uint64_t km_copy_cycles(const struct km_kernel *k, uint64_t bytes)
{
    return k->cfg.costs.copy_fixed + (bytes * k->cfg.costs.copy_per_byte) / 16u;
}

int km_compute_copy(struct km_kernel *k, int pi, uint64_t bytes)
{
    return km_compute(k, pi, km_copy_cycles(k, bytes));
}

int km_preempt(struct km_kernel *k, int pi)
{
    if (!km_check_dispatched(k, pi))
        return -KM_EINVAL;
    struct km_process *p = &k->procs[pi];
    k->dispatched = false;
    uint64_t left = 0;
    if (k->slice_cycles) {
        uint64_t used = k->now - k->slice_start;
        left = used < k->slice_cycles ? k->slice_cycles - used : 0;
    } else {
        uint32_t us = k->ss.timeslice_us ? k->ss.timeslice_us : 10000;
        left = km_us_to_cycles(k, us);
    }
    p->compute_left += left ? left : 1;
    memset(&p->ret, 0, sizeof(p->ret));
    p->resume = KM_RESUME_RETURN;
    return 0;
}

/* ---- Lifecycle and faults --------------------------------------------- */

/* process_standard.rs terminate(): empties the queue, drops the grants
 * (allows, subscriptions, capsule state), keeps the completion code. */
static void km_terminate(struct km_kernel *k, struct km_process *p, bool has_code, uint32_t code)
{
    if (!km_is_running(p) && p->state != KM_STATE_FAULTED)
        return;
    km_ipc_legacy_discard(k, p, "target terminated");
    p->task_head = p->task_count = 0;
    memset(p->grants, 0, sizeof(p->grants));
    for (unsigned i = 0; i < k->ntimers; i++)
        if (k->timers[i].armed && k->timers[i].proc == p->index)
            k->timers[i].armed = false;
    p->has_completion_code = has_code;
    p->completion_code = code;
    p->compute_left = 0;
    km_set_state(k, p, KM_STATE_TERMINATED);
    km_drivers_lifecycle(k, p, KM_LC_TERMINATE);
}

/* try_restart(): terminate, then reset with a new ProcessId, the init
 * function queued, restart_count + 1. The host process is replaced. */
static void km_restart(struct km_kernel *k, struct km_process *p, bool has_code, uint32_t code)
{
    if (p->state == KM_STATE_TERMINATED)
        return;
    km_terminate(k, p, has_code, code);
    if (!km_proc_reset(k, p)) {
        /* reset() failed: the process stays Terminated */
        km_emit(k, &(struct km_event){.kind = KM_EV_TERMINATE, .time = k->now, .proc = p->index});
        return;
    }
    p->stats.restart_count++; /* reset() increments it last, on success */
    km_set_state(k, p, KM_STATE_YIELDED);
    km_drivers_lifecycle(k, p, KM_LC_RESTART);
    km_emit(k, &(struct km_event){.kind = KM_EV_RESTART, .time = k->now, .proc = p->index});
    km_note(k, p, KM_NOTE_RESTART);
}

void km_panic(struct km_kernel *k, const char *reason)
{
    if (k->ended)
        return;
    snprintf(k->panic_reason, sizeof(k->panic_reason), "%s", reason);
    k->ended = true;
    k->end_reason = KM_END_PANIC;
    struct km_event ev = {.kind = KM_EV_PANIC, .time = k->now, .proc = -1};
    ev.u.panic.reason = k->panic_reason;
    km_emit(k, &ev);
}

int km_fault(struct km_kernel *k, int pi, const struct km_fault_info *f)
{
    struct km_process *p = km_proc(k, pi);
    if (p == NULL)
        return -KM_EINVAL;
    if (!km_is_running(p))
        return -KM_EALREADY; /* already faulted or terminated */
    if (k->current == pi)
        k->dispatched = false;
    p->stats.fault_count++;
    snprintf(p->fault_reason, sizeof(p->fault_reason), "%s", f->reason ? f->reason : "fault");
    struct km_event ev = {.kind = KM_EV_FAULT, .time = k->now, .proc = pi};
    ev.u.fault.reason = p->fault_reason;
    km_emit(k, &ev);
    km_drivers_lifecycle(k, p, KM_LC_FAULT);
    switch (km_fault_policy_action(&p->cfg->fault_policy, p)) {
    case KM_FA_PANIC: {
        km_set_state(k, p, KM_STATE_FAULTED);
        char msg[256];
        snprintf(msg, sizeof(msg), "Process %s had a fault: %s", p->cfg->name, p->fault_reason);
        km_panic(k, msg);
        break;
    }
    case KM_FA_RESTART:
        km_restart(k, p, false, 0);
        break;
    case KM_FA_STOP:
        km_terminate(k, p, false, 0);
        km_set_state(k, p, KM_STATE_FAULTED);
        km_emit(k, &(struct km_event){.kind = KM_EV_TERMINATE, .time = k->now, .proc = p->index});
        break;
    }
    km_note(k, p, KM_NOTE_FAULT);
    return 0;
}

/* ---- Timers ----------------------------------------------------------- */

void km_timer_arm(struct km_kernel *k, int p, uint32_t driver, uint64_t tag, uint64_t when)
{
    struct km_timer *slot = NULL;
    for (unsigned i = 0; i < k->ntimers; i++) {
        struct km_timer *t = &k->timers[i];
        if (t->armed && t->proc == p && t->driver == driver && t->tag == tag) {
            slot = t;
            break;
        }
        if (!t->armed && slot == NULL)
            slot = t;
    }
    if (slot == NULL) {
        /* grow the pool; timers are few, so this is rare */
        unsigned n = k->ntimers * 2;
        struct km_timer *nt = realloc(k->timers, n * sizeof(*nt));
        if (nt == NULL) {
            km_panic(k, "out of memory for kernel timers");
            return;
        }
        memset(nt + k->ntimers, 0, (n - k->ntimers) * sizeof(*nt));
        slot = nt + k->ntimers;
        k->timers = nt;
        k->ntimers = n;
    }
    slot->armed = true;
    slot->when = when;
    slot->seq = k->timer_seq++;
    slot->proc = p;
    slot->driver = driver;
    slot->tag = tag;
    slot->pid = p >= 0 ? k->procs[p].process_id : 0;
}

bool km_timer_cancel(struct km_kernel *k, int p, uint32_t driver, uint64_t tag)
{
    for (unsigned i = 0; i < k->ntimers; i++) {
        struct km_timer *t = &k->timers[i];
        if (t->armed && t->proc == p && t->driver == driver && t->tag == tag) {
            t->armed = false;
            return true;
        }
    }
    return false;
}

/* The earliest armed timer (ties: the one armed first), or NULL. */
static struct km_timer *km_timer_first(struct km_kernel *k)
{
    struct km_timer *best = NULL;
    for (unsigned i = 0; i < k->ntimers; i++) {
        struct km_timer *t = &k->timers[i];
        if (t->armed &&
            (best == NULL || t->when < best->when || (t->when == best->when && t->seq < best->seq)))
            best = t;
    }
    return best;
}

bool km_kernel_work_pending(struct km_kernel *k)
{
    struct km_timer *t = km_timer_first(k);
    return t != NULL && t->when <= k->now;
}

/* Runs every due timer's handler, earliest first (the bottom halves). */
static void km_do_kernel_work(struct km_kernel *k)
{
    struct km_timer *t;
    while ((t = km_timer_first(k)) != NULL && t->when <= k->now) {
        struct km_timer fired = *t;
        t->armed = false;
        if (fired.driver == KM_INJ_TIMER_DRIVER || fired.driver == KM_INJ_DELAY_DRIVER) {
            km_inj_timer(k, fired.driver, fired.tag);
            continue;
        }
        struct km_process *p = km_proc(k, fired.proc);
        if (p && p->process_id != fired.pid)
            continue; /* armed for a process incarnation that is gone */
        const struct km_driver_ops *d = km_driver_lookup(k, fired.driver);
        if (d && d->timer)
            d->timer(k, p, fired.tag);
    }
}

/* ---- The main loop ---------------------------------------------------- */

static void km_stop_current(struct km_kernel *k, enum km_stop_reason reason)
{
    struct km_process *p = &k->procs[k->current];
    uint64_t used = k->now - k->slice_start;
    uint32_t used_us;
    if (reason == KM_STOP_TIMESLICE) {
        used_us = (uint32_t)km_cycles_to_us(k, k->slice_cycles);
        p->stats.timeslice_expirations++;
    } else {
        uint64_t us = km_cycles_to_us(k, used);
        used_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
    k->sched->result(k, reason, used_us);
    k->current = -1;
    k->dispatched = false;
}

static bool km_ended(struct km_kernel *k, struct km_dispatch *d)
{
    if (!k->ended && k->cfg.duration_cycles && k->now >= k->cfg.duration_cycles) {
        k->ended = true;
        k->end_reason = KM_END_DURATION;
    }
    if (!k->ended)
        return false;
    memset(d, 0, sizeof(*d));
    d->end = true;
    d->end_reason = k->end_reason;
    d->proc = -1;
    return true;
}

/* process.setup_mpu() before every switch_to (kernel/src/kernel.rs,
 * do_process; process_standard.rs setup_mpu -> MPU::configure_mpu). The MPU
 * drivers write the registers only when the hardware holds another process's
 * configuration or this one changed (arch/cortex-m/src/mpu.rs and
 * arch/cortex-m33/src/mpu_v8m.rs: hardware_is_configured_for / is_dirty;
 * arch/riscv/src/pmp.rs: last_configured_for / is_dirty); only then does
 * loading cost mpu_fixed + mpu_per_region per enabled region. */
static void km_mpu_load(struct km_kernel *k, struct km_process *p)
{
    if (k->mpu_loaded_for == p->index && k->mpu_loaded_gen == p->mpu_generation)
        return;
    km_charge(k, k->cfg.costs.mpu_fixed +
                     (uint64_t)k->cfg.costs.mpu_per_region * km_mpu_regions_in_use(p));
    k->mpu_loaded_for = p->index;
    k->mpu_loaded_gen = p->mpu_generation;
}

/* One pass of do_process for the current process. Returns true when the
 * process should be handed to the host (d filled). */
static bool km_do_process_step(struct km_kernel *k, struct km_dispatch *d)
{
    struct km_process *p = &k->procs[k->current];
    if (k->slice_cycles) {
        uint64_t used = k->now - k->slice_start;
        uint64_t left = used >= k->slice_cycles ? 0 : k->slice_cycles - used;
        if (left <= km_us_to_cycles(k, KM_MIN_QUANTA_US)) {
            km_stop_current(k, KM_STOP_TIMESLICE);
            return false;
        }
    }
    /* scheduler.continue_process(): false stops the process as
     * KernelPreemption (by default: when kernel work is pending) */
    if (!k->sched->continue_process(k, p->index)) {
        km_stop_current(k, KM_STOP_PREEMPTED);
        return false;
    }
    if (!km_proc_ready(p)) {
        km_stop_current(k, p->state == KM_STATE_STOPPED ? KM_STOP_STOPPED : KM_STOP_NO_WORK);
        return false;
    }
    struct km_task t;
    switch (p->state) {
    case KM_STATE_RUNNING:
        if (p->compute_left) {
            /* Declared computation runs until it is done, the slice ends or
             * the next timer interrupts it. */
            uint64_t step = p->compute_left;
            if (k->slice_cycles) {
                uint64_t end = k->slice_start + k->slice_cycles;
                if (end > k->now && end - k->now < step)
                    step = end - k->now;
            }
            struct km_timer *nt = km_timer_first(k);
            if (nt && nt->when > k->now && nt->when - k->now < step)
                step = nt->when - k->now;
            if (k->cfg.duration_cycles && k->cfg.duration_cycles > k->now &&
                k->cfg.duration_cycles - k->now < step)
                step = k->cfg.duration_cycles - k->now;
            if (step == 0)
                step = 1;
            km_charge(k, step);
            p->compute_left -= step;
            return false;
        }
        if (k->last_run != p->index) {
            /* do_process switching to another process's stored state
             * (kernel/src/kernel.rs, process.switch_to()) */
            km_charge(k, k->cfg.costs.context_switch);
            p->stats.context_switches++;
            k->last_run = p->index;
        }
        km_mpu_load(k, p);
        memset(d, 0, sizeof(*d));
        d->proc = p->index;
        d->resume = p->resume;
        d->regs = p->ret;
        d->upcall = p->upcall;
        d->upcall_nowait = p->upcall_nowait;
        d->host_inject = p->host_inject;
        d->host_inject_addr = p->host_inject_addr;
        p->host_inject = KM_HOST_NONE;
        k->dispatched = true;
        return true;
    case KM_STATE_YIELDED:
        km_task_pop(p, &t);
        if (t.kind == KM_TASK_IPC) {
            /* Task::IPC: the IPC capsule schedules the upcall now, behind
             * any queued task; the process stays Yielded (kernel.rs) */
            km_ipc_legacy_deliver(k, p, &t);
            return false;
        }
        if (t.kind == KM_TASK_RETURN_VALUE) {
            /* TRD104: yield-wait does not wake for a null upcall */
            km_stop_current(k, KM_STOP_NO_WORK);
            return false;
        }
        if (t.from_kernel) {
            p->resume = KM_RESUME_START;
        } else {
            p->resume = KM_RESUME_UPCALL;
            p->upcall = t.up;
            p->stats.upcalls_delivered++;
            /* the upcall frame (process_standard.rs, set_process_function) */
            km_charge(k, k->cfg.costs.upcall_dispatch);
        }
        km_set_state(k, p, KM_STATE_RUNNING);
        return false;
    case KM_STATE_YIELDED_FOR: {
        /* remove_upcall(id): hand back the arguments, run no function */
        struct km_take_first take = {{p->yielded_for_driver, p->yielded_for_subnum}, false, {0}};
        km_task_retain(p, km_keep_unless_first, &take);
        km_ret_success(&p->ret);
        p->ret.r[0] = take.task.up.args[0];
        p->ret.r[1] = take.task.up.args[1];
        p->ret.r[2] = take.task.up.args[2];
        p->resume = KM_RESUME_RETURN;
        p->stats.upcalls_delivered++;
        km_set_state(k, p, KM_STATE_RUNNING);
        return false;
    }
    default:
        km_stop_current(k, KM_STOP_STOPPED);
        return false;
    }
}

int km_next(struct km_kernel *k, struct km_dispatch *d)
{
    for (;;) {
        if (km_ended(k, d))
            return 0;
        if (k->current >= 0) {
            if (km_do_process_step(k, d))
                return 0;
            continue;
        }
        /* kernel_loop_operation: kernel work first */
        if (km_kernel_work_pending(k)) {
            km_do_kernel_work(k);
            continue;
        }
        uint32_t slice_us = 0;
        /* kernel_loop_operation: scheduler.next() (kernel/src/kernel.rs) */
        km_charge(k, k->cfg.costs.sched_decision);
        int next = k->sched->next(k, &slice_us);
        if (next >= 0) {
            k->current = next;
            k->slice_start = k->now;
            k->slice_cycles = slice_us ? km_us_to_cycles(k, slice_us) : 0;
            continue;
        }
        /* TrySleep: jump to the next timer, or end if there is none */
        struct km_timer *t = km_timer_first(k);
        if (t == NULL) {
            k->ended = true;
            k->end_reason = KM_END_IDLE;
            continue;
        }
        uint64_t wake = t->when;
        if (k->cfg.duration_cycles && wake > k->cfg.duration_cycles)
            wake = k->cfg.duration_cycles;
        if (wake > k->now)
            k->now = wake;
    }
}
