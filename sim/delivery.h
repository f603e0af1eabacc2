/* delivery.h: the "no message is lost" invariant of `ipcsim fuzz`
 * (docs/ci.md#fault-schedule-fuzzing, docs/ipc-designs.md#delivery-promises).
 *
 * Fed a run's process incarnations and IPC messages in trace order, it
 * finds the first message that was lost or went to the wrong incarnation:
 *
 * - every message queued to an incarnation of an app is delivered to that
 *   incarnation or dropped, by the time that incarnation ends (a message
 *   still open after its receiver ended or restarted was lost without a
 *   word);
 * - a drop carries a reason its design documents (km_ipc_drop_rule), and a
 *   drop excused by the end of the receiver or of the sender happens when
 *   that incarnation really ended: at the same virtual instant or before;
 * - a message is delivered to the incarnation it was queued to, never to a
 *   later one.
 *
 * Times are virtual nanoseconds; events of one instant may come in any
 * order, so the checks of an instant run once a later instant is fed (or
 * at dlv_finish).
 */
#ifndef IPCSIM_DELIVERY_H
#define IPCSIM_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

struct dlv;

/* A checker for n apps named names[i] (kept, not copied); NULL if out of
 * memory. */
struct dlv *dlv_new(size_t n, const char *const *names);
void dlv_free(struct dlv *d);

/* App `app` got process id `pid` (its trace "start" instant). */
void dlv_started(struct dlv *d, int app, double pid, double ns);
/* App `app`'s state track entered state `state` (a trace state slice):
 * "Terminated" and "Faulted" end an incarnation; any other state after
 * them begins the next one. */
void dlv_state(struct dlv *d, int app, const char *state, double ns);
/* A message of kind `kind` (the trace's `kind`) from app `from` to app
 * `to`, trace flow `flow` (> 0), was queued. */
void dlv_queued(struct dlv *d, double flow, int from, int to, const char *kind, double ns);
/* Flow `flow` (0: unknown, e.g. the trace's cap left it out) ended
 * delivered to `to`. */
void dlv_delivered(struct dlv *d, double flow, int from, int to, const char *kind, double ns);
/* ... or dropped for reason `why`. */
void dlv_dropped(struct dlv *d, double flow, int from, int to, const char *kind, const char *why,
                 double ns);
/* The trace ended at `ns`; `panicked`: by a kernel panic, which stops
 * every process where it stands, so messages left open to a process that
 * faulted into the panic are not lost. */
void dlv_finish(struct dlv *d, double ns, bool panicked);

/* The first violation found, "" if none. */
const char *dlv_violation(const struct dlv *d);

#endif
