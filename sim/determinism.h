/* determinism.h: `ipcsim run ... --check-determinism`: the run made twice,
 * consoles, results (without "host") and traces compared byte for byte.
 */
#ifndef SIM_DETERMINISM_H
#define SIM_DETERMINISM_H

/* argv is run's (argv[0] "run"), with --check-determinism among them;
 * `self` is the ipcsim binary. Prints the first run's console (unless
 * --quiet) and keeps its results and trace where --out and --trace say.
 * Returns the run's exit code when the two runs agree, 1 when they
 * differ (what differs on stderr), 3 on a host error, 130 interrupted. */
int determinism_run(int argc, char **argv, const char *self);

#endif
