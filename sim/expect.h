/* expect.h: checks a run's outcome against the scenario's expectations. */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "runner.h"
#include "scenario.h"

/* One checked expectation. */
struct expect_check {
    char app[SCN_NAME_MAX]; /* instance name, or "" for run-wide checks */
    char check[32];         /* "console_contains", "state", ... */
    char expected[256];
    char actual[256];
    bool ok;
};

struct expect_report {
    size_t n;
    struct expect_check *checks; /* owned */
    size_t failed;
};

/* Evaluates every expectation of s against res. Returns 0, or -1 if out of
 * memory. Free with expect_report_free. */
int expect_evaluate(const struct scn_scenario *s, const struct run_result *res,
                    struct expect_report *out);
void expect_report_free(struct expect_report *r);

#endif
