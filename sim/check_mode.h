/* check_mode.h: `ipcsim check`, every scenario under some paths, in parallel,
 * with a line per scenario, a summary and optionally JUnit XML (docs/ci.md).
 */
#ifndef SIM_CHECK_MODE_H
#define SIM_CHECK_MODE_H

/* argv[0] is "check"; `self` is the ipcsim binary that runs each scenario.
 * Returns the exit code: 0 every scenario passed, 1 one did not, 2 bad
 * usage or no scenario found, 3 the outputs could not be written, 130
 * interrupted. */
int check_main(int argc, char **argv, const char *self);

#endif
