/* ipcsim_proto.h: the versioned wire format between an app's syscall shim and
 * the simulator (one fixed-size message per syscall, reply, upcall or report).
 *
 * Shared by sim/ and apps/. Every message is exactly sizeof(struct
 * ipcsim_msg) bytes; the receiver checks magic, version, type and the fields
 * a type uses before acting on it (see ipcsim_msg_check()).
 */
#ifndef IPCSIM_PROTO_H
#define IPCSIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCSIM_PROTO_MAGIC 0x54534d49u /* "IMST" little-endian */
#define IPCSIM_PROTO_VERSION 3u        /* 2: OP marks; 3: mailbox, DOORBELL */

/* File descriptors an app process inherits from the simulator. */
#define IPCSIM_FD_CHANNEL 3 /* SOCK_SEQPACKET socket to the simulator */
#define IPCSIM_FD_SRAM 4    /* memfd backing the simulated SRAM */
#define IPCSIM_FD_FLASH 5   /* memfd backing the simulated app flash */
#define IPCSIM_FD_CONTROL 6 /* memfd with this app's memory view (read-only to it) */
#define IPCSIM_FD_MAILBOX 7 /* memfd with this process's mailbox (mailbox transport only) */

/* Message types. App -> simulator: HELLO, SYSCALL, COMPUTE, FAULT, OP,
 * DOORBELL. Simulator -> app: START, RETURN, UPCALL. OP and DOORBELL get no
 * answer.
 *
 * Transports (docs/performance.md): on the socket transport every message
 * goes over the channel socket. On the mailbox transport (ipcsim_mbox.h)
 * HELLO and START still do; after START, SYSCALL and COMPUTE go into the
 * mailbox's request slot and RETURN and UPCALL come back in its reply
 * slot, OP marks go into its ring, and FAULT and DOORBELL stay on the
 * socket. */
#define IPCSIM_MSG_TYPES(X)                                                                        \
    X(HELLO, 1)    /* app announces itself and its segments */                                     \
    X(START, 2)    /* first dispatch: memory layout, stack */                                      \
    X(SYSCALL, 3)  /* a[0] class, a[1..4] r0..r3 */                                                \
    X(RETURN, 4)   /* a[0..3] r0..r3 of the syscall return */                                      \
    X(UPCALL, 5)   /* a[0] fn, a[1..3] args, a[4] appdata, a[5] yield kind */                      \
    X(COMPUTE, 6)  /* a[0] cycles of declared computation */                                       \
    X(FAULT, 7)    /* a[0] signal, a[1] address, a[2] access, a[3] pc */                           \
    X(OP, 8)       /* a[0] mark, a[1] operation kind, a[2] status (see below) */                   \
    X(DOORBELL, 9) /* mailbox transport: a request waits in the mailbox; no args */

enum ipcsim_msg_type {
#define IPCSIM_X_ENUM(name, num) IPCSIM_MSG_##name = num,
    IPCSIM_MSG_TYPES(IPCSIM_X_ENUM)
#undef IPCSIM_X_ENUM
};

#define IPCSIM_MSG_NARGS 8

struct ipcsim_msg {
    uint32_t magic;               /* IPCSIM_PROTO_MAGIC */
    uint16_t version;             /* IPCSIM_PROTO_VERSION */
    uint16_t type;                /* enum ipcsim_msg_type */
    uint32_t seq;                 /* sender's running count, for diagnostics */
    uint32_t reserved;            /* must be zero */
    uint64_t a[IPCSIM_MSG_NARGS]; /* type-specific arguments */
};

/* HELLO arguments (all host addresses of the app's own executable). */
enum {
    IPCSIM_HELLO_PID = 0,     /* host pid */
    IPCSIM_HELLO_DATA_LO = 1, /* page-aligned start of writable data */
    IPCSIM_HELLO_DATA_HI = 2, /* page-aligned end of writable data+bss */
    IPCSIM_HELLO_RO_LO = 3,   /* page-aligned start of read-only data */
    IPCSIM_HELLO_RO_HI = 4,   /* page-aligned end of read-only data */
    IPCSIM_HELLO_TEXT_LO = 5, /* start of executable code */
    IPCSIM_HELLO_TEXT_HI = 6, /* end of executable code */
};

/* START arguments (simulated addresses, all below 2^31). */
enum {
    IPCSIM_START_RAM_START = 0,  /* process block start */
    IPCSIM_START_RAM_END = 1,    /* process block end (grant region inside) */
    IPCSIM_START_STACK_TOP = 2,  /* initial stack pointer */
    IPCSIM_START_DATA = 3,       /* where the writable segment lives */
    IPCSIM_START_FLASH = 4,      /* where the read-only segment lives */
    IPCSIM_START_SRAM_BASE = 5,  /* base of the whole simulated SRAM */
    IPCSIM_START_SRAM_SIZE = 6,  /* its size */
    IPCSIM_START_FLASH_BASE = 7, /* base(low 32) | size(high 32) of flash */
};

/* COMPUTE a[1]: 0 = declared computation of a[0] cycles; 1 = the app was
 * caught by the host watchdog and gives the CPU back (hang_policy
 * "preempt"); it sends this from the handler of IPCSIM_PREEMPT_SIGNAL;
 * 2 = the app copied a[0] bytes in its own memory (charged as a copy). */
#define IPCSIM_COMPUTE_PREEMPTED 1u
#define IPCSIM_COMPUTE_COPY 2u
#define IPCSIM_PREEMPT_SIGNAL 12 /* SIGUSR2 */

/* RETURN and UPCALL a[7]: the generation of the app's memory view in the
 * control memfd. When it differs from the one the shim applied, the shim
 * re-applies the view before the app runs again. START always applies it. */
#define IPCSIM_VIEW_ARG 7

/* RETURN and UPCALL a[6]: an injected misbehaviour for the shim to carry out
 * before the app goes on: low 32 bits 1 = write one byte at the address in
 * the high 32 bits (an MPU violation), 2 = spin without syscalls (a hang). */
#define IPCSIM_INJECT_ARG 6
enum ipcsim_inject { IPCSIM_INJECT_NONE = 0, IPCSIM_INJECT_TOUCH = 1, IPCSIM_INJECT_HANG = 2 };

/* The memory view: what the app's MPU configuration lets it touch, as runs
 * of equal access over simulated SRAM and flash (access bits: 1 read,
 * 2 write, 4 execute). Written by the simulator, read by the shim. */
#define IPCSIM_VIEW_MAGIC 0x5649454du /* "MEIV" */
#define IPCSIM_VIEW_MAX_RUNS 256
struct ipcsim_view_run {
    uint32_t start, end; /* [start, end), simulated addresses */
    uint32_t access;
    uint32_t reserved;
};
/* ipcsim_view.flags: enforce to the host page only (kernel.mpu_enforcement
 * "page"): a partly accessible page gets the widest access of the runs on
 * it instead of trapping every access. */
#define IPCSIM_VIEW_PAGE_GRANULAR 1u
struct ipcsim_view {
    uint32_t magic;
    uint32_t generation;
    uint32_t nruns;
    uint32_t flags; /* IPCSIM_VIEW_PAGE_GRANULAR */
    struct ipcsim_view_run runs[IPCSIM_VIEW_MAX_RUNS];
};
#define IPCSIM_CONTROL_SIZE 8192u

/* UPCALL a[5]: which yield the upcall answers. */
enum ipcsim_upcall_kind {
    IPCSIM_UPCALL_WAIT = 0,   /* yield-wait: run the upcall, return */
    IPCSIM_UPCALL_NOWAIT = 1, /* yield-no-wait: set the flag byte, run it */
};

/* OP: an operation boundary for the metrics (docs/metrics.md). The app
 * sends it while it runs and does not wait for an answer; the simulator
 * stamps it with the current virtual time, so it costs no virtual time and
 * is no syscall. a[0] is the mark, a[1] the kind, a[2] on an END the
 * operation's libtock returncode_t as a 32-bit two's complement value (0 =
 * success), zero on a BEGIN; a[3..7] are zero. Anything else is a protocol
 * error of the app. */
enum ipcsim_op_mark { IPCSIM_OP_BEGIN = 0, IPCSIM_OP_END = 1 };
#define IPCSIM_OP_KINDS(X)                                                                         \
    X(CALL, 1, "call")       /* request/response, client side */                                   \
    X(NOTIFY, 2, "notify")   /* one-way message, client side */                                    \
    X(CONNECT, 3, "connect") /* discovery, retries included */                                     \
    X(SHARE, 4, "share")     /* attaching a bulk buffer to a connection */                         \
    X(SERVE, 5, "serve")     /* server side: a request handed over until its reply */
enum ipcsim_op_kind {
#define IPCSIM_X_OP_ENUM(name, num, text) IPCSIM_OP_##name = num,
    IPCSIM_OP_KINDS(IPCSIM_X_OP_ENUM)
#undef IPCSIM_X_OP_ENUM
};
#define IPCSIM_OP_NKINDS 6 /* kinds are 1..IPCSIM_OP_NKINDS-1 */

/* Returns the name of an operation kind, or NULL if the number is not one. */
static inline const char *ipcsim_op_kind_name(uint64_t kind)
{
    switch (kind) {
#define IPCSIM_X_OP_NAME(name, num, text)                                                          \
    case num:                                                                                      \
        return text;
        IPCSIM_OP_KINDS(IPCSIM_X_OP_NAME)
#undef IPCSIM_X_OP_NAME
    }
    return NULL;
}

/* FAULT a[2] access kinds. */
enum ipcsim_access { IPCSIM_ACCESS_UNKNOWN = 0, IPCSIM_ACCESS_READ = 1, IPCSIM_ACCESS_WRITE = 2 };

/* Builds a message of the given type with zeroed arguments. */
static inline struct ipcsim_msg ipcsim_msg_make(enum ipcsim_msg_type type, uint32_t seq)
{
    struct ipcsim_msg m = {0};
    m.magic = IPCSIM_PROTO_MAGIC;
    m.version = IPCSIM_PROTO_VERSION;
    m.type = (uint16_t)type;
    m.seq = seq;
    return m;
}

/* Returns the name of a message type, or NULL if the number is not one. */
static inline const char *ipcsim_msg_type_name(uint32_t type)
{
    switch (type) {
#define IPCSIM_X_NAME(name, num)                                                                   \
    case num:                                                                                      \
        return #name;
        IPCSIM_MSG_TYPES(IPCSIM_X_NAME)
#undef IPCSIM_X_NAME
    }
    return NULL;
}

/* Checks the header of a received message of `len` bytes. Returns NULL when
 * it is well formed, else a static string that says what is wrong. */
static inline const char *ipcsim_msg_check(const struct ipcsim_msg *m, size_t len)
{
    if (len != sizeof(*m))
        return "message has the wrong size";
    if (m->magic != IPCSIM_PROTO_MAGIC)
        return "bad magic number";
    if (m->version != IPCSIM_PROTO_VERSION)
        return "unsupported protocol version";
    if (m->reserved != 0)
        return "reserved field is not zero";
    if (ipcsim_msg_type_name(m->type) == NULL)
        return "unknown message type";
    return NULL;
}

#endif
