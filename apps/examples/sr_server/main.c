/* sr_server: a Hubris-style server over the send / receive / reply driver
 * (libtock/ipc/sendrecv.h), used directly.
 *
 * Operations:
 *   1 UPPER  leases: 0 READ (text), 1 WRITE (as long); the server borrows
 *            the text 16 bytes at a time, upper-cases it into lease 1 and
 *            replies "upper N". Wrong leases: reply-fault BadLeases.
 *   2 ECHO   replies with the message.
 *   other    reply-fault UndefinedOperation.
 * Notification bit 0 is received too and reported.
 *
 * Usage: sr_server [short_id]
 *   short_id  accept sends and posts only from processes with this
 *             ShortId (0, the default: from anyone)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/ipc/sendrecv.h>
#include <libtock/ipc/sendrecv.h>
#include <libtock/tock.h>

enum { OP_UPPER = 1, OP_ECHO = 2 };

static uint8_t rx[LIBTOCK_SENDRECV_MSG_MAX];

/* Upper-cases lease 0 into lease 1; returns the bytes done or -1 (the
 * client was reply-faulted). */
static long upper(const libtock_sendrecv_msg_t *m)
{
    uint32_t a0 = 0, n0 = 0, a1 = 0, n1 = 0;
    if (m->nleases != 2 ||
        libtock_sendrecv_borrow_info(m->sender, 0, &a0, &n0, NULL) != RETURNCODE_SUCCESS ||
        libtock_sendrecv_borrow_info(m->sender, 1, &a1, &n1, NULL) != RETURNCODE_SUCCESS ||
        !(a0 & LIBTOCK_SENDRECV_LEASE_READ) || !(a1 & LIBTOCK_SENDRECV_LEASE_WRITE) || n1 < n0) {
        printf("task 0x%04x sent UPPER without the right leases: reply fault\n",
               (unsigned)m->sender);
        libtock_sendrecv_reply_fault(m->sender, LIBTOCK_SENDRECV_BAD_LEASES);
        return -1;
    }
    uint8_t chunk[16];
    for (uint32_t off = 0; off < n0; off += sizeof(chunk)) {
        uint32_t got = 0, put = 0;
        int rc = libtock_sendrecv_borrow_read(m->sender, 0, off, chunk, sizeof(chunk), &got, NULL);
        if (rc != RETURNCODE_SUCCESS)
            return rc; /* the client died meanwhile */
        for (uint32_t i = 0; i < got; i++)
            if (chunk[i] >= 'a' && chunk[i] <= 'z')
                chunk[i] = (uint8_t)(chunk[i] - 'a' + 'A');
        rc = libtock_sendrecv_borrow_write(m->sender, 1, off, chunk, got, &put, NULL);
        if (rc != RETURNCODE_SUCCESS)
            return rc;
    }
    return (long)n0;
}

int main(int argc, char **argv)
{
    uint32_t short_id = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 0;
    uint32_t self = 0;
    if (libtock_sendrecv_self(&self) != RETURNCODE_SUCCESS) {
        printf("no send/receive driver\n");
        return 255;
    }
    if (short_id != 0 && libtock_sendrecv_restrict_short_id(short_id) != RETURNCODE_SUCCESS)
        printf("cannot restrict to ShortId %u\n", (unsigned)short_id);
    printf("serving as task 0x%04x%s\n", (unsigned)self, short_id ? " (restricted)" : "");
    for (;;) {
        libtock_sendrecv_msg_t m;
        if (libtocksync_sendrecv_receive(rx, sizeof(rx), 0x1, &m) != RETURNCODE_SUCCESS)
            continue;
        if (m.notification) {
            printf("notification 0x%x\n", (unsigned)m.bits);
            continue;
        }
        uint32_t sid = 0, pid = 0, cap = 0;
        libtock_sendrecv_client_info(m.sender, &sid, &pid, &cap);
        printf("request op %u from task 0x%04x (ShortId %u), %u bytes, %u leases\n",
               (unsigned)m.operation, (unsigned)m.sender, (unsigned)sid, (unsigned)m.len,
               m.nleases);
        char answer[32];
        switch (m.operation) {
        case OP_UPPER: {
            long n = upper(&m);
            if (n < 0)
                break;
            int len = snprintf(answer, sizeof(answer), "upper %ld", n);
            libtock_sendrecv_reply(m.sender, 0, answer, (uint32_t)len);
            break;
        }
        case OP_ECHO:
            libtock_sendrecv_reply(m.sender, 0, rx, m.len);
            break;
        default:
            printf("unknown operation %u: reply fault\n", (unsigned)m.operation);
            libtock_sendrecv_reply_fault(m.sender, LIBTOCK_SENDRECV_UNDEFINED_OPERATION);
            break;
        }
    }
}
