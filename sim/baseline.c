/* baseline.c: stored run figures and their comparison (baseline.h,
 * docs/ci.md).
 *
 * A baseline is the run's figures flattened to dotted keys
 * ("apps.client.operations.by_kind.call.latency.ns.p99"), with the run's
 * identity (scenario, platform, IPC mechanism, seed) and per-key
 * tolerances. Only virtual-time figures are kept: they are a function of
 * scenario, seed and binaries, so the default tolerance is exact.
 */
#include "baseline.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "results.h"

#define BL_KEY_MAX 256

/* ---- Flattening a results document ---- */

static void flatten(cJSON *into, const char *prefix, const cJSON *v)
{
    char key[BL_KEY_MAX];
    if (cJSON_IsObject(v)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
        {
            snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "", c->string);
            flatten(into, key, c);
        }
    } else if (cJSON_IsNumber(v)) {
        cJSON_AddNumberToObject(into, prefix, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        cJSON_AddStringToObject(into, prefix, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        cJSON_AddBoolToObject(into, prefix, cJSON_IsTrue(v));
    }
    /* arrays and nulls carry no figure worth a baseline */
}

/* The figures of a results document: how the run ended, the run's metrics,
 * and per app (by name) its outcome, counters and operations. Not kept:
 * "host" (never deterministic), consoles, memory layouts, expectations. */
static cJSON *figures(const cJSON *results)
{
    cJSON *m = cJSON_CreateObject();
    flatten(m, "end", cJSON_GetObjectItemCaseSensitive(results, "end"));
    flatten(m, "metrics", cJSON_GetObjectItemCaseSensitive(results, "metrics"));
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(results, "apps"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (!cJSON_IsString(name))
            continue;
        static const char *const keys[] = {"state",       "completion_code", "restart_count",
                                           "fault_count", "counters",        "operations"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            char prefix[BL_KEY_MAX];
            snprintf(prefix, sizeof(prefix), "apps.%s.%s", name->valuestring, keys[i]);
            flatten(m, prefix, cJSON_GetObjectItemCaseSensitive(a, keys[i]));
        }
    }
    return m;
}

static cJSON *identity(const struct baseline_run *run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "scenario", run->scenario);
    cJSON_AddStringToObject(o, "platform", run->platform);
    cJSON_AddStringToObject(o, "ipc", run->ipc);
    cJSON_AddNumberToObject(o, "seed", (double)run->seed);
    return o;
}

/* ---- Loading and checking a baseline file ---- */

static int load(const char *file, cJSON **out, char *err, size_t errlen)
{
    char *text = results_read_file(file, NULL);
    if (text == NULL) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    const char *where = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &where, true);
    long at = j ? 0 : (long)(where ? where - text : 0);
    free(text);
    if (j == NULL) {
        snprintf(err, errlen, "%s: not valid JSON near byte %ld", file, at);
        return -1;
    }
    static const char *const known[] = {"schema", "description", "run", "tolerances", "metrics"};
    const cJSON *c;
    cJSON_ArrayForEach(c, j)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(c->string, known[i]) == 0;
        if (!ok) {
            snprintf(err, errlen,
                     "%s: $.%s: unknown key (expected schema, description, run, tolerances or "
                     "metrics)",
                     file, c->string);
            cJSON_Delete(j);
            return -1;
        }
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, BASELINE_SCHEMA) != 0) {
        snprintf(err, errlen, "%s: $.schema: expected \"%s\"", file, BASELINE_SCHEMA);
        cJSON_Delete(j);
        return -1;
    }
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "metrics")) ||
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "run"))) {
        snprintf(err, errlen, "%s: $.run and $.metrics: expected objects", file);
        cJSON_Delete(j);
        return -1;
    }
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(j, "tolerances");
    if (tol && !cJSON_IsObject(tol)) {
        snprintf(err, errlen, "%s: $.tolerances: expected an object of pattern: tolerance", file);
        cJSON_Delete(j);
        return -1;
    }
    cJSON_ArrayForEach(c, tol)
    {
        const cJSON *rel = cJSON_GetObjectItemCaseSensitive(c, "rel");
        const cJSON *abs = cJSON_GetObjectItemCaseSensitive(c, "abs");
        size_t n = (size_t)cJSON_GetArraySize(c);
        bool ok = cJSON_IsObject(c) && (rel || abs) && n == (size_t)(rel != NULL) + (abs != NULL) &&
                  (!rel || (cJSON_IsNumber(rel) && rel->valuedouble >= 0)) &&
                  (!abs || (cJSON_IsNumber(abs) && abs->valuedouble >= 0));
        if (!ok) {
            snprintf(err, errlen,
                     "%s: $.tolerances[\"%s\"]: expected {\"rel\": fraction} and/or {\"abs\": "
                     "amount}, non-negative",
                     file, c->string);
            cJSON_Delete(j);
            return -1;
        }
    }
    *out = j;
    return 0;
}

/* The tolerance for key: the longest matching pattern's; exact if none. */
static void tolerance_for(const cJSON *tol, const char *key, double *rel, double *abs,
                          const char **pattern)
{
    *rel = 0;
    *abs = 0;
    *pattern = NULL;
    size_t best = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, tol)
    {
        size_t len = strlen(c->string);
        if (fnmatch(c->string, key, 0) == 0 && (*pattern == NULL || len > best)) {
            best = len;
            *pattern = c->string;
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "rel");
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "abs");
            *rel = r ? r->valuedouble : 0;
            *abs = a ? a->valuedouble : 0;
        }
    }
}

static void show(char *buf, size_t len, const cJSON *v)
{
    if (v == NULL)
        snprintf(buf, len, "(none)");
    else if (cJSON_IsString(v))
        snprintf(buf, len, "\"%s\"", v->valuestring);
    else if (cJSON_IsBool(v))
        snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else
        snprintf(buf, len, "%.17g", v->valuedouble);
}

int baseline_check(const char *file, const char *results_text, const struct baseline_run *run,
                   FILE *report, char *err, size_t errlen)
{
    cJSON *b = NULL;
    if (load(file, &b, err, errlen) < 0)
        return -1;
    cJSON *want = identity(run);
    const cJSON *have = cJSON_GetObjectItemCaseSensitive(b, "run");
    const cJSON *k;
    cJSON_ArrayForEach(k, want)
    {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, k->string);
        if (!cJSON_Compare(h, k, true)) {
            char hv[128], wv[128];
            show(hv, sizeof(hv), h);
            show(wv, sizeof(wv), k);
            snprintf(err, errlen,
                     "%s: $.run.%s: the baseline was recorded with %s, this run has %s", file,
                     k->string, hv, wv);
            cJSON_Delete(want);
            cJSON_Delete(b);
            return -1;
        }
    }
    cJSON_Delete(want);
    cJSON *results = cJSON_Parse(results_text);
    cJSON *now = results ? figures(results) : NULL;
    cJSON_Delete(results);
    if (now == NULL) {
        snprintf(err, errlen, "the run's results could not be read");
        cJSON_Delete(b);
        return -1;
    }
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(b, "metrics");
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(b, "tolerances");
    size_t checked = 0, differ = 0, added = 0;
    char line[1024];
    struct {
        char *v;
        size_t len, cap;
    } out = {0};
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(line, sizeof(line), __VA_ARGS__);                                        \
        size_t need_ = out.len + (size_t)(n_ > 0 ? n_ : 0) + 1;                                    \
        if (need_ > out.cap) {                                                                     \
            size_t cap_ = out.cap ? out.cap * 2 : 4096;                                            \
            while (cap_ < need_)                                                                   \
                cap_ *= 2;                                                                         \
            char *nv_ = realloc(out.v, cap_);                                                      \
            if (nv_ == NULL)                                                                       \
                break;                                                                             \
            out.v = nv_;                                                                           \
            out.cap = cap_;                                                                        \
        }                                                                                          \
        memcpy(out.v + out.len, line, strlen(line) + 1);                                           \
        out.len += strlen(line);                                                                   \
    } while (0)
    const cJSON *bv;
    cJSON_ArrayForEach(bv, base)
    {
        checked++;
        const cJSON *nv = cJSON_GetObjectItemCaseSensitive(now, bv->string);
        double rel, abs;
        const char *pat;
        tolerance_for(tol, bv->string, &rel, &abs, &pat);
        char allowed[200];
        if (pat && rel && abs)
            snprintf(allowed, sizeof(allowed), "allowed +-%g%% or +-%g (\"%s\")", rel * 100, abs,
                     pat);
        else if (pat && rel)
            snprintf(allowed, sizeof(allowed), "allowed +-%g%% (\"%s\")", rel * 100, pat);
        else if (pat)
            snprintf(allowed, sizeof(allowed), "allowed +-%g (\"%s\")", abs, pat);
        else
            snprintf(allowed, sizeof(allowed), "exact");
        if (nv == NULL) {
            OUT("  %s: %s in the baseline, missing now\n", bv->string,
                cJSON_IsString(bv) ? bv->valuestring : "a figure");
            differ++;
            continue;
        }
        if (cJSON_IsNumber(bv) && cJSON_IsNumber(nv)) {
            double d = nv->valuedouble - bv->valuedouble;
            double lim = fmax(abs, rel * fabs(bv->valuedouble));
            if (fabs(d) <= lim)
                continue;
            char pct[48] = "";
            if (bv->valuedouble != 0)
                snprintf(pct, sizeof(pct), " (%+.2f%%)", 100.0 * d / fabs(bv->valuedouble));
            OUT("  %s: %.17g -> %.17g%s, %s\n", bv->string, bv->valuedouble, nv->valuedouble, pct,
                allowed);
            differ++;
        } else if (!cJSON_Compare(bv, nv, true)) {
            char a[256], c[256];
            show(a, sizeof(a), bv);
            show(c, sizeof(c), nv);
            OUT("  %s: %s -> %s\n", bv->string, a, c);
            differ++;
        }
    }
    const cJSON *n;
    cJSON_ArrayForEach(n, now)
    {
        if (cJSON_GetObjectItemCaseSensitive(base, n->string) == NULL)
            added++;
    }
#undef OUT
    if (differ)
        fprintf(report, "baseline %s: %zu of %zu figures differ:\n%s", file, differ, checked,
                out.v ? out.v : "");
    else
        fprintf(report, "baseline %s: %zu figures as recorded", file, checked);
    if (added)
        fprintf(report,
                "%s(%zu figures of this run are not in the baseline; --record-baseline "
                "adds them)\n",
                differ ? "  " : " ", added);
    else if (!differ)
        fprintf(report, "\n");
    free(out.v);
    cJSON_Delete(now);
    cJSON_Delete(b);
    return differ ? 1 : 0;
}

int baseline_record(const char *file, const char *results_text, const struct baseline_run *run,
                    char *err, size_t errlen)
{
    cJSON *old = NULL;
    if (access(file, F_OK) == 0 && load(file, &old, err, errlen) < 0)
        return -1;
    cJSON *results = cJSON_Parse(results_text);
    cJSON *now = results ? figures(results) : NULL;
    cJSON_Delete(results);
    if (now == NULL) {
        snprintf(err, errlen, "the run's results could not be read");
        cJSON_Delete(old);
        return -1;
    }
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "schema", BASELINE_SCHEMA);
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(old, "description");
    if (cJSON_IsString(desc))
        cJSON_AddStringToObject(b, "description", desc->valuestring);
    cJSON_AddItemToObject(b, "run", identity(run));
    /* an update keeps the tolerances someone chose */
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(old, "tolerances");
    cJSON_AddItemToObject(b, "tolerances", tol ? cJSON_Duplicate(tol, true) : cJSON_CreateObject());
    cJSON_AddItemToObject(b, "metrics", now);
    char *text = cJSON_Print(b);
    cJSON_Delete(b);
    cJSON_Delete(old);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *dir = strdup(file), *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : file;
    if (slash)
        *slash = '\0';
    int rc = results_write_file(slash ? dir : ".", name, text, err, errlen);
    free(dir);
    free(text);
    return rc;
}
