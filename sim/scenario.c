/* scenario.c: reads a scenario file (and the platform profile it names) with
 * cJSON and checks every key of it into the structs of scenario.h.
 *
 * Sections:
 *   - allowed values (schedulers, IPC mechanisms, MPU kinds, key lists)
 *   - error reporting (JSON paths, descriptions of offending values)
 *   - reading a JSON file
 *   - scalar readers (names, strings, integers, addresses)
 *   - platform profiles
 *   - fault policies
 *   - apps and their instances
 *   - expectations
 *   - the scenario as a whole, scn_load, scn_load_text, scn_free
 *
 * Every check that fails writes exactly one line,
 *   <file>: <json path>: expected <what>, got <what was there>
 * and the parse stops there. Nothing is truncated silently: a value that
 * does not fit its buffer in scenario.h is an error.
 */
#include "scenario.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Allowed values ---------------------------------------------------- */

/* Schedulers a scenario may name. Add a name here once the kernel model
 * implements it. */

/* IPC mechanisms a scenario may name. */
static const char *const scn_ipc_mechanisms[] = {"none", "legacy", "relay", "share", "sendrecv"};

/* MPU models a platform may name. */
static const char *const scn_mpu_kinds[] = {"armv7m", "armv8m", "riscv_pmp"};

static const char *const scn_end_reason_names[] = {"duration", "idle", "panic"};
static const enum km_end_reason scn_end_reasons[] = {KM_END_DURATION, KM_END_IDLE, KM_END_PANIC};

#define SCN_X_STATE_NAME(name, str) str,
static const char *const scn_state_names[] = {KM_STATE_MAP(SCN_X_STATE_NAME)};
#undef SCN_X_STATE_NAME

static const char *const scn_fault_policy_names[] = {"panic", "stop", "restart"};
static const enum km_fault_policy_kind scn_fault_policy_kinds[] = {KM_FP_PANIC, KM_FP_STOP,
                                                                   KM_FP_RESTART};
static const char *const scn_threshold_keys[] = {"threshold_restart",
                                                 "threshold_restart_then_panic"};

static const char *const scn_top_keys[] = {"name",     "description", "seed", "duration_ms",
                                           "platform", "kernel",      "apps", "ipc",
                                           "faults",   "expect"};
static const char *const scn_kernel_keys[] = {"scheduler",   "timeslice_us", "fault_policy",
                                              "hang_policy", "watchdog_ms",  "mpu_enforcement"};
static const char *const scn_ipc_keys[] = {"mechanism", "refuse_unexposable", "registry_filter",
                                           "planted_bug"};
static const char *const scn_registry_rule_keys[] = {"name", "package_names"};
static const char *const scn_app_keys[] = {"name",      "program",  "package_name", "ram",
                                           "stack",     "priority", "fault_policy", "args",
                                           "instances", "short_id"};
static const char *const scn_expect_keys[] = {"end_reason", "console_order", "findings_contain",
                                              "apps"};
static const char *const scn_expect_app_keys[] = {
    "console_contains", "console_matches", "console_not_contains", "console_after", "state",
    "completion_code",  "restart_count",   "fault_count"};
static const char *const scn_platform_keys[] = {
    "name",      "description", "mpu",        "mpu_regions", "mpu_min_region_size", "mpu_epmp",
    "sram_base", "sram_size",   "kernel_ram", "flash_base",  "flash_size",          "clock_hz",
    "alarm_hz",  "led_count",   "costs",      "sources"};

/* The cost fields of a profile, in the order of struct km_costs. */
static const char *const scn_cost_keys[] = {"trap_entry",   "trap_exit",      "context_switch",
                                            "syscall_base", "command_base",   "upcall_dispatch",
                                            "copy_fixed",   "copy_per_byte",  "sched_decision",
                                            "mpu_fixed",    "mpu_per_region", "grant_enter"};
static const size_t scn_cost_offsets[] = {
    offsetof(struct km_costs, trap_entry),     offsetof(struct km_costs, trap_exit),
    offsetof(struct km_costs, context_switch), offsetof(struct km_costs, syscall_base),
    offsetof(struct km_costs, command_base),   offsetof(struct km_costs, upcall_dispatch),
    offsetof(struct km_costs, copy_fixed),     offsetof(struct km_costs, copy_per_byte),
    offsetof(struct km_costs, sched_decision), offsetof(struct km_costs, mpu_fixed),
    offsetof(struct km_costs, mpu_per_region), offsetof(struct km_costs, grant_enter)};
_Static_assert(ARRAY_LEN(scn_cost_keys) == ARRAY_LEN(scn_cost_offsets), "cost tables differ");
_Static_assert(sizeof(struct km_costs) == ARRAY_LEN(scn_cost_keys) * sizeof(uint32_t),
               "struct km_costs gained a field: add it to scn_cost_keys");

#define SCN_DEFAULT_SEED 1
#define SCN_DEFAULT_DURATION_MS 10000
#define SCN_DEFAULT_PLATFORM "nrf52840"
#define SCN_DEFAULT_TIMESLICE_US 10000
#define SCN_DEFAULT_RAM 16384
#define SCN_DEFAULT_STACK 4096
#define SCN_MAX_SEED 9007199254740991ull /* 2^53 - 1: exact in a JSON double */
#define SCN_ADDR_LIMIT 0x80000000ull     /* simulated memory stays below 2^31 */
#define SCN_PAGE 4096u
#define SCN_FILE_MAX (16u << 20) /* larger files are refused */
#define SCN_GOT_MAX 60           /* characters of a string quoted in errors */

/* ---- Error reporting --------------------------------------------------- */

/* Where errors go and what they are prefixed and suffixed with. */
struct ctx {
    const char *file; /* named at the start of every error */
    const char *note; /* appended to every error, "" for none */
    char *err;        /* caller's buffer, may be NULL if errlen is 0 */
    size_t errlen;
};

/* A JSON path as a chain of segments from the value up to the root. */
struct jpath {
    const struct jpath *up; /* NULL at the root ("$") */
    const char *key;        /* object member name, NULL for an array element */
    size_t index;           /* array index when key is NULL */
};

static struct jpath jp_key(const struct jpath *up, const char *key)
{
    return (struct jpath){.up = up, .key = key, .index = 0};
}

static struct jpath jp_index(const struct jpath *up, size_t index)
{
    return (struct jpath){.up = up, .key = NULL, .index = index};
}

/* Writes s to f on one line: control characters are escaped, and in JSON
 * mode so are '"' and '\\'. Stops after max bytes (at a character boundary)
 * and marks the cut with "...". */
static void put_text(FILE *f, const char *s, size_t max, bool json)
{
    for (size_t n = 0; *s != '\0'; s++, n++) {
        unsigned char ch = (unsigned char)*s;
        if (n >= max && (ch & 0xc0) != 0x80) {
            fputs("...", f);
            return;
        }
        if (json && (ch == '"' || ch == '\\'))
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\t')
            fputs("\\t", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
}

static bool is_ident(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    }
    return true;
}

static void put_path(FILE *f, const struct jpath *p)
{
    if (p->up == NULL) {
        fputc('$', f);
        return;
    }
    put_path(f, p->up);
    if (p->key == NULL) {
        fprintf(f, "[%zu]", p->index);
    } else if (is_ident(p->key)) {
        fprintf(f, ".%s", p->key);
    } else {
        fputs("[\"", f);
        put_text(f, p->key, SCN_GOT_MAX, true);
        fputs("\"]", f);
    }
}

static void put_number(FILE *f, double d)
{
    if (isfinite(d) && d > -1e18 && d < 1e18 && (double)(long long)d == d) {
        fprintf(f, "%.0f", d);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof buf, "%.17g", d);
    fputs(buf, f);
}

/* Describes a JSON value for the "got" part of an error. */
static void put_value(FILE *f, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        fputc('"', f);
        put_text(f, v->valuestring, SCN_GOT_MAX, true);
        fputc('"', f);
    } else if (cJSON_IsNumber(v)) {
        put_number(f, v->valuedouble);
    } else if (cJSON_IsTrue(v)) {
        fputs("true", f);
    } else if (cJSON_IsFalse(v)) {
        fputs("false", f);
    } else if (cJSON_IsNull(v)) {
        fputs("null", f);
    } else if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        if (n == 0)
            fputs("an empty array", f);
        else
            fprintf(f, "an array of %d element%s", n, n == 1 ? "" : "s");
    } else if (cJSON_IsObject(v)) {
        int n = cJSON_GetArraySize(v);
        if (n == 0)
            fputs("an empty object", f);
        else
            fprintf(f, "an object with %d key%s", n, n == 1 ? "" : "s");
    } else {
        fputs("an invalid value", f);
    }
}

/* Formats one error line into c->err. p may be NULL (no JSON path), got may
 * be NULL (no "got" part). */
static void emit(struct ctx *c, const struct jpath *p, const cJSON *got, const char *fmt,
                 va_list ap)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        if (c->errlen > 0)
            snprintf(c->err, c->errlen, "%s: out of memory", c->file);
        return;
    }
    put_text(f, c->file, SIZE_MAX, false);
    fputs(": ", f);
    if (p != NULL) {
        put_path(f, p);
        fputs(": ", f);
    }
    /* The message itself may quote user text; keep it on one line. */
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    put_text(f, msg != NULL ? msg : "out of memory", SIZE_MAX, false);
    free(msg);
    if (got != NULL) {
        fputs(", got ", f);
        put_value(f, got);
    }
    put_text(f, c->note, SIZE_MAX, false);
    fclose(f);
    if (c->errlen > 0)
        snprintf(c->err, c->errlen, "%s", buf != NULL ? buf : "");
    free(buf);
}

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const struct jpath *p,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(c, p, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

__attribute__((format(printf, 4, 5))) static int fail_got(struct ctx *c, const struct jpath *p,
                                                          const cJSON *got, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(c, p, got, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail_oom(struct ctx *c)
{
    return fail(c, NULL, "out of memory");
}

/* Joins names as `"a", "b"` (quoted) or `a, b`. Returns a malloc'd string
 * or NULL when out of memory. */
static char *join_names(const char *const *names, size_t n, bool quoted)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        fprintf(f, quoted ? "%s\"%s\"" : "%s%s", i > 0 ? ", " : "", names[i]);
    if (n == 0)
        fputs("none", f);
    fclose(f);
    return buf;
}

/* Writes "expected <what>one of: "a", "b"<tail>, got <v>". Returns -1. */
static int fail_one_of(struct ctx *c, const struct jpath *p, const cJSON *v, const char *what,
                       const char *const *names, size_t n, const char *tail)
{
    char *list = join_names(names, n, true);
    if (list == NULL)
        return fail_oom(c);
    fail_got(c, p, v, "expected %sone of: %s%s", what, list, tail);
    free(list);
    return -1;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

struct key_at {
    const char *name;
    size_t at; /* position in the object */
};

static int cmp_key_at(const void *a, const void *b)
{
    const struct key_at *x = a, *y = b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->at > y->at) - (x->at < y->at);
}

/* The position of obj's first member (in document order) whose key an
 * earlier member has; SIZE_MAX if none, or (out of memory) -1 in *err.
 * Sorted, so that an object of many keys costs n log n, not n^2. */
static size_t first_repeat(const cJSON *obj, bool *err)
{
    size_t n = 0;
    for (const cJSON *it = obj->child; it != NULL; it = it->next)
        n++;
    size_t best = SIZE_MAX;
    if (n <= 32) {
        size_t i = 0;
        for (const cJSON *it = obj->child; it != NULL && best == SIZE_MAX; it = it->next, i++)
            for (const cJSON *o = obj->child; o != it; o = o->next)
                if (strcmp(o->string, it->string) == 0) {
                    best = i;
                    break;
                }
        return best;
    }
    struct key_at *v = malloc(n * sizeof(*v));
    if (v == NULL) {
        *err = true;
        return SIZE_MAX;
    }
    size_t i = 0;
    for (const cJSON *it = obj->child; it != NULL; it = it->next, i++)
        v[i] = (struct key_at){it->string, i};
    qsort(v, n, sizeof(*v), cmp_key_at);
    for (i = 1; i < n; i++)
        if (strcmp(v[i].name, v[i - 1].name) == 0 && v[i].at < best)
            best = v[i].at;
    free(v);
    return best;
}

/* Checks that obj holds each key once and, when keys is not NULL, only the
 * given keys; reports the first offending member in document order. */
static int check_keys(struct ctx *c, const struct jpath *p, const cJSON *obj,
                      const char *const *keys, size_t n)
{
    bool oom = false;
    size_t repeat = first_repeat(obj, &oom);
    if (oom)
        return fail_oom(c);
    size_t i = 0;
    for (const cJSON *it = obj->child; it != NULL; it = it->next, i++) {
        struct jpath kp = jp_key(p, it->string);
        if (keys != NULL && !in_list(it->string, keys, n)) {
            char *list = join_names(keys, n, false);
            if (list == NULL)
                return fail_oom(c);
            fail(c, &kp, "unknown key (expected one of: %s)", list);
            free(list);
            return -1;
        }
        if (i == repeat)
            return fail(c, &kp, "duplicate key (expected each key once)");
    }
    return 0;
}

/* Returns obj's member key, or NULL. Keys are case-sensitive. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Returns obj's member key, or NULL after writing a "missing" error. */
static const cJSON *required(struct ctx *c, const struct jpath *p, const cJSON *obj,
                             const char *key)
{
    const cJSON *v = member(obj, key);
    if (v == NULL)
        fail(c, p, "missing required key \"%s\"", key);
    return v;
}

/* ---- Reading a JSON file ----------------------------------------------- */

/* Reads all of c->file into a NUL-terminated malloc'd buffer; *lenp gets
 * its length without the NUL. Returns NULL with an error written. */
static char *read_file(struct ctx *c, size_t *lenp)
{
    FILE *f = fopen(c->file, "rb");
    if (f == NULL) {
        fail(c, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 2) {
            if (len > SCN_FILE_MAX)
                break;
            size_t ncap = cap != 0 ? cap * 2 : 4096;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                rc = fail_oom(c);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    if (rc == 0 && ferror(f))
        rc = fail(c, NULL, "cannot read: %s", strerror(errno));
    if (rc == 0 && len > SCN_FILE_MAX)
        rc = fail(c, NULL, "expected a file of at most %u bytes, got a larger one", SCN_FILE_MAX);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *lenp = len;
    return buf;
}

/* Writes "<file>:<line>:<col>: <problem>" for a syntax error at byte off of
 * buf (len bytes), the way compilers print positions. */
static void syntax_error(struct ctx *c, const char *buf, size_t len, size_t off)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    if (f == NULL) {
        fail_oom(c);
        return;
    }
    put_text(f, c->file, SIZE_MAX, false);
    fprintf(f, ":%zu:%zu: ", line, col);
    if (off < len && buf[off] == '\0') {
        fputs("expected JSON text, got a NUL byte", f);
    } else if (off >= len) {
        fputs("JSON syntax error: unexpected end of file", f);
    } else {
        char snip[24];
        size_t n = 0;
        while (n < sizeof snip - 1 && off + n < len && buf[off + n] != '\n') {
            snip[n] = buf[off + n];
            n++;
        }
        snip[n] = '\0';
        fputs("JSON syntax error near \"", f);
        put_text(f, snip, sizeof snip, true);
        fputc('"', f);
    }
    put_text(f, c->note, SIZE_MAX, false);
    fclose(f);
    if (c->errlen > 0)
        snprintf(c->err, c->errlen, "%s", out != NULL ? out : "");
    free(out);
}

/* Parses buf (len bytes followed by a NUL) as the JSON text of c->file.
 * Returns the tree (cJSON_Delete it) or NULL with an error naming the line
 * and column of a syntax error. */
static cJSON *parse_json(struct ctx *c, const char *buf, size_t len)
{
    cJSON *root = NULL;
    const char *nul = memchr(buf, '\0', len);
    if (nul != NULL) {
        syntax_error(c, buf, len, (size_t)(nul - buf));
    } else {
        /* The length includes the terminating NUL: cJSON then refuses
         * anything after the top-level value. */
        const char *end = NULL;
        root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, true);
        if (root == NULL)
            syntax_error(c, buf, len,
                         end != NULL && end >= buf && end <= buf + len ? (size_t)(end - buf) : len);
    }
    return root;
}

/* Reads and parses c->file (see parse_json). */
static cJSON *read_json(struct ctx *c)
{
    size_t len;
    char *buf = read_file(c, &len);
    if (buf == NULL)
        return NULL;
    cJSON *root = parse_json(c, buf, len);
    free(buf);
    return root;
}

/* ---- Scalar readers ---------------------------------------------------- */

#define SCN_NAME_RULE "1..63 characters from [A-Za-z0-9_.-], not starting with '.' or '-'"

/* True if s is a name: 1..63 characters of [A-Za-z0-9_.-], first not '.'
 * or '-' (so it can be a file name and cannot look like an option). */
static bool is_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SCN_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    }
    return true;
}

static int get_name(struct ctx *c, const struct jpath *p, const cJSON *v, char *buf)
{
    if (!cJSON_IsString(v) || !is_name(v->valuestring))
        return fail_got(c, p, v, "expected a name of " SCN_NAME_RULE);
    memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

/* Copies a string of min..size-1 bytes without control characters. */
static int get_string(struct ctx *c, const struct jpath *p, const cJSON *v, size_t min, char *buf,
                      size_t size)
{
    if (!cJSON_IsString(v))
        return fail_got(c, p, v, "expected a string of %zu..%zu bytes", min, size - 1);
    size_t len = strlen(v->valuestring);
    if (len < min)
        return fail_got(c, p, v, "expected a string of %zu..%zu bytes", min, size - 1);
    if (len >= size)
        return fail(c, p, "expected a string of %zu..%zu bytes, got a string of %zu bytes", min,
                    size - 1, len);
    memcpy(buf, v->valuestring, len + 1);
    return 0;
}

static bool int_value(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d > (double)SCN_MAX_SEED || (double)(uint64_t)d != d)
        return false;
    *out = (uint64_t)d;
    return true;
}

/* Reads an integer lo..hi. */
static int get_uint(struct ctx *c, const struct jpath *p, const cJSON *v, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
    uint64_t u;
    if (!int_value(v, &u) || u < lo || u > hi)
        return fail_got(c, p, v, "expected an integer %llu..%llu", (unsigned long long)lo,
                        (unsigned long long)hi);
    *out = u;
    return 0;
}

static int get_u32(struct ctx *c, const struct jpath *p, const cJSON *v, uint32_t lo, uint32_t hi,
                   uint32_t *out)
{
    uint64_t u = 0;
    if (get_uint(c, p, v, lo, hi, &u))
        return -1;
    *out = (uint32_t)u;
    return 0;
}

/* Reads a memory quantity: an integer or a "0x..." string of 1..8 hex
 * digits. False if v is neither. */
static bool mem_value(const cJSON *v, uint64_t *out)
{
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        if (s[0] != '0' || s[1] != 'x')
            return false;
        size_t n = strspn(s + 2, "0123456789abcdefABCDEF");
        if (n == 0 || n > 8 || s[2 + n] != '\0')
            return false;
        *out = strtoull(s + 2, NULL, 16);
        return true;
    }
    return int_value(v, out);
}

/* ---- Platform profiles ------------------------------------------------- */

#define SCN_MEM_FORM "(an integer or a \"0x...\" string)"

/* Checks one memory range (base and size keys) of a profile. */
static int get_range(struct ctx *c, const struct jpath *p, const cJSON *o, const char *bkey,
                     const char *skey, uint32_t *base, uint32_t *size)
{
    const cJSON *bv = required(c, p, o, bkey);
    if (bv == NULL)
        return -1;
    struct jpath bp = jp_key(p, bkey);
    uint64_t b, s;
    if (!mem_value(bv, &b) || b < 0x10000 || b >= SCN_ADDR_LIMIT || b % SCN_PAGE != 0)
        return fail_got(c, &bp, bv,
                        "expected a 4096-aligned address 0x10000..0x7ffff000 " SCN_MEM_FORM);
    const cJSON *sv = required(c, p, o, skey);
    if (sv == NULL)
        return -1;
    struct jpath sp = jp_key(p, skey);
    if (!mem_value(sv, &s) || s < (16u << 10) || s > (64u << 20) || s % SCN_PAGE != 0)
        return fail_got(
            c, &sp, sv,
            "expected a multiple of 4096 in 16384..67108864 (16 KiB..64 MiB) " SCN_MEM_FORM);
    if (b + s > SCN_ADDR_LIMIT)
        return fail_got(c, &sp, sv,
                        "expected a size that keeps %s + %s <= 0x80000000 (at most 0x%llx)", bkey,
                        skey, (unsigned long long)(SCN_ADDR_LIMIT - b));
    *base = (uint32_t)b;
    *size = (uint32_t)s;
    return 0;
}

static bool is_source_key(const char *k)
{
    if (strncmp(k, "costs.", 6) == 0)
        return in_list(k + 6, scn_cost_keys, ARRAY_LEN(scn_cost_keys));
    return strcmp(k, "sources") != 0 && in_list(k, scn_platform_keys, ARRAY_LEN(scn_platform_keys));
}

static int get_sources(struct ctx *c, const struct jpath *p, const cJSON *v)
{
    if (!cJSON_IsObject(v))
        return fail_got(c, p, v, "expected an object mapping profile keys to strings");
    if (check_keys(c, p, v, NULL, 0))
        return -1;
    for (const cJSON *it = v->child; it != NULL; it = it->next) {
        struct jpath kp = jp_key(p, it->string);
        if (!is_source_key(it->string)) {
            const char *keys[ARRAY_LEN(scn_platform_keys) + ARRAY_LEN(scn_cost_keys)];
            char costkeys[ARRAY_LEN(scn_cost_keys)][40];
            size_t n = 0;
            for (size_t i = 0; i < ARRAY_LEN(scn_platform_keys); i++)
                if (strcmp(scn_platform_keys[i], "sources") != 0)
                    keys[n++] = scn_platform_keys[i];
            for (size_t i = 0; i < ARRAY_LEN(scn_cost_keys); i++) {
                snprintf(costkeys[i], sizeof costkeys[i], "costs.%s", scn_cost_keys[i]);
                keys[n++] = costkeys[i];
            }
            char *list = join_names(keys, n, false);
            if (list == NULL)
                return fail_oom(c);
            fail(c, &kp, "unknown key (expected one of: %s)", list);
            free(list);
            return -1;
        }
        if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
            return fail_got(c, &kp, it, "expected a non-empty string naming the source");
    }
    return 0;
}

/* Parses a profile object at p. want_name, if not NULL, is the name the
 * profile was loaded by; its "name" must say the same. */
static int parse_platform(struct ctx *c, const struct jpath *p, const cJSON *o,
                          const char *want_name, struct scn_platform *pl)
{
    const cJSON *v;
    struct jpath kp;
    uint64_t u;

    memset(pl, 0, sizeof *pl);
    if (!cJSON_IsObject(o))
        return fail_got(c, p, o, "expected a platform profile object");
    if (check_keys(c, p, o, scn_platform_keys, ARRAY_LEN(scn_platform_keys)))
        return -1;

    kp = jp_key(p, "name");
    if ((v = required(c, p, o, "name")) == NULL || get_name(c, &kp, v, pl->name))
        return -1;
    if (want_name != NULL && strcmp(pl->name, want_name) != 0)
        return fail_got(c, &kp, v, "expected \"%s\" (the profile's file name)", want_name);

    kp = jp_key(p, "description");
    if ((v = member(o, "description")) != NULL &&
        get_string(c, &kp, v, 0, pl->description, sizeof pl->description))
        return -1;

    kp = jp_key(p, "mpu");
    if ((v = required(c, p, o, "mpu")) == NULL)
        return -1;
    if (!cJSON_IsString(v) || !in_list(v->valuestring, scn_mpu_kinds, ARRAY_LEN(scn_mpu_kinds)))
        return fail_one_of(c, &kp, v, "", scn_mpu_kinds, ARRAY_LEN(scn_mpu_kinds), "");
    snprintf(pl->mpu, sizeof pl->mpu, "%s", v->valuestring);

    kp = jp_key(p, "mpu_regions");
    if ((v = required(c, p, o, "mpu_regions")) == NULL ||
        get_u32(c, &kp, v, 1, 64, &pl->mpu_regions))
        return -1;
    struct jpath rp = kp;

    /* The smallest region the MPU can express: 32 B on ARMv7-M M3/M4/M7
     * and on ARMv8-M, 256 B on ARMv7-M M0+, 4 B for PMP TOR regions. */
    pl->mpu_min_region_size = strcmp(pl->mpu, "riscv_pmp") == 0 ? 4 : 32;
    kp = jp_key(p, "mpu_min_region_size");
    if ((v = member(o, "mpu_min_region_size")) != NULL &&
        get_u32(c, &kp, v, 4, 4096, &pl->mpu_min_region_size))
        return -1;
    pl->mpu_epmp = false;
    kp = jp_key(p, "mpu_epmp");
    if ((v = member(o, "mpu_epmp")) != NULL) {
        if (!cJSON_IsBool(v))
            return fail_got(c, &kp, v, "expected true or false");
        pl->mpu_epmp = cJSON_IsTrue(v);
    }
    {
        const struct km_mpu_ops *ops = km_mpu_find(pl->mpu);
        struct km_mpu_params mp = {pl->mpu_regions, pl->mpu_min_region_size, pl->mpu_epmp};
        const char *bad = ops ? ops->check_params(&mp) : "unknown MPU kind";
        if (bad)
            return fail_got(c, &rp, required(c, p, o, "mpu_regions"),
                            "expected a region count and minimum size the %s MPU supports (%s)",
                            pl->mpu, bad);
    }

    if (get_range(c, p, o, "sram_base", "sram_size", &pl->sram_base, &pl->sram_size))
        return -1;

    kp = jp_key(p, "kernel_ram");
    if ((v = required(c, p, o, "kernel_ram")) == NULL)
        return -1;
    if (!mem_value(v, &u) || u % SCN_PAGE != 0 || u >= pl->sram_size)
        return fail_got(c, &kp, v,
                        "expected a multiple of 4096 less than sram_size (%u) " SCN_MEM_FORM,
                        pl->sram_size);
    pl->kernel_ram = (uint32_t)u;

    if (get_range(c, p, o, "flash_base", "flash_size", &pl->flash_base, &pl->flash_size))
        return -1;
    if ((uint64_t)pl->flash_base < (uint64_t)pl->sram_base + pl->sram_size &&
        (uint64_t)pl->sram_base < (uint64_t)pl->flash_base + pl->flash_size) {
        kp = jp_key(p, "flash_base");
        return fail(c, &kp,
                    "expected a flash range that does not overlap SRAM [0x%08x, 0x%08llx), "
                    "got [0x%08x, 0x%08llx)",
                    pl->sram_base, (unsigned long long)pl->sram_base + pl->sram_size,
                    pl->flash_base, (unsigned long long)pl->flash_base + pl->flash_size);
    }

    kp = jp_key(p, "clock_hz");
    if ((v = required(c, p, o, "clock_hz")) == NULL ||
        get_uint(c, &kp, v, 100000, 10000000000ull, &pl->clock_hz))
        return -1;

    kp = jp_key(p, "alarm_hz");
    if ((v = required(c, p, o, "alarm_hz")) == NULL ||
        get_uint(c, &kp, v, 1, pl->clock_hz < UINT32_MAX ? pl->clock_hz : UINT32_MAX, &u))
        return -1;
    pl->alarm_hz = (uint32_t)u;

    kp = jp_key(p, "led_count");
    if ((v = required(c, p, o, "led_count")) == NULL || get_u32(c, &kp, v, 0, 32, &pl->led_count))
        return -1;

    struct jpath cp = jp_key(p, "costs");
    const cJSON *costs = required(c, p, o, "costs");
    if (costs == NULL)
        return -1;
    if (!cJSON_IsObject(costs))
        return fail_got(c, &cp, costs, "expected an object of cycle costs");
    if (check_keys(c, &cp, costs, scn_cost_keys, ARRAY_LEN(scn_cost_keys)))
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(scn_cost_keys); i++) {
        uint32_t cost;
        kp = jp_key(&cp, scn_cost_keys[i]);
        if ((v = required(c, &cp, costs, scn_cost_keys[i])) == NULL ||
            get_u32(c, &kp, v, 0, 1000000, &cost))
            return -1;
        memcpy((char *)&pl->costs + scn_cost_offsets[i], &cost, sizeof cost);
    }

    kp = jp_key(p, "sources");
    if ((v = member(o, "sources")) != NULL && get_sources(c, &kp, v))
        return -1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_exec_file(const char *path, int *why)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *why = errno;
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = EISDIR;
        return false;
    }
    if (access(path, X_OK) != 0) {
        *why = errno;
        return false;
    }
    return true;
}

/* Lists the entries of dir, sorted and joined with ", ": those ending in
 * suffix (with it stripped), or executable files when suffix is NULL.
 * Returns a malloc'd string ("none" if empty, or "none: <why>" if dir cannot
 * be read), or NULL when out of memory. */
static char *list_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        char *s = NULL;
        return asprintf(&s, "none: %s", strerror(errno)) < 0 ? NULL : s;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool oom = false;
    size_t slen = suffix != NULL ? strlen(suffix) : 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (suffix != NULL) {
            if (len <= slen || strcmp(e->d_name + len - slen, suffix) != 0)
                continue;
        } else {
            char *full = NULL;
            int why;
            if (asprintf(&full, "%s/%s", dir, e->d_name) < 0) {
                oom = true;
                break;
            }
            bool ok = is_exec_file(full, &why);
            free(full);
            if (!ok)
                continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *names);
            if (nn == NULL) {
                oom = true;
                break;
            }
            names = nn;
        }
        names[n] = strndup(e->d_name, len - slen);
        if (names[n] == NULL) {
            oom = true;
            break;
        }
        n++;
    }
    closedir(d);
    char *list = NULL;
    if (!oom) {
        qsort(names, n, sizeof *names, cmp_str);
        list = join_names((const char *const *)names, n, false);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return list;
}

/* Loads profile `name` from dir. The caller's ctx c reports a missing
 * profile (at p, the value v that named it); errors inside the profile are
 * reported against the profile file with `note` appended. */
static int load_named_platform(struct ctx *c, const struct jpath *p, const cJSON *v,
                               const char *name, const char *dir, const char *note,
                               struct scn_platform *pl)
{
    char *list = NULL;
    char *file = NULL;
    if (dir == NULL && v != NULL)
        return fail_got(c, p, v,
                        "expected an inline platform object (no platform directory is "
                        "configured)");
    if (dir == NULL)
        return fail(c, p, "no platform directory is configured to find the default platform \"%s\"",
                    name);
    if (is_name(name) && asprintf(&file, "%s/%s.json", dir, name) < 0)
        return fail_oom(c);
    if (file == NULL || access(file, F_OK) != 0) {
        free(file);
        list = list_dir(dir, ".json");
        if (list == NULL)
            return fail_oom(c);
        if (v != NULL)
            fail_got(c, p, v, "expected the name of a platform profile in %s (known: %s)", dir,
                     list);
        else
            fail(c, p, "the default platform \"%s\" is not in %s (known: %s)", name, dir, list);
        free(list);
        return -1;
    }
    struct ctx pc = {.file = file, .note = note, .err = c->err, .errlen = c->errlen};
    cJSON *root = read_json(&pc);
    int rc = -1;
    if (root != NULL) {
        struct jpath rp = {NULL, NULL, 0};
        rc = parse_platform(&pc, &rp, root, name, pl);
        cJSON_Delete(root);
    }
    free(file);
    return rc;
}

/* ---- Fault policies ---------------------------------------------------- */

#define SCN_FP_WHAT                                                                                \
    "expected \"panic\", \"stop\", \"restart\", {\"threshold_restart\": N} or "                    \
    "{\"threshold_restart_then_panic\": N}"

static int get_fault_policy(struct ctx *c, const struct jpath *p, const cJSON *v,
                            struct km_fault_policy *fp)
{
    if (cJSON_IsString(v)) {
        for (size_t i = 0; i < ARRAY_LEN(scn_fault_policy_names); i++) {
            if (strcmp(v->valuestring, scn_fault_policy_names[i]) == 0) {
                fp->kind = scn_fault_policy_kinds[i];
                fp->threshold = 0;
                return 0;
            }
        }
        return fail_got(c, p, v, SCN_FP_WHAT);
    }
    if (!cJSON_IsObject(v))
        return fail_got(c, p, v, SCN_FP_WHAT);
    if (check_keys(c, p, v, scn_threshold_keys, ARRAY_LEN(scn_threshold_keys)))
        return -1;
    if (cJSON_GetArraySize(v) != 1)
        return fail_got(c, p, v, SCN_FP_WHAT);
    const cJSON *t = v->child;
    struct jpath tp = jp_key(p, t->string);
    if (get_u32(c, &tp, t, 0, 1000000, &fp->threshold))
        return -1;
    fp->kind = strcmp(t->string, "threshold_restart") == 0 ? KM_FP_THRESHOLD_RESTART
                                                           : KM_FP_THRESHOLD_RESTART_THEN_PANIC;
    return 0;
}

/* ---- Apps ---------------------------------------------------------------- */

/* One entry of "apps" before its instances are expanded. */
struct app_tmpl {
    struct scn_app app; /* name holds the base name; argv owned */
    uint32_t instances;
    bool has_priority;
    bool has_fault_policy;
};

static void free_argv(size_t argc, char **argv)
{
    if (argv == NULL)
        return;
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* Resolves "program": a name in program_dir or a path with '/' relative to
 * the scenario's directory. */
static int resolve_program(struct ctx *c, const struct jpath *p, const cJSON *v,
                           const char *scn_dir, const struct scn_search *search, struct scn_app *a)
{
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return fail_got(c, p, v, "expected a program name or a path containing '/'");
    const char *prog = v->valuestring;
    size_t len = strlen(prog);
    if (len >= sizeof a->program)
        return fail(c, p,
                    "expected a program name or path of at most %zu bytes, got a string of %zu "
                    "bytes",
                    sizeof a->program - 1, len);
    memcpy(a->program, prog, len + 1);

    char *cand = NULL;
    int why = 0;
    if (strchr(prog, '/') != NULL) {
        int r = prog[0] == '/' || strcmp(scn_dir, ".") == 0
                    ? asprintf(&cand, "%s", prog)
                    : asprintf(&cand, "%s/%s", scn_dir, prog);
        if (r < 0)
            return fail_oom(c);
        if (!is_exec_file(cand, &why)) {
            fail_got(c, p, v, "expected an executable file at %s (%s)", cand,
                     why == EISDIR ? "not a regular file" : strerror(why));
            free(cand);
            return -1;
        }
    } else {
        const char *dir = search != NULL ? search->program_dir : NULL;
        if (!is_name(prog))
            return fail_got(
                c, p, v, "expected a program name of " SCN_NAME_RULE ", or a path containing '/'");
        if (dir == NULL)
            return fail_got(c, p, v,
                            "expected a path containing '/' (no program directory is "
                            "configured)");
        if (asprintf(&cand, "%s/%s", dir, prog) < 0)
            return fail_oom(c);
        if (!is_exec_file(cand, &why)) {
            free(cand);
            char *list = list_dir(dir, NULL);
            if (list == NULL)
                return fail_oom(c);
            fail_got(c, p, v, "expected a program in %s (known: %s)", dir, list);
            free(list);
            return -1;
        }
    }
    char *real = realpath(cand, NULL);
    free(cand);
    if (real == NULL)
        return fail_got(c, p, v, "expected a program whose path resolves (%s)", strerror(errno));
    if (strlen(real) >= sizeof a->program_path) {
        fail_got(c, p, v, "expected a program whose absolute path is shorter than %zu bytes",
                 sizeof a->program_path);
        free(real);
        return -1;
    }
    snprintf(a->program_path, sizeof a->program_path, "%s", real);
    free(real);
    return 0;
}

static int get_args(struct ctx *c, const struct jpath *p, const cJSON *v, struct scn_app *a)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > SCN_MAX_ARGS)
        return fail_got(c, p, v, "expected an array of at most %d strings", SCN_MAX_ARGS);
    size_t n = (size_t)cJSON_GetArraySize(v);
    a->argv = calloc(n + 1, sizeof *a->argv);
    if (a->argv == NULL)
        return fail_oom(c);
    a->argc = 0;
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, v)
    {
        struct jpath ip = jp_index(p, i++);
        if (!cJSON_IsString(it))
            return fail_got(c, &ip, it, "expected a string");
        if ((a->argv[a->argc] = strdup(it->valuestring)) == NULL)
            return fail_oom(c);
        a->argc++;
    }
    return 0;
}

static unsigned digits(uint32_t n)
{
    unsigned d = 1;
    while (n >= 10)
        n /= 10, d++;
    return d;
}

static int parse_app(struct ctx *c, const struct jpath *p, const cJSON *o, const char *scn_dir,
                     const struct scn_search *search, struct app_tmpl *t)
{
    const cJSON *v, *ram_v, *stack_v;
    struct jpath kp;
    struct scn_app *a = &t->app;

    if (!cJSON_IsObject(o))
        return fail_got(c, p, o, "expected an app object");
    if (check_keys(c, p, o, scn_app_keys, ARRAY_LEN(scn_app_keys)))
        return -1;

    kp = jp_key(p, "name");
    if ((v = required(c, p, o, "name")) == NULL || get_name(c, &kp, v, a->name))
        return -1;
    memcpy(a->base_name, a->name, sizeof a->name);

    kp = jp_key(p, "program");
    if ((v = required(c, p, o, "program")) == NULL ||
        resolve_program(c, &kp, v, scn_dir, search, a))
        return -1;

    kp = jp_key(p, "package_name");
    if ((v = member(o, "package_name")) != NULL) {
        if (get_string(c, &kp, v, 1, a->package_name, sizeof a->package_name))
            return -1;
        for (const char *s = a->package_name; *s != '\0'; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                return fail_got(c, &kp, v, "expected a string without control characters");
    } else {
        memcpy(a->package_name, a->name, sizeof a->name);
    }

    a->ram = SCN_DEFAULT_RAM;
    kp = jp_key(p, "ram");
    if ((ram_v = member(o, "ram")) != NULL && get_u32(c, &kp, ram_v, 1024, 16777216, &a->ram))
        return -1;

    a->stack = SCN_DEFAULT_STACK;
    struct jpath sp = jp_key(p, "stack");
    if ((stack_v = member(o, "stack")) != NULL) {
        uint64_t u;
        if (!int_value(stack_v, &u) || u < 1024 || u > 1048576 || u % 16 != 0)
            return fail_got(c, &sp, stack_v, "expected a multiple of 16 in 1024..1048576");
        a->stack = (uint32_t)u;
    }
    if (a->stack >= a->ram) {
        if (stack_v != NULL)
            return fail_got(c, &sp, stack_v, "expected a stack smaller than ram (%u bytes)",
                            a->ram);
        return fail_got(c, &kp, ram_v, "expected ram larger than the stack (%u bytes)", a->stack);
    }

    kp = jp_key(p, "priority");
    if ((v = member(o, "priority")) != NULL) {
        if (get_u32(c, &kp, v, 0, 255, &a->priority))
            return -1;
        t->has_priority = true;
    }

    kp = jp_key(p, "fault_policy");
    if ((v = member(o, "fault_policy")) != NULL) {
        if (get_fault_policy(c, &kp, v, &a->fault_policy))
            return -1;
        t->has_fault_policy = true;
    }

    kp = jp_key(p, "args");
    if ((v = member(o, "args")) != NULL && get_args(c, &kp, v, a))
        return -1;

    /* ShortId::Fixed(n), n != 0 (kernel/src/process.rs); absent or 0 is
     * LocallyUnique */
    kp = jp_key(p, "short_id");
    if ((v = member(o, "short_id")) != NULL && get_u32(c, &kp, v, 0, UINT32_MAX, &a->short_id))
        return -1;

    t->instances = 1;
    kp = jp_key(p, "instances");
    if ((v = member(o, "instances")) != NULL && get_u32(c, &kp, v, 1, SCN_MAX_APPS, &t->instances))
        return -1;
    if (t->instances > 1) {
        size_t max = SCN_NAME_MAX - 1 - 2 - digits(t->instances - 1);
        if (strlen(a->name) > max) {
            kp = jp_key(p, "name");
            return fail_got(c, &kp, member(o, "name"),
                            "expected a name of at most %zu characters for an app with %u "
                            "instances (instance names add \"[%u]\")",
                            max, t->instances, t->instances - 1);
        }
        if (a->short_id != 0) {
            kp = jp_key(p, "short_id");
            return fail_got(c, &kp, member(o, "short_id"),
                            "expected no fixed short_id on an app with %u instances (Tock runs "
                            "no two processes with the same ShortId)",
                            t->instances);
        }
    }
    return 0;
}

/* Copies template t into instance slot a as instance i (of t->instances). */
static int expand_instance(struct ctx *c, const struct app_tmpl *t, uint32_t i, size_t position,
                           const struct km_fault_policy *kernel_fp, struct scn_app *a)
{
    *a = t->app;
    a->argv = NULL;
    a->argc = 0;
    if (t->instances > 1) {
        /* parse_app checked that the longest instance name fits. */
        int w = snprintf(a->name, sizeof a->name, "%s[%u]", t->app.base_name, i);
        if (w < 0 || (size_t)w >= sizeof a->name)
            return fail(c, NULL, "instance name of \"%s\" too long", t->app.base_name);
    }
    if (!t->has_priority)
        a->priority = (uint32_t)position;
    if (!t->has_fault_policy)
        a->fault_policy = *kernel_fp;
    a->argv = calloc(t->app.argc + 1, sizeof *a->argv);
    if (a->argv == NULL)
        return fail_oom(c);
    for (size_t k = 0; k < t->app.argc; k++) {
        if ((a->argv[k] = strdup(t->app.argv[k])) == NULL)
            return fail_oom(c);
        a->argc++;
    }
    return 0;
}

static int parse_apps(struct ctx *c, const struct jpath *root, const cJSON *top,
                      const char *scn_dir, const struct scn_search *search, struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "apps");
    const cJSON *arr = required(c, root, top, "apps");
    if (arr == NULL)
        return -1;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (!cJSON_IsArray(arr) || n < 1 || n > SCN_MAX_APPS)
        return fail_got(c, &p, arr, "expected an array of 1..%d apps", SCN_MAX_APPS);

    struct app_tmpl *t = calloc((size_t)n, sizeof *t);
    if (t == NULL)
        return fail_oom(c);
    int rc = -1;
    size_t parsed = 0, total = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        struct jpath ip = jp_index(&p, parsed);
        struct app_tmpl *cur = &t[parsed++];
        if (parse_app(c, &ip, it, scn_dir, search, cur))
            goto out;
        for (size_t k = 0; k + 1 < parsed; k++) {
            if (strcmp(t[k].app.base_name, cur->app.base_name) == 0) {
                struct jpath np = jp_key(&ip, "name");
                fail_got(c, &np, member(it, "name"),
                         "expected a name no other app has ($.apps[%zu] is also named \"%s\")", k,
                         cur->app.base_name);
                goto out;
            }
            if (cur->app.short_id != 0 && t[k].app.short_id == cur->app.short_id) {
                struct jpath np = jp_key(&ip, "short_id");
                fail_got(c, &np, member(it, "short_id"),
                         "expected a short_id no other app has ($.apps[%zu] also has %u; Tock "
                         "runs no two processes with the same ShortId)",
                         k, cur->app.short_id);
                goto out;
            }
        }
        total += cur->instances;
    }
    if (total > SCN_MAX_APPS) {
        fail(c, &p, "expected at most %d app instances in total, got %zu", SCN_MAX_APPS, total);
        goto out;
    }

    s->apps = calloc(total, sizeof *s->apps);
    if (s->apps == NULL) {
        fail_oom(c);
        goto out;
    }
    for (size_t k = 0; k < parsed; k++) {
        for (uint32_t i = 0; i < t[k].instances; i++) {
            struct scn_app *a = &s->apps[s->n_apps];
            int r = expand_instance(c, &t[k], i, s->n_apps, &s->default_fault_policy, a);
            s->n_apps++; /* counted even on failure so scn_free frees its argv */
            if (r)
                goto out;
        }
    }
    rc = 0;
out:
    for (size_t k = 0; k < parsed; k++)
        free_argv(t[k].app.argc, t[k].app.argv);
    free(t);
    return rc;
}

/* ---- Expectations ------------------------------------------------------ */

/* Limits on console_matches patterns. glibc's regcomp builds automata whose
 * size can explode for tiny patterns (a bounded repetition of an optional
 * atom, a quantified group that holds a quantifier, deep nesting), taking
 * gigabytes or minutes, or overflowing the stack; an expectation needs
 * none of that. */
#define SCN_REGEX_MAX_LEN 256
#define SCN_REGEX_MAX_DEPTH 8
#define SCN_REGEX_MAX_BOUND 32

/* NULL if pattern stays within the limits, else what breaks them. */
static const char *regex_too_costly(const char *re)
{
    static char why[96];
    if (strlen(re) > SCN_REGEX_MAX_LEN)
        return "longer than 256 bytes";
    bool quantified[SCN_REGEX_MAX_DEPTH + 1] = {false}; /* a group so far holds a quantifier */
    int depth = 0;
    bool last_group = false, last_group_quantified = false, last_quantifier = false;
    for (const char *c = re; *c; c++) {
        bool closes = false, quantifier = false;
        switch (*c) {
        case '\\':
            if (c[1])
                c++;
            break;
        case '[': /* a bracket expression: its characters are literal */
            c++;
            if (*c == '^')
                c++;
            if (*c == ']')
                c++;
            while (*c && *c != ']') {
                if (*c == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
                    const char *end = strstr(c + 2, (char[]){c[1], ']', 0});
                    c = end ? end + 1 : c + strlen(c) - 1;
                }
                c++;
            }
            if (*c == '\0')
                return NULL; /* unbalanced: regcomp says so */
            break;
        case '(':
            if (++depth > SCN_REGEX_MAX_DEPTH)
                return "groups nested more than 8 deep";
            quantified[depth] = false;
            break;
        case ')':
            if (depth > 0) {
                last_group_quantified = quantified[depth];
                depth--;
                if (last_group_quantified)
                    quantified[depth] = true;
                closes = true;
            }
            break;
        case '*':
        case '+':
        case '?':
        case '{':
            if (last_group && last_group_quantified)
                return "a quantifier on a group that holds one";
            if (last_quantifier)
                return "a quantifier on a quantifier";
            if (*c == '{') {
                char *end;
                long lo = strtol(c + 1, &end, 10), hi = lo;
                if (*end == ',')
                    hi = end[1] == '}' ? lo : strtol(end + 1, &end, 10);
                if (lo > SCN_REGEX_MAX_BOUND || hi > SCN_REGEX_MAX_BOUND) {
                    snprintf(why, sizeof why, "a repetition bound above %d", SCN_REGEX_MAX_BOUND);
                    return why;
                }
                const char *close = strchr(c, '}');
                if (close == NULL)
                    return NULL; /* unbalanced: regcomp says so */
                c = close;
            }
            quantified[depth] = true;
            quantifier = true;
            break;
        default:
            break;
        }
        last_group = closes;
        last_quantifier = quantifier;
    }
    return NULL;
}

/* Reads an array of non-empty strings into *out (n entries). When regex is
 * true each must compile as a POSIX extended regular expression. */
static int get_strings(struct ctx *c, const struct jpath *p, const cJSON *v, bool regex,
                       char ***out, size_t *n)
{
    const char *what = regex ? "expected an array of POSIX extended regular expressions"
                             : "expected an array of non-empty strings";
    if (!cJSON_IsArray(v))
        return fail_got(c, p, v, "%s", what);
    size_t len = (size_t)cJSON_GetArraySize(v);
    *out = calloc(len + 1, sizeof **out);
    if (*out == NULL)
        return fail_oom(c);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, v)
    {
        struct jpath ip = jp_index(p, i++);
        if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
            return fail_got(c, &ip, it, "expected a non-empty string");
        const char *costly = regex ? regex_too_costly(it->valuestring) : NULL;
        if (costly)
            return fail_got(c, &ip, it,
                            "expected a POSIX extended regular expression within the limits of "
                            "console_matches (%s)",
                            costly);
        if (regex) {
            regex_t re;
            /* The same flags the expectation checker compiles with. */
            int rc = regcomp(&re, it->valuestring, REG_EXTENDED | REG_NEWLINE);
            if (rc != 0) {
                char why[128];
                regerror(rc, &re, why, sizeof why);
                return fail_got(c, &ip, it, "expected a POSIX extended regular expression (%s)",
                                why);
            }
            regfree(&re);
        }
        if (((*out)[*n] = strdup(it->valuestring)) == NULL)
            return fail_oom(c);
        (*n)++;
    }
    return 0;
}

static bool names_app(const struct scn_scenario *s, const char *key)
{
    for (size_t i = 0; i < s->n_apps; i++)
        if (strcmp(s->apps[i].name, key) == 0 || strcmp(s->apps[i].base_name, key) == 0)
            return true;
    return false;
}

/* ---- Fault injection (faults) ------------------------------------------- */

static const char *const scn_fault_keys[] = {"kind",     "app",      "at_ms", "after_syscalls",
                                             "on_event", "nth",      "rate",  "match",
                                             "error",    "delay_us", "bits",  "code"};
static const char *const scn_match_keys[] = {"class", "driver", "number", "allow"};
static const char *const scn_class_names[] = {"yield",    "subscribe", "command", "allow_rw",
                                              "allow_ro", "memop",     "exit",    "allow_ur"};

static bool scn_fault_is_stream(enum km_inject_kind k)
{
    return k == KM_INJ_SYSCALL_ERROR || k == KM_INJ_DROP_UPCALL || k == KM_INJ_DELAY_UPCALL;
}

static int parse_match(struct ctx *c, const struct jpath *p, const cJSON *o, struct scn_fault *f)
{
    if (!cJSON_IsObject(o))
        return fail_got(c, p, o, "expected an object with class, driver, number or allow");
    if (check_keys(c, p, o, scn_match_keys, ARRAY_LEN(scn_match_keys)))
        return -1;
    const cJSON *v;
    struct jpath kp = jp_key(p, "class");
    if ((v = member(o, "class")) != NULL) {
        size_t i = 0;
        while (i < ARRAY_LEN(scn_class_names) &&
               !(cJSON_IsString(v) && strcmp(v->valuestring, scn_class_names[i]) == 0))
            i++;
        if (i == ARRAY_LEN(scn_class_names) || i == KM_SYS_YIELD || i == KM_SYS_EXIT)
            return fail_one_of(c, &kp, v, "a syscall class that returns a value, ",
                               scn_class_names + 1, 5, "");
        f->match_class = (int32_t)i;
    }
    uint64_t u = 0;
    kp = jp_key(p, "driver");
    if ((v = member(o, "driver")) != NULL) {
        if (!mem_value(v, &u))
            return fail_got(c, &kp, v,
                            "expected a driver number (an integer or a \"0x...\" string)");
        f->match_driver = (int64_t)u;
    }
    kp = jp_key(p, "number");
    if ((v = member(o, "number")) != NULL) {
        if (get_uint(c, &kp, v, 0, UINT32_MAX, &u))
            return -1;
        f->match_number = (int64_t)u;
    }
    kp = jp_key(p, "allow");
    if ((v = member(o, "allow")) != NULL) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "rw") != 0 && strcmp(v->valuestring, "ro") != 0))
            return fail_got(c, &kp, v, "expected \"rw\" or \"ro\"");
        f->allow_class = strcmp(v->valuestring, "ro") == 0 ? KM_SYS_ALLOW_RO : KM_SYS_ALLOW_RW;
    }
    return 0;
}

static int parse_fault(struct ctx *c, const struct jpath *p, const cJSON *o,
                       const struct scn_scenario *s, struct scn_fault *f)
{
    if (!cJSON_IsObject(o))
        return fail_got(c, p, o, "expected an object describing one fault");
    if (check_keys(c, p, o, scn_fault_keys, ARRAY_LEN(scn_fault_keys)))
        return -1;
    const cJSON *v;
    struct jpath kp = jp_key(p, "kind");
    if ((v = required(c, p, o, "kind")) == NULL)
        return -1;
    int kind = cJSON_IsString(v) ? km_inject_kind_parse(v->valuestring) : -1;
    if (kind < 0) {
        const char *names[16];
        size_t n = 0;
        for (int i = 0;
             i < 16 && km_inject_kind_parse(km_inject_kind_name((enum km_inject_kind)i)) == i; i++)
            names[n++] = km_inject_kind_name((enum km_inject_kind)i);
        return fail_one_of(c, &kp, v, "a fault kind, ", names, n, "");
    }
    f->kind = (enum km_inject_kind)kind;
    f->match_class = -1;
    f->match_driver = -1;
    f->match_number = -1;
    f->allow_class = KM_SYS_ALLOW_RW;
    f->bits = 1;

    kp = jp_key(p, "app");
    if ((v = required(c, p, o, "app")) == NULL)
        return -1;
    if (!cJSON_IsString(v) || !names_app(s, v->valuestring))
        return fail_got(c, &kp, v,
                        "expected the name of an app or of an instance such as \"name[0]\"");
    snprintf(f->app, sizeof f->app, "%s", v->valuestring);

    /* the trigger: exactly one of at_ms, after_syscalls, on_event, nth, rate */
    const cJSON *at = member(o, "at_ms"), *after = member(o, "after_syscalls"),
                *ev = member(o, "on_event"), *nth = member(o, "nth"), *rate = member(o, "rate");
    bool stream = scn_fault_is_stream(f->kind);
    int moments = (at != NULL) + (after != NULL) + (ev != NULL) +
                  ((nth != NULL || rate != NULL) && ev == NULL);
    if (moments != 1 || (nth != NULL && rate != NULL))
        return fail(c, p,
                    stream ? "expected exactly one trigger: \"at_ms\", \"nth\" or \"rate\" (of the "
                             "matching %s)"
                           : "expected exactly one trigger: \"at_ms\", \"after_syscalls\" or "
                             "\"on_event\" (with \"nth\" or \"rate\")%s",
                    stream ? (f->kind == KM_INJ_SYSCALL_ERROR ? "syscalls" : "upcalls") : "");
    if (stream && (after != NULL || ev != NULL))
        return fail(
            c, p, "expected \"at_ms\", \"nth\" or \"rate\": a %s watches its app's matching %s",
            km_inject_kind_name(f->kind), f->kind == KM_INJ_SYSCALL_ERROR ? "syscalls" : "upcalls");
    if (!stream && ev == NULL && (nth != NULL || rate != NULL))
        return fail(c, p, "expected \"on_event\" with \"nth\" or \"rate\" for a %s",
                    km_inject_kind_name(f->kind));
    uint64_t u = 0;
    if (at != NULL) {
        kp = jp_key(p, "at_ms");
        if (!cJSON_IsNumber(at) || at->valuedouble < 0 || at->valuedouble > 86400000.0)
            return fail_got(c, &kp, at, "expected milliseconds 0..86400000");
        f->trigger = KM_TRIG_AT_TIME;
        f->at_us = (uint64_t)(at->valuedouble * 1000.0 + 0.5);
    }
    if (after != NULL) {
        kp = jp_key(p, "after_syscalls");
        if (get_uint(c, &kp, after, 1, UINT32_MAX, &u))
            return -1;
        f->trigger = KM_TRIG_AFTER_SYSCALLS;
        f->nth = u;
    }
    if (ev != NULL) {
        kp = jp_key(p, "on_event");
        if (get_string(c, &kp, ev, 1, f->event, sizeof f->event))
            return -1;
        f->trigger = KM_TRIG_NTH;
        f->nth = 1;
    }
    if (nth != NULL) {
        kp = jp_key(p, "nth");
        if (get_uint(c, &kp, nth, 1, UINT32_MAX, &u))
            return -1;
        f->trigger = KM_TRIG_NTH;
        f->nth = u;
    }
    if (rate != NULL) {
        kp = jp_key(p, "rate");
        if (!cJSON_IsNumber(rate) || rate->valuedouble <= 0 || rate->valuedouble > 1)
            return fail_got(c, &kp, rate, "expected a probability in (0, 1]");
        f->trigger = KM_TRIG_RATE;
        f->rate_ppm = (uint32_t)(rate->valuedouble * 1e6 + 0.5);
    }

    kp = jp_key(p, "match");
    if ((v = member(o, "match")) != NULL) {
        if (!stream && f->kind != KM_INJ_CORRUPT_BUFFER)
            return fail(c, &kp,
                        "unknown key for a %s (a match applies to syscall_error, "
                        "drop_upcall, delay_upcall and corrupt_buffer)",
                        km_inject_kind_name(f->kind));
        if (parse_match(c, &kp, v, f))
            return -1;
        if (f->kind != KM_INJ_SYSCALL_ERROR && f->match_class >= 0)
            return fail(c, &kp,
                        "expected no \"class\": it matches syscalls, not upcalls or buffers");
    }
    if (f->kind == KM_INJ_CORRUPT_BUFFER && (f->match_driver < 0 || f->match_number < 0))
        return fail(c, p,
                    "expected \"match\" with \"driver\" and \"number\" of the allowed buffer "
                    "to corrupt");

    kp = jp_key(p, "error");
    v = member(o, "error");
    if (f->kind == KM_INJ_SYSCALL_ERROR) {
        if (v == NULL)
            return fail(c, p,
                        "missing required key \"error\" (an ErrorCode name such as \"FAIL\")");
        int code = 0;
        for (int i = 1; i <= 13; i++)
            if (cJSON_IsString(v) && strcmp(v->valuestring, km_err_name(i)) == 0)
                code = i;
        if (code == 0)
            return fail_got(c, &kp, v,
                            "expected an ErrorCode name: FAIL, BUSY, ALREADY, OFF, "
                            "RESERVE, INVAL, SIZE, CANCEL, NOMEM, NOSUPPORT, NODEVICE, "
                            "UNINSTALLED or NOACK");
        f->error = (uint32_t)code;
    } else if (v != NULL) {
        return fail(c, &kp, "unknown key for a %s (\"error\" is for syscall_error)",
                    km_inject_kind_name(f->kind));
    }
    kp = jp_key(p, "delay_us");
    v = member(o, "delay_us");
    if (f->kind == KM_INJ_DELAY_UPCALL) {
        if (v == NULL)
            return fail(c, p, "missing required key \"delay_us\"");
        if (get_uint(c, &kp, v, 1, 86400000000ull, &f->delay_us))
            return -1;
    } else if (v != NULL) {
        return fail(c, &kp, "unknown key for a %s (\"delay_us\" is for delay_upcall)",
                    km_inject_kind_name(f->kind));
    }
    kp = jp_key(p, "bits");
    if ((v = member(o, "bits")) != NULL) {
        if (f->kind != KM_INJ_CORRUPT_BUFFER)
            return fail(c, &kp, "unknown key for a %s (\"bits\" is for corrupt_buffer)",
                        km_inject_kind_name(f->kind));
        if (get_u32(c, &kp, v, 1, 1u << 20, &f->bits))
            return -1;
    }
    kp = jp_key(p, "code");
    if ((v = member(o, "code")) != NULL) {
        if (f->kind != KM_INJ_EXIT && f->kind != KM_INJ_RESTART)
            return fail(c, &kp, "unknown key for a %s (\"code\" is for exit and restart)",
                        km_inject_kind_name(f->kind));
        if (get_u32(c, &kp, v, 0, UINT32_MAX, &f->code))
            return -1;
    }
    return 0;
}

static int parse_faults(struct ctx *c, const struct jpath *root, const cJSON *v,
                        struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "faults");
    if (!cJSON_IsArray(v))
        return fail_got(c, &p, v, "expected an array of faults");
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n > 256)
        return fail(c, &p, "expected at most 256 faults, got %zu", n);
    s->faults = calloc(n ? n : 1, sizeof *s->faults);
    if (s->faults == NULL)
        return fail_oom(c);
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, v)
    {
        struct jpath fp = jp_index(&p, i);
        if (parse_fault(c, &fp, it, s, &s->faults[i]))
            return -1;
        s->n_faults = ++i;
    }
    return 0;
}

static int parse_expect_app(struct ctx *c, const struct jpath *p, const cJSON *o,
                            const struct scn_scenario *s, struct scn_expect_app *e)
{
    const cJSON *v;
    struct jpath kp;

    if (!names_app(s, o->string)) {
        const char **names = calloc(s->n_apps + 1, sizeof *names);
        if (names == NULL)
            return fail_oom(c);
        size_t n = 0;
        for (size_t i = 0; i < s->n_apps; i++)
            if (i == 0 || strcmp(s->apps[i].base_name, s->apps[i - 1].base_name) != 0)
                names[n++] = s->apps[i].base_name;
        char *list = join_names(names, n, true);
        free(names);
        if (list == NULL)
            return fail_oom(c);
        cJSON key = {.type = cJSON_String, .valuestring = o->string};
        fail_got(c, p, &key,
                 "expected the name of an app (%s) or of an instance such as \"name[0]\"", list);
        free(list);
        return -1;
    }
    snprintf(e->app, sizeof e->app, "%s", o->string);
    if (!cJSON_IsObject(o))
        return fail_got(c, p, o, "expected an object of expectations");
    if (check_keys(c, p, o, scn_expect_app_keys, ARRAY_LEN(scn_expect_app_keys)))
        return -1;

    kp = jp_key(p, "console_contains");
    if ((v = member(o, "console_contains")) != NULL &&
        get_strings(c, &kp, v, false, &e->contains, &e->n_contains))
        return -1;
    kp = jp_key(p, "console_matches");
    if ((v = member(o, "console_matches")) != NULL &&
        get_strings(c, &kp, v, true, &e->matches, &e->n_matches))
        return -1;
    kp = jp_key(p, "console_not_contains");
    if ((v = member(o, "console_not_contains")) != NULL &&
        get_strings(c, &kp, v, false, &e->not_contains, &e->n_not_contains))
        return -1;

    kp = jp_key(p, "state");
    if ((v = member(o, "state")) != NULL) {
        int st = cJSON_IsString(v) ? km_state_parse(v->valuestring) : -1;
        if (st < 0)
            return fail_one_of(c, &kp, v, "", scn_state_names, ARRAY_LEN(scn_state_names), "");
        e->has_state = true;
        e->state = (enum km_state)st;
    }

    kp = jp_key(p, "completion_code");
    if ((v = member(o, "completion_code")) != NULL) {
        if (get_u32(c, &kp, v, 0, UINT32_MAX, &e->completion_code))
            return -1;
        e->has_completion_code = true;
    }
    kp = jp_key(p, "restart_count");
    if ((v = member(o, "restart_count")) != NULL) {
        if (get_u32(c, &kp, v, 0, UINT32_MAX, &e->restart_count))
            return -1;
        e->has_restart_count = true;
    }
    kp = jp_key(p, "fault_count");
    if ((v = member(o, "fault_count")) != NULL) {
        if (get_u32(c, &kp, v, 0, UINT32_MAX, &e->fault_count))
            return -1;
        e->has_fault_count = true;
    }
    kp = jp_key(p, "console_after");
    if ((v = member(o, "console_after")) != NULL) {
        static const char *const keys[] = {"ms", "contains"};
        if (!cJSON_IsObject(v))
            return fail_got(c, &kp, v, "expected an object {\"ms\": ..., \"contains\": [...]}");
        if (check_keys(c, &kp, v, keys, 2))
            return -1;
        const cJSON *ms = required(c, &kp, v, "ms");
        struct jpath mp = jp_key(&kp, "ms");
        if (ms == NULL)
            return -1;
        if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 86400000.0)
            return fail_got(c, &mp, ms, "expected milliseconds 0..86400000");
        e->after_us = (uint64_t)(ms->valuedouble * 1000.0 + 0.5);
        const cJSON *ct = required(c, &kp, v, "contains");
        struct jpath cp = jp_key(&kp, "contains");
        if (ct == NULL || get_strings(c, &cp, ct, false, &e->after_contains, &e->n_after_contains))
            return -1;
    }
    return 0;
}

static int parse_expect(struct ctx *c, const struct jpath *root, const cJSON *o,
                        struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "expect");
    if (!cJSON_IsObject(o))
        return fail_got(c, &p, o, "expected an object");
    if (check_keys(c, &p, o, scn_expect_keys, ARRAY_LEN(scn_expect_keys)))
        return -1;

    const cJSON *v;
    struct jpath kp = jp_key(&p, "end_reason");
    if ((v = member(o, "end_reason")) != NULL) {
        size_t i;
        for (i = 0; i < ARRAY_LEN(scn_end_reason_names); i++)
            if (cJSON_IsString(v) && strcmp(v->valuestring, scn_end_reason_names[i]) == 0)
                break;
        if (i == ARRAY_LEN(scn_end_reason_names))
            return fail_one_of(c, &kp, v, "", scn_end_reason_names, ARRAY_LEN(scn_end_reason_names),
                               "");
        s->expect.has_end_reason = true;
        s->expect.end_reason = scn_end_reasons[i];
    }

    kp = jp_key(&p, "console_order");
    if ((v = member(o, "console_order")) != NULL &&
        get_strings(c, &kp, v, false, &s->expect.console_order, &s->expect.n_console_order))
        return -1;
    kp = jp_key(&p, "findings_contain");
    if ((v = member(o, "findings_contain")) != NULL &&
        get_strings(c, &kp, v, false, &s->expect.findings, &s->expect.n_findings))
        return -1;

    struct jpath ap = jp_key(&p, "apps");
    if ((v = member(o, "apps")) != NULL) {
        if (!cJSON_IsObject(v))
            return fail_got(c, &ap, v, "expected an object keyed by app name");
        if (check_keys(c, &ap, v, NULL, 0))
            return -1;
        size_t n = (size_t)cJSON_GetArraySize(v);
        s->expect.apps = calloc(n ? n : 1, sizeof *s->expect.apps);
        if (s->expect.apps == NULL)
            return fail_oom(c);
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            struct jpath ep = jp_key(&ap, it->string);
            /* Counted first so that scn_free releases what a failure leaves. */
            struct scn_expect_app *e = &s->expect.apps[s->expect.n_apps++];
            if (parse_expect_app(c, &ep, it, s, e))
                return -1;
        }
    }
    return 0;
}

/* ---- The scenario ------------------------------------------------------ */

static int parse_kernel(struct ctx *c, const struct jpath *root, const cJSON *o,
                        struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "kernel");
    if (!cJSON_IsObject(o))
        return fail_got(c, &p, o, "expected an object");
    if (check_keys(c, &p, o, scn_kernel_keys, ARRAY_LEN(scn_kernel_keys)))
        return -1;

    const cJSON *v;
    const char *const *sched_names;
    size_t n_sched = km_scheduler_names(&sched_names); /* the model's list */
    struct jpath kp = jp_key(&p, "scheduler");
    if ((v = member(o, "scheduler")) != NULL) {
        if (!cJSON_IsString(v) || !in_list(v->valuestring, sched_names, n_sched))
            return fail_one_of(c, &kp, v, "a scheduler, ", sched_names, n_sched, "");
        snprintf(s->scheduler, sizeof s->scheduler, "%s", v->valuestring);
    }
    kp = jp_key(&p, "timeslice_us");
    if ((v = member(o, "timeslice_us")) != NULL &&
        get_u32(c, &kp, v, 1000, 10000000, &s->timeslice_us))
        return -1;
    kp = jp_key(&p, "hang_policy");
    if ((v = member(o, "hang_policy")) != NULL) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "fault") != 0 && strcmp(v->valuestring, "preempt") != 0))
            return fail_got(c, &kp, v, "expected \"fault\" or \"preempt\"");
        s->hang_preempt = strcmp(v->valuestring, "preempt") == 0;
    }
    kp = jp_key(&p, "watchdog_ms");
    if ((v = member(o, "watchdog_ms")) != NULL && get_u32(c, &kp, v, 10, 3600000, &s->watchdog_ms))
        return -1;
    kp = jp_key(&p, "mpu_enforcement");
    if ((v = member(o, "mpu_enforcement")) != NULL) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "byte") != 0 && strcmp(v->valuestring, "page") != 0))
            return fail_got(c, &kp, v, "expected \"byte\" or \"page\"");
        s->mpu_page = strcmp(v->valuestring, "page") == 0;
    }
    kp = jp_key(&p, "fault_policy");
    if ((v = member(o, "fault_policy")) != NULL &&
        get_fault_policy(c, &kp, v, &s->default_fault_policy))
        return -1;
    return 0;
}

/* "registry_filter": [{"name": "...", "package_names": ["..."]}]: who may
 * register a name in the string-name registry (relay and share only). */
static int parse_registry_filter(struct ctx *c, const struct jpath *ipc, const cJSON *v,
                                 struct scn_scenario *s)
{
    struct jpath p = jp_key(ipc, "registry_filter");
    const char *shape =
        "expected an array of {\"name\": \"...\", \"package_names\": [\"...\"]} objects";
    if (strcmp(s->ipc_mechanism, "relay") != 0 && strcmp(s->ipc_mechanism, "share") != 0)
        return fail_got(c, &p, v,
                        "expected no \"registry_filter\" with mechanism \"%s\" (the registries "
                        "are part of \"relay\" and \"share\")",
                        s->ipc_mechanism);
    if (!cJSON_IsArray(v))
        return fail_got(c, &p, v, "%s", shape);
    size_t i = 0;
    const cJSON *rule;
    cJSON_ArrayForEach(rule, v)
    {
        struct jpath rp = jp_index(&p, i++);
        if (!cJSON_IsObject(rule))
            return fail_got(c, &rp, rule, "%s", shape);
        if (check_keys(c, &rp, rule, scn_registry_rule_keys, ARRAY_LEN(scn_registry_rule_keys)))
            return -1;
        struct jpath np = jp_key(&rp, "name");
        const cJSON *name = required(c, &rp, rule, "name");
        if (name == NULL)
            return -1;
        if (!cJSON_IsString(name) || name->valuestring[0] == '\0' ||
            strlen(name->valuestring) > SCN_REGISTRY_NAME)
            return fail_got(c, &np, name,
                            "expected a registry name of 1..%d bytes (zero padded to %d)",
                            SCN_REGISTRY_NAME, SCN_REGISTRY_NAME);
        struct jpath pp = jp_key(&rp, "package_names");
        const cJSON *pkgs = required(c, &rp, rule, "package_names");
        if (pkgs == NULL)
            return -1;
        if (!cJSON_IsArray(pkgs) || cJSON_GetArraySize(pkgs) == 0)
            return fail_got(c, &pp, pkgs, "expected a non-empty array of package names");
        size_t j = 0;
        const cJSON *pk;
        cJSON_ArrayForEach(pk, pkgs)
        {
            struct jpath ep = jp_index(&pp, j++);
            if (s->n_registry_rules == SCN_MAX_REGISTRY_RULES)
                return fail_got(c, &ep, pk, "expected at most %d package names in all rules",
                                SCN_MAX_REGISTRY_RULES);
            struct scn_registry_rule *r = &s->registry_rules[s->n_registry_rules];
            if (get_string(c, &ep, pk, 1, r->package_name, sizeof r->package_name))
                return -1;
            snprintf(r->name, sizeof r->name, "%s", name->valuestring);
            s->n_registry_rules++;
        }
    }
    return 0;
}

static int parse_ipc(struct ctx *c, const struct jpath *root, const cJSON *o,
                     struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "ipc");
    if (!cJSON_IsObject(o))
        return fail_got(c, &p, o, "expected an object such as {\"mechanism\": \"none\"}");
    if (check_keys(c, &p, o, scn_ipc_keys, ARRAY_LEN(scn_ipc_keys)))
        return -1;
    const cJSON *v = required(c, &p, o, "mechanism");
    if (v == NULL)
        return -1;
    struct jpath kp = jp_key(&p, "mechanism");
    if (!cJSON_IsString(v) ||
        !in_list(v->valuestring, scn_ipc_mechanisms, ARRAY_LEN(scn_ipc_mechanisms)))
        return fail_one_of(c, &kp, v, "", scn_ipc_mechanisms, ARRAY_LEN(scn_ipc_mechanisms), "");
    snprintf(s->ipc_mechanism, sizeof s->ipc_mechanism, "%s", v->valuestring);
    /* ---- legacy IPC: "refuse_unexposable" (tock/tock#1993) ---- */
    s->ipc_refuse_unexposable = false;
    kp = jp_key(&p, "refuse_unexposable");
    if ((v = member(o, "refuse_unexposable")) != NULL) {
        if (!cJSON_IsBool(v))
            return fail_got(c, &kp, v, "expected true or false");
        if (strcmp(s->ipc_mechanism, "legacy") != 0)
            return fail_got(c, &kp, v,
                            "expected no \"refuse_unexposable\" with mechanism \"%s\" (it "
                            "applies to \"legacy\" only)",
                            s->ipc_mechanism);
        s->ipc_refuse_unexposable = cJSON_IsTrue(v);
    }
    /* ---- end legacy IPC ---- */
    /* a deliberately broken capsule, for testing ipcsim fuzz only
     * (docs/fuzzing.md); every one so far is in Relay Request */
    s->ipc_planted_bug = KM_BUG_NONE;
    kp = jp_key(&p, "planted_bug");
    if ((v = member(o, "planted_bug")) != NULL) {
        int bug = cJSON_IsString(v) ? km_planted_bug_parse(v->valuestring) : -1;
        if (bug < 0) {
            const char *names[8];
            size_t n = 0;
            for (int i = 0;
                 i < 8 && km_planted_bug_parse(km_planted_bug_name((enum km_planted_bug)i)) == i;
                 i++)
                names[n++] = km_planted_bug_name((enum km_planted_bug)i);
            return fail_one_of(c, &kp, v, "a planted bug, ", names, n, "");
        }
        if (strcmp(s->ipc_mechanism, "relay") != 0 && strcmp(s->ipc_mechanism, "share") != 0)
            return fail_got(c, &kp, v,
                            "expected no \"planted_bug\" with mechanism \"%s\" (it applies to "
                            "\"relay\" and \"share\" only)",
                            s->ipc_mechanism);
        s->ipc_planted_bug = (enum km_planted_bug)bug;
    }
    s->n_registry_rules = 0;
    if ((v = member(o, "registry_filter")) != NULL)
        return parse_registry_filter(c, &p, v, s);
    return 0;
}

int scn_set_ipc_mechanism(struct scn_scenario *s, const char *mechanism, char *err, size_t errlen)
{
    if (!in_list(mechanism, scn_ipc_mechanisms, ARRAY_LEN(scn_ipc_mechanisms))) {
        size_t at = (size_t)snprintf(err, errlen, "expected one of:");
        for (size_t i = 0; i < ARRAY_LEN(scn_ipc_mechanisms) && at < errlen; i++)
            at += (size_t)snprintf(err + at, errlen - at, "%s \"%s\"", i ? "," : "",
                                   scn_ipc_mechanisms[i]);
        if (at < errlen)
            snprintf(err + at, errlen - at, ", got \"%s\"", mechanism);
        return -1;
    }
    bool relay = strcmp(mechanism, "relay") == 0 || strcmp(mechanism, "share") == 0;
    if (s->ipc_refuse_unexposable && strcmp(mechanism, "legacy") != 0) {
        snprintf(err, errlen,
                 "%s: $.ipc.refuse_unexposable applies to \"legacy\" only, not to \"%s\"", s->path,
                 mechanism);
        return -1;
    }
    if (s->ipc_planted_bug != KM_BUG_NONE && !relay) {
        snprintf(err, errlen,
                 "%s: $.ipc.planted_bug applies to \"relay\" and \"share\" only, not to \"%s\"",
                 s->path, mechanism);
        return -1;
    }
    if (s->n_registry_rules && !relay) {
        snprintf(err, errlen,
                 "%s: $.ipc.registry_filter applies to \"relay\" and \"share\" only, not to "
                 "\"%s\"",
                 s->path, mechanism);
        return -1;
    }
    snprintf(s->ipc_mechanism, sizeof s->ipc_mechanism, "%s", mechanism);
    return 0;
}

static int parse_platform_member(struct ctx *c, const struct jpath *root, const cJSON *top,
                                 const struct scn_search *search, struct scn_scenario *s)
{
    struct jpath p = jp_key(root, "platform");
    const cJSON *v = member(top, "platform");
    const char *dir = search != NULL ? search->platform_dir : NULL;
    if (v != NULL && cJSON_IsObject(v))
        return parse_platform(c, &p, v, NULL, &s->platform);
    if (v != NULL && !cJSON_IsString(v))
        return fail_got(c, &p, v, "expected a platform profile name or a profile object");
    const char *name = v != NULL ? v->valuestring : SCN_DEFAULT_PLATFORM;
    char *note = NULL;
    int r = v != NULL
                ? asprintf(&note, " (platform \"%s\" named at $.platform in %s)", name, c->file)
                : asprintf(&note, " (the default platform \"%s\" of %s)", name, c->file);
    if (r < 0)
        return fail_oom(c);
    int rc = load_named_platform(c, &p, v, name, dir, note, &s->platform);
    free(note);
    return rc;
}

static int parse_scenario(struct ctx *c, const cJSON *top, const struct scn_search *search,
                          struct scn_scenario *s)
{
    struct jpath root = {NULL, NULL, 0};
    struct jpath kp;
    const cJSON *v;
    uint64_t u;

    if (!cJSON_IsObject(top))
        return fail_got(c, &root, top, "expected a scenario object");
    if (check_keys(c, &root, top, scn_top_keys, ARRAY_LEN(scn_top_keys)))
        return -1;

    kp = jp_key(&root, "name");
    if ((v = required(c, &root, top, "name")) == NULL || get_name(c, &kp, v, s->name))
        return -1;

    kp = jp_key(&root, "description");
    if ((v = member(top, "description")) != NULL &&
        get_string(c, &kp, v, 0, s->description, sizeof s->description))
        return -1;

    s->seed = SCN_DEFAULT_SEED;
    kp = jp_key(&root, "seed");
    if ((v = member(top, "seed")) != NULL && get_uint(c, &kp, v, 0, SCN_MAX_SEED, &s->seed))
        return -1;

    s->duration_ms = SCN_DEFAULT_DURATION_MS;
    kp = jp_key(&root, "duration_ms");
    if ((v = member(top, "duration_ms")) != NULL &&
        get_uint(c, &kp, v, 1, 86400000, &s->duration_ms))
        return -1;

    if (parse_platform_member(c, &root, top, search, s))
        return -1;

    snprintf(s->scheduler, sizeof s->scheduler, "%s", "round_robin");
    s->timeslice_us = SCN_DEFAULT_TIMESLICE_US;
    s->default_fault_policy = (struct km_fault_policy){.kind = KM_FP_PANIC, .threshold = 0};
    if ((v = member(top, "kernel")) != NULL && parse_kernel(c, &root, v, s))
        return -1;

    /* Programs given as paths are relative to the scenario's directory. */
    const char *slash = strrchr(c->file, '/');
    char *dir = slash == NULL      ? strdup(".")
                : slash == c->file ? strdup("/")
                                   : strndup(c->file, (size_t)(slash - c->file));
    if (dir == NULL)
        return fail_oom(c);
    int rc = parse_apps(c, &root, top, dir, search, s);
    free(dir);
    if (rc)
        return -1;

    uint64_t total = 0;
    for (size_t i = 0; i < s->n_apps; i++)
        total += s->apps[i].ram;
    u = s->platform.sram_size - s->platform.kernel_ram;
    if (total > u) {
        kp = jp_key(&root, "apps");
        return fail(c, &kp,
                    "expected app instances whose ram fits in the platform's %llu bytes of app "
                    "SRAM (sram_size - kernel_ram of \"%s\"), got %llu bytes",
                    (unsigned long long)u, s->platform.name, (unsigned long long)total);
    }

    snprintf(s->ipc_mechanism, sizeof s->ipc_mechanism, "%s", scn_ipc_mechanisms[0]);
    if ((v = member(top, "ipc")) != NULL && parse_ipc(c, &root, v, s))
        return -1;

    if ((v = member(top, "faults")) != NULL && parse_faults(c, &root, v, s))
        return -1;

    if ((v = member(top, "expect")) != NULL && parse_expect(c, &root, v, s))
        return -1;
    return 0;
}

/* Checks that name fits out->path and starts *out and err afresh. */
static int load_begin(struct ctx *c, const char *name, struct scn_scenario *out)
{
    memset(out, 0, sizeof *out);
    if (c->errlen > 0)
        c->err[0] = '\0';
    if (strlen(name) >= sizeof out->path)
        return fail(c, NULL, "expected a file path shorter than %zu bytes", sizeof out->path);
    memcpy(out->path, name, strlen(name) + 1);
    return 0;
}

/* Parses and checks the scenario at path into *out (see scenario.h): reads
 * the file and hands its text to scn_load_text. */
int scn_load(const char *path, const struct scn_search *search, struct scn_scenario *out, char *err,
             size_t errlen)
{
    struct ctx c = {.file = path, .note = "", .err = err, .errlen = errlen};
    if (load_begin(&c, path, out))
        return -1;
    size_t len;
    char *buf = read_file(&c, &len);
    if (buf == NULL)
        return -1;
    int rc = scn_load_text(buf, len, path, search, out, err, errlen);
    free(buf);
    return rc;
}

/* Parses and checks scenario text held in memory (see scenario.h). */
int scn_load_text(const char *text, size_t len, const char *name, const struct scn_search *search,
                  struct scn_scenario *out, char *err, size_t errlen)
{
    struct ctx c = {.file = name, .note = "", .err = err, .errlen = errlen};
    if (load_begin(&c, name, out))
        return -1;
    if (len > SCN_FILE_MAX)
        return fail(&c, NULL, "expected a file of at most %u bytes, got a larger one",
                    SCN_FILE_MAX);
    /* a copy, so that the parser always has the NUL it needs after the text */
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return fail_oom(&c);
    if (len > 0)
        memcpy(buf, text, len);
    buf[len] = '\0';
    cJSON *root = parse_json(&c, buf, len);
    free(buf);
    if (root == NULL)
        return -1;
    int rc = parse_scenario(&c, root, search, out);
    cJSON_Delete(root);
    if (rc != 0)
        scn_free(out);
    return rc;
}

/* Loads platform profile `name` from search->platform_dir (see scenario.h). */
int scn_load_platform(const char *name, const struct scn_search *search, struct scn_platform *out,
                      char *err, size_t errlen)
{
    const char *dir = search != NULL ? search->platform_dir : NULL;
    struct ctx c = {.file = dir != NULL ? dir : "(no platform directory)",
                    .note = "",
                    .err = err,
                    .errlen = errlen};
    memset(out, 0, sizeof *out);
    if (errlen > 0)
        err[0] = '\0';
    cJSON v = {.type = cJSON_String, .valuestring = (char *)name};
    if (dir == NULL)
        return fail_got(&c, NULL, &v, "expected a platform directory to look up a profile name");
    /* A missing profile is reported against the directory, with the value
     * that named it. */
    return load_named_platform(&c, NULL, &v, name, dir, "", out);
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Frees what scn_load allocated and zeroes *s; safe to repeat. */
void scn_free(struct scn_scenario *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_apps; i++)
        free_argv(s->apps[i].argc, s->apps[i].argv);
    free(s->apps);
    for (size_t i = 0; i < s->expect.n_apps; i++) {
        struct scn_expect_app *e = &s->expect.apps[i];
        free_strings(e->contains, e->n_contains);
        free_strings(e->matches, e->n_matches);
        free_strings(e->not_contains, e->n_not_contains);
        free_strings(e->after_contains, e->n_after_contains);
    }
    free(s->expect.apps);
    free(s->faults);
    free_strings(s->expect.console_order, s->expect.n_console_order);
    free_strings(s->expect.findings, s->expect.n_findings);
    memset(s, 0, sizeof *s);
}
