/* jobs.h: runs child processes (ipcsim runs) in parallel from a libuv loop,
 * for the commands that drive many runs (compare, check).
 *
 * Each job is an argv and a log file that gets the child's stdout and
 * stderr. At most `parallel` children run at once, in the order of the
 * array. SIGINT or SIGTERM to this process sends SIGTERM to every running
 * child (an ipcsim run then stops its apps and writes nothing), starts no
 * more, and makes jobs_run report the interruption. A job can also ask to
 * stop everything (fail-fast) from its done callback.
 */
#ifndef SIM_JOBS_H
#define SIM_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOBS_NOT_STARTED (-1000) /* exit_status of a job that could not start */
#define JOBS_CANCELLED (-1001)   /* exit_status of a job never run (stop or interrupt) */

struct jobs_job {
    char **argv;         /* argv[0] is the program; NULL-terminated */
    const char *log;     /* file for stdout and stderr (truncated), or NULL to discard */
    const char *err_log; /* if set, stderr goes here instead */
    char **env;          /* the child's environment (NULL-terminated), or NULL: ours */
    /* filled by jobs_run */
    int64_t exit_status; /* the exit code, JOBS_NOT_STARTED or JOBS_CANCELLED */
    int term_signal;     /* the signal that ended it, 0 if none */
    double seconds;      /* host wall time it ran */
};

struct jobs_status {
    size_t n, done, running, failed; /* failed: exit status not 0 or a signal */
    bool interrupted, stopped;
    double started; /* CLOCK_MONOTONIC seconds */
};

/* Called after each job ends (in completion order). Return true to stop:
 * running jobs get SIGTERM, the rest are cancelled. */
typedef bool (*jobs_done_fn)(struct jobs_job *job, size_t index, const struct jobs_status *st,
                             void *ctx);

/* Runs jobs[0..n) with at most `parallel` at once. Returns 0 when every job
 * ran (whatever its exit), 1 when stopped by the callback, 130 when
 * interrupted, -1 if the event loop could not be set up. */
int jobs_run(struct jobs_job *jobs, size_t n, unsigned parallel, jobs_done_fn done, void *ctx,
             struct jobs_status *st);

/* A progress bar on stderr: "[####....] 12/48 NOUN, N_BAD BAD, 3.2 NOUN/s";
 * final adds a newline. Does nothing unless stderr is a terminal. */
void jobs_progress(const struct jobs_status *st, const char *noun, size_t n_bad, const char *bad,
                   bool final);

/* The online CPUs (at least 1): the default parallelism. */
unsigned jobs_default_parallel(void);

double jobs_now(void);

#endif
