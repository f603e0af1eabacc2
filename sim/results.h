/* results.h: the results file (results.json), schema-versioned and written
 * atomically: complete or not at all. */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include "expect.h"
#include "runner.h"
#include "scenario.h"

#define RESULTS_SCHEMA "ipcsim-results/1"

/* Builds the results JSON text (caller frees). Everything but the "host"
 * section is a function of scenario, seed and binaries. */
char *results_json(const struct scn_scenario *s, const struct run_result *res,
                   const struct expect_report *ex);

/* Writes text to dir/results.json through a temporary file and rename.
 * Creates dir if needed. Returns 0 or -1 with a message in err. */
int results_write(const char *dir, const char *text, char *err, size_t errlen);

#endif
