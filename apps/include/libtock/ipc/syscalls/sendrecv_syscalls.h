/* libtock/ipc/syscalls/sendrecv_syscalls.h: one-syscall wrappers for the
 * Hubris-style send / receive / reply driver (0xA0030).
 *
 * A task id is index | generation << 10 (16 bits); 0xFFFF is the kernel.
 * A command that names a task that died or restarted fails with
 * RETURNCODE_ENODEVICE and, where a dead_code pointer is taken, stores the
 * dead code 0xFFFFFF00 | the task's generation now. See docs/ipc-sendrecv.md
 * for the whole ABI.
 */
#ifndef LIBTOCK_SENDRECV_SYSCALLS_H
#define LIBTOCK_SENDRECV_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_SENDRECV 0xA0030

#define LIBTOCK_SENDRECV_KERNEL_ID 0xFFFFu     /* the sender of notifications */
#define LIBTOCK_SENDRECV_DEAD_BASE 0xFFFFFF00u /* dead code = this | generation */
#define LIBTOCK_SENDRECV_MSG_MAX 256u          /* largest message */
#define LIBTOCK_SENDRECV_MAX_LEASES 4u         /* leases per send */

/* Lease attributes (sys/abi LeaseAttributes). */
#define LIBTOCK_SENDRECV_LEASE_READ 1u
#define LIBTOCK_SENDRECV_LEASE_WRITE 2u

/* The kind in the third value of the reply upcall (low 8 bits; the reply's
 * full length is in the upper 24). */
enum libtock_sendrecv_reply_kind {
    LIBTOCK_SENDRECV_REPLY_OK = 0,
    LIBTOCK_SENDRECV_REPLY_TRUNCATED = 1,
    LIBTOCK_SENDRECV_REPLY_DEAD = 2,
};

/* Reply-fault reasons (sys/abi ReplyFaultReason). */
enum libtock_sendrecv_fault_reason {
    LIBTOCK_SENDRECV_UNDEFINED_OPERATION = 0,
    LIBTOCK_SENDRECV_BAD_MESSAGE_SIZE = 1,
    LIBTOCK_SENDRECV_BAD_MESSAGE_CONTENTS = 2,
    LIBTOCK_SENDRECV_BAD_LEASES = 3,
    LIBTOCK_SENDRECV_REPLY_BUFFER_TOO_SMALL = 4,
    LIBTOCK_SENDRECV_ACCESS_VIOLATION = 5,
};

/* Restriction kinds (command 11). */
enum libtock_sendrecv_restrict_kind {
    LIBTOCK_SENDRECV_ANYONE = 0,
    LIBTOCK_SENDRECV_BY_SHORT_ID = 1,
    LIBTOCK_SENDRECV_BY_PACKAGE = 2,
};

/* The operation word of a send: operation, number of leases, and 2
 * attribute bits per lease. */
#define LIBTOCK_SENDRECV_OPWORD(op, nleases, attrs)                                                \
    ((uint32_t)(uint16_t)(op) | (uint32_t)(nleases) << 16 | (uint32_t)(attrs) << 20)

bool libtock_sendrecv_driver_exists(void);

/* Subscribe 0: the client's reply upcall (code, bytes, kind | length << 8). */
returncode_t libtock_sendrecv_set_upcall_reply(subscribe_upcall callback, void *opaque);
/* Subscribe 1: the server's receive upcall (sender, copied | sent << 16,
 * operation word), (0xFFFF, 0, bits) or (dead code, 0, 0). */
returncode_t libtock_sendrecv_set_upcall_receive(subscribe_upcall callback, void *opaque);

/* Read-only allow 0: the message, the reply, or a package name. */
returncode_t libtock_sendrecv_set_readonly_allow(const void *buf, uint32_t len);
/* Read-write allow 0: the reply buffer (client) or receive buffer (server). */
returncode_t libtock_sendrecv_set_readwrite_allow(void *buf, uint32_t len);
/* Lease `lease` (0..3): read-only allow / read-write allow lease + 1. */
returncode_t libtock_sendrecv_set_readonly_allow_lease(unsigned lease, const void *buf,
                                                       uint32_t len);
returncode_t libtock_sendrecv_set_readwrite_allow_lease(unsigned lease, void *buf, uint32_t len);
/* Server bounce buffers: read-write allow 1 (borrow read lands there),
 * read-only allow 1 (borrow write takes from there). */
returncode_t libtock_sendrecv_set_readwrite_allow_bounce(void *buf, uint32_t len);
returncode_t libtock_sendrecv_set_readonly_allow_bounce(const void *buf, uint32_t len);

/* The commands; dead_code may be NULL. */
returncode_t libtock_sendrecv_command_lookup(uint32_t *task);
returncode_t libtock_sendrecv_command_send(uint32_t task, uint32_t opword, uint32_t *dead_code);
returncode_t libtock_sendrecv_command_receive(uint32_t mask);
returncode_t libtock_sendrecv_command_receive_from(uint32_t task, uint32_t mask,
                                                   uint32_t *dead_code);
returncode_t libtock_sendrecv_command_reply(uint32_t task, uint32_t code);
returncode_t libtock_sendrecv_command_reply_fault(uint32_t task, uint32_t reason);
returncode_t libtock_sendrecv_command_borrow_read(uint32_t task, unsigned lease, uint32_t offset,
                                                  uint32_t *copied, uint32_t *dead_code);
returncode_t libtock_sendrecv_command_borrow_write(uint32_t task, unsigned lease, uint32_t offset,
                                                   uint32_t *copied, uint32_t *dead_code);
returncode_t libtock_sendrecv_command_borrow_info(uint32_t task, unsigned lease, uint32_t *attrs,
                                                  uint32_t *len, uint32_t *dead_code);
returncode_t libtock_sendrecv_command_post(uint32_t task, uint32_t bits, uint32_t *dead_code);
returncode_t libtock_sendrecv_command_restrict(uint32_t kind, uint32_t short_id);
returncode_t libtock_sendrecv_command_client_info(uint32_t task, uint32_t *short_id,
                                                  uint32_t *process_id, uint32_t *reply_cap,
                                                  uint32_t *dead_code);
returncode_t libtock_sendrecv_command_abandon(void);
returncode_t libtock_sendrecv_command_self(uint32_t *task);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_SENDRECV_SYSCALLS_H */
