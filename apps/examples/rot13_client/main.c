/* rot13_client: sends text to the rot13 service over legacy IPC and prints
 * each answer, alternately "Uryyb Jbeyq!" and "Hello World!".
 *
 * The client shares one buffer with the service: a length byte, then the
 * text. Where the buffer sits and how long it is are arguments, so that a
 * scenario can share a buffer the MPU cannot expose. Each request waits at
 * most one second for the answer; legacy IPC never tells a client that its
 * service died or restarted, so a timeout is all it can see.
 *
 * Usage: rot13_client [rounds [length [offset [period_ms [service]]]]]
 *   rounds     requests to send (default 4; 0 = forever)
 *   length     bytes shared with the service (default 64, at most 512)
 *   offset     where the buffer starts inside a 512-byte aligned area
 *              (default 0)
 *   period_ms  pause between requests (default 500)
 *   service    package name to look up (default "org.ipcsim.rot13")
 * Exits with the number of requests that got no answer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/kernel/ipc.h>
#include <libtock/tock.h>

#define AREA 1024u
#define ANSWER_TIMEOUT_MS 1000u

static uint8_t area[AREA] __attribute__((aligned(512)));
static char service[64] = "org.ipcsim.rot13";
static bool answered;

static void on_answer(int svc, int len, int addr, void *ud)
{
    (void)svc;
    (void)len;
    (void)addr;
    (void)ud;
    answered = true;
}

static unsigned long arg(int argc, char **argv, int i, unsigned long fallback)
{
    return argc > i ? strtoul(argv[i], NULL, 10) : fallback;
}

int main(int argc, char **argv)
{
    unsigned long rounds = arg(argc, argv, 1, 4);
    unsigned long length = arg(argc, argv, 2, 64);
    unsigned long offset = arg(argc, argv, 3, 0);
    unsigned long period = arg(argc, argv, 4, 500);
    if (argc > 5)
        snprintf(service, sizeof(service), "%s", argv[5]);
    if (length < 2 || length > 512 || offset + length > AREA) {
        printf("bad buffer: %lu bytes at offset %lu\n", length, offset);
        return 255;
    }

    size_t svc = 0;
    int rc = ipc_discover(service, &svc);
    if (rc != RETURNCODE_SUCCESS) {
        printf("no rot13 service: %s\n", tock_strrcode(rc));
        return 255;
    }
    uint8_t *buf = area + offset;
    const char *text = "Hello World!";
    buf[0] = (uint8_t)strlen(text);
    memcpy(buf + 1, text, buf[0]);
    rc = ipc_register_client_callback(svc, on_answer, NULL);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipc_share(svc, buf, (int)length);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot set up IPC with %s: %s\n", service, tock_strrcode(rc));
        return 255;
    }
    printf("sharing %lu bytes at offset %lu with service %zu\n", length, offset, svc);

    unsigned long unanswered = 0;
    for (unsigned long i = 1; rounds == 0 || i <= rounds; i++) {
        answered = false;
        rc = ipc_notify_service(svc);
        if (rc != RETURNCODE_SUCCESS) {
            printf("request %lu: notify failed: %s\n", i, tock_strrcode(rc));
            unanswered++;
        } else if (libtocksync_alarm_yield_for_with_timeout(&answered, ANSWER_TIMEOUT_MS) !=
                   RETURNCODE_SUCCESS) {
            printf("request %lu: no answer within %u ms\n", i, ANSWER_TIMEOUT_MS);
            unanswered++;
        } else {
            unsigned n = buf[0] < length - 1 ? buf[0] : (unsigned)(length - 1);
            printf("%u: %.*s\n", n, (int)n, (const char *)(buf + 1));
        }
        libtocksync_alarm_delay_ms((uint32_t)period);
    }
    return (int)unanswered;
}
