/* relay_internal.h: the relay backend's building blocks (backend_relay.c),
 * for backends that carry calls over Relay Request too (the share
 * backend): connect and register through the string-name registry, calls
 * and replies in the ipcsvc_wire framing, notifications through the
 * mailbox. Hooks let such a backend keep an attached buffer out of the
 * message (it shares the memory instead). Not a public interface. */
#ifndef IPCSVC_RELAY_INTERNAL_H
#define IPCSVC_RELAY_INTERNAL_H

#include <ipcsvc.h>

/* buf_mode bit of a wire header: this buffer's bytes are not in the
 * message (a hook keeps them elsewhere). */
#define RELAY_WIRE_BUF_EXTERNAL 0x80u
/* wire flag of a response: the request could not be served (it did not
 * fit the server's landing area, or its header was malformed). */
#define RELAY_WIRE_REFUSED 0x8000u
/* The server's landing area for one request: header, payload and the
 * attached buffers that travel with it. */
#define RELAY_LANDING 4608u

struct relay_hooks {
    /* Client: does attached buffer `slot` travel inside the message?
     * NULL: every buffer does. */
    bool (*travels)(ipcsvc_conn_t *c, unsigned slot);
    /* Server: buffer `slot` of r did not travel; token is the client's
     * name for it (its struct ipcsvc_buf.token, low 8 bits). The hook sets
     * r->bufs[slot].direct (or leaves it NULL). NULL: nothing to do. */
    void (*external)(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint8_t token);
};

/* Finds `name` in the string-name registry (one attempt):
 * RETURNCODE_ENODEVICE while it is not registered. */
int relay_connect(ipcsvc_conn_t *c, const char *name);
/* Enables requests, shares the notification mailbox and registers `name`
 * (zero padded to 20 bytes) in the string-name registry. */
int relay_register(ipcsvc_server_t *s, const char *name);
/* A call over Relay Request; a call that times out is cancelled
 * (RETURNCODE_ENOACK) so the next one can go; RETURNCODE_ENODEVICE when
 * the server is gone or restarted (reconnect). hooks may be NULL. */
int relay_call_with_hooks(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len,
                          void *resp, uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms,
                          const struct relay_hooks *hooks);
/* A one-way notification through the server's mailbox. */
int relay_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len);
/* The next request or notification; hooks may be NULL. */
int relay_next_with_hooks(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms,
                          const struct relay_hooks *hooks);
/* Serves only clients with this ShortId (0: everybody). */
int relay_restrict_to(ipcsvc_server_t *s, uint32_t short_id);
/* Answers request r: the payload and the WRITE buffers that travelled. */
int relay_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len);

#endif /* IPCSVC_RELAY_INTERNAL_H */
