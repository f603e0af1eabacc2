/* libtock/ipc/share.h: shared-memory IPC (driver 0xA0020, ipcsim's
 * proposal; docs/ipc-share.md).
 *
 * An owner activates a chunk: the kernel carves it from the owner's grant
 * region (memory no allow can point into) and normally maps it into the
 * owner read-write. The owner grants it to a peer, named by its ProcessId
 * (the low half of its IPC identifier, from a registry): EXCLUSIVE (the
 * peer alone, read-write; the owner loses access until the grant ends) or
 * READONLY (peers and owner read-only while shared, so nobody changes what
 * another side has checked). Where a process's MPU cannot map the chunk it
 * still gets it, and reaches it only through libtock_share_copy_in / _out,
 * which work for mapped chunks too: code that uses them runs everywhere.
 *
 * Functions return RETURNCODE_SUCCESS or the negated kernel ErrorCode.
 */
#ifndef LIBTOCK_SHARE_H
#define LIBTOCK_SHARE_H

#include <libtock/ipc/syscalls/share_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A chunk as one process sees it. */
typedef struct {
    uint32_t handle; /* its number within its owner (0..7) */
    uint32_t owner;  /* the owner's ProcessId; 0 = this process's own chunk */
    uint32_t mode;   /* LIBTOCK_SHARE_OWNER, _EXCLUSIVE or _READONLY */
    bool mapped;     /* this process's MPU covers it: ptr may be used directly */
    uint8_t *ptr;    /* its address (fault unless mapped) */
    uint32_t size;   /* bytes, after rounding for the MPU */
} libtock_share_chunk_t;

/* A chunk was granted to this process (valid during the call only). */
typedef void (*libtock_share_granted_callback)(const libtock_share_chunk_t *chunk);

/* A grant ended: `other` is the other side's ProcessId, `reason` one of
 * LIBTOCK_SHARE_END_*. */
typedef void (*libtock_share_ended_callback)(uint32_t other, uint32_t handle, uint32_t mode,
                                             uint32_t reason);

/* True if the driver is present. */
bool libtock_share_exists(void);

/* Activates a chunk of at least len bytes (flags: LIBTOCK_SHARE_EXACT,
 * LIBTOCK_SHARE_UNMAPPED) and describes it in *chunk. */
returncode_t libtock_share_activate(uint32_t len, uint32_t flags, libtock_share_chunk_t *chunk);

/* Grants the caller's chunk to process `peer` in `mode`; *peer_mapped (may
 * be NULL) tells whether the peer's MPU maps it. */
returncode_t libtock_share_grant(const libtock_share_chunk_t *chunk, uint32_t peer, uint32_t mode,
                                 bool *peer_mapped);

/* Ends the grant of the caller's chunk to `peer` (0: to every peer). */
returncode_t libtock_share_revoke(const libtock_share_chunk_t *chunk, uint32_t peer);

/* Gives back a chunk granted to the caller. */
returncode_t libtock_share_release(const libtock_share_chunk_t *chunk);

/* Describes chunk `handle` of `owner` (0: the caller's own) in *chunk,
 * with the caller's current access. */
returncode_t libtock_share_info(uint32_t handle, uint32_t owner, libtock_share_chunk_t *chunk);

/* Copies len bytes of the chunk at offset into dst (kernel copy; works
 * mapped or not). */
returncode_t libtock_share_copy_in(const libtock_share_chunk_t *chunk, uint32_t offset, void *dst,
                                   uint32_t len);

/* Copies len bytes from src into the chunk at offset (needs write access:
 * the owner of a chunk not granted, or an EXCLUSIVE peer). */
returncode_t libtock_share_copy_out(const libtock_share_chunk_t *chunk, uint32_t offset,
                                    const void *src, uint32_t len);

/* Installs the callbacks run inside yield() (NULL uninstalls). */
returncode_t libtock_share_on_granted(libtock_share_granted_callback cb);
returncode_t libtock_share_on_ended(libtock_share_ended_callback cb);

/* Fills *chunk from a granted upcall's (owner, hw, addr), asking the
 * kernel for the size. */
returncode_t libtock_share_chunk_from_upcall(uint32_t owner, uint32_t hw, uint32_t addr,
                                             libtock_share_chunk_t *chunk);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_SHARE_H */
