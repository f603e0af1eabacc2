/* libtock-sync/ipc/relay_message.h: waiting for a mailbox message. Sending
 * needs no blocking flavour: the kernel appends the message at once
 * (libtock_ipc_relay_message_send). */
#ifndef LIBTOCKSYNC_IPC_RELAY_MESSAGE_H
#define LIBTOCKSYNC_IPC_RELAY_MESSAGE_H

#include <libtock/ipc/relay_message.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Waits (yield-wait-for: no other upcall runs) until a message is
 * appended to the shared slice or fails to fit: SUCCESS or ESIZE, and
 * *sender. */
returncode_t libtocksync_ipc_relay_message_wait(uint64_t *sender);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_IPC_RELAY_MESSAGE_H */
