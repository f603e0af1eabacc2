/* trace.c: the Chrome trace event format writer (see trace.h).
 *
 * Slices are begin/end pairs ("B"/"E") written in virtual-time order, one
 * open slice at most per track: an app's syscall or computation on its
 * track, its process state on its state track. Once the event cap is
 * reached nothing new is written, but the end of every slice and flow
 * already begun still is, so the file stays balanced.
 *
 * Nothing here reads a clock: every timestamp is virtual time from the
 * kernel model; host addresses (upcall function pointers, appdata) are left
 * out so that the file does not depend on address randomisation. */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_TEXT_MAX 64 /* console bytes kept in an event's args */

struct track {
    uint64_t last_ns; /* latest timestamp written: later ones never go below */
    bool open;        /* a slice is open (whether or not its B was written) */
    bool written;     /* ... and its B was written */
};

struct app {
    char name[64];
    uint32_t cls;       /* class of the open call (UINT32_MAX: a computation) */
    bool have_state;    /* a state slice is open */
    struct track call;  /* tid 1 + i */
    struct track state; /* tid 1 + n + i */
};

struct flow {
    uint64_t id;
    int sender, target;
    const char *name; /* static: both ends carry it */
    bool written;     /* its start was written */
};

struct trace {
    FILE *f;
    char *path, *tmp;
    size_t max_events;
    uint64_t clock_hz;
    size_t n;
    struct app *apps;
    struct track kernel;
    uint64_t events, dropped;
    uint64_t next_flow;
    struct flow *flows; /* notifications queued and not yet delivered */
    size_t n_flows, cap_flows;
    unsigned nargs; /* args written in the current event */
};

/* ---- Output helpers ------------------------------------------------------ */

static uint64_t to_ns(const struct trace *t, uint64_t cycles)
{
    /* as km_cycles_to_ns */
    uint64_t hz = t->clock_hz ? t->clock_hz : 1;
    return (cycles / hz) * 1000000000u + (cycles % hz) * 1000000000u / hz;
}

/* A JSON string of len bytes: bytes outside printable ASCII are escaped one
 * by one, so the file is valid whatever an app prints. */
static void put_str(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static struct track *track_of(struct trace *t, int tid)
{
    if (tid <= 0)
        return &t->kernel;
    size_t i = (size_t)tid - 1;
    return i < t->n ? &t->apps[i].call : &t->apps[i - t->n].state;
}

/* Starts an event; false if the cap dropped it (then write nothing more of
 * it). `force` writes it whatever the cap. */
static bool ev_open(struct trace *t, const char *ph, const char *cat, const char *name, uint64_t ns,
                    int tid, bool force)
{
    if (!force && t->events >= t->max_events) {
        t->dropped++;
        return false;
    }
    struct track *tr = track_of(t, tid);
    if (ns < tr->last_ns)
        ns = tr->last_ns;
    tr->last_ns = ns;
    t->events++;
    t->nargs = 0;
    fprintf(t->f, ",\n{\"ph\":\"%s\",\"cat\":\"%s\",\"name\":", ph, cat);
    put_str(t->f, name, strlen(name));
    fprintf(t->f, ",\"ts\":%llu.%03llu,\"pid\":1,\"tid\":%d", (unsigned long long)(ns / 1000u),
            (unsigned long long)(ns % 1000u), tid);
    return true;
}

static void ev_close(struct trace *t)
{
    fputs(t->nargs ? "}}" : "}", t->f);
}

static void arg_key(struct trace *t, const char *key)
{
    fputs(t->nargs++ ? "," : ",\"args\":{", t->f);
    put_str(t->f, key, strlen(key));
    fputc(':', t->f);
}

static void arg_str(struct trace *t, const char *key, const char *v)
{
    arg_key(t, key);
    put_str(t->f, v ? v : "", v ? strlen(v) : 0);
}

static void arg_u64(struct trace *t, const char *key, uint64_t v)
{
    arg_key(t, key);
    fprintf(t->f, "%llu", (unsigned long long)v);
}

static void arg_hex(struct trace *t, const char *key, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "0x%08llx", (unsigned long long)v);
    arg_str(t, key, buf);
}

static void arg_bool(struct trace *t, const char *key, bool v)
{
    arg_key(t, key);
    fputs(v ? "true" : "false", t->f);
}

/* An instant event ("i") on tid with scope thread, or global when tid is
 * the kernel's and `global`. Returns false if dropped. */
static bool instant(struct trace *t, const char *cat, const char *name, uint64_t ns, int tid,
                    bool global)
{
    if (!ev_open(t, "i", cat, name, ns, tid, false))
        return false;
    fprintf(t->f, ",\"s\":\"%s\"", global ? "g" : "t");
    return true;
}

/* Begins a slice on tid's track (the caller has closed any open one). */
static bool slice_begin(struct trace *t, int tid, const char *cat, const char *name, uint64_t ns)
{
    struct track *tr = track_of(t, tid);
    tr->open = true;
    tr->written = ev_open(t, "B", cat, name, ns, tid, false);
    return tr->written;
}

/* Ends the open slice on tid's track; true if an "E" is being written
 * (the caller may add args, then ev_close). */
static bool slice_end(struct trace *t, int tid, const char *cat, uint64_t ns)
{
    struct track *tr = track_of(t, tid);
    if (!tr->open)
        return false;
    tr->open = false;
    if (!tr->written) {
        t->dropped++;
        return false;
    }
    tr->written = false;
    return ev_open(t, "E", cat, "", ns, tid, true);
}

/* ---- Open and close -------------------------------------------------------- */

struct trace *trace_open(const char *path, size_t max_events, uint64_t clock_hz, size_t n_apps,
                         char *err, size_t errlen)
{
    struct trace *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->apps = calloc(n_apps ? n_apps : 1, sizeof(*t->apps))) == NULL) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->n = n_apps;
    t->max_events = max_events ? max_events : TRACE_MAX_EVENTS_DEFAULT;
    t->clock_hz = clock_hz;
    size_t len = strlen(path);
    t->path = strdup(path);
    t->tmp = malloc(len + 32);
    if (t->path == NULL || t->tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        trace_discard(t);
        return NULL;
    }
    snprintf(t->tmp, len + 32, "%s.%ld.tmp", path, (long)getpid());
    t->f = fopen(t->tmp, "w");
    if (t->f == NULL) {
        snprintf(err, errlen, "%s: %s", t->tmp, strerror(errno));
        free(t->tmp);
        t->tmp = NULL;
        trace_discard(t);
        return NULL;
    }
    fputs("{\"traceEvents\":[\n"
          "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,"
          "\"args\":{\"name\":\"ipcsim\"}},\n"
          "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":0,"
          "\"args\":{\"name\":\"kernel\"}},\n"
          "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":1,\"tid\":0,"
          "\"args\":{\"sort_index\":0}}",
          t->f);
    return t;
}

void trace_set_app_name(struct trace *t, size_t i, const char *name)
{
    if (i >= t->n)
        return;
    struct app *a = &t->apps[i];
    snprintf(a->name, sizeof(a->name), "%s", name);
    char state[80];
    snprintf(state, sizeof(state), "%s state", a->name);
    const char *names[2] = {a->name, state};
    for (int k = 0; k < 2; k++) {
        int tid = (int)(1 + i + (size_t)k * t->n);
        fprintf(t->f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":%d,", tid);
        fputs("\"args\":{\"name\":", t->f);
        put_str(t->f, names[k], strlen(names[k]));
        fprintf(t->f,
                "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":1,\"tid\":%d,"
                "\"args\":{\"sort_index\":%zu}}",
                tid, 1 + 2 * i + (size_t)k);
    }
}

void trace_discard(struct trace *t)
{
    if (t == NULL)
        return;
    if (t->f)
        fclose(t->f);
    if (t->tmp)
        unlink(t->tmp);
    free(t->tmp);
    free(t->path);
    free(t->apps);
    free(t->flows);
    free(t);
}

/* ---- The app's calls ------------------------------------------------------- */

static bool app_ok(const struct trace *t, int p)
{
    return p >= 0 && (size_t)p < t->n;
}

static int call_tid(int p)
{
    return 1 + p;
}

static int state_tid(const struct trace *t, int p)
{
    return (int)(1 + t->n + (size_t)p);
}

/* Ends app p's open call, if any, with `answer` as its outcome. */
static void call_end_plain(struct trace *t, int p, uint64_t ns, const char *answer)
{
    if (slice_end(t, call_tid(p), "syscall", ns)) {
        arg_str(t, "answer", answer);
        ev_close(t);
    }
}

void trace_syscall(struct trace *t, uint64_t now, int p, uint32_t cls, const struct km_regs *r)
{
    if (!app_ok(t, p))
        return;
    uint64_t ns = to_ns(t, now);
    call_end_plain(t, p, ns, "none");
    struct app *a = &t->apps[p];
    a->cls = cls;
    uint32_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (uint32_t)r->r[i];
    char name[48];
    bool driver = cls == KM_SYS_SUBSCRIBE || cls == KM_SYS_COMMAND || cls == KM_SYS_ALLOW_RW ||
                  cls == KM_SYS_ALLOW_RO || cls == KM_SYS_ALLOW_UR;
    if (driver)
        snprintf(name, sizeof(name), "%s 0x%x/%u", km_class_name(cls), v[0], v[1]);
    else
        snprintf(name, sizeof(name), "%s", km_class_name(cls));
    if (!slice_begin(t, call_tid(p), "syscall", name, ns))
        return;
    arg_str(t, "class", km_class_name(cls));
    switch (cls) {
    case KM_SYS_YIELD:
        arg_str(t, "variant",
                v[0] == KM_YIELD_NO_WAIT    ? "no-wait"
                : v[0] == KM_YIELD_WAIT     ? "wait"
                : v[0] == KM_YIELD_WAIT_FOR ? "wait-for"
                                            : "?");
        if (v[0] == KM_YIELD_WAIT_FOR) {
            arg_hex(t, "driver", v[1]);
            arg_u64(t, "subscribe", v[2]);
        }
        break;
    case KM_SYS_SUBSCRIBE:
        /* the upcall pointer and appdata are host addresses: left out */
        arg_hex(t, "driver", v[0]);
        arg_u64(t, "number", v[1]);
        arg_bool(t, "null_upcall", r->r[2] == 0);
        break;
    case KM_SYS_COMMAND:
        arg_hex(t, "driver", v[0]);
        arg_u64(t, "number", v[1]);
        arg_u64(t, "arg1", v[2]);
        arg_u64(t, "arg2", v[3]);
        break;
    case KM_SYS_ALLOW_RW:
    case KM_SYS_ALLOW_RO:
    case KM_SYS_ALLOW_UR:
        arg_hex(t, "driver", v[0]);
        arg_u64(t, "number", v[1]);
        arg_hex(t, "ptr", v[2]);
        arg_u64(t, "len", v[3]);
        break;
    case KM_SYS_MEMOP:
        arg_u64(t, "op", v[0]);
        arg_hex(t, "arg", v[1]);
        break;
    case KM_SYS_EXIT:
        arg_str(t, "variant", v[0] == 0 ? "terminate" : v[0] == 1 ? "restart" : "?");
        arg_u64(t, "code", v[1]);
        break;
    default:
        for (int i = 0; i < 4; i++) {
            char key[4] = {'r', (char)('0' + i), 0, 0};
            arg_hex(t, key, r->r[i]);
        }
        break;
    }
    ev_close(t);
}

void trace_compute(struct trace *t, uint64_t now, int p, uint64_t cycles, bool preempted)
{
    if (!app_ok(t, p))
        return;
    uint64_t ns = to_ns(t, now);
    call_end_plain(t, p, ns, "none");
    t->apps[p].cls = UINT32_MAX;
    if (slice_begin(t, call_tid(p), "compute", preempted ? "preempted" : "compute", ns)) {
        if (preempted)
            arg_str(t, "by", "host watchdog");
        else
            arg_u64(t, "cycles", cycles);
        ev_close(t);
    }
}

void trace_op(struct trace *t, uint64_t now, int p, bool begin, const char *kind, int32_t rc)
{
    if (!app_ok(t, p))
        return;
    char name[48];
    snprintf(name, sizeof(name), "%s %s", kind, begin ? "begin" : "end");
    if (instant(t, "op", name, to_ns(t, now), call_tid(p), false)) {
        if (!begin) {
            arg_key(t, "status");
            fprintf(t->f, "%d", (int)rc);
        }
        ev_close(t);
    }
}

static const char *rv_name(uint32_t rv)
{
    switch (rv) {
    case KM_RV_FAILURE:
        return "Failure";
    case KM_RV_FAILURE_U32:
        return "FailureU32";
    case KM_RV_FAILURE_2U32:
        return "Failure2U32";
    case KM_RV_FAILURE_U64:
        return "FailureU64";
    case KM_RV_SUCCESS:
        return "Success";
    case KM_RV_SUCCESS_U32:
        return "SuccessU32";
    case KM_RV_SUCCESS_2U32:
        return "Success2U32";
    case KM_RV_SUCCESS_U64:
        return "SuccessU64";
    case KM_RV_SUCCESS_3U32:
        return "Success3U32";
    case KM_RV_SUCCESS_U32_U64:
        return "SuccessU32U64";
    default:
        return "?";
    }
}

/* Values a return variant carries after r0. */
static int rv_values(uint32_t rv)
{
    switch (rv) {
    case KM_RV_FAILURE:
    case KM_RV_SUCCESS:
        return 0;
    case KM_RV_SUCCESS_U32:
        return 1;
    case KM_RV_FAILURE_U32:
    case KM_RV_SUCCESS_2U32:
    case KM_RV_SUCCESS_U64:
        return 2;
    default:
        return 3;
    }
}

void trace_dispatch(struct trace *t, uint64_t now, int p, const struct km_dispatch *d,
                    uint32_t process_id)
{
    if (!app_ok(t, p))
        return;
    uint64_t ns = to_ns(t, now);
    struct app *a = &t->apps[p];
    if (d->resume == KM_RESUME_START) {
        call_end_plain(t, p, ns, "process started");
        if (instant(t, "process", "start", ns, call_tid(p), false)) {
            arg_u64(t, "process_id", process_id); /* a new one on every restart */
            ev_close(t);
        }
        return;
    }
    if (d->resume == KM_RESUME_UPCALL) {
        call_end_plain(t, p, ns, "upcall");
        if (instant(t, "upcall", "upcall", ns, call_tid(p), false)) {
            arg_bool(t, "null_upcall", d->upcall.fn == 0);
            for (int i = 0; i < 3; i++) {
                char key[5] = {'a', 'r', 'g', (char)('0' + i), 0};
                arg_hex(t, key, d->upcall.args[i]);
            }
            arg_bool(t, "answers_no_wait", d->upcall_nowait);
            ev_close(t);
        }
        return;
    }
    if (!slice_end(t, call_tid(p), "syscall", ns))
        return;
    arg_str(t, "answer", "return");
    uint32_t rv = (uint32_t)d->regs.r[0];
    uint32_t cls = a->cls;
    if (cls != KM_SYS_YIELD && cls != UINT32_MAX) {
        arg_str(t, "return", rv_name(rv));
        if (rv < KM_RV_SUCCESS && rv_values(rv) > 0)
            arg_str(t, "error", km_err_name((int)(uint32_t)d->regs.r[1]));
        /* subscribe returns the previous upcall: host addresses */
        bool values = cls == KM_SYS_COMMAND || cls == KM_SYS_MEMOP || cls == KM_SYS_ALLOW_RW ||
                      cls == KM_SYS_ALLOW_RO || cls == KM_SYS_ALLOW_UR;
        int nv = values ? rv_values(rv) : 0;
        for (int i = rv < KM_RV_SUCCESS ? 2 : 1; i <= nv; i++) {
            char key[3] = {'r', (char)('0' + i), 0};
            arg_hex(t, key, (uint32_t)d->regs.r[i]);
        }
    }
    ev_close(t);
}

/* ---- Kernel events ----------------------------------------------------------- */

static void state_change(struct trace *t, uint64_t ns, int p, enum km_state from, enum km_state to)
{
    struct app *a = &t->apps[p];
    int tid = state_tid(t, p);
    if (!a->have_state) {
        /* the first change: the state it left has held since boot */
        a->have_state = true;
        slice_begin(t, tid, "state", km_state_name(from), 0);
        if (a->state.written)
            ev_close(t);
    }
    if (slice_end(t, tid, "state", ns))
        ev_close(t);
    if (slice_begin(t, tid, "state", km_state_name(to), ns))
        ev_close(t);
    if (to == KM_STATE_TERMINATED || to == KM_STATE_FAULTED)
        call_end_plain(t, p, ns,
                       to == KM_STATE_TERMINATED ? "none (terminated)" : "none (faulted)");
}

/* The oldest open flow of this name from sender to target (a request and
 * a mailbox message between the same pair are separate flows). */
static struct flow *flow_find(struct trace *t, int sender, int target, const char *name)
{
    for (size_t i = 0; i < t->n_flows; i++)
        if (t->flows[i].sender == sender && t->flows[i].target == target &&
            t->flows[i].name == name)
            return &t->flows[i];
    return NULL;
}

/* Ends a flow (delivered, dropped or left over at the end) on its target. */
static void flow_finish(struct trace *t, struct flow *fl, uint64_t ns, const char *outcome)
{
    if (fl->written) {
        ev_open(t, "f", "ipc", fl->name, ns, call_tid(fl->target), true);
        fprintf(t->f, ",\"bp\":\"e\",\"id\":%llu", (unsigned long long)fl->id);
        arg_str(t, "outcome", outcome);
        ev_close(t);
    } else {
        t->dropped++;
    }
    size_t i = (size_t)(fl - t->flows);
    memmove(fl, fl + 1, (t->n_flows - i - 1) * sizeof(*fl));
    t->n_flows--;
}

/* The name of a message's flow: "ipc notify" for legacy IPC, else "ipc "
 * and the operation. */
static const char *flow_name(const char *op)
{
    static const char *const names[] = {"ipc request", "ipc response", "ipc message",
                                        "ipc send",    "ipc reply",    "ipc grant"};
    for (size_t i = 0; op != NULL && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i] + 4, op) == 0)
            return names[i];
    return "ipc notify";
}

static void ipc_event(struct trace *t, uint64_t ns, const struct km_event *ev)
{
    int s = ev->u.ipc.sender, g = ev->u.ipc.target;
    if (!app_ok(t, s) || !app_ok(t, g))
        return;
    const char *kind = ev->u.ipc.op ? ev->u.ipc.op : (ev->u.ipc.service ? "service" : "client");
    if (ev->u.ipc.phase == KM_IPC_QUEUED) {
        if (t->n_flows == t->cap_flows) {
            size_t cap = t->cap_flows ? t->cap_flows * 2 : 16;
            struct flow *nf = realloc(t->flows, cap * sizeof(*nf));
            if (nf == NULL)
                return;
            t->flows = nf;
            t->cap_flows = cap;
        }
        struct flow *fl = &t->flows[t->n_flows++];
        fl->id = ++t->next_flow;
        fl->sender = s;
        fl->target = g;
        fl->name = flow_name(ev->u.ipc.op);
        fl->written = ev_open(t, "s", "ipc", fl->name, ns, call_tid(s), false);
        if (fl->written) {
            fprintf(t->f, ",\"id\":%llu", (unsigned long long)fl->id);
            arg_str(t, "kind", kind);
            if (ev->u.ipc.bytes)
                arg_u64(t, "bytes", ev->u.ipc.bytes);
            arg_str(t, "to", t->apps[g].name);
            ev_close(t);
        }
        return;
    }
    bool delivered = ev->u.ipc.phase == KM_IPC_DELIVERED;
    struct flow *fl = flow_find(t, s, g, flow_name(ev->u.ipc.op));
    uint64_t id = fl && fl->written ? fl->id : 0; /* 0: no flow in the trace */
    if (fl)
        flow_finish(t, fl, ns, delivered ? "delivered" : "dropped");
    if (instant(t, "ipc", delivered ? "ipc delivered" : "ipc dropped", ns, call_tid(g), false)) {
        arg_str(t, "kind", kind);
        arg_str(t, "from", t->apps[s].name);
        if (id)
            arg_u64(t, "flow", id);
        if (!delivered)
            arg_str(t, "why", ev->u.ipc.why);
        ev_close(t);
    }
}

void trace_km_event(struct trace *t, const struct km_event *ev)
{
    uint64_t ns = to_ns(t, ev->time);
    int p = app_ok(t, ev->proc) ? ev->proc : -1;
    int tid = p >= 0 ? call_tid(p) : 0;
    switch (ev->kind) {
    case KM_EV_STATE:
        if (p >= 0)
            state_change(t, ns, p, ev->u.state.from, ev->u.state.to);
        break;
    case KM_EV_CONSOLE:
        if (instant(t, "console", "console", ns, tid, false)) {
            uint32_t len = ev->u.console.len;
            char text[CONSOLE_TEXT_MAX + 4];
            uint32_t n = len > CONSOLE_TEXT_MAX ? CONSOLE_TEXT_MAX : len;
            memcpy(text, ev->u.console.data, n);
            if (n < len) {
                memcpy(text + n, "...", 3);
                n += 3;
            }
            arg_key(t, "text");
            put_str(t->f, text, n);
            arg_u64(t, "bytes", len);
            ev_close(t);
        }
        break;
    case KM_EV_LED:
        if (instant(t, "led", ev->u.led.on ? "led on" : "led off", ns, tid, false)) {
            arg_u64(t, "index", ev->u.led.index);
            ev_close(t);
        }
        break;
    case KM_EV_TERMINATE:
        if (instant(t, "process", "terminate", ns, tid, false))
            ev_close(t);
        break;
    case KM_EV_RESTART:
        if (p >= 0)
            call_end_plain(t, p, ns, "none (restarted)");
        if (instant(t, "process", "restart", ns, tid, false))
            ev_close(t);
        break;
    case KM_EV_PANIC:
        if (instant(t, "panic", "kernel panic", ns, 0, true)) {
            arg_str(t, "reason", ev->u.panic.reason);
            ev_close(t);
        }
        break;
    case KM_EV_FINDING:
        if (instant(t, "finding", "finding", ns, tid, false)) {
            arg_str(t, "text", ev->u.finding.text);
            ev_close(t);
        }
        break;
    case KM_EV_INJECT:
        if (instant(t, "inject", "inject", ns, tid, false)) {
            arg_str(t, "kind", km_inject_kind_name(ev->u.inject.kind));
            arg_u64(t, "rule", ev->u.inject.rule);
            arg_str(t, "detail", ev->u.inject.detail);
            ev_close(t);
        }
        break;
    case KM_EV_KILL:
        if (instant(t, "process", "kill", ns, tid, false))
            ev_close(t);
        break;
    case KM_EV_FAULT:
        if (instant(t, "fault", "fault", ns, tid, false)) {
            arg_str(t, "reason", ev->u.fault.reason);
            ev_close(t);
        }
        break;
    case KM_EV_NOTICE:
        if (instant(t, "notice", "notice", ns, tid, false)) {
            arg_str(t, "text", ev->u.notice.text);
            ev_close(t);
        }
        break;
    case KM_EV_IPC:
        ipc_event(t, ns, ev);
        break;
    case KM_EV_DISCOVER:
        if (p >= 0 && app_ok(t, ev->u.discover.found) &&
            instant(t, "ipc", "ipc discovered", ns, tid, false)) {
            arg_str(t, "found", t->apps[ev->u.discover.found].name);
            arg_str(t, "by", ev->u.discover.how);
            ev_close(t);
        }
        break;
    }
}

/* ---- Commit ------------------------------------------------------------------ */

int trace_commit(struct trace *t, const struct trace_meta *m, char *err, size_t errlen)
{
    uint64_t ns = to_ns(t, m->end_cycles);
    for (size_t i = 0; i < t->n; i++) {
        call_end_plain(t, (int)i, ns, "none (run ended)");
        if (slice_end(t, state_tid(t, (int)i), "state", ns))
            ev_close(t);
    }
    while (t->n_flows)
        flow_finish(t, &t->flows[0], ns, "not delivered (run ended)");
    FILE *f = t->f;
    fputs("\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"format\":\"ipcsim-trace/1\","
          "\"time\":\"virtual\",\"scenario\":",
          f);
    put_str(f, m->scenario, strlen(m->scenario));
    fprintf(f, ",\"seed\":%llu,\"end_reason\":", (unsigned long long)m->seed);
    put_str(f, m->end_reason, strlen(m->end_reason));
    fprintf(f,
            ",\"end_us\":%llu.%03llu,\"clock_hz\":%llu,\"events\":%llu,\"max_events\":%llu,"
            "\"truncated\":%s,\"events_dropped\":%llu}}\n",
            (unsigned long long)(ns / 1000u), (unsigned long long)(ns % 1000u),
            (unsigned long long)t->clock_hz, (unsigned long long)t->events,
            (unsigned long long)t->max_events, t->dropped ? "true" : "false",
            (unsigned long long)t->dropped);
    int rc = 0;
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
        snprintf(err, errlen, "%s: %s", t->tmp, strerror(errno));
        rc = -1;
    }
    t->f = NULL;
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", t->tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(t->tmp, t->path) < 0) {
        snprintf(err, errlen, "%s: %s", t->path, strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        free(t->tmp);
        t->tmp = NULL;
    }
    trace_discard(t);
    return rc;
}
