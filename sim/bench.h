/* bench.h: `ipcsim bench`, the simulator's host speed (docs/performance.md). */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H

#include "scenario.h"

/* Runs the command (argv[0] is "bench"); returns the exit code. */
int bench_main(int argc, char **argv, const struct scn_search *search);

#endif
