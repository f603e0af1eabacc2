/* svc_server: the workloads' service, over the ipcsvc API (ipcsvc.h), on
 * whichever IPC mechanism the kernel offers.
 *
 * Operations:
 *   1 echo      answers with the request's bytes
 *   2 bulk      reads attached READ buffer 0 and answers with its checksum
 *               (u32, sum of bytes); fills attached WRITE buffer 1, if
 *               any, with bytes (i * 7 + seed) & 0xff, seed = the
 *               request's first byte
 *   3 count     answers with the number of notifications seen (u32)
 *   other       answers with nothing
 * Notifications (any op) are counted.
 *
 * Usage: svc_server [name [crash_after [reply_delay_ms [log [short_id]]]]]
 *   name            the service name (default "org.ipcsim.echo"); on the
 *                   legacy and sendrecv mechanisms it must be the app's
 *                   package_name
 *   crash_after     fault on purpose (a write through a null pointer)
 *                   while handling request number N (0, the default: never)
 *   reply_delay_ms  wait this long before answering each request (0)
 *   flags           comma-separated: "log" prints each request's
 *                   operation, length and the outcome of its reply;
 *                   "direct" makes op 2 use the buffers through
 *                   ipcsvc_buf_ptr where the backend maps them (share:
 *                   zero-copy, trusting the client not to revoke
 *                   mid-call), and ipcsvc_buf_read/write elsewhere;
 *                   "quiet" skips the "serving" banner, whose console
 *                   write would hold up the first requests; "-" for none
 *   short_id        serve only clients with this ShortId (0, the
 *                   default: everybody; ipcsvc_restrict)
 */
#include <ipcsvc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/services/alarm.h>
#include <libtock/tock.h>

static unsigned long crash_after, requests, notifications, reply_delay_ms;
static bool log_requests, direct;
static uint8_t chunk[512];

static int handle(ipcsvc_server_t *s, ipcsvc_req_t *r, void *ctx)
{
    (void)ctx;
    if (r->notify) {
        notifications++;
        return 0;
    }
    if (++requests == crash_after) {
        printf("crashing on request %lu\n", requests);
        *(volatile uint32_t *)0 = 1;
    }
    if (reply_delay_ms)
        libtocksync_alarm_delay_ms((uint32_t)reply_delay_ms);
    uint32_t v = 0;
    int rc;
    switch (r->op) {
    case 1:
    case 7: /* echo, as the probe clients use it */
        rc = ipcsvc_reply(s, r, r->data, r->len);
        break;
    case 2:
        if (direct && r->nbufs > 0 && ipcsvc_buf_ptr(r, 0) != NULL &&
            (r->bufs[0].mode & IPCSVC_BUF_READ)) {
            const uint8_t *in = ipcsvc_buf_ptr(r, 0);
            for (uint32_t i = 0; i < r->bufs[0].len; i++)
                v += in[i];
        } else if (r->nbufs > 0 && (r->bufs[0].mode & IPCSVC_BUF_READ)) {
            for (uint32_t off = 0; off < r->bufs[0].len; off += sizeof(chunk)) {
                uint32_t n = r->bufs[0].len - off;
                n = n < sizeof(chunk) ? n : (uint32_t)sizeof(chunk);
                if (ipcsvc_buf_read(s, r, 0, off, chunk, n) != RETURNCODE_SUCCESS)
                    break;
                for (uint32_t i = 0; i < n; i++)
                    v += chunk[i];
            }
        }
        uint8_t seed = r->len ? r->data[0] : 0;
        if (direct && r->nbufs > 1 && ipcsvc_buf_ptr(r, 1) != NULL &&
            (r->bufs[1].mode & IPCSVC_BUF_WRITE)) {
            uint8_t *out = ipcsvc_buf_ptr(r, 1);
            for (uint32_t i = 0; i < r->bufs[1].len; i++)
                out[i] = (uint8_t)((i * 7u + seed) & 0xffu);
        } else if (r->nbufs > 1 && (r->bufs[1].mode & IPCSVC_BUF_WRITE)) {
            for (uint32_t off = 0; off < r->bufs[1].len; off += sizeof(chunk)) {
                uint32_t n = r->bufs[1].len - off;
                n = n < sizeof(chunk) ? n : (uint32_t)sizeof(chunk);
                for (uint32_t i = 0; i < n; i++)
                    chunk[i] = (uint8_t)(((off + i) * 7u + seed) & 0xffu);
                if (ipcsvc_buf_write(s, r, 1, off, chunk, n) != RETURNCODE_SUCCESS)
                    break;
            }
        }
        rc = ipcsvc_reply(s, r, &v, sizeof(v));
        break;
    case 3:
        v = (uint32_t)notifications;
        rc = ipcsvc_reply(s, r, &v, sizeof(v));
        break;
    default:
        rc = ipcsvc_reply(s, r, NULL, 0);
        break;
    }
    if (log_requests)
        printf("request op=%u len=%u: reply %s\n", (unsigned)r->op, (unsigned)r->len,
               tock_strrcode(rc));
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "org.ipcsim.echo";
    crash_after = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    reply_delay_ms = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    const char *flags = argc > 4 ? argv[4] : "";
    log_requests = strstr(flags, "log") != NULL;
    direct = strstr(flags, "direct") != NULL;
    bool quiet = strstr(flags, "quiet") != NULL;
    static ipcsvc_server_t srv;
    int rc = ipcsvc_register(&srv, name);
    if (rc != RETURNCODE_SUCCESS) {
        printf("cannot register %s: %s\n", name, tock_strrcode(rc));
        return 1;
    }
    unsigned long only = argc > 5 ? strtoul(argv[5], NULL, 10) : 0;
    if (only != 0) {
        rc = ipcsvc_restrict(&srv, (uint32_t)only);
        printf("restricted to ShortId %lu: %s\n", only, tock_strrcode(rc));
    }
    if (!quiet)
        printf("serving %s over %s\n", name, ipcsvc_backend_name());
    return ipcsvc_serve(&srv, handle, NULL);
}
