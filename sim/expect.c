/* expect.c: evaluates expectations (console text in order, regexes in
 * order, final state, completion code, restart count, end reason). */
#include "expect.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct expect_check *add_check(struct expect_report *r, const char *app, const char *check)
{
    struct expect_check *c = realloc(r->checks, (r->n + 1) * sizeof(*c));
    if (c == NULL)
        return NULL;
    r->checks = c;
    c = &r->checks[r->n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->app, sizeof(c->app), "%s", app);
    snprintf(c->check, sizeof(c->check), "%s", check);
    return c;
}

static void finish_check(struct expect_report *r, struct expect_check *c, bool ok)
{
    c->ok = ok;
    if (!ok)
        r->failed++;
}

/* Quotes s into dst for messages, shortened to fit. */
static void quote(char *dst, size_t n, const char *s)
{
    size_t room = n > 8 ? n - 8 : 0;
    snprintf(dst, n, "\"%.*s%s\"", (int)room, s, strlen(s) > room ? "..." : "");
}

static int check_app(const struct scn_expect_app *e, const struct scn_app *app,
                     const struct run_app_result *ar, struct expect_report *r)
{
    const char *con = ar->console ? ar->console : "";
    size_t pos = 0;
    for (size_t i = 0; i < e->n_contains; i++) {
        struct expect_check *c = add_check(r, app->name, "console_contains");
        if (c == NULL)
            return -1;
        quote(c->expected, sizeof(c->expected), e->contains[i]);
        const char *hit = strstr(con + pos, e->contains[i]);
        if (hit) {
            snprintf(c->actual, sizeof(c->actual), "found at offset %zu", (size_t)(hit - con));
            pos = (size_t)(hit - con) + strlen(e->contains[i]);
        } else {
            snprintf(c->actual, sizeof(c->actual), "not found after offset %zu of %zu bytes", pos,
                     strlen(con));
        }
        finish_check(r, c, hit != NULL);
    }
    pos = 0;
    for (size_t i = 0; i < e->n_matches; i++) {
        struct expect_check *c = add_check(r, app->name, "console_matches");
        if (c == NULL)
            return -1;
        quote(c->expected, sizeof(c->expected), e->matches[i]);
        regex_t re;
        bool ok = false;
        if (regcomp(&re, e->matches[i], REG_EXTENDED | REG_NEWLINE) == 0) {
            regmatch_t m;
            if (regexec(&re, con + pos, 1, &m, 0) == 0) {
                ok = true;
                snprintf(c->actual, sizeof(c->actual), "matched at offset %zu",
                         pos + (size_t)m.rm_so);
                pos += (size_t)(m.rm_eo > m.rm_so ? m.rm_eo : m.rm_so + 1);
                if (pos > strlen(con))
                    pos = strlen(con);
            } else {
                snprintf(c->actual, sizeof(c->actual), "no match after offset %zu", pos);
            }
            regfree(&re);
        } else {
            snprintf(c->actual, sizeof(c->actual), "invalid regex");
        }
        finish_check(r, c, ok);
    }
    for (size_t i = 0; i < e->n_not_contains; i++) {
        struct expect_check *c = add_check(r, app->name, "console_not_contains");
        if (c == NULL)
            return -1;
        quote(c->expected, sizeof(c->expected), e->not_contains[i]);
        const char *hit = strstr(con, e->not_contains[i]);
        if (hit)
            snprintf(c->actual, sizeof(c->actual), "found at offset %zu", (size_t)(hit - con));
        else
            snprintf(c->actual, sizeof(c->actual), "absent");
        finish_check(r, c, hit == NULL);
    }
    if (e->has_state) {
        struct expect_check *c = add_check(r, app->name, "state");
        if (c == NULL)
            return -1;
        snprintf(c->expected, sizeof(c->expected), "%s", km_state_name(e->state));
        snprintf(c->actual, sizeof(c->actual), "%s", km_state_name(ar->info.state));
        finish_check(r, c, ar->info.state == e->state);
    }
    if (e->has_completion_code) {
        struct expect_check *c = add_check(r, app->name, "completion_code");
        if (c == NULL)
            return -1;
        snprintf(c->expected, sizeof(c->expected), "%u", e->completion_code);
        if (ar->info.has_completion_code)
            snprintf(c->actual, sizeof(c->actual), "%u", ar->info.completion_code);
        else
            snprintf(c->actual, sizeof(c->actual), "none");
        finish_check(
            r, c, ar->info.has_completion_code && ar->info.completion_code == e->completion_code);
    }
    if (e->has_fault_count) {
        struct expect_check *c = add_check(r, app->name, "fault_count");
        if (c == NULL)
            return -1;
        snprintf(c->expected, sizeof(c->expected), "%u", e->fault_count);
        snprintf(c->actual, sizeof(c->actual), "%u", ar->info.stats.fault_count);
        finish_check(r, c, ar->info.stats.fault_count == e->fault_count);
    }
    if (e->n_after_contains) {
        /* the console from the first chunk that arrived at or after the time */
        size_t from = ar->console_len;
        for (size_t i = 0; i < ar->n_marks; i++)
            if (ar->marks[i].time_us >= e->after_us) {
                from = ar->marks[i].offset;
                break;
            }
        size_t at = from;
        for (size_t i = 0; i < e->n_after_contains; i++) {
            struct expect_check *c = add_check(r, app->name, "console_after");
            if (c == NULL)
                return -1;
            char q[200];
            quote(q, sizeof(q), e->after_contains[i]);
            snprintf(c->expected, sizeof(c->expected), "%s after %llu.%03llu ms", q,
                     (unsigned long long)(e->after_us / 1000),
                     (unsigned long long)(e->after_us % 1000));
            const char *hit = strstr(con + at, e->after_contains[i]);
            if (hit) {
                snprintf(c->actual, sizeof(c->actual), "found at offset %zu", (size_t)(hit - con));
                at = (size_t)(hit - con) + strlen(e->after_contains[i]);
            } else {
                snprintf(c->actual, sizeof(c->actual),
                         "not found in the %zu bytes printed from then on", strlen(con) - from);
            }
            finish_check(r, c, hit != NULL);
        }
    }
    if (e->has_restart_count) {
        struct expect_check *c = add_check(r, app->name, "restart_count");
        if (c == NULL)
            return -1;
        snprintf(c->expected, sizeof(c->expected), "%u", e->restart_count);
        snprintf(c->actual, sizeof(c->actual), "%u", ar->info.stats.restart_count);
        finish_check(r, c, ar->info.stats.restart_count == e->restart_count);
    }
    return 0;
}

int expect_evaluate(const struct scn_scenario *s, const struct run_result *res,
                    struct expect_report *out)
{
    memset(out, 0, sizeof(*out));
    if (s->expect.has_end_reason) {
        struct expect_check *c = add_check(out, "", "end_reason");
        if (c == NULL)
            return -1;
        snprintf(c->expected, sizeof(c->expected), "%s", km_end_reason_name(s->expect.end_reason));
        snprintf(c->actual, sizeof(c->actual), "%s", km_end_reason_name(res->end_reason));
        finish_check(out, c, res->end_reason == s->expect.end_reason);
    }
    const char *tr = res->transcript ? res->transcript : "";
    size_t pos = 0;
    for (size_t i = 0; i < s->expect.n_console_order; i++) {
        struct expect_check *c = add_check(out, "", "console_order");
        if (c == NULL)
            return -1;
        const char *want = s->expect.console_order[i];
        quote(c->expected, sizeof(c->expected), want);
        const char *hit = strstr(tr + pos, want);
        if (hit) {
            snprintf(c->actual, sizeof(c->actual), "found at offset %zu of the transcript",
                     (size_t)(hit - tr));
            pos = (size_t)(hit - tr) + strlen(want);
        } else {
            snprintf(c->actual, sizeof(c->actual), "not found after offset %zu of the transcript",
                     pos);
        }
        finish_check(out, c, hit != NULL);
    }
    for (size_t i = 0; i < s->expect.n_findings; i++) {
        struct expect_check *c = add_check(out, "", "findings_contain");
        if (c == NULL)
            return -1;
        quote(c->expected, sizeof(c->expected), s->expect.findings[i]);
        bool hit = false;
        for (size_t j = 0; j < res->n_findings && !hit; j++)
            hit = strstr(res->findings[j].text, s->expect.findings[i]) != NULL;
        snprintf(c->actual, sizeof(c->actual), "%s among %zu finding%s",
                 hit ? "found" : "not found", res->n_findings, res->n_findings == 1 ? "" : "s");
        finish_check(out, c, hit);
    }
    for (size_t i = 0; i < s->expect.n_apps; i++) {
        const struct scn_expect_app *e = &s->expect.apps[i];
        for (size_t j = 0; j < s->n_apps && j < res->n_apps; j++) {
            const struct scn_app *app = &s->apps[j];
            if (strcmp(e->app, app->name) != 0 && strcmp(e->app, app->base_name) != 0)
                continue;
            if (check_app(e, app, &res->apps[j], out) < 0)
                return -1;
        }
    }
    return 0;
}

void expect_report_free(struct expect_report *r)
{
    free(r->checks);
    memset(r, 0, sizeof(*r));
}
