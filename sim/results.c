/* results.c: builds results.json with cJSON and writes it atomically. */
#include "results.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cJSON *hex32(uint32_t v)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "0x%08x", v);
    return cJSON_CreateString(buf);
}

/* Numbers up to 2^53 are exact in JSON doubles; counters stay below. */
static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    cJSON_AddItemToObject(o, k, cJSON_CreateNumber((double)v));
}

/* ---- Metrics ------------------------------------------------------------ */

static uint64_t cycles_ns(uint64_t cycles, uint64_t hz)
{
    /* as km_cycles_to_ns */
    if (hz == 0)
        return 0;
    return (cycles / hz) * 1000000000u + (cycles % hz) * 1000000000u / hz;
}

static uint64_t sys_total(const struct km_proc_info *in)
{
    uint64_t n = 0;
    for (uint32_t c = 0; c < KM_SYS_NCLASSES; c++)
        n += in->stats.syscalls[c];
    return n;
}

uint64_t results_ops_ended(const struct metrics_app *m, uint64_t *ok)
{
    uint64_t n = 0, good = 0;
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
        n += m->op[k].ok + m->op[k].failed;
        good += m->op[k].ok;
    }
    if (ok)
        *ok = good;
    return n;
}

void results_totals(const struct run_result *res, struct results_totals *t)
{
    memset(t, 0, sizeof(*t));
    uint64_t *calls = calloc(res->n_apps ? res->n_apps : 1, sizeof(*calls));
    for (size_t i = 0; i < res->n_apps; i++) {
        const struct run_app_result *ar = &res->apps[i];
        const struct km_proc_stats *st = &ar->info.stats;
        metrics_app_merge(&t->ops, &ar->metrics);
        t->syscalls += sys_total(&ar->info);
        t->context_switches += st->context_switches;
        t->ipc_bytes_copied += st->ipc_bytes_copied;
        t->mpu_reprograms += st->mpu_reprograms;
        if (st->mpu_regions_peak > t->mpu_regions_peak)
            t->mpu_regions_peak = st->mpu_regions_peak;
        t->upcalls_dropped += st->upcalls_dropped;
        const struct metrics_op *c = &ar->metrics.op[IPCSIM_OP_CALL];
        if (calls && c->ok + c->failed > 0)
            calls[t->fair_n++] = c->ok;
    }
    t->ops_ended = results_ops_ended(&t->ops, &t->ops_ok);
    t->fair_jain = calls ? metrics_jain(calls, t->fair_n) : -1;
    free(calls);
}

void results_totals_free(struct results_totals *t)
{
    metrics_app_free(&t->ops);
}

/* per second of virtual time, or null for a run that took none */
static cJSON *rate(uint64_t n, uint64_t end_ns)
{
    if (end_ns == 0)
        return cJSON_CreateNull();
    return cJSON_CreateNumber((double)n * 1e9 / (double)end_ns);
}

static cJSON *ratio(uint64_t a, uint64_t b)
{
    return b ? cJSON_CreateNumber((double)a / (double)b) : cJSON_CreateNull();
}

static const struct {
    const char *key;
    uint32_t q; /* thousandths of a percent */
} percentiles[] = {{"min", 0},     {"p50", 50000},   {"p90", 90000},
                   {"p99", 99000}, {"p99_9", 99900}, {"max", 100000}};

/* {"count", "cycles": {min, p50, ..., max, mean}, "ns": {...}} or null. */
static cJSON *latency_json(const struct metrics_hist *h, uint64_t hz)
{
    if (h->n == 0)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "count", h->n);
    cJSON *cy = cJSON_AddObjectToObject(o, "cycles");
    cJSON *ns = cJSON_AddObjectToObject(o, "ns");
    for (size_t i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++) {
        uint64_t v = metrics_hist_percentile(h, percentiles[i].q);
        add_u64(cy, percentiles[i].key, v);
        add_u64(ns, percentiles[i].key, cycles_ns(v, hz));
    }
    add_u64(cy, "mean", h->sum / h->n);
    add_u64(ns, "mean", cycles_ns(h->sum / h->n, hz));
    return o;
}

static cJSON *op_json(const struct metrics_op *o, uint64_t hz, uint64_t end_ns)
{
    cJSON *j = cJSON_CreateObject();
    add_u64(j, "ok", o->ok);
    add_u64(j, "failed", o->failed);
    add_u64(j, "unfinished", o->unfinished);
    cJSON *st = cJSON_AddObjectToObject(j, "failed_by_status");
    for (unsigned i = 0; i < o->n_status; i++) {
        const char *name = metrics_rc_name(o->status[i].rc);
        char buf[24];
        if (name == NULL)
            snprintf(buf, sizeof(buf), "%d", (int)o->status[i].rc);
        add_u64(st, name ? name : buf, o->status[i].count);
    }
    if (o->status_other)
        add_u64(st, "other", o->status_other);
    cJSON_AddItemToObject(j, "throughput_per_s", rate(o->ok, end_ns));
    uint64_t active_ns = o->ok ? cycles_ns(o->last_end - o->first_begin, hz) : 0;
    add_u64(j, "active_ns", active_ns);
    cJSON_AddItemToObject(j, "active_throughput_per_s", rate(o->ok, active_ns));
    add_u64(j, "syscalls", o->syscalls);
    cJSON_AddItemToObject(j, "syscalls_per_op", ratio(o->syscalls, o->ok + o->failed));
    cJSON_AddItemToObject(j, "latency", latency_json(&o->lat, hz));
    cJSON_AddItemToObject(j, "failed_latency", latency_json(&o->failed_lat, hz));
    add_u64(j, "unmatched_ends", o->unmatched_end);
    add_u64(j, "too_deep", o->too_deep);
    return j;
}

/* An app's (or the run's) operations: totals, then one object per kind
 * that was used. `syscalls` is every syscall the app(s) made. */
static cJSON *ops_json(const struct metrics_app *m, uint64_t syscalls, uint64_t hz, uint64_t end_ns)
{
    cJSON *j = cJSON_CreateObject();
    uint64_t ok, ended = results_ops_ended(m, &ok), unfinished = 0;
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++)
        unfinished += m->op[k].unfinished;
    add_u64(j, "ok", ok);
    add_u64(j, "failed", ended - ok);
    add_u64(j, "unfinished", unfinished);
    cJSON_AddItemToObject(j, "throughput_per_s", rate(ok, end_ns));
    cJSON_AddItemToObject(j, "syscalls_per_op", ratio(syscalls, ended));
    cJSON *kinds = cJSON_AddObjectToObject(j, "by_kind");
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
        const struct metrics_op *o = &m->op[k];
        if (o->ok + o->failed + o->unfinished + o->unmatched_end + o->too_deep == 0)
            continue;
        cJSON_AddItemToObject(kinds, ipcsim_op_kind_name(k), op_json(o, hz, end_ns));
    }
    return j;
}

static cJSON *app_json(const struct scn_app *sa, const struct run_app_result *ar, uint64_t hz,
                       uint64_t end_ns)
{
    const struct km_proc_info *in = &ar->info;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "name", sa->name);
    cJSON_AddStringToObject(a, "program", sa->program);
    cJSON_AddStringToObject(a, "package_name", sa->package_name);
    cJSON_AddStringToObject(a, "state", km_state_name(in->state));
    add_u64(a, "process_id", in->process_id);
    if (in->has_completion_code)
        add_u64(a, "completion_code", in->completion_code);
    else
        cJSON_AddNullToObject(a, "completion_code");
    add_u64(a, "restart_count", in->stats.restart_count);
    add_u64(a, "fault_count", in->stats.fault_count);
    if (in->fault_reason[0])
        cJSON_AddStringToObject(a, "last_fault", in->fault_reason);
    else
        cJSON_AddNullToObject(a, "last_fault");
    add_u64(a, "host_processes", ar->host_spawns);

    cJSON *mem = cJSON_AddObjectToObject(a, "memory");
    cJSON_AddItemToObject(mem, "ram_start", hex32(in->ram_start));
    cJSON_AddItemToObject(mem, "ram_end", hex32(in->ram_end));
    cJSON_AddItemToObject(mem, "app_break", hex32(in->app_break));
    cJSON_AddItemToObject(mem, "kernel_break", hex32(in->kernel_break));
    cJSON_AddItemToObject(mem, "flash_start", hex32(in->flash_start));
    cJSON_AddItemToObject(mem, "flash_end", hex32(in->flash_end));
    cJSON *regions = cJSON_AddArrayToObject(mem, "mpu_regions");
    static const char *const perms[] = {"rwx", "rw", "rx", "r", "x"};
    for (int i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        const struct km_mpu_region *g = &in->mpu.r[i];
        if (!g->enabled)
            continue;
        cJSON *o = cJSON_CreateObject();
        add_u64(o, "n", (uint64_t)i);
        cJSON_AddItemToObject(o, "base", hex32(g->base));
        add_u64(o, "size", g->size);
        cJSON_AddStringToObject(o, "perm", (unsigned)g->perm < 5 ? perms[g->perm] : "?");
        if (g->subregions != 0xff)
            cJSON_AddItemToObject(o, "subregions_enabled", hex32(g->subregions));
        cJSON *regs = cJSON_AddArrayToObject(o, "registers");
        for (int k = 0; k < 3; k++)
            cJSON_AddItemToArray(regs, hex32(g->reg[k]));
        cJSON_AddItemToArray(regions, o);
    }

    cJSON *cnt = cJSON_AddObjectToObject(a, "counters");
    cJSON *sys = cJSON_AddObjectToObject(cnt, "syscalls");
    for (uint32_t c = 0; c < KM_SYS_NCLASSES; c++)
        add_u64(sys, km_class_name(c), in->stats.syscalls[c]);
    add_u64(cnt, "upcalls_delivered", in->stats.upcalls_delivered);
    add_u64(cnt, "upcalls_dropped", in->stats.upcalls_dropped);
    add_u64(cnt, "upcalls_stale", in->stats.upcalls_stale);
    add_u64(cnt, "context_switches", in->stats.context_switches);
    add_u64(cnt, "timeslice_expirations", in->stats.timeslice_expirations);
    add_u64(cnt, "run_cycles", in->stats.run_cycles);
    add_u64(cnt, "ipc_windows", in->stats.ipc_windows); /* legacy IPC */
    add_u64(cnt, "ipc_windows_refused", in->stats.ipc_windows_refused);
    add_u64(cnt, "ipc_bytes_copied", in->stats.ipc_bytes_copied);
    add_u64(cnt, "ipc_share_mapped", in->stats.ipc_share_mapped); /* shared memory */
    add_u64(cnt, "ipc_share_copied", in->stats.ipc_share_copied);
    add_u64(cnt, "mpu_reprograms", in->stats.mpu_reprograms);
    add_u64(cnt, "mpu_regions_base", in->stats.mpu_regions_base);
    add_u64(cnt, "mpu_regions_peak", in->stats.mpu_regions_peak);
    cJSON_AddItemToObject(a, "operations", ops_json(&ar->metrics, sys_total(in), hz, end_ns));
    cJSON_AddStringToObject(a, "console", ar->console ? ar->console : "");
    add_u64(a, "console_bytes_not_captured", ar->console_dropped);
    return a;
}

char *results_json(const struct scn_scenario *s, const struct run_result *res,
                   const struct expect_report *ex)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", RESULTS_SCHEMA);
    cJSON *sc = cJSON_AddObjectToObject(root, "scenario");
    cJSON_AddStringToObject(sc, "name", s->name);
    char pathbuf[SCN_PATH_MAX];
    snprintf(pathbuf, sizeof(pathbuf), "%s", s->path);
    cJSON_AddStringToObject(sc, "file", basename(pathbuf));
    cJSON_AddStringToObject(sc, "platform", s->platform.name);
    cJSON_AddStringToObject(sc, "scheduler", s->scheduler);
    add_u64(root, "seed", res->seed);

    cJSON *end = cJSON_AddObjectToObject(root, "end");
    cJSON_AddStringToObject(end, "reason", km_end_reason_name(res->end_reason));
    add_u64(end, "virtual_cycles", res->end_cycles);
    add_u64(end, "virtual_ns", res->end_ns);
    if (res->end_reason == KM_END_PANIC)
        cJSON_AddStringToObject(end, "panic", res->panic_reason);
    else
        cJSON_AddNullToObject(end, "panic");

    cJSON *apps = cJSON_AddArrayToObject(root, "apps");
    for (size_t i = 0; i < res->n_apps; i++)
        cJSON_AddItemToArray(apps,
                             app_json(&s->apps[i], &res->apps[i], res->clock_hz, res->end_ns));

    struct results_totals t;
    results_totals(res, &t);
    cJSON *mx = cJSON_AddObjectToObject(root, "metrics");
    cJSON_AddItemToObject(mx, "operations",
                          ops_json(&t.ops, t.syscalls, res->clock_hz, res->end_ns));
    add_u64(mx, "syscalls", t.syscalls);
    add_u64(mx, "context_switches", t.context_switches);
    add_u64(mx, "ipc_bytes_copied", t.ipc_bytes_copied);
    add_u64(mx, "mpu_reprograms", t.mpu_reprograms);
    add_u64(mx, "mpu_regions_peak", t.mpu_regions_peak);
    add_u64(mx, "upcalls_dropped", t.upcalls_dropped);
    cJSON *fair = cJSON_AddObjectToObject(mx, "fairness");
    add_u64(fair, "apps", t.fair_n);
    if (t.fair_jain >= 0)
        cJSON_AddNumberToObject(fair, "jain_index", t.fair_jain);
    else
        cJSON_AddNullToObject(fair, "jain_index");

    cJSON *fl = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < res->n_findings; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "app", res->findings[i].app);
        add_u64(o, "virtual_ns", res->findings[i].time_ns);
        cJSON_AddStringToObject(o, "text", res->findings[i].text);
        cJSON_AddItemToArray(fl, o);
    }

    cJSON *il = cJSON_AddArrayToObject(root, "injections");
    for (size_t i = 0; i < res->n_injections; i++) {
        const struct run_injection *in = &res->injections[i];
        cJSON *o = cJSON_CreateObject();
        add_u64(o, "virtual_ns", in->time_ns);
        cJSON_AddStringToObject(o, "app", in->app);
        add_u64(o, "rule", in->rule);
        cJSON_AddStringToObject(o, "kind", km_inject_kind_name(in->kind));
        cJSON_AddStringToObject(o, "detail", in->detail);
        cJSON_AddItemToArray(il, o);
    }

    cJSON *leds = cJSON_AddObjectToObject(root, "leds");
    cJSON *fin = cJSON_AddArrayToObject(leds, "final");
    for (uint32_t i = 0; i < s->platform.led_count; i++)
        cJSON_AddItemToArray(fin, cJSON_CreateBool((res->led_final >> i) & 1u));
    add_u64(leds, "changes", res->led_changes);

    cJSON *exj = cJSON_AddObjectToObject(root, "expectations");
    add_u64(exj, "checked", ex->n);
    add_u64(exj, "failed", ex->failed);
    cJSON *list = cJSON_AddArrayToObject(exj, "checks");
    for (size_t i = 0; i < ex->n; i++) {
        const struct expect_check *c = &ex->checks[i];
        cJSON *o = cJSON_CreateObject();
        if (c->app[0])
            cJSON_AddStringToObject(o, "app", c->app);
        else
            cJSON_AddNullToObject(o, "app");
        cJSON_AddStringToObject(o, "check", c->check);
        cJSON_AddStringToObject(o, "expected", c->expected);
        cJSON_AddStringToObject(o, "actual", c->actual);
        cJSON_AddBoolToObject(o, "ok", c->ok);
        cJSON_AddItemToArray(list, o);
    }

    /* Host timing: how fast the simulator ran. Never deterministic. */
    cJSON *host = cJSON_AddObjectToObject(root, "host");
    cJSON_AddNumberToObject(host, "wall_seconds", res->host_wall_s);
    cJSON_AddStringToObject(host, "transport", res->host_transport ? res->host_transport : "none");
    add_u64(host, "messages", res->host_messages);
    cJSON_AddNumberToObject(host, "first_app_start_seconds", res->host_first_start_s);
    uint64_t rss_max = 0, rss_sum = 0, rss_n = 0;
    for (size_t i = 0; i < res->n_apps; i++)
        if (res->apps[i].host_rss_peak_kb) {
            rss_n++;
            rss_sum += res->apps[i].host_rss_peak_kb;
            if (res->apps[i].host_rss_peak_kb > rss_max)
                rss_max = res->apps[i].host_rss_peak_kb;
        }
    cJSON *rss = cJSON_AddObjectToObject(host, "app_rss_peak_kib");
    add_u64(rss, "processes", rss_n);
    add_u64(rss, "max", rss_max);
    add_u64(rss, "mean", rss_n ? rss_sum / rss_n : 0);
    add_u64(host, "operations", t.ops_ended);
    if (t.ops_ended)
        cJSON_AddNumberToObject(host, "seconds_per_operation",
                                res->host_wall_s / (double)t.ops_ended);
    else
        cJSON_AddNullToObject(host, "seconds_per_operation");
    results_totals_free(&t);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

static int mkdir_p(const char *dir)
{
    char buf[SCN_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int results_write_file(const char *dir, const char *name, const char *text, char *err,
                       size_t errlen)
{
    if (mkdir_p(dir) < 0) {
        snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(errno));
        return -1;
    }
    char tmp[SCN_PATH_MAX + 128], final[SCN_PATH_MAX + 96];
    snprintf(final, sizeof(final), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    bool nl = len == 0 || text[len - 1] != '\n';
    if ((nl && write(fd, "\n", 1) != 1) || fsync(fd) < 0 || close(fd) < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, final) < 0) {
        snprintf(err, errlen, "%s: %s", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int results_write(const char *dir, const char *text, char *err, size_t errlen)
{
    return results_write_file(dir, "results.json", text, err, errlen);
}

char *results_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void results_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
