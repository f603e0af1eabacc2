/* main.c: the ipcsim command line: run, compare, check, fuzz, validate and
 * list.
 *
 * Exit codes: 0 the run met every expectation (or validation passed);
 * 1 an expectation failed or the kernel panicked unexpectedly; 2 bad
 * scenario or usage; 3 the simulator could not run the scenario;
 * 130 interrupted (no results written).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "check_mode.h"
#include "compare.h"
#include "determinism.h"
#include "expect.h"
#include "bench.h"
#include "fuzz.h"
#include "km.h"
#include "results.h"
#include "runner.h"
#include "scenario.h"
#include "trace.h"

#ifndef IPCSIM_VERSION
#define IPCSIM_VERSION "0.0.0"
#endif
#ifndef IPCSIM_DEFAULT_APP_DIR
#define IPCSIM_DEFAULT_APP_DIR "apps"
#endif
#ifndef IPCSIM_DEFAULT_PLATFORM_DIR
#define IPCSIM_DEFAULT_PLATFORM_DIR "platforms"
#endif

enum { EXIT_PASS = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HOST = 3, EXIT_INTERRUPTED = 130 };

static void usage(FILE *f)
{
    fprintf(f, "usage: ipcsim <command> [options]\n"
               "\n"
               "commands:\n"
               "  run SCENARIO [--seed N] [--out DIR] [--quiet] [--host-timeout MS]\n"
               "               [--memory-map] [--platform NAME] [--capture-max BYTES]\n"
               "               [--trace FILE] [--trace-max-events N] [--ipc MECHANISM]\n"
               "               [--check-determinism] [--baseline FILE] [--record-baseline FILE]\n"
               "               [--transport mailbox|socket]\n"
               "                       run a scenario (on another platform profile with\n"
               "                       --platform, another IPC mechanism with --ipc);\n"
               "                       exit 0 if every expectation holds;\n"
               "                       --trace writes a Chrome/Perfetto trace (virtual time);\n"
               "                       --check-determinism runs it twice and compares;\n"
               "                       --baseline compares its figures with a recorded\n"
               "                       baseline (exit 1 if outside tolerance)\n"
               "  compare [SCENARIO] [--matrix FILE] [--ipc LIST] [--platform LIST]\n"
               "          [--payload LIST --payload-arg N] [--clients LIST] [-j N] [--out DIR]\n"
               "                       run one workload over a matrix of mechanisms,\n"
               "                       platforms, payload sizes and client counts; a\n"
               "                       Markdown table, CSV, JSON and SVG charts\n"
               "                       (ipcsim compare --help)\n"
               "  check PATH... [-j N] [--fail-fast] [--junit FILE] [--check-determinism]\n"
               "                       run every scenario under files or folders, in\n"
               "                       parallel; a line per scenario, a summary, JUnit XML\n"
               "                       (ipcsim check --help)\n"
               "  fuzz SCENARIO [--runs N] [--seed S] [--shard I/N] [--resume APP=MS]\n"
               "                       random fault schedules, invariants checked, failures\n"
               "                       shrunk into reproducing scenarios (ipcsim fuzz --help)\n"
               "  bench [--n N] [--ipc LIST] [--json FILE]\n"
               "                       the simulator's host speed on this machine: raw\n"
               "                       mailbox handoff and relay, simulated null command,\n"
               "                       IPC round trip and app switch (ipcsim bench --help)\n"
               "  validate SCENARIO... check scenario files without running them\n"
               "  list                 programs, platforms, schedulers and drivers known\n"
               "  --help, --version\n"
               "\n"
               "exit codes: 0 pass, 1 expectation failed, 2 bad scenario or usage,\n"
               "            3 simulator error, 130 interrupted\n"
               "\n"
               "environment: IPCSIM_PROGRAM_PATH (built apps), IPCSIM_PLATFORM_PATH (profiles),\n"
               "             IPCSIM_TRANSPORT (mailbox or socket: the default of --transport)\n");
}

#ifndef IPCSIM_BUILD_BIN_DIR
#define IPCSIM_BUILD_BIN_DIR ""
#endif
#ifndef IPCSIM_INSTALL_APP_DIR
#define IPCSIM_INSTALL_APP_DIR "../libexec/ipcsim"
#endif
#ifndef IPCSIM_INSTALL_PLATFORM_DIR
#define IPCSIM_INSTALL_PLATFORM_DIR "../share/ipcsim/platforms"
#endif

/* A default directory: `built` (the build tree's) while this binary runs
 * from IPCSIM_BUILD_BIN_DIR, where it was built; otherwise `installed`,
 * relative to this binary's directory, if it exists (an installed ipcsim,
 * wherever the prefix is); else `built`. The result is in buf. */
static const char *default_dir(const char *built, const char *installed, char *buf, size_t len)
{
    char self[SCN_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return built;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return built;
    *slash = '\0';
    char *build_dir = realpath(IPCSIM_BUILD_BIN_DIR, NULL);
    bool in_build = build_dir != NULL && strcmp(build_dir, self[0] ? self : "/") == 0;
    free(build_dir);
    char *cand = NULL;
    if (in_build || asprintf(&cand, "%s/%s", self, installed) < 0)
        return built;
    char *real = realpath(cand, NULL);
    free(cand);
    struct stat st;
    bool ok = real != NULL && strlen(real) < len && stat(real, &st) == 0 && S_ISDIR(st.st_mode);
    if (ok)
        memcpy(buf, real, strlen(real) + 1);
    free(real);
    return ok ? buf : built;
}

static struct scn_search search_paths(void)
{
    static char apps[SCN_PATH_MAX], platforms[SCN_PATH_MAX];
    struct scn_search s;
    const char *p = getenv("IPCSIM_PROGRAM_PATH");
    const char *q = getenv("IPCSIM_PLATFORM_PATH");
    s.program_dir =
        p && *p ? p
                : default_dir(IPCSIM_DEFAULT_APP_DIR, IPCSIM_INSTALL_APP_DIR, apps, sizeof(apps));
    s.platform_dir = q && *q ? q
                             : default_dir(IPCSIM_DEFAULT_PLATFORM_DIR, IPCSIM_INSTALL_PLATFORM_DIR,
                                           platforms, sizeof(platforms));
    return s;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static void print_ns(FILE *f, uint64_t cycles, uint64_t hz)
{
    uint64_t ns = hz ? (cycles / hz) * 1000000000u + (cycles % hz) * 1000000000u / hz : 0;
    fprintf(f, " %9llu", (unsigned long long)ns);
}

/* One line of the operations table: a kind's counts and its successful
 * operations' latencies in virtual nanoseconds. */
static void print_op_row(FILE *f, const char *who, unsigned kind, const struct metrics_op *o,
                         const struct run_result *res)
{
    static const uint32_t qs[] = {50000, 90000, 99000, 99900, 100000};
    fprintf(f, "%-20s %-8s %7llu %6llu", who, ipcsim_op_kind_name(kind), (unsigned long long)o->ok,
            (unsigned long long)o->failed);
    if (o->lat.n == 0)
        fprintf(f, " %9s %9s %9s %9s %9s", "-", "-", "-", "-", "-");
    for (size_t i = 0; o->lat.n && i < sizeof(qs) / sizeof(qs[0]); i++)
        print_ns(f, metrics_hist_percentile(&o->lat, qs[i]), res->clock_hz);
    if (res->end_ns)
        fprintf(f, " %9.1f", (double)o->ok * 1e9 / (double)res->end_ns);
    else
        fprintf(f, " %9s", "-");
    if (o->ok + o->failed)
        fprintf(f, " %6.2f\n", (double)o->syscalls / (double)(o->ok + o->failed));
    else
        fprintf(f, " %6s\n", "-");
}

/* The operations the apps marked (per app and kind, then over all apps)
 * and the run's totals. Virtual time only: the summary stays
 * deterministic. */
static void print_metrics(FILE *f, const struct scn_scenario *s, const struct run_result *res)
{
    struct results_totals t;
    results_totals(res, &t);
    if (t.ops_ended + t.ops.op[IPCSIM_OP_CALL].unfinished > 0) {
        fprintf(f, "%-20s %-8s %7s %6s %9s %9s %9s %9s %9s %9s %6s\n", "operations (ns)", "kind",
                "ok", "failed", "p50", "p90", "p99", "p99.9", "max", "ops/s", "sys/op");
        for (size_t i = 0; i < res->n_apps; i++)
            for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++) {
                const struct metrics_op *o = &res->apps[i].metrics.op[k];
                if (o->ok + o->failed)
                    print_op_row(f, s->apps[i].name, k, o, res);
            }
        for (unsigned k = 1; k < IPCSIM_OP_NKINDS; k++)
            if (t.ops.op[k].ok + t.ops.op[k].failed)
                print_op_row(f, "(all apps)", k, &t.ops.op[k], res);
    }
    fprintf(f, "run: %llu operations ok", (unsigned long long)t.ops_ok);
    if (t.ops_ended && res->end_ns)
        fprintf(f, " (%.1f/s, %.2f syscalls/op)", (double)t.ops_ok * 1e9 / (double)res->end_ns,
                (double)t.syscalls / (double)t.ops_ended);
    fprintf(f,
            ", %llu syscalls, %llu context switches, %llu IPC bytes copied, %llu MPU "
            "reprogrammings (peak %u regions), %llu upcalls dropped",
            (unsigned long long)t.syscalls, (unsigned long long)t.context_switches,
            (unsigned long long)t.ipc_bytes_copied, (unsigned long long)t.mpu_reprograms,
            t.mpu_regions_peak, (unsigned long long)t.upcalls_dropped);
    if (t.fair_jain >= 0)
        fprintf(f, ", call fairness %.3f (Jain, %zu app%s with calls)", t.fair_jain, t.fair_n,
                t.fair_n == 1 ? "" : "s");
    fprintf(f, "\n");
    results_totals_free(&t);
}

static void print_summary(FILE *f, const struct scn_scenario *s, const struct run_result *res,
                          const struct expect_report *ex)
{
    fprintf(f, "== %s: ended (%s) at %llu.%06llu ms virtual time, seed %llu\n", s->name,
            km_end_reason_name(res->end_reason), (unsigned long long)(res->end_ns / 1000000u),
            (unsigned long long)(res->end_ns % 1000000u), (unsigned long long)res->seed);
    if (res->end_reason == KM_END_PANIC)
        fprintf(f, "== kernel panic: %s\n", res->panic_reason);
    fprintf(f, "%-20s %-11s %6s %8s %6s %8s %7s %7s\n", "app", "state", "code", "restarts",
            "faults", "syscalls", "upcalls", "dropped");
    for (size_t i = 0; i < res->n_apps; i++) {
        const struct km_proc_info *in = &res->apps[i].info;
        uint64_t sys = 0;
        for (int c = 0; c < KM_SYS_NCLASSES; c++)
            sys += in->stats.syscalls[c];
        char code[16];
        if (in->has_completion_code)
            snprintf(code, sizeof(code), "%u", in->completion_code);
        else
            snprintf(code, sizeof(code), "-");
        fprintf(f, "%-20s %-11s %6s %8u %6u %8llu %7llu %7llu\n", s->apps[i].name,
                km_state_name(in->state), code, in->stats.restart_count, in->stats.fault_count,
                (unsigned long long)sys, (unsigned long long)in->stats.upcalls_delivered,
                (unsigned long long)in->stats.upcalls_dropped);
        if (in->fault_reason[0])
            fprintf(f, "%-20s last fault: %s\n", "", in->fault_reason);
    }
    print_metrics(f, s, res);
    for (size_t i = 0; i < ex->n; i++) {
        const struct expect_check *c = &ex->checks[i];
        if (!c->ok)
            fprintf(f, "FAIL %s%s%s: expected %s, got %s\n", c->app, c->app[0] ? " " : "", c->check,
                    c->expected, c->actual);
    }
    fprintf(f, "expectations: %zu passed, %zu failed\n", ex->n - ex->failed, ex->failed);
}

/* Sets ro->transport from a name given by `what` (a flag or the
 * environment); -1 with a message if it is no transport. */
static int set_transport(const char *what, const char *name, struct run_options *ro)
{
    int t = run_transport_parse(name);
    if (t < 0) {
        fprintf(stderr, "ipcsim run: %s: expected \"mailbox\" or \"socket\", got \"%s\"\n", what,
                name);
        return -1;
    }
    ro->transport = (enum run_transport_kind)t;
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"host-timeout", required_argument, NULL, 't'},
        {"memory-map", no_argument, NULL, 'm'},
        {"platform", required_argument, NULL, 'p'},
        {"capture-max", required_argument, NULL, 'c'},
        {"trace", required_argument, NULL, 'T'},
        {"trace-max-events", required_argument, NULL, 'E'},
        {"ipc", required_argument, NULL, 'I'},
        {"baseline", required_argument, NULL, 'B'},
        {"record-baseline", required_argument, NULL, 'R'},
        {"transport", required_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run_options ro = {.console = stdout, .host_timeout_ms = 10000};
    const char *out_dir = NULL, *platform = NULL, *trace_path = NULL, *ipc = NULL;
    const char *baseline = NULL, *record = NULL;
    size_t trace_max = TRACE_MAX_EVENTS_DEFAULT;
    uint64_t v;
    int c;
    const char *env_tp = getenv("IPCSIM_TRANSPORT");
    if (env_tp && *env_tp && set_transport("IPCSIM_TRANSPORT", env_tp, &ro) < 0)
        return EXIT_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:o:qt:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!parse_u64(optarg, &v)) {
                fprintf(stderr, "ipcsim run: --seed: expected a non-negative integer, got \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            ro.seed = v;
            ro.has_seed = true;
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'q':
            ro.quiet = true;
            break;
        case 'm':
            ro.memory_map = true;
            break;
        case 'p':
            platform = optarg;
            break;
        case 'c':
            if (!parse_u64(optarg, &v) || v < 64 || v > (1ull << 32)) {
                fprintf(stderr,
                        "ipcsim run: --capture-max: expected bytes 64..4294967296, got \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            ro.capture_max = (size_t)v;
            break;
        case 'T':
            trace_path = optarg;
            break;
        case 'I':
            ipc = optarg;
            break;
        case 'B':
            baseline = optarg;
            break;
        case 'R':
            record = optarg;
            break;
        case 'X':
            if (set_transport("--transport", optarg, &ro) < 0)
                return EXIT_USAGE;
            break;
        case 'E':
            if (!parse_u64(optarg, &v) || v < 1 || v > (1ull << 40)) {
                fprintf(stderr,
                        "ipcsim run: --trace-max-events: expected a positive count, got \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            trace_max = (size_t)v;
            break;
        case 't':
            if (!parse_u64(optarg, &v) || v > 3600000) {
                fprintf(
                    stderr,
                    "ipcsim run: --host-timeout: expected milliseconds 0..3600000, got \"%s\"\n",
                    optarg);
                return EXIT_USAGE;
            }
            ro.host_timeout_ms = (uint32_t)v;
            ro.host_timeout_set = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_PASS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "ipcsim run: expected exactly one scenario file\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    struct scn_search sp = search_paths();
    struct scn_scenario s;
    char err[4096];
    if (scn_load(argv[optind], &sp, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    if (platform && scn_load_platform(platform, &sp, &s.platform, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim run: --platform: %s\n", err);
        scn_free(&s);
        return EXIT_USAGE;
    }
    if (ipc && scn_set_ipc_mechanism(&s, ipc, err, sizeof(err)) < 0) {
        fprintf(stderr, "ipcsim run: --ipc: %s\n", err);
        scn_free(&s);
        return EXIT_USAGE;
    }
    if (trace_path) {
        ro.trace =
            trace_open(trace_path, trace_max, s.platform.clock_hz, s.n_apps, err, sizeof(err));
        if (ro.trace == NULL) {
            fprintf(stderr, "ipcsim run: --trace: %s\n", err);
            scn_free(&s);
            return EXIT_HOST;
        }
        for (size_t i = 0; i < s.n_apps; i++)
            trace_set_app_name(ro.trace, i, s.apps[i].name);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct run_result res;
    int rc = run_scenario(&s, &ro, &res);
    if (rc < 0 || res.interrupted || res.host_error) {
        trace_discard(ro.trace);
        ro.trace = NULL;
    }
    if (res.interrupted) {
        fprintf(stderr, "ipcsim: interrupted; no results written\n");
        run_result_free(&res);
        scn_free(&s);
        return EXIT_INTERRUPTED;
    }
    if (rc < 0 || res.host_error) {
        fprintf(stderr, "ipcsim: %s: %s\n", s.path, res.host_error_msg);
        run_result_free(&res);
        scn_free(&s);
        return EXIT_HOST;
    }
    struct expect_report ex;
    if (expect_evaluate(&s, &res, &ex) < 0) {
        fprintf(stderr, "ipcsim: out of memory\n");
        trace_discard(ro.trace);
        run_result_free(&res);
        scn_free(&s);
        return EXIT_HOST;
    }
    print_summary(stdout, &s, &res, &ex);
    int exit_code = ex.failed ? EXIT_FAILED : EXIT_PASS;
    if (res.end_reason == KM_END_PANIC && !s.expect.has_end_reason) {
        fprintf(stdout,
                "FAIL unexpected kernel panic (say \"end_reason\": \"panic\" to expect it)\n");
        exit_code = EXIT_FAILED;
    }
    if (ro.trace) {
        struct trace_meta tm = {s.name, res.seed, km_end_reason_name(res.end_reason),
                                res.end_cycles};
        if (trace_commit(ro.trace, &tm, err, sizeof(err)) < 0) {
            fprintf(stderr, "ipcsim: trace not written: %s\n", err);
            exit_code = EXIT_HOST;
        }
    }
    if (out_dir || baseline || record) {
        char *text = results_json(&s, &res, &ex);
        struct baseline_run id = {s.name, s.platform.name, s.ipc_mechanism, res.seed};
        if (text == NULL) {
            fprintf(stderr, "ipcsim: out of memory\n");
            exit_code = EXIT_HOST;
        }
        if (text && out_dir && results_write(out_dir, text, err, sizeof(err)) < 0) {
            fprintf(stderr, "ipcsim: results not written: %s\n", err);
            exit_code = EXIT_HOST;
        }
        if (text && baseline) {
            int b = baseline_check(baseline, text, &id, stdout, err, sizeof(err));
            if (b < 0) {
                fprintf(stderr, "ipcsim: %s\n", err);
                exit_code = EXIT_USAGE;
            } else if (b > 0 && exit_code == EXIT_PASS) {
                exit_code = EXIT_FAILED;
            }
        }
        if (text && record) {
            if (baseline_record(record, text, &id, err, sizeof(err)) < 0) {
                fprintf(stderr, "ipcsim: baseline not written: %s\n", err);
                exit_code = EXIT_HOST;
            } else if (!ro.quiet) {
                printf("baseline recorded: %s\n", record);
            }
        }
        free(text);
    }
    expect_report_free(&ex);
    run_result_free(&res);
    scn_free(&s);
    return exit_code;
}

static int cmd_validate(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "ipcsim validate: expected one or more scenario files\n");
        return EXIT_USAGE;
    }
    struct scn_search sp = search_paths();
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct scn_scenario s;
        char err[4096];
        if (scn_load(argv[i], &sp, &s, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            bad++;
            continue;
        }
        printf("%s: ok (%zu app instance%s, platform %s)\n", argv[i], s.n_apps,
               s.n_apps == 1 ? "" : "s", s.platform.name);
        scn_free(&s);
    }
    return bad ? EXIT_USAGE : EXIT_PASS;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the entries of dir (executables, or files ending in suffix). */
static void list_dir(const char *title, const char *dir, const char *suffix)
{
    printf("%s (%s):\n", title, dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        printf("  (none: cannot open the directory)\n");
        return;
    }
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (suffix && (len <= sl || strcmp(e->d_name + len - sl, suffix) != 0))
            continue;
        if (!suffix && access(path, X_OK) != 0)
            continue;
        names[n] = strndup(e->d_name, suffix ? len - sl : len);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), name_cmp);
    for (size_t i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
}

static int cmd_list(void)
{
    struct scn_search sp = search_paths();
    list_dir("programs", sp.program_dir, NULL);
    list_dir("platforms", sp.platform_dir, ".json");
    const char *const *names;
    size_t n = km_scheduler_names(&names);
    printf("schedulers:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", names[i]);
    const struct km_driver_desc *drv;
    n = km_driver_list(&drv);
    printf("drivers:\n");
    for (size_t i = 0; i < n; i++)
        printf("  0x%05x %s\n", drv[i].num, drv[i].name);
    printf("fault policies:\n  panic\n  stop\n  restart\n  threshold_restart(n)\n"
           "  threshold_restart_then_panic(n)\n");
    const char *const *mpus;
    n = km_mpu_names(&mpus);
    printf("mpu models:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", mpus[i]);
    printf("fault kinds:\n");
    for (int i = 0; km_inject_kind_parse(km_inject_kind_name((enum km_inject_kind)i)) == i; i++)
        printf("  %s\n", km_inject_kind_name((enum km_inject_kind)i));
    printf("ipc mechanisms:\n"
           "  none\n"
           "  legacy (driver 0x10000; option refuse_unexposable)\n"
           "  relay (registries 0xA0000/0xA0001, relay request 0xA0010, relay message 0xA0011; "
           "option registry_filter)\n"
           "  share (relay plus shared memory 0xA0020; option registry_filter)\n"
           "  sendrecv (Hubris-style send/receive/reply with leases, 0xA0030)\n");
    return EXIT_PASS;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0) {
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--check-determinism") == 0) {
                char self[SCN_PATH_MAX];
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                if (n <= 0) {
                    fprintf(stderr, "ipcsim run: cannot find the ipcsim binary\n");
                    return EXIT_HOST;
                }
                self[n] = '\0';
                return determinism_run(argc - 1, argv + 1, self);
            }
        return cmd_run(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0 || strcmp(cmd, "check") == 0 || strcmp(cmd, "fuzz") == 0) {
        char self[SCN_PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            fprintf(stderr, "ipcsim %s: cannot find the ipcsim binary\n", cmd);
            return EXIT_HOST;
        }
        self[n] = '\0';
        struct scn_search search = search_paths();
        if (strcmp(cmd, "check") == 0)
            return check_main(argc - 1, argv + 1, self);
        if (strcmp(cmd, "fuzz") == 0)
            return fuzz_main(argc - 1, argv + 1, &search, self);
        return compare_main(argc - 1, argv + 1, &search, self);
    }
    if (strcmp(cmd, "bench") == 0) {
        struct scn_search search = search_paths();
        return bench_main(argc - 1, argv + 1, &search);
    }
    if (strcmp(cmd, "list") == 0)
        return cmd_list();
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("ipcsim %s\n", IPCSIM_VERSION);
        return EXIT_PASS;
    }
    fprintf(stderr, "ipcsim: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
