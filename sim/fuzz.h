/* fuzz.h: `ipcsim fuzz`, fault schedules drawn from a seed, invariants
 * checked on every run, failures shrunk into reproducing scenarios
 * (docs/ci.md).
 */
#ifndef SIM_FUZZ_H
#define SIM_FUZZ_H

#include "scenario.h"

/* argv[0] is "fuzz"; `self` is the ipcsim binary that makes the runs.
 * Returns the exit code: 0 no invariant broken, 1 one was (the failing
 * runs are listed and the first ones written as scenarios), 2 bad usage
 * or scenario, 3 the reference run failed or a host error, 130
 * interrupted. */
int fuzz_main(int argc, char **argv, const struct scn_search *search, const char *self);

#endif
