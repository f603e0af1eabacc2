/* compare.c: `ipcsim compare` (compare.h, docs/ipc-comparison.md).
 *
 * The matrix comes from flags or a matrix file. Every cell is the
 * workload's scenario with its platform, IPC mechanism, the client app's
 * payload argument and its number of instances replaced, written to
 * OUT/cells/ID/scenario.json and run by a child `ipcsim run` (so a cell is
 * exactly what a user can re-run by hand); at most -j children run at once.
 * The cells' results.json are then read back, in matrix order, whatever
 * order they finished in, so the outputs are deterministic.
 */
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ipcsim_proto.h"
#include "jobs.h"
#include "results.h"

#define CMP_AXIS_MAX 32
#define CMP_CELLS_MAX 4096
#define CMP_PAYLOAD_MAX (1u << 20)
#define CMP_CLIENTS_MAX 64
#define CMP_NOTE_MAX 240

enum { CMP_PASS = 0, CMP_FAILED = 1, CMP_USAGE = 2, CMP_HOST = 3, CMP_INTERRUPTED = 130 };
#define CMP_HOST_SPAWN 1000 /* a cell's "exit status" when it could not be started */

struct cmp_strs {
    char *v[CMP_AXIS_MAX];
    size_t n;
};

struct cmp_nums {
    uint32_t v[CMP_AXIS_MAX];
    size_t n;
};

struct cmp_spec {
    char *scenario;     /* the workload (owned) */
    const char *matrix; /* the matrix file, or NULL */
    /* which values came from the matrix file (else from flags/defaults) */
    bool file_mechs, file_plats, file_payloads, file_clients, file_client_app, file_payload_arg,
        file_op;
    struct cmp_strs mechs, plats;
    struct cmp_nums payloads, clients;
    char *client_app;
    int payload_arg; /* -1: none given */
    char *op;
    uint64_t seed;
    unsigned jobs;
    char *out;
    bool allow_fail, quiet;
};

/* What one cell's results.json says (virtual time only). */
struct cmp_figures {
    bool have;
    char end_reason[32];
    uint64_t exp_failed;
    uint64_t ok, failed;
    uint64_t lat_ns[5]; /* min, p50, p90, p99, max of the operation */
    uint64_t p50_cycles;
    double throughput, active_throughput, syscalls_per_op;
    uint64_t bytes_copied, mpu_reprograms, regions_peak, context_switches, virtual_ns;
    double jain; /* < 0: no figure */
    double host_s_per_op;
};

enum cmp_status { CELL_PENDING, CELL_PASS, CELL_FAIL, CELL_INVALID, CELL_ERROR };

struct cmp_cell {
    const char *plat, *mech;   /* NULL: the scenario's own */
    uint32_t payload, clients; /* 0: the scenario's own */
    char id[160];
    char dir[SCN_PATH_MAX];
    char path[SCN_PATH_MAX + 32], console[SCN_PATH_MAX + 32], seed[24];
    char *argv[16];
    int64_t exit_status;
    int term_signal;
    enum cmp_status status;
    char note[CMP_NOTE_MAX];
    struct cmp_figures f;
};

struct cmp_run {
    const struct cmp_spec *sp;
    const char *self;
    struct cmp_cell *cells;
    size_t n;
    char base_label_plat[SCN_NAME_MAX], base_label_mech[32];
};

/* ---- The matrix: flags and matrix file ---- */

static int split_strs(const char *what, const char *list, struct cmp_strs *out)
{
    out->n = 0;
    char *dup = strdup(list), *save = NULL;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (out->n == CMP_AXIS_MAX) {
            fprintf(stderr, "ipcsim compare: %s: expected at most %d values\n", what, CMP_AXIS_MAX);
            free(dup);
            return -1;
        }
        out->v[out->n++] = strdup(t);
    }
    free(dup);
    if (out->n == 0) {
        fprintf(stderr, "ipcsim compare: %s: expected a comma-separated list, got \"%s\"\n", what,
                list);
        return -1;
    }
    return 0;
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end != '\0' || errno || x < lo || x > hi)
        return false;
    *v = (uint32_t)x;
    return true;
}

static int split_nums(const char *what, const char *list, uint32_t lo, uint32_t hi,
                      struct cmp_nums *out)
{
    struct cmp_strs s;
    if (split_strs(what, list, &s) < 0)
        return -1;
    int rc = 0;
    out->n = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (rc == 0 && !parse_u32(s.v[i], lo, hi, &out->v[out->n++])) {
            fprintf(stderr, "ipcsim compare: %s: expected integers %u..%u, got \"%s\"\n", what, lo,
                    hi, s.v[i]);
            rc = -1;
        }
        free(s.v[i]);
    }
    return rc;
}

static void free_strs(struct cmp_strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

static char *read_text(const char *path, char *err, size_t errlen)
{
    char *text = results_read_file(path, NULL);
    if (text == NULL)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return text;
}

/* An error in the matrix file at JSON path `jp`. */
static int mx_fail(const char *file, const char *jp, const char *fmt, const char *got)
{
    fprintf(stderr, "%s: %s: ", file, jp);
    fprintf(stderr, fmt, got);
    fprintf(stderr, "\n");
    return -1;
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsBool(v))
        return "a boolean";
    return "null";
}

static int mx_strs(const char *file, const char *key, const cJSON *v, struct cmp_strs *out)
{
    char jp[64];
    snprintf(jp, sizeof(jp), "$.%s", key);
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > CMP_AXIS_MAX)
        return mx_fail(file, jp, "expected an array of 1..32 names, got %s", json_kind(v));
    out->n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        snprintf(jp, sizeof(jp), "$.%s[%zu]", key, out->n);
        if (!cJSON_IsString(e) || e->valuestring[0] == '\0' || strchr(e->valuestring, ','))
            return mx_fail(file, jp, "expected a name, got %s", json_kind(e));
        out->v[out->n++] = strdup(e->valuestring);
    }
    return 0;
}

static int mx_nums(const char *file, const char *key, const cJSON *v, uint32_t lo, uint32_t hi,
                   struct cmp_nums *out)
{
    char jp[64], got[32];
    snprintf(jp, sizeof(jp), "$.%s", key);
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > CMP_AXIS_MAX)
        return mx_fail(file, jp, "expected an array of 1..32 integers, got %s", json_kind(v));
    out->n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        snprintf(jp, sizeof(jp), "$.%s[%zu]", key, out->n);
        double d = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (!cJSON_IsNumber(e) || d != floor(d) || d < lo || d > hi) {
            if (cJSON_IsNumber(e))
                snprintf(got, sizeof(got), "%g", d);
            fprintf(stderr, "%s: %s: expected an integer %u..%u, got %s\n", file, jp, lo, hi,
                    cJSON_IsNumber(e) ? got : json_kind(e));
            return -1;
        }
        out->v[out->n++] = (uint32_t)d;
    }
    return 0;
}

/* Reads a matrix file into sp; values already set by flags win. Paths in
 * it are relative to its directory. */
static int load_matrix(const char *file, struct cmp_spec *sp, bool flag_mechs, bool flag_plats,
                       bool flag_payloads, bool flag_clients)
{
    char err[512];
    char *text = read_text(file, err, sizeof(err));
    if (text == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    const char *where = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &where, true);
    if (root == NULL) {
        fprintf(stderr, "%s: not valid JSON near byte %ld\n", file,
                where ? (long)(where - text) : 0L);
        free(text);
        return -1;
    }
    free(text);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = mx_fail(file, "$", "expected an object, got %s", json_kind(root));
        goto out;
    }
    static const char *const known[] = {"description", "scenario", "mechanisms", "platforms",
                                        "payloads",    "clients",  "client_app", "payload_arg",
                                        "operation",   "seed"};
    const cJSON *m;
    cJSON_ArrayForEach(m, root)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(m->string, known[i]) == 0;
        if (!ok) {
            char jp[160];
            snprintf(jp, sizeof(jp), "$.%s", m->string);
            rc = mx_fail(file, jp,
                         "unknown key%s (expected description, scenario, mechanisms, platforms, "
                         "payloads, clients, client_app, payload_arg, operation or seed)",
                         "");
            goto out;
        }
    }
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "description")) && !cJSON_IsString(v)) {
        rc = mx_fail(file, "$.description", "expected a string, got %s", json_kind(v));
        goto out;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "scenario"))) {
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
            rc = mx_fail(file, "$.scenario", "expected a scenario file path, got %s", json_kind(v));
            goto out;
        }
        if (sp->scenario == NULL) {
            if (v->valuestring[0] == '/') {
                sp->scenario = strdup(v->valuestring);
            } else {
                char *d = strdup(file), *slash = strrchr(d, '/');
                if (slash)
                    *slash = '\0';
                size_t len = strlen(d) + strlen(v->valuestring) + 2;
                sp->scenario = malloc(len);
                if (slash)
                    snprintf(sp->scenario, len, "%s/%s", d, v->valuestring);
                else
                    snprintf(sp->scenario, len, "%s", v->valuestring);
                free(d);
            }
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "mechanisms")) && !flag_mechs) {
        if ((rc = mx_strs(file, "mechanisms", v, &sp->mechs)) < 0)
            goto out;
        sp->file_mechs = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "platforms")) && !flag_plats) {
        if ((rc = mx_strs(file, "platforms", v, &sp->plats)) < 0)
            goto out;
        sp->file_plats = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "payloads")) && !flag_payloads) {
        if ((rc = mx_nums(file, "payloads", v, 1, CMP_PAYLOAD_MAX, &sp->payloads)) < 0)
            goto out;
        sp->file_payloads = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "clients")) && !flag_clients) {
        if ((rc = mx_nums(file, "clients", v, 1, CMP_CLIENTS_MAX, &sp->clients)) < 0)
            goto out;
        sp->file_clients = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "client_app"))) {
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
            rc = mx_fail(file, "$.client_app", "expected an app name, got %s", json_kind(v));
            goto out;
        }
        if (sp->client_app == NULL) {
            sp->client_app = strdup(v->valuestring);
            sp->file_client_app = true;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "payload_arg"))) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble > 63) {
            rc = mx_fail(file, "$.payload_arg", "expected an argument index 0..63, got %s",
                         json_kind(v));
            goto out;
        }
        if (sp->payload_arg < 0) {
            sp->payload_arg = (int)v->valuedouble;
            sp->file_payload_arg = true;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "operation"))) {
        if (!cJSON_IsString(v)) {
            rc = mx_fail(file, "$.operation", "expected an operation kind, got %s", json_kind(v));
            goto out;
        }
        if (sp->op == NULL) {
            sp->op = strdup(v->valuestring);
            sp->file_op = true;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "seed"))) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble > 9007199254740992.0) {
            rc = mx_fail(file, "$.seed", "expected a non-negative integer, got %s", json_kind(v));
            goto out;
        }
        sp->seed = (uint64_t)v->valuedouble;
    }
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- Checking the matrix against the workload ---- */

/* Starts an error about a matrix value: "FILE: $.key[i]: " when it came
 * from the matrix file, "ipcsim compare: --flag: " when from a flag. */
static void value_error(const struct cmp_spec *sp, bool from_file, const char *key, long index,
                        const char *flag)
{
    if (from_file && index >= 0)
        fprintf(stderr, "%s: $.%s[%ld]: ", sp->matrix, key, index);
    else if (from_file)
        fprintf(stderr, "%s: $.%s: ", sp->matrix, key);
    else
        fprintf(stderr, "ipcsim compare: %s: ", flag);
}

static cJSON *find_app(cJSON *scn, const char *name, int *index)
{
    cJSON *apps = cJSON_GetObjectItemCaseSensitive(scn, "apps"), *a;
    int i = 0;
    cJSON_ArrayForEach(a, apps)
    {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            if (index)
                *index = i;
            return a;
        }
        i++;
    }
    return NULL;
}

/* Everything that can be wrong with the matrix is found here, before any
 * cell runs: the workload must load, every mechanism and platform must
 * exist, the client app and its payload argument must be there. */
static int check_matrix(const struct cmp_spec *sp, const struct scn_search *search, cJSON **base,
                        struct cmp_run *r)
{
    char err[1024];
    struct scn_scenario *s = calloc(1, sizeof(*s));
    if (s == NULL || scn_load(sp->scenario, search, s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", s ? err : "out of memory");
        free(s);
        return -1;
    }
    snprintf(r->base_label_plat, sizeof(r->base_label_plat), "%s", s->platform.name);
    int rc = 0;
    for (size_t i = 0; i < sp->mechs.n && rc == 0; i++)
        if (scn_set_ipc_mechanism(s, sp->mechs.v[i], err, sizeof(err)) < 0) {
            value_error(sp, sp->file_mechs, "mechanisms", (long)i, "--ipc");
            fprintf(stderr, "%s\n", err);
            rc = -1;
        }
    scn_free(s);
    free(s);
    for (size_t i = 0; i < sp->plats.n && rc == 0; i++) {
        struct scn_platform p;
        if (scn_load_platform(sp->plats.v[i], search, &p, err, sizeof(err)) < 0) {
            value_error(sp, sp->file_plats, "platforms", (long)i, "--platform");
            fprintf(stderr, "%s\n", err);
            rc = -1;
        }
    }
    if (rc < 0)
        return -1;
    bool op_ok = false;
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++)
        op_ok = op_ok || strcmp(sp->op, ipcsim_op_kind_name(k)) == 0;
    if (!op_ok) {
        value_error(sp, sp->file_op, "operation", -1, "--operation");
        fprintf(stderr, "expected one of");
        for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++)
            fprintf(stderr, " %s", ipcsim_op_kind_name(k));
        fprintf(stderr, ", got \"%s\"\n", sp->op);
        return -1;
    }
    char *text = read_text(sp->scenario, err, sizeof(err));
    if (text == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *base = cJSON_Parse(text);
    free(text);
    if (*base == NULL) {
        fprintf(stderr, "%s: not valid JSON\n", sp->scenario);
        return -1;
    }
    const cJSON *ipc = cJSON_GetObjectItemCaseSensitive(*base, "ipc");
    const cJSON *mech = cJSON_GetObjectItemCaseSensitive(ipc, "mechanism");
    snprintf(r->base_label_mech, sizeof(r->base_label_mech), "%s",
             cJSON_IsString(mech) ? mech->valuestring : "none");
    if (sp->payloads.n == 0 && sp->clients.n == 0)
        return 0;
    int ai = 0;
    const cJSON *app = find_app(*base, sp->client_app, &ai);
    if (app == NULL) {
        value_error(sp, sp->file_client_app, "client_app", -1, "--client");
        fprintf(stderr,
                "expected the name of an app of %s (the client app whose payload and instances "
                "the matrix varies), got \"%s\"\n",
                sp->scenario, sp->client_app);
        return -1;
    }
    if (sp->payloads.n > 0) {
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(app, "args");
        if (sp->payload_arg < 0) {
            value_error(sp, sp->file_payloads, "payloads", -1, "--payload");
            fprintf(stderr,
                    "expected also which argument of \"%s\" is the payload size "
                    "(\"payload_arg\" or --payload-arg N)\n",
                    sp->client_app);
            return -1;
        }
        if (cJSON_GetArraySize(args) <= sp->payload_arg) {
            value_error(sp, sp->file_payload_arg, "payload_arg", -1, "--payload-arg");
            fprintf(stderr,
                    "expected the index of an argument of app \"%s\" ($.apps[%d].args of %s "
                    "has %d), got %d\n",
                    sp->client_app, ai, sp->scenario, cJSON_GetArraySize(args), sp->payload_arg);
            return -1;
        }
    }
    return 0;
}

/* ---- Cells ---- */

static void id_part(char *id, size_t cap, const char *s)
{
    size_t len = strlen(id);
    for (; *s && len + 1 < cap; s++)
        id[len++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                            (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'
                        ? *s
                        : '_';
    id[len] = '\0';
}

static int make_cells(struct cmp_run *r)
{
    const struct cmp_spec *sp = r->sp;
    size_t np = sp->plats.n ? sp->plats.n : 1, nm = sp->mechs.n ? sp->mechs.n : 1;
    size_t nl = sp->payloads.n ? sp->payloads.n : 1, nc = sp->clients.n ? sp->clients.n : 1;
    size_t n = np * nm * nl * nc;
    if (n > CMP_CELLS_MAX) {
        fprintf(stderr, "ipcsim compare: %zu cells; expected at most %d\n", n, CMP_CELLS_MAX);
        return -1;
    }
    r->cells = calloc(n, sizeof(*r->cells));
    if (r->cells == NULL)
        return -1;
    r->n = n;
    size_t k = 0;
    for (size_t p = 0; p < np; p++)
        for (size_t m = 0; m < nm; m++)
            for (size_t l = 0; l < nl; l++)
                for (size_t c = 0; c < nc; c++) {
                    struct cmp_cell *cell = &r->cells[k++];
                    cell->plat = sp->plats.n ? sp->plats.v[p] : NULL;
                    cell->mech = sp->mechs.n ? sp->mechs.v[m] : NULL;
                    cell->payload = sp->payloads.n ? sp->payloads.v[l] : 0;
                    cell->clients = sp->clients.n ? sp->clients.v[c] : 0;
                    id_part(cell->id, sizeof(cell->id),
                            cell->plat ? cell->plat : r->base_label_plat);
                    id_part(cell->id, sizeof(cell->id), "-");
                    id_part(cell->id, sizeof(cell->id),
                            cell->mech ? cell->mech : r->base_label_mech);
                    char num[32];
                    if (cell->payload) {
                        snprintf(num, sizeof(num), "-p%u", cell->payload);
                        id_part(cell->id, sizeof(cell->id), num);
                    }
                    if (cell->clients) {
                        snprintf(num, sizeof(num), "-c%u", cell->clients);
                        id_part(cell->id, sizeof(cell->id), num);
                    }
                    snprintf(cell->dir, sizeof(cell->dir), "%s/cells/%s", sp->out, cell->id);
                }
    return 0;
}

static bool is_instance_key(const char *key, const char *app)
{
    size_t n = strlen(app);
    return strncmp(key, app, n) == 0 && (key[n] == '\0' || key[n] == '[');
}

/* The cell's scenario: the workload with the client app's payload argument
 * and instances replaced. The client's expectations (under its name, or
 * the first instance's) are applied to every instance; programs given as
 * relative paths are made absolute, since the file moves. */
static char *cell_scenario(const cJSON *base, const struct cmp_spec *sp,
                           const struct cmp_cell *cell)
{
    cJSON *s = cJSON_Duplicate(base, true);
    char *dir = realpath(sp->scenario, NULL);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = '\0';
    cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(s, "apps"))
    {
        cJSON *prog = cJSON_GetObjectItemCaseSensitive(a, "program");
        if (dir && cJSON_IsString(prog) && strchr(prog->valuestring, '/') &&
            prog->valuestring[0] != '/') {
            size_t len = strlen(dir) + strlen(prog->valuestring) + 2;
            char *abs = malloc(len);
            snprintf(abs, len, "%s/%s", dir, prog->valuestring);
            cJSON_ReplaceItemInObjectCaseSensitive(a, "program", cJSON_CreateString(abs));
            free(abs);
        }
    }
    free(dir);
    cJSON *app = find_app(s, sp->client_app, NULL);
    if (app && cell->payload) {
        char num[16];
        snprintf(num, sizeof(num), "%u", cell->payload);
        cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(app, "args"), sp->payload_arg,
                                 cJSON_CreateString(num));
    }
    if (app && cell->clients) {
        cJSON_DeleteItemFromObjectCaseSensitive(app, "instances");
        if (cell->clients > 1)
            cJSON_AddNumberToObject(app, "instances", cell->clients);
        cJSON *ea =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s, "expect"), "apps");
        if (ea) {
            char key[SCN_NAME_MAX + 16];
            cJSON *tmpl = cJSON_GetObjectItemCaseSensitive(ea, sp->client_app);
            if (tmpl == NULL) {
                snprintf(key, sizeof(key), "%s[0]", sp->client_app);
                tmpl = cJSON_GetObjectItemCaseSensitive(ea, key);
            }
            tmpl = tmpl ? cJSON_Duplicate(tmpl, true) : NULL;
            for (cJSON *e = ea->child, *nx; e; e = nx) {
                nx = e->next;
                if (is_instance_key(e->string, sp->client_app))
                    cJSON_Delete(cJSON_DetachItemViaPointer(ea, e));
            }
            for (uint32_t i = 0; tmpl && i < cell->clients; i++) {
                if (cell->clients > 1)
                    snprintf(key, sizeof(key), "%s[%u]", sp->client_app, i);
                else
                    snprintf(key, sizeof(key), "%s", sp->client_app);
                cJSON_AddItemToObject(ea, key, cJSON_Duplicate(tmpl, true));
            }
            cJSON_Delete(tmpl);
        }
    }
    char *text = cJSON_Print(s);
    cJSON_Delete(s);
    return text;
}

/* ---- Running ---- */

/* Writes the cell's scenario and clears what a previous run left in its
 * directory (a stale results.json must not pass for this run's); fills
 * the job that runs it. */
static int prepare_cell(struct cmp_run *r, struct cmp_cell *cell, const cJSON *base,
                        struct jobs_job *job)
{
    char err[512];
    char *text = cell_scenario(base, r->sp, cell);
    if (text == NULL ||
        results_write_file(cell->dir, "scenario.json", text, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim compare: %s\n", text ? err : "out of memory");
        free(text);
        return -1;
    }
    free(text);
    snprintf(cell->path, sizeof(cell->path), "%s/scenario.json", cell->dir);
    snprintf(cell->console, sizeof(cell->console), "%s/console.txt", cell->dir);
    snprintf(cell->seed, sizeof(cell->seed), "%llu", (unsigned long long)r->sp->seed);
    char res[SCN_PATH_MAX + 32];
    snprintf(res, sizeof(res), "%s/results.json", cell->dir);
    unlink(res);
    size_t n = 0;
    cell->argv[n++] = (char *)r->self;
    cell->argv[n++] = "run";
    cell->argv[n++] = cell->path;
    cell->argv[n++] = "--out";
    cell->argv[n++] = cell->dir;
    cell->argv[n++] = "--seed";
    cell->argv[n++] = cell->seed;
    if (cell->plat) {
        cell->argv[n++] = "--platform";
        cell->argv[n++] = (char *)cell->plat;
    }
    if (cell->mech) {
        cell->argv[n++] = "--ipc";
        cell->argv[n++] = (char *)cell->mech;
    }
    cell->argv[n] = NULL;
    *job = (struct jobs_job){.argv = cell->argv, .log = cell->console};
    return 0;
}

static bool cell_done(struct jobs_job *job, size_t index, const struct jobs_status *st, void *ctx)
{
    const struct cmp_run *r = ctx;
    (void)job;
    (void)index;
    if (!r->sp->quiet)
        jobs_progress(st, "cells", st->failed, "not passing", false);
    return false;
}

/* ---- Reading a cell's results ---- */

static const cJSON *jget(const cJSON *o, const char *path)
{
    char key[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof(key))
            return NULL;
        memcpy(key, path, len);
        key[len] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += len + (dot ? 1 : 0);
    }
    return o;
}

static double jnum(const cJSON *o, const char *path, double fallback)
{
    const cJSON *v = jget(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static uint64_t ju64(const cJSON *o, const char *path)
{
    double d = jnum(o, path, 0);
    return d > 0 ? (uint64_t)d : 0;
}

/* Why a cell did not pass, from its console: the first complaint of an
 * app ("[client] call 0: Out of memory", "[client] cannot ..."), else the
 * simulator's own error or the first failed expectation. The cell's own
 * scenario path is left out of the note. */
static void cell_note(struct cmp_cell *cell)
{
    char path[SCN_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/console.txt", cell->dir);
    char *text = results_read_file(path, NULL);
    if (text == NULL)
        return;
    char scn[SCN_PATH_MAX + 32];
    snprintf(scn, sizeof(scn), "%s/scenario.json: ", cell->dir);
    const char *app = NULL, *sim = NULL;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        const char *rb = l[0] == '[' ? strstr(l, "] ") : NULL;
        if (app == NULL && rb &&
            (strncmp(rb + 2, "call ", 5) == 0 || strncmp(rb + 2, "cannot ", 7) == 0 ||
             strncmp(rb + 2, "bad ", 4) == 0))
            app = l;
        if (sim == NULL &&
            (strncmp(l, "FAIL ", 5) == 0 || strncmp(l, "ipcsim", 6) == 0 ||
             strncmp(l, scn, strlen(scn)) == 0 || strncmp(l, "== kernel panic", 15) == 0))
            sim = l;
    }
    const char *best = app ? app : sim;
    if (best) {
        if (strncmp(best, "ipcsim: ", 8) == 0)
            best += 8;
        while (strncmp(best, scn, strlen(scn)) == 0)
            best += strlen(scn); /* the path is the cell's own */
        size_t n = strlen(best);
        n = n < sizeof(cell->note) - 1 ? n : sizeof(cell->note) - 1;
        memcpy(cell->note, best, n);
        cell->note[n] = '\0';
        for (char *c = cell->note; *c; c++)
            if (*c == '|')
                *c = '/'; /* keeps the Markdown table whole */
    }
    free(text);
}

static void read_cell(struct cmp_cell *cell, const char *op)
{
    char path[SCN_PATH_MAX + 32];
    if (cell->term_signal != 0 || (cell->exit_status != 0 && cell->exit_status != 1)) {
        /* 2: the derived scenario is not valid (say, its apps' RAM does not
         * fit the platform); 3: the simulator could not run it (say, the
         * MPU cannot place a process) */
        cell->status = cell->exit_status == 2 ? CELL_INVALID : CELL_ERROR;
        if (cell->term_signal)
            snprintf(cell->note, sizeof(cell->note), "killed by signal %d", cell->term_signal);
        else if (cell->exit_status == CMP_HOST_SPAWN)
            snprintf(cell->note, sizeof(cell->note), "could not be started");
        else
            cell_note(cell);
        if (cell->note[0] == '\0')
            snprintf(cell->note, sizeof(cell->note), "ipcsim run exited with %lld",
                     (long long)cell->exit_status);
        return;
    }
    cell->status = cell->exit_status == 0 ? CELL_PASS : CELL_FAIL;
    if (cell->status == CELL_FAIL)
        cell_note(cell);
    snprintf(path, sizeof(path), "%s/results.json", cell->dir);
    char *text = results_read_file(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (j == NULL) {
        cell->status = CELL_ERROR;
        snprintf(cell->note, sizeof(cell->note), "no readable results.json");
        return;
    }
    struct cmp_figures *f = &cell->f;
    f->have = true;
    const cJSON *er = jget(j, "end.reason");
    snprintf(f->end_reason, sizeof(f->end_reason), "%s", cJSON_IsString(er) ? er->valuestring : "");
    f->exp_failed = ju64(j, "expectations.failed");
    f->virtual_ns = ju64(j, "end.virtual_ns");
    const cJSON *m = jget(j, "metrics");
    const cJSON *o = jget(jget(m, "operations.by_kind"), op);
    f->ok = ju64(o, "ok");
    f->failed = ju64(o, "failed");
    static const char *const q[] = {"min", "p50", "p90", "p99", "max"};
    const cJSON *ns = jget(o, "latency.ns");
    for (size_t i = 0; i < 5; i++)
        f->lat_ns[i] = ju64(ns, q[i]);
    f->p50_cycles = ju64(o, "latency.cycles.p50");
    f->throughput = jnum(o, "throughput_per_s", 0);
    f->active_throughput = jnum(o, "active_throughput_per_s", 0);
    f->syscalls_per_op = jnum(o, "syscalls_per_op", 0);
    f->bytes_copied = ju64(m, "ipc_bytes_copied");
    f->mpu_reprograms = ju64(m, "mpu_reprograms");
    f->regions_peak = ju64(m, "mpu_regions_peak");
    f->context_switches = ju64(m, "context_switches");
    f->jain = jnum(m, "fairness.jain_index", -1);
    f->host_s_per_op = jnum(j, "host.seconds_per_operation", 0);
    cJSON_Delete(j);
}

static const char *status_name(enum cmp_status s)
{
    switch (s) {
    case CELL_PASS:
        return "pass";
    case CELL_FAIL:
        return "fail";
    case CELL_INVALID:
        return "invalid";
    case CELL_ERROR:
        return "error";
    default:
        return "pending";
    }
}

/* ---- Outputs ---- */

static const char *plat_label(const struct cmp_run *r, const struct cmp_cell *c)
{
    return c->plat ? c->plat : r->base_label_plat;
}

static const char *mech_label(const struct cmp_run *r, const struct cmp_cell *c)
{
    return c->mech ? c->mech : r->base_label_mech;
}

static double per_op(uint64_t x, uint64_t ops)
{
    return ops ? (double)x / (double)ops : 0.0;
}

static void print_markdown(FILE *f, const struct cmp_run *r)
{
    const struct cmp_spec *sp = r->sp;
    fprintf(f,
            "| platform | mechanism | payload (B) | clients | result | %ss ok | p50 (us) | p99 "
            "(us) | %ss/s | syscalls/%s | kernel-copied B/%s | MPU loads/%s | peak regions |\n",
            sp->op, sp->op, sp->op, sp->op, sp->op);
    fprintf(f, "|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (size_t i = 0; i < r->n; i++) {
        const struct cmp_cell *c = &r->cells[i];
        const struct cmp_figures *g = &c->f;
        char payload[16], clients[16];
        snprintf(payload, sizeof(payload), c->payload ? "%u" : "-", c->payload);
        snprintf(clients, sizeof(clients), c->clients ? "%u" : "-", c->clients);
        fprintf(f, "| %s | %s | %s | %s | %s | ", plat_label(r, c), mech_label(r, c), payload,
                clients, status_name(c->status));
        if (!g->have || g->ok == 0) {
            fprintf(f, "%llu | - | - | - | - | - | - | - |\n", (unsigned long long)g->ok);
            continue;
        }
        fprintf(f, "%llu | %.1f | %.1f | %.0f | %.1f | %.0f | %.1f | %llu |\n",
                (unsigned long long)g->ok, (double)g->lat_ns[1] / 1000.0,
                (double)g->lat_ns[3] / 1000.0, g->active_throughput, g->syscalls_per_op,
                per_op(g->bytes_copied, g->ok), per_op(g->mpu_reprograms, g->ok),
                (unsigned long long)g->regions_peak);
    }
    bool any = false;
    for (size_t i = 0; i < r->n; i++) {
        const struct cmp_cell *c = &r->cells[i];
        if (c->status == CELL_PASS)
            continue;
        if (!any)
            fprintf(f, "\nCells that did not pass:\n\n");
        any = true;
        fprintf(f, "- %s: %s%s%s\n", c->id, status_name(c->status), c->note[0] ? ": " : "",
                c->note);
    }
}

static void csv_field(char *buf, size_t cap, size_t *len, const char *s)
{
    bool quote = strpbrk(s, ",\"\n") != NULL;
    if (quote && *len < cap)
        buf[(*len)++] = '"';
    for (; *s && *len + 2 < cap; s++) {
        if (*s == '"')
            buf[(*len)++] = '"';
        buf[(*len)++] = *s;
    }
    if (quote && *len < cap)
        buf[(*len)++] = '"';
}

/* Appends printf output to a growing string. */
struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = b->p ? vsnprintf(b->p + b->len, room, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (n >= 0 && cap - b->len <= (size_t)n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static char *csv_text(const struct cmp_run *r)
{
    struct sbuf b = {0};
    sb_printf(&b, "platform,mechanism,payload,clients,cell,result,note,ok,failed,lat_min_ns,"
                  "lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_max_ns,lat_p50_cycles,throughput_per_s,"
                  "active_throughput_per_s,syscalls_per_op,ipc_bytes_copied,mpu_reprograms,"
                  "mpu_regions_peak,context_switches,fairness_jain,virtual_ns\n");
    for (size_t i = 0; i < r->n && !b.oom; i++) {
        const struct cmp_cell *c = &r->cells[i];
        const struct cmp_figures *g = &c->f;
        char note[CMP_NOTE_MAX * 2 + 4];
        size_t nl = 0;
        csv_field(note, sizeof(note), &nl, c->note);
        note[nl] = '\0';
        sb_printf(&b,
                  "%s,%s,%u,%u,%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f,%.3f,"
                  "%llu,%llu,%llu,%llu,",
                  plat_label(r, c), mech_label(r, c), c->payload, c->clients, c->id,
                  status_name(c->status), note, (unsigned long long)g->ok,
                  (unsigned long long)g->failed, (unsigned long long)g->lat_ns[0],
                  (unsigned long long)g->lat_ns[1], (unsigned long long)g->lat_ns[2],
                  (unsigned long long)g->lat_ns[3], (unsigned long long)g->lat_ns[4],
                  (unsigned long long)g->p50_cycles, g->throughput, g->active_throughput,
                  g->syscalls_per_op, (unsigned long long)g->bytes_copied,
                  (unsigned long long)g->mpu_reprograms, (unsigned long long)g->regions_peak,
                  (unsigned long long)g->context_switches);
        if (g->have && g->jain >= 0)
            sb_printf(&b, "%.4f", g->jain);
        sb_printf(&b, ",%llu\n", (unsigned long long)g->virtual_ns);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static cJSON *strs_json(const struct cmp_strs *s, const char *own)
{
    cJSON *a = cJSON_CreateArray();
    if (s->n == 0)
        cJSON_AddItemToArray(a, cJSON_CreateString(own));
    for (size_t i = 0; i < s->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(s->v[i]));
    return a;
}

static cJSON *nums_json(const struct cmp_nums *s)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < s->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(s->v[i]));
    return a;
}

static char *json_text(const struct cmp_run *r, double wall)
{
    const struct cmp_spec *sp = r->sp;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "schema", "ipcsim-compare/1");
    cJSON_AddStringToObject(j, "scenario", sp->scenario);
    cJSON_AddStringToObject(j, "operation", sp->op);
    cJSON_AddNumberToObject(j, "seed", (double)sp->seed);
    cJSON *ax = cJSON_AddObjectToObject(j, "axes");
    cJSON_AddItemToObject(ax, "platforms", strs_json(&sp->plats, r->base_label_plat));
    cJSON_AddItemToObject(ax, "mechanisms", strs_json(&sp->mechs, r->base_label_mech));
    cJSON_AddItemToObject(ax, "payloads", nums_json(&sp->payloads));
    cJSON_AddItemToObject(ax, "clients", nums_json(&sp->clients));
    if (sp->clients.n || sp->payloads.n)
        cJSON_AddStringToObject(ax, "client_app", sp->client_app);
    cJSON *cells = cJSON_AddArrayToObject(j, "cells");
    for (size_t i = 0; i < r->n; i++) {
        const struct cmp_cell *c = &r->cells[i];
        const struct cmp_figures *g = &c->f;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", c->id);
        cJSON_AddStringToObject(o, "platform", plat_label(r, c));
        cJSON_AddStringToObject(o, "mechanism", mech_label(r, c));
        if (c->payload)
            cJSON_AddNumberToObject(o, "payload", c->payload);
        if (c->clients)
            cJSON_AddNumberToObject(o, "clients", c->clients);
        cJSON_AddStringToObject(o, "result", status_name(c->status));
        if (c->note[0])
            cJSON_AddStringToObject(o, "note", c->note);
        if (g->have) {
            cJSON_AddStringToObject(o, "end_reason", g->end_reason);
            cJSON_AddNumberToObject(o, "expectations_failed", (double)g->exp_failed);
            cJSON_AddNumberToObject(o, "ok", (double)g->ok);
            cJSON_AddNumberToObject(o, "failed", (double)g->failed);
            if (g->ok) {
                cJSON *l = cJSON_AddObjectToObject(o, "latency_ns");
                static const char *const q[] = {"min", "p50", "p90", "p99", "max"};
                for (size_t k = 0; k < 5; k++)
                    cJSON_AddNumberToObject(l, q[k], (double)g->lat_ns[k]);
                cJSON_AddNumberToObject(o, "latency_p50_cycles", (double)g->p50_cycles);
            }
            cJSON_AddNumberToObject(o, "throughput_per_s", g->throughput);
            cJSON_AddNumberToObject(o, "active_throughput_per_s", g->active_throughput);
            cJSON_AddNumberToObject(o, "syscalls_per_op", g->syscalls_per_op);
            cJSON_AddNumberToObject(o, "ipc_bytes_copied", (double)g->bytes_copied);
            cJSON_AddNumberToObject(o, "mpu_reprograms", (double)g->mpu_reprograms);
            cJSON_AddNumberToObject(o, "mpu_regions_peak", (double)g->regions_peak);
            cJSON_AddNumberToObject(o, "context_switches", (double)g->context_switches);
            if (g->jain >= 0)
                cJSON_AddNumberToObject(o, "fairness_jain", g->jain);
            cJSON_AddNumberToObject(o, "virtual_ns", (double)g->virtual_ns);
        }
        cJSON_AddItemToArray(cells, o);
    }
    cJSON *host = cJSON_AddObjectToObject(j, "host");
    cJSON_AddNumberToObject(host, "wall_seconds", wall);
    cJSON_AddNumberToObject(host, "jobs", sp->jobs);
    cJSON *hc = cJSON_AddObjectToObject(host, "seconds_per_operation");
    for (size_t i = 0; i < r->n; i++)
        if (r->cells[i].f.have)
            cJSON_AddNumberToObject(hc, r->cells[i].id, r->cells[i].f.host_s_per_op);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    return text;
}

/* ---- SVG charts ---- */

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

struct series {
    const char *name;
    double y[CMP_AXIS_MAX]; /* NAN: no point */
};

/* A step of 1, 2 or 5 times a power of ten giving about 5 ticks to top. */
static double nice_step(double top)
{
    double raw = top / 5.0, p = pow(10.0, floor(log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void fmt_num(char *buf, size_t cap, double v)
{
    if (v >= 1e6)
        snprintf(buf, cap, "%gM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, cap, "%gk", v / 1e3);
    else
        snprintf(buf, cap, "%g", v);
}

static char *svg_chart(const char *title, const char *xlabel, const char *ylabel, const double *xs,
                       size_t nx, bool logx, const struct series *ser, size_t ns)
{
    const double W = 720, H = 420, L = 80, R = 170, T = 44, B = 56;
    const double pw = W - L - R, ph = H - T - B;
    double ymax = 0;
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < nx; i++)
            if (!isnan(ser[s].y[i]) && ser[s].y[i] > ymax)
                ymax = ser[s].y[i];
    if (ymax <= 0)
        ymax = 1;
    double step = nice_step(ymax), top = ceil(ymax / step) * step;
    double x0 = logx ? log2(xs[0]) : xs[0], x1 = logx ? log2(xs[nx - 1]) : xs[nx - 1];
    if (x1 <= x0)
        x1 = x0 + 1;
#define PX(v) (L + ((logx ? log2(v) : (v)) - x0) / (x1 - x0) * pw)
#define PY(v) (T + ph - (v) / top * ph)
    struct sbuf b = {0};
    sb_printf(&b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
              "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
              "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
              "<text x=\"%.0f\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
              W, H, W, H, L, title);
    char lab[32];
    for (double v = 0; v <= top + step / 2; v += step) {
        fmt_num(lab, sizeof(lab), v);
        sb_printf(&b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                  L, PY(v), L + pw, PY(v), L - 6, PY(v) + 4, lab);
    }
    for (size_t i = 0; i < nx; i++) {
        fmt_num(lab, sizeof(lab), xs[i]);
        sb_printf(&b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  PX(xs[i]), T, PX(xs[i]), T + ph, PX(xs[i]), T + ph + 18, lab);
    }
    sb_printf(&b,
              "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
              "stroke=\"#333\"/>\n"
              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
              "<text transform=\"translate(18 %.1f) rotate(-90)\" "
              "text-anchor=\"middle\">%s</text>\n",
              L, T, pw, ph, L + pw / 2, H - 14, xlabel, T + ph / 2, ylabel);
    for (size_t s = 0; s < ns; s++) {
        const char *col = palette[s % (sizeof(palette) / sizeof(palette[0]))];
        sb_printf(&b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
        bool pen = false;
        for (size_t i = 0; i < nx; i++) {
            if (isnan(ser[s].y[i])) {
                pen = false;
                continue;
            }
            sb_printf(&b, "%s%.1f %.1f ", pen ? "L" : "M", PX(xs[i]), PY(ser[s].y[i]));
            pen = true;
        }
        sb_printf(&b, "\"/>\n");
        for (size_t i = 0; i < nx; i++)
            if (!isnan(ser[s].y[i]))
                sb_printf(&b,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
                          "<title>%s: %g</title></circle>\n",
                          PX(xs[i]), PY(ser[s].y[i]), col, ser[s].name, ser[s].y[i]);
        double ly = T + 10 + (double)s * 20;
        sb_printf(&b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"2\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                  L + pw + 14, ly, L + pw + 38, ly, col, L + pw + 44, ly + 4, ser[s].name);
    }
    sb_printf(&b, "</svg>\n");
#undef PX
#undef PY
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static const struct cmp_cell *cell_at(const struct cmp_run *r, size_t p, size_t m, size_t l,
                                      size_t c)
{
    const struct cmp_spec *sp = r->sp;
    size_t nm = sp->mechs.n ? sp->mechs.n : 1, nl = sp->payloads.n ? sp->payloads.n : 1,
           nc = sp->clients.n ? sp->clients.n : 1;
    return &r->cells[((p * nm + m) * nl + l) * nc + c];
}

/* latency-PLATFORM.svg (p50 against payload, at the smallest client count)
 * and throughput-PLATFORM.svg (operations per second of the active window
 * against clients, at the smallest payload), one line per mechanism; each
 * only when its axis has two values or more. Cells that did not pass have
 * no point. */
static int write_charts(const struct cmp_run *r, char *err, size_t errlen)
{
    const struct cmp_spec *sp = r->sp;
    size_t np = sp->plats.n ? sp->plats.n : 1, nm = sp->mechs.n ? sp->mechs.n : 1;
    struct series ser[CMP_AXIS_MAX];
    double xs[CMP_AXIS_MAX];
    for (size_t p = 0; p < np; p++) {
        const char *plat = plat_label(r, cell_at(r, p, 0, 0, 0));
        for (int kind = 0; kind < 2; kind++) {
            const struct cmp_nums *axis = kind == 0 ? &sp->payloads : &sp->clients;
            if (axis->n < 2)
                continue;
            for (size_t i = 0; i < axis->n; i++)
                xs[i] = axis->v[i];
            for (size_t m = 0; m < nm; m++) {
                ser[m].name = mech_label(r, cell_at(r, p, m, 0, 0));
                for (size_t i = 0; i < axis->n; i++) {
                    const struct cmp_cell *c =
                        kind == 0 ? cell_at(r, p, m, i, 0) : cell_at(r, p, m, 0, i);
                    bool ok = c->status == CELL_PASS && c->f.ok > 0;
                    ser[m].y[i] = !ok         ? NAN
                                  : kind == 0 ? (double)c->f.lat_ns[1] / 1000.0
                                              : c->f.active_throughput;
                }
            }
            char title[256], name[SCN_NAME_MAX + 32];
            if (kind == 0)
                snprintf(title, sizeof(title), "%s: %s latency (p50) by payload, %u client%s", plat,
                         sp->op, sp->clients.n ? sp->clients.v[0] : 1,
                         sp->clients.n && sp->clients.v[0] > 1 ? "s" : "");
            else if (sp->payloads.n)
                snprintf(title, sizeof(title), "%s: %ss per second by clients, payload %u B", plat,
                         sp->op, sp->payloads.v[0]);
            else
                snprintf(title, sizeof(title), "%s: %ss per second by clients", plat, sp->op);
            char xl[64], yl[64];
            snprintf(xl, sizeof(xl), kind == 0 ? "payload (bytes, log scale)" : "clients");
            snprintf(yl, sizeof(yl), kind == 0 ? "p50 latency (us, virtual)" : "%ss per second",
                     sp->op);
            bool logx = kind == 0 && axis->n > 1 && axis->v[axis->n - 1] >= 8 * axis->v[0];
            char *svg = svg_chart(title, xl, yl, xs, axis->n, logx, ser, nm);
            id_part(strcpy(name, kind == 0 ? "latency-" : "throughput-"), sizeof(name), plat);
            strcat(name, ".svg");
            if (svg == NULL || results_write_file(sp->out, name, svg, err, errlen) < 0) {
                if (svg == NULL)
                    snprintf(err, errlen, "out of memory");
                free(svg);
                return -1;
            }
            free(svg);
        }
    }
    return 0;
}

/* ---- The command ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: ipcsim compare [SCENARIO] [--matrix FILE] [--ipc LIST] [--platform LIST]\n"
               "                      [--payload LIST --payload-arg N] [--clients LIST]\n"
               "                      [--client APP] [--operation KIND] [--seed N] [-j N]\n"
               "                      [--out DIR] [--allow-fail] [--quiet]\n"
               "  runs SCENARIO (or the matrix file's) once per cell of the matrix\n"
               "  platforms x mechanisms x payloads x clients; LISTs are comma-separated.\n"
               "  --payload sets argument N of the client app (--client, default \"client\"),\n"
               "  --clients its instances. Writes a Markdown table to stdout and\n"
               "  compare.csv, compare.json, latency-*.svg, throughput-*.svg and\n"
               "  cells/*/ to DIR (default ipcsim-compare). -j: parallel runs (default:\n"
               "  the online CPUs). Exit 0 when every cell passes (or with --allow-fail),\n"
               "  1 when one does not, 2 bad usage or matrix, 3 a cell could not be started\n"
               "  or crashed, or the outputs could not be written, 130 interrupted.\n");
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void free_spec(struct cmp_spec *sp)
{
    free_strs(&sp->mechs);
    free_strs(&sp->plats);
    free(sp->scenario);
    free(sp->client_app);
    free(sp->op);
    free(sp->out);
}

static int parse_args(int argc, char **argv, struct cmp_spec *sp)
{
    static const struct option opts[] = {
        {"matrix", required_argument, NULL, 'M'},
        {"ipc", required_argument, NULL, 'I'},
        {"platform", required_argument, NULL, 'p'},
        {"payload", required_argument, NULL, 'P'},
        {"clients", required_argument, NULL, 'C'},
        {"client", required_argument, NULL, 'c'},
        {"payload-arg", required_argument, NULL, 'a'},
        {"operation", required_argument, NULL, 'O'},
        {"seed", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"out", required_argument, NULL, 'o'},
        {"allow-fail", no_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *matrix = NULL;
    bool fm = false, fp = false, fl = false, fc = false, seed_set = false;
    uint64_t seed = 1;
    uint32_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'M':
            matrix = optarg;
            break;
        case 'I':
            free_strs(&sp->mechs);
            if (split_strs("--ipc", optarg, &sp->mechs) < 0)
                return -1;
            fm = true;
            break;
        case 'p':
            free_strs(&sp->plats);
            if (split_strs("--platform", optarg, &sp->plats) < 0)
                return -1;
            fp = true;
            break;
        case 'P':
            if (split_nums("--payload", optarg, 1, CMP_PAYLOAD_MAX, &sp->payloads) < 0)
                return -1;
            fl = true;
            break;
        case 'C':
            if (split_nums("--clients", optarg, 1, CMP_CLIENTS_MAX, &sp->clients) < 0)
                return -1;
            fc = true;
            break;
        case 'c':
            free(sp->client_app);
            sp->client_app = strdup(optarg);
            break;
        case 'a':
            if (!parse_u32(optarg, 0, 63, &v)) {
                fprintf(stderr, "ipcsim compare: --payload-arg: expected 0..63, got \"%s\"\n",
                        optarg);
                return -1;
            }
            sp->payload_arg = (int)v;
            break;
        case 'O':
            free(sp->op);
            sp->op = strdup(optarg);
            break;
        case 's': {
            char *end;
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || errno) {
                fprintf(stderr,
                        "ipcsim compare: --seed: expected a non-negative integer, got "
                        "\"%s\"\n",
                        optarg);
                return -1;
            }
            seed_set = true;
            break;
        }
        case 'j':
            if (!parse_u32(optarg, 1, 256, &v)) {
                fprintf(stderr, "ipcsim compare: -j: expected 1..256, got \"%s\"\n", optarg);
                return -1;
            }
            sp->jobs = v;
            break;
        case 'o':
            free(sp->out);
            sp->out = strdup(optarg);
            break;
        case 'F':
            sp->allow_fail = true;
            break;
        case 'q':
            sp->quiet = true;
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
        sp->scenario = strdup(argv[optind++]);
    if (optind < argc) {
        fprintf(stderr, "ipcsim compare: one scenario at a time, got \"%s\" too\n", argv[optind]);
        return -1;
    }
    sp->matrix = matrix;
    if (matrix && load_matrix(matrix, sp, fm, fp, fl, fc) < 0)
        return -1;
    if (seed_set)
        sp->seed = seed;
    if (sp->scenario == NULL && matrix) {
        fprintf(stderr,
                "%s: $.scenario: expected the workload's scenario file (or a SCENARIO "
                "argument), got none\n",
                matrix);
        return -1;
    }
    if (sp->scenario == NULL) {
        fprintf(stderr, "ipcsim compare: expected a scenario (or a matrix file naming one)\n");
        usage(stderr);
        return -1;
    }
    if (sp->client_app == NULL)
        sp->client_app = strdup("client");
    if (sp->op == NULL)
        sp->op = strdup("call");
    if (sp->out == NULL)
        sp->out = strdup("ipcsim-compare");
    if (sp->jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        sp->jobs = n > 0 ? (unsigned)n : 1;
    }
    struct cmp_nums *axes[] = {&sp->payloads, &sp->clients};
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < axes[a]->n; i++)
            for (size_t k = 0; k < i; k++)
                if (axes[a]->v[i] == axes[a]->v[k]) {
                    value_error(sp, a ? sp->file_clients : sp->file_payloads,
                                a ? "clients" : "payloads", (long)i, a ? "--clients" : "--payload");
                    fprintf(stderr, "expected each value once, got %u again\n", axes[a]->v[i]);
                    return -1;
                }
    /* numeric axes run from small to large: charts draw lines along them */
    for (size_t a = 0; a < 2; a++)
        qsort(axes[a]->v, axes[a]->n, sizeof(axes[a]->v[0]), cmp_u32);
    struct cmp_strs *names[] = {&sp->mechs, &sp->plats};
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < names[a]->n; i++)
            for (size_t k = 0; k < i; k++)
                if (strcmp(names[a]->v[i], names[a]->v[k]) == 0) {
                    value_error(sp, a ? sp->file_plats : sp->file_mechs,
                                a ? "platforms" : "mechanisms", (long)i,
                                a ? "--platform" : "--ipc");
                    fprintf(stderr, "expected each name once, got \"%s\" again\n", names[a]->v[i]);
                    return -1;
                }
    return 0;
}

int compare_main(int argc, char **argv, const struct scn_search *search, const char *self)
{
    struct cmp_spec sp = {.payload_arg = -1, .seed = 1};
    struct cmp_run r = {.sp = &sp, .self = self};
    cJSON *base = NULL;
    int prc = parse_args(argc, argv, &sp);
    if (prc != 0) {
        free_spec(&sp);
        return prc > 0 ? CMP_PASS : CMP_USAGE;
    }
    int rc = CMP_USAGE;
    if (check_matrix(&sp, search, &base, &r) < 0 || make_cells(&r) < 0)
        goto out;
    rc = CMP_HOST;
    struct jobs_job *jobs = calloc(r.n, sizeof(*jobs));
    if (jobs == NULL)
        goto out;
    for (size_t i = 0; i < r.n; i++)
        if (prepare_cell(&r, &r.cells[i], base, &jobs[i]) < 0) {
            free(jobs);
            goto out;
        }
    struct jobs_status st;
    int jr = jobs_run(jobs, r.n, sp.jobs, cell_done, &r, &st);
    if (!sp.quiet)
        jobs_progress(&st, "cells", st.failed, "not passing", true);
    double wall = jobs_now() - st.started;
    for (size_t i = 0; i < r.n; i++) {
        r.cells[i].exit_status =
            jobs[i].exit_status == JOBS_NOT_STARTED ? CMP_HOST_SPAWN : jobs[i].exit_status;
        r.cells[i].term_signal = jobs[i].term_signal;
    }
    free(jobs);
    if (jr < 0)
        goto out;
    if (jr == 130) {
        fprintf(stderr, "ipcsim compare: interrupted; no outputs written\n");
        rc = CMP_INTERRUPTED;
        goto out;
    }
    bool bad = false, host = false;
    for (size_t i = 0; i < r.n; i++) {
        read_cell(&r.cells[i], sp.op);
        bad = bad || r.cells[i].status != CELL_PASS;
        host = host || r.cells[i].term_signal != 0 || r.cells[i].exit_status == CMP_HOST_SPAWN;
    }
    char err[1024];
    char *csv = csv_text(&r), *js = json_text(&r, wall);
    if (csv == NULL || js == NULL ||
        results_write_file(sp.out, "compare.csv", csv, err, sizeof(err)) < 0 ||
        results_write_file(sp.out, "compare.json", js, err, sizeof(err)) < 0 ||
        write_charts(&r, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim compare: %s\n", csv && js ? err : "out of memory");
        free(csv);
        free(js);
        rc = CMP_HOST;
        goto out;
    }
    free(csv);
    free(js);
    print_markdown(stdout, &r);
    if (host)
        rc = CMP_HOST;
    else
        rc = bad && !sp.allow_fail ? CMP_FAILED : CMP_PASS;
out:
    cJSON_Delete(base);
    free(r.cells);
    free_spec(&sp);
    return rc;
}
