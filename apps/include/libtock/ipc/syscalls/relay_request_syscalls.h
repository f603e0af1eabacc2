/* libtock/ipc/syscalls/relay_request_syscalls.h: one-syscall wrappers for
 * Relay Request, driver 0xA0010, of Tock's draft IPC design (tock/tock
 * PR #5016): read-only allow 0 data to send, read-write allow 0 where data
 * lands; subscribe 0 client response (status, len, 0), subscribe 1 server
 * request waiting (client id low, high, 0). */
#ifndef LIBTOCK_IPC_RELAY_REQUEST_SYSCALLS_H
#define LIBTOCK_IPC_RELAY_REQUEST_SYSCALLS_H

#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRIVER_NUM_IPC_RELAY_REQUEST 0xA0010

bool libtock_ipc_relay_request_driver_exists(void);
/* Client: the response arrived (subscribe 0): (status, len, 0). */
returncode_t libtock_ipc_relay_request_set_upcall_response(subscribe_upcall cb, void *opaque);
/* Server: a request waits (subscribe 1): (client id low, high, 0). */
returncode_t libtock_ipc_relay_request_set_upcall_request(subscribe_upcall cb, void *opaque);
returncode_t libtock_ipc_relay_request_set_readonly_allow(const uint8_t *buf, uint32_t len);
returncode_t libtock_ipc_relay_request_set_readwrite_allow(uint8_t *buf, uint32_t len);
/* Client: 0x10 send request to server. */
returncode_t libtock_ipc_relay_request_command_send(uint64_t server);
/* Client: 0x11 cancel the outstanding request. */
returncode_t libtock_ipc_relay_request_command_cancel(void);
/* Server: 0x20 enable requests, 0x21 disable. */
returncode_t libtock_ipc_relay_request_command_enable(void);
returncode_t libtock_ipc_relay_request_command_disable(void);
/* Server: 0x22 take the next request (0x23 from one client) into the
 * read-write allow: *len bytes from *client. RETURNCODE_ESIZE when it was
 * cut to the buffer (then *client is set and the transaction open). */
returncode_t libtock_ipc_relay_request_command_next(uint32_t *len, uint64_t *client);
returncode_t libtock_ipc_relay_request_command_next_from(uint64_t from, uint32_t *len,
                                                         uint64_t *client);
/* Server: 0x24 send the read-only allow as the response. */
returncode_t libtock_ipc_relay_request_command_respond(void);
/* Server: 0x25 (ipcsim extension) accept requests only from clients with
 * this ShortId; 0 accepts all. */
returncode_t libtock_ipc_relay_request_command_restrict(uint32_t short_id);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_RELAY_REQUEST_SYSCALLS_H */
