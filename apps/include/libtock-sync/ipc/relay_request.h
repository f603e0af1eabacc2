/* libtock-sync/ipc/relay_request.h: blocking calls over Relay Request
 * (0xA0010). They wait with yield-wait-for: no other upcall runs while
 * they wait, and a call to a server that died waits forever (the kernel
 * does not tell the client): use the timed variant, which cancels. */
#ifndef LIBTOCKSYNC_IPC_RELAY_REQUEST_H
#define LIBTOCKSYNC_IPC_RELAY_REQUEST_H

#include <libtock/ipc/relay_request.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sends req to server and waits for the response in resp (cap bytes);
 * *resp_len gets its length. ESIZE: the response was cut to cap. */
returncode_t libtocksync_ipc_relay_request_call(uint64_t server, const uint8_t *req, uint32_t len,
                                                uint8_t *resp, uint32_t cap, uint32_t *resp_len);
/* As above, but gives up after timeout_ms: the request is cancelled and
 * RETURNCODE_ENOACK returned. Other upcalls do run while it waits. */
returncode_t libtocksync_ipc_relay_request_call_timeout(uint64_t server, const uint8_t *req,
                                                        uint32_t len, uint8_t *resp, uint32_t cap,
                                                        uint32_t *resp_len, uint32_t timeout_ms);
/* Server: waits until a request waits; *client gets its sender. */
returncode_t libtocksync_ipc_relay_wait_request(uint64_t *client);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCKSYNC_IPC_RELAY_REQUEST_H */
