/* libtock-sync/ipc/share.h: waiting for shared-memory IPC events (driver
 * 0xA0020) with yield-wait-for. Everything else of the driver is
 * synchronous already: see libtock/ipc/share.h. */
#ifndef LIBTOCKSYNC_SHARE_H
#define LIBTOCKSYNC_SHARE_H

#include <libtock/ipc/share.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if the driver is present. */
bool libtocksync_share_exists(void);

/* Waits until a chunk is granted to this process and describes it. */
returncode_t libtocksync_share_wait_for_grant(libtock_share_chunk_t *chunk);

/* Waits until one of this process's grants ends (as owner or peer):
 * *other gets the other side's ProcessId, *handle the chunk's handle,
 * *reason one of LIBTOCK_SHARE_END_*. Any pointer may be NULL. */
returncode_t libtocksync_share_wait_for_end(uint32_t *other, uint32_t *handle, uint32_t *reason);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_SHARE_H */
