/* libtock/ipc/sendrecv.h: Hubris-style synchronous IPC over Tock's driver
 * 0xA0030, asynchronous form: a client sends a message with up to four
 * leases (memory the server reaches only through kernel copies) and gets a
 * callback with the reply; a server receives messages and notifications,
 * borrows from leases, and replies (or faults a misbehaving client).
 *
 * Peers are task ids (index | generation << 10). A peer that died or
 * restarted makes calls naming it fail with RETURNCODE_ENODEVICE and a
 * dead code (0xFFFFFF00 | its new generation); look the peer up again.
 * The whole ABI is in docs/ipc-sendrecv.md.
 */
#ifndef LIBTOCK_SENDRECV_H
#define LIBTOCK_SENDRECV_H

#include <libtock/ipc/syscalls/sendrecv_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A lease: [base, base + len) lent for one send. attrs READ alone lends it
 * read-only (it may be const data, in flash); with WRITE it is lent
 * through a read-write allow. */
typedef struct {
    void *base;
    uint32_t len;
    uint8_t attrs; /* LIBTOCK_SENDRECV_LEASE_READ / _WRITE */
} libtock_sendrecv_lease_t;

/* What a receive delivered. */
typedef struct {
    uint32_t sender;   /* task id; LIBTOCK_SENDRECV_KERNEL_ID for notifications */
    bool notification; /* bits holds the firing notification bits */
    bool peer_died;    /* closed receive: the awaited task died (dead_code) */
    uint32_t dead_code;
    uint32_t bits;      /* notification bits */
    uint16_t operation; /* message: the client's operation */
    uint32_t len;       /* message bytes copied into the receive buffer */
    uint32_t sent;      /* message bytes the client sent (> len: cut) */
    unsigned nleases;   /* leases lent with the message */
    uint8_t attrs[LIBTOCK_SENDRECV_MAX_LEASES];
} libtock_sendrecv_msg_t;

/* Reply callback: RETURNCODE_SUCCESS with the server's response code and
 * the reply length; RETURNCODE_ESIZE when the reply was cut to the buffer
 * (len bytes kept); RETURNCODE_ENODEVICE when the server died or
 * restarted (code = the dead code). */
typedef void (*libtock_sendrecv_reply_callback)(returncode_t ret, uint32_t code, uint32_t len);

/* Receive callback. */
typedef void (*libtock_sendrecv_receive_callback)(const libtock_sendrecv_msg_t *msg);

/* True if the kernel has the send / receive / reply driver. */
bool libtock_sendrecv_exists(void);

/* True if code is a dead code. */
bool libtock_sendrecv_is_dead_code(uint32_t code);

/* Decodes the three values of a reply upcall (code, len, info) into the
 * returncode of libtock_sendrecv_reply_callback. */
returncode_t libtock_sendrecv_reply_status(uint32_t info);

/* Decodes the three values of a receive upcall into *msg. */
void libtock_sendrecv_decode(uint32_t a0, uint32_t a1, uint32_t a2, libtock_sendrecv_msg_t *msg);

/* The task id of the live process with package name `name`, or
 * RETURNCODE_ENODEVICE. */
returncode_t libtock_sendrecv_lookup(const char *name, uint32_t *task);
/* This process's own task id. */
returncode_t libtock_sendrecv_self(uint32_t *task);

/* Sends msg (len <= 256) as operation op to task with nleases leases and a
 * reply buffer of reply_cap bytes; cb runs inside yield() when the reply
 * (or the dead code) comes. msg, reply and the leases stay allowed until
 * then. On RETURNCODE_ENODEVICE *dead_code (if not NULL) has the dead
 * code. */
returncode_t libtock_sendrecv_send(uint32_t task, uint16_t op, const void *msg, uint32_t len,
                                   void *reply, uint32_t reply_cap,
                                   const libtock_sendrecv_lease_t *leases, unsigned nleases,
                                   libtock_sendrecv_reply_callback cb, uint32_t *dead_code);
/* Gives up the pending send: the reply, if it comes, is ignored by the
 * kernel and the leases are revoked. */
returncode_t libtock_sendrecv_abandon(void);

/* Starts an open receive into buf (cap bytes) with notification mask; cb
 * runs inside yield(). */
returncode_t libtock_sendrecv_receive(void *buf, uint32_t cap, uint32_t mask,
                                      libtock_sendrecv_receive_callback cb);
/* A closed receive: only from task (or LIBTOCK_SENDRECV_KERNEL_ID:
 * notifications only). */
returncode_t libtock_sendrecv_receive_from(uint32_t task, void *buf, uint32_t cap, uint32_t mask,
                                           libtock_sendrecv_receive_callback cb,
                                           uint32_t *dead_code);

/* Replies to client task with code and len bytes of data. Never fails for
 * a client that died or gave up (the reply is dropped). */
returncode_t libtock_sendrecv_reply(uint32_t task, uint32_t code, const void *data, uint32_t len);
/* Faults client task with reason (enum libtock_sendrecv_fault_reason). */
returncode_t libtock_sendrecv_reply_fault(uint32_t task, uint32_t reason);

/* Copies up to len bytes of the client's lease from offset into dst;
 * *copied gets the count. */
returncode_t libtock_sendrecv_borrow_read(uint32_t task, unsigned lease, uint32_t offset, void *dst,
                                          uint32_t len, uint32_t *copied, uint32_t *dead_code);
/* Copies up to len bytes from src into the client's lease at offset. */
returncode_t libtock_sendrecv_borrow_write(uint32_t task, unsigned lease, uint32_t offset,
                                           const void *src, uint32_t len, uint32_t *copied,
                                           uint32_t *dead_code);
/* A lease's attributes and length. */
returncode_t libtock_sendrecv_borrow_info(uint32_t task, unsigned lease, uint32_t *attrs,
                                          uint32_t *len, uint32_t *dead_code);

/* ORs bits into task's notification word. */
returncode_t libtock_sendrecv_post(uint32_t task, uint32_t bits, uint32_t *dead_code);

/* Accepts sends and posts only from processes with ShortId short_id (0:
 * from anyone again), or only from package `name`. */
returncode_t libtock_sendrecv_restrict_short_id(uint32_t short_id);
returncode_t libtock_sendrecv_restrict_package(const char *name);

/* A task's ShortId and ProcessId, and its reply buffer's capacity when it
 * waits for this process's reply (else 0). */
returncode_t libtock_sendrecv_client_info(uint32_t task, uint32_t *short_id, uint32_t *process_id,
                                          uint32_t *reply_cap);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_SENDRECV_H */
