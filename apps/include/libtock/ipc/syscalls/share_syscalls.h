/* libtock/ipc/syscalls/share_syscalls.h: one-syscall wrappers for the
 * shared-memory IPC driver (0xA0020, ipcsim's proposal; see
 * docs/ipc-share.md for the protocol).
 *
 * A handle word (hw) packs: bits 0-7 the chunk's handle, bits 8-15 the
 * mode (LIBTOCK_SHARE_OWNER, _EXCLUSIVE, _READONLY), bit 16 "copied" (this
 * process has no MPU region over the chunk and reaches it with the copy
 * commands), and, in the owner's info, bits 24-31 the number of grants.
 */
#ifndef LIBTOCK_SHARE_SYSCALLS_H
#define LIBTOCK_SHARE_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_SHARE 0xA0020

/* Modes of a grant (and the owner's own view). */
#define LIBTOCK_SHARE_OWNER 0u
#define LIBTOCK_SHARE_EXCLUSIVE 1u /* the peer alone, read-write; the owner loses access */
#define LIBTOCK_SHARE_READONLY 2u  /* peers and owner read-only while shared */

/* Flags of activate. */
#define LIBTOCK_SHARE_EXACT 1u    /* no rounding for the MPU: may leave the chunk copy-only */
#define LIBTOCK_SHARE_UNMAPPED 2u /* the owner spends no MPU region on it */

/* Why a grant ended (the ended upcall's third value). */
#define LIBTOCK_SHARE_END_REVOKED 0u  /* the owner revoked it */
#define LIBTOCK_SHARE_END_RELEASED 1u /* the peer released it */
#define LIBTOCK_SHARE_END_GONE 2u     /* the other side faulted, exited or restarted */

#define LIBTOCK_SHARE_HW_HANDLE(hw) ((hw)&0xffu)
#define LIBTOCK_SHARE_HW_MODE(hw) (((hw) >> 8) & 0xffu)
#define LIBTOCK_SHARE_HW_COPIED(hw) ((((hw) >> 16) & 1u) != 0)
#define LIBTOCK_SHARE_HW_GRANTS(hw) (((hw) >> 24) & 0xffu)

/* True if the driver is present (the board has "share"). */
bool libtock_share_driver_exists(void);

/* Subscribe 0: a chunk was granted to this process; the upcall gets
 * (owner ProcessId, hw, address). */
returncode_t libtock_share_set_upcall_granted(subscribe_upcall callback, void *opaque);

/* Subscribe 1: a grant ended; the upcall gets (the other side's
 * ProcessId, hw, reason). */
returncode_t libtock_share_set_upcall_ended(subscribe_upcall callback, void *opaque);

/* Read-write allow 0: where copy_in puts bytes. */
returncode_t libtock_share_set_readwrite_allow_copy_in(void *buf, uint32_t len);

/* Read-only allow 0: what copy_out takes bytes from. */
returncode_t libtock_share_set_readonly_allow_copy_out(const void *buf, uint32_t len);

/* Command 1: carves a chunk of at least len bytes from this process's
 * grant region; *hw, *addr, *size receive the result. */
returncode_t libtock_share_command_activate(uint32_t len, uint32_t flags, uint32_t *hw,
                                            uint32_t *addr, uint32_t *size);

/* Command 2: grants chunk `handle` to the process whose ProcessId is
 * `peer`; *hw receives the peer's handle word (copied bit included). */
returncode_t libtock_share_command_grant(uint32_t handle, uint32_t mode, uint32_t peer,
                                         uint32_t *hw);

/* Command 3: revokes chunk `handle` from `peer` (0: from every peer);
 * *ended receives the number of grants that ended. */
returncode_t libtock_share_command_revoke(uint32_t handle, uint32_t peer, uint32_t *ended);

/* Command 4: gives back chunk `handle` of the process `owner`. */
returncode_t libtock_share_command_release(uint32_t handle, uint32_t owner);

/* Command 5: describes chunk `handle` of `owner` (0: this process's own). */
returncode_t libtock_share_command_info(uint32_t handle, uint32_t owner, uint32_t *hw,
                                        uint32_t *addr, uint32_t *size);

/* Command 6: copies the chunk's bytes at `offset` into read-write allow 0
 * (its whole length); *copied receives the count. */
returncode_t libtock_share_command_copy_in(uint32_t handle, uint32_t offset, uint32_t owner,
                                           uint32_t *copied);

/* Command 7: copies read-only allow 0 into the chunk at `offset`. */
returncode_t libtock_share_command_copy_out(uint32_t handle, uint32_t offset, uint32_t owner,
                                            uint32_t *copied);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_SHARE_SYSCALLS_H */
