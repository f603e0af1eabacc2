/* km_inject.c: the fault-injection schedule: rules from the scenario that
 * fire at a virtual time, after an app's nth syscall, at the nth
 * occurrence of a named event, or per matching event with a probability
 * drawn from the scenario seed; and the actions they take (crash, MPU
 * violation, hang, kill, exit, restart, syscall errors, dropped or delayed
 * upcalls, corrupted buffers, grant exhaustion).
 *
 * Everything here is a function of the rules, the seed and the sequence of
 * kernel events, so the same scenario and seed inject the same faults at
 * the same virtual times. Every firing is reported as a KM_EV_INJECT event.
 */
#include "km_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const km_inj_names[] = {
#define KM_X_INJ(name, str) str,
    KM_INJECT_KIND_MAP(KM_X_INJ)
#undef KM_X_INJ
};

#define KM_NINJ (sizeof(km_inj_names) / sizeof(km_inj_names[0]))

const char *km_inject_kind_name(enum km_inject_kind kind)
{
    return (unsigned)kind < KM_NINJ ? km_inj_names[kind] : "?";
}

int km_inject_kind_parse(const char *name)
{
    for (unsigned i = 0; i < KM_NINJ; i++)
        if (strcmp(name, km_inj_names[i]) == 0)
            return (int)i;
    return -1;
}

/* Kinds that watch a stream of syscalls or upcalls and act on one of them. */
static bool km_inj_is_stream(enum km_inject_kind kind)
{
    return kind == KM_INJ_SYSCALL_ERROR || kind == KM_INJ_DROP_UPCALL ||
           kind == KM_INJ_DELAY_UPCALL;
}

/* A separate xorshift64* stream, so injection does not shift the bytes the
 * rng driver hands out. */
static uint64_t km_inj_rand(struct km_kernel *k)
{
    return km_xorshift64s(&k->inj_rng);
}

int km_inj_init(struct km_kernel *k)
{
    k->inj_rng = (k->cfg.seed ^ 0xA5A5F00DC0FFEE11ull) | 1u;
    if (k->cfg.ninject == 0)
        return 0;
    k->inj = calloc(k->cfg.ninject, sizeof(*k->inj));
    if (k->inj == NULL)
        return -KM_ENOMEM;
    for (unsigned i = 0; i < k->cfg.ninject; i++) {
        const struct km_inject_rule *r = &k->cfg.inject[i];
        if (r->trigger == KM_TRIG_AT_TIME && !km_inj_is_stream(r->kind))
            km_timer_arm(k, -1, KM_INJ_TIMER_DRIVER, i, r->at_cycles);
    }
    return 0;
}

void km_inj_destroy(struct km_kernel *k)
{
    free(k->inj);
    free(k->delayed);
}

static void km_inj_report(struct km_kernel *k, unsigned rule, int proc, const char *detail)
{
    const struct km_inject_rule *r = &k->cfg.inject[rule];
    k->inj[rule].fired++;
    struct km_event ev = {.kind = KM_EV_INJECT, .time = k->now, .proc = proc};
    ev.u.inject.rule = rule;
    ev.u.inject.kind = r->kind;
    ev.u.inject.detail = detail;
    km_emit(k, &ev);
}

static bool km_inj_alive(const struct km_process *p)
{
    return p->state == KM_STATE_RUNNING || p->state == KM_STATE_YIELDED ||
           p->state == KM_STATE_YIELDED_FOR || p->state == KM_STATE_STOPPED;
}

/* Flips `bits` distinct-position bits of the app's allowed buffer. */
static void km_inj_corrupt(struct km_kernel *k, struct km_process *p,
                           const struct km_inject_rule *r, char *detail, size_t len)
{
    struct km_grant *g = r->match_driver >= 0 ? km_grant_peek(p, (uint32_t)r->match_driver) : NULL;
    uint32_t num = r->match_number >= 0 ? (uint32_t)r->match_number : 0;
    const struct km_buffer *b = NULL;
    if (g && num < KM_MAX_ALLOWS)
        b = r->allow_class == KM_SYS_ALLOW_RO ? &g->ro[num] : &g->rw[num];
    /* only RAM is corrupted: a read-only allow may point into flash */
    const struct km_memory *m = &k->cfg.mem;
    uint8_t *mem = b && b->len && b->ptr >= m->sram_base &&
                           (uint64_t)b->ptr + b->len <= (uint64_t)m->sram_base + m->sram_size
                       ? km_mem_ptr(k, b->ptr, b->len)
                       : NULL;
    if (mem == NULL) {
        snprintf(detail, len,
                 "no buffer allowed at driver 0x%llx number %u in RAM: nothing flipped",
                 (unsigned long long)r->match_driver, num);
        return;
    }
    uint32_t flipped = 0;
    for (; flipped < r->bits; flipped++) {
        uint64_t bit = km_inj_rand(k) % ((uint64_t)b->len * 8u);
        mem[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    snprintf(detail, len, "flipped %u bit%s in [0x%08x, +%u)", flipped, flipped == 1 ? "" : "s",
             b->ptr, b->len);
}

/* Carries out a moment kind of rule on its process. */
static void km_inj_act(struct km_kernel *k, unsigned rule)
{
    const struct km_inject_rule *r = &k->cfg.inject[rule];
    struct km_process *p = km_proc(k, r->proc);
    char detail[160] = "";
    if (p == NULL || !km_inj_alive(p)) {
        snprintf(detail, sizeof(detail), "app not alive (%s): nothing done",
                 p ? km_state_name(p->state) : "?");
        km_inj_report(k, rule, r->proc, detail);
        return;
    }
    switch (r->kind) {
    case KM_INJ_CRASH:
        km_inj_report(k, rule, p->index, "hard fault injected");
        km_fault(k, p->index,
                 &(struct km_fault_info){.kind = KM_FAULT_CRASH, .reason = "injected crash"});
        break;
    case KM_INJ_MPU_VIOLATION:
        /* the first byte past the block: no MPU configuration allows it */
        p->host_inject = KM_HOST_TOUCH;
        p->host_inject_addr = p->mem_end;
        snprintf(detail, sizeof(detail), "the app will write 0x%08x when it next runs", p->mem_end);
        km_inj_report(k, rule, p->index, detail);
        break;
    case KM_INJ_HANG:
        p->host_inject = KM_HOST_HANG;
        km_inj_report(k, rule, p->index, "the app will spin without syscalls when it next runs");
        break;
    case KM_INJ_KILL:
        km_inj_report(k, rule, p->index, "SIGKILL to the app's Linux process");
        km_emit(k, &(struct km_event){.kind = KM_EV_KILL, .time = k->now, .proc = p->index});
        break;
    case KM_INJ_EXIT:
    case KM_INJ_RESTART:
        snprintf(detail, sizeof(detail), "exit-%s with completion code %u",
                 r->kind == KM_INJ_EXIT ? "terminate" : "restart", r->exit_code);
        km_inj_report(k, rule, p->index, detail);
        km_exit_process(k, p, r->kind == KM_INJ_RESTART, r->exit_code);
        break;
    case KM_INJ_CORRUPT_BUFFER:
        km_inj_corrupt(k, p, r, detail, sizeof(detail));
        km_inj_report(k, rule, p->index, detail);
        break;
    case KM_INJ_GRANT_EXHAUSTION:
        p->grant_exhausted = true;
        km_inj_report(k, rule, p->index, "grant allocations fail with NOMEM from now on");
        break;
    default:
        break;
    }
}

/* Does this matching event fire rule i? Counts it; draws for rates. */
static bool km_inj_counts(struct km_kernel *k, unsigned i)
{
    const struct km_inject_rule *r = &k->cfg.inject[i];
    struct km_inj_rule_state *st = &k->inj[i];
    st->seen++;
    switch (r->trigger) {
    case KM_TRIG_AT_TIME:
        return k->now >= r->at_cycles && st->fired == 0;
    case KM_TRIG_NTH:
        return st->seen == r->nth;
    case KM_TRIG_RATE:
        return km_inj_rand(k) % 1000000u < r->rate_ppm;
    default:
        return false;
    }
}

static bool km_inj_match(int64_t want, uint64_t got)
{
    return want < 0 || (uint64_t)want == got;
}

bool km_inj_syscall_pre(struct km_kernel *k, struct km_process *p, uint32_t cls,
                        const struct km_regs *r, struct km_regs *ret)
{
    for (unsigned i = 0; i < k->cfg.ninject; i++) {
        const struct km_inject_rule *rule = &k->cfg.inject[i];
        if (rule->kind != KM_INJ_SYSCALL_ERROR || rule->proc != p->index)
            continue;
        if (!km_inj_match(rule->match_class, cls) || !km_inj_match(rule->match_driver, r->r[0]) ||
            !km_inj_match(rule->match_number, r->r[1]))
            continue;
        if (!km_inj_counts(k, i))
            continue;
        /* the class's failure variant, carrying what was passed where the
         * class does (subscribe and the allows: Failure+2xu32) */
        if (cls == KM_SYS_SUBSCRIBE || cls == KM_SYS_ALLOW_RW || cls == KM_SYS_ALLOW_RO ||
            cls == KM_SYS_ALLOW_UR) {
            km_ret_failure(ret, (int)rule->error);
            ret->r[0] = KM_RV_FAILURE_2U32;
            ret->r[2] = r->r[2];
            ret->r[3] = r->r[3];
        } else {
            km_ret_failure(ret, (int)rule->error);
        }
        char detail[128];
        snprintf(detail, sizeof(detail), "%s(0x%llx, %llu) failed with %s instead of running",
                 km_class_name(cls), (unsigned long long)r->r[0], (unsigned long long)r->r[1],
                 km_err_name((int)rule->error));
        km_inj_report(k, i, p->index, detail);
        return true;
    }
    return false;
}

void km_inj_syscall_post(struct km_kernel *k, struct km_process *p)
{
    uint64_t n = 0;
    for (uint32_t c = 0; c < KM_SYS_NCLASSES; c++)
        n += p->stats.syscalls[c];
    for (unsigned i = 0; i < k->cfg.ninject; i++) {
        const struct km_inject_rule *r = &k->cfg.inject[i];
        if (r->trigger == KM_TRIG_AFTER_SYSCALLS && r->proc == p->index &&
            !km_inj_is_stream(r->kind) && k->inj[i].fired == 0 && n >= r->nth)
            km_inj_act(k, i);
    }
    km_note(k, p, KM_NOTE_SYSCALL);
}

int km_inj_upcall(struct km_kernel *k, struct km_process *p, uint32_t driver, uint32_t subnum,
                  const uint32_t args[3])
{
    for (unsigned i = 0; i < k->cfg.ninject; i++) {
        const struct km_inject_rule *r = &k->cfg.inject[i];
        if ((r->kind != KM_INJ_DROP_UPCALL && r->kind != KM_INJ_DELAY_UPCALL) ||
            r->proc != p->index)
            continue;
        if (!km_inj_match(r->match_driver, driver) || !km_inj_match(r->match_number, subnum))
            continue;
        if (!km_inj_counts(k, i))
            continue;
        char detail[128];
        if (r->kind == KM_INJ_DROP_UPCALL) {
            snprintf(detail, sizeof(detail), "upcall 0x%x:%u (%u, %u, %u) dropped", driver, subnum,
                     args[0], args[1], args[2]);
            km_inj_report(k, i, p->index, detail);
            return 1;
        }
        unsigned slot = 0;
        while (slot < k->ndelayed && k->delayed[slot].used)
            slot++;
        if (slot == k->ndelayed) {
            unsigned n = k->ndelayed ? k->ndelayed * 2 : 8;
            struct km_inj_delayed *d = realloc(k->delayed, n * sizeof(*d));
            if (d == NULL)
                return 0; /* cannot hold it back: let it through */
            memset(d + k->ndelayed, 0, (n - k->ndelayed) * sizeof(*d));
            k->delayed = d;
            k->ndelayed = n;
        }
        struct km_inj_delayed *d = &k->delayed[slot];
        d->used = true;
        d->proc = p->index;
        d->pid = p->process_id;
        d->driver = driver;
        d->subnum = subnum;
        memcpy(d->args, args, sizeof(d->args));
        km_timer_arm(k, -1, KM_INJ_DELAY_DRIVER, slot, k->now + r->delay_cycles);
        snprintf(detail, sizeof(detail), "upcall 0x%x:%u (%u, %u, %u) delayed by %llu cycles",
                 driver, subnum, args[0], args[1], args[2], (unsigned long long)r->delay_cycles);
        km_inj_report(k, i, p->index, detail);
        return 2;
    }
    return 0;
}

void km_note(struct km_kernel *k, struct km_process *p, const char *name)
{
    for (unsigned i = 0; i < k->cfg.ninject; i++) {
        const struct km_inject_rule *r = &k->cfg.inject[i];
        if (r->event == NULL || km_inj_is_stream(r->kind) || strcmp(r->event, name) != 0)
            continue;
        if (p == NULL || r->proc != p->index)
            continue;
        if (r->trigger != KM_TRIG_NTH && r->trigger != KM_TRIG_RATE)
            continue;
        if (km_inj_counts(k, i))
            km_inj_act(k, i);
    }
}

void km_inj_timer(struct km_kernel *k, uint32_t driver, uint64_t tag)
{
    if (driver == KM_INJ_TIMER_DRIVER) {
        if (tag < k->cfg.ninject)
            km_inj_act(k, (unsigned)tag);
        return;
    }
    if (tag >= k->ndelayed || !k->delayed[tag].used)
        return;
    struct km_inj_delayed d = k->delayed[tag];
    k->delayed[tag].used = false;
    struct km_process *p = km_proc(k, d.proc);
    /* a held-back upcall for an incarnation that is gone is lost with it */
    if (p && p->process_id == d.pid)
        km_schedule_upcall_raw(k, p, d.driver, d.subnum, d.args[0], d.args[1], d.args[2]);
}
