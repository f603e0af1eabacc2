/* check_km_sched_contract.c: what every scheduler in the registry must do,
 * whatever its policy (kernel/src/scheduler.rs, trait Scheduler, and
 * kernel/src/kernel.rs kernel_loop_operation / do_process): every ready
 * process eventually runs, the idle kernel sleeps, kernel work comes before
 * any process, a yielded process runs only when it has work, and the same
 * inputs give the same order. Each test runs once per registered scheduler
 * (tcase_add_loop_test over km_scheduler_names()).
 *
 * Processes follow small scripts: at each of its dispatches a process takes
 * its next step, whatever process the model dispatches next. With the
 * default 1 MHz clock and zero costs, one cycle is one microsecond. */
#include "km_harness.h"
#include "km_internal.h"

#include <string.h>

enum c_op {
    C_END = 0,   /* the script is over: being dispatched again is a failure */
    C_COMPUTE,   /* declare arg cycles of computation */
    C_YIELD,     /* yield-wait */
    C_SUBSCRIBE, /* subscribe the alarm upcall */
    C_ALARM,     /* arm the alarm arg ticks from now */
};

struct c_step {
    enum c_op op;
    uint64_t arg;
};

/* One dispatch the model made. */
struct c_trace {
    int proc;
    uint64_t time;
    enum km_resume resume;
    uint32_t arg0; /* KM_RESUME_UPCALL: the upcall's first argument */
};

#define C_MAX_TRACE 256

struct c_run {
    struct c_trace tr[C_MAX_TRACE];
    unsigned n;
    struct km_dispatch end; /* the dispatch that ended the run */
};

static const char *c_sched_name(int i)
{
    const char *const *names;
    size_t n = km_scheduler_names(&names);
    ck_assert_uint_lt((size_t)i, n);
    return names[i];
}

static struct harness *c_open(int i, unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    o.scheduler = c_sched_name(i);
    return h_open(&o);
}

/* Runs the scripts (one per process) until the run ends; records every
 * dispatch in r. Fails the test if a process whose script is over is
 * dispatched. */
static void c_play(struct harness *h, const struct c_step *const *script, struct c_run *r)
{
    unsigned at[H_MAX_PROCS] = {0};
    memset(r, 0, sizeof(*r));
    for (;;) {
        struct km_dispatch d = h_next(h);
        if (d.end) {
            r->end = d;
            return;
        }
        ck_assert_uint_lt(r->n, C_MAX_TRACE);
        r->tr[r->n++] = (struct c_trace){d.proc, km_now(h->k), d.resume,
                                         d.resume == KM_RESUME_UPCALL ? d.upcall.args[0] : 0};
        const struct c_step *s = &script[d.proc][at[d.proc]++];
        struct km_regs regs = {{0, 0, 0, 0}};
        uint32_t cls = KM_SYS_YIELD;
        switch (s->op) {
        case C_END:
            ck_abort_msg("%s: process %d dispatched (resume %d) at %llu with nothing to do",
                         h->cfg.scheduler, d.proc, (int)d.resume, (unsigned long long)km_now(h->k));
            return;
        case C_COMPUTE:
            ck_assert_int_eq(km_compute(h->k, d.proc, s->arg), 0);
            h->pending = false;
            continue;
        case C_YIELD:
            regs.r[0] = KM_YIELD_WAIT;
            break;
        case C_SUBSCRIBE:
            cls = KM_SYS_SUBSCRIBE;
            regs = (struct km_regs){{H_DRV_ALARM, 0, H_FN_A, 0}};
            break;
        case C_ALARM:
            cls = KM_SYS_COMMAND;
            regs = (struct km_regs){{H_DRV_ALARM, 5, s->arg, 0}};
            break;
        }
        ck_assert_int_eq(km_syscall(h->k, d.proc, cls, &regs), 0);
        h->pending = false;
    }
}

/* The index in r of the first dispatch of process p with resume rs, or -1. */
static int c_find(const struct c_run *r, int p, enum km_resume rs)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->tr[i].proc == p && r->tr[i].resume == rs)
            return (int)i;
    return -1;
}

/* The registry: every name km_scheduler_names() lists finds its table,
 * whose name is that name and whose functions are all there. */
START_TEST(test_registry_entry)
{
    const char *name = c_sched_name(_i);
    const struct km_sched_ops *ops = km_sched_find(name);
    ck_assert_ptr_nonnull(ops);
    ck_assert_str_eq(ops->name, name);
    ck_assert_ptr_nonnull(ops->next);
    ck_assert_ptr_nonnull(ops->result);
    ck_assert_ptr_nonnull(ops->continue_process);
    struct harness *h = c_open(_i, 1);
    ck_assert_ptr_eq(h->k->sched, ops);
    h_close(h);
}
END_TEST

/* Three processes each compute 30 ms and then wait for nothing: each is
 * started, each gets its 30 ms, and the run ends idle at 90 ms, whether
 * the scheduler slices the time or not. */
START_TEST(test_every_ready_process_runs)
{
    static const struct c_step work[] = {{C_COMPUTE, 30000}, {C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {work, work, work};
    struct harness *h = c_open(_i, 3);
    struct c_run r;
    c_play(h, script, &r);
    H_EXPECT_END(r.end, KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 90000);
    for (int p = 0; p < 3; p++) {
        ck_assert_int_ge(c_find(&r, p, KM_RESUME_START), 0);
        ck_assert_uint_eq(h_info(h, p).stats.run_cycles, 30000);
    }
    h_close(h);
}
END_TEST

/* Both processes wait, one for its alarm at 5 ms: the kernel sleeps, so
 * virtual time jumps to 5 ms, nobody is charged for it, the alarm's
 * process runs its upcall, and then, with no timer left, the run ends idle
 * without moving time. */
START_TEST(test_idle_sleeps_to_next_timer)
{
    static const struct c_step p0[] = {
        {C_SUBSCRIBE, 0}, {C_ALARM, 5000}, {C_YIELD, 0}, {C_YIELD, 0}, {C_END, 0}};
    static const struct c_step p1[] = {{C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {p0, p1};
    struct harness *h = c_open(_i, 2);
    struct c_run r;
    c_play(h, script, &r);
    H_EXPECT_END(r.end, KM_END_IDLE);
    int up = c_find(&r, 0, KM_RESUME_UPCALL);
    ck_assert_int_ge(up, 0);
    ck_assert_uint_eq(r.tr[up].time, 5000);
    ck_assert_uint_eq(r.tr[up].arg0, 5000);
    ck_assert_uint_eq(km_now(h->k), 5000);
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 0);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 0);
    h_close(h);
}
END_TEST

/* p0 arms its alarm for 3 ms and waits; p1 computes 100 ms. The alarm is
 * serviced at 3 ms sharp (its upcall says so: the alarm driver reads the
 * counter when the interrupt's bottom half runs), though a process was
 * running and others were ready: kernel work always comes first. When p0
 * gets to run its upcall depends on the scheduler. */
START_TEST(test_kernel_work_before_processes)
{
    static const struct c_step p0[] = {
        {C_SUBSCRIBE, 0}, {C_ALARM, 3000}, {C_YIELD, 0}, {C_YIELD, 0}, {C_END, 0}};
    static const struct c_step p1[] = {{C_COMPUTE, 100000}, {C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {p0, p1};
    struct harness *h = c_open(_i, 2);
    struct c_run r;
    c_play(h, script, &r);
    H_EXPECT_END(r.end, KM_END_IDLE);
    int up = c_find(&r, 0, KM_RESUME_UPCALL);
    ck_assert_int_ge(up, 0);
    ck_assert_uint_eq(r.tr[up].arg0, 3000);
    ck_assert_uint_ge(r.tr[up].time, 3000);
    ck_assert_uint_eq(h_info(h, 1).stats.run_cycles, 100000);
    ck_assert_uint_eq(km_now(h->k), 100000);
    h_close(h);
}
END_TEST

/* An alarm armed for "now" is due at once: the process that armed it is
 * stopped right after the command and the kernel work runs before any
 * process does anything more (its upcall carries time 0). */
START_TEST(test_kernel_work_due_now)
{
    static const struct c_step p0[] = {
        {C_SUBSCRIBE, 0}, {C_ALARM, 0}, {C_YIELD, 0}, {C_YIELD, 0}, {C_END, 0}};
    static const struct c_step p1[] = {{C_COMPUTE, 20000}, {C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {p0, p1};
    struct harness *h = c_open(_i, 2);
    struct c_run r;
    c_play(h, script, &r);
    H_EXPECT_END(r.end, KM_END_IDLE);
    int up = c_find(&r, 0, KM_RESUME_UPCALL);
    ck_assert_int_ge(up, 0);
    ck_assert_uint_eq(r.tr[up].arg0, 0);
    h_close(h);
}
END_TEST

/* p0 waits with nothing pending while p1 computes in pieces: p0 is never
 * dispatched again (its script would fail the test), and is not charged. */
START_TEST(test_yielded_process_not_run_without_work)
{
    static const struct c_step p0[] = {{C_YIELD, 0}, {C_END, 0}};
    static const struct c_step p1[] = {
        {C_COMPUTE, 15000}, {C_COMPUTE, 15000}, {C_COMPUTE, 15000}, {C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {p0, p1};
    struct harness *h = c_open(_i, 2);
    struct c_run r;
    c_play(h, script, &r);
    H_EXPECT_END(r.end, KM_END_IDLE);
    ck_assert_uint_eq(km_now(h->k), 45000);
    ck_assert_uint_eq(h_info(h, 0).stats.context_switches, 1);
    ck_assert_uint_eq(h_info(h, 0).stats.run_cycles, 0);
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_YIELDED);
    h_close(h);
}
END_TEST

/* Same scripts, same scheduler: the same dispatches at the same times. */
START_TEST(test_deterministic)
{
    static const struct c_step p0[] = {{C_SUBSCRIBE, 0}, {C_ALARM, 7000}, {C_COMPUTE, 12000},
                                       {C_YIELD, 0},     {C_ALARM, 4000}, {C_YIELD, 0},
                                       {C_YIELD, 0},     {C_END, 0}};
    static const struct c_step p1[] = {{C_COMPUTE, 25000}, {C_SUBSCRIBE, 0},  {C_ALARM, 1000},
                                       {C_YIELD, 0},       {C_COMPUTE, 3000}, {C_YIELD, 0},
                                       {C_END, 0}};
    static const struct c_step p2[] = {{C_COMPUTE, 40000}, {C_YIELD, 0}, {C_END, 0}};
    const struct c_step *const script[] = {p0, p1, p2};
    struct c_run a, b;
    struct harness *h = c_open(_i, 3);
    c_play(h, script, &a);
    h_close(h);
    h = c_open(_i, 3);
    c_play(h, script, &b);
    h_close(h);
    H_EXPECT_END(a.end, KM_END_IDLE);
    ck_assert_uint_eq(a.n, b.n);
    ck_assert_uint_gt(a.n, 8);
    for (unsigned i = 0; i < a.n; i++) {
        ck_assert_int_eq(a.tr[i].proc, b.tr[i].proc);
        ck_assert_uint_eq(a.tr[i].time, b.tr[i].time);
        ck_assert_int_eq(a.tr[i].resume, b.tr[i].resume);
        ck_assert_uint_eq(a.tr[i].arg0, b.tr[i].arg0);
    }
}
END_TEST

/* A name outside the registry is refused by km_create. */
START_TEST(test_unknown_scheduler_refused)
{
    struct km_proc_config pc = {.name = "a", .package_name = "a", .min_ram = 4096};
    struct km_config c = {.clock_hz = 1000000,
                          .alarm_hz = 1000000,
                          .scheduler = "lottery",
                          .nprocs = 1,
                          .procs = &pc};
    c.mpu.ops = km_mpu_find("riscv_pmp");
    char err[128] = "";
    ck_assert_ptr_null(km_create(&c, err, sizeof(err)));
    ck_assert_str_eq(err, "unknown scheduler \"lottery\"");
}
END_TEST

static Suite *contract_suite(void)
{
    const char *const *names;
    int n = (int)km_scheduler_names(&names);
    Suite *s = suite_create("km_sched_contract");
    TCase *tc = tcase_create("every_scheduler");
    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, test_registry_entry, 0, n);
    tcase_add_loop_test(tc, test_every_ready_process_runs, 0, n);
    tcase_add_loop_test(tc, test_idle_sleeps_to_next_timer, 0, n);
    tcase_add_loop_test(tc, test_kernel_work_before_processes, 0, n);
    tcase_add_loop_test(tc, test_kernel_work_due_now, 0, n);
    tcase_add_loop_test(tc, test_yielded_process_not_run_without_work, 0, n);
    tcase_add_loop_test(tc, test_deterministic, 0, n);
    suite_add_tcase(s, tc);
    tc = tcase_create("registry");
    tcase_add_test(tc, test_unknown_scheduler_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(contract_suite());
}
