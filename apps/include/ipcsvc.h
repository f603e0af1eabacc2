/* ipcsvc.h: one client/server API over every IPC mechanism ipcsim models.
 *
 * A proposal for Tock's userspace: a service registers a name and serves
 * requests; a client connects by name, calls with a request and a response
 * buffer, sends one-way notifications, and may attach up to IPCSVC_MAX_BUFS
 * buffers to its connection for bulk data. The backend is the IPC
 * mechanism the kernel offers, found at run time by probing driver
 * numbers, so the same app binary runs on every mechanism:
 *
 *   backend    drivers                                  bulk buffers
 *   share      0xA0020 shared memory + relay request    MPU-shared, or copied
 *   sendrecv   0xA0030 send/receive/reply               leases (kernel copies)
 *   relay      0xA0000 registry + 0xA0010/0xA0011       copied with the call
 *   legacy     0x10000                                  in the shared window
 *
 * Whether a buffer's bytes are shared or copied is the backend's business:
 * the server reads and writes attached buffers with ipcsvc_buf_read and
 * ipcsvc_buf_write, and may use ipcsvc_buf_ptr for direct access when the
 * backend shares the memory (NULL otherwise).
 *
 * Every function returns a libtock returncode_t (RETURNCODE_SUCCESS = 0,
 * negative on failure). Besides the kernel's codes: RETURNCODE_ENOACK when
 * a timeout expired, RETURNCODE_ENODEVICE when the name is unknown or the
 * peer is gone (it died or restarted: reconnect), RETURNCODE_ESIZE when a
 * message does not fit, RETURNCODE_ENOSUPPORT when no IPC driver exists.
 * See docs/ipc-designs.md for what each backend does on the wire.
 */
#ifndef IPCSVC_H
#define IPCSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPCSVC_NAME_MAX 20 /* a service name: 1..20 bytes (the registry's size) */
#define IPCSVC_MAX_BUFS 4  /* bulk buffers per connection */
#define IPCSVC_MSG_MAX 256 /* largest request or response payload */

/* What the server may do with an attached buffer. */
enum ipcsvc_buf_mode {
    IPCSVC_BUF_READ = 1,  /* the server reads it (client -> server data) */
    IPCSVC_BUF_WRITE = 2, /* the server writes it (server -> client data) */
    IPCSVC_BUF_RW = 3,
};

struct ipcsvc_backend;

/* A client's attached buffer. */
struct ipcsvc_buf {
    uint8_t *ptr; /* the client's view; NULL = slot unused */
    uint32_t len;
    uint8_t mode;   /* enum ipcsvc_buf_mode */
    bool shared;    /* the backend shares it with the server (no copy) */
    uint32_t token; /* backend's own handle */
};

/* A client's connection to one service. */
typedef struct ipcsvc_conn {
    const struct ipcsvc_backend *be;
    char name[IPCSVC_NAME_MAX + 1];
    uint64_t server; /* the backend's identifier of the server */
    struct ipcsvc_buf bufs[IPCSVC_MAX_BUFS];
    uint32_t detail;  /* the last raw kernel code or value, for diagnostics */
    uint64_t priv[8]; /* backend state */
} ipcsvc_conn_t;

/* A request as the server sees it. */
typedef struct ipcsvc_req {
    uint64_t client; /* the client's identity, supplied by the kernel */
    uint32_t op;     /* the operation the client named */
    bool notify;     /* one-way: no reply is expected */
    const uint8_t *data;
    uint32_t len;   /* request payload bytes at data */
    bool truncated; /* the client sent more than the server could take */
    uint32_t nbufs; /* attached buffers, slots 0..nbufs-1 */
    struct {
        uint32_t len;
        uint8_t mode;
        uint8_t *direct; /* the server's direct view, or NULL (copied) */
    } bufs[IPCSVC_MAX_BUFS];
    uint64_t priv[8]; /* backend state */
} ipcsvc_req_t;

/* A service. */
typedef struct ipcsvc_server {
    const struct ipcsvc_backend *be;
    char name[IPCSVC_NAME_MAX + 1];
    uint8_t rx[IPCSVC_MSG_MAX + 64] __attribute__((aligned(8))); /* request landing area */
    uint64_t priv[16];                                           /* backend state */
    bool serving; /* a request was handed over and not yet replied to (metrics) */
} ipcsvc_server_t;

/* The backend this kernel offers: "share", "sendrecv", "relay", "legacy",
 * or NULL when it has no IPC driver. */
const char *ipcsvc_backend_name(void);

/* ---- Client ---- */

/* Finds the service `name`, retrying every 10 ms until timeout_ms (0 = one
 * attempt), because a client may start before its service registers. */
int ipcsvc_connect(ipcsvc_conn_t *c, const char *name, uint32_t timeout_ms);
/* Finds the service again after a call failed with RETURNCODE_ENODEVICE
 * (the server restarted, so its identifier changed) or RETURNCODE_ENOACK,
 * keeping the connection's attached buffers. */
int ipcsvc_reconnect(ipcsvc_conn_t *c, uint32_t timeout_ms);
/* Attaches a len-byte buffer for bulk data at slot (after connect); *out
 * receives the memory to fill or read. Stays attached for the connection. */
int ipcsvc_buf_alloc(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                     void **out);
/* Sends request (req, req_len <= IPCSVC_MSG_MAX) as operation op and waits
 * up to timeout_ms (0 = forever) for the response, stored in resp (at
 * most resp_cap bytes; *resp_len receives its length). The attached
 * buffers travel with the call. RETURNCODE_ESIZE if the response was cut
 * to resp_cap. */
int ipcsvc_call(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms);
/* Sends a one-way notification (len <= IPCSVC_MSG_MAX); does not wait. */
int ipcsvc_notify(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len);

/* ---- Server ---- */

/* Registers this process as service `name`. On the legacy and sendrecv
 * backends a service is known by its package name, which must equal
 * `name` (set it in the scenario). */
int ipcsvc_register(ipcsvc_server_t *s, const char *name);
/* Accepts requests only from clients whose ShortId (the scenario's
 * short_id) is short_id; 0 accepts everybody again. Other clients' calls
 * fail (RETURNCODE_ENODEVICE on relay and share, RETURNCODE_ENOSUPPORT on
 * sendrecv); RETURNCODE_ENOSUPPORT on legacy, which has no identities to
 * check. The kernel checks it: a client cannot claim another ShortId. */
int ipcsvc_restrict(ipcsvc_server_t *s, uint32_t short_id);
/* Waits up to timeout_ms (0 = forever) for the next request or
 * notification. */
int ipcsvc_next(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms);
/* Answers request r (not a notification) with len <= IPCSVC_MSG_MAX bytes. */
int ipcsvc_reply(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len);
/* Copies bytes out of / into the client's attached buffer slot. */
int ipcsvc_buf_read(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off, void *dst,
                    uint32_t n);
int ipcsvc_buf_write(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                     const void *src, uint32_t n);
/* The server's direct view of attached buffer slot, or NULL if copied. */
uint8_t *ipcsvc_buf_ptr(ipcsvc_req_t *r, unsigned slot);

/* Handles one request; must ipcsvc_reply unless r->notify. A non-zero
 * return ends ipcsvc_serve with that value. */
typedef int (*ipcsvc_handler_t)(ipcsvc_server_t *s, ipcsvc_req_t *r, void *ctx);
/* Serves requests forever (or until the handler returns non-zero). */
int ipcsvc_serve(ipcsvc_server_t *s, ipcsvc_handler_t h, void *ctx);

/* ---- For backends (apps/libtock/ipcsvc/) ---- */

struct ipcsvc_backend {
    const char *name;
    bool (*present)(void);
    /* one attempt; RETURNCODE_ENODEVICE when not (yet) found */
    int (*connect)(ipcsvc_conn_t *c, const char *name);
    int (*buf_alloc)(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                     void **out);
    int (*call)(ipcsvc_conn_t *c, uint32_t op, const void *req, uint32_t req_len, void *resp,
                uint32_t resp_cap, uint32_t *resp_len, uint32_t timeout_ms);
    int (*notify)(ipcsvc_conn_t *c, uint32_t op, const void *msg, uint32_t len);
    int (*reg)(ipcsvc_server_t *s, const char *name);
    int (*restrict_to)(ipcsvc_server_t *s, uint32_t short_id); /* NULL: not supported */
    int (*next)(ipcsvc_server_t *s, ipcsvc_req_t *r, uint32_t timeout_ms);
    int (*reply)(ipcsvc_server_t *s, ipcsvc_req_t *r, const void *resp, uint32_t len);
    int (*buf_read)(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off, void *dst,
                    uint32_t n);
    int (*buf_write)(ipcsvc_server_t *s, ipcsvc_req_t *r, unsigned slot, uint32_t off,
                     const void *src, uint32_t n);
};

extern const struct ipcsvc_backend ipcsvc_backend_share, ipcsvc_backend_sendrecv,
    ipcsvc_backend_relay, ipcsvc_backend_legacy;

/* Yields until *done is true or timeout_ms (0 = never) passes: SUCCESS or
 * RETURNCODE_ENOACK. Upcalls run meanwhile. */
int ipcsvc_wait(volatile bool *done, uint32_t timeout_ms);

/* The wire format of the copying backends (relay, legacy): a header, the
 * payload, then the bytes of READ buffers (request) or WRITE buffers
 * (response), in slot order. */
struct ipcsvc_wire {
    uint32_t seq; /* the client's call number: the response repeats it */
    uint32_t op;
    uint16_t flags; /* IPCSVC_WIRE_* */
    uint16_t nbufs;
    uint32_t len;                      /* payload bytes */
    uint32_t buf_len[IPCSVC_MAX_BUFS]; /* attached buffer sizes */
    uint8_t buf_mode[IPCSVC_MAX_BUFS];
    uint8_t buf_token[IPCSVC_MAX_BUFS]; /* a buffer kept out of the message: the
                                           backend's name for it (struct ipcsvc_buf.token) */
};
#define IPCSVC_WIRE_NOTIFY 1u
#define IPCSVC_WIRE_RESPONSE 2u

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_H */
