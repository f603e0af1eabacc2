/* fuzz_scenario.c: libFuzzer target for the scenario parser. Each input is
 * the text of a scenario file, parsed by scn_load_text() (the code path of
 * scn_load()) with the repository's platform profiles and a directory of
 * stand-in programs; then it is freed, so that leaks are reported.
 *
 * Besides memory errors, undefined behaviour and leaks, it checks what
 * scenario.h promises: an error is one line naming the file, a parsed
 * scenario has 1..SCN_MAX_APPS instances with NULL-terminated argv, and
 * scn_free is safe to repeat.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

/* The name the input goes by: programs given as paths are relative to the
 * stand-in program directory, so that such paths can resolve too. */
#define FUZZ_NAME IPCSIM_FUZZ_PROGRAM_DIR "/fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_scenario: %s\n  err: %s\n", what, err);
    abort();
}

static void check_scenario(struct scn_scenario *s)
{
    if (s->n_apps < 1 || s->n_apps > SCN_MAX_APPS)
        fuzz_fail("a parsed scenario has a wrong number of app instances", "");
    for (size_t i = 0; i < s->n_apps; i++) {
        const struct scn_app *a = &s->apps[i];
        if (a->argc > SCN_MAX_ARGS || a->argv == NULL || a->argv[a->argc] != NULL)
            fuzz_fail("an app's argv is not NULL-terminated", a->name);
        if (a->name[0] == '\0' || a->program_path[0] == '\0')
            fuzz_fail("an app has no name or no program path", a->name);
    }
    if (s->n_faults > 256 || (s->n_faults > 0 && s->faults == NULL))
        fuzz_fail("a parsed scenario has a wrong fault list", "");

    /* What `ipcsim run --ipc` does with a parsed scenario. */
    static const char *const mechanisms[] = {"none",  "legacy",   "relay",
                                             "share", "sendrecv", "unknown"};
    char err[256];
    for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++) {
        int rc = scn_set_ipc_mechanism(s, mechanisms[i], err, sizeof err);
        if (rc != 0 && err[0] == '\0')
            fuzz_fail("scn_set_ipc_mechanism failed without saying why", mechanisms[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct scn_search search = {.program_dir = IPCSIM_FUZZ_PROGRAM_DIR,
                                             .platform_dir = IPCSIM_FUZZ_PLATFORM_DIR};
    struct scn_scenario *s = malloc(sizeof *s); /* large: not on the stack */
    char err[4096];
    if (s == NULL)
        return 0;
    int rc = scn_load_text((const char *)data, size, FUZZ_NAME, &search, s, err, sizeof err);
    if (rc == 0) {
        if (err[0] != '\0')
            fuzz_fail("success with an error message", err);
        check_scenario(s);
    } else if (rc == -1) {
        if (err[0] == '\0')
            fuzz_fail("failure without an error message", err);
        if (strchr(err, '\n') != NULL)
            fuzz_fail("an error message of more than one line", err);
        if (strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) != 0)
            fuzz_fail("an error message that does not start with the file name", err);
    } else {
        fuzz_fail("scn_load_text returned neither 0 nor -1", err);
    }
    scn_free(s);
    scn_free(s);
    free(s);
    return 0;
}
