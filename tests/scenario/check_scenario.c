/* check_scenario.c: Check suite for the scenario parser (sim/scenario.c):
 * good and bad scenario files written to a temporary directory, defaults,
 * instance expansion, platform profiles by name and inline, and the shape
 * of error messages (file, JSON path, one line).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"

#ifndef IPCSIM_PLATFORM_DIR
#error "IPCSIM_PLATFORM_DIR must name the shipped platform profiles"
#endif

/* ---- Fixture: a temporary directory with fake programs ----------------- */

static char tmpdir[64];
static char appdir[256];
static char platdir[256];
static char scnpath[256];
static struct scn_search search;

static void write_file(const char *rel, const char *text, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void make_dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/check_scenario.XXXXXX",
             base != NULL && base[0] != '\0' && strlen(base) < 32 ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(appdir, sizeof appdir, "%s/apps", tmpdir);
    snprintf(platdir, sizeof platdir, "%s/platforms", tmpdir);
    snprintf(scnpath, sizeof scnpath, "%s/s.json", tmpdir);
    make_dir("apps");
    make_dir("platforms");
    make_dir("sub");
    write_file("apps/hello", "#!/bin/sh\nexit 0\n", 0755);
    write_file("apps/ticker", "#!/bin/sh\nexit 0\n", 0755);
    write_file("apps/notes.txt", "not a program\n", 0644);
    write_file("sub/local_prog", "#!/bin/sh\nexit 0\n", 0755);
    search.program_dir = appdir;
    search.platform_dir = IPCSIM_PLATFORM_DIR;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text as the scenario file and loads it. */
static int load(const char *text, struct scn_scenario *s, char *err, size_t errlen)
{
    write_file("s.json", text, 0644);
    return scn_load(scnpath, &search, s, err, errlen);
}

static int load_ok(const char *text, struct scn_scenario *s)
{
    char err[1024];
    int rc = load(text, s, err, sizeof err);
    ck_assert_msg(rc == 0, "load failed: %s", err);
    return rc;
}

/* Loads text, which must fail with one line that names the file and holds
 * want. */
static void load_bad(const char *text, const char *want)
{
    struct scn_scenario s;
    char err[2048];
    int rc = load(text, &s, err, sizeof err);
    ck_assert_msg(rc == -1, "load of %s succeeded, expected an error with: %s", text, want);
    ck_assert_msg(strncmp(err, scnpath, strlen(scnpath)) == 0,
                  "error does not start with the file: %s", err);
    ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
    ck_assert_msg(strchr(err, '\n') == NULL, "error is not one line: %s", err);
    ck_assert_ptr_null(s.apps);
    ck_assert_uint_eq(s.n_apps, 0);
    scn_free(&s);
}

#define MIN_APPS "\"apps\": [{\"name\": \"hello\", \"program\": \"hello\"}]"

/* ---- Good scenarios ---------------------------------------------------- */

START_TEST(test_defaults)
{
    struct scn_scenario s;
    load_ok("{\"name\": \"min\", " MIN_APPS "}", &s);
    ck_assert_str_eq(s.path, scnpath);
    ck_assert_str_eq(s.name, "min");
    ck_assert_str_eq(s.description, "");
    ck_assert_uint_eq(s.seed, 1);
    ck_assert_uint_eq(s.duration_ms, 10000);
    ck_assert_str_eq(s.platform.name, "nrf52840");
    ck_assert_str_eq(s.scheduler, "round_robin");
    ck_assert_uint_eq(s.timeslice_us, 10000);
    ck_assert_int_eq(s.default_fault_policy.kind, KM_FP_PANIC);
    ck_assert_str_eq(s.ipc_mechanism, "none");
    ck_assert_uint_eq(s.n_apps, 1);
    const struct scn_app *a = &s.apps[0];
    ck_assert_str_eq(a->name, "hello");
    ck_assert_str_eq(a->base_name, "hello");
    ck_assert_str_eq(a->program, "hello");
    ck_assert_str_eq(a->package_name, "hello");
    ck_assert_msg(a->program_path[0] == '/', "not absolute: %s", a->program_path);
    ck_assert_msg(strstr(a->program_path, "/apps/hello") != NULL, "%s", a->program_path);
    ck_assert_uint_eq(a->ram, 16384);
    ck_assert_uint_eq(a->stack, 4096);
    ck_assert_uint_eq(a->priority, 0);
    ck_assert_int_eq(a->fault_policy.kind, KM_FP_PANIC);
    ck_assert_uint_eq(a->argc, 0);
    ck_assert_ptr_nonnull(a->argv);
    ck_assert_ptr_null(a->argv[0]);
    ck_assert_uint_eq(s.expect.n_apps, 0);
    ck_assert(!s.expect.has_end_reason);
    scn_free(&s);
    ck_assert_ptr_null(s.apps);
    scn_free(&s); /* twice is harmless */
}
END_TEST

START_TEST(test_full)
{
    struct scn_scenario s;
    load_ok(
        "{\n"
        " \"name\": \"full-1.0\", \"description\": \"every key\", \"seed\": 42,\n"
        " \"duration_ms\": 86400000, \"platform\": \"synthetic-large\",\n"
        " \"kernel\": {\"scheduler\": \"round_robin\", \"timeslice_us\": 1000,\n"
        "            \"fault_policy\": \"restart\"},\n"
        " \"apps\": [\n"
        "  {\"name\": \"svc\", \"program\": \"ticker\", \"package_name\": \"org.example.svc\",\n"
        "   \"ram\": 32768, \"stack\": 2048, \"priority\": 7,\n"
        "   \"fault_policy\": {\"threshold_restart_then_panic\": 5},\n"
        "   \"args\": [\"--count\", \"3\"], \"instances\": 1},\n"
        "  {\"name\": \"client\", \"program\": \"hello\", \"fault_policy\": \"stop\"},\n"
        "  {\"name\": \"other\", \"program\": \"hello\"}\n"
        " ],\n"
        " \"ipc\": {\"mechanism\": \"none\"},\n"
        " \"faults\": [],\n"
        " \"expect\": {\"end_reason\": \"duration\", \"apps\": {\n"
        "   \"svc\": {\"console_contains\": [\"a\", \"b\"], \"console_matches\": [\"^x[0-9]+$\"],\n"
        "           \"console_not_contains\": [\"panic\"], \"state\": \"YieldedFor\",\n"
        "           \"completion_code\": 4294967295, \"restart_count\": 0},\n"
        "   \"client\": {\"state\": \"Terminated\", \"completion_code\": 0}}}\n"
        "}\n",
        &s);
    ck_assert_str_eq(s.name, "full-1.0");
    ck_assert_str_eq(s.description, "every key");
    ck_assert_uint_eq(s.seed, 42);
    ck_assert_uint_eq(s.duration_ms, 86400000);
    ck_assert_str_eq(s.platform.name, "synthetic-large");
    ck_assert_uint_eq(s.timeslice_us, 1000);
    ck_assert_int_eq(s.default_fault_policy.kind, KM_FP_RESTART);
    ck_assert_uint_eq(s.n_apps, 3);

    const struct scn_app *svc = &s.apps[0];
    ck_assert_str_eq(svc->name, "svc");
    ck_assert_str_eq(svc->package_name, "org.example.svc");
    ck_assert_uint_eq(svc->ram, 32768);
    ck_assert_uint_eq(svc->stack, 2048);
    ck_assert_uint_eq(svc->priority, 7);
    ck_assert_int_eq(svc->fault_policy.kind, KM_FP_THRESHOLD_RESTART_THEN_PANIC);
    ck_assert_uint_eq(svc->fault_policy.threshold, 5);
    ck_assert_uint_eq(svc->argc, 2);
    ck_assert_str_eq(svc->argv[0], "--count");
    ck_assert_str_eq(svc->argv[1], "3");
    ck_assert_ptr_null(svc->argv[2]);
    ck_assert_int_eq(s.apps[1].fault_policy.kind, KM_FP_STOP);
    ck_assert_uint_eq(s.apps[1].priority, 1);
    /* No policy of its own: the kernel's. */
    ck_assert_int_eq(s.apps[2].fault_policy.kind, KM_FP_RESTART);
    ck_assert_uint_eq(s.apps[2].priority, 2);

    ck_assert(s.expect.has_end_reason);
    ck_assert_int_eq(s.expect.end_reason, KM_END_DURATION);
    ck_assert_uint_eq(s.expect.n_apps, 2);
    const struct scn_expect_app *e = &s.expect.apps[0];
    ck_assert_str_eq(e->app, "svc");
    ck_assert_uint_eq(e->n_contains, 2);
    ck_assert_str_eq(e->contains[0], "a");
    ck_assert_str_eq(e->contains[1], "b");
    ck_assert_uint_eq(e->n_matches, 1);
    ck_assert_str_eq(e->matches[0], "^x[0-9]+$");
    ck_assert_uint_eq(e->n_not_contains, 1);
    ck_assert_str_eq(e->not_contains[0], "panic");
    ck_assert(e->has_state);
    ck_assert_int_eq(e->state, KM_STATE_YIELDED_FOR);
    ck_assert(e->has_completion_code);
    ck_assert_uint_eq(e->completion_code, 4294967295u);
    ck_assert(e->has_restart_count);
    ck_assert_uint_eq(e->restart_count, 0);
    e = &s.expect.apps[1];
    ck_assert_str_eq(e->app, "client");
    ck_assert_int_eq(e->state, KM_STATE_TERMINATED);
    ck_assert(!e->has_restart_count);
    ck_assert_uint_eq(e->n_contains, 0);
    scn_free(&s);
}
END_TEST

START_TEST(test_instances)
{
    struct scn_scenario s;
    load_ok("{\"name\": \"inst\", \"kernel\": {\"fault_policy\": {\"threshold_restart\": 2}},"
            " \"apps\": [{\"name\": \"first\", \"program\": \"hello\"},"
            "  {\"name\": \"w\", \"program\": \"ticker\", \"instances\": 3, \"args\": [\"-v\"],"
            "   \"package_name\": \"worker\"},"
            "  {\"name\": \"solo\", \"program\": \"hello\", \"instances\": 1, \"priority\": 9}],"
            " \"expect\": {\"apps\": {\"w\": {\"state\": \"Yielded\"},"
            "  \"w[2]\": {\"restart_count\": 1}}}}",
            &s);
    ck_assert_uint_eq(s.n_apps, 5);
    const char *names[] = {"first", "w[0]", "w[1]", "w[2]", "solo"};
    const char *bases[] = {"first", "w", "w", "w", "solo"};
    const uint32_t prio[] = {0, 1, 2, 3, 9};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(s.apps[i].name, names[i]);
        ck_assert_str_eq(s.apps[i].base_name, bases[i]);
        ck_assert_uint_eq(s.apps[i].priority, prio[i]);
        ck_assert_int_eq(s.apps[i].fault_policy.kind, KM_FP_THRESHOLD_RESTART);
        ck_assert_uint_eq(s.apps[i].fault_policy.threshold, 2);
    }
    for (size_t i = 1; i <= 3; i++) {
        ck_assert_str_eq(s.apps[i].package_name, "worker");
        ck_assert_str_eq(s.apps[i].program, "ticker");
        ck_assert_uint_eq(s.apps[i].argc, 1);
        ck_assert_str_eq(s.apps[i].argv[0], "-v");
        ck_assert_ptr_null(s.apps[i].argv[1]);
    }
    /* Each instance owns its arguments. */
    ck_assert_ptr_ne(s.apps[1].argv, s.apps[2].argv);
    ck_assert_ptr_ne(s.apps[1].argv[0], s.apps[2].argv[0]);
    ck_assert_uint_eq(s.expect.n_apps, 2);
    ck_assert_str_eq(s.expect.apps[1].app, "w[2]");
    scn_free(&s);
}
END_TEST

START_TEST(test_max_instances)
{
    struct scn_scenario s;
    /* 64 instances of 16 KiB fit the synthetic-large profile; names reach
     * x[63]. */
    load_ok("{\"name\": \"many\", \"platform\": \"synthetic-large\", \"apps\": ["
            "{\"name\": \"x\", \"program\": \"hello\", \"instances\": 60},"
            "{\"name\": \"y\", \"program\": \"hello\", \"instances\": 4}]}",
            &s);
    ck_assert_uint_eq(s.n_apps, SCN_MAX_APPS);
    ck_assert_str_eq(s.apps[59].name, "x[59]");
    ck_assert_str_eq(s.apps[63].name, "y[3]");
    ck_assert_uint_eq(s.apps[63].priority, 63);
    scn_free(&s);
}
END_TEST

START_TEST(test_platform_by_name)
{
    struct scn_platform p;
    char err[1024];
    ck_assert_msg(scn_load_platform("nrf52840", &search, &p, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(p.name, "nrf52840");
    ck_assert_str_eq(p.mpu, "armv7m");
    ck_assert_uint_eq(p.mpu_regions, 8);
    ck_assert_uint_eq(p.sram_base, 0x20000000u);
    ck_assert_uint_eq(p.sram_size, 256u << 10);
    ck_assert_uint_lt(p.kernel_ram, p.sram_size);
    ck_assert_uint_eq(p.flash_base, 0x00040000u);
    ck_assert_uint_eq(p.flash_size, 768u << 10);
    ck_assert_uint_eq(p.clock_hz, 64000000u);
    ck_assert_uint_eq(p.alarm_hz, 32768);
    ck_assert_uint_eq(p.led_count, 4);
    ck_assert_uint_gt(p.costs.context_switch, 0);

    ck_assert_msg(scn_load_platform("synthetic-large", &search, &p, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_str_eq(p.mpu, "armv8m");
    ck_assert_uint_eq(p.mpu_regions, 16);
    ck_assert_uint_eq(p.sram_size, 8u << 20);
    ck_assert_uint_eq(p.kernel_ram, 64u << 10);
    ck_assert_uint_eq(p.flash_base, 0x10000000u);
    ck_assert_uint_eq(p.flash_size, 8u << 20);
    ck_assert_uint_eq(p.clock_hz, 100000000u);
    ck_assert_uint_eq(p.alarm_hz, 1000000);
    ck_assert_uint_eq(p.led_count, 8);

    ck_assert_int_eq(scn_load_platform("no-such-board", &search, &p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "\"no-such-board\"") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "nrf52840") != NULL, "known profiles not listed: %s", err);
    ck_assert_int_eq(scn_load_platform("../etc/passwd", &search, &p, err, sizeof err), -1);
}
END_TEST

#define INLINE_PLATFORM                                                                            \
    "{\"name\": \"mine\", \"description\": \"inline\", \"mpu\": \"riscv_pmp\","                    \
    " \"mpu_regions\": 8, \"sram_base\": 2147418112, \"sram_size\": \"0x10000\","                  \
    " \"kernel_ram\": 0, \"flash_base\": \"0x00010000\", \"flash_size\": 16384,"                   \
    " \"clock_hz\": 10000000000, \"alarm_hz\": 4294967295, \"led_count\": 32,"                     \
    " \"costs\": {\"trap_entry\": 0, \"trap_exit\": 1, \"context_switch\": 2,"                     \
    "  \"syscall_base\": 3, \"command_base\": 4, \"upcall_dispatch\": 5, \"copy_fixed\": 6,"       \
    "  \"copy_per_byte\": 7, \"sched_decision\": 1000000, \"mpu_fixed\": 8,"                       \
    "  \"mpu_per_region\": 9, \"grant_enter\": 10},"                                               \
    " \"sources\": {\"clock_hz\": \"made up\", \"costs.trap_exit\": \"also made up\"}}"

START_TEST(test_platform_inline)
{
    struct scn_scenario s;
    load_ok("{\"name\": \"inl\", \"platform\": " INLINE_PLATFORM ", " MIN_APPS "}", &s);
    const struct scn_platform *p = &s.platform;
    ck_assert_str_eq(p->name, "mine");
    ck_assert_str_eq(p->description, "inline");
    ck_assert_str_eq(p->mpu, "riscv_pmp");
    ck_assert_uint_eq(p->sram_base, 0x7fff0000u); /* the top 64 KiB below 2^31 */
    ck_assert_uint_eq(p->sram_size, 0x10000u);
    ck_assert_uint_eq(p->kernel_ram, 0);
    ck_assert_uint_eq(p->flash_base, 0x10000u);
    ck_assert_uint_eq(p->clock_hz, 10000000000ull);
    ck_assert_uint_eq(p->alarm_hz, 4294967295u);
    ck_assert_uint_eq(p->led_count, 32);
    ck_assert_uint_eq(p->costs.trap_entry, 0);
    ck_assert_uint_eq(p->costs.trap_exit, 1);
    ck_assert_uint_eq(p->costs.context_switch, 2);
    ck_assert_uint_eq(p->costs.syscall_base, 3);
    ck_assert_uint_eq(p->costs.command_base, 4);
    ck_assert_uint_eq(p->costs.upcall_dispatch, 5);
    ck_assert_uint_eq(p->costs.copy_fixed, 6);
    ck_assert_uint_eq(p->costs.copy_per_byte, 7);
    ck_assert_uint_eq(p->costs.sched_decision, 1000000);
    ck_assert_uint_eq(p->costs.mpu_fixed, 8);
    ck_assert_uint_eq(p->costs.mpu_per_region, 9);
    ck_assert_uint_eq(p->costs.grant_enter, 10);
    scn_free(&s);
}
END_TEST

/* A profile found by name whose content is wrong: the error names the
 * profile file and the JSON path in it, and the scenario. */
START_TEST(test_platform_profile_error)
{
    write_file(
        "platforms/broken.json",
        "{\"name\": \"broken\", \"mpu\": \"armv7m\", \"mpu_regions\": 8,\n"
        " \"sram_base\": \"0x20000000\", \"sram_size\": \"0x40000\", \"kernel_ram\": 0,\n"
        " \"flash_base\": \"0x40000\", \"flash_size\": \"0x40000\", \"clock_hz\": 64000000,\n"
        " \"alarm_hz\": 32768, \"led_count\": 4, \"costs\": {\"trap_entry\": 1,\n"
        " \"trap_exit\": \"fast\"}}\n",
        0644);
    write_file("platforms/renamed.json", "{\"name\": \"other\"}", 0644);
    write_file("platforms/syntax.json", "{\"name\": \"syntax\",,}", 0644);
    search.platform_dir = platdir;

    struct scn_scenario s;
    char err[2048], prof[512];
    snprintf(prof, sizeof prof, "%s/broken.json", platdir);
    ck_assert_int_eq(
        load("{\"name\": \"x\", \"platform\": \"broken\", " MIN_APPS "}", &s, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, prof, strlen(prof)) == 0, "%s", err);
    ck_assert_msg(
        strstr(err, ": $.costs.trap_exit: expected an integer 0..1000000, got \"fast\"") != NULL,
        "%s", err);
    ck_assert_msg(strstr(err, scnpath) != NULL, "scenario not named: %s", err);

    ck_assert_int_eq(
        load("{\"name\": \"x\", \"platform\": \"renamed\", " MIN_APPS "}", &s, err, sizeof err),
        -1);
    ck_assert_msg(strstr(err, "$.name: expected \"renamed\"") != NULL, "%s", err);

    ck_assert_int_eq(
        load("{\"name\": \"x\", \"platform\": \"syntax\", " MIN_APPS "}", &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/syntax.json:1:20: JSON syntax error") != NULL, "%s", err);
    ck_assert_msg(strstr(err, scnpath) != NULL, "scenario not named: %s", err);

    /* The default profile must exist in the platform directory. */
    load_bad("{\"name\": \"x\", " MIN_APPS "}", "$.platform: the default platform \"nrf52840\"");
    load_bad("{\"name\": \"x\", \"platform\": \"nrf52840\", " MIN_APPS "}",
             "$.platform: expected the name of a platform profile in");
    load_bad("{\"name\": \"x\", \"platform\": \"../platforms/broken\", " MIN_APPS "}",
             "$.platform: expected the name of a platform profile in");
}
END_TEST

START_TEST(test_program_paths)
{
    struct scn_scenario s;
    char err[2048];
    /* A path with '/' is relative to the scenario's directory. */
    write_file("sub/s.json",
               "{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"./local_prog\"},"
               " {\"name\": \"b\", \"program\": \"../apps/ticker\"}]}",
               0644);
    char path[512];
    snprintf(path, sizeof path, "%s/sub/s.json", tmpdir);
    ck_assert_msg(scn_load(path, &search, &s, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(s.apps[0].program, "./local_prog");
    ck_assert_msg(s.apps[0].program_path[0] == '/', "%s", s.apps[0].program_path);
    ck_assert_msg(strstr(s.apps[0].program_path, "/sub/local_prog") != NULL, "%s",
                  s.apps[0].program_path);
    ck_assert_msg(strstr(s.apps[1].program_path, "/apps/ticker") != NULL, "%s",
                  s.apps[1].program_path);
    ck_assert_ptr_null(strstr(s.apps[1].program_path, ".."));
    scn_free(&s);

    /* An absolute path is taken as is. */
    char text[1024];
    snprintf(text, sizeof text,
             "{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"%s/hello\"}]}", appdir);
    load_ok(text, &s);
    scn_free(&s);

    load_bad("{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"sub/missing\"}]}",
             "$.apps[0].program: expected an executable file at");
    load_bad("{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"apps/notes.txt\"}]}",
             "$.apps[0].program: expected an executable file at");
    load_bad("{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"sub/\"}]}",
             "$.apps[0].program: expected an executable file at");
    /* Known programs are listed; non-executables are not. */
    load_bad("{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"nope\"}]}",
             "(known: hello, ticker), got \"nope\"");
    load_bad("{\"name\": \"p\", \"apps\": [{\"name\": \"a\", \"program\": \"notes.txt\"}]}",
             "(known: hello, ticker), got \"notes.txt\"");

    /* Without a program directory only paths work. */
    search.program_dir = NULL;
    load_bad("{\"name\": \"p\", " MIN_APPS "}", "no program directory is configured");
}
END_TEST

START_TEST(test_syntax_and_io_errors)
{
    struct scn_scenario s;
    char err[1024], want[1024];
    ck_assert_int_eq(load("{\n  \"name\": \"x\",\n  \"apps\": [}\n", &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3:12: JSON syntax error near \"}\"", scnpath);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(load("{\"name\": \"x\"", &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:1:13: JSON syntax error: unexpected end of file", scnpath);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(load("", &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, ":1:1: JSON syntax error: unexpected end of file") != NULL, "%s",
                  err);

    ck_assert_int_eq(load("{} {}", &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, ":1:4: JSON syntax error near \"{}\"") != NULL, "%s", err);

    /* A NUL byte is not JSON text. */
    FILE *f = fopen(scnpath, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite("{\"name\": \"x\"\0}", 1, 15, f);
    fclose(f);
    ck_assert_int_eq(scn_load(scnpath, &search, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:1:13: expected JSON text, got a NUL byte", scnpath);
    ck_assert_str_eq(err, want);

    char missing[512];
    snprintf(missing, sizeof missing, "%s/none.json", tmpdir);
    ck_assert_int_eq(scn_load(missing, &search, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
    ck_assert_str_eq(err, want);

    /* A directory is not a scenario. */
    ck_assert_int_eq(scn_load(tmpdir, &search, &s, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, tmpdir, strlen(tmpdir)) == 0, "%s", err);
}
END_TEST

/* A table of broken scenarios and a substring each error must hold. */
static const struct {
    const char *text;
    const char *want;
} bad[] = {
    {"[]", "$: expected a scenario object, got an empty array"},
    {"{\"name\": \"x\", " MIN_APPS ", \"colour\": 1}",
     "$.colour: unknown key (expected one of: name, description, seed, duration_ms, platform, "
     "kernel, apps, ipc, faults, expect)"},
    {"{\"name\": \"x\", \"Name\": \"y\", " MIN_APPS "}", "$.Name: unknown key"},
    {"{\"name\": \"x\", \"name\": \"y\", " MIN_APPS "}", "$.name: duplicate key"},
    {"{" MIN_APPS "}", "$: missing required key \"name\""},
    {"{\"name\": \"x\"}", "$: missing required key \"apps\""},
    {"{\"name\": \"\", " MIN_APPS "}", "$.name: expected a name of 1..63 characters"},
    {"{\"name\": \"-x\", " MIN_APPS "}", "$.name: expected a name of"},
    {"{\"name\": \"a/b\", " MIN_APPS "}", "got \"a/b\""},
    {"{\"name\": \"x\", \"description\": 5, " MIN_APPS "}",
     "$.description: expected a string of 0..511 bytes, got 5"},
    {"{\"name\": \"x\", \"seed\": 9007199254740992, " MIN_APPS "}",
     "$.seed: expected an integer 0..9007199254740991, got 9007199254740992"},
    {"{\"name\": \"x\", \"seed\": 1e400, " MIN_APPS "}", "$.seed: expected an integer"},
    {"{\"name\": \"x\", \"duration_ms\": 0, " MIN_APPS "}",
     "$.duration_ms: expected an integer 1..86400000, got 0"},
    {"{\"name\": \"x\", \"duration_ms\": null, " MIN_APPS "}", "got null"},
    {"{\"name\": \"x\", \"kernel\": [], " MIN_APPS "}",
     "$.kernel: expected an object, got an empty array"},
    {"{\"name\": \"x\", \"kernel\": {\"scheduler\": \"edf\"}, " MIN_APPS "}",
     "$.kernel.scheduler: expected a scheduler, one of: \"round_robin\", \"cooperative\", "
     "\"priority\", \"mlfq\", got \"edf\""},
    {"{\"name\": \"x\", \"kernel\": {\"timeslice_us\": 10000001}, " MIN_APPS "}",
     "$.kernel.timeslice_us: expected an integer 1000..10000000"},
    {"{\"name\": \"x\", \"kernel\": {\"fault_policy\": \"Panic\"}, " MIN_APPS "}",
     "$.kernel.fault_policy: expected \"panic\", \"stop\", \"restart\""},
    {"{\"name\": \"x\", \"kernel\": {\"fault_policy\": {}}, " MIN_APPS "}", "got an empty object"},
    {"{\"name\": \"x\", \"kernel\": {\"fault_policy\": {\"threshold_restart\": 1000001}}, " MIN_APPS
     "}",
     "$.kernel.fault_policy.threshold_restart: expected an integer 0..1000000"},
    {"{\"name\": \"x\", \"apps\": {}}",
     "$.apps: expected an array of 1..64 apps, got an empty object"},
    {"{\"name\": \"x\", \"apps\": [5]}", "$.apps[0]: expected an app object, got 5"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\"}]}",
     "$.apps[0]: missing required key \"program\""},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"rom\": 1}]}",
     "$.apps[0].rom: unknown key (expected one of: name, program, package_name, ram, stack, "
     "priority, fault_policy, args, instances, short_id)"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\"}, {\"name\": \"a\", "
     "\"program\": \"ticker\"}]}",
     "$.apps[1].name: expected a name no other app has"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": 7}]}",
     "$.apps[0].program: expected a program name or a path containing '/', got 7"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"ram\": 16777217}]}",
     "$.apps[0].ram: expected an integer 1024..16777216, got 16777217"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"stack\": 1008}]}",
     "$.apps[0].stack: expected a multiple of 16 in 1024..1048576, got 1008"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"stack\": 16384}]}",
     "$.apps[0].stack: expected a stack smaller than ram (16384 bytes), got 16384"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"ram\": 1024}]}",
     "$.apps[0].ram: expected ram larger than the stack (4096 bytes), got 1024"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"priority\": -1}]}",
     "$.apps[0].priority: expected an integer 0..255, got -1"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"instances\": 0}]}",
     "$.apps[0].instances: expected an integer 1..64, got 0"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"instances\": 65}]}",
     "$.apps[0].instances: expected an integer 1..64, got 65"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"args\": \"-v\"}]}",
     "$.apps[0].args: expected an array of at most 16 strings, got \"-v\""},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"args\": [\"a\", "
     "{}]}]}",
     "$.apps[0].args[1]: expected a string, got an empty object"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"package_name\": "
     "\"\"}]}",
     "$.apps[0].package_name: expected a string of 1..63 bytes, got \"\""},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"package_name\": "
     "\"a\\nb\"}]}",
     "$.apps[0].package_name: expected a string without control characters, got \"a\\nb\""},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"fault_policy\": "
     "{\"threshold\": 1}}]}",
     "$.apps[0].fault_policy.threshold: unknown key (expected one of: threshold_restart, "
     "threshold_restart_then_panic)"},
    {"{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\", \"instances\": 20}]}",
     "$.apps: expected app instances whose ram fits in the platform's 196608 bytes of app SRAM "
     "(sram_size - kernel_ram of \"nrf52840\"), got 327680 bytes"},
    {"{\"name\": \"x\", \"platform\": \"synthetic-large\", \"apps\": [{\"name\": \"a\", "
     "\"program\": \"hello\", \"instances\": 33}, {\"name\": \"b\", \"program\": \"hello\", "
     "\"instances\": 32}]}",
     "$.apps: expected at most 64 app instances in total, got 65"},
    {"{\"name\": \"x\", " MIN_APPS ", \"ipc\": {\"mechanism\": \"shared_memory\"}}",
     "$.ipc.mechanism: expected one of: \"none\", \"legacy\", \"relay\", \"share\", "
     "\"sendrecv\", got \"shared_memory\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"ipc\": {\"mechanism\": \"legacy\", "
     "\"refuse_unexposable\": 1}}",
     "$.ipc.refuse_unexposable: expected true or false, got 1"},
    {"{\"name\": \"x\", " MIN_APPS ", \"ipc\": {\"mechanism\": \"none\", "
     "\"refuse_unexposable\": true}}",
     "$.ipc.refuse_unexposable: expected no \"refuse_unexposable\" with mechanism \"none\" (it "
     "applies to \"legacy\" only), got true"},
    {"{\"name\": \"x\", " MIN_APPS ", \"ipc\": \"none\"}",
     "$.ipc: expected an object such as {\"mechanism\": \"none\"}, got \"none\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"ipc\": {\"mechanism\": \"none\", \"x\": 1}}",
     "$.ipc.x: unknown key (expected one of: mechanism, refuse_unexposable, "
     "registry_filter, planted_bug)"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [1, 2]}",
     "$.faults[0]: expected an object describing one fault, got 1"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": {}}",
     "$.faults: expected an array of faults, got an empty object"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"melt\", \"app\": \"hello\", "
     "\"at_ms\": 1}]}",
     "$.faults[0].kind: expected a fault kind, one of: \"crash\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"crash\", \"app\": \"nobody\", "
     "\"at_ms\": 1}]}",
     "$.faults[0].app: expected the name of an app or of an instance"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"crash\", \"app\": \"hello\"}]}",
     "$.faults[0]: expected exactly one trigger: \"at_ms\", \"after_syscalls\" or \"on_event\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"crash\", \"app\": \"hello\", "
     "\"at_ms\": 1, \"after_syscalls\": 2}]}",
     "$.faults[0]: expected exactly one trigger"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"syscall_error\", \"app\": "
     "\"hello\", \"nth\": 1}]}",
     "$.faults[0]: missing required key \"error\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"syscall_error\", \"app\": "
     "\"hello\", \"nth\": 1, \"error\": \"OOPS\"}]}",
     "$.faults[0].error: expected an ErrorCode name"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"syscall_error\", \"app\": "
     "\"hello\", \"after_syscalls\": 3, \"error\": \"FAIL\"}]}",
     "$.faults[0]: expected \"at_ms\", \"nth\" or \"rate\": a syscall_error watches its app's "
     "matching syscalls"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"drop_upcall\", \"app\": "
     "\"hello\", \"rate\": 1.5}]}",
     "$.faults[0].rate: expected a probability in (0, 1], got 1.5"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"delay_upcall\", \"app\": "
     "\"hello\", \"nth\": 1}]}",
     "$.faults[0]: missing required key \"delay_us\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"corrupt_buffer\", \"app\": "
     "\"hello\", \"at_ms\": 1}]}",
     "$.faults[0]: expected \"match\" with \"driver\" and \"number\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"crash\", \"app\": \"hello\", "
     "\"at_ms\": 1, \"bits\": 3}]}",
     "$.faults[0].bits: unknown key for a crash"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"syscall_error\", \"app\": "
     "\"hello\", \"nth\": 1, \"error\": \"FAIL\", \"match\": {\"class\": \"yield\"}}]}",
     "$.faults[0].match.class: expected a syscall class that returns a value"},
    {"{\"name\": \"x\", " MIN_APPS ", \"faults\": [{\"kind\": \"crash\", \"app\": \"hello\", "
     "\"at_ms\": 1, \"when\": 2}]}",
     "$.faults[0].when: unknown key"},
    {"{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"end_reason\": \"crash\"}}",
     "$.expect.end_reason: expected one of: \"duration\", \"idle\", \"panic\", got \"crash\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {\"nobody\": {}}}}",
     "$.expect.apps.nobody: expected the name of an app (\"hello\") or of an instance such as "
     "\"name[0]\", got \"nobody\""},
    {"{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {\"hello[0]\": {}}}}",
     "$.expect.apps[\"hello[0]\"]: expected the name of an app"},
    {"{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {\"hello\": {}, \"hello\": {}}}}",
     "$.expect.apps.hello: duplicate key"},
    {"{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {\"hello\": []}}}",
     "$.expect.apps.hello: expected an object of expectations, got an empty array"},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"console_matches\": [\"[z-a]\"]}}}}",
     "$.expect.apps.hello.console_matches[0]: expected a POSIX extended regular expression ("},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"console_contains\": \"hi\"}}}}",
     "$.expect.apps.hello.console_contains: expected an array of non-empty strings, got \"hi\""},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"console_not_contains\": [\"\"]}}}}",
     "$.expect.apps.hello.console_not_contains[0]: expected a non-empty string, got \"\""},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"state\": \"Exited\"}}}}",
     "$.expect.apps.hello.state: expected one of: \"Running\", \"Yielded\", \"YieldedFor\", "
     "\"Stopped\", \"Faulted\", \"Terminated\", got \"Exited\""},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"completion_code\": 4294967296}}}}",
     "$.expect.apps.hello.completion_code: expected an integer 0..4294967295, got 4294967296"},
    {"{\"name\": \"x\", " MIN_APPS
     ", \"expect\": {\"apps\": {\"hello\": {\"restart_count\": 0.5}}}}",
     "$.expect.apps.hello.restart_count: expected an integer 0..4294967295, got 0.5"},
    {"{\"name\": \"x\", \"platform\": 1, " MIN_APPS "}",
     "$.platform: expected a platform profile name or a profile object, got 1"},
    {"{\"name\": \"x\", \"platform\": {}, " MIN_APPS "}",
     "$.platform: missing required key \"name\""},
    {"{\"name\": \"x\", \"platform\": \"nrf52833\", " MIN_APPS "}",
     "$.platform: expected the name of a platform profile in " IPCSIM_PLATFORM_DIR
     " (known: earlgrey, esp32-c3, nrf52840, rp2350, synthetic-large), got \"nrf52833\""},
};

/* The inline profile with one key replaced: key must appear in INLINE_PLATFORM
 * followed by ": " and its value up to the next ',' or '}'. */
static const struct {
    const char *key;
    const char *value;
    const char *want;
} bad_platform[] = {
    {"\"mpu\"", "\"pmsa\"",
     "$.platform.mpu: expected one of: \"armv7m\", \"armv8m\", \"riscv_pmp\", got \"pmsa\""},
    {"\"mpu_regions\"", "0", "$.platform.mpu_regions: expected an integer 1..64, got 0"},
    {"\"sram_base\"", "\"0x80000000\"",
     "$.platform.sram_base: expected a 4096-aligned address 0x10000..0x7ffff000 (an integer or a "
     "\"0x...\" string), got \"0x80000000\""},
    {"\"sram_base\"", "\"0x8000\"", "$.platform.sram_base: expected a 4096-aligned address"},
    {"\"sram_base\"", "\"0x20000010\"", "$.platform.sram_base: expected a 4096-aligned address"},
    {"\"sram_base\"", "\"20000000\"", "$.platform.sram_base: expected a 4096-aligned address"},
    {"\"sram_base\"", "\"0x1234567890\"", "$.platform.sram_base: expected a 4096-aligned address"},
    {"\"sram_size\"", "\"0x20000\"",
     "$.platform.sram_size: expected a size that keeps sram_base + sram_size <= 0x80000000 (at "
     "most 0x10000), got \"0x20000\""},
    {"\"sram_size\"", "8192",
     "$.platform.sram_size: expected a multiple of 4096 in 16384..67108864"},
    {"\"sram_size\"", "20000", "$.platform.sram_size: expected a multiple of 4096"},
    {"\"kernel_ram\"", "65536",
     "$.platform.kernel_ram: expected a multiple of 4096 less than sram_size (65536)"},
    {"\"kernel_ram\"", "100", "$.platform.kernel_ram: expected a multiple of 4096"},
    {"\"flash_base\"", "\"0x7fff8000\"",
     "$.platform.flash_base: expected a flash range that does not overlap SRAM [0x7fff0000, "
     "0x80000000), got [0x7fff8000, 0x7fffc000)"},
    {"\"flash_size\"", "\"0x4001000\"",
     "$.platform.flash_size: expected a multiple of 4096 in 16384..67108864"},
    {"\"clock_hz\"", "99999",
     "$.platform.clock_hz: expected an integer 100000..10000000000, got 99999"},
    {"\"alarm_hz\"", "0", "$.platform.alarm_hz: expected an integer 1..4294967295, got 0"},
    {"\"led_count\"", "33", "$.platform.led_count: expected an integer 0..32, got 33"},
    {"\"trap_entry\"", "1000001",
     "$.platform.costs.trap_entry: expected an integer 0..1000000, got 1000001"},
    {"\"sched_decision\"", "-1",
     "$.platform.costs.sched_decision: expected an integer 0..1000000, got -1"},
    {"\"name\"", "\"has space\"", "$.platform.name: expected a name of"},
    {"\"description\"", "[]",
     "$.platform.description: expected a string of 0..255 bytes, got an empty array"},
    {"\"clock_hz\"", "\"fast\"", "$.platform.clock_hz: expected an integer"},
    {"\"sources\"", "[]",
     "$.platform.sources: expected an object mapping profile keys to strings, got an empty array"},
    {"\"costs\"", "{}", "$.platform.costs: missing required key \"trap_entry\""},
};

START_TEST(test_bad_table)
{
    load_bad(bad[_i].text, bad[_i].want);
}
END_TEST

/* Returns a scenario whose inline platform is INLINE_PLATFORM with the value
 * of key (its first occurrence) replaced by value. Free the result. */
static char *platform_with(const char *key, const char *value)
{
    const char *base = INLINE_PLATFORM;
    const char *k = strstr(base, key);
    ck_assert_ptr_nonnull(k);
    const char *v = strstr(k, ": ") + 2;
    const char *end = v;
    if (*v == '{' || *v == '[') {
        int depth = 0;
        do {
            if (*end == '{' || *end == '[')
                depth++;
            else if (*end == '}' || *end == ']')
                depth--;
            end++;
        } while (depth > 0);
    } else {
        end += strcspn(v, ",}");
    }
    char *out = NULL;
    ck_assert_int_ge(asprintf(&out, "{\"name\": \"x\", \"platform\": %.*s%s%s, " MIN_APPS "}",
                              (int)(v - base), base, value, end),
                     0);
    return out;
}

START_TEST(test_bad_platform_table)
{
    char *text = platform_with(bad_platform[_i].key, bad_platform[_i].value);
    load_bad(text, bad_platform[_i].want);
    free(text);
}
END_TEST

/* An object of many keys is checked for repeats by sorting; the error
 * still names the first repeat in document order (here "zz", though "k07"
 * sorts first), as a short object's does. */
START_TEST(test_many_keys_duplicate)
{
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof(text),
                                "{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\"k%02d\": {}, ", i);
    snprintf(text + n, sizeof(text) - n, "\"zz\": {}, \"zz\": {}, \"k07\": {}}}}");
    load_bad(text, "$.expect.apps.zz: duplicate key");
    /* and without a repeat, the first key is the first error */
    n = (size_t)snprintf(text, sizeof(text),
                         "{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"apps\": {");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"k%02d\": {}", i ? ", " : "", i);
    snprintf(text + n, sizeof(text) - n, "}}}");
    load_bad(text, "$.expect.apps.k00: expected the name of an app");
}
END_TEST

START_TEST(test_platform_unknown_keys)
{
    char *text = platform_with("\"led_count\"", "4, \"eeprom\": 1");
    load_bad(text, "$.platform.eeprom: unknown key (expected one of: name, description, mpu, "
                   "mpu_regions, mpu_min_region_size, mpu_epmp, sram_base, sram_size, kernel_ram, "
                   "flash_base, flash_size, clock_hz, alarm_hz, led_count, costs, sources)");
    free(text);
    text = platform_with("\"copy_fixed\"", "6, \"tlb\": 1");
    load_bad(text, "$.platform.costs.tlb: unknown key (expected one of: trap_entry, trap_exit, "
                   "context_switch, syscall_base, command_base, upcall_dispatch, copy_fixed, "
                   "copy_per_byte, sched_decision, mpu_fixed, mpu_per_region, grant_enter)");
    free(text);
    text = platform_with("\"sources\"", "{\"costs.tlb\": \"x\"}");
    load_bad(text, "$.platform.sources[\"costs.tlb\"]: unknown key (expected one of: name,");
    free(text);
    text = platform_with("\"sources\"", "{\"clock_hz\": 5}");
    load_bad(text,
             "$.platform.sources.clock_hz: expected a non-empty string naming the source, got 5");
    free(text);
    text = platform_with("\"sources\"", "{\"costs\": \"guess\", \"sram_base\": \"datasheet\"}");
    struct scn_scenario s;
    load_ok(text, &s);
    scn_free(&s);
    free(text);
}
END_TEST

/* Strings that do not fit scenario.h's buffers are refused, not cut. */
START_TEST(test_no_truncation)
{
    char text[4096], longstr[1024];
    struct scn_scenario s;

    memset(longstr, 'd', 511);
    longstr[511] = '\0';
    snprintf(text, sizeof text, "{\"name\": \"x\", \"description\": \"%s\", " MIN_APPS "}",
             longstr);
    load_ok(text, &s);
    ck_assert_uint_eq(strlen(s.description), 511);
    scn_free(&s);
    memset(longstr, 'd', 512);
    longstr[512] = '\0';
    snprintf(text, sizeof text, "{\"name\": \"x\", \"description\": \"%s\", " MIN_APPS "}",
             longstr);
    load_bad(text, "$.description: expected a string of 0..511 bytes, got a string of 512 bytes");

    memset(longstr, 'n', 63);
    longstr[63] = '\0';
    snprintf(text, sizeof text,
             "{\"name\": \"%s\", \"apps\": [{\"name\": \"%s\", \"program\": \"hello\","
             " \"package_name\": \"%s\"}]}",
             longstr, longstr, longstr);
    load_ok(text, &s);
    ck_assert_str_eq(s.name, longstr);
    ck_assert_str_eq(s.apps[0].name, longstr);
    ck_assert_str_eq(s.apps[0].package_name, longstr);
    scn_free(&s);
    memset(longstr, 'n', 64);
    longstr[64] = '\0';
    snprintf(text, sizeof text, "{\"name\": \"%s\", " MIN_APPS "}", longstr);
    load_bad(text, "$.name: expected a name of 1..63 characters");
    snprintf(text, sizeof text,
             "{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"hello\","
             " \"package_name\": \"%s\"}]}",
             longstr);
    load_bad(text,
             "$.apps[0].package_name: expected a string of 1..63 bytes, got a string of 64 bytes");
    snprintf(text, sizeof text,
             "{\"name\": \"x\", \"apps\": [{\"name\": \"a\", \"program\": \"./%s\"}]}", longstr);
    load_bad(text, "$.apps[0].program: expected a program name or path of at most 63 bytes, got a "
                   "string of 66 bytes");

    /* Instance names add "[i]": the base name must leave room for it. */
    memset(longstr, 'i', 60);
    longstr[60] = '\0';
    snprintf(text, sizeof text,
             "{\"name\": \"x\", \"apps\": [{\"name\": \"%s\", \"program\": \"hello\","
             " \"instances\": 10}]}",
             longstr);
    load_ok(text, &s);
    ck_assert_uint_eq(strlen(s.apps[9].name), 63);
    scn_free(&s);
    snprintf(text, sizeof text,
             "{\"name\": \"x\", \"apps\": [{\"name\": \"%s\", \"program\": \"hello\","
             " \"instances\": 11}]}",
             longstr);
    load_bad(text, "$.apps[0].name: expected a name of at most 59 characters for an app with 11 "
                   "instances");
}
END_TEST

START_TEST(test_error_format)
{
    struct scn_scenario s;
    char err[1024];
    /* Control characters in keys and values stay escaped on one line. */
    load_bad("{\"name\": \"x\", " MIN_APPS ", \"a\\nb\": 1}", "$[\"a\\nb\"]: unknown key");
    load_bad("{\"name\": \"x\\ty\", " MIN_APPS "}", "got \"x\\ty\"");
    /* Long values are abbreviated in the "got" part. */
    char text[1024], longstr[300];
    memset(longstr, 'v', 200);
    longstr[200] = '\0';
    snprintf(text, sizeof text, "{\"name\": \"x\", " MIN_APPS ", \"seed\": \"%s\"}", longstr);
    load_bad(text, "vvv...\"");

    /* A short buffer gets a cut, terminated message; none at all is fine. */
    ck_assert_int_eq(load("{\"name\": 1, " MIN_APPS "}", &s, err, 8), -1);
    ck_assert_uint_eq(strlen(err), 7);
    ck_assert_int_eq(load("{\"name\": 1, " MIN_APPS "}", &s, NULL, 0), -1);
    ck_assert_int_eq(load("{\"name\": \"x\", " MIN_APPS "}", &s, NULL, 0), 0);
    scn_free(&s);
}
END_TEST

START_TEST(test_fault_policies)
{
    static const struct {
        const char *json;
        enum km_fault_policy_kind kind;
        uint32_t threshold;
    } cases[] = {
        {"\"panic\"", KM_FP_PANIC, 0},
        {"\"stop\"", KM_FP_STOP, 0},
        {"\"restart\"", KM_FP_RESTART, 0},
        {"{\"threshold_restart\": 0}", KM_FP_THRESHOLD_RESTART, 0},
        {"{\"threshold_restart\": 1000000}", KM_FP_THRESHOLD_RESTART, 1000000},
        {"{\"threshold_restart_then_panic\": 3}", KM_FP_THRESHOLD_RESTART_THEN_PANIC, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        struct scn_scenario s;
        snprintf(text, sizeof text,
                 "{\"name\": \"x\", \"kernel\": {\"fault_policy\": %s}, \"apps\": ["
                 "{\"name\": \"a\", \"program\": \"hello\"},"
                 "{\"name\": \"b\", \"program\": \"hello\", \"fault_policy\": %s}]}",
                 cases[i].json, cases[i].json);
        load_ok(text, &s);
        ck_assert_int_eq(s.default_fault_policy.kind, cases[i].kind);
        ck_assert_uint_eq(s.default_fault_policy.threshold, cases[i].threshold);
        for (size_t k = 0; k < 2; k++) {
            ck_assert_int_eq(s.apps[k].fault_policy.kind, cases[i].kind);
            ck_assert_uint_eq(s.apps[k].fault_policy.threshold, cases[i].threshold);
        }
        scn_free(&s);
    }
}
END_TEST

START_TEST(test_every_state_name)
{
    static const char *const names[] = {"Running", "Yielded", "YieldedFor",
                                        "Stopped", "Faulted", "Terminated"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char text[512];
        struct scn_scenario s;
        snprintf(text, sizeof text,
                 "{\"name\": \"x\", " MIN_APPS ", \"expect\": {\"end_reason\": \"panic\", "
                 "\"apps\": {\"hello\": {\"state\": \"%s\"}}}}",
                 names[i]);
        load_ok(text, &s);
        ck_assert_int_eq(s.expect.end_reason, KM_END_PANIC);
        ck_assert(s.expect.apps[0].has_state);
        ck_assert_str_eq(km_state_name(s.expect.apps[0].state), names[i]);
        scn_free(&s);
    }
}
END_TEST

/* An expectation on the end alone, without per-app entries. */
START_TEST(test_expect_end_reason_only)
{
    struct scn_scenario s;
    load_ok("{\"name\": \"idle-ok\", \"expect\": {\"end_reason\": \"idle\"}, " MIN_APPS "}", &s);
    ck_assert_int_eq(s.expect.end_reason, KM_END_IDLE);
    ck_assert_uint_eq(s.expect.n_apps, 0);
    scn_free(&s);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_full);
    tcase_add_test(tc, test_instances);
    tcase_add_test(tc, test_max_instances);
    tcase_add_test(tc, test_platform_by_name);
    tcase_add_test(tc, test_platform_inline);
    tcase_add_test(tc, test_platform_profile_error);
    tcase_add_test(tc, test_program_paths);
    tcase_add_test(tc, test_syntax_and_io_errors);
    tcase_add_loop_test(tc, test_bad_table, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_loop_test(tc, test_bad_platform_table, 0,
                        (int)(sizeof bad_platform / sizeof bad_platform[0]));
    tcase_add_test(tc, test_many_keys_duplicate);
    tcase_add_test(tc, test_platform_unknown_keys);
    tcase_add_test(tc, test_no_truncation);
    tcase_add_test(tc, test_error_format);
    tcase_add_test(tc, test_fault_policies);
    tcase_add_test(tc, test_every_state_name);
    tcase_add_test(tc, test_expect_end_reason_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scenario_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
