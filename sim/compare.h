/* compare.h: `ipcsim compare`, one workload over a matrix of IPC
 * mechanisms, platforms, payload sizes and client counts
 * (docs/ipc-comparison.md).
 *
 * Each cell of the matrix is an ordinary `ipcsim run` of a scenario derived
 * from the workload's, in a process of its own; the cells run in parallel
 * and their results.json files are gathered into a Markdown table (stdout),
 * compare.csv, compare.json and SVG charts in the output directory. The
 * figures are virtual-time figures: the same matrix, seed and binaries give
 * the same bytes (the "host" section of compare.json excepted).
 */
#ifndef SIM_COMPARE_H
#define SIM_COMPARE_H

#include "scenario.h"

/* argv[0] is "compare". `self` is the ipcsim binary to run cells with.
 * Returns the process exit code: 0 every cell met its expectations, 1 some
 * did not (their runs failed an expectation, were invalid or could not be
 * set up; 0 with --allow-fail), 2 bad usage or matrix, 3 a cell could not
 * be started or crashed, or the outputs could not be written, 130
 * interrupted (no outputs). */
int compare_main(int argc, char **argv, const struct scn_search *search, const char *self);

#endif
