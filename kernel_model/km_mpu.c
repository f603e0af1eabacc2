/* km_mpu.c: the registry of MPU models and the access queries every model
 * shares (range checks, runs of equal access for the host view). */
#include "km_mpu.h"

#include <stdlib.h>
#include <string.h>

static const struct km_mpu_ops *const km_mpus[] = {
    &km_mpu_armv7m_ops,
    &km_mpu_armv8m_ops,
    &km_mpu_pmp_ops,
};

#define KM_NMPUS (sizeof(km_mpus) / sizeof(km_mpus[0]))

const struct km_mpu_ops *km_mpu_find(const char *name)
{
    for (unsigned i = 0; i < KM_NMPUS; i++)
        if (strcmp(km_mpus[i]->name, name) == 0)
            return km_mpus[i];
    return NULL;
}

size_t km_mpu_names(const char *const **names)
{
    static const char *const list[] = {"armv7m", "armv8m", "riscv_pmp"};
    *names = list;
    return sizeof(list) / sizeof(list[0]);
}

/* Every address at which the access mask may change: region edges and,
 * for ARMv7-M regions with disabled subregions, subregion edges. */
static size_t km_mpu_edges(const struct km_mpu_config *c, uint64_t *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        const struct km_mpu_region *r = &c->r[i];
        if (!r->enabled)
            continue;
        out[n++] = r->base;
        out[n++] = (uint64_t)r->base + r->size;
        if (r->subregions != 0xff)
            for (unsigned s = 1; s < 8; s++)
                out[n++] = (uint64_t)r->base + r->size / 8 * s;
    }
    return n;
}

static int km_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void km_mpu_for_each_run(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t lo,
                         uint32_t hi,
                         void (*fn)(void *ctx, uint32_t start, uint32_t end, unsigned access),
                         void *ctx)
{
    uint64_t edges[KM_MPU_MAX_REGIONS * 9 + 2];
    size_t n = km_mpu_edges(c, edges);
    edges[n++] = lo;
    edges[n++] = hi;
    qsort(edges, n, sizeof(edges[0]), km_u64_cmp);
    uint64_t run_start = lo;
    unsigned run_acc = m->ops->access(m, c, lo);
    for (size_t i = 0; i < n; i++) {
        uint64_t e = edges[i];
        if (e <= lo || e > hi)
            continue;
        unsigned acc = e < hi ? m->ops->access(m, c, (uint32_t)e) : ~0u;
        if (acc != run_acc || e == hi) {
            if (run_acc && e > run_start)
                fn(ctx, (uint32_t)run_start, (uint32_t)(e == hi ? hi : e), run_acc);
            run_start = e;
            run_acc = acc;
        }
    }
}

struct km_range_ctx {
    uint32_t lo, hi;
    unsigned want;
    uint64_t covered;
};

static void km_range_cb(void *ctx, uint32_t start, uint32_t end, unsigned access)
{
    struct km_range_ctx *rc = ctx;
    if ((access & rc->want) == rc->want)
        rc->covered += (uint64_t)end - start;
}

bool km_mpu_range_allowed(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr,
                          uint32_t len, unsigned want)
{
    if (len == 0)
        return true;
    uint64_t end = (uint64_t)addr + len;
    if (end > UINT32_MAX)
        return false;
    struct km_range_ctx rc = {addr, (uint32_t)end, want, 0};
    km_mpu_for_each_run(m, c, addr, (uint32_t)end, km_range_cb, &rc);
    return rc.covered == len;
}
