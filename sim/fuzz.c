/* fuzz.c: `ipcsim fuzz` (fuzz.h, docs/ci.md#fault-schedule-fuzzing).
 *
 * A campaign first runs the scenario without faults (the reference), then
 * runs it again and again, each time with a fault schedule drawn from the
 * campaign seed and the run's number, and checks invariants on each run's
 * results.json and trace against the reference. A run that breaks one is
 * shrunk, fault by fault, to a schedule that still breaks it, and written
 * as a scenario that reproduces it (`ipcsim fuzz --replay FILE`).
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "delivery.h"
#include "jobs.h"
#include "results.h"
#include "scenario.h"

enum { FZ_PASS = 0, FZ_FOUND = 1, FZ_USAGE = 2, FZ_HOST = 3, FZ_INTERRUPTED = 130 };

#define FZ_APPS_MAX 64
#define FZ_RESUME_MAX 8
#define FZ_KINDS_MAX 16
#define FZ_VIOLATION_MAX 512
#define FZ_SHRINK_RUNS 64

static const char *const default_kinds[] = {"crash",       "mpu_violation", "kill",
                                            "exit",        "restart",       "syscall_error",
                                            "drop_upcall", "delay_upcall",  "grant_exhaustion"};
static const char *const all_kinds[] = {
    "crash",   "mpu_violation", "hang",        "kill",         "exit",
    "restart", "syscall_error", "drop_upcall", "delay_upcall", "grant_exhaustion"};
static const char *const errors[] = {"FAIL",    "BUSY",     "NOMEM", "INVAL",
                                     "RESERVE", "NODEVICE", "SIZE",  "CANCEL"};

struct fz_opts {
    const char *scenario, *replay, *out, *host_timeout;
    uint64_t seed, runs;
    unsigned shard_i, shard_n, jobs, max_faults;
    const char *kinds[FZ_KINDS_MAX];
    size_t n_kinds;
    struct {
        char app[SCN_NAME_MAX];
        double ms;
    } resume[FZ_RESUME_MAX];
    size_t n_resume;
    const char *targets[FZ_APPS_MAX]; /* --apps: the apps faults may hit (none: all) */
    size_t n_targets;
    bool keep, quiet;
    const char *self;
};

/* What one run looked like: per app (instance) its outcome, who talked to
 * whom, and what the invariants look at in the trace. */
struct fz_app {
    char name[SCN_NAME_MAX];
    char state[24];
    double code; /* NAN: none */
    double faults, restarts;
    char *console;
    uint64_t syscalls;
    uint64_t stale; /* upcalls queued for an earlier incarnation (counters.upcalls_stale) */
    bool targeted;
};

struct fz_obs {
    bool ok; /* results and trace were read */
    char end_reason[24];
    uint64_t end_ns;
    size_t n;
    struct fz_app apps[FZ_APPS_MAX];
    bool talk[FZ_APPS_MAX][FZ_APPS_MAX];
    char violation[FZ_VIOLATION_MAX]; /* trace-level violation found while reading */
    /* for resume: restarts of each app (start events after the first),
     * successful calls, stops and injections that fired on it, in virtual
     * ns */
    struct fz_times {
        double *v;
        size_t n, cap;
    } starts[FZ_APPS_MAX], ok_calls[FZ_APPS_MAX], stops[FZ_APPS_MAX], injects[FZ_APPS_MAX];
};

/* ---- Small helpers ---- */

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

struct fz_rng {
    uint64_t s;
};

static uint64_t rnd(struct fz_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix(r->s);
}

static uint64_t rnd_below(struct fz_rng *r, uint64_t n)
{
    return n ? rnd(r) % n : 0;
}

static void times_add(struct fz_times *t, double v)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        double *nv = realloc(t->v, cap * sizeof(*nv));
        if (nv == NULL)
            return;
        t->v = nv;
        t->cap = cap;
    }
    t->v[t->n++] = v;
}

static void obs_free(struct fz_obs *o)
{
    for (size_t i = 0; i < FZ_APPS_MAX; i++) {
        free(o->apps[i].console);
        free(o->starts[i].v);
        free(o->ok_calls[i].v);
        free(o->stops[i].v);
        free(o->injects[i].v);
    }
    memset(o, 0, sizeof(*o));
}

static int app_index(const struct fz_obs *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->apps[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- Reading a run ---- */

static void read_results(const char *dir, struct fz_obs *o)
{
    char path[SCN_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/results.json", dir);
    char *text = results_read_file(path, NULL);
    cJSON *r = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (r == NULL)
        return;
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(r, "end");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(end, "reason");
    snprintf(o->end_reason, sizeof(o->end_reason), "%s",
             cJSON_IsString(reason) ? reason->valuestring : "");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(end, "virtual_ns");
    o->end_ns = cJSON_IsNumber(ns) ? (uint64_t)ns->valuedouble : 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "apps"))
    {
        if (o->n == FZ_APPS_MAX)
            break;
        struct fz_app *p = &o->apps[o->n++];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "name");
        snprintf(p->name, sizeof(p->name), "%s", cJSON_IsString(v) ? v->valuestring : "?");
        v = cJSON_GetObjectItemCaseSensitive(a, "state");
        snprintf(p->state, sizeof(p->state), "%s", cJSON_IsString(v) ? v->valuestring : "?");
        v = cJSON_GetObjectItemCaseSensitive(a, "completion_code");
        p->code = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        v = cJSON_GetObjectItemCaseSensitive(a, "fault_count");
        p->faults = cJSON_IsNumber(v) ? v->valuedouble : 0;
        v = cJSON_GetObjectItemCaseSensitive(a, "restart_count");
        p->restarts = cJSON_IsNumber(v) ? v->valuedouble : 0;
        v = cJSON_GetObjectItemCaseSensitive(a, "console");
        p->console = strdup(cJSON_IsString(v) ? v->valuestring : "");
        const cJSON *counters = cJSON_GetObjectItemCaseSensitive(a, "counters");
        v = cJSON_GetObjectItemCaseSensitive(counters, "upcalls_stale");
        p->stale = cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(counters, "syscalls");
        const cJSON *c;
        cJSON_ArrayForEach(c, sys)
        {
            if (cJSON_IsNumber(c))
                p->syscalls += (uint64_t)c->valuedouble;
        }
    }
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "injections"))
    {
        const cJSON *app = cJSON_GetObjectItemCaseSensitive(a, "app");
        int i = cJSON_IsString(app) ? app_index(o, app->valuestring) : -1;
        if (i >= 0)
            o->apps[i].targeted = true;
    }
    cJSON_Delete(r);
    o->ok = true;
}

/* Messages queued and delivered between two apps, by kind. */
struct pair {
    int from, to;
    char kind[16];
    uint64_t sent, delivered;
};

struct pairs {
    struct pair *v;
    size_t n, cap;
};

static struct pair *pair_of(struct pairs *ps, int from, int to, const char *kind)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].from == from && ps->v[i].to == to && strncmp(ps->v[i].kind, kind, 15) == 0)
            return &ps->v[i];
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct pair *nv = realloc(ps->v, cap * sizeof(*nv));
        if (nv == NULL)
            return NULL;
        ps->v = nv;
        ps->cap = cap;
    }
    struct pair *p = &ps->v[ps->n++];
    *p = (struct pair){.from = from, .to = to};
    snprintf(p->kind, sizeof(p->kind), "%s", kind);
    return p;
}

/* Feeds one IPC trace event (category "ipc", phase ph, name n, on app
 * `app`'s call track) to the lost-message checks. */
static void feed_delivery(struct dlv *dv, const struct fz_obs *o, const cJSON *e, const char *ph,
                          const char *n, int app, double ns)
{
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(args, "kind");
    const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
    if (strcmp(ph, "s") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(args, "to");
        if (cJSON_IsNumber(id) && cJSON_IsString(to))
            dlv_queued(dv, id->valuedouble, app, app_index(o, to->valuestring), k, ns);
        return;
    }
    if (strcmp(ph, "i") != 0)
        return;
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(args, "from");
    const cJSON *flow = cJSON_GetObjectItemCaseSensitive(args, "flow");
    int sender = cJSON_IsString(from) ? app_index(o, from->valuestring) : -1;
    double fid = cJSON_IsNumber(flow) ? flow->valuedouble : 0;
    if (strcmp(n, "ipc delivered") == 0) {
        dlv_delivered(dv, fid, sender, app, k, ns);
    } else if (strcmp(n, "ipc dropped") == 0) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(args, "why");
        dlv_dropped(dv, fid, sender, app, k, cJSON_IsString(why) ? why->valuestring : "", ns);
    }
}

/* The trace: app tracks, IPC flows (who talked to whom; every flow that
 * ends began, and ends once), process starts (identifiers never reused),
 * successful calls and the apps' stops, for the resume bound. */
static void read_trace(const char *path, struct fz_obs *o)
{
    char *text = results_read_file(path, NULL);
    cJSON *t = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (t == NULL) {
        o->ok = false;
        return;
    }
    const cJSON *ev = cJSON_IsArray(t) ? t : cJSON_GetObjectItemCaseSensitive(t, "traceEvents");
    int tid_app[4096], tid_state[4096]; /* app of a call track, of a state track */
    for (size_t i = 0; i < sizeof(tid_app) / sizeof(tid_app[0]); i++)
        tid_app[i] = tid_state[i] = -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *tid = cJSON_GetObjectItemCaseSensitive(e, "tid");
        if (cJSON_IsString(ph) && strcmp(ph->valuestring, "M") == 0 && cJSON_IsString(name) &&
            strcmp(name->valuestring, "thread_name") == 0 && cJSON_IsNumber(tid)) {
            const cJSON *an = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(e, "args"), "name");
            int t_ = (int)tid->valuedouble;
            if (cJSON_IsString(an) && t_ >= 0 && t_ < 4096) {
                tid_app[t_] = app_index(o, an->valuestring);
                size_t l = strlen(an->valuestring);
                char app[SCN_NAME_MAX + 8];
                if (l > 6 && l - 6 < sizeof(app) &&
                    strcmp(an->valuestring + l - 6, " state") == 0) {
                    memcpy(app, an->valuestring, l - 6);
                    app[l - 6] = '\0';
                    tid_state[t_] = app_index(o, app);
                }
            }
        }
    }
    /* the lost-message checks need every event: not on a truncated trace */
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(t, "otherData");
    const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(other, "truncated");
    const cJSON *end_us = cJSON_GetObjectItemCaseSensitive(other, "end_us");
    const char *names[FZ_APPS_MAX];
    for (size_t i = 0; i < o->n; i++)
        names[i] = o->apps[i].name;
    struct dlv *dv = cJSON_IsTrue(trunc) ? NULL : dlv_new(o->n, names);
    struct flow {
        double id;
        int from, ends;
    } *flows = NULL;
    size_t nf = 0, cap = 0;
    struct fz_id {
        double id;
        int app;
    } ids[1024];
    size_t nids = 0;
    bool first_start[FZ_APPS_MAX] = {0};
    struct pairs pairs = {0};
    cJSON_ArrayForEach(e, ev)
    {
        const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
        const cJSON *cat = cJSON_GetObjectItemCaseSensitive(e, "cat");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *tid = cJSON_GetObjectItemCaseSensitive(e, "tid");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "ts");
        if (!cJSON_IsString(ph) || !cJSON_IsNumber(tid))
            continue;
        int t_ = (int)tid->valuedouble;
        int app = t_ >= 0 && t_ < 4096 ? tid_app[t_] : -1;
        double ns = cJSON_IsNumber(ts) ? ts->valuedouble * 1000.0 : 0;
        const char *c = cJSON_IsString(cat) ? cat->valuestring : "";
        const char *n = cJSON_IsString(name) ? name->valuestring : "";
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
        if (strcmp(ph->valuestring, "B") == 0 && strcmp(c, "state") == 0) {
            int sa = t_ >= 0 && t_ < 4096 ? tid_state[t_] : -1;
            if (dv && sa >= 0)
                dlv_state(dv, sa, n, ns);
            continue;
        }
        if (dv && strcmp(c, "ipc") == 0)
            feed_delivery(dv, o, e, ph->valuestring, n, app, ns);
        if ((strcmp(ph->valuestring, "s") == 0 || strcmp(ph->valuestring, "f") == 0) &&
            strcmp(c, "ipc") == 0) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
            double fid = cJSON_IsNumber(id) ? id->valuedouble : -1;
            struct flow *f = NULL;
            for (size_t i = 0; i < nf; i++)
                if (flows[i].id == fid)
                    f = &flows[i];
            if (ph->valuestring[0] == 's') {
                const cJSON *to = cJSON_GetObjectItemCaseSensitive(args, "to");
                const cJSON *kind = cJSON_GetObjectItemCaseSensitive(args, "kind");
                struct pair *pp =
                    pair_of(&pairs, app, cJSON_IsString(to) ? app_index(o, to->valuestring) : -1,
                            cJSON_IsString(kind) ? kind->valuestring : "");
                if (pp)
                    pp->sent++;
                if (f == NULL && nf == cap) {
                    cap = cap ? cap * 2 : 256;
                    struct flow *nfw = realloc(flows, cap * sizeof(*nfw));
                    if (nfw == NULL)
                        break;
                    flows = nfw;
                }
                if (f == NULL)
                    f = &flows[nf++];
                *f = (struct flow){fid, app, 0};
            } else if (f == NULL) {
                if (!o->violation[0])
                    snprintf(o->violation, sizeof(o->violation),
                             "delivery: a message reached %s that no app sent (flow %.0f)",
                             app >= 0 ? o->apps[app].name : "the kernel", fid);
            } else {
                if (++f->ends > 1 && !o->violation[0])
                    snprintf(o->violation, sizeof(o->violation),
                             "delivery: a message from %s reached %s twice (flow %.0f)",
                             f->from >= 0 ? o->apps[f->from].name : "the kernel",
                             app >= 0 ? o->apps[app].name : "the kernel", fid);
                if (f->from >= 0 && app >= 0) {
                    o->talk[f->from][app] = true;
                    o->talk[app][f->from] = true;
                }
            }
        } else if (strcmp(ph->valuestring, "i") == 0 && strcmp(c, "ipc") == 0 &&
                   strcmp(n, "ipc delivered") == 0 && app >= 0) {
            /* the trace pairs each delivery with the oldest message queued
             * between the pair; a delivery beyond what was queued is a
             * message delivered twice or made up */
            const cJSON *from = cJSON_GetObjectItemCaseSensitive(args, "from");
            const cJSON *kind = cJSON_GetObjectItemCaseSensitive(args, "kind");
            int sender = cJSON_IsString(from) ? app_index(o, from->valuestring) : -1;
            struct pair *pp =
                pair_of(&pairs, sender, app, cJSON_IsString(kind) ? kind->valuestring : "");
            if (pp && ++pp->delivered > pp->sent && !o->violation[0])
                snprintf(o->violation, sizeof(o->violation),
                         "delivery: %s received %llu %s messages from %s, which sent %llu",
                         o->apps[app].name, (unsigned long long)pp->delivered,
                         cJSON_IsString(kind) ? kind->valuestring : "?",
                         sender >= 0 ? o->apps[sender].name : "nobody",
                         (unsigned long long)pp->sent);
        } else if (strcmp(ph->valuestring, "i") == 0 && strcmp(c, "ipc") == 0 &&
                   strcmp(n, "ipc discovered") == 0 && app >= 0) {
            /* finding a server in a registry is talking to it: the lookup's
             * outcome depends on that server being there */
            const cJSON *found = cJSON_GetObjectItemCaseSensitive(args, "found");
            int f = cJSON_IsString(found) ? app_index(o, found->valuestring) : -1;
            if (f >= 0)
                o->talk[app][f] = o->talk[f][app] = true;
        } else if (strcmp(c, "process") == 0 && app >= 0) {
            if (strcmp(n, "start") == 0) {
                const cJSON *pid = cJSON_GetObjectItemCaseSensitive(args, "process_id");
                if (dv && cJSON_IsNumber(pid))
                    dlv_started(dv, app, pid->valuedouble, ns);
                if (cJSON_IsNumber(pid)) {
                    for (size_t i = 0; i < nids; i++)
                        if (ids[i].id == pid->valuedouble && !o->violation[0])
                            snprintf(o->violation, sizeof(o->violation),
                                     "process ids: %s started with process id %.0f, which %s "
                                     "had before",
                                     o->apps[app].name, pid->valuedouble, o->apps[ids[i].app].name);
                    if (nids < sizeof(ids) / sizeof(ids[0]))
                        ids[nids++] = (struct fz_id){pid->valuedouble, app};
                }
                if (first_start[app])
                    times_add(&o->starts[app], ns);
                first_start[app] = true;
            } else if (strcmp(n, "terminate") == 0 || strcmp(n, "kill") == 0) {
                times_add(&o->stops[app], ns);
            }
        } else if ((strcmp(c, "fault") == 0 ||
                    (strcmp(c, "process") == 0 &&
                     (strcmp(n, "terminate") == 0 || strcmp(n, "kill") == 0))) &&
                   app >= 0) {
            times_add(&o->stops[app], ns);
        } else if (strcmp(c, "inject") == 0 && app >= 0) {
            /* one that did something to the app ("app not alive: nothing
             * done" did not) */
            const cJSON *detail = cJSON_GetObjectItemCaseSensitive(args, "detail");
            if (!cJSON_IsString(detail) || strstr(detail->valuestring, "nothing done") == NULL)
                times_add(&o->injects[app], ns);
        } else if (strcmp(c, "op") == 0 && app >= 0 && strcmp(n, "call end") == 0) {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(args, "status");
            if (cJSON_IsNumber(st) && st->valuedouble == 0)
                times_add(&o->ok_calls[app], ns);
        }
    }
    if (dv) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(other, "end_reason");
        dlv_finish(dv, cJSON_IsNumber(end_us) ? end_us->valuedouble * 1000.0 : 0,
                   cJSON_IsString(why) && strcmp(why->valuestring, "panic") == 0);
        if (dlv_violation(dv)[0] && !o->violation[0])
            snprintf(o->violation, sizeof(o->violation), "%s", dlv_violation(dv));
        dlv_free(dv);
    }
    free(flows);
    free(pairs.v);
    cJSON_Delete(t);
}

/* ---- The invariants ---- */

/* The first broken invariant of run `o` against the reference, in
 * `why`; false if none. */
static bool violated(const struct fz_opts *op, const struct fz_obs *ref, const struct fz_obs *o,
                     const struct jobs_job *job, char *why, size_t len)
{
    if (job->term_signal || (job->exit_status != 0 && job->exit_status != 1)) {
        snprintf(why, len, "simulator: ipcsim run %s %d",
                 job->term_signal ? "killed by signal" : "exited with",
                 job->term_signal ? job->term_signal : (int)job->exit_status);
        return true;
    }
    if (!o->ok) {
        snprintf(why, len, "simulator: no readable results.json or trace");
        return true;
    }
    if (o->violation[0]) {
        snprintf(why, len, "%s", o->violation);
        return true;
    }
    for (size_t i = 0; i < o->n; i++)
        if (o->apps[i].stale) {
            snprintf(why, len,
                     "upcalls: %llu upcall%s queued for an earlier incarnation of %s reached its "
                     "queue",
                     (unsigned long long)o->apps[i].stale, o->apps[i].stale == 1 ? "" : "s",
                     o->apps[i].name);
            return true;
        }
    /* isolation: an app that was not hit and talks to nobody who was ends
     * as in the reference. A kernel panic stops everybody: not checked. */
    if (strcmp(o->end_reason, "panic") != 0) {
        for (size_t i = 0; i < o->n; i++) {
            const struct fz_app *a = &o->apps[i];
            int r = app_index(ref, a->name);
            if (a->targeted || r < 0)
                continue;
            bool near = false;
            for (size_t j = 0; j < o->n && !near; j++) {
                int rj = app_index(ref, o->apps[j].name);
                near = o->apps[j].targeted && (o->talk[i][j] || (rj >= 0 && ref->talk[r][rj]));
            }
            if (near)
                continue;
            const struct fz_app *b = &ref->apps[r];
            const char *what = NULL;
            if (strcmp(a->state, b->state) != 0)
                what = "its state";
            else if (!(isnan(a->code) && isnan(b->code)) && a->code != b->code)
                what = "its completion code";
            else if (a->faults != b->faults || a->restarts != b->restarts)
                what = "its faults or restarts";
            else if (strcmp(a->console, b->console) != 0)
                what = "its console";
            if (what) {
                snprintf(why, len,
                         "isolation: %s, which no injected fault hit and which talks to no app "
                         "that one hit, changed %s (state %s, reference %s)",
                         a->name, what, a->state, b->state);
                return true;
            }
        }
    }
    /* resume: after each restart of an app it talks to, a reliable client
     * makes a successful call within its bound (unless it stopped, or the
     * run ended, first) */
    for (size_t k = 0; k < op->n_resume; k++) {
        int c = app_index(o, op->resume[k].app);
        if (c < 0 || o->apps[c].targeted)
            continue; /* the bound is for a client no injection hit itself */
        int rc = app_index(ref, op->resume[k].app);
        double bound = op->resume[k].ms * 1e6;
        for (size_t s = 0; s < o->n; s++) {
            int rs = app_index(ref, o->apps[s].name);
            if ((size_t)c == s || !(o->talk[c][s] || (rc >= 0 && rs >= 0 && ref->talk[rc][rs])))
                continue;
            for (size_t i = 0; i < o->starts[s].n; i++) {
                double t0 = o->starts[s].v[i];
                if (t0 + bound > (double)o->end_ns)
                    continue;
                bool resumed = false, stopped = false;
                for (size_t j = 0; j < o->ok_calls[c].n && !resumed; j++)
                    resumed = o->ok_calls[c].v[j] > t0 && o->ok_calls[c].v[j] <= t0 + bound;
                /* the client, or the restarted app, stopping (faulting,
                 * terminating, killed) within the bound excuses it: the
                 * bound is for a client facing a server that is back */
                for (size_t j = 0; j < o->stops[c].n && !stopped; j++)
                    stopped = o->stops[c].v[j] >= t0 && o->stops[c].v[j] <= t0 + bound;
                for (size_t j = 0; j < o->stops[s].n && !stopped; j++)
                    stopped = o->stops[s].v[j] > t0 && o->stops[s].v[j] <= t0 + bound;
                /* ... and so does an injection hitting the restarted app
                 * again within the bound (e.g. its console upcall dropped:
                 * it never gets back to serving) */
                for (size_t j = 0; j < o->injects[s].n && !stopped; j++)
                    stopped = o->injects[s].v[j] > t0 && o->injects[s].v[j] <= t0 + bound;
                bool makes_calls = rc >= 0 && ref->ok_calls[rc].n > 0;
                /* the client must be running at t0: not stopped since its
                 * last start (it may have finished its work before) */
                double last_stop = -1, last_start = 0;
                for (size_t j = 0; j < o->stops[c].n; j++)
                    if (o->stops[c].v[j] <= t0 && o->stops[c].v[j] > last_stop)
                        last_stop = o->stops[c].v[j];
                for (size_t j = 0; j < o->starts[c].n; j++)
                    if (o->starts[c].v[j] <= t0 && o->starts[c].v[j] > last_start)
                        last_start = o->starts[c].v[j];
                bool running = last_stop < last_start;
                if (!resumed && !stopped && makes_calls && running) {
                    snprintf(why, len,
                             "resume: %s made no successful call within %g ms of %s's restart at "
                             "%.3f ms",
                             o->apps[c].name, op->resume[k].ms, o->apps[s].name, t0 / 1e6);
                    return true;
                }
            }
        }
    }
    return false;
}

/* Processes of the run still alive: any process whose environment holds
 * the run's tag. */
static int leftovers(const char *tag)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    size_t tl = strlen(tag);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300];
        snprintf(path, sizeof(path), "/proc/%.256s/environ", e->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        char buf[65536];
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        for (size_t i = 0; i + tl <= len; i++)
            if (memcmp(buf + i, tag, tl) == 0 && (i == 0 || buf[i - 1] == '\0')) {
                n++;
                break;
            }
    }
    closedir(d);
    return n;
}

/* ---- Drawing a schedule ---- */

static bool is_moment(const char *kind)
{
    return strcmp(kind, "syscall_error") != 0 && strcmp(kind, "drop_upcall") != 0 &&
           strcmp(kind, "delay_upcall") != 0;
}

static cJSON *draw_fault(const struct fz_opts *op, const struct fz_obs *ref, struct fz_rng *r)
{
    cJSON *f = cJSON_CreateObject();
    const char *kind = op->kinds[rnd_below(r, op->n_kinds)];
    const struct fz_app *app = &ref->apps[rnd_below(r, ref->n)];
    if (op->n_targets) {
        /* an app name (every instance) or an instance name */
        const char *t = op->targets[rnd_below(r, op->n_targets)];
        for (size_t i = 0; i < ref->n; i++) {
            size_t tl = strlen(t);
            if (strcmp(ref->apps[i].name, t) == 0 ||
                (strncmp(ref->apps[i].name, t, tl) == 0 && ref->apps[i].name[tl] == '[')) {
                app = &ref->apps[i];
                break;
            }
        }
    }
    cJSON_AddStringToObject(f, "kind", kind);
    cJSON_AddStringToObject(f, "app", app->name);
    uint64_t horizon_ms = ref->end_ns / 1000000u + 1;
    if (is_moment(kind)) {
        if (rnd_below(r, 2) == 0 || app->syscalls < 2)
            cJSON_AddNumberToObject(f, "at_ms", (double)rnd_below(r, horizon_ms));
        else
            cJSON_AddNumberToObject(f, "after_syscalls", (double)(1 + rnd_below(r, app->syscalls)));
        if (strcmp(kind, "exit") == 0 || strcmp(kind, "restart") == 0)
            cJSON_AddNumberToObject(f, "code", (double)rnd_below(r, 4));
        return f;
    }
    switch (rnd_below(r, 3)) {
    case 0:
        cJSON_AddNumberToObject(f, "at_ms", (double)rnd_below(r, horizon_ms));
        break;
    case 1:
        cJSON_AddNumberToObject(f, "nth",
                                (double)(1 + rnd_below(r, app->syscalls ? app->syscalls : 1)));
        break;
    default:
        cJSON_AddNumberToObject(f, "rate", (double)(1 + rnd_below(r, 30)) / 100.0);
        break;
    }
    if (strcmp(kind, "syscall_error") == 0)
        cJSON_AddStringToObject(f, "error",
                                errors[rnd_below(r, sizeof(errors) / sizeof(errors[0]))]);
    if (strcmp(kind, "delay_upcall") == 0)
        cJSON_AddNumberToObject(f, "delay_us", (double)(1 + rnd_below(r, 100000)));
    return f;
}

static cJSON *draw_schedule(const struct fz_opts *op, const struct fz_obs *ref, uint64_t run_seed)
{
    struct fz_rng r = {run_seed};
    cJSON *faults = cJSON_CreateArray();
    uint64_t k = 1 + rnd_below(&r, op->max_faults);
    for (uint64_t i = 0; i < k; i++)
        cJSON_AddItemToArray(faults, draw_fault(op, ref, &r));
    return faults;
}

/* The base scenario with `faults` (not consumed), this run's seed and no
 * expectations; NULL faults: the reference. */
static char *with_faults(const cJSON *base, const cJSON *faults, uint64_t seed, const char *desc)
{
    cJSON *s = cJSON_Duplicate(base, true);
    cJSON_DeleteItemFromObjectCaseSensitive(s, "expect");
    cJSON_DeleteItemFromObjectCaseSensitive(s, "faults");
    cJSON_DeleteItemFromObjectCaseSensitive(s, "seed");
    cJSON_AddNumberToObject(s, "seed", (double)seed);
    if (desc) {
        cJSON_DeleteItemFromObjectCaseSensitive(s, "description");
        cJSON_AddStringToObject(s, "description", desc);
    }
    if (faults && cJSON_GetArraySize(faults) > 0)
        cJSON_AddItemToObject(s, "faults", cJSON_Duplicate(faults, true));
    char *text = cJSON_Print(s);
    cJSON_Delete(s);
    return text;
}

/* ---- Running ---- */

struct fz_run {
    uint64_t index, seed, draw; /* seed: the scenario's; draw: the schedule's */
    char dir[SCN_PATH_MAX + 64], scn[SCN_PATH_MAX + 96], log[SCN_PATH_MAX + 96];
    char trace[SCN_PATH_MAX + 96], seed_s[24], tag[80];
    char *argv[16];
    char **env;
    cJSON *faults;
    bool violated, invalid; /* invalid: the drawn scenario was refused (a fuzzer bug) */
    char why[FZ_VIOLATION_MAX];
};

extern char **environ;

static char **env_with(const char *tag)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        env[i] = environ[i];
    env[n] = (char *)tag;
    return env;
}

static int prepare(const struct fz_opts *op, const cJSON *base, struct fz_run *r, const char *dir,
                   const char *desc, struct jobs_job *job)
{
    char err[512];
    snprintf(r->dir, sizeof(r->dir), "%s", dir);
    char *text = with_faults(base, r->faults, r->seed, desc);
    if (text == NULL || results_write_file(r->dir, "scenario.json", text, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim fuzz: %s\n", text ? err : "out of memory");
        free(text);
        return -1;
    }
    free(text);
    snprintf(r->scn, sizeof(r->scn), "%s/scenario.json", r->dir);
    snprintf(r->log, sizeof(r->log), "%s/console.txt", r->dir);
    snprintf(r->trace, sizeof(r->trace), "%s/trace.json", r->dir);
    /* what an earlier run in this directory left must not pass for this one's */
    char res[SCN_PATH_MAX + 96];
    snprintf(res, sizeof(res), "%s/results.json", r->dir);
    unlink(res);
    unlink(r->trace);
    snprintf(r->seed_s, sizeof(r->seed_s), "%" PRIu64, r->seed);
    snprintf(r->tag, sizeof(r->tag), "IPCSIM_FUZZ_TAG=%ld-%" PRIu64 "-%p", (long)getpid(), r->index,
             (void *)r);
    size_t n = 0;
    r->argv[n++] = (char *)op->self;
    r->argv[n++] = "run";
    r->argv[n++] = r->scn;
    r->argv[n++] = "--quiet";
    r->argv[n++] = "--out";
    r->argv[n++] = r->dir;
    r->argv[n++] = "--trace";
    r->argv[n++] = r->trace;
    r->argv[n++] = "--host-timeout";
    r->argv[n++] = (char *)op->host_timeout;
    r->argv[n] = NULL;
    free(r->env);
    r->env = env_with(r->tag);
    *job = (struct jobs_job){.argv = r->argv, .log = r->log, .env = r->env};
    return 0;
}

static bool evaluate(const struct fz_opts *op, const struct fz_obs *ref, struct fz_run *r,
                     const struct jobs_job *job)
{
    if (job->term_signal == 0 && job->exit_status == 2) {
        r->invalid = true;
        char *log = results_read_file(r->log, NULL);
        snprintf(r->why, sizeof(r->why), "the drawn scenario was refused: %.400s",
                 log ? strtok(log, "\n") : "?");
        free(log);
        return false;
    }
    struct fz_obs o;
    memset(&o, 0, sizeof(o));
    read_results(r->dir, &o);
    if (o.ok)
        read_trace(r->trace, &o);
    r->violated = violated(op, ref, &o, job, r->why, sizeof(r->why));
    obs_free(&o);
    int left = leftovers(r->tag);
    if (!r->violated && left > 0) {
        r->violated = true;
        snprintf(r->why, sizeof(r->why), "simulator: %d process%s of the run outlived it", left,
                 left == 1 ? "" : "es");
    }
    return r->violated;
}

/* Runs one prepared run alone and evaluates it. */
static int run_one(const struct fz_opts *op, const struct fz_obs *ref, struct fz_run *r,
                   struct jobs_job *job)
{
    struct jobs_status st;
    int jr = jobs_run(job, 1, 1, NULL, NULL, &st);
    if (jr != 0)
        return jr;
    evaluate(op, ref, r, job);
    return 0;
}

static bool same_kind(const char *a, const char *b)
{
    size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
    return la == lb && strncmp(a, b, la) == 0;
}

/* Removes faults one at a time while the run still breaks the same
 * invariant; `r` ends with the smallest schedule found. */
static int shrink(const struct fz_opts *op, const cJSON *base, const struct fz_obs *ref,
                  struct fz_run *r, const char *dir)
{
    char want[FZ_VIOLATION_MAX];
    snprintf(want, sizeof(want), "%s", r->why);
    int tries = 0;
    bool progress = true;
    while (progress && tries < FZ_SHRINK_RUNS) {
        progress = false;
        int n = cJSON_GetArraySize(r->faults);
        for (int i = 0; i < n && tries < FZ_SHRINK_RUNS; i++) {
            struct fz_run c = *r;
            c.env = NULL;
            c.faults = cJSON_Duplicate(r->faults, true);
            cJSON_DeleteItemFromArray(c.faults, i);
            struct jobs_job job;
            if (prepare(op, base, &c, dir, NULL, &job) < 0) {
                cJSON_Delete(c.faults);
                free(c.env);
                return -1;
            }
            tries++;
            int jr = run_one(op, ref, &c, &job);
            free(c.env);
            if (jr == 130) {
                cJSON_Delete(c.faults);
                return 130;
            }
            if (c.violated && same_kind(c.why, want)) {
                cJSON_Delete(r->faults);
                r->faults = c.faults;
                snprintf(r->why, sizeof(r->why), "%s", c.why);
                progress = true;
                break;
            }
            cJSON_Delete(c.faults);
        }
    }
    return 0;
}

static int reference(const struct fz_opts *op, const cJSON *base, uint64_t seed, const char *dir,
                     struct fz_obs *ref)
{
    struct fz_run r = {.seed = seed};
    struct jobs_job job;
    if (prepare(op, base, &r, dir, NULL, &job) < 0)
        return -1;
    struct jobs_status st;
    int jr = jobs_run(&job, 1, 1, NULL, NULL, &st);
    free(r.env);
    if (jr != 0)
        return jr;
    memset(ref, 0, sizeof(*ref));
    read_results(r.dir, ref);
    if (ref->ok)
        read_trace(r.trace, ref);
    if (!ref->ok || job.term_signal || (job.exit_status != 0 && job.exit_status != 1)) {
        fprintf(stderr,
                "ipcsim fuzz: the scenario does not run cleanly without faults (exit %lld); see "
                "%s\n",
                (long long)job.exit_status, r.log);
        return -1;
    }
    if (ref->violation[0]) {
        fprintf(stderr, "ipcsim fuzz: without faults already: %s\n", ref->violation);
        return -1;
    }
    return 0;
}

/* ---- The campaign ---- */

struct fz_campaign {
    const struct fz_opts *op;
    const struct fz_obs *ref;
    struct fz_run *runs;
    size_t n, found;
};

static bool run_done(struct jobs_job *job, size_t index, const struct jobs_status *st, void *ctx)
{
    struct fz_campaign *c = ctx;
    struct fz_run *r = &c->runs[index];
    if (evaluate(c->op, c->ref, r, job))
        c->found++;
    else if (!c->op->keep)
        results_remove_tree(r->dir);
    if (!c->op->quiet)
        jobs_progress(st, "runs", c->found, "failing", false);
    return false;
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: ipcsim fuzz SCENARIO [--runs N] [--seed S] [--shard I/N] [-j N]\n"
           "                   [--max-faults K] [--kinds LIST] [--apps LIST] [--resume APP=MS]...\n"
           "                   [--host-timeout MS] [--out DIR] [--keep] [--quiet]\n"
           "       ipcsim fuzz --replay FILE [--resume APP=MS]... [--host-timeout MS]\n"
           "  runs SCENARIO without faults, then N times with a fault schedule drawn from\n"
           "  S and the run's number (1..K faults of the --kinds, on the --apps), and\n"
           "  checks that\n"
           "  the simulator neither crashes nor leaves processes, that apps untouched by\n"
           "  the faults and talking to no app they hit end as without faults, that no\n"
           "  message arrives twice or from nowhere, that process ids are not reused, and\n"
           "  that each --resume APP calls successfully within MS after a restart of an\n"
           "  app it talks to. A failing run is shrunk and written as DIR/failure-S-R.json;\n"
           "  --replay checks such a file. --shard I/N runs the runs R with R %% N = I-1.\n"
           "  Exit 0 no invariant broken, 1 one was, 2 bad usage, 130 interrupted.\n");
}

static int parse(int argc, char **argv, struct fz_opts *op)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"shard", required_argument, NULL, 'S'},
        {"jobs", required_argument, NULL, 'j'},
        {"max-faults", required_argument, NULL, 'k'},
        {"kinds", required_argument, NULL, 'K'},
        {"resume", required_argument, NULL, 'r'},
        {"host-timeout", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"keep", no_argument, NULL, 'p'},
        {"replay", required_argument, NULL, 'R'},
        {"quiet", no_argument, NULL, 'q'},
        {"apps", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:o:qh", opts, NULL)) != -1) {
        errno = 0;
        switch (c) {
        case 'n':
            op->runs = strtoull(optarg, &end, 10);
            if (*end || errno || op->runs < 1 || op->runs > 100000000ull) {
                fprintf(stderr, "ipcsim fuzz: --runs: expected 1..100000000, got \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 's':
            op->seed = strtoull(optarg, &end, 10);
            if (*end || errno || *optarg < '0' || *optarg > '9') {
                fprintf(stderr,
                        "ipcsim fuzz: --seed: expected a non-negative integer, got \"%s\"\n",
                        optarg);
                return -1;
            }
            break;
        case 'S':
            if (sscanf(optarg, "%u/%u", &op->shard_i, &op->shard_n) != 2 || op->shard_n < 1 ||
                op->shard_i < 1 || op->shard_i > op->shard_n) {
                fprintf(stderr, "ipcsim fuzz: --shard: expected I/N with 1 <= I <= N, got \"%s\"\n",
                        optarg);
                return -1;
            }
            break;
        case 'j': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "ipcsim fuzz: -j: expected 1..256, got \"%s\"\n", optarg);
                return -1;
            }
            op->jobs = (unsigned)v;
            break;
        }
        case 'k': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 32) {
                fprintf(stderr, "ipcsim fuzz: --max-faults: expected 1..32, got \"%s\"\n", optarg);
                return -1;
            }
            op->max_faults = (unsigned)v;
            break;
        }
        case 'K': {
            op->n_kinds = 0;
            char *dup = strdup(optarg), *save = NULL;
            for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                const char *known = NULL;
                for (size_t i = 0; i < sizeof(all_kinds) / sizeof(all_kinds[0]); i++)
                    if (strcmp(t, all_kinds[i]) == 0)
                        known = all_kinds[i];
                if (known == NULL || op->n_kinds == FZ_KINDS_MAX) {
                    fprintf(stderr,
                            "ipcsim fuzz: --kinds: expected fault kinds among crash, "
                            "mpu_violation, hang, kill, exit, restart, syscall_error, drop_upcall, "
                            "delay_upcall, grant_exhaustion; got \"%s\"\n",
                            t);
                    free(dup);
                    return -1;
                }
                op->kinds[op->n_kinds++] = known;
            }
            free(dup);
            if (op->n_kinds == 0) {
                fprintf(stderr, "ipcsim fuzz: --kinds: expected a list\n");
                return -1;
            }
            break;
        }
        case 'r': {
            const char *eq = strrchr(optarg, '=');
            double ms = eq ? strtod(eq + 1, &end) : -1;
            if (eq == NULL || eq == optarg || *end || ms <= 0 || op->n_resume == FZ_RESUME_MAX ||
                (size_t)(eq - optarg) >= SCN_NAME_MAX) {
                fprintf(stderr, "ipcsim fuzz: --resume: expected APP=MILLISECONDS, got \"%s\"\n",
                        optarg);
                return -1;
            }
            snprintf(op->resume[op->n_resume].app, SCN_NAME_MAX, "%.*s", (int)(eq - optarg),
                     optarg);
            op->resume[op->n_resume++].ms = ms;
            break;
        }
        case 't':
            op->host_timeout = optarg;
            break;
        case 'o':
            op->out = optarg;
            break;
        case 'p':
            op->keep = true;
            break;
        case 'R':
            op->replay = optarg;
            break;
        case 'A': {
            static char names[4096]; /* the names stay here for the whole command */
            if (strlen(optarg) >= sizeof(names)) {
                fprintf(stderr, "ipcsim fuzz: --apps: a list of at most %zu bytes\n",
                        sizeof(names) - 1);
                return -1;
            }
            snprintf(names, sizeof(names), "%s", optarg);
            op->n_targets = 0;
            char *save = NULL;
            for (char *t = strtok_r(names, ",", &save); t && op->n_targets < FZ_APPS_MAX;
                 t = strtok_r(NULL, ",", &save))
                op->targets[op->n_targets++] = t;
            break;
        }
        case 'q':
            op->quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc)
        op->scenario = argv[optind++];
    if (optind < argc || (op->scenario == NULL) == (op->replay == NULL)) {
        fprintf(stderr, "ipcsim fuzz: expected one SCENARIO, or --replay FILE\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

static cJSON *load_json(const char *path, const struct scn_search *search)
{
    char err[2048];
    struct scn_scenario *s = calloc(1, sizeof(*s));
    if (s == NULL || scn_load(path, search, s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", s ? err : "out of memory");
        free(s);
        return NULL;
    }
    scn_free(s);
    free(s);
    char *text = results_read_file(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

static int replay(struct fz_opts *op, const struct scn_search *search)
{
    cJSON *scn = load_json(op->replay, search);
    if (scn == NULL)
        return FZ_USAGE;
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(scn, "seed");
    struct fz_run r = {.seed = cJSON_IsNumber(seed) ? (uint64_t)seed->valuedouble : 1};
    r.faults = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(scn, "faults"), true);
    const char *out = op->out ? op->out : "ipcsim-fuzz";
    char dir[SCN_PATH_MAX];
    struct fz_obs ref;
    int rc = FZ_HOST;
    snprintf(dir, sizeof(dir), "%s/replay-reference", out);
    int jr = reference(op, scn, r.seed, dir, &ref);
    if (jr != 0) {
        rc = jr == 130 ? FZ_INTERRUPTED : FZ_HOST;
        goto done;
    }
    snprintf(dir, sizeof(dir), "%s/replay", out);
    struct jobs_job job;
    if (prepare(op, scn, &r, dir, NULL, &job) < 0)
        goto done_ref;
    jr = run_one(op, &ref, &r, &job);
    if (jr == 130) {
        rc = FZ_INTERRUPTED;
        goto done_ref;
    }
    if (r.violated)
        printf("replay %s: %s\n", op->replay, r.why);
    else
        printf("replay %s: every invariant holds\n", op->replay);
    rc = r.violated ? FZ_FOUND : FZ_PASS;
done_ref:
    obs_free(&ref);
done:
    free(r.env);
    cJSON_Delete(r.faults);
    cJSON_Delete(scn);
    return rc;
}

int fuzz_main(int argc, char **argv, const struct scn_search *search, const char *self)
{
    struct fz_opts op = {.seed = 1,
                         .runs = 100,
                         .shard_i = 1,
                         .shard_n = 1,
                         .jobs = jobs_default_parallel(),
                         .max_faults = 3,
                         .host_timeout = "2000",
                         .self = self};
    for (size_t i = 0; i < sizeof(default_kinds) / sizeof(default_kinds[0]); i++)
        op.kinds[op.n_kinds++] = default_kinds[i];
    int p = parse(argc, argv, &op);
    if (p != 0)
        return p > 0 ? FZ_PASS : FZ_USAGE;
    if (op.replay)
        return replay(&op, search);
    cJSON *base = load_json(op.scenario, search);
    if (base == NULL)
        return FZ_USAGE;
    const char *out = op.out ? op.out : "ipcsim-fuzz";
    char dir[SCN_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/reference", out);
    struct fz_obs ref;
    int rc = FZ_HOST;
    int jr = reference(&op, base, op.seed, dir, &ref);
    if (jr != 0) {
        cJSON_Delete(base);
        return jr == 130 ? FZ_INTERRUPTED : FZ_HOST;
    }
    for (size_t k = 0; k < op.n_targets; k++) {
        bool found = false;
        size_t tl = strlen(op.targets[k]);
        for (size_t i = 0; i < ref.n && !found; i++)
            found =
                strcmp(ref.apps[i].name, op.targets[k]) == 0 ||
                (strncmp(ref.apps[i].name, op.targets[k], tl) == 0 && ref.apps[i].name[tl] == '[');
        if (!found) {
            fprintf(stderr, "ipcsim fuzz: --apps: no app named \"%s\" in %s\n", op.targets[k],
                    op.scenario);
            obs_free(&ref);
            cJSON_Delete(base);
            return FZ_USAGE;
        }
    }
    for (size_t k = 0; k < op.n_resume; k++)
        if (app_index(&ref, op.resume[k].app) < 0) {
            fprintf(stderr, "ipcsim fuzz: --resume: no app instance named \"%s\" in %s\n",
                    op.resume[k].app, op.scenario);
            obs_free(&ref);
            cJSON_Delete(base);
            return FZ_USAGE;
        }
    /* this shard's runs */
    size_t n = 0;
    for (uint64_t i = 0; i < op.runs; i++)
        n += i % op.shard_n == op.shard_i - 1;
    struct fz_run *runs = calloc(n ? n : 1, sizeof(*runs));
    struct jobs_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
    struct fz_campaign c = {.op = &op, .ref = &ref, .runs = runs, .n = n};
    if (runs == NULL || jobs == NULL)
        goto out;
    size_t k = 0;
    for (uint64_t i = 0; i < op.runs; i++) {
        if (i % op.shard_n != op.shard_i - 1)
            continue;
        struct fz_run *r = &runs[k];
        r->index = i;
        /* the schedule is drawn from the run's own seed; the scenario
         * keeps the reference's seed, so that the rng driver and the
         * injection rates draw what they drew in the reference */
        r->draw = mix(op.seed ^ mix(i + 1));
        r->seed = op.seed;
        r->faults = draw_schedule(&op, &ref, r->draw);
        char rdir[SCN_PATH_MAX];
        snprintf(rdir, sizeof(rdir), "%s/runs/%06" PRIu64, out, i);
        if (prepare(&op, base, r, rdir, NULL, &jobs[k]) < 0)
            goto out;
        k++;
    }
    struct jobs_status st;
    jr = jobs_run(jobs, n, op.jobs, run_done, &c, &st);
    if (!op.quiet)
        jobs_progress(&st, "runs", c.found, "failing", true);
    if (jr == 130) {
        fprintf(stderr, "ipcsim fuzz: interrupted after %zu of %zu runs\n", st.done, n);
        rc = FZ_INTERRUPTED;
        goto out;
    }
    if (jr < 0)
        goto out;
    size_t invalid = 0;
    for (size_t i = 0; i < n; i++)
        if (runs[i].invalid) {
            invalid++;
            fprintf(stderr, "ipcsim fuzz: run %" PRIu64 ": %s\n", runs[i].index, runs[i].why);
        }
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        struct fz_run *r = &runs[i];
        if (!r->violated)
            continue;
        printf("run %" PRIu64 " (campaign seed %" PRIu64 ", schedule seed %" PRIu64
               ", %d fault%s): %s\n",
               r->index, op.seed, r->draw, cJSON_GetArraySize(r->faults),
               cJSON_GetArraySize(r->faults) == 1 ? "" : "s", r->why);
        if (shown++ >= 3)
            continue; /* shrink the first few; the others are listed */
        char sdir[SCN_PATH_MAX];
        snprintf(sdir, sizeof(sdir), "%s/shrink", out);
        int s = shrink(&op, base, &ref, r, sdir);
        results_remove_tree(sdir);
        if (s == 130) {
            rc = FZ_INTERRUPTED;
            goto out;
        }
        char name[96], desc[FZ_VIOLATION_MAX + 256], err[512];
        snprintf(name, sizeof(name), "failure-%" PRIu64 "-%" PRIu64 ".json", op.seed, r->index);
        snprintf(desc, sizeof(desc),
                 "Found by ipcsim fuzz (campaign seed %" PRIu64 ", run %" PRIu64
                 "), shrunk to %d fault%s: %s. Replay: ipcsim fuzz --replay THIS_FILE",
                 op.seed, r->index, cJSON_GetArraySize(r->faults),
                 cJSON_GetArraySize(r->faults) == 1 ? "" : "s", r->why);
        char *text = with_faults(base, r->faults, r->seed, desc);
        if (text == NULL || results_write_file(out, name, text, err, sizeof(err)) < 0) {
            fprintf(stderr, "ipcsim fuzz: %s\n", text ? err : "out of memory");
            free(text);
            goto out;
        }
        free(text);
        printf("  shrunk to %d fault%s: %s\n  wrote %s/%s (ipcsim fuzz --replay %s/%s",
               cJSON_GetArraySize(r->faults), cJSON_GetArraySize(r->faults) == 1 ? "" : "s", r->why,
               out, name, out, name);
        for (size_t q = 0; q < op.n_resume; q++)
            printf(" --resume %s=%g", op.resume[q].app, op.resume[q].ms);
        printf(")\n");
    }
    printf("fuzz: %zu runs (shard %u/%u of %" PRIu64 ", seed %" PRIu64 "), %zu broke an "
           "invariant\n",
           n, op.shard_i, op.shard_n, op.runs, op.seed, c.found);
    rc = invalid ? FZ_HOST : c.found ? FZ_FOUND : FZ_PASS;
out:
    for (size_t i = 0; runs && i < n; i++) {
        cJSON_Delete(runs[i].faults);
        free(runs[i].env);
    }
    free(runs);
    free(jobs);
    obs_free(&ref);
    cJSON_Delete(base);
    return rc;
}
