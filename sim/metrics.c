/* metrics.c: the log-linear latency histogram and the accounting of the
 * operations apps mark, in virtual time (metrics.h). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

/* ---- Histogram ---------------------------------------------------------- */

uint32_t metrics_hist_index(uint64_t v)
{
    if (v < 2u * METRICS_HIST_SUB)
        return (uint32_t)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - METRICS_HIST_SUB_BITS; /* >= 1 */
    return (shift + 1u) * METRICS_HIST_SUB + (uint32_t)((v >> shift) - METRICS_HIST_SUB);
}

void metrics_hist_bucket(uint32_t index, uint64_t *low, uint64_t *width)
{
    if (index < 2u * METRICS_HIST_SUB) {
        *low = index;
        *width = 1;
        return;
    }
    unsigned shift = index / METRICS_HIST_SUB - 1u;
    uint64_t sub = index % METRICS_HIST_SUB + METRICS_HIST_SUB;
    *low = sub << shift;
    *width = (uint64_t)1 << shift;
}

static int hist_counts(struct metrics_hist *h)
{
    if (h->counts == NULL) {
        h->counts = calloc(METRICS_HIST_BUCKETS, sizeof(*h->counts));
        if (h->counts == NULL)
            return -1;
    }
    return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int metrics_hist_record(struct metrics_hist *h, uint64_t v)
{
    if (hist_counts(h) < 0)
        return -1;
    h->counts[metrics_hist_index(v)]++;
    if (h->n == 0 || v < h->min)
        h->min = v;
    if (h->n == 0 || v > h->max)
        h->max = v;
    h->n++;
    h->sum = sat_add(h->sum, v);
    return 0;
}

int metrics_hist_merge(struct metrics_hist *dst, const struct metrics_hist *src)
{
    if (src->n == 0)
        return 0;
    if (hist_counts(dst) < 0)
        return -1;
    for (uint32_t i = 0; i < METRICS_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    if (dst->n == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->n == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->n += src->n;
    dst->sum = sat_add(dst->sum, src->sum);
    return 0;
}

uint64_t metrics_hist_percentile(const struct metrics_hist *h, uint32_t q)
{
    if (h->n == 0)
        return 0;
    if (q == 0)
        return h->min;
    if (q >= 100000u)
        return h->max;
    /* nearest rank: ceil(q/100000 * n), at least 1 */
    unsigned __int128 r = ((unsigned __int128)q * h->n + 99999u) / 100000u;
    uint64_t rank = r < 1 ? 1 : (uint64_t)r;
    if (rank == 1)
        return h->min;
    if (rank >= h->n)
        return h->max;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < METRICS_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen < rank)
            continue;
        uint64_t low, width;
        metrics_hist_bucket(i, &low, &width);
        uint64_t v = low + width / 2;
        if (v < h->min)
            v = h->min;
        if (v > h->max)
            v = h->max;
        return v;
    }
    return h->max;
}

void metrics_hist_free(struct metrics_hist *h)
{
    free(h->counts);
    memset(h, 0, sizeof(*h));
}

/* ---- Operations ----------------------------------------------------------- */

void metrics_op_begin(struct metrics_app *m, unsigned kind, uint64_t now)
{
    if (kind == 0 || kind >= IPCSIM_OP_NKINDS)
        return;
    struct metrics_op *o = &m->op[kind];
    if (o->n_open == METRICS_OPEN_MAX) {
        o->too_deep++;
        return;
    }
    o->open_at[o->n_open++] = now;
}

static void status_add(struct metrics_op *o, int32_t rc, uint64_t count)
{
    for (unsigned i = 0; i < o->n_status; i++)
        if (o->status[i].rc == rc) {
            o->status[i].count += count;
            return;
        }
    if (o->n_status == METRICS_STATUS_MAX) {
        o->status_other += count;
        return;
    }
    /* kept in order of code, so that the output does not depend on which
     * failure came first */
    unsigned at = o->n_status;
    while (at > 0 && o->status[at - 1].rc < rc) {
        o->status[at] = o->status[at - 1];
        at--;
    }
    o->status[at] = (struct metrics_status){rc, count};
    o->n_status++;
}

void metrics_op_end(struct metrics_app *m, unsigned kind, int32_t rc, uint64_t now)
{
    if (kind == 0 || kind >= IPCSIM_OP_NKINDS)
        return;
    struct metrics_op *o = &m->op[kind];
    if (o->n_open == 0) {
        o->unmatched_end++;
        return;
    }
    uint64_t begin = o->open_at[--o->n_open];
    uint64_t lat = now >= begin ? now - begin : 0;
    if (rc == 0) {
        if (o->ok == 0 || begin < o->first_begin)
            o->first_begin = begin;
        if (now > o->last_end)
            o->last_end = now;
        o->ok++;
        metrics_hist_record(&o->lat, lat);
    } else {
        o->failed++;
        status_add(o, rc, 1);
        metrics_hist_record(&o->failed_lat, lat);
    }
}

void metrics_syscall(struct metrics_app *m)
{
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++)
        if (m->op[k].n_open)
            m->op[k].syscalls++;
}

void metrics_abandon(struct metrics_app *m)
{
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
        m->op[k].unfinished += m->op[k].n_open;
        m->op[k].n_open = 0;
    }
}

int metrics_app_merge(struct metrics_app *dst, const struct metrics_app *src)
{
    int rc = 0;
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
        struct metrics_op *d = &dst->op[k];
        const struct metrics_op *s = &src->op[k];
        if (s->ok && (d->ok == 0 || s->first_begin < d->first_begin))
            d->first_begin = s->first_begin;
        if (s->ok && s->last_end > d->last_end)
            d->last_end = s->last_end;
        d->ok += s->ok;
        d->failed += s->failed;
        d->unfinished += s->unfinished;
        d->unmatched_end += s->unmatched_end;
        d->too_deep += s->too_deep;
        d->syscalls += s->syscalls;
        for (unsigned i = 0; i < s->n_status; i++)
            status_add(d, s->status[i].rc, s->status[i].count);
        d->status_other += s->status_other;
        if (metrics_hist_merge(&d->lat, &s->lat) < 0 ||
            metrics_hist_merge(&d->failed_lat, &s->failed_lat) < 0)
            rc = -1;
    }
    return rc;
}

void metrics_app_free(struct metrics_app *m)
{
    for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
        metrics_hist_free(&m->op[k].lat);
        metrics_hist_free(&m->op[k].failed_lat);
    }
    memset(m, 0, sizeof(*m));
}

double metrics_jain(const uint64_t *x, size_t n)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)x[i];
        sq += (double)x[i] * (double)x[i];
    }
    if (n == 0 || sq == 0)
        return -1;
    return sum * sum / ((double)n * sq);
}

const char *metrics_rc_name(int32_t rc)
{
    static const char *const names[] = {
        "SUCCESS", "FAIL",    "EBUSY",  "EALREADY",   "EOFF",      "ERESERVE",     "EINVAL",
        "ESIZE",   "ECANCEL", "ENOMEM", "ENOSUPPORT", "ENODEVICE", "EUNINSTALLED", "ENOACK"};
    if (rc <= 0 && rc >= -13)
        return names[-rc];
    if (rc == -1024)
        return "EBADRVAL";
    return NULL;
}
