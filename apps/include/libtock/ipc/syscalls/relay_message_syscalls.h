/* libtock/ipc/syscalls/relay_message_syscalls.h: one-syscall wrappers for
 * Relay Message, the mailbox (ipcsim's driver number 0xA0011 for the draft
 * IPC design's planned mechanism): read-write allow 0 the receiver's
 * streaming slice, read-only allow 0 the message to send; subscribe 0
 * (status, sender id low, high) per message. */
#ifndef LIBTOCK_IPC_RELAY_MESSAGE_SYSCALLS_H
#define LIBTOCK_IPC_RELAY_MESSAGE_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_IPC_RELAY_MESSAGE 0xA0011

bool libtock_ipc_relay_message_driver_exists(void);
returncode_t libtock_ipc_relay_message_set_upcall(subscribe_upcall cb, void *opaque);
returncode_t libtock_ipc_relay_message_set_readonly_allow(const uint8_t *buf, uint32_t len);
returncode_t libtock_ipc_relay_message_set_readwrite_allow(uint8_t *buf, uint32_t len);
/* 1: appends the read-only allow to receiver's slice. */
returncode_t libtock_ipc_relay_message_command_send(uint64_t receiver);
/* 2 / 3: reception on / off. */
returncode_t libtock_ipc_relay_message_command_enable(void);
returncode_t libtock_ipc_relay_message_command_disable(void);
/* 4 / 5 / 6: the allowlist of senders (empty: everyone may send). */
returncode_t libtock_ipc_relay_message_command_allow_sender(uint64_t sender);
returncode_t libtock_ipc_relay_message_command_remove_sender(uint64_t sender);
returncode_t libtock_ipc_relay_message_command_clear_senders(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_RELAY_MESSAGE_SYSCALLS_H */
