/* scenario.h: a scenario file parsed and checked into plain structs
 * (platform, kernel policies, app instances, expectations).
 *
 * Every error names the file, the JSON path and what was expected, e.g.
 *   scenarios/x.json: $.apps[1].ram: expected an integer >= 1024, got "big"
 * Unknown keys are errors.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "km.h"

#define SCN_NAME_MAX 64
#define SCN_PATH_MAX 4096
#define SCN_MAX_APPS 64 /* app instances in one scenario, after expansion */
#define SCN_MAX_ARGS 16 /* entries of an app's "args" */

/* A platform profile (platforms/<name>.json, or inline in the scenario). */
struct scn_platform {
    char name[SCN_NAME_MAX];
    char description[256];
    char mpu[32];                 /* "armv7m", "armv8m", "riscv_pmp" (modelled later) */
    uint32_t mpu_regions;         /* MPU regions (PMP: user regions) */
    uint32_t mpu_min_region_size; /* smallest region, bytes */
    bool mpu_epmp;                /* RISC-V Smepmp */
    uint32_t sram_base;           /* simulated address, < 2^31 */
    uint32_t sram_size;           /* bytes */
    uint32_t kernel_ram;          /* bytes at the start of SRAM the kernel keeps */
    uint32_t flash_base;          /* simulated address of app flash, < 2^31 */
    uint32_t flash_size;          /* bytes */
    uint64_t clock_hz;
    uint32_t alarm_hz;
    uint32_t led_count;
    struct km_costs costs;
};

/* One expectation on an app (applies to each instance of it). */
struct scn_expect_app {
    char app[SCN_NAME_MAX]; /* app or instance name */
    size_t n_contains;
    char **contains; /* substrings the console holds, in order */
    size_t n_matches;
    char **matches; /* POSIX extended regexes, in order */
    size_t n_not_contains;
    char **not_contains; /* substrings the console must not hold */
    bool has_state;
    enum km_state state; /* final process state */
    bool has_completion_code;
    uint32_t completion_code;
    bool has_restart_count;
    uint32_t restart_count;
    bool has_fault_count;
    uint32_t fault_count;
    uint64_t after_us; /* console_after: from this virtual time on */
    size_t n_after_contains;
    char **after_contains; /* substrings printed after it, in order */
};

struct scn_expect {
    size_t n_console_order;
    char **console_order; /* lines "[app] text" of the merged console,
                              each a substring, in order */
    size_t n_findings;
    char **findings; /* substrings some finding must contain */
    size_t n_apps;
    struct scn_expect_app *apps;
    bool has_end_reason;
    enum km_end_reason end_reason; /* "duration", "idle", "panic" */
};

struct scn_app {
    char name[SCN_NAME_MAX];         /* instance name: name, or name[i] */
    char base_name[SCN_NAME_MAX];    /* the name in the scenario */
    char program[SCN_NAME_MAX];      /* program name as written */
    char program_path[SCN_PATH_MAX]; /* resolved executable */
    char package_name[SCN_NAME_MAX];
    uint32_t ram;   /* minimum RAM (TBF), bytes */
    uint32_t stack; /* stack size, bytes */
    uint32_t priority;
    struct km_fault_policy fault_policy;
    uint32_t short_id; /* ShortId::Fixed, 0 = LocallyUnique */
    size_t argc;
    char **argv; /* extra arguments, NULL-terminated */
};

#define SCN_REGISTRY_NAME 20      /* registry names: 20 bytes, zero padded */
#define SCN_MAX_REGISTRY_RULES 32 /* (name, package name) pairs of a registry filter */

/* Who may register a name in the string-name registry. */
struct scn_registry_rule {
    char name[SCN_REGISTRY_NAME + 1];
    char package_name[SCN_NAME_MAX];
};

/* One fault of the injection schedule (applies to every instance it names). */
struct scn_fault {
    enum km_inject_kind kind;
    char app[SCN_NAME_MAX]; /* app or instance name */
    enum km_trigger trigger;
    uint64_t at_us;      /* KM_TRIG_AT_TIME, virtual microseconds */
    uint64_t nth;        /* after_syscalls / nth */
    uint32_t rate_ppm;   /* rate, parts per million */
    char event[32];      /* on_event, "" for the kind's own stream */
    int32_t match_class; /* -1 = any */
    int64_t match_driver, match_number;
    uint32_t allow_class; /* KM_SYS_ALLOW_RW / KM_SYS_ALLOW_RO */
    uint32_t error;       /* syscall_error */
    uint64_t delay_us;    /* delay_upcall */
    uint32_t bits;        /* corrupt_buffer */
    uint32_t code;        /* exit / restart completion code */
};

struct scn_scenario {
    char path[SCN_PATH_MAX]; /* the file it came from */
    char name[SCN_NAME_MAX];
    char description[512];
    uint64_t seed;
    uint64_t duration_ms; /* virtual milliseconds */
    struct scn_platform platform;
    char scheduler[32];
    uint32_t timeslice_us;
    bool hang_preempt;    /* kernel.hang_policy "preempt" (else "fault") */
    bool mpu_page;        /* kernel.mpu_enforcement "page" (else "byte") */
    uint32_t watchdog_ms; /* kernel.watchdog_ms, host time; 0 = the CLI's */
    struct km_fault_policy default_fault_policy;
    char ipc_mechanism[32];      /* "none", "legacy", "relay", "share", "sendrecv" */
    bool ipc_refuse_unexposable; /* legacy: refuse unexposable buffers (#1993) */
    size_t n_registry_rules;     /* relay, share: the string registry's filter */
    struct scn_registry_rule registry_rules[SCN_MAX_REGISTRY_RULES];
    /* relay, share: a deliberately broken capsule, for testing ipcsim fuzz
     * only (docs/fuzzing.md); KM_BUG_NONE on any real board */
    enum km_planted_bug ipc_planted_bug;
    size_t n_apps; /* instances, expanded */
    struct scn_app *apps;
    size_t n_faults;
    struct scn_fault *faults;
    struct scn_expect expect;
};

/* Where programs and platform profiles are looked up. */
struct scn_search {
    const char *program_dir;  /* built example apps */
    const char *platform_dir; /* platform profiles */
};

/* Parses and checks the scenario at path. On success returns 0 and fills
 * *out (free with scn_free). On error returns -1 and writes one line,
 * "<file>: <json path>: <what was expected>", to err. */
int scn_load(const char *path, const struct scn_search *search, struct scn_scenario *out, char *err,
             size_t errlen);

/* Like scn_load, but parses the len bytes at text (need not be
 * NUL-terminated) as the scenario file called name: name is what errors
 * and out->path say, and programs given as paths are looked up relative to
 * its directory. scn_load reads the file and parses it the same way. */
int scn_load_text(const char *text, size_t len, const char *name, const struct scn_search *search,
                  struct scn_scenario *out, char *err, size_t errlen);

/* Loads a platform profile by name from search->platform_dir. Same error
 * convention as scn_load. */
int scn_load_platform(const char *name, const struct scn_search *search, struct scn_platform *out,
                      char *err, size_t errlen);

/* Frees what scn_load allocated in *s and zeroes it; safe to call twice and
 * on a scenario whose load failed. */
void scn_free(struct scn_scenario *s);

/* Runs scenario s with another IPC mechanism (the run command's --ipc);
 * -1 with a message in err if the name is unknown or the scenario's ipc
 * options do not apply to it. */
int scn_set_ipc_mechanism(struct scn_scenario *s, const char *mechanism, char *err, size_t errlen);

#endif
