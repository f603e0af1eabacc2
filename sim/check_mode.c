/* check_mode.c: `ipcsim check` (check_mode.h, docs/ci.md).
 *
 * Every scenario is an `ipcsim run` child (jobs.h) with its results in a
 * directory of its own; the lines and the JUnit file are written in the
 * order the scenarios were found, whatever order they finish in.
 */
#include "check_mode.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jobs.h"
#include "results.h"
#include "scenario.h"

enum { CK_PASS = 0, CK_FAILED = 1, CK_USAGE = 2, CK_HOST = 3, CK_INTERRUPTED = 130 };

#define CK_NOTE_MAX 512

struct ck_case {
    char *path;
    char dir[SCN_PATH_MAX + 32];
    char log[SCN_PATH_MAX + 48];
    char *argv[16];
    /* results */
    enum { CASE_PASS, CASE_FAIL, CASE_ERROR, CASE_SKIP } result;
    char note[CK_NOTE_MAX];
    char **failures; /* every failed expectation, for JUnit */
    size_t n_failures;
    char end[96];
    bool printed;
};

#define CK_EXCLUDE_MAX 32

struct ck_opts {
    const char *exclude[CK_EXCLUDE_MAX];
    size_t n_exclude;
    unsigned jobs;
    bool fail_fast, quiet, determinism;
    const char *junit, *out, *seed, *host_timeout;
};

struct ck_state {
    const struct ck_opts *o;
    struct ck_case *cases;
    struct jobs_job *jobs;
    size_t n, next_print;
};

/* ---- Finding the scenarios ---- */

struct ck_list {
    char **v;
    size_t n, cap;
};

static int list_add(struct ck_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = strdup(path);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A JSON file found in a folder is a scenario unless it is a JSON Schema
 * ("$schema") or a compare matrix ("scenario" without "apps"). A file
 * that is not JSON at all is kept: its run will say what is wrong. */
static bool is_scenario(const char *path)
{
    char *buf = results_read_file(path, NULL);
    if (buf == NULL)
        return true;
    cJSON *j = cJSON_Parse(buf);
    free(buf);
    bool yes = true;
    if (cJSON_IsObject(j)) {
        if (cJSON_GetObjectItemCaseSensitive(j, "$schema"))
            yes = false;
        else if (cJSON_GetObjectItemCaseSensitive(j, "scenario") &&
                 !cJSON_GetObjectItemCaseSensitive(j, "apps"))
            yes = false;
    }
    cJSON_Delete(j);
    return yes;
}

static int walk(const char *dir, struct ck_list *out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "ipcsim check: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct ck_list here = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            list_add(&here, e->d_name);
    closedir(d);
    qsort(here.v, here.n, sizeof(*here.v), by_name);
    int rc = 0;
    for (size_t i = 0; i < here.n; i++) {
        char path[SCN_PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, here.v[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (walk(path, out) < 0)
                rc = -1;
        } else {
            size_t len = strlen(here.v[i]);
            if (len > 5 && strcmp(here.v[i] + len - 5, ".json") == 0 && is_scenario(path))
                list_add(out, path);
        }
        free(here.v[i]);
    }
    free(here.v);
    return rc;
}

/* ---- Reading a result ---- */

static void set_note(struct ck_case *c, const char *s)
{
    size_t n = strlen(s);
    n = n < sizeof(c->note) - 1 ? n : sizeof(c->note) - 1;
    memcpy(c->note, s, n);
    c->note[n] = '\0';
}

/* The first line of the log that reads like the simulator's complaint. */
static void log_note(struct ck_case *c)
{
    char *text = results_read_file(c->log, NULL);
    if (text == NULL)
        return;
    const char *pick = NULL;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (l[0] != '[' && strncmp(l, "== ", 3) != 0 && l[0] != ' ') {
            pick = l;
            if (strncmp(l, "ipcsim", 6) == 0 || strstr(l, ": $") || strstr(l, "determinism"))
                break;
        }
    if (pick) {
        if (strncmp(pick, "ipcsim: ", 8) == 0)
            pick += 8;
        set_note(c, pick);
    }
    free(text);
}

static void read_case(struct ck_case *c, const struct jobs_job *j)
{
    if (j->exit_status == JOBS_CANCELLED) {
        c->result = CASE_SKIP;
        set_note(c, "not run (--fail-fast)");
        return;
    }
    if (j->term_signal || j->exit_status == JOBS_NOT_STARTED ||
        (j->exit_status != 0 && j->exit_status != 1)) {
        c->result = CASE_ERROR;
        char buf[64];
        if (j->term_signal)
            snprintf(buf, sizeof(buf), "ipcsim run killed by signal %d", j->term_signal);
        else if (j->exit_status == JOBS_NOT_STARTED)
            snprintf(buf, sizeof(buf), "ipcsim run could not be started");
        else
            snprintf(buf, sizeof(buf), "ipcsim run exited with %lld", (long long)j->exit_status);
        set_note(c, buf);
        log_note(c);
        return;
    }
    char path[SCN_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/results.json", c->dir);
    char *text = results_read_file(path, NULL);
    cJSON *r = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (r == NULL) {
        /* a determinism failure writes no results.json: its log says why */
        c->result = j->exit_status == 0 ? CASE_ERROR : CASE_FAIL;
        set_note(c, "no results.json");
        log_note(c);
        return;
    }
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(r, "end");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(end, "reason");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(end, "virtual_ns");
    if (cJSON_IsString(reason) && cJSON_IsNumber(ns))
        snprintf(c->end, sizeof(c->end), "ended %s at %.3f ms", reason->valuestring,
                 ns->valuedouble / 1e6);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "expectations");
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(ex, "checks"), *k;
    cJSON_ArrayForEach(k, checks)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k, "ok")))
            continue;
        const cJSON *app = cJSON_GetObjectItemCaseSensitive(k, "app");
        const cJSON *what = cJSON_GetObjectItemCaseSensitive(k, "check");
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(k, "expected");
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(k, "actual");
        char line[1024];
        snprintf(line, sizeof(line), "%s%s%s: expected %s, got %s",
                 cJSON_IsString(app) ? app->valuestring : "", cJSON_IsString(app) ? " " : "",
                 cJSON_IsString(what) ? what->valuestring : "?",
                 cJSON_IsString(want) ? want->valuestring : "?",
                 cJSON_IsString(got) ? got->valuestring : "?");
        char **v = realloc(c->failures, (c->n_failures + 1) * sizeof(*v));
        if (v) {
            c->failures = v;
            c->failures[c->n_failures++] = strdup(line);
        }
    }
    cJSON_Delete(r);
    if (j->exit_status == 0) {
        c->result = CASE_PASS;
    } else {
        c->result = CASE_FAIL;
        if (c->n_failures) {
            char buf[CK_NOTE_MAX];
            snprintf(buf, sizeof(buf), "%.400s%s", c->failures[0],
                     c->n_failures > 1 ? " (and more)" : "");
            set_note(c, buf);
        } else {
            set_note(c, "the kernel panicked");
            log_note(c);
        }
    }
}

/* ---- Output ---- */

static const char *const result_word[] = {"PASS", "FAIL", "ERROR", "SKIP"};

static void print_case(const struct ck_case *c, const struct jobs_job *j)
{
    if (c->result == CASE_PASS)
        printf("PASS  %s (%s, %.2f s)\n", c->path, c->end, j->seconds);
    else
        printf("%-5s %s: %s\n", result_word[c->result], c->path, c->note);
    fflush(stdout);
}

/* Prints the finished cases in order, as far as they go. */
static void print_ready(struct ck_state *s)
{
    while (s->next_print < s->n && s->jobs[s->next_print].exit_status != JOBS_CANCELLED) {
        struct ck_case *c = &s->cases[s->next_print];
        read_case(c, &s->jobs[s->next_print]);
        if (isatty(STDERR_FILENO) && !s->o->quiet)
            fprintf(stderr, "\r\033[K");
        print_case(c, &s->jobs[s->next_print]);
        c->printed = true;
        s->next_print++;
    }
}

static bool case_done(struct jobs_job *job, size_t index, const struct jobs_status *st, void *ctx)
{
    struct ck_state *s = ctx;
    (void)index;
    print_ready(s);
    if (!s->o->quiet)
        jobs_progress(st, "scenarios", st->failed, "not passing", false);
    return s->o->fail_fast && (job->term_signal != 0 || job->exit_status != 0);
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc('?', f); /* not allowed in XML 1.0 */
            else
                fputc(*s, f);
        }
    }
}

/* JUnit XML as CI systems read it: one testcase per scenario, classname
 * its folder, a <failure> per failed expectation set, <error> when the run
 * did not complete, <skipped> when --fail-fast left it out. */
static int write_junit(const char *file, const struct ck_state *s, double wall)
{
    size_t fail = 0, err = 0, skip = 0;
    for (size_t i = 0; i < s->n; i++) {
        fail += s->cases[i].result == CASE_FAIL;
        err += s->cases[i].result == CASE_ERROR;
        skip += s->cases[i].result == CASE_SKIP;
    }
    char tmp[SCN_PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", file, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "ipcsim check: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%zu\" "
            "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n"
            "  <testsuite name=\"ipcsim check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\" time=\"%.3f\">\n",
            s->n, fail, err, skip, wall, s->n, fail, err, skip, wall);
    for (size_t i = 0; i < s->n; i++) {
        const struct ck_case *c = &s->cases[i];
        char *dir = strdup(c->path), *slash = strrchr(dir, '/');
        const char *name = slash ? slash + 1 : dir;
        if (slash)
            *slash = '\0';
        fprintf(f, "    <testcase classname=\"");
        xml_text(f, slash ? dir : ".");
        fprintf(f, "\" name=\"");
        xml_text(f, name);
        fprintf(f, "\" file=\"");
        xml_text(f, c->path);
        fprintf(f, "\" time=\"%.3f\"", s->jobs[i].seconds);
        free(dir);
        if (c->result == CASE_PASS) {
            fprintf(f, "/>\n");
            continue;
        }
        fprintf(f, ">\n");
        if (c->result == CASE_SKIP) {
            fprintf(f, "      <skipped message=\"");
            xml_text(f, c->note);
            fprintf(f, "\"/>\n");
        } else if (c->result == CASE_FAIL) {
            fprintf(f, "      <failure type=\"expectation\" message=\"");
            xml_text(f, c->note);
            fprintf(f, "\">");
            for (size_t k = 0; k < c->n_failures; k++) {
                xml_text(f, c->failures[k]);
                fputc('\n', f);
            }
            if (c->n_failures == 0)
                xml_text(f, c->note);
            fprintf(f, "</failure>\n");
        } else {
            fprintf(f, "      <error type=\"run\" message=\"");
            xml_text(f, c->note);
            fprintf(f, "\"/>\n");
        }
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
        fprintf(stderr, "ipcsim check: %s: %s\n", file, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- The command ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: ipcsim check PATH... [-j N] [--fail-fast] [--junit FILE] [--out DIR]\n"
               "                    [--seed N] [--host-timeout MS] [--check-determinism]\n"
               "                    [--exclude PATTERN]... [--quiet]\n"
               "  runs every scenario under the PATHs (files, or folders searched recursively\n"
               "  for *.json, JSON Schemas and compare matrices left out), -j at once\n"
               "  (default: the online CPUs); prints a line per scenario and a summary.\n"
               "  --fail-fast stops at the first scenario that does not pass; --junit writes\n"
               "  JUnit XML; --out keeps each run's results (DIR/NNN-NAME/); --check-determinism\n"
               "  runs each twice and compares results, traces and console byte for byte;\n"
               "  --exclude leaves out paths matching a shell pattern (\"*flood*\").\n"
               "  Exit 0 all passed, 1 one did not, 2 bad usage or no scenario, 130\n"
               "  interrupted.\n");
}

int check_main(int argc, char **argv, const char *self)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"fail-fast", no_argument, NULL, 'f'},
        {"junit", required_argument, NULL, 'J'},
        {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"host-timeout", required_argument, NULL, 't'},
        {"check-determinism", no_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'},
        {"exclude", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ck_opts o = {.jobs = jobs_default_parallel()};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "ipcsim check: -j: expected 1..256, got \"%s\"\n", optarg);
                return CK_USAGE;
            }
            o.jobs = (unsigned)v;
            break;
        }
        case 'f':
            o.fail_fast = true;
            break;
        case 'J':
            o.junit = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 's':
            o.seed = optarg;
            break;
        case 't':
            o.host_timeout = optarg;
            break;
        case 'D':
            o.determinism = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'x':
            if (o.n_exclude == CK_EXCLUDE_MAX) {
                fprintf(stderr, "ipcsim check: --exclude: at most %d patterns\n", CK_EXCLUDE_MAX);
                return CK_USAGE;
            }
            o.exclude[o.n_exclude++] = optarg;
            break;
        case 'h':
            usage(stdout);
            return CK_PASS;
        default:
            usage(stderr);
            return CK_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "ipcsim check: expected scenario files or folders\n");
        usage(stderr);
        return CK_USAGE;
    }
    struct ck_list files = {0};
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "ipcsim check: %s: %s\n", argv[i], strerror(errno));
            return CK_USAGE;
        }
        if (S_ISDIR(st.st_mode)) {
            if (walk(argv[i], &files) < 0)
                return CK_USAGE;
        } else {
            list_add(&files, argv[i]);
        }
    }
    /* --exclude: shell patterns matched against the whole path */
    size_t kept = 0;
    for (size_t i = 0; i < files.n; i++) {
        bool out = false;
        for (size_t k = 0; k < o.n_exclude && !out; k++)
            out = fnmatch(o.exclude[k], files.v[i], 0) == 0;
        if (out)
            free(files.v[i]);
        else
            files.v[kept++] = files.v[i];
    }
    files.n = kept;
    if (files.n == 0) {
        fprintf(stderr, "ipcsim check: no scenario found\n");
        return CK_USAGE;
    }
    char tmpl[] = "/tmp/ipcsim-check-XXXXXX";
    const char *root = o.out;
    if (root == NULL && (root = mkdtemp(tmpl)) == NULL) {
        fprintf(stderr, "ipcsim check: cannot create a temporary directory: %s\n", strerror(errno));
        return CK_HOST;
    }
    struct ck_state s = {.o = &o, .n = files.n};
    s.cases = calloc(files.n, sizeof(*s.cases));
    s.jobs = calloc(files.n, sizeof(*s.jobs));
    int rc = CK_HOST;
    if (s.cases == NULL || s.jobs == NULL)
        goto out;
    for (size_t i = 0; i < files.n; i++) {
        struct ck_case *k = &s.cases[i];
        k->path = files.v[i];
        const char *base = strrchr(k->path, '/');
        base = base ? base + 1 : k->path;
        snprintf(k->dir, sizeof(k->dir), "%s/%03zu-%.*s", root, i,
                 (int)(strlen(base) > 5 ? strlen(base) - 5 : strlen(base)), base);
        snprintf(k->log, sizeof(k->log), "%s/console.txt", k->dir);
        if (mkdir(root, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "ipcsim check: %s: %s\n", root, strerror(errno));
            goto out;
        }
        if (mkdir(k->dir, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "ipcsim check: %s: %s\n", k->dir, strerror(errno));
            goto out;
        }
        char res[SCN_PATH_MAX + 64];
        snprintf(res, sizeof(res), "%s/results.json", k->dir);
        unlink(res);
        size_t n = 0;
        k->argv[n++] = (char *)self;
        k->argv[n++] = "run";
        k->argv[n++] = k->path;
        k->argv[n++] = "--quiet";
        k->argv[n++] = "--out";
        k->argv[n++] = k->dir;
        if (o.seed) {
            k->argv[n++] = "--seed";
            k->argv[n++] = (char *)o.seed;
        }
        if (o.host_timeout) {
            k->argv[n++] = "--host-timeout";
            k->argv[n++] = (char *)o.host_timeout;
        }
        if (o.determinism)
            k->argv[n++] = "--check-determinism";
        k->argv[n] = NULL;
        s.jobs[i] = (struct jobs_job){.argv = k->argv, .log = k->log};
    }
    struct jobs_status st;
    int jr = jobs_run(s.jobs, s.n, o.jobs, case_done, &s, &st);
    print_ready(&s);
    /* what fail-fast left out */
    for (size_t i = s.next_print; i < s.n; i++) {
        read_case(&s.cases[i], &s.jobs[i]);
        if (jr != 130)
            print_case(&s.cases[i], &s.jobs[i]);
    }
    if (!o.quiet)
        jobs_progress(&st, "scenarios", st.failed, "not passing", true);
    double wall = jobs_now() - st.started;
    if (jr < 0)
        goto out;
    if (jr == 130) {
        fprintf(stderr, "ipcsim check: interrupted; no JUnit file written\n");
        rc = CK_INTERRUPTED;
        goto out;
    }
    size_t pass = 0, fail = 0, err = 0, skip = 0;
    for (size_t i = 0; i < s.n; i++) {
        pass += s.cases[i].result == CASE_PASS;
        fail += s.cases[i].result == CASE_FAIL;
        err += s.cases[i].result == CASE_ERROR;
        skip += s.cases[i].result == CASE_SKIP;
    }
    printf(
        "check: %zu scenarios: %zu passed, %zu failed, %zu errors, %zu not run (%.1f s, -j %u)\n",
        s.n, pass, fail, err, skip, wall, o.jobs);
    if (o.junit && write_junit(o.junit, &s, wall) < 0) {
        rc = CK_HOST;
        goto out;
    }
    rc = pass == s.n ? CK_PASS : CK_FAILED;
out:
    if (o.out == NULL)
        results_remove_tree(root);
    for (size_t i = 0; s.cases && i < s.n; i++) {
        for (size_t k = 0; k < s.cases[i].n_failures; k++)
            free(s.cases[i].failures[k]);
        free(s.cases[i].failures);
    }
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    free(s.cases);
    free(s.jobs);
    return rc;
}
