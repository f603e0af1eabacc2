/* mpu_test_vectors.c: loads tests/data/mpu-vectors.json (inputs and outputs
 * recorded from Tock's real allocate_app_memory_region,
 * update_app_memory_region and allocate_region) and replays each vector
 * on a model: setup operations first, then the operation under test, then
 * a comparison of the return value and of every enabled region's
 * registers. */
#include "mpu_test_vectors.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mpu_parse_perm(const char *s, enum km_perm *out)
{
    static const struct {
        const char *a, *b;
        enum km_perm p;
    } t[] = {
        {"RWX", "ReadWriteExecute", KM_PERM_RWX}, {"RW", "ReadWriteOnly", KM_PERM_RW},
        {"RX", "ReadExecuteOnly", KM_PERM_RX},    {"R", "ReadOnly", KM_PERM_R},
        {"X", "ExecuteOnly", KM_PERM_X},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(s, t[i].a) == 0 || strcmp(s, t[i].b) == 0) {
            *out = t[i].p;
            return true;
        }
    return false;
}

static uint64_t hex(const cJSON *v)
{
    return cJSON_IsString(v) ? strtoull(v->valuestring, NULL, 0) : 0;
}

static void say(char *report, size_t len, const char *fmt, ...)
{
    size_t used = strlen(report);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(report + used, len - used, fmt, ap);
    va_end(ap);
}

/* "cortexm::mpu::MPU<8,32>" -> 8, 32; "cortexm33::mpu::MPU<8>" -> 8, 32;
 * "riscv::pmp::PMPUserMPU<4,_>" -> 4, 4. */
static void parse_params(const char *config, const char *arch, struct km_mpu_params *p)
{
    memset(p, 0, sizeof(*p));
    const char *lt = strchr(config, '<');
    p->num_regions = lt ? (unsigned)strtoul(lt + 1, NULL, 10) : 8;
    const char *comma = lt ? strchr(lt, ',') : NULL;
    if (strcmp(arch, "armv7m") == 0)
        p->min_region_size = comma ? (uint32_t)strtoul(comma + 1, NULL, 10) : 32;
    else if (strcmp(arch, "armv8m") == 0)
        p->min_region_size = 32;
    else
        p->min_region_size = 4;
}

/* Replays one "op(a,b,...) -> (x,y)" or "op(...) -> Ok" setup line. */
static bool run_setup(const struct km_mpu *m, struct km_mpu_config *c, const char *line, char *why,
                      size_t whylen)
{
    char op[64];
    const char *paren = strchr(line, '(');
    if (paren == NULL || (size_t)(paren - line) >= sizeof(op)) {
        snprintf(why, whylen, "cannot parse setup \"%s\"", line);
        return false;
    }
    memcpy(op, line, (size_t)(paren - line));
    op[paren - line] = '\0';
    uint64_t a[6] = {0};
    enum km_perm perm = KM_PERM_RW;
    int n = 0;
    const char *p = paren + 1;
    while (*p && *p != ')' && n < 6) {
        while (*p == ' ' || *p == ',')
            p++;
        if ((*p >= '0' && *p <= '9')) {
            a[n++] = strtoull(p, (char **)&p, 0);
        } else {
            char w[24];
            size_t k = 0;
            while (*p && *p != ',' && *p != ')' && k + 1 < sizeof(w))
                w[k++] = *p++;
            w[k] = '\0';
            if (!mpu_parse_perm(w, &perm)) {
                snprintf(why, whylen, "unknown permission \"%s\" in setup", w);
                return false;
            }
        }
    }
    uint32_t s, z;
    bool ok;
    if (strcmp(op, "allocate_region") == 0)
        ok = m->ops->allocate_region(m, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2], perm, c, &s,
                                     &z);
    else if (strcmp(op, "allocate_app_memory_region") == 0)
        ok = m->ops->allocate_app_memory_region(m, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2],
                                                (uint32_t)a[3], (uint32_t)a[4], perm, c, &s, &z);
    else if (strcmp(op, "update_app_memory_region") == 0)
        ok = m->ops->update_app_memory_region(m, (uint32_t)a[0], (uint32_t)a[1], perm, c);
    else {
        snprintf(why, whylen, "unknown setup operation \"%s\"", op);
        return false;
    }
    const char *arrow = strstr(line, "->");
    bool want_ok = arrow && !strstr(arrow, "None") && !strstr(arrow, "Err");
    if (ok != want_ok) {
        snprintf(why, whylen, "setup \"%s\" returned %s", line, ok ? "success" : "failure");
        return false;
    }
    return true;
}

/* Compares the enabled regions of c with the expected list. */
static bool compare_regions(const char *arch, const struct km_mpu_config *c, const cJSON *regions,
                            char *why, size_t whylen)
{
    const cJSON *r;
    bool listed[KM_MPU_MAX_REGIONS] = {false};
    cJSON_ArrayForEach(r, regions)
    {
        int n = cJSON_GetObjectItem(r, "n")->valueint;
        if (n >= 0 && n < KM_MPU_MAX_REGIONS)
            listed[n] = true;
        if (n < 0 || n >= KM_MPU_MAX_REGIONS || !c->r[n].enabled) {
            snprintf(why, whylen, "region %d expected enabled", n);
            return false;
        }
        const struct km_mpu_region *g = &c->r[n];
        uint64_t want[4], got[4];
        const char *names[4];
        int k = 0;
        if (strcmp(arch, "armv7m") == 0) {
            names[k] = "base", want[k] = hex(cJSON_GetObjectItem(r, "base")), got[k++] = g->base;
            names[k] = "size", want[k] = hex(cJSON_GetObjectItem(r, "size")), got[k++] = g->size;
            names[k] = "rbar", want[k] = hex(cJSON_GetObjectItem(r, "rbar")), got[k++] = g->reg[0];
            names[k] = "rasr", want[k] = hex(cJSON_GetObjectItem(r, "rasr")), got[k++] = g->reg[1];
        } else if (strcmp(arch, "armv8m") == 0) {
            names[k] = "base", want[k] = hex(cJSON_GetObjectItem(r, "base")), got[k++] = g->base;
            names[k] = "limit", want[k] = hex(cJSON_GetObjectItem(r, "limit")),
            got[k++] = g->base + g->size - 1;
            names[k] = "rbar", want[k] = hex(cJSON_GetObjectItem(r, "rbar")), got[k++] = g->reg[0];
            names[k] = "rlar", want[k] = hex(cJSON_GetObjectItem(r, "rlar")), got[k++] = g->reg[1];
        } else {
            const cJSON *pa = cJSON_GetObjectItem(r, "pmpaddr");
            names[k] = "cfg", want[k] = hex(cJSON_GetObjectItem(r, "cfg")), got[k++] = g->reg[0];
            names[k] = "start", want[k] = hex(cJSON_GetObjectItem(r, "start")), got[k++] = g->base;
            names[k] = "pmpaddr0", want[k] = hex(cJSON_GetArrayItem(pa, 0)), got[k++] = g->reg[1];
            names[k] = "pmpaddr1", want[k] = hex(cJSON_GetArrayItem(pa, 1)), got[k++] = g->reg[2];
        }
        for (int i = 0; i < k; i++)
            if (want[i] != got[i]) {
                snprintf(why, whylen, "region %d %s: expected 0x%llx, got 0x%llx", n, names[i],
                         (unsigned long long)want[i], (unsigned long long)got[i]);
                return false;
            }
        if (strcmp(arch, "armv7m") == 0) {
            uint64_t en = hex(cJSON_GetObjectItem(r, "en"));
            if (en != g->subregions) {
                snprintf(why, whylen, "region %d enabled subregions: expected 0x%llx, got 0x%x", n,
                         (unsigned long long)en, g->subregions);
                return false;
            }
        }
        if (strcmp(arch, "riscv-pmp") == 0) {
            uint64_t end = hex(cJSON_GetObjectItem(r, "end"));
            if (end != g->base + g->size) {
                snprintf(why, whylen, "region %d end: expected 0x%llx, got 0x%llx", n,
                         (unsigned long long)end, (unsigned long long)(g->base + g->size));
                return false;
            }
        }
    }
    /* every enabled region must be one the vector lists */
    for (int n = 0; n < KM_MPU_MAX_REGIONS; n++)
        if (c->r[n].enabled && !listed[n]) {
            snprintf(why, whylen, "region %d is enabled but the vector lists no such region", n);
            return false;
        }
    return true;
}

static int run_vector(const cJSON *v, const char *arch, const struct km_mpu_ops *ops, char *why,
                      size_t whylen)
{
    struct km_mpu m = {.ops = ops};
    parse_params(cJSON_GetObjectItem(v, "config")->valuestring, arch, &m.p);
    const cJSON *in = cJSON_GetObjectItem(v, "inputs"), *out = cJSON_GetObjectItem(v, "outputs");
    const char *op = cJSON_GetObjectItem(v, "op")->valuestring;
    struct km_mpu_config c, before;
    ops->reset_config(&m, &c);
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(in, "setup"))
    {
        if (!run_setup(&m, &c, s->valuestring, why, whylen))
            return 1;
    }
    before = c;
    enum km_perm perm = KM_PERM_RW;
    const cJSON *pj = cJSON_GetObjectItem(in, "permissions");
    if (pj && !mpu_parse_perm(pj->valuestring, &perm)) {
        snprintf(why, whylen, "unknown permissions");
        return 1;
    }
    bool ok;
    uint32_t rs = 0, rz = 0;
    if (strcmp(op, "allocate_app_memory_region") == 0)
        ok = ops->allocate_app_memory_region(
            &m, (uint32_t)hex(cJSON_GetObjectItem(in, "unallocated_memory_start")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "unallocated_memory_size")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "min_memory_size")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "initial_app_memory_size")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "initial_kernel_memory_size")), perm, &c, &rs,
            &rz);
    else if (strcmp(op, "allocate_region") == 0)
        ok = ops->allocate_region(
            &m, (uint32_t)hex(cJSON_GetObjectItem(in, "unallocated_memory_start")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "unallocated_memory_size")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "min_region_size")), perm, &c, &rs, &rz);
    else if (strcmp(op, "update_app_memory_region") == 0)
        ok = ops->update_app_memory_region(
            &m, (uint32_t)hex(cJSON_GetObjectItem(in, "app_memory_break")),
            (uint32_t)hex(cJSON_GetObjectItem(in, "kernel_memory_break")), perm, &c);
    else {
        snprintf(why, whylen, "unknown op %s", op);
        return 1;
    }
    const cJSON *ret = cJSON_GetObjectItem(out, "return");
    bool want_ok =
        !(cJSON_IsNull(ret) || (cJSON_IsString(ret) && strcmp(ret->valuestring, "Err") == 0));
    if (ok != want_ok) {
        snprintf(why, whylen, "returned %s, expected %s", ok ? "success" : "failure",
                 want_ok ? "success" : "failure");
        return 1;
    }
    if (ok && cJSON_IsArray(ret)) {
        uint64_t ws = hex(cJSON_GetArrayItem(ret, 0)), wz = hex(cJSON_GetArrayItem(ret, 1));
        if (ws != rs || wz != rz) {
            snprintf(why, whylen, "returned (0x%x, 0x%x), expected (0x%llx, 0x%llx)", rs, rz,
                     (unsigned long long)ws, (unsigned long long)wz);
            return 1;
        }
    }
    const cJSON *regions = cJSON_GetObjectItem(out, "regions");
    if (cJSON_IsString(regions)) { /* "unchanged" */
        if (memcmp(&before.r, &c.r, sizeof(c.r)) != 0 || before.app_region != c.app_region) {
            snprintf(why, whylen, "configuration changed by a failed operation");
            return 1;
        }
    } else if (!compare_regions(arch, &c, regions, why, whylen)) {
        return 1;
    }
    const cJSON *idx = cJSON_GetObjectItem(out, "app_region_idx");
    if (idx) {
        int want = cJSON_IsNull(idx) ? -1 : idx->valueint;
        if (want != c.app_region) {
            snprintf(why, whylen, "app region index: expected %d, got %d", want, c.app_region);
            return 1;
        }
    }
    return 0;
}

int mpu_vectors_run(const char *path, const char *arch, const struct km_mpu_ops *ops, char *report,
                    size_t reportlen, int *ran)
{
    report[0] = '\0';
    *ran = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)len + 1);
    if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(text);
        return -1;
    }
    text[len] = '\0';
    fclose(f);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (root == NULL)
        return -1;
    int failed = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, root)
    {
        if (strcmp(cJSON_GetObjectItem(v, "arch")->valuestring, arch) != 0)
            continue;
        (*ran)++;
        char why[256] = "";
        if (run_vector(v, arch, ops, why, sizeof(why))) {
            failed++;
            say(report, reportlen, "%s: %s\n", cJSON_GetObjectItem(v, "id")->valuestring, why);
        }
    }
    cJSON_Delete(root);
    return failed;
}
