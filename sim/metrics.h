/* metrics.h: operation latency and count metrics: an HDR-style log-linear
 * histogram, and per-app accounting of the operations apps mark (OP
 * messages, ipcsim_proto.h) in virtual time. No I/O, no clock. */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipcsim_proto.h"

/* ---- Histogram --------------------------------------------------------
 *
 * Values below 2 * METRICS_HIST_SUB are kept exactly; above, each power of
 * two [2^e, 2^(e+1)) is cut into METRICS_HIST_SUB equal buckets, so a
 * bucket is at most 1/METRICS_HIST_SUB of its lower bound wide. A
 * percentile is reported as its bucket's midpoint (clamped to the exact
 * min and max), within 1/(2 * METRICS_HIST_SUB) = 0.4% of the true
 * value: more than two significant digits. */
#define METRICS_HIST_SUB_BITS 7
#define METRICS_HIST_SUB (1u << METRICS_HIST_SUB_BITS)
#define METRICS_HIST_BUCKETS ((65u - METRICS_HIST_SUB_BITS) * METRICS_HIST_SUB)

struct metrics_hist {
    uint64_t *counts; /* METRICS_HIST_BUCKETS, allocated on the first value (owned) */
    uint64_t n;       /* values recorded */
    uint64_t sum;     /* their sum (saturates at UINT64_MAX) */
    uint64_t min, max;
};

/* Records v. Returns 0, or -1 when out of memory (v is then not counted). */
int metrics_hist_record(struct metrics_hist *h, uint64_t v);

/* Adds every value of src to dst. Returns 0 or -1 when out of memory. */
int metrics_hist_merge(struct metrics_hist *dst, const struct metrics_hist *src);

/* The value at percentile q, given in thousandths of a percent (50000 =
 * p50, 99900 = p99.9), by the nearest-rank method: the smallest recorded
 * value v such that at least q% of the values are <= v, as its bucket
 * represents it. q = 0 gives the minimum and q >= 100000 the maximum, both
 * exact. 0 when the histogram is empty. */
uint64_t metrics_hist_percentile(const struct metrics_hist *h, uint32_t q);

/* The bucket index of v, and the range [low, low + width) a bucket covers. */
uint32_t metrics_hist_index(uint64_t v);
void metrics_hist_bucket(uint32_t index, uint64_t *low, uint64_t *width);

void metrics_hist_free(struct metrics_hist *h);

/* ---- Operations -------------------------------------------------------- */

#define METRICS_OPEN_MAX 8    /* open operations of one kind an app may nest */
#define METRICS_STATUS_MAX 16 /* distinct failure codes kept per kind */

struct metrics_status {
    int32_t rc;     /* libtock returncode_t */
    uint64_t count; /* operations that ended with it */
};

/* One kind of operation in one app. */
struct metrics_op {
    uint64_t ok;            /* ended with RETURNCODE_SUCCESS */
    uint64_t failed;        /* ended with another code */
    uint64_t unfinished;    /* begun, never ended (the app died or the run ended) */
    uint64_t unmatched_end; /* ends without an open begin (ignored) */
    uint64_t too_deep;      /* begins beyond METRICS_OPEN_MAX open ones (ignored) */
    struct metrics_status status[METRICS_STATUS_MAX]; /* failures by code */
    unsigned n_status;
    uint64_t status_other;              /* failures with codes beyond the table */
    uint64_t syscalls;                  /* syscalls made while one of this kind was open */
    struct metrics_hist lat;            /* cycles, successful operations only */
    struct metrics_hist failed_lat;     /* cycles, failed operations */
    uint64_t first_begin, last_end;     /* cycles: the window from the first successful
                                         * operation's begin to the last one's end */
    uint64_t open_at[METRICS_OPEN_MAX]; /* begin times of open ones */
    unsigned n_open;
};

/* One app's operations, indexed by enum ipcsim_op_kind (0 unused). */
struct metrics_app {
    struct metrics_op op[IPCSIM_OP_NKINDS];
};

/* An operation of `kind` (1..IPCSIM_OP_NKINDS-1) began at virtual time now
 * (cycles). */
void metrics_op_begin(struct metrics_app *m, unsigned kind, uint64_t now);

/* The latest open operation of `kind` ended at now with status rc (0 =
 * success); its latency goes to the success or the failure histogram. */
void metrics_op_end(struct metrics_app *m, unsigned kind, int32_t rc, uint64_t now);

/* The app made a syscall: counted for every kind with an open operation. */
void metrics_syscall(struct metrics_app *m);

/* The app's process is gone (or the run ended): its open operations become
 * unfinished. */
void metrics_abandon(struct metrics_app *m);

/* Adds src's counts and histograms to dst (open operations excepted).
 * Returns 0 or -1 when out of memory. */
int metrics_app_merge(struct metrics_app *dst, const struct metrics_app *src);

/* Frees the histograms and zeroes m. */
void metrics_app_free(struct metrics_app *m);

/* Jain's fairness index of x[0..n-1]: (sum x)^2 / (n * sum x^2), from 1/n
 * (one gets everything) to 1 (all equal). -1 when n is 0 or every x is 0. */
double metrics_jain(const uint64_t *x, size_t n);

/* The name of a libtock returncode_t ("ENOACK"), or NULL if unknown. */
const char *metrics_rc_name(int32_t rc);

#endif
