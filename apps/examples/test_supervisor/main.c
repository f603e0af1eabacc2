/* test_supervisor: a legacy-IPC service that runs the tests of any number
 * of test runners (apps/examples/test_runner): it answers each step,
 * times every test out, prints one line per test and a summary per runner.
 * The record it works on is the runner's shared buffer
 * (ipcsim/test_protocol.h).
 *
 * Usage: test_supervisor [timeout_ms]   (default 300)
 * Its package name must be "org.ipcsim.test_supervisor".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <ipcsim/test_protocol.h>
#include <libtock/kernel/ipc.h>
#include <libtock/services/alarm.h>
#include <libtock/tock.h>

#define MAX_RUNNERS 16

struct runner {
    struct test_record *rec; /* the runner's shared record */
    libtock_alarm_t timer;   /* the running test's deadline */
    unsigned passed, failed;
    bool timed_out; /* a test timed out: the runner is dropped */
};

static struct runner runners[MAX_RUNNERS];
static uint32_t timeout_ms = 300;

static void summary(int id, const struct runner *r)
{
    printf("runner %d: %u passed, %u failed, %u not run of %u\n", id, r->passed, r->failed,
           r->rec->count - r->passed - r->failed, r->rec->count);
}

static void on_timeout(uint32_t now, uint32_t due, void *opaque)
{
    (void)now;
    (void)due;
    struct runner *r = opaque;
    int id = (int)(r - runners);
    r->timed_out = true;
    printf("runner %d test %u %s: TIMEOUT after %u ms\n", id, r->rec->index, r->rec->name,
           (unsigned)timeout_ms);
    summary(id, r);
}

static void on_request(int id, int len, int addr, void *ud)
{
    (void)ud;
    if (id < 0 || id >= MAX_RUNNERS || addr == 0 || len < (int)sizeof(struct test_record))
        return; /* not a runner we can serve */
    struct runner *r = &runners[id];
    r->rec = (struct test_record *)(uintptr_t)(uint32_t)addr;
    r->rec->name[sizeof(r->rec->name) - 1] = '\0';
    if (r->timed_out)
        return;
    switch (r->rec->op) {
    case TEST_HELLO:
        r->passed = r->failed = 0;
        printf("runner %d: %u tests\n", id, r->rec->count);
        break;
    case TEST_START:
        libtock_alarm_in_ms(timeout_ms, on_timeout, r, &r->timer);
        break;
    case TEST_DONE:
        libtock_alarm_ms_cancel(&r->timer);
        if (r->rec->passed)
            r->passed++;
        else
            r->failed++;
        printf("runner %d test %u %s: %s\n", id, r->rec->index, r->rec->name,
               r->rec->passed ? "PASS" : "FAIL");
        break;
    case TEST_BYE:
        summary(id, r);
        break;
    default:
        return;
    }
    (void)ipc_notify_client((size_t)id);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        timeout_ms = (uint32_t)strtoul(argv[1], NULL, 10);
    int rc = ipc_register_service_callback(TEST_SUPERVISOR_PACKAGE, on_request, NULL);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot register %s: %s\n", TEST_SUPERVISOR_PACKAGE, tock_strrcode(rc));
        return 1;
    }
    for (;;)
        yield();
}
