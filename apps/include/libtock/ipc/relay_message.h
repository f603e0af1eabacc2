/* libtock/ipc/relay_message.h: one-way messages over Relay Message, the
 * mailbox (0xA0011). A receiver shares a streaming slice: an 8-byte header
 * (u16 version 0, u16 flags big-endian with bit 0 exceeded and bit 1 halt,
 * u32 little-endian write offset) then records of (sender id u64 as two
 * little-endian u32, length u32, bytes). It consumes them by swapping in a
 * fresh slice and walking the old one. */
#ifndef LIBTOCK_IPC_RELAY_MESSAGE_H
#define LIBTOCK_IPC_RELAY_MESSAGE_H

#include <libtock/ipc/syscalls/relay_message_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBTOCK_IPC_SLICE_HEADER 8    /* streaming slice header bytes */
#define LIBTOCK_IPC_MESSAGE_HEADER 12 /* per-message record header bytes */

/* A message arrived (SUCCESS) or did not fit (ESIZE) from `sender`. */
typedef void (*libtock_ipc_relay_message_callback)(returncode_t, uint64_t sender);

/* One message inside a slice. */
typedef struct {
    uint64_t sender;
    const uint8_t *data;
    uint32_t len;
} libtock_ipc_message_t;

/* Clears slice's header (version 0, no flags, offset 0). */
void libtock_ipc_relay_message_slice_init(uint8_t *slice, uint32_t len);
/* True if a message did not fit in slice since it was shared. */
bool libtock_ipc_relay_message_slice_exceeded(const uint8_t *slice);
/* Walks slice: the message at *cursor (start with 0), advancing it; false
 * when none is left. */
bool libtock_ipc_relay_message_slice_next(const uint8_t *slice, uint32_t *cursor,
                                          libtock_ipc_message_t *m);

/* Receiver: shares slice (len bytes, header cleared here), installs cb
 * (may be NULL) and enables reception. */
returncode_t libtock_ipc_relay_message_receive(uint8_t *slice, uint32_t len,
                                               libtock_ipc_relay_message_callback cb);
/* Receiver: shares fresh (cleared here) in place of the current slice,
 * which *old / *old_len receive for reading. */
returncode_t libtock_ipc_relay_message_swap(uint8_t *fresh, uint32_t len, uint8_t **old,
                                            uint32_t *old_len);
/* Receiver: stops reception. */
returncode_t libtock_ipc_relay_message_stop(void);
/* Receiver: the allowlist (empty accepts every sender). */
returncode_t libtock_ipc_relay_message_allow_sender(uint64_t sender);
returncode_t libtock_ipc_relay_message_remove_sender(uint64_t sender);
returncode_t libtock_ipc_relay_message_clear_senders(void);

/* Sender: appends msg to receiver's slice now (the kernel copies it).
 * ENODEVICE no such receiver; EUNINSTALLED not receiving; ERESERVE not on
 * its allowlist; ESIZE no room (it is told); EBUSY it halted. */
returncode_t libtock_ipc_relay_message_send(uint64_t receiver, const uint8_t *msg, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_RELAY_MESSAGE_H */
