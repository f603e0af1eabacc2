/* results.h: the results file (results.json), schema-versioned and written
 * atomically: complete or not at all. */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include "expect.h"
#include "runner.h"
#include "scenario.h"

#define RESULTS_SCHEMA "ipcsim-results/1"

/* Run-wide figures over every app instance (results.json's "metrics" and
 * the console summary). */
struct results_totals {
    struct metrics_app ops; /* every app's operations merged (owned) */
    uint64_t ops_ok;        /* successful operations of every kind */
    uint64_t ops_ended;     /* ... and failed ones */
    uint64_t syscalls;      /* the kernel's count, every class */
    uint64_t context_switches;
    uint64_t ipc_bytes_copied;
    uint64_t mpu_reprograms;
    uint32_t mpu_regions_peak; /* the most any app had enabled at once */
    uint64_t upcalls_dropped;
    size_t fair_n;    /* apps that ended at least one call */
    double fair_jain; /* Jain's index over their successful calls; -1 if none */
};

/* Fills t from res; free it with results_totals_free. */
void results_totals(const struct run_result *res, struct results_totals *t);
void results_totals_free(struct results_totals *t);

/* Ended operations (ok and failed) of every kind in m. */
uint64_t results_ops_ended(const struct metrics_app *m, uint64_t *ok);

/* Builds the results JSON text (caller frees). Everything but the "host"
 * section is a function of scenario, seed and binaries. */
char *results_json(const struct scn_scenario *s, const struct run_result *res,
                   const struct expect_report *ex);

/* Writes `text` (plus a final newline if it has none) to dir/name
 * atomically: a temporary file, fsync, rename. Creates dir. 0, or -1 with
 * err filled. */
int results_write_file(const char *dir, const char *name, const char *text, char *err,
                       size_t errlen);
/* A whole file, NUL-terminated (caller frees); *len (if not NULL) its
 * size. NULL (errno set) if it cannot be read. */
char *results_read_file(const char *path, size_t *len);

/* Removes dir and everything under it (a scratch directory). */
void results_remove_tree(const char *dir);

/* results_write_file(dir, "results.json", ...). */
int results_write(const char *dir, const char *text, char *err, size_t errlen);

#endif
