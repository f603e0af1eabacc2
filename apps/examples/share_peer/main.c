/* share_peer: registers its package name (package-name registry 0xA0001),
 * waits for a chunk to be granted, reads the owner's message through its
 * MPU mapping (or by a kernel copy where its MPU cannot map the chunk),
 * writes a reply into an EXCLUSIVE chunk and releases it.
 *
 * usage: share_peer [rw|overrun|write|hold]
 *   overrun: write one byte past the chunk (faults);
 *   write:   write into the chunk whatever the mode (faults if READONLY);
 *   hold:    keep the chunk until the grant ends. */
#include <stdio.h>
#include <string.h>

#include <libtock-sync/ipc/share.h>
#include <libtock/ipc/share.h>

#define REG_PKG 0xA0001 /* package-name registry (draft TRD) */
#define REPLY_OFF 64

int main(int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : "rw";
    if (command(REG_PKG, 1, 0, 0).type != TOCK_SYSCALL_SUCCESS) {
        printf("peer: cannot register\n");
        return 1;
    }
    yield_wait_for(REG_PKG, 0); /* registration done */

    libtock_share_chunk_t c;
    int rc = libtocksync_share_wait_for_grant(&c);
    if (rc != RETURNCODE_SUCCESS) {
        printf("peer: bad grant: %s\n", tock_strrcode(rc));
        return 1;
    }
    printf("peer: granted chunk %u of process %u: %s, %u bytes, %s\n", (unsigned)c.handle,
           (unsigned)c.owner, c.mode == LIBTOCK_SHARE_EXCLUSIVE ? "exclusive" : "read-only",
           (unsigned)c.size, c.mapped ? "mapped" : "via copies");
    char msg[32] = {0};
    if (c.mapped)
        memcpy(msg, c.ptr, sizeof(msg) - 1);
    else
        libtock_share_copy_in(&c, 0, msg, sizeof(msg) - 1);
    printf("peer: read (%s): %s\n", c.mapped ? "mapped" : "copied", msg);

    if (strcmp(action, "overrun") == 0) {
        printf("peer: writing one byte past the chunk\n");
        ((volatile uint8_t *)c.ptr)[c.size] = 1;
        printf("peer: the write went through\n");
        return 2;
    }
    if (strcmp(action, "write") == 0) {
        printf("peer: writing into the chunk\n");
        ((volatile uint8_t *)c.ptr)[0] = 'X';
        printf("peer: the write went through\n");
        return 2;
    }
    if (strcmp(action, "hold") == 0) {
        uint32_t other = 0, handle = 0, reason = 0;
        libtocksync_share_wait_for_end(&other, &handle, &reason);
        printf("peer: grant ended (%s)\n", reason == LIBTOCK_SHARE_END_GONE      ? "gone"
                                           : reason == LIBTOCK_SHARE_END_REVOKED ? "revoked"
                                                                                 : "released");
        return 0;
    }
    if (c.mode == LIBTOCK_SHARE_EXCLUSIVE) {
        static const char reply[] = "pong from the peer";
        if (c.mapped)
            memcpy(c.ptr + REPLY_OFF, reply, sizeof(reply));
        else
            libtock_share_copy_out(&c, REPLY_OFF, reply, sizeof(reply));
        printf("peer: wrote the reply\n");
    }
    rc = libtock_share_release(&c);
    printf("peer: released: %s\n", tock_strrcode(rc));
    return 0;
}
