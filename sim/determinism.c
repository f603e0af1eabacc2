/* determinism.c: `ipcsim run ... --check-determinism` (determinism.h).
 *
 * The run is made twice, by two child `ipcsim run`s with the same
 * arguments, each with its own results and trace; then their consoles,
 * their results.json without the "host" section and their traces are
 * compared byte for byte. Host timing is the only thing allowed to differ.
 */
#include "determinism.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jobs.h"
#include "results.h"
#include "scenario.h"

#define DET_ARGS_MAX 64

/* results.json without "host", printed the same way each time; NULL if
 * there is none. */
static char *results_without_host(const char *dir)
{
    char path[SCN_PATH_MAX + 32];
    size_t len;
    snprintf(path, sizeof(path), "%s/results.json", dir);
    char *text = results_read_file(path, &len);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (j == NULL)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(j, "host");
    char *out = cJSON_Print(j);
    cJSON_Delete(j);
    return out;
}

/* Says where a and b first differ: "line N: <a's line>" */
static void first_difference(const char *what, const char *a, size_t alen, const char *b,
                             size_t blen)
{
    size_t i = 0, line = 1, start = 0;
    while (i < alen && i < blen && a[i] == b[i]) {
        if (a[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    const char *ea = memchr(a + start, '\n', alen - start);
    const char *eb = memchr(b + start, '\n', blen - start);
    int la = (int)((ea ? (size_t)(ea - a) : alen) - start);
    int lb = (int)((eb ? (size_t)(eb - b) : blen) - start);
    fprintf(stderr,
            "determinism: %s differ from line %zu:\n  first run:  %.*s\n  second run: %.*s\n", what,
            line, la > 200 ? 200 : la, a + start, lb > 200 ? 200 : lb, b + start);
}

static bool same(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    if (a == NULL || b == NULL) {
        fprintf(stderr, "determinism: %s missing from %s run\n", what,
                a == NULL ? "the first" : "the second");
        return false;
    }
    if (alen == blen && memcmp(a, b, alen) == 0)
        return true;
    first_difference(what, a, alen, b, blen);
    return false;
}

static int copy_file(const char *from, const char *to)
{
    size_t len;
    char *text = results_read_file(from, &len);
    if (text == NULL)
        return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(text, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(text);
    return rc;
}

int determinism_run(int argc, char **argv, const char *self)
{
    const char *out = NULL, *trace = NULL;
    bool quiet = false;
    char *pass[DET_ARGS_MAX];
    size_t np = 0;
    /* keep every argument but the ones this wraps */
    for (int i = 1; i < argc && np < DET_ARGS_MAX - 8; i++) {
        if (strcmp(argv[i], "--check-determinism") == 0)
            continue;
        if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
            out = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--out=", 6) == 0) {
            out = argv[i] + 6;
            continue;
        }
        if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
            trace = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--trace=", 8) == 0) {
            trace = argv[i] + 8;
            continue;
        }
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            quiet = true;
        pass[np++] = argv[i];
    }
    char tmpl[] = "/tmp/ipcsim-determinism-XXXXXX";
    if (mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "ipcsim run: cannot create a temporary directory: %s\n", strerror(errno));
        return 3;
    }
    char dir[2][sizeof(tmpl) + 8], log[2][sizeof(tmpl) + 24], tr[2][sizeof(tmpl) + 24];
    char elog[2][sizeof(tmpl) + 24];
    char *args[2][DET_ARGS_MAX + 8];
    struct jobs_job jobs[2];
    for (int r = 0; r < 2; r++) {
        snprintf(dir[r], sizeof(dir[r]), "%s/%d", tmpl, r + 1);
        snprintf(log[r], sizeof(log[r]), "%s/console", tmpl);
        snprintf(log[r] + strlen(log[r]), sizeof(log[r]) - strlen(log[r]), "%d.txt", r + 1);
        snprintf(tr[r], sizeof(tr[r]), "%s/trace%d.json", tmpl, r + 1);
        snprintf(elog[r], sizeof(elog[r]), "%s/stderr%d.txt", tmpl, r + 1);
        size_t n = 0;
        args[r][n++] = (char *)self;
        args[r][n++] = "run";
        for (size_t i = 0; i < np; i++)
            args[r][n++] = pass[i];
        args[r][n++] = "--out";
        args[r][n++] = dir[r];
        args[r][n++] = "--trace";
        args[r][n++] = tr[r];
        args[r][n] = NULL;
        /* stderr is the simulator's host diagnostics (host addresses of a
         * fault, say): shown, not compared */
        jobs[r] = (struct jobs_job){.argv = args[r], .log = log[r], .err_log = elog[r]};
    }
    struct jobs_status st;
    int jr = jobs_run(jobs, 2, 2, NULL, NULL, &st);
    int rc = 3;
    if (jr == 130) {
        rc = 130;
        goto out;
    }
    size_t la = 0, lb = 0;
    char *ca = results_read_file(log[0], &la), *cb = results_read_file(log[1], &lb);
    if (!quiet && ca)
        fwrite(ca, 1, la, stdout);
    fflush(stdout);
    size_t le;
    char *ea = results_read_file(elog[0], &le);
    if (ea)
        fwrite(ea, 1, le, stderr);
    free(ea);
    bool ok = jr == 0 && jobs[0].term_signal == 0 && jobs[1].term_signal == 0;
    if (ok && jobs[0].exit_status != jobs[1].exit_status) {
        fprintf(stderr, "determinism: the runs exited with %lld and %lld\n",
                (long long)jobs[0].exit_status, (long long)jobs[1].exit_status);
        ok = false;
    }
    ok = ok && same("the consoles", ca, la, cb, lb);
    free(ca);
    free(cb);
    char *ra = results_without_host(dir[0]), *rb = results_without_host(dir[1]);
    bool have_results = ra && rb;
    if (ok && have_results)
        ok = same("results.json (without \"host\")", ra, strlen(ra), rb, strlen(rb));
    free(ra);
    free(rb);
    char *ta = results_read_file(tr[0], &la), *tb = results_read_file(tr[1], &lb);
    if (ok && (ta || tb))
        ok = same("the traces", ta, la, tb, lb);
    free(ta);
    free(tb);
    if (!ok) {
        fprintf(stderr, "determinism: FAILED\n");
        rc = 1;
        goto out;
    }
    char err[512];
    char from[sizeof(tmpl) + 32];
    snprintf(from, sizeof(from), "%s/results.json", dir[0]);
    if (out && have_results) {
        size_t len;
        char *text = results_read_file(from, &len);
        if (text == NULL || results_write_file(out, "results.json", text, err, sizeof(err)) < 0) {
            fprintf(stderr, "ipcsim run: %s\n", text ? err : "no results to keep");
            free(text);
            rc = 3;
            goto out;
        }
        free(text);
    }
    if (trace && copy_file(tr[0], trace) < 0) {
        fprintf(stderr, "ipcsim run: %s: %s\n", trace, strerror(errno));
        rc = 3;
        goto out;
    }
    if (!quiet)
        printf("determinism: two runs gave identical console, results and trace\n");
    rc = (int)jobs[0].exit_status;
out:
    results_remove_tree(tmpl);
    return rc;
}
