/* check_trace.c: the trace writer's IPC flows (sim/trace.c), fed with
 * kernel events directly: each message's flow ends on its own arrow, also
 * when messages of two kinds are open between the same pair of apps. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

static void ipc(struct trace *t, uint64_t time, enum km_ipc_phase phase, const char *op)
{
    struct km_event ev = {.kind = KM_EV_IPC, .time = time, .proc = 0};
    ev.u.ipc.phase = phase;
    ev.u.ipc.sender = 0;
    ev.u.ipc.target = 1;
    ev.u.ipc.service = true;
    ev.u.ipc.op = op;
    trace_km_event(t, &ev);
}

/* The "f" (flow end) event with flow id `id`, or NULL. */
static const cJSON *flow_end(const cJSON *events, int id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
    {
        const cJSON *ph = cJSON_GetObjectItem(e, "ph"), *fid = cJSON_GetObjectItem(e, "id");
        if (cJSON_IsString(ph) && strcmp(ph->valuestring, "f") == 0 && cJSON_IsNumber(fid) &&
            fid->valueint == id)
            return e;
    }
    return NULL;
}

/* A relay request from app 0 to app 1 is open when a mailbox message
 * between the same pair is queued and delivered: the message's arrival
 * ends the message's flow, and the request's flow ends when the request
 * is delivered. */
START_TEST(test_flows_of_two_kinds_between_one_pair)
{
    char path[] = "/tmp/check_trace.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256] = "";
    struct trace *t = trace_open(path, 1000, 1000000, 2, err, sizeof(err));
    ck_assert_msg(t != NULL, "%s", err);
    trace_set_app_name(t, 0, "client");
    trace_set_app_name(t, 1, "server");
    ipc(t, 10, KM_IPC_QUEUED, "request");
    ipc(t, 20, KM_IPC_QUEUED, "message");
    ipc(t, 20, KM_IPC_DELIVERED, "message");
    ipc(t, 30, KM_IPC_DELIVERED, "request");
    struct trace_meta m = {.scenario = "s", .seed = 1, .end_reason = "idle", .end_cycles = 40};
    ck_assert_int_eq(trace_commit(t, &m, err, sizeof(err)), 0);

    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    unlink(path);
    buf[n] = '\0';
    cJSON *doc = cJSON_Parse(buf);
    ck_assert_ptr_nonnull(doc);
    const cJSON *events = cJSON_GetObjectItem(doc, "traceEvents");
    const cJSON *req = flow_end(events, 1), *msg = flow_end(events, 2);
    ck_assert_ptr_nonnull(req);
    ck_assert_ptr_nonnull(msg);
    ck_assert_str_eq(cJSON_GetObjectItem(req, "name")->valuestring, "ipc request");
    ck_assert_double_eq(cJSON_GetObjectItem(req, "ts")->valuedouble, 30.0); /* us at 1 MHz */
    ck_assert_str_eq(cJSON_GetObjectItem(msg, "name")->valuestring, "ipc message");
    ck_assert_double_eq(cJSON_GetObjectItem(msg, "ts")->valuedouble, 20.0);
    cJSON_Delete(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("flows");
    tcase_add_test(tc, test_flows_of_two_kinds_between_one_pair);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
