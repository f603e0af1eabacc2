/* libtock-sync/ipc/sendrecv.h: Hubris-style send / receive / reply, the
 * blocking form: a send waits for its reply as a Hubris SEND does, a
 * receive waits for a message or notification as RECV does (both with
 * yield-wait-for, so no other callback runs meanwhile). Replies, borrows
 * and posts never wait; use libtock/ipc/sendrecv.h for them. */
#ifndef LIBTOCKSYNC_SENDRECV_H
#define LIBTOCKSYNC_SENDRECV_H

#include <libtock/ipc/sendrecv.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True if the kernel has the send / receive / reply driver. */
bool libtocksync_sendrecv_exists(void);

/* Sends msg as operation op to task with the leases and waits for the
 * reply in reply (reply_cap bytes). RETURNCODE_SUCCESS: *code is the
 * server's response code, *reply_len the reply's length; RETURNCODE_ESIZE:
 * the reply was cut to reply_cap; RETURNCODE_ENODEVICE: the server is dead
 * or restarted, *code is the dead code (look it up again). Every buffer is
 * unshared again before it returns. */
returncode_t libtocksync_sendrecv_send(uint32_t task, uint16_t op, const void *msg, uint32_t len,
                                       void *reply, uint32_t reply_cap,
                                       const libtock_sendrecv_lease_t *leases, unsigned nleases,
                                       uint32_t *code, uint32_t *reply_len);

/* Waits for a message (into buf, cap bytes) or a notification in mask;
 * fills *msg. */
returncode_t libtocksync_sendrecv_receive(void *buf, uint32_t cap, uint32_t mask,
                                          libtock_sendrecv_msg_t *msg);

/* Waits for a message from task only (or notifications, for
 * LIBTOCK_SENDRECV_KERNEL_ID). RETURNCODE_ENODEVICE if task is stale
 * (*msg has the dead code) or died while awaited (msg->peer_died). */
returncode_t libtocksync_sendrecv_receive_from(uint32_t task, void *buf, uint32_t cap,
                                               uint32_t mask, libtock_sendrecv_msg_t *msg);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_SENDRECV_H */
