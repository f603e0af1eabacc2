/* results.c: builds results.json with cJSON and writes it atomically. */
#include "results.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cJSON *hex32(uint32_t v)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "0x%08x", v);
    return cJSON_CreateString(buf);
}

/* Numbers up to 2^53 are exact in JSON doubles; counters stay below. */
static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    cJSON_AddItemToObject(o, k, cJSON_CreateNumber((double)v));
}

static cJSON *app_json(const struct scn_app *sa, const struct run_app_result *ar)
{
    const struct km_proc_info *in = &ar->info;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "name", sa->name);
    cJSON_AddStringToObject(a, "program", sa->program);
    cJSON_AddStringToObject(a, "package_name", sa->package_name);
    cJSON_AddStringToObject(a, "state", km_state_name(in->state));
    add_u64(a, "process_id", in->process_id);
    if (in->has_completion_code)
        add_u64(a, "completion_code", in->completion_code);
    else
        cJSON_AddNullToObject(a, "completion_code");
    add_u64(a, "restart_count", in->stats.restart_count);
    add_u64(a, "fault_count", in->stats.fault_count);
    if (in->fault_reason[0])
        cJSON_AddStringToObject(a, "last_fault", in->fault_reason);
    else
        cJSON_AddNullToObject(a, "last_fault");
    add_u64(a, "host_processes", ar->host_spawns);

    cJSON *mem = cJSON_AddObjectToObject(a, "memory");
    cJSON_AddItemToObject(mem, "ram_start", hex32(in->ram_start));
    cJSON_AddItemToObject(mem, "ram_end", hex32(in->ram_end));
    cJSON_AddItemToObject(mem, "app_break", hex32(in->app_break));
    cJSON_AddItemToObject(mem, "kernel_break", hex32(in->kernel_break));
    cJSON_AddItemToObject(mem, "flash_start", hex32(in->flash_start));
    cJSON_AddItemToObject(mem, "flash_end", hex32(in->flash_end));
    cJSON *regions = cJSON_AddArrayToObject(mem, "mpu_regions");
    static const char *const perms[] = {"rwx", "rw", "rx", "r", "x"};
    for (int i = 0; i < KM_MPU_MAX_REGIONS; i++) {
        const struct km_mpu_region *g = &in->mpu.r[i];
        if (!g->enabled)
            continue;
        cJSON *o = cJSON_CreateObject();
        add_u64(o, "n", (uint64_t)i);
        cJSON_AddItemToObject(o, "base", hex32(g->base));
        add_u64(o, "size", g->size);
        cJSON_AddStringToObject(o, "perm", (unsigned)g->perm < 5 ? perms[g->perm] : "?");
        if (g->subregions != 0xff)
            cJSON_AddItemToObject(o, "subregions_enabled", hex32(g->subregions));
        cJSON *regs = cJSON_AddArrayToObject(o, "registers");
        for (int k = 0; k < 3; k++)
            cJSON_AddItemToArray(regs, hex32(g->reg[k]));
        cJSON_AddItemToArray(regions, o);
    }

    cJSON *cnt = cJSON_AddObjectToObject(a, "counters");
    cJSON *sys = cJSON_AddObjectToObject(cnt, "syscalls");
    for (uint32_t c = 0; c < KM_SYS_NCLASSES; c++)
        add_u64(sys, km_class_name(c), in->stats.syscalls[c]);
    add_u64(cnt, "upcalls_delivered", in->stats.upcalls_delivered);
    add_u64(cnt, "upcalls_dropped", in->stats.upcalls_dropped);
    add_u64(cnt, "context_switches", in->stats.context_switches);
    add_u64(cnt, "timeslice_expirations", in->stats.timeslice_expirations);
    add_u64(cnt, "run_cycles", in->stats.run_cycles);
    add_u64(cnt, "ipc_windows", in->stats.ipc_windows); /* legacy IPC */
    add_u64(cnt, "ipc_windows_refused", in->stats.ipc_windows_refused);
    add_u64(cnt, "ipc_bytes_copied", in->stats.ipc_bytes_copied);
    add_u64(cnt, "ipc_share_mapped", in->stats.ipc_share_mapped); /* shared memory */
    add_u64(cnt, "ipc_share_copied", in->stats.ipc_share_copied);
    add_u64(cnt, "mpu_reprograms", in->stats.mpu_reprograms);
    add_u64(cnt, "mpu_regions_base", in->stats.mpu_regions_base);
    add_u64(cnt, "mpu_regions_peak", in->stats.mpu_regions_peak);
    cJSON_AddStringToObject(a, "console", ar->console ? ar->console : "");
    add_u64(a, "console_bytes_not_captured", ar->console_dropped);
    return a;
}

char *results_json(const struct scn_scenario *s, const struct run_result *res,
                   const struct expect_report *ex)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", RESULTS_SCHEMA);
    cJSON *sc = cJSON_AddObjectToObject(root, "scenario");
    cJSON_AddStringToObject(sc, "name", s->name);
    char pathbuf[SCN_PATH_MAX];
    snprintf(pathbuf, sizeof(pathbuf), "%s", s->path);
    cJSON_AddStringToObject(sc, "file", basename(pathbuf));
    cJSON_AddStringToObject(sc, "platform", s->platform.name);
    cJSON_AddStringToObject(sc, "scheduler", s->scheduler);
    add_u64(root, "seed", res->seed);

    cJSON *end = cJSON_AddObjectToObject(root, "end");
    cJSON_AddStringToObject(end, "reason", km_end_reason_name(res->end_reason));
    add_u64(end, "virtual_cycles", res->end_cycles);
    add_u64(end, "virtual_ns", res->end_ns);
    if (res->end_reason == KM_END_PANIC)
        cJSON_AddStringToObject(end, "panic", res->panic_reason);
    else
        cJSON_AddNullToObject(end, "panic");

    cJSON *apps = cJSON_AddArrayToObject(root, "apps");
    for (size_t i = 0; i < res->n_apps; i++)
        cJSON_AddItemToArray(apps, app_json(&s->apps[i], &res->apps[i]));

    cJSON *fl = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < res->n_findings; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "app", res->findings[i].app);
        add_u64(o, "virtual_ns", res->findings[i].time_ns);
        cJSON_AddStringToObject(o, "text", res->findings[i].text);
        cJSON_AddItemToArray(fl, o);
    }

    cJSON *il = cJSON_AddArrayToObject(root, "injections");
    for (size_t i = 0; i < res->n_injections; i++) {
        const struct run_injection *in = &res->injections[i];
        cJSON *o = cJSON_CreateObject();
        add_u64(o, "virtual_ns", in->time_ns);
        cJSON_AddStringToObject(o, "app", in->app);
        add_u64(o, "rule", in->rule);
        cJSON_AddStringToObject(o, "kind", km_inject_kind_name(in->kind));
        cJSON_AddStringToObject(o, "detail", in->detail);
        cJSON_AddItemToArray(il, o);
    }

    cJSON *leds = cJSON_AddObjectToObject(root, "leds");
    cJSON *fin = cJSON_AddArrayToObject(leds, "final");
    for (uint32_t i = 0; i < s->platform.led_count; i++)
        cJSON_AddItemToArray(fin, cJSON_CreateBool((res->led_final >> i) & 1u));
    add_u64(leds, "changes", res->led_changes);

    cJSON *exj = cJSON_AddObjectToObject(root, "expectations");
    add_u64(exj, "checked", ex->n);
    add_u64(exj, "failed", ex->failed);
    cJSON *list = cJSON_AddArrayToObject(exj, "checks");
    for (size_t i = 0; i < ex->n; i++) {
        const struct expect_check *c = &ex->checks[i];
        cJSON *o = cJSON_CreateObject();
        if (c->app[0])
            cJSON_AddStringToObject(o, "app", c->app);
        else
            cJSON_AddNullToObject(o, "app");
        cJSON_AddStringToObject(o, "check", c->check);
        cJSON_AddStringToObject(o, "expected", c->expected);
        cJSON_AddStringToObject(o, "actual", c->actual);
        cJSON_AddBoolToObject(o, "ok", c->ok);
        cJSON_AddItemToArray(list, o);
    }

    /* Host timing: how fast the simulator ran. Never deterministic. */
    cJSON *host = cJSON_AddObjectToObject(root, "host");
    cJSON_AddNumberToObject(host, "wall_seconds", res->host_wall_s);
    add_u64(host, "messages", res->host_messages);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

static int mkdir_p(const char *dir)
{
    char buf[SCN_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int results_write(const char *dir, const char *text, char *err, size_t errlen)
{
    if (mkdir_p(dir) < 0) {
        snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(errno));
        return -1;
    }
    char tmp[SCN_PATH_MAX + 64], final[SCN_PATH_MAX + 32];
    snprintf(final, sizeof(final), "%s/results.json", dir);
    snprintf(tmp, sizeof(tmp), "%s/.results.json.%ld.tmp", dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    if (write(fd, "\n", 1) != 1 || fsync(fd) < 0 || close(fd) < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, final) < 0) {
        snprintf(err, errlen, "%s: %s", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
