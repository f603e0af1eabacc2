/* test_runner: runs a list of tests under the test supervisor
 * (apps/examples/test_supervisor), which reports and times them; each
 * argument is one test:
 *   pass        passes at once
 *   fail        fails at once
 *   slow:<ms>   passes after <ms> milliseconds (so it can time out)
 * Default: pass fail pass. Exits with the number of failed tests once the
 * supervisor has said goodbye; if a test timed out it never does, and the
 * runner waits for ever.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipcsim/test_protocol.h>
#include <libtock-sync/services/alarm.h>
#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

static struct test_record record __attribute__((aligned(64)));
static bool answered;
static size_t supervisor;

static void on_answer(int svc, int len, int addr, void *ud)
{
    (void)svc;
    (void)len;
    (void)addr;
    (void)ud;
    answered = true;
}

/* Sends the record as it stands and waits for the supervisor. */
static void step(enum test_op op)
{
    record.op = (uint8_t)op;
    answered = false;
    if (ipc_notify_service(supervisor) != RETURNCODE_SUCCESS)
        printf("cannot notify the supervisor\n");
    yield_for(&answered);
}

static bool run(const char *spec)
{
    if (strcmp(spec, "pass") == 0)
        return true;
    if (strncmp(spec, "slow:", 5) == 0) {
        libtocksync_alarm_delay_ms((uint32_t)strtoul(spec + 5, NULL, 10));
        return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    static const char *const fallback[] = {"pass", "fail", "pass"};
    const char *const *tests = argc > 1 ? (const char *const *)argv + 1 : fallback;
    unsigned count = argc > 1 ? (unsigned)(argc - 1) : 3;

    int rc = ipc_discover(TEST_SUPERVISOR_PACKAGE, &supervisor);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_register_client_callback(supervisor, on_answer, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_share(supervisor, &record, sizeof(record));
    if (rc != RETURNCODE_SUCCESS) {
        printf("no test supervisor: %s\n", tock_strrcode(rc));
        return 255;
    }
    record.count = (uint8_t)count;
    step(TEST_HELLO);
    unsigned failed = 0;
    for (unsigned i = 0; i < count; i++) {
        record.index = (uint8_t)i;
        snprintf(record.name, sizeof(record.name), "%s", tests[i]);
        step(TEST_START);
        bool ok = run(tests[i]);
        record.passed = ok;
        failed += !ok;
        step(TEST_DONE);
    }
    step(TEST_BYE);
    return (int)failed;
}
