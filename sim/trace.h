/* trace.h: a trace of one run in the Chrome trace event format (the JSON
 * that Perfetto and chrome://tracing open), in virtual time only, so that
 * the same scenario, seed and binaries give a byte-identical file.
 *
 * Tracks (pid 1): the kernel (tid 0); per app instance i, its calls and
 * events (tid 1 + i) and its process state (tid 1 + n + i). See
 * docs/trace.md.
 *
 * Events go to a temporary file next to the destination as the run goes;
 * trace_commit() completes it and renames it into place, trace_discard()
 * removes it (an interrupted or failed run leaves no trace). */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "km.h"

#define TRACE_MAX_EVENTS_DEFAULT 1000000u

struct trace;

/* Opens a trace for n_apps app instances on a CPU clocked at clock_hz,
 * written to path; at most max_events timeline events (0 = the default)
 * beyond what closes slices and flows already written. NULL and a message
 * in err if the temporary file cannot be created. */
struct trace *trace_open(const char *path, size_t max_events, uint64_t clock_hz, size_t n_apps,
                         char *err, size_t errlen);
/* Names app instance i's tracks (call before the run; copied). */
void trace_set_app_name(struct trace *t, size_t i, const char *name);

/* An event out of the kernel model (from the runner's event callback). */
void trace_km_event(struct trace *t, const struct km_event *ev);
/* App p's syscall, at virtual time `now` (cycles) as it goes to the kernel. */
void trace_syscall(struct trace *t, uint64_t now, int p, uint32_t cls, const struct km_regs *r);
/* App p declared `cycles` of computation, or was preempted by the watchdog. */
void trace_compute(struct trace *t, uint64_t now, int p, uint64_t cycles, bool preempted);
/* App p marked the begin or the end (with status rc) of an operation of
 * `kind` ("call", ...) at virtual time `now` (cycles). */
void trace_op(struct trace *t, uint64_t now, int p, bool begin, const char *kind, int32_t rc);
/* The kernel's answer d goes to app p at virtual time `now`. */
void trace_dispatch(struct trace *t, uint64_t now, int p, const struct km_dispatch *d,
                    uint32_t process_id);

/* How the run ended, for the trace's metadata. */
struct trace_meta {
    const char *scenario;
    uint64_t seed;
    const char *end_reason;
    uint64_t end_cycles;
};

/* Closes what is open at the end of the run, completes the file and moves
 * it into place. Returns 0, or -1 with a message in err. Frees t. */
int trace_commit(struct trace *t, const struct trace_meta *m, char *err, size_t errlen);
/* Removes the temporary file and frees t (NULL is fine). */
void trace_discard(struct trace *t);

#endif
