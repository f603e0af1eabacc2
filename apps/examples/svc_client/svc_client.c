/* svc_client: the workloads' clients, over the ipcsvc API (ipcsvc.h), on
 * whichever IPC mechanism the kernel offers; svc_server is their service.
 *
 * Usage: svc_client MODE [arguments] (every number optional)
 *   pingpong [rounds [payload [name]]]
 *       rounds calls of `payload` bytes (1..256; default 10 calls of 16
 *       bytes), each answer checked to be the request
 *   bulk [rounds [size [name]]]
 *       attaches a READ buffer and a WRITE buffer of `size` bytes (default
 *       4 calls, 4096 bytes); each call checks the checksum the server
 *       computed over the READ buffer and the pattern it wrote
 *   notify [count [name]]
 *       sends `count` notifications (default 5), then asks the server how
 *       many it saw
 *   reliable [rounds [period_ms [timeout_ms [name]]]]
 *       rounds calls (default 10, one every 100 ms, 300 ms timeout); when
 *       a call fails (timeout, server gone) it reconnects and retries the
 *       same request, up to 20 times
 *   probe [calls [period_ms [timeout_ms [op [name [end]]]]]]
 *       calls echo calls of operation op (default 4 calls of op 7, one
 *       every 100 ms, 300 ms timeout) and prints each outcome, never
 *       reconnecting: what a client sees when its server misbehaves.
 *       end "crash": fault (a write through a null pointer) right after
 *       the last call instead of exiting, for a client that dies while
 *       its server still works on its request
 * name defaults to "org.ipcsim.echo". Exit code: the number of failed
 * calls (0 = all well).
 */
#include <ipcsvc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/tock.h>

#define CONNECT_TIMEOUT_MS 2000u
#define CALL_TIMEOUT_MS 1000u

static const char *name = "org.ipcsim.echo";
static ipcsvc_conn_t conn;
static uint8_t req[IPCSVC_MSG_MAX], resp[IPCSVC_MSG_MAX];

static unsigned long num(int argc, char **argv, int i, unsigned long fallback)
{
    return argc > i ? strtoul(argv[i], NULL, 10) : fallback;
}

static int connect_or_say(void)
{
    int rc = ipcsvc_connect(&conn, name, CONNECT_TIMEOUT_MS);
    if (rc != RETURNCODE_SUCCESS)
        printf("cannot connect to %s: %s\n", name, tock_strrcode(rc));
    return rc;
}

static int pingpong(unsigned long rounds, unsigned long payload)
{
    if (payload < 1 || payload > IPCSVC_MSG_MAX) {
        printf("bad payload %lu\n", payload);
        return 255;
    }
    if (connect_or_say() != RETURNCODE_SUCCESS)
        return 255;
    unsigned long ok = 0;
    for (unsigned long i = 0; i < rounds; i++) {
        for (unsigned long b = 0; b < payload; b++)
            req[b] = (uint8_t)(i + b);
        uint32_t got = 0;
        int rc = ipcsvc_call(&conn, 1, req, (uint32_t)payload, resp, sizeof(resp), &got,
                             CALL_TIMEOUT_MS);
        if (rc != RETURNCODE_SUCCESS)
            printf("call %lu: %s\n", i, tock_strrcode(rc));
        else if (got != payload || memcmp(req, resp, payload) != 0)
            printf("call %lu: wrong answer (%u bytes)\n", i, (unsigned)got);
        else
            ok++;
    }
    printf("pingpong: %lu/%lu calls ok (payload %lu bytes, backend %s)\n", ok, rounds, payload,
           ipcsvc_backend_name());
    return (int)(rounds - ok);
}

static int bulk(unsigned long rounds, unsigned long size)
{
    if (connect_or_say() != RETURNCODE_SUCCESS)
        return 255;
    uint8_t *in = NULL, *out = NULL;
    int rc = ipcsvc_buf_alloc(&conn, 0, (uint32_t)size, IPCSVC_BUF_READ, (void **)&in);
    if (rc == RETURNCODE_SUCCESS)
        rc = ipcsvc_buf_alloc(&conn, 1, (uint32_t)size, IPCSVC_BUF_WRITE, (void **)&out);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot attach two %lu-byte buffers: %s\n", size, tock_strrcode(rc));
        return 255;
    }
    /* nothing printed before the calls: a client waiting for the console
     * would not be calling, and fan-in would measure the UART */
    unsigned long ok = 0;
    for (unsigned long i = 0; i < rounds; i++) {
        uint32_t sum = 0;
        for (unsigned long b = 0; b < size; b++) {
            in[b] = (uint8_t)(b * 3 + i);
            sum += in[b];
        }
        memset(out, 0, size);
        uint8_t seed = (uint8_t)i;
        uint32_t got = 0, answer = 0;
        rc = ipcsvc_call(&conn, 2, &seed, 1, &answer, sizeof(answer), &got, CALL_TIMEOUT_MS);
        bool pattern = true;
        for (unsigned long b = 0; b < size && pattern; b++)
            pattern = out[b] == (uint8_t)((b * 7u + seed) & 0xffu);
        if (rc != RETURNCODE_SUCCESS)
            printf("call %lu: %s\n", i, tock_strrcode(rc));
        else if (got != sizeof(answer) || answer != sum)
            printf("call %lu: checksum %u, expected %u\n", i, (unsigned)answer, (unsigned)sum);
        else if (!pattern)
            printf("call %lu: the WRITE buffer lacks the server's pattern\n", i);
        else
            ok++;
    }
    printf("bulk: %lu/%lu calls ok (%lu bytes each way, buffers %s, backend %s)\n", ok, rounds,
           size, conn.bufs[0].shared ? "shared" : "copied", ipcsvc_backend_name());
    return (int)(rounds - ok);
}

static int notify(unsigned long count)
{
    if (connect_or_say() != RETURNCODE_SUCCESS)
        return 255;
    unsigned long failed = 0;
    for (unsigned long i = 0; i < count; i++) {
        memset(req, (int)i, 8);
        int rc = ipcsvc_notify(&conn, 9, req, 8);
        if (rc != RETURNCODE_SUCCESS) {
            printf("notify %lu: %s\n", i, tock_strrcode(rc));
            failed++;
        }
        /* give the service a turn, as a sensor reporting periodically would */
        libtocksync_alarm_delay_ms(10);
    }
    uint32_t seen = 0, got = 0;
    int rc = ipcsvc_call(&conn, 3, NULL, 0, &seen, sizeof(seen), &got, CALL_TIMEOUT_MS);
    if (rc != RETURNCODE_SUCCESS) {
        printf("count: %s\n", tock_strrcode(rc));
        return (int)count;
    }
    printf("notify: sent %lu, server saw %u (backend %s)\n", count - failed, (unsigned)seen,
           ipcsvc_backend_name());
    return (int)(count - seen);
}

static int reliable(unsigned long rounds, unsigned long period, unsigned long timeout)
{
    if (connect_or_say() != RETURNCODE_SUCCESS)
        return 255;
    unsigned long ok = 0, retries = 0;
    for (unsigned long i = 0; i < rounds; i++) {
        int len = snprintf((char *)req, sizeof(req), "request %lu", i);
        for (unsigned attempt = 0; attempt < 20; attempt++) {
            uint32_t got = 0;
            int rc = ipcsvc_call(&conn, 1, req, (uint32_t)len, resp, sizeof(resp), &got,
                                 (uint32_t)timeout);
            if (rc == RETURNCODE_SUCCESS && got == (uint32_t)len && memcmp(req, resp, got) == 0) {
                ok++;
                break;
            }
            retries++;
            printf("request %lu: %s; reconnecting\n", i,
                   rc == RETURNCODE_SUCCESS ? "wrong answer" : tock_strrcode(rc));
            /* Reconnect: the service may have a new identity now. */
            ipcsvc_reconnect(&conn, CONNECT_TIMEOUT_MS);
        }
        libtocksync_alarm_delay_ms((uint32_t)period);
    }
    printf("reliable: %lu/%lu requests answered, %lu retries (backend %s)\n", ok, rounds, retries,
           ipcsvc_backend_name());
    return (int)(rounds - ok);
}

static bool crash_at_end;

static int probe(unsigned long calls, unsigned long period, unsigned long timeout, unsigned long op)
{
    if (connect_or_say() != RETURNCODE_SUCCESS)
        return 255;
    unsigned long ok = 0;
    for (unsigned long i = 1; i <= calls; i++) {
        memcpy(req, "probe...", 8);
        uint32_t got = 0;
        int rc =
            ipcsvc_call(&conn, (uint32_t)op, req, 8, resp, sizeof(resp), &got, (uint32_t)timeout);
        printf("call %lu: %s\n", i, tock_strrcode(rc));
        ok += rc == RETURNCODE_SUCCESS;
        if (i == calls && crash_at_end)
            *(volatile uint32_t *)0 = 1;
        libtocksync_alarm_delay_ms((uint32_t)period);
    }
    return (int)(calls - ok);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pingpong";
    if (strcmp(mode, "pingpong") == 0) {
        if (argc > 4)
            name = argv[4];
        return pingpong(num(argc, argv, 2, 10), num(argc, argv, 3, 16));
    }
    if (strcmp(mode, "bulk") == 0) {
        if (argc > 4)
            name = argv[4];
        return bulk(num(argc, argv, 2, 4), num(argc, argv, 3, 4096));
    }
    if (strcmp(mode, "notify") == 0) {
        if (argc > 3)
            name = argv[3];
        return notify(num(argc, argv, 2, 5));
    }
    if (strcmp(mode, "reliable") == 0) {
        if (argc > 5)
            name = argv[5];
        return reliable(num(argc, argv, 2, 10), num(argc, argv, 3, 100), num(argc, argv, 4, 300));
    }
    if (strcmp(mode, "probe") == 0) {
        if (argc > 6)
            name = argv[6];
        crash_at_end = argc > 7 && strcmp(argv[7], "crash") == 0;
        return probe(num(argc, argv, 2, 4), num(argc, argv, 3, 100), num(argc, argv, 4, 300),
                     num(argc, argv, 5, 7));
    }
    printf("unknown mode %s\n", mode);
    return 255;
}
