/* share_owner: activates a chunk of shared memory, writes a message into
 * it, finds its peer by package name (package-name registry 0xA0001) and
 * grants it the chunk; then waits for the grant to end and prints the
 * peer's reply. Uses the copy commands wherever its MPU does not map the
 * chunk, so it runs on every platform.
 *
 * usage: share_owner [exclusive|readonly [len [map|exact|unmapped [peer_package [wait|touch]]]]]
 *   touch: right after granting, write into its own chunk (which faults:
 *   an EXCLUSIVE grant takes the owner's access away, a READONLY one
 *   leaves it read-only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock-sync/ipc/share.h>
#include <libtock-sync/services/alarm.h>
#include <libtock/ipc/share.h>

#define REG_PKG 0xA0001 /* package-name registry (draft TRD) */
#define MSG_OFF 0
#define REPLY_OFF 64

static const char *reason_name(uint32_t r)
{
    switch (r) {
    case LIBTOCK_SHARE_END_REVOKED:
        return "revoked";
    case LIBTOCK_SHARE_END_RELEASED:
        return "released";
    case LIBTOCK_SHARE_END_GONE:
        return "gone";
    default:
        return "?";
    }
}

/* The ProcessId of the process registered under package name pkg, asking
 * every 10 ms for up to a second (it may not have registered yet). */
static int find_peer(const char *pkg, uint32_t *pid)
{
    /* argv lives outside the simulated memory, where no allow may point */
    static char name[64];
    snprintf(name, sizeof(name), "%s", pkg);
    for (int tries = 0; tries < 100; tries++) {
        allow_ro_return_t a = allow_readonly(REG_PKG, 0, name, strlen(name));
        if (!a.success)
            return tock_status_to_returncode(a.status);
        int rc = tock_command_return_novalue_to_returncode(command(REG_PKG, 2, 0, 0));
        if (rc != RETURNCODE_SUCCESS)
            return rc;
        yield_waitfor_return_t r = yield_wait_for(REG_PKG, 1); /* (status, id low, id high) */
        if (r.data0 == 0) {
            *pid = r.data1;
            return RETURNCODE_SUCCESS;
        }
        libtocksync_alarm_delay_ms(10);
    }
    return RETURNCODE_ENODEVICE;
}

int main(int argc, char **argv)
{
    uint32_t mode = argc > 1 && strcmp(argv[1], "readonly") == 0 ? LIBTOCK_SHARE_READONLY
                                                                 : LIBTOCK_SHARE_EXCLUSIVE;
    uint32_t len = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 4096;
    uint32_t flags = 0;
    if (argc > 3 && strcmp(argv[3], "exact") == 0)
        flags = LIBTOCK_SHARE_EXACT;
    else if (argc > 3 && strcmp(argv[3], "unmapped") == 0)
        flags = LIBTOCK_SHARE_UNMAPPED;
    const char *peer_pkg = argc > 4 ? argv[4] : "share_peer";
    bool touch = argc > 5 && strcmp(argv[5], "touch") == 0;

    libtock_share_chunk_t c;
    int rc = libtock_share_activate(len, flags, &c);
    if (rc != RETURNCODE_SUCCESS) {
        printf("owner: activate failed: %s\n", tock_strrcode(rc));
        return 1;
    }
    printf("owner: chunk of %u bytes at 0x%08x, %s\n", (unsigned)c.size, (unsigned)(uintptr_t)c.ptr,
           c.mapped ? "mapped" : "reached by copies");
    static const char msg[] = "hello through shared memory";
    if (c.mapped)
        memcpy(c.ptr + MSG_OFF, msg, sizeof(msg));
    else
        rc = libtock_share_copy_out(&c, MSG_OFF, msg, sizeof(msg));
    if (rc != RETURNCODE_SUCCESS) {
        printf("owner: writing the message failed: %s\n", tock_strrcode(rc));
        return 1;
    }

    uint32_t peer = 0;
    rc = find_peer(peer_pkg, &peer);
    if (rc != RETURNCODE_SUCCESS) {
        printf("owner: no peer %s: %s\n", peer_pkg, tock_strrcode(rc));
        return 1;
    }
    bool peer_mapped = false;
    rc = libtock_share_grant(&c, peer, mode, &peer_mapped);
    if (rc != RETURNCODE_SUCCESS) {
        printf("owner: grant failed: %s\n", tock_strrcode(rc));
        return 1;
    }
    printf("owner: granted %s to %s, which %s\n",
           mode == LIBTOCK_SHARE_EXCLUSIVE ? "exclusive" : "read-only", peer_pkg,
           peer_mapped ? "maps it" : "reaches it by copies");

    if (touch) {
        printf("owner: writing into its own chunk while it is granted\n");
        ((volatile uint8_t *)c.ptr)[0] = 'X';
        printf("owner: the write went through\n");
    }

    uint32_t other = 0, handle = 0, reason = 0;
    libtocksync_share_wait_for_end(&other, &handle, &reason);
    printf("owner: grant ended (%s)\n", reason_name(reason));
    if (mode == LIBTOCK_SHARE_EXCLUSIVE && reason == LIBTOCK_SHARE_END_RELEASED) {
        char reply[32] = {0};
        libtock_share_info(c.handle, 0, &c); /* mapped again? */
        if (c.mapped)
            memcpy(reply, c.ptr + REPLY_OFF, sizeof(reply) - 1);
        else
            libtock_share_copy_in(&c, REPLY_OFF, reply, sizeof(reply) - 1);
        printf("owner: reply: %s\n", reply);
    }
    return 0;
}
