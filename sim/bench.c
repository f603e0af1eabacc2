/* bench.c: `ipcsim bench`, the simulator's host speed measured in one run
 * on this machine (docs/performance.md):
 *
 *   raw handoff     two processes passing one message back and forth
 *                   through a mailbox (ipcsim_mbox.h), the transport's
 *                   mechanism without the simulator
 *   raw relay       A -> K -> B -> K -> A through two mailboxes: the shape
 *                   of one IPC round trip through a kernel process
 *   null command    a simulated app's command 0 (app -> kernel model ->
 *                   app), on the mailbox and on the socket transport
 *   IPC round trip  a simulated ipcsvc call of 16 bytes, per mechanism
 *   app switch      the kernel ends one app's timeslice and resumes the
 *                   other: from the first app's syscall to the second
 *                   app running
 *
 * Every figure is host time per operation, measured where the operation
 * starts (the app, or the raw client), as a median and 99th percentile;
 * the ratios compare figures of the same run, as the machine's speed moves
 * between runs. Simulated figures come from the `bench` example program
 * run in scenarios this file writes; virtual time is not involved.
 */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "ipcsim_mbox.h"
#include "results.h"
#include "runner.h"

#define WARMUP 1000u /* round trips before the timed ones (raw figures) */

/* SIGINT or SIGTERM: stop measuring, leave nothing behind (exit 130). The
 * simulated runs catch them themselves (run_scenario); between them and in
 * the raw figures this handler does. */
static volatile sig_atomic_t bench_signal;

static void bench_on_signal(int sig)
{
    bench_signal = sig;
}

static void bench_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = bench_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: a blocked recv returns */
    sigaction(SIGTERM, &sa, NULL);
}

struct figure {
    const char *key; /* stable name in the JSON output */
    char label[64];  /* what the table says */
    size_t n;        /* samples */
    double median_us, p99_us, mean_us;
    bool ok; /* measured */
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median, p99 and mean of n samples (sorted in place). */
static void figure_set(struct figure *f, uint64_t *v, size_t n)
{
    f->n = n;
    f->ok = n > 0;
    if (n == 0)
        return;
    qsort(v, n, sizeof(*v), cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    f->median_us = (double)v[n / 2] / 1000.0;
    f->p99_us = (double)v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0;
    f->mean_us = sum / (double)n / 1000.0;
}

/* ---- Raw figures: the mailbox without the simulator ---------------------- */

/* The kernel side's wait, as the simulator's pump does it: poll, then flag
 * itself asleep and block until the app rings its doorbell socket. False
 * if the app went away instead. */
static bool raw_kernel_wait(struct ipcsim_mbox *mb, uint32_t seen, int sock,
                            const struct ipcsim_mbox_spin *kspin)
{
    while (!ipcsim_mbox_poll(&mb->req_seq, seen, kspin, NULL)) {
        atomic_store_explicit(&mb->kern_sleeping, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&mb->req_seq, memory_order_seq_cst) != seen)
            break;
        struct ipcsim_msg bell;
        ssize_t n = recv(sock, &bell, sizeof(bell), 0);
        if (n == 0 || (n < 0 && errno != EINTR) || bench_signal)
            return false;
    }
    return true;
}

/* The kernel side's answer, as mailbox_answer does it. */
static void raw_kernel_answer(struct ipcsim_mbox *mb, const struct ipcsim_msg *m)
{
    mb->rep = *m;
    atomic_store_explicit(&mb->kern_sleeping, 0, memory_order_relaxed);
    if (ipcsim_mbox_post(&mb->rep_seq, &mb->app_sleeping))
        ipcsim_mbox_wake(&mb->rep_seq);
}

/* The app side's exchange, as the shim's mailbox transport does it. */
static uint32_t raw_app_exchange(struct ipcsim_mbox *mb, const struct ipcsim_msg *m, uint32_t rep,
                                 int sock, const struct ipcsim_mbox_spin *spin)
{
    mb->req = *m;
    atomic_store_explicit(&mb->blocked, 0, memory_order_relaxed);
    if (ipcsim_mbox_post(&mb->req_seq, &mb->kern_sleeping)) {
        struct ipcsim_msg bell = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, 0);
        if (send(sock, &bell, sizeof(bell), MSG_NOSIGNAL) < 0)
            _exit(3);
    }
    return ipcsim_mbox_wait(&mb->rep_seq, rep, &mb->app_sleeping, spin, &mb->blocked);
}

/* n samples of `per` exchanges each. */
static void raw_client(struct ipcsim_mbox *mb, int sock, size_t n, unsigned per, uint64_t *samples,
                       const struct ipcsim_mbox_spin *spin)
{
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 0);
    uint32_t rep = 0, seq = 0;
    for (size_t i = 0; i < WARMUP + n; i++) {
        uint64_t t0 = ipcsim_mbox_now_ns();
        for (unsigned k = 0; k < per; k++) {
            m.seq = seq++;
            rep = raw_app_exchange(mb, &m, rep, sock, spin);
        }
        uint64_t t = ipcsim_mbox_now_ns() - t0;
        if (i >= WARMUP)
            samples[i - WARMUP] = t;
    }
}

struct raw_area {
    struct ipcsim_mbox mb[2];
    uint64_t samples[];
};

static struct raw_area *raw_area_new(size_t n)
{
    size_t bytes = sizeof(struct raw_area) + n * sizeof(uint64_t);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    struct raw_area *a = p;
    for (int i = 0; i < 2; i++)
        atomic_store(&a->mb[i].kern_sleeping, 1);
    return a;
}

static void raw_area_free(struct raw_area *a, size_t n)
{
    munmap(a, sizeof(struct raw_area) + n * sizeof(uint64_t));
}

/* Reaps children (killing them first unless `done`); false if one did not
 * exit 0. */
static bool reap(const pid_t *pids, int n, bool done)
{
    bool ok = done;
    for (int i = 0; i < n; i++)
        if (!done && pids[i] > 0)
            kill(pids[i], SIGKILL);
    for (int i = 0; i < n; i++) {
        int st;
        if (pids[i] <= 0 || waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            ok = false;
    }
    return ok;
}

/* One app process and the kernel: n round trips. */
static int raw_handoff(size_t n, const struct ipcsim_mbox_spin *app,
                       const struct ipcsim_mbox_spin *kern, struct figure *f)
{
    struct raw_area *a = raw_area_new(n);
    int sv[2];
    if (a == NULL || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        raw_client(&a->mb[0], sv[1], n, 1, a->samples, app);
        _exit(0);
    }
    close(sv[1]);
    uint32_t seen = 0;
    bool done = pid > 0;
    for (size_t i = 0; done && i < WARMUP + n; i++) {
        done = !bench_signal && raw_kernel_wait(&a->mb[0], seen, sv[0], kern);
        seen++;
        struct ipcsim_msg m = a->mb[0].req;
        m.type = IPCSIM_MSG_RETURN;
        raw_kernel_answer(&a->mb[0], &m);
    }
    bool ok = reap(&pid, 1, done);
    close(sv[0]);
    if (ok)
        figure_set(f, a->samples, n);
    raw_area_free(a, n);
    return ok ? 0 : -1;
}

/* Client A and server B, each with a mailbox, and the kernel relaying:
 * A -> K -> B -> K -> A, n times. With ea, eb > 1, A makes ea exchanges
 * per round and B eb: the kernel answers all but the last of each side's
 * at once, and relays on the last (as the simulator answers syscalls and
 * switches apps on a yield), so a round costs what a simulated call of
 * ea client and eb server syscalls costs the transport. */
static int raw_relay(size_t n, unsigned ea, unsigned eb, const struct ipcsim_mbox_spin *app,
                     const struct ipcsim_mbox_spin *kern, struct figure *f)
{
    struct raw_area *a = raw_area_new(n);
    int sa[2], sb[2];
    if (a == NULL || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sa) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sb) < 0)
        return -1;
    fflush(NULL);
    pid_t pids[2];
    pids[0] = fork();
    if (pids[0] == 0) {
        raw_client(&a->mb[0], sa[1], n, ea, a->samples, app);
        _exit(0);
    }
    pids[1] = pids[0] > 0 ? fork() : -1;
    if (pids[1] == 0) {
        /* the server: take a request, make its other exchanges, post the
         * answer, again */
        struct ipcsim_mbox *mb = &a->mb[1];
        uint32_t rep = 0;
        for (size_t i = 0; i < WARMUP + n; i++) {
            rep = ipcsim_mbox_wait(&mb->rep_seq, rep, &mb->app_sleeping, app, &mb->blocked);
            struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_SYSCALL, 0);
            for (unsigned k = 1; k < eb; k++)
                rep = raw_app_exchange(mb, &m, rep, sb[1], app);
            mb->req = mb->rep;
            mb->req.type = IPCSIM_MSG_SYSCALL;
            atomic_store_explicit(&mb->blocked, 0, memory_order_relaxed);
            if (ipcsim_mbox_post(&mb->req_seq, &mb->kern_sleeping)) {
                struct ipcsim_msg bell = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, 0);
                if (send(sb[1], &bell, sizeof(bell), MSG_NOSIGNAL) < 0)
                    _exit(3);
            }
        }
        _exit(0);
    }
    close(sa[1]);
    close(sb[1]);
    uint32_t seen_a = 0, seen_b = 0;
    bool done = pids[0] > 0 && pids[1] > 0;
    for (size_t i = 0; done && i < WARMUP + n; i++) {
        struct ipcsim_msg m;
        for (unsigned k = 0; done && k < ea; k++) {
            done = !bench_signal && raw_kernel_wait(&a->mb[0], seen_a++, sa[0], kern);
            m = a->mb[0].req;
            m.type = IPCSIM_MSG_RETURN;
            if (k + 1 < ea)
                raw_kernel_answer(&a->mb[0], &m);
        }
        m.type = IPCSIM_MSG_UPCALL;
        /* as the simulator does when it runs another app */
        atomic_store_explicit(&a->mb[0].blocked, 1, memory_order_relaxed);
        raw_kernel_answer(&a->mb[1], &m);
        for (unsigned k = 0; done && k < eb; k++) {
            done = raw_kernel_wait(&a->mb[1], seen_b++, sb[0], kern);
            m = a->mb[1].req;
            m.type = IPCSIM_MSG_RETURN;
            if (k + 1 < eb)
                raw_kernel_answer(&a->mb[1], &m);
        }
        m = a->mb[1].req;
        m.type = IPCSIM_MSG_RETURN;
        atomic_store_explicit(&a->mb[1].blocked, 1, memory_order_relaxed);
        raw_kernel_answer(&a->mb[0], &m);
    }
    bool ok = reap(pids, 2, done);
    close(sa[0]);
    close(sb[0]);
    if (ok)
        figure_set(f, a->samples, n);
    raw_area_free(a, n);
    return ok ? 0 : -1;
}

/* ---- Simulated figures ------------------------------------------------- */

/* A simulated run was interrupted (SIGINT, SIGTERM): no more runs. */
static bool bench_interrupted;

struct bench_ctx {
    const struct scn_search *search;
    char dir[64]; /* scratch directory */
    size_t n;
};

/* Runs the scenario text on a transport; fills *res. 0, or -1 with a
 * message printed. */
static int sim_run(struct bench_ctx *c, const char *name, const char *text,
                   enum run_transport_kind tp, struct run_result *res)
{
    if (bench_interrupted || bench_signal)
        return -1;
    struct scn_scenario s;
    char err[1024], path[160];
    snprintf(path, sizeof(path), "%s/%s.json", c->dir, name);
    if (scn_load_text(text, strlen(text), path, c->search, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim bench: %s\n", err);
        return -1;
    }
    struct run_options ro = {.quiet = true, .host_timeout_ms = 10000, .transport = tp};
    int rc = run_scenario(&s, &ro, res);
    bench_catch_signals(); /* the loop's handlers are gone with it */
    bool ok = rc == 0 && !res->interrupted && !res->host_error;
    if (res->interrupted) {
        scn_free(&s);
        bench_interrupted = true;
        run_result_free(res);
        return -1;
    }
    for (size_t i = 0; ok && i < res->n_apps; i++) {
        const struct km_proc_info *in = &res->apps[i].info;
        /* servers wait in yield; clients end with exit code 0 */
        if (in->state == KM_STATE_TERMINATED && (!in->has_completion_code || in->completion_code))
            ok = false;
        if (in->state != KM_STATE_TERMINATED && in->state != KM_STATE_YIELDED)
            ok = false;
    }
    if (!ok)
        fprintf(stderr, "ipcsim bench: %s (%s transport) did not run as it should%s%s\n", name,
                run_transport_name(tp), res->host_error ? ": " : "",
                res->host_error ? res->host_error_msg : "");
    scn_free(&s);
    if (!ok) {
        run_result_free(res);
        return -1;
    }
    return 0;
}

/* Reads the samples an app wrote; NULL if there are not `want`. */
static uint64_t *read_samples(struct bench_ctx *c, const char *file, size_t want)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", c->dir, file);
    size_t len = 0;
    char *data = results_read_file(path, &len);
    if (data == NULL || len != want * sizeof(uint64_t)) {
        fprintf(stderr, "ipcsim bench: %s: expected %zu samples\n", path, want);
        free(data);
        return NULL;
    }
    return (uint64_t *)(void *)data;
}

static uint64_t run_syscalls(const struct run_result *res)
{
    uint64_t n = 0;
    for (size_t i = 0; i < res->n_apps; i++)
        for (int k = 0; k < KM_SYS_NCLASSES; k++)
            n += res->apps[i].info.stats.syscalls[k];
    return n;
}

/* A simulated null command: figure f, and host seconds per syscall of the
 * whole run in *per_syscall. */
static int sim_null(struct bench_ctx *c, enum run_transport_kind tp, struct figure *f,
                    double *per_syscall)
{
    char text[512];
    snprintf(text, sizeof(text),
             "{\"name\": \"bench_null\", \"duration_ms\": 86400000, \"apps\": [{\"name\": "
             "\"bench\", \"program\": \"bench\", \"args\": [\"null\", \"%zu\", \"%s/null.bin\"]}]}",
             c->n, c->dir);
    struct run_result res;
    if (sim_run(c, "bench_null", text, tp, &res) < 0)
        return -1;
    uint64_t *v = read_samples(c, "null.bin", c->n);
    uint64_t calls = run_syscalls(&res);
    /* from the first app's start: spawning the process is not a syscall */
    *per_syscall = calls ? (res.host_wall_s - res.host_first_start_s) / (double)calls : 0;
    run_result_free(&res);
    if (v == NULL)
        return -1;
    size_t skip = c->n / 100; /* start-up */
    figure_set(f, v + skip, c->n - skip);
    free(v);
    return 0;
}

/* The syscalls app i made per call of n, rounded (at least 1). */
static unsigned per_call(const struct run_result *res, size_t i, size_t n)
{
    uint64_t s = 0;
    for (int k = 0; i < res->n_apps && k < KM_SYS_NCLASSES; k++)
        s += res->apps[i].info.stats.syscalls[k];
    unsigned v = (unsigned)(((double)s / (double)n) + 0.5);
    return v ? v : 1;
}

/* A simulated ipcsvc call of 16 bytes on mechanism `mech`; *ea and *eb get
 * the client's and the server's syscalls per call. */
static int sim_call(struct bench_ctx *c, const char *mech, size_t n, struct figure *f, unsigned *ea,
                    unsigned *eb)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"name\": \"bench_call\", \"duration_ms\": 86400000, \"ipc\": {\"mechanism\": "
             "\"%s\"}, \"apps\": [{\"name\": \"server\", \"program\": \"svc_server\", "
             "\"package_name\": \"org.ipcsim.echo\", \"args\": [\"org.ipcsim.echo\", \"0\", "
             "\"0\", \"quiet\"], \"ram\": 24576}, {\"name\": \"client\", \"program\": "
             "\"bench\", \"args\": [\"call\", \"%zu\", \"%s/call.bin\"], \"ram\": 24576}]}",
             mech, n, c->dir);
    struct run_result res;
    if (sim_run(c, "bench_call", text, RUN_TRANSPORT_MAILBOX, &res) < 0)
        return -1;
    *eb = per_call(&res, 0, n); /* the server is app 0, the client app 1 */
    *ea = per_call(&res, 1, n);
    run_result_free(&res);
    uint64_t *v = read_samples(c, "call.bin", n);
    if (v == NULL)
        return -1;
    size_t skip = n / 100;
    figure_set(f, v + skip, n - skip);
    free(v);
    return 0;
}

struct sw_event {
    uint64_t t;
    int app;
    bool after;
};

static int cmp_event(const void *a, const void *b)
{
    const struct sw_event *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* App switches: two apps computing one timeslice at a time under round
 * robin; a sample is the host time from one app's syscall to the other
 * app's return, when those are consecutive. */
static int sim_switch(struct bench_ctx *c, size_t n, struct figure *f)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"name\": \"bench_switch\", \"duration_ms\": 86400000, \"kernel\": "
             "{\"scheduler\": \"round_robin\", \"timeslice_us\": 1000}, \"apps\": ["
             "{\"name\": \"a\", \"program\": \"bench\", \"args\": [\"switch\", \"%zu\", "
             "\"%s/switch_a.bin\", \"64000\"]}, {\"name\": \"b\", \"program\": \"bench\", "
             "\"args\": [\"switch\", \"%zu\", \"%s/switch_b.bin\", \"64000\"]}]}",
             n, c->dir, n, c->dir);
    struct run_result res;
    if (sim_run(c, "bench_switch", text, RUN_TRANSPORT_MAILBOX, &res) < 0)
        return -1;
    run_result_free(&res);
    uint64_t *va = read_samples(c, "switch_a.bin", 2 * n);
    uint64_t *vb = va ? read_samples(c, "switch_b.bin", 2 * n) : NULL;
    struct sw_event *ev = vb ? malloc(4 * n * sizeof(*ev)) : NULL;
    uint64_t *v = ev ? malloc(4 * n * sizeof(*v)) : NULL;
    if (v == NULL) {
        free(va);
        free(vb);
        free(ev);
        return -1;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        ev[i] = (struct sw_event){va[i], 0, i % 2 == 1};
        ev[2 * n + i] = (struct sw_event){vb[i], 1, i % 2 == 1};
    }
    qsort(ev, 4 * n, sizeof(*ev), cmp_event);
    size_t k = 0;
    for (size_t i = 1; i < 4 * n; i++)
        if (ev[i].after && !ev[i - 1].after && ev[i - 1].app != ev[i].app)
            v[k++] = ev[i].t - ev[i - 1].t;
    size_t skip = k / 100;
    figure_set(f, v + skip, k - skip);
    free(va);
    free(vb);
    free(ev);
    free(v);
    return k > 0 ? 0 : -1;
}

/* Start-up: `runs` runs of napps instances of hello on the synthetic-large
 * part; f gets the host time from each run's start until its first app
 * started, *rss_kib the mean peak resident memory of an app process. */
static int sim_start(struct bench_ctx *c, unsigned napps, size_t runs, struct figure *f,
                     uint64_t *rss_kib)
{
    char text[512];
    snprintf(text, sizeof(text),
             "{\"name\": \"bench_start\", \"platform\": \"synthetic-large\", \"apps\": [{\"name\": "
             "\"hello\", \"program\": \"hello\", \"instances\": %u, \"ram\": 32128}]}",
             napps);
    uint64_t *v = calloc(runs, sizeof(*v));
    uint64_t rss = 0, rss_n = 0;
    for (size_t i = 0; v && i < runs; i++) {
        struct run_result res;
        if (sim_run(c, "bench_start", text, RUN_TRANSPORT_MAILBOX, &res) < 0) {
            free(v);
            return -1;
        }
        v[i] = (uint64_t)(res.host_first_start_s * 1e9);
        for (size_t a = 0; a < res.n_apps; a++)
            if (res.apps[a].host_rss_peak_kb) {
                rss += res.apps[a].host_rss_peak_kb;
                rss_n++;
            }
        run_result_free(&res);
    }
    if (v == NULL)
        return -1;
    figure_set(f, v, runs);
    *rss_kib = rss_n ? rss / rss_n : 0;
    free(v);
    return 0;
}

/* ---- The command ------------------------------------------------------- */

static void machine(char *buf, size_t len)
{
    char model[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(model, sizeof(model), "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    snprintf(buf, len, "%d CPUs (%s), Linux %s", ipcsim_mbox_cpus(), model, u.release);
}

static void print_row(const struct figure *f, const char *ratio)
{
    if (!f->ok) {
        printf("  %-44s %10s %10s  %s\n", f->label, "-", "-", "not measured");
        return;
    }
    printf("  %-44s %8.2f us %8.2f us  %s\n", f->label, f->median_us, f->p99_us, ratio);
}

static cJSON *figure_json(const struct figure *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", f->label);
    cJSON_AddNumberToObject(o, "samples", (double)f->n);
    cJSON_AddNumberToObject(o, "median_us", f->median_us);
    cJSON_AddNumberToObject(o, "p99_us", f->p99_us);
    cJSON_AddNumberToObject(o, "mean_us", f->mean_us);
    return o;
}

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: ipcsim bench [--n N] [--ipc LIST] [--json FILE]\n"
               "  measures on this machine, in one run: the raw mailbox handoff and\n"
               "  relay without the simulator, a simulated null command (mailbox and\n"
               "  socket transport), a simulated IPC round trip per mechanism and an\n"
               "  app switch; prints medians, p99 and the ratios (docs/performance.md)\n"
               "  --n N       round trips per raw and null figure (default 100000);\n"
               "              IPC round trips and app switches N/5, socket null N/10\n"
               "  --ipc LIST  mechanisms (default legacy,relay,share,sendrecv)\n"
               "  --json FILE the figures as JSON\n"
               "exit codes: 0 measured, 2 usage, 3 a measurement could not run\n");
}

int bench_main(int argc, char **argv, const struct scn_search *search)
{
    static const struct option opts[] = {
        {"n", required_argument, NULL, 'n'},
        {"ipc", required_argument, NULL, 'I'},
        {"json", required_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    size_t n = 100000;
    const char *mechs = "legacy,relay,share,sendrecv", *json_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 100 || v > 5000000) {
                fprintf(stderr, "ipcsim bench: --n: expected 100..5000000, got \"%s\"\n", optarg);
                return 2;
            }
            n = (size_t)v;
            break;
        }
        case 'I':
            mechs = optarg;
            break;
        case 'J':
            json_path = optarg;
            break;
        case 'h':
            bench_usage(stdout);
            return 0;
        default:
            bench_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        bench_usage(stderr);
        return 2;
    }
    char mlist[256];
    snprintf(mlist, sizeof(mlist), "%s", mechs);
    const char *mech[8];
    size_t n_mech = 0;
    char *save = NULL;
    for (char *t = strtok_r(mlist, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "legacy") && strcmp(t, "relay") && strcmp(t, "share") &&
            strcmp(t, "sendrecv")) {
            fprintf(stderr,
                    "ipcsim bench: --ipc: expected legacy, relay, share or sendrecv, got \"%s\"\n",
                    t);
            return 2;
        }
        if (n_mech == 8) {
            fprintf(stderr, "ipcsim bench: --ipc: at most 8 mechanisms\n");
            return 2;
        }
        mech[n_mech++] = t;
    }

    struct bench_ctx ctx = {.search = search, .n = n};
    snprintf(ctx.dir, sizeof(ctx.dir), "/tmp/ipcsim-bench-XXXXXX");
    if (mkdtemp(ctx.dir) == NULL) {
        fprintf(stderr, "ipcsim bench: cannot make a scratch directory: %s\n", strerror(errno));
        return 3;
    }
    bench_catch_signals();
    char host[256];
    machine(host, sizeof(host));
    printf("ipcsim bench: %s\n", host);
    printf("  %-44s %11s %11s  %s\n", "host time per operation", "median", "p99", "ratio");
    fflush(stdout);

    struct ipcsim_mbox_spin app = ipcsim_mbox_spin_default(true);
    struct ipcsim_mbox_spin kern = ipcsim_mbox_spin_default(false);
    struct figure raw = {.key = "raw_handoff", .label = "raw handoff (mailbox, 2 processes)"};
    struct figure relay = {.key = "raw_relay", .label = "raw relay A->K->B->K->A (mailbox)"};
    struct figure null_mb = {.key = "null_mailbox", .label = "simulated null command (mailbox)"};
    struct figure null_sock = {.key = "null_socket", .label = "simulated null command (socket)"};
    struct figure sw = {.key = "app_switch", .label = "simulated app switch (mailbox)"};
    struct figure call[8], same[8]; /* a call; the raw relay of its exchanges */
    unsigned ea[8] = {0}, eb[8] = {0};
    double per_mb = 0, per_sock = 0;
    bool failed = false;
    char ratio[96];

    failed |= raw_handoff(n, &app, &kern, &raw) < 0;
    print_row(&raw, "");
    failed |= raw_relay(n, 1, 1, &app, &kern, &relay) < 0;
    print_row(&relay, "");
    failed |= sim_null(&ctx, RUN_TRANSPORT_MAILBOX, &null_mb, &per_mb) < 0;
    snprintf(ratio, sizeof(ratio), "%.2fx raw handoff", null_mb.median_us / raw.median_us);
    print_row(&null_mb, ratio);
    fflush(stdout);
    struct bench_ctx sctx = ctx;
    sctx.n = n / 10 > 100 ? n / 10 : 100;
    failed |= sim_null(&sctx, RUN_TRANSPORT_SOCKET, &null_sock, &per_sock) < 0;
    snprintf(ratio, sizeof(ratio), "%.2fx raw handoff", null_sock.median_us / raw.median_us);
    print_row(&null_sock, ratio);
    fflush(stdout);
    for (size_t i = 0; i < n_mech; i++) {
        call[i] = (struct figure){.key = "ipc_round_trip"};
        snprintf(call[i].label, sizeof(call[i].label), "simulated IPC round trip (%s)", mech[i]);
        size_t nc = n / 5 > 100 ? n / 5 : 100;
        failed |= sim_call(&ctx, mech[i], nc, &call[i], &ea[i], &eb[i]) < 0;
        snprintf(ratio, sizeof(ratio), "%.2fx raw relay", call[i].median_us / relay.median_us);
        print_row(&call[i], ratio);
        same[i] = (struct figure){.key = "raw_relay_same_exchanges"};
        snprintf(same[i].label, sizeof(same[i].label), "  raw relay of its exchanges (%u + %u)",
                 ea[i], eb[i]);
        if (call[i].ok && !bench_signal)
            failed |= raw_relay(nc, ea[i], eb[i], &app, &kern, &same[i]) < 0;
        snprintf(ratio, sizeof(ratio), "call %.2fx this",
                 same[i].ok ? call[i].median_us / same[i].median_us : 0);
        print_row(&same[i], ratio);
        fflush(stdout);
    }
    failed |= sim_switch(&ctx, n / 5 > 100 ? n / 5 : 100, &sw) < 0;
    snprintf(ratio, sizeof(ratio), "%.2fx half a raw relay", sw.median_us / (relay.median_us / 2));
    print_row(&sw, ratio);
    struct figure start8 = {.key = "first_app_start_8",
                            .label = "first app started, 8 apps (20 runs)"};
    struct figure start64 = {.key = "first_app_start_64",
                             .label = "first app started, 64 apps (5 runs)"};
    uint64_t rss8 = 0, rss64 = 0;
    failed |= sim_start(&ctx, 8, 20, &start8, &rss8) < 0;
    print_row(&start8, "");
    failed |= sim_start(&ctx, 64, 5, &start64, &rss64) < 0;
    print_row(&start64, "");
    printf("  app process peak resident memory (mean): %llu KiB with 8 apps, %llu KiB with 64\n",
           (unsigned long long)rss8, (unsigned long long)rss64);
    printf("  host time per simulated syscall (null run after start-up): mailbox %.2f us, socket "
           "%.2f us: "
           "%.1fx less\n",
           per_mb * 1e6, per_sock * 1e6, per_mb > 0 ? per_sock / per_mb : 0);

    /* the targets of docs/performance.md */
    double r_null = null_mb.median_us / raw.median_us, r_sock = per_mb > 0 ? per_sock / per_mb : 0;
    printf("targets:\n  %-4s simulated null command <= 2x raw handoff (%.2fx)\n",
           r_null <= 2.0 ? "met" : "MISS", r_null);
    for (size_t i = 0; i < n_mech; i++) {
        double r = call[i].median_us / relay.median_us;
        printf("  %-4s IPC round trip (%s) <= 1.5x raw relay (%.2fx; %.2fx the raw relay of its "
               "%u + %u exchanges)\n",
               r <= 1.5 ? "met" : "MISS", mech[i], r,
               same[i].ok ? call[i].median_us / same[i].median_us : 0, ea[i], eb[i]);
    }
    printf("  %-4s host time per simulated syscall >= 10x less than socket (%.1fx)\n",
           r_sock >= 10 ? "met" : "MISS", r_sock);
    printf("  %-4s first app of 8 started within 50 ms (median %.1f ms)\n",
           start8.ok && start8.median_us <= 50000 ? "met" : "MISS", start8.median_us / 1000);

    int rc = failed ? 3 : 0;
    if (bench_interrupted || bench_signal) {
        fprintf(stderr, "ipcsim bench: interrupted; nothing written\n");
        results_remove_tree(ctx.dir);
        return 130;
    }
    if (json_path && !failed) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "schema", "ipcsim-bench/1");
        cJSON_AddStringToObject(root, "machine", host);
        cJSON_AddNumberToObject(root, "n", (double)n);
        cJSON *figs = cJSON_AddObjectToObject(root, "figures");
        const struct figure *fl[] = {&raw, &relay, &null_mb, &null_sock, &sw, &start8, &start64};
        for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
            cJSON_AddItemToObject(figs, fl[i]->key, figure_json(fl[i]));
        cJSON *calls = cJSON_AddObjectToObject(root, "ipc_round_trip");
        cJSON *sames = cJSON_AddObjectToObject(root, "raw_relay_same_exchanges");
        for (size_t i = 0; i < n_mech; i++) {
            cJSON *o = figure_json(&call[i]);
            cJSON_AddNumberToObject(o, "client_syscalls", ea[i]);
            cJSON_AddNumberToObject(o, "server_syscalls", eb[i]);
            cJSON_AddItemToObject(calls, mech[i], o);
            cJSON_AddItemToObject(sames, mech[i], figure_json(&same[i]));
        }
        cJSON *hs = cJSON_AddObjectToObject(root, "host_per_syscall_us");
        cJSON_AddNumberToObject(hs, "mailbox", per_mb * 1e6);
        cJSON_AddNumberToObject(hs, "socket", per_sock * 1e6);
        cJSON *rs = cJSON_AddObjectToObject(root, "app_rss_peak_kib");
        cJSON_AddNumberToObject(rs, "apps_8", (double)rss8);
        cJSON_AddNumberToObject(rs, "apps_64", (double)rss64);
        char *text = cJSON_Print(root);
        cJSON_Delete(root);
        char err[256], *slash = strrchr(json_path, '/');
        char dir[1024];
        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else if (slash == json_path)
            snprintf(dir, sizeof(dir), "/");
        else
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - json_path), json_path);
        if (text == NULL ||
            results_write_file(dir, slash ? slash + 1 : json_path, text, err, sizeof(err)) < 0) {
            fprintf(stderr, "ipcsim bench: --json: %s\n", text ? err : "out of memory");
            rc = 3;
        }
        free(text);
    }
    results_remove_tree(ctx.dir);
    return rc;
}
