/* baseline.h: a run's figures stored as a baseline, and a later run
 * compared with it under per-figure tolerances (`ipcsim run
 * --record-baseline FILE` / `--baseline FILE`, docs/ci.md).
 */
#ifndef SIM_BASELINE_H
#define SIM_BASELINE_H

#include <stdint.h>
#include <stdio.h>

#define BASELINE_SCHEMA "ipcsim-baseline/1"

/* What a baseline was recorded with; a check against another run of
 * something else is refused. */
struct baseline_run {
    const char *scenario; /* the scenario's name */
    const char *platform;
    const char *ipc;
    uint64_t seed;
};

/* Compares the figures of results_text (a results.json document) with the
 * baseline in `file`; writes what differs, or a one-line all-clear, to
 * report. Returns 0 all within tolerance, 1 some differ, -1 on an error
 * (unreadable or invalid baseline, another run's baseline) with err
 * filled. */
int baseline_check(const char *file, const char *results_text, const struct baseline_run *run,
                   FILE *report, char *err, size_t errlen);

/* Writes results_text's figures to `file` (atomically), keeping the
 * description and tolerances of a baseline already there. 0, or -1 with
 * err filled. */
int baseline_record(const char *file, const char *results_text, const struct baseline_run *run,
                    char *err, size_t errlen);

#endif
