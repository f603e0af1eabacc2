/* delivery.c: the "no message is lost" invariant (delivery.h). */
#include "delivery.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

struct dlv_app {
    double pid;   /* process id of the current incarnation, -1 before the first */
    unsigned inc; /* incarnations begun so far, minus one */
    bool ended;   /* the current incarnation ended (Terminated, Faulted) */
};

/* A message queued and not yet delivered or dropped. */
struct dlv_msg {
    double flow, ns;
    int from, to;
    unsigned from_inc, to_inc;
    double to_pid;
    char kind[16];
};

/* A drop excused by the end of `app`'s incarnation `inc`, which must have
 * ended by the end of instant `ns`. */
struct dlv_wait {
    int app;
    unsigned inc;
    char what[200];
};

struct dlv {
    size_t n;
    const char *const *names;
    struct dlv_app *apps;
    struct dlv_msg *msgs;
    size_t n_msgs, cap_msgs;
    struct dlv_wait *waits;
    size_t n_waits, cap_waits;
    double now; /* the instant being fed */
    bool ended; /* an incarnation ended or began during it */
    char violation[512];
};

struct dlv *dlv_new(size_t n, const char *const *names)
{
    struct dlv *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->apps = calloc(n ? n : 1, sizeof(*d->apps));
    if (d->apps == NULL) {
        free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        d->apps[i].pid = -1;
    d->n = n;
    d->names = names;
    return d;
}

void dlv_free(struct dlv *d)
{
    if (d == NULL)
        return;
    free(d->apps);
    free(d->msgs);
    free(d->waits);
    free(d);
}

const char *dlv_violation(const struct dlv *d)
{
    return d->violation;
}

static bool app_ok(const struct dlv *d, int app)
{
    return app >= 0 && (size_t)app < d->n;
}

static const char *name(const struct dlv *d, int app)
{
    return app_ok(d, app) ? d->names[app] : "the kernel";
}

/* Has incarnation inc of app ended? */
static bool gone(const struct dlv *d, int app, unsigned inc)
{
    return d->apps[app].inc != inc || d->apps[app].ended;
}

static void violate(struct dlv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violate(struct dlv *d, const char *fmt, ...)
{
    if (d->violation[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->violation, sizeof(d->violation), fmt, ap);
    va_end(ap);
}

/* The checks of the instant that ended: the drops that wait for an end,
 * and the messages whose receiver's incarnation ended with them open. */
static void settle(struct dlv *d)
{
    for (size_t i = 0; i < d->n_waits; i++)
        if (!gone(d, d->waits[i].app, d->waits[i].inc))
            violate(d, "lost: %s, but %s did not end then", d->waits[i].what,
                    name(d, d->waits[i].app));
    d->n_waits = 0;
    if (!d->ended)
        return;
    d->ended = false;
    for (size_t i = 0; i < d->n_msgs; i++) {
        const struct dlv_msg *m = &d->msgs[i];
        if (gone(d, m->to, m->to_inc))
            violate(d,
                    "lost: a %s message from %s to %s (process id %.0f), queued at %.3f ms, was "
                    "neither delivered nor dropped when that incarnation ended (by %.3f ms)",
                    m->kind, name(d, m->from), name(d, m->to), m->to_pid, m->ns / 1e6,
                    d->now / 1e6);
    }
}

static void advance(struct dlv *d, double ns)
{
    if (ns > d->now) {
        settle(d);
        d->now = ns;
    }
}

void dlv_started(struct dlv *d, int app, double pid, double ns)
{
    advance(d, ns);
    if (app_ok(d, app))
        d->apps[app].pid = pid;
}

void dlv_state(struct dlv *d, int app, const char *state, double ns)
{
    advance(d, ns);
    if (!app_ok(d, app))
        return;
    struct dlv_app *a = &d->apps[app];
    bool end = strcmp(state, "Terminated") == 0 || strcmp(state, "Faulted") == 0;
    if (end && !a->ended) {
        a->ended = true;
        d->ended = true;
    } else if (!end && a->ended) {
        a->ended = false;
        a->inc++;
        d->ended = true;
    }
}

/* Makes room for one more element in *v (n in use, *cap allocated, size
 * bytes each); false if out of memory. */
static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, c * size);
    if (nv == NULL)
        return false;
    *v = nv;
    *cap = c;
    return true;
}

void dlv_queued(struct dlv *d, double flow, int from, int to, const char *kind, double ns)
{
    advance(d, ns);
    if (!app_ok(d, from) || !app_ok(d, to) || flow <= 0)
        return;
    if (!grow((void **)&d->msgs, d->n_msgs, &d->cap_msgs, sizeof(*d->msgs)))
        return;
    struct dlv_msg *m = &d->msgs[d->n_msgs++];
    *m = (struct dlv_msg){.flow = flow,
                          .ns = ns,
                          .from = from,
                          .to = to,
                          .from_inc = d->apps[from].inc,
                          .to_inc = d->apps[to].inc,
                          .to_pid = d->apps[to].pid};
    snprintf(m->kind, sizeof(m->kind), "%s", kind);
}

/* Takes flow `flow` out of the open messages into *out; false if unknown. */
static bool take(struct dlv *d, double flow, struct dlv_msg *out)
{
    for (size_t i = 0; flow > 0 && i < d->n_msgs; i++)
        if (d->msgs[i].flow == flow) {
            *out = d->msgs[i];
            d->msgs[i] = d->msgs[--d->n_msgs];
            return true;
        }
    return false;
}

void dlv_delivered(struct dlv *d, double flow, int from, int to, const char *kind, double ns)
{
    advance(d, ns);
    struct dlv_msg m;
    if (!take(d, flow, &m) || !app_ok(d, to))
        return;
    (void)from;
    if (gone(d, to, m.to_inc))
        violate(d,
                "delivery: a %s message from %s queued for %s's process id %.0f at %.3f ms "
                "reached a later incarnation (process id %.0f) at %.3f ms",
                kind, name(d, m.from), name(d, to), m.to_pid, m.ns / 1e6, d->apps[to].pid,
                ns / 1e6);
}

/* The drop of the message described by `what` is excused by the end of
 * incarnation inc of app: it must have ended by the end of this instant. */
static void expect_end(struct dlv *d, int app, unsigned inc, const char *what)
{
    if (!app_ok(d, app) || gone(d, app, inc))
        return;
    if (!grow((void **)&d->waits, d->n_waits, &d->cap_waits, sizeof(*d->waits)))
        return;
    struct dlv_wait *w = &d->waits[d->n_waits++];
    w->app = app;
    w->inc = inc;
    snprintf(w->what, sizeof(w->what), "%s", what);
}

void dlv_dropped(struct dlv *d, double flow, int from, int to, const char *kind, const char *why,
                 double ns)
{
    advance(d, ns);
    struct dlv_msg m;
    bool known = take(d, flow, &m);
    char what[200];
    snprintf(what, sizeof(what), "a %s message from %s to %s was dropped at %.3f ms as \"%s\"",
             kind, name(d, from), name(d, to), ns / 1e6, why);
    const struct km_ipc_drop_rule *r = km_ipc_drop_rule(kind, why);
    if (r == NULL) {
        violate(d, "lost: %s, a drop its design does not document", what);
        return;
    }
    /* without its flow the incarnations it was sent between are unknown */
    if (known && r->excuse == KM_IPC_RECEIVER_ENDED && app_ok(d, to))
        expect_end(d, to, m.to_inc, what);
    else if (known && r->excuse == KM_IPC_SENDER_ENDED && app_ok(d, from))
        expect_end(d, from, m.from_inc, what);
}

void dlv_finish(struct dlv *d, double ns, bool panicked)
{
    advance(d, ns);
    if (panicked) {
        /* a panic ends every process where it stands: no cleanup ran */
        for (size_t i = 0; i < d->n_waits; i++)
            d->apps[d->waits[i].app].ended = true;
        d->n_msgs = 0;
    }
    d->ended = true; /* receivers that ended and messages still open to them */
    settle(d);
}
