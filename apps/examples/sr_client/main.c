/* sr_client: a client of sr_server over the send / receive / reply driver
 * (libtock-sync/ipc/sendrecv.h), used directly.
 *
 * Modes:
 *   good      each round sends UPPER with its text lent read-only (lease 0)
 *             and an output buffer lent writable (lease 1), and prints the
 *             reply and the upper-cased text. When the server died or
 *             restarted (the dead code), it looks the server up again and
 *             repeats the round. At the end it posts notification bit 0.
 *   bad       sends UPPER without leases: the server faults it
 *   intruder  sends ECHO once and prints what the kernel answered (a
 *             server restricted to another ShortId refuses it)
 *
 * Usage: sr_client [mode [rounds [period_ms [service]]]]
 *   mode       good (default), bad, intruder
 *   rounds     good: rounds to run (default 3)
 *   period_ms  pause before each round (default 10)
 *   service    the server's package name (default "org.ipcsim.sr")
 * Exits with the number of rounds that failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/ipc/sendrecv.h>
#include <libtock-sync/services/alarm.h>
#include <libtock/ipc/sendrecv.h>
#include <libtock/tock.h>

enum { OP_UPPER = 1, OP_ECHO = 2 };

/* Allowed to the kernel, so in the app's own memory (not argv). */
static char service[64] = "org.ipcsim.sr";
static char text[48];
static char out[48];
static char reply[32];

static uint32_t find(void)
{
    uint32_t task = 0;
    while (libtock_sendrecv_lookup(service, &task) != RETURNCODE_SUCCESS)
        libtocksync_alarm_delay_ms(5);
    return task;
}

static int good(unsigned long rounds, unsigned long period)
{
    uint32_t task = find();
    int failed = 0;
    for (unsigned long i = 1; i <= rounds; i++) {
        libtocksync_alarm_delay_ms((uint32_t)period);
        int len = snprintf(text, sizeof(text), "hello, leases %lu", i);
        memset(out, 0, sizeof(out));
        libtock_sendrecv_lease_t leases[2] = {
            {.base = text, .len = (uint32_t)len, .attrs = LIBTOCK_SENDRECV_LEASE_READ},
            {.base = out, .len = sizeof(out), .attrs = LIBTOCK_SENDRECV_LEASE_WRITE},
        };
        uint32_t code = 0, n = 0;
        int rc = libtocksync_sendrecv_send(task, OP_UPPER, "upper", 5, reply, sizeof(reply), leases,
                                           2, &code, &n);
        if (rc == RETURNCODE_ENODEVICE) {
            printf("round %lu: server died (dead code 0x%08x): looking it up again\n", i,
                   (unsigned)code);
            task = find();
            printf("server is now task 0x%04x\n", (unsigned)task);
            i--; /* the same round again */
            continue;
        }
        if (rc != RETURNCODE_SUCCESS) {
            printf("round %lu: %s\n", i, tock_strrcode(rc));
            failed++;
            continue;
        }
        printf("round %lu: code %u, reply \"%.*s\", lease 1 \"%s\"\n", i, (unsigned)code, (int)n,
               reply, out);
    }
    if (libtock_sendrecv_post(task, 0x1, NULL) == RETURNCODE_SUCCESS)
        printf("posted bit 0\n");
    return failed;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "good";
    unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 3;
    unsigned long period = argc > 3 ? strtoul(argv[3], NULL, 10) : 10;
    if (argc > 4)
        snprintf(service, sizeof(service), "%s", argv[4]);
    if (strcmp(mode, "good") == 0)
        return good(rounds, period);
    libtocksync_alarm_delay_ms((uint32_t)period);
    uint32_t task = find();
    uint32_t code = 0, n = 0;
    if (strcmp(mode, "bad") == 0) {
        printf("sending UPPER without its leases\n");
        int rc = libtocksync_sendrecv_send(task, OP_UPPER, "upper", 5, reply, sizeof(reply), NULL,
                                           0, &code, &n);
        printf("still running after the bad request: %s\n", tock_strrcode(rc));
        return 1;
    }
    int rc = libtocksync_sendrecv_send(task, OP_ECHO, "echo", 4, reply, sizeof(reply), NULL, 0,
                                       &code, &n);
    printf("intruder: %s\n", rc == RETURNCODE_SUCCESS ? "served" : tock_strrcode(rc));
    return rc == RETURNCODE_SUCCESS ? 0 : 1;
}
