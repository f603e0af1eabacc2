/* libtock/ipc/relay_request.h: asynchronous requests and responses over
 * Relay Request (0xA0010), the draft IPC design's single-copy RPC. A
 * client sends one request at a time and hears the response through a
 * callback; a server enables requests, hears that one waits, takes it
 * into its buffer and responds. The server is NOT told when a client
 * gives up, and a client is NOT told when its server dies: give every
 * request a timeout and cancel it when it expires. */
#ifndef LIBTOCK_IPC_RELAY_REQUEST_H
#define LIBTOCK_IPC_RELAY_REQUEST_H

#include <libtock/ipc/syscalls/relay_request_syscalls.h>
#include <libtock/tock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Client: the response (SUCCESS, ESIZE when cut to the buffer, ECANCEL,
 * EUNINSTALLED when the server disabled requests, EFAIL) and its length. */
typedef void (*libtock_ipc_relay_response_callback)(returncode_t, uint32_t len);
/* Server: a request from `client` waits. */
typedef void (*libtock_ipc_relay_request_callback)(uint64_t client);

/* Client: sends req (len bytes) to server and shares resp (cap bytes) for
 * the response; both must stay untouched until cb runs. ENODEVICE: no
 * such server (gone or restarted: discover it again); EUNINSTALLED: it
 * does not take requests; EALREADY: a request is outstanding. */
returncode_t libtock_ipc_relay_request_send(uint64_t server, const uint8_t *req, uint32_t len,
                                            uint8_t *resp, uint32_t cap,
                                            libtock_ipc_relay_response_callback cb);
/* Client: cancels the outstanding request (cb hears ECANCEL). */
returncode_t libtock_ipc_relay_request_cancel(void);

/* Server: enables requests; cb runs for each one that waits. */
returncode_t libtock_ipc_relay_serve(libtock_ipc_relay_request_callback cb);
/* Server: disables requests; waiting clients hear EUNINSTALLED. */
returncode_t libtock_ipc_relay_stop(void);
/* Server: takes the next request (round robin over clients) into buf (cap
 * bytes): *len bytes from *client. ESIZE: cut to cap, still taken;
 * ENODEVICE: none waits; EALREADY: respond first. */
returncode_t libtock_ipc_relay_take(uint8_t *buf, uint32_t cap, uint32_t *len, uint64_t *client);
/* Server: takes the request of one client. */
returncode_t libtock_ipc_relay_take_from(uint64_t client, uint8_t *buf, uint32_t cap,
                                         uint32_t *len);
/* Server: responds to the request taken; ENODEVICE when its client no
 * longer waits (cancelled, dead). */
returncode_t libtock_ipc_relay_respond(const uint8_t *resp, uint32_t len);
/* Server (ipcsim extension): only clients with this ShortId may send; 0
 * lifts it. */
returncode_t libtock_ipc_relay_restrict(uint32_t short_id);

#ifdef __cplusplus
}
#endif

#endif /* LIBTOCK_IPC_RELAY_REQUEST_H */
