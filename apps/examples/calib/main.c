/* calib: measures kernel operations on the simulator the way
 * tock/TockBenchmarking measured them on a board, by reading the alarm
 * counter around each operation, so that a platform profile's cost model
 * can be compared with published figures (docs/cost-model.md).
 *
 * Every row is the mean of `runs` measurements of (read counter, operation,
 * read counter). A row's figure includes the measurement's own overhead,
 * as the published rows do; the "net" figure subtracts the mean of the
 * overhead row (two counter reads with nothing between them).
 *
 * Usage:
 *   calib service [package]           answer every notify with a notify
 *   calib client [runs [bytes [package]]]
 *     runs     measurements per row (default 100)
 *     bytes    size of the buffer shared with the service for the
 *              bandwidth row, from the heap (default 10240, at most 16384;
 *              0 = no row)
 *     package  the service's package name (default "org.ipcsim.calib")
 *
 * The client prints one line per row, "calib ROW: MEAN us (net NET us)",
 * and for bandwidth "calib shared_buffer_bandwidth: KIB KiB/s"; it exits
 * with 0, or 1 if an operation failed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/kernel/ipc.h>
#include <libtock/peripherals/syscalls/alarm_syscalls.h>
#include <libtock/tock.h>

#define BUF_MAX 16384u

static char package[64] = "org.ipcsim.calib";
static bool answered;
static uint32_t freq;

/* Moves the break up to a 4 KiB boundary, so that no page the app uses is
 * only partly accessible: the simulator single-steps every access to such
 * a page (docs/memory-protection.md), which costs host time, never virtual
 * time, and a calibration run makes a great many of them. */
static void align_break(void)
{
    memop_return_t r = memop(1, 0);
    if (r.status == TOCK_STATUSCODE_SUCCESS && r.data % 4096u != 0)
        (void)memop(1, 4096u - r.data % 4096u);
}

/* ---- Service ------------------------------------------------------------ */

static void on_request(int client, int len, int addr, void *ud)
{
    (void)len;
    (void)addr;
    (void)ud;
    int rc = ipc_notify_client((size_t)client);
    if (rc != RETURNCODE_SUCCESS)
        printf("notify client %d: %s\n", client, tock_strrcode(rc));
}

static int service(void)
{
    int rc = ipc_register_service_callback(package, on_request, NULL);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot register %s: %s\n", package, tock_strrcode(rc));
        return 1;
    }
    printf("calib service %s ready\n", package);
    for (;;)
        yield();
}

/* ---- Client ------------------------------------------------------------- */

static uint32_t now(void)
{
    uint32_t t = 0;
    libtock_alarm_command_read(&t);
    return t;
}

/* Ticks as microseconds. */
static double ticks_us(double ticks)
{
    return ticks * 1e6 / (double)freq;
}

static void on_answer(int svc, int len, int addr, void *ud)
{
    (void)svc;
    (void)len;
    (void)addr;
    (void)ud;
    answered = true;
}

/* The operations measured; each returns 0 on the outcome it expects. */
enum op { OP_NOTHING, OP_SYSCALL, OP_DISCOVER, OP_DISCOVER_FAIL, OP_NOTIFY };

static size_t svc_id;

static int run_op(enum op op)
{
    uint32_t f = 0;
    size_t id = 0;
    switch (op) {
    case OP_NOTHING:
        return 0;
    case OP_SYSCALL:
        /* one command to the alarm capsule, which enters its grant */
        return libtock_alarm_command_get_frequency(&f) == RETURNCODE_SUCCESS ? 0 : -1;
    case OP_DISCOVER:
        return ipc_discover(package, &id) == RETURNCODE_SUCCESS && id == svc_id ? 0 : -1;
    case OP_DISCOVER_FAIL:
        return ipc_discover("org.ipcsim.calib.absent", &id) != RETURNCODE_SUCCESS ? 0 : -1;
    case OP_NOTIFY:
        answered = false;
        if (ipc_notify_service(svc_id) != RETURNCODE_SUCCESS)
            return -1;
        yield_for(&answered);
        return 0;
    }
    return -1;
}

/* Mean ticks of `runs` measurements of op; negative if op failed. */
static double measure(enum op op, unsigned long runs)
{
    uint64_t total = 0;
    for (unsigned long i = 0; i < runs; i++) {
        uint32_t t0 = now();
        int rc = run_op(op);
        uint32_t t1 = now();
        if (rc != 0)
            return -1.0;
        total += (uint32_t)(t1 - t0);
    }
    return (double)total / (double)runs;
}

static int client(unsigned long runs, unsigned long bytes)
{
    if (runs == 0 || bytes > BUF_MAX) {
        printf("bad arguments: %lu runs, %lu bytes\n", runs, bytes);
        return 1;
    }
    if (libtock_alarm_command_get_frequency(&freq) != RETURNCODE_SUCCESS || freq == 0) {
        printf("no alarm\n");
        return 1;
    }
    /* let the service register first */
    libtocksync_alarm_delay_ms(5);
    int rc = ipc_discover(package, &svc_id);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_register_client_callback(svc_id, on_answer, NULL);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot reach %s: %s\n", package, tock_strrcode(rc));
        return 1;
    }

    static const struct {
        const char *name;
        enum op op;
    } rows[] = {
        {"measurement_overhead", OP_NOTHING}, {"one_syscall", OP_SYSCALL},
        {"ipc_discover", OP_DISCOVER},        {"ipc_discover_failure", OP_DISCOVER_FAIL},
        {"ipc_notify_round_trip", OP_NOTIFY},
    };
    double overhead = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double t = measure(rows[i].op, runs);
        if (t < 0) {
            printf("calib %s: failed\n", rows[i].name);
            return 1;
        }
        if (rows[i].op == OP_NOTHING)
            overhead = t;
        printf("calib %s: %.3f us (net %.3f us)\n", rows[i].name, ticks_us(t),
               ticks_us(t - overhead));
    }

    if (bytes > 0) {
        /* Bandwidth through a shared buffer: the client fills it, notifies
         * the service, which may read it, and waits for its answer. */
        uint8_t *shared = malloc(bytes);
        align_break();
        rc = shared != NULL ? ipc_share(svc_id, shared, (int)bytes) : RETURNCODE_ENOMEM;
        if (rc != RETURNCODE_SUCCESS) {
            printf("cannot share %lu bytes: %s\n", bytes, tock_strrcode(rc));
            return 1;
        }
        uint64_t total = 0;
        for (unsigned long i = 0; i < runs; i++) {
            uint32_t t0 = now();
            memset(shared, (int)(i & 0xff), bytes);
            int r = run_op(OP_NOTIFY);
            uint32_t t1 = now();
            if (r != 0) {
                printf("calib shared_buffer_bandwidth: failed\n");
                return 1;
            }
            total += (uint32_t)(t1 - t0);
        }
        double us = ticks_us((double)total / (double)runs);
        printf("calib shared_buffer_bandwidth: %.1f KiB/s (%lu bytes in %.3f us)\n",
               (double)bytes / 1024.0 / (us / 1e6), bytes, us);
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool is_service = argc > 1 && strcmp(argv[1], "service") == 0;
    align_break();
    if (is_service) {
        if (argc > 2)
            snprintf(package, sizeof package, "%s", argv[2]);
        return service();
    }
    unsigned long runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 100;
    unsigned long bytes = argc > 3 ? strtoul(argv[3], NULL, 10) : 10240;
    if (argc > 4)
        snprintf(package, sizeof package, "%s", argv[4]);
    return client(runs, bytes);
}
