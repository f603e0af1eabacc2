/* check_km_ipc_sendrecv.c: the Hubris-style send / receive / reply capsule,
 * driver 0xA0030 (km_ipc_sendrecv.c): lookup, send, receive (open, closed,
 * fairness), reply, reply-fault, leases and their revocation, generation-
 * tagged task ids and the dead code, notifications, restriction, client
 * info, abandon, events and copy accounting. */
#include "km_ipc_bench.h"

#define DRV 0xA0030u
#define KERNEL_ID 0xFFFFu
#define DEAD(gen) (0xFFFFFF00u | (gen))
#define TID(index, gen) ((uint32_t)(index) | (uint32_t)(gen) << 10)
#define OPW(op, n, attrs) ((uint32_t)(op) | (uint32_t)(n) << 16 | (uint32_t)(attrs) << 20)
#define R 1u  /* lease attribute READ */
#define W 2u  /* lease attribute WRITE */
#define RW 3u /* READ | WRITE */

/* Offsets in a process's app memory (h_boot gives it H_APP_BRK bytes). */
#define MSG_OFF 0x100u   /* client message (ro 0) */
#define REPLY_OFF 0x400u /* client reply buffer (rw 0) */
#define RX_OFF 0x200u    /* server receive buffer (rw 0) */
#define TX_OFF 0x500u    /* server reply (ro 0) */
#define LEASE_OFF 0x600u /* client leases */
#define BOUNCE_OFF 0x800u

enum { CMD_LOOKUP = 1, CMD_SEND, CMD_RECV, CMD_RECV_FROM, CMD_REPLY, CMD_REPLY_FAULT };
enum { CMD_BORROW_READ = 7, CMD_BORROW_WRITE, CMD_BORROW_INFO, CMD_POST, CMD_RESTRICT };
enum { CMD_INFO = 12, CMD_ABANDON, CMD_SELF };

static struct harness *bench_with(struct h_opts *o)
{
    o->ipc.mechanism = "sendrecv";
    return h_open(o);
}

static struct harness *bench(unsigned nprocs)
{
    struct h_opts o;
    h_opts_init(&o, nprocs);
    return bench_with(&o);
}

static struct km_regs cmd(struct harness *h, int p, uint32_t c, uint32_t a1, uint32_t a2)
{
    return h_call(h, p, KM_SYS_COMMAND, DRV, c, a1, a2);
}

static struct km_dispatch park(struct harness *h, int p)
{
    return h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_WAIT, 0, 0, 0);
}

/* p arms an alarm `ticks` from now, so that it wakes after parking. */
static void wake_later(struct harness *h, int p, uint32_t ticks)
{
    h_call(h, p, KM_SYS_SUBSCRIBE, H_DRV_ALARM, 0, H_FN_C, 0);
    H_EXPECT1(h_call(h, p, KM_SYS_COMMAND, H_DRV_ALARM, 5, ticks, 0), KM_RV_SUCCESS_U32);
}

static uint32_t at(struct harness *h, int p, uint32_t off)
{
    return h_ram(h, p) + off;
}

static void put(struct harness *h, int p, uint32_t off, const void *data, uint32_t len)
{
    memcpy(h_mem(h, at(h, p, off)), data, len);
}

static void allow(struct harness *h, int p, uint32_t cls, uint32_t num, uint32_t addr, uint32_t len)
{
    H_EXPECT1(h_call(h, p, cls, DRV, num, addr, len), KM_RV_SUCCESS_2U32);
}

/* Server p: receive upcall H_FN_A, a receive buffer of rx_len bytes. */
static void server(struct harness *h, int p, uint32_t rx_len)
{
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, DRV, 1, H_FN_A, H_DATA_A), KM_RV_SUCCESS_2U32);
    allow(h, p, KM_SYS_ALLOW_RW, 0, at(h, p, RX_OFF), rx_len);
}

/* Client p: reply upcall H_FN_B, message msg in ro 0, a reply buffer of
 * reply_len bytes in rw 0. */
static void client(struct harness *h, int p, const char *msg, uint32_t reply_len)
{
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, DRV, 0, H_FN_B, H_DATA_B), KM_RV_SUCCESS_2U32);
    put(h, p, MSG_OFF, msg, (uint32_t)strlen(msg));
    allow(h, p, KM_SYS_ALLOW_RO, 0, at(h, p, MSG_OFF), (uint32_t)strlen(msg));
    allow(h, p, KM_SYS_ALLOW_RW, 0, at(h, p, REPLY_OFF), reply_len);
}

/* The server's reply payload in its ro 0. */
static void reply_data(struct harness *h, int p, const char *data)
{
    put(h, p, TX_OFF, data, (uint32_t)strlen(data));
    allow(h, p, KM_SYS_ALLOW_RO, 0, at(h, p, TX_OFF), (uint32_t)strlen(data));
}

/* Server 0 receives (open, mask 0) and parks; client 1 boots, sets up with
 * msg and sends op with opword extras; the server holds the dispatch of its
 * receive upcall afterwards. */
static struct km_dispatch exchange(struct harness *h, const char *msg, uint32_t rx_len,
                                   uint32_t reply_len, uint32_t opword)
{
    h_boot(h, 0);
    server(h, 0, rx_len);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, msg, reply_len);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), opword), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 1);
    if (h->opts.nprocs > 2) { /* app2 starts first; it has no part in the exchange */
        h_boot(h, 2);
        d = park(h, 2);
    }
    return d;
}

/* ---- Presence ------------------------------------------------------------- */

/* Only "mechanism": "sendrecv" has driver 0xA0030. */
START_TEST(test_absent_without_mechanism)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, DRV, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);

    struct h_opts o;
    h_opts_init(&o, 1);
    o.ipc.mechanism = "legacy";
    h = h_open(&o);
    h_boot(h, 0);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, DRV, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* Command 0 exists; two subscribe numbers, five allow numbers of each
 * class (0 and four leases); unknown commands NOSUPPORT; command 14 is the
 * caller's own task id. */
START_TEST(test_exists_and_slots)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    H_EXPECT1(cmd(h, 0, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, DRV, 1, H_FN_A, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, DRV, 2, H_FN_A, 0), KM_RV_FAILURE_2U32, KM_ENOSUPPORT);
    uint32_t b = at(h, 0, 0x100);
    allow(h, 0, KM_SYS_ALLOW_RW, 4, b, 8);
    allow(h, 0, KM_SYS_ALLOW_RO, 4, b, 8);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RW, DRV, 5, b, 8), KM_RV_FAILURE_2U32, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, DRV, 5, b, 8), KM_RV_FAILURE_2U32, KM_ENOSUPPORT);
    H_EXPECT2(cmd(h, 0, 15, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(cmd(h, 0, CMD_SELF, 0, 0), KM_RV_SUCCESS_U32, TID(0, 0));
    park(h, 0);
    h_boot(h, 1);
    H_EXPECT2(cmd(h, 1, CMD_SELF, 0, 0), KM_RV_SUCCESS_U32, TID(1, 0));
    h_close(h);
}
END_TEST

/* ---- Lookup and task ids -------------------------------------------------- */

/* Command 1 matches ro 0 with package names (no NUL, no prefix) and answers
 * index | generation << 10 for a live process; NODEVICE otherwise. */
START_TEST(test_lookup)
{
    struct h_opts o;
    h_opts_init(&o, 3);
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_FAILURE, KM_ENODEVICE); /* nothing allowed */
    put(h, 0, 0x100, "org.test.app2", 13);
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 13);
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_SUCCESS_U32, TID(2, 0));
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 12); /* "org.test.app" */
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    put(h, 0, 0x100, "org.test.app1", 14);
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 14); /* with its NUL */
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 13);
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_SUCCESS_U32, TID(1, 0));
    /* app1 restarts twice: generation 2 */
    h_fault(h, 1, "crash");
    h_fault(h, 1, "crash");
    ck_assert_uint_eq(h_info(h, 1).stats.restart_count, 2);
    h_run_until_dispatch(h, 0);
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_SUCCESS_U32, TID(1, 2));
    /* app2 exits: gone */
    wake_later(h, 0, 1000);
    park(h, 0);
    struct km_dispatch d = h_run_until_dispatch(h, 2);
    H_EXPECT_DISPATCH(d, 2, KM_RESUME_START);
    h_syscall(h, 2, KM_SYS_EXIT, 0, 0, 0, 0);
    h_run_until_dispatch(h, 0);
    put(h, 0, 0x100, "org.test.app2", 13);
    H_EXPECT2(cmd(h, 0, CMD_LOOKUP, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
}
END_TEST

/* ---- Send ----------------------------------------------------------------- */

/* Send's argument errors: INVAL for a malformed operation word, a task id
 * no slot can have, the caller itself; SIZE for a message over 256 bytes;
 * Failure_u32(NODEVICE, dead code) for a stale generation; BUSY while the
 * caller's own send is pending. */
START_TEST(test_send_errors)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    client(h, 0, "hi", 8);
    uint32_t srv = TID(1, 0);
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, OPW(1, 5, 0)), KM_RV_FAILURE, KM_EINVAL); /* 5 leases */
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, OPW(1, 1, 0)), KM_RV_FAILURE, KM_EINVAL); /* no attr */
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, OPW(1, 1, R | R << 2)), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, OPW(1, 0, 0) | 1u << 28), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_SEND, TID(2, 0), 1), KM_RV_FAILURE, KM_EINVAL); /* no slot 2 */
    H_EXPECT2(cmd(h, 0, CMD_SEND, 0x10001u, 1), KM_RV_FAILURE, KM_EINVAL);  /* > 16 bits */
    H_EXPECT2(cmd(h, 0, CMD_SEND, KERNEL_ID, 1), KM_RV_FAILURE, KM_EINVAL); /* the kernel */
    H_EXPECT2(cmd(h, 0, CMD_SEND, TID(0, 0), 1), KM_RV_FAILURE, KM_EINVAL); /* itself */
    H_EXPECT3(cmd(h, 0, CMD_SEND, TID(1, 3), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(0));
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, MSG_OFF), 257);
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, 1), KM_RV_FAILURE, KM_ESIZE);
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, MSG_OFF), 256);
    H_EXPECT1(cmd(h, 0, CMD_SEND, srv, OPW(7, 4, R | W << 2 | RW << 4 | R << 6)), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 0, CMD_SEND, srv, 1), KM_RV_FAILURE, KM_EBUSY);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0);
    h_close(h);
}
END_TEST

/* A server waiting in an open receive takes a message at once: its upcall
 * 1 gets (sender id, copied | sent << 16, operation word) and its receive
 * buffer the bytes; the kernel copy is counted on the server. */
START_TEST(test_send_to_receiving_server)
{
    struct harness *h = bench(2);
    struct km_dispatch d = exchange(h, "hello", 16, 8, OPW(0x1234, 0, 0));
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(1, 0), 5u | 5u << 16, 0x1234u);
    ck_assert_uint_eq(d.upcall.appdata, H_DATA_A);
    ck_assert_mem_eq(h_mem(h, at(h, 0, RX_OFF)), "hello", 5);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_bytes_copied, 5);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 1);
    h_close(h);
}
END_TEST

/* A message sent before the server receives waits with its sender (no
 * kernel queue) and is copied when the server receives; a receive buffer
 * smaller than the message gets its first bytes, and the upcall says how
 * many were sent. The receive upcall comes even when the message is there. */
START_TEST(test_send_queued_then_recv)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    server(h, 0, 4);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "abcdefgh", 8);
    put(h, 0, RX_OFF, "zzzzzz", 6);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), OPW(9, 0, 0)), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0);
    struct km_dispatch d = park(h, 1);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_UPCALL); /* the alarm */
    ck_assert_uint_eq(d.upcall.fn, H_FN_C);
    ck_assert_mem_eq(h_mem(h, at(h, 0, RX_OFF)), "zzzzzz", 6); /* nothing copied yet */
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    ck_assert_mem_eq(h_mem(h, at(h, 0, RX_OFF)), "abcdzz", 6);
    d = park(h, 0);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(1, 0), 4u | 8u << 16, 9u);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 1);
    h_close(h);
}
END_TEST

/* ---- Reply ---------------------------------------------------------------- */

/* Reply copies the server's ro 0 into the client's reply buffer and gives
 * the client (code, bytes, kind 0 | length << 8); the client may send
 * again afterwards (it no longer waits). A reply longer than the buffer is
 * cut to it and the client sees kind 1 with the full length. */
START_TEST(test_reply)
{
    struct harness *h = bench(2);
    exchange(h, "ping", 16, 8, OPW(1, 0, 0));
    reply_data(h, 0, "pong");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 42), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 0);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, 42u, 4u, 0u | 4u << 8);
    ck_assert_mem_eq(h_mem(h, at(h, 1, REPLY_OFF)), "pong", 4);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 4);
    /* send again; this time the reply is too long for the 8-byte buffer */
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), OPW(2, 0, 0)), KM_RV_SUCCESS);
    d = park(h, 1);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(1, 0), 4u | 4u << 16, 2u);
    reply_data(h, 0, "0123456789AB");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 7), KM_RV_SUCCESS);
    d = park(h, 0);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, 7u, 8u, 1u | 12u << 8);
    ck_assert_mem_eq(h_mem(h, at(h, 1, REPLY_OFF)), "01234567", 8);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 4); /* two sends, two replies */
    h_close(h);
}
END_TEST

/* Reply never fails towards a client (Hubris): to a client not waiting for
 * this server, or with a stale generation, it is ignored with Success and
 * nothing is copied. An index no slot has is INVAL. */
START_TEST(test_reply_ignored)
{
    struct harness *h = bench(3);
    exchange(h, "x", 16, 8, 1);
    reply_data(h, 0, "answer");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(2, 0), 1), KM_RV_SUCCESS); /* 2 is not waiting */
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 1), 1), KM_RV_SUCCESS); /* stale */
    H_EXPECT2(cmd(h, 0, CMD_REPLY, TID(3, 0), 1), KM_RV_FAILURE, KM_EINVAL);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 0);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 2);
    /* the real reply still works, a second one is ignored */
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 1), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 2), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 6);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 3);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, 1u, 6u, 6u << 8);
    h_close(h);
}
END_TEST

/* ---- Reply-fault ---------------------------------------------------------- */

/* Reply-fault faults the waiting client through the kernel's fault path
 * with the reason's name; its fault policy applies (here restart). A
 * reason outside 0..5 is INVAL; a client not waiting is left alone. */
START_TEST(test_reply_fault)
{
    struct h_opts o;
    h_opts_init(&o, 3);
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    exchange(h, "bad", 16, 8, 1);
    H_EXPECT2(cmd(h, 0, CMD_REPLY_FAULT, TID(1, 0), 6), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(cmd(h, 0, CMD_REPLY_FAULT, TID(2, 0), 1), KM_RV_SUCCESS); /* not waiting */
    ck_assert_uint_eq(h_info(h, 2).stats.fault_count, 0);
    ck_assert_uint_eq(h_info(h, 1).stats.fault_count, 0);
    H_EXPECT1(cmd(h, 0, CMD_REPLY_FAULT, TID(1, 0), 3), KM_RV_SUCCESS);
    struct km_proc_info c = h_info(h, 1);
    ck_assert_uint_eq(c.stats.fault_count, 1);
    ck_assert_uint_eq(c.stats.restart_count, 1);
    ck_assert_str_eq(c.fault_reason, "reply fault from app0: BadLeases");
    /* the new incarnation has generation 1; the old id is stale */
    H_EXPECT1(cmd(h, 0, CMD_REPLY_FAULT, TID(1, 0), 3), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.fault_count, 1);
    H_EXPECT3(cmd(h, 0, CMD_POST, TID(1, 0), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    h_close(h);
}
END_TEST

/* Every reason has its Hubris name; with the Stop policy the client ends
 * Faulted. */
START_TEST(test_reply_fault_reasons)
{
    static const char *const names[] = {"UndefinedOperation",  "BadMessageSize",
                                        "BadMessageContents",  "BadLeases",
                                        "ReplyBufferTooSmall", "AccessViolation"};
    for (unsigned r = 0; r < 6; r++) {
        struct h_opts o;
        h_opts_init(&o, 2);
        o.policy[1].kind = KM_FP_STOP;
        struct harness *h = bench_with(&o);
        exchange(h, "bad", 16, 8, 1);
        H_EXPECT1(cmd(h, 0, CMD_REPLY_FAULT, TID(1, 0), r), KM_RV_SUCCESS);
        struct km_proc_info c = h_info(h, 1);
        ck_assert_int_eq(c.state, KM_STATE_FAULTED);
        ck_assert_ptr_nonnull(strstr(c.fault_reason, names[r]));
        h_close(h);
    }
}
END_TEST

/* ---- Leases ----------------------------------------------------------------- */

/* Client 1 lends lease 0 = READ over ro 1 (in flash), lease 1 = READ|WRITE
 * over rw 2, lease 2 = WRITE over rw 3, and sends; server 0 holds the
 * dispatch of its receive upcall. */
static void lend(struct harness *h)
{
    h_boot(h, 0);
    server(h, 0, 16);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "op", 8);
    uint32_t fl = h_info(h, 1).flash_start + 0x40;
    memcpy(h_mem(h, fl), "flash-lease-data", 16);
    allow(h, 1, KM_SYS_ALLOW_RO, 1, fl, 16);
    put(h, 1, LEASE_OFF, "0123456789", 10);
    allow(h, 1, KM_SYS_ALLOW_RW, 2, at(h, 1, LEASE_OFF), 10);
    allow(h, 1, KM_SYS_ALLOW_RW, 3, at(h, 1, LEASE_OFF + 0x20), 4);
    uint32_t opw = OPW(5, 3, R | RW << 2 | W << 4);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), opw), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 1);
    if (h->opts.nprocs > 2) {
        /* app2 starts: app1's leases are not lent to it */
        h_boot(h, 2);
        H_EXPECT2(cmd(h, 2, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_FAILURE, KM_EINVAL);
        allow(h, 2, KM_SYS_ALLOW_RW, 1, at(h, 2, BOUNCE_OFF), 8);
        H_EXPECT2(cmd(h, 2, CMD_BORROW_READ, TID(1, 0), 0), KM_RV_FAILURE, KM_EINVAL);
        d = park(h, 2);
    }
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(1, 0), 2u | 2u << 16, opw);
}

/* Borrow info gives (attributes, length); borrow read copies the lease
 * from an offset into the server's rw 1 (as much as fits); borrow write
 * copies the server's ro 1 into a writable lease. Copies are counted on the
 * receiving side. */
START_TEST(test_borrow)
{
    struct harness *h = bench(2);
    lend(h);
    H_EXPECT3(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_SUCCESS_2U32, R, 16);
    H_EXPECT3(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 1), KM_RV_SUCCESS_2U32, RW, 10);
    H_EXPECT3(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 2), KM_RV_SUCCESS_2U32, W, 4);
    uint64_t before = h_info(h, 0).stats.ipc_bytes_copied;
    allow(h, 0, KM_SYS_ALLOW_RW, 1, at(h, 0, BOUNCE_OFF), 8);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 0 | 6u << 8), KM_RV_SUCCESS_U32, 8);
    ck_assert_mem_eq(h_mem(h, at(h, 0, BOUNCE_OFF)), "lease-da", 8);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 1 | 7u << 8), KM_RV_SUCCESS_U32, 3);
    ck_assert_mem_eq(h_mem(h, at(h, 0, BOUNCE_OFF)), "789", 3);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 1 | 10u << 8), KM_RV_SUCCESS_U32, 0);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_bytes_copied, before + 11);
    put(h, 0, BOUNCE_OFF + 0x40, "WXYZ", 4);
    allow(h, 0, KM_SYS_ALLOW_RO, 1, at(h, 0, BOUNCE_OFF + 0x40), 4);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_WRITE, TID(1, 0), 1 | 2u << 8), KM_RV_SUCCESS_U32, 4);
    ck_assert_mem_eq(h_mem(h, at(h, 1, LEASE_OFF)), "01WXYZ6789", 10);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_WRITE, TID(1, 0), 2 | 1u << 8), KM_RV_SUCCESS_U32, 3);
    ck_assert_mem_eq(h_mem(h, at(h, 1, LEASE_OFF + 0x20)), "\0WXY", 4);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 7);
    h_close(h);
}
END_TEST

/* Borrow errors are codes, never faults: INVAL for an attribute the lease
 * lacks, a lease index the client did not send, an offset past the end, an
 * index no slot has; the server is not faulted. */
START_TEST(test_borrow_errors)
{
    struct harness *h = bench(3);
    lend(h);
    allow(h, 0, KM_SYS_ALLOW_RW, 1, at(h, 0, BOUNCE_OFF), 8);
    allow(h, 0, KM_SYS_ALLOW_RO, 1, at(h, 0, BOUNCE_OFF), 8);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_WRITE, TID(1, 0), 0), KM_RV_FAILURE, KM_EINVAL); /* READ */
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 2), KM_RV_FAILURE, KM_EINVAL);  /* WRITE */
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 3), KM_RV_FAILURE, KM_EINVAL);  /* index */
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 3), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0x100), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 1 | 11u << 8), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_WRITE, TID(1, 0), 1 | 11u << 8), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(3, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    /* a process that lends nothing to the caller (app2 is not even sending) */
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(2, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    ck_assert_uint_eq(h_info(h, 0).stats.fault_count, 0);
    h_close(h);
}
END_TEST

/* A lease exists only while the client waits for this server's reply:
 * after the reply every borrow of it is INVAL (revoked); a process the
 * client did not send to never had it (lend() checks that from app2). */
START_TEST(test_lease_revoked_after_reply)
{
    struct harness *h = bench(3);
    lend(h);
    allow(h, 0, KM_SYS_ALLOW_RW, 1, at(h, 0, BOUNCE_OFF), 8);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 1), KM_RV_SUCCESS_U32, 8);
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 1), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    h_close(h);
}
END_TEST

/* A lender that died while its request was in service: borrow gets
 * Failure_u32(NODEVICE, dead code), reply is ignored with Success. */
START_TEST(test_borrow_dead_lender)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    lend(h);
    h_fault(h, 1, "crash");
    allow(h, 0, KM_SYS_ALLOW_RW, 1, at(h, 0, BOUNCE_OFF), 8);
    H_EXPECT3(cmd(h, 0, CMD_BORROW_READ, TID(1, 0), 0), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    H_EXPECT3(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 0);
    /* the new incarnation does not lend anything either */
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(1, 1), 0), KM_RV_FAILURE, KM_EINVAL);
    h_close(h);
}
END_TEST

/* ---- Dead code ---------------------------------------------------------- */

/* The server restarts while a client waits in send: the client gets (dead
 * code with the server's new generation, 0, kind 2); the old id is stale
 * (send gets the same dead code at once), lookup gives the new one. */
START_TEST(test_dead_code_server_restart_queued)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.policy[0].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "q", 8);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    park(h, 1);
    h_fault(h, 0, "crash");
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, DEAD(1), 0u, 2u);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    H_EXPECT3(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    put(h, 1, 0x180, "org.test.app0", 13);
    allow(h, 1, KM_SYS_ALLOW_RO, 0, at(h, 1, 0x180), 13);
    H_EXPECT2(cmd(h, 1, CMD_LOOKUP, 0, 0), KM_RV_SUCCESS_U32, TID(0, 1));
    allow(h, 1, KM_SYS_ALLOW_RO, 0, at(h, 1, MSG_OFF), 1);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 1), 1), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* The server faults (Stop) while the client waits for its reply: the
 * client gets the dead code; the server stays Faulted, so sends fail at
 * once with the dead code. */
START_TEST(test_dead_code_server_dies_in_service)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.policy[0].kind = KM_FP_STOP;
    struct harness *h = bench_with(&o);
    exchange(h, "q", 16, 8, 1);
    h_fault(h, 0, "crash");
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, DEAD(1), 0u, 2u);
    H_EXPECT3(cmd(h, 1, CMD_SEND, TID(0, 1), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    H_EXPECT3(cmd(h, 1, CMD_POST, TID(0, 1), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(1));
    h_close(h);
}
END_TEST

/* A server that exits (terminate, no restart) also gives its clients the
 * dead code. */
START_TEST(test_dead_code_server_exits)
{
    struct harness *h = bench(2);
    exchange(h, "q", 16, 8, 1);
    h_syscall(h, 0, KM_SYS_EXIT, 0, 0, 0, 0);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    IB_EXPECT_UPCALL(d, 1, H_FN_B, DEAD(1), 0u, 2u);
    h_close(h);
}
END_TEST

/* A client that dies while queued is withdrawn: the server's receive finds
 * nobody and waits; the message is reported dropped. */
START_TEST(test_client_dies_queued)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.policy[1].kind = KM_FP_STOP;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "q", 8);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    h_fault(h, 1, "crash");
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    H_EXPECT_END(park(h, 0), KM_END_IDLE);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0);
    h_close(h);
}
END_TEST

/* ---- Closed receive ------------------------------------------------------- */

/* A closed receive takes only the named sender: another queued client
 * stays queued; a stale id is Failure_u32(NODEVICE, dead code); the named
 * one's send is delivered at once. */
START_TEST(test_closed_recv)
{
    struct h_opts o;
    h_opts_init(&o, 3);
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "one", 8);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    park(h, 1);
    h_boot(h, 2);
    client(h, 2, "two", 8);
    wake_later(h, 2, 3000);
    park(h, 2);
    h_run_until_dispatch(h, 0); /* the alarm at 1000 */
    H_EXPECT3(cmd(h, 0, CMD_RECV_FROM, TID(2, 1), 0), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(0));
    H_EXPECT2(cmd(h, 0, CMD_RECV_FROM, TID(3, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(cmd(h, 0, CMD_RECV_FROM, TID(2, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 0); /* app1 stays queued */
    struct km_dispatch d = park(h, 0);
    H_EXPECT_DISPATCH(d, 2, KM_RESUME_UPCALL); /* app2's alarm */
    H_EXPECT1(cmd(h, 2, CMD_SEND, TID(0, 0), 2), KM_RV_SUCCESS);
    d = h_run_until_dispatch(h, 0);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(2, 0), 3u | 3u << 16, 2u);
    /* an open receive now takes app1 */
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    d = park(h, 0);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(1, 0), 3u | 3u << 16, 1u);
    h_close(h);
}
END_TEST

/* The task a closed receive names dies (restarts): the server gets (dead
 * code, 0, 0) as its receive upcall. */
START_TEST(test_closed_recv_peer_dies)
{
    struct h_opts o;
    h_opts_init(&o, 2);
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    server(h, 0, 16);
    H_EXPECT1(cmd(h, 0, CMD_RECV_FROM, TID(1, 0), 0), KM_RV_SUCCESS);
    park(h, 0);
    h_boot(h, 1);
    h_fault(h, 1, "crash");
    struct km_dispatch d = h_run_until_dispatch(h, 0);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, DEAD(1), 0u, 0u);
    h_close(h);
}
END_TEST

/* ---- Notifications -------------------------------------------------------- */

/* Post ORs bits into the word; a receive whose mask meets the word gets
 * (0xFFFF, 0, firing bits), which are cleared, before any queued message;
 * bits outside the mask wait; a post wakes a receiving server (open, or
 * closed on the kernel id, which takes notifications only). */
START_TEST(test_notifications)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "m", 8);
    H_EXPECT1(cmd(h, 1, CMD_POST, TID(0, 0), 0x5), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 1, CMD_POST, TID(0, 0), 0x8), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 1, CMD_POST, TID(2, 0), 1), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT3(cmd(h, 1, CMD_POST, TID(0, 2), 1), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(0));
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 3), KM_RV_SUCCESS);
    park(h, 1);
    h_run_until_dispatch(h, 0);
    /* mask 0x3: bit 0 fires before the queued message */
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0x3, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, KERNEL_ID, 0u, 0x1u);
    /* bit 0 is cleared, bit 2 and 3 are outside the mask: the message */
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0x3, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 1u | 1u << 16, 3u);
    /* closed on the kernel: bit 3 */
    H_EXPECT1(cmd(h, 0, CMD_RECV_FROM, KERNEL_ID, 0x8), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, KERNEL_ID, 0u, 0x8u);
    /* nothing pending in mask 0x2: waits; a post of 0x6 wakes it with 0x2 */
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 0, CMD_RECV_FROM, KERNEL_ID, 0x2), KM_RV_SUCCESS);
    struct km_dispatch d = park(h, 0);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL); /* its reply */
    H_EXPECT1(cmd(h, 1, CMD_POST, TID(0, 0), 0x6), KM_RV_SUCCESS);
    d = park(h, 1);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, KERNEL_ID, 0u, 0x2u);
    /* 0x4 (posted twice) is still pending */
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0xFFFFFFFFu, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, KERNEL_ID, 0u, 0x4u);
    h_close(h);
}
END_TEST

/* ---- Restriction and client info ---------------------------------------- */

/* Restrict to ShortId 7: a sender with another ShortId gets NOSUPPORT for
 * send and post; the one with 7 is accepted. Kind 1 with 0, an unknown
 * kind: INVAL. Kind 0 accepts anyone again. Client info gives (ShortId,
 * ProcessId, reply capacity while it waits for the caller). */
START_TEST(test_restrict_short_id)
{
    struct harness *h = bench(3);
    h->procs[1].short_id = 7;
    h->procs[2].short_id = 9;
    h_boot(h, 0);
    server(h, 0, 16);
    H_EXPECT2(cmd(h, 0, CMD_RESTRICT, 1, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT2(cmd(h, 0, CMD_RESTRICT, 3, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(cmd(h, 0, CMD_RESTRICT, 1, 7), KM_RV_SUCCESS);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "ok", 12);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    park(h, 1);
    h_boot(h, 2);
    client(h, 2, "no", 8);
    H_EXPECT2(cmd(h, 2, CMD_SEND, TID(0, 0), 1), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(cmd(h, 2, CMD_POST, TID(0, 0), 1), KM_RV_FAILURE, KM_ENOSUPPORT);
    wake_later(h, 2, 5000);
    park(h, 2);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 2u | 2u << 16, 1u);
    struct km_regs r = cmd(h, 0, CMD_INFO, TID(1, 0), 0);
    H_EXPECT4(r, KM_RV_SUCCESS_3U32, 7, h_info(h, 1).process_id, 12);
    r = cmd(h, 0, CMD_INFO, TID(2, 0), 0);
    H_EXPECT4(r, KM_RV_SUCCESS_3U32, 9, h_info(h, 2).process_id, 0);
    H_EXPECT3(cmd(h, 0, CMD_INFO, TID(2, 5), 0), KM_RV_FAILURE_U32, KM_ENODEVICE, DEAD(0));
    H_EXPECT2(cmd(h, 0, CMD_INFO, TID(3, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(cmd(h, 0, CMD_RESTRICT, 0, 0), KM_RV_SUCCESS);
    park(h, 0);
    h_run_until_dispatch(h, 2);
    H_EXPECT1(cmd(h, 2, CMD_POST, TID(0, 0), 1), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* Restrict by package name (ro 0, 1..64 bytes): only that package's
 * process is accepted; a sender queued before the restriction keeps its
 * place. Empty name INVAL, 65 bytes SIZE. */
START_TEST(test_restrict_package)
{
    struct harness *h = bench(3);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "early", 8);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    park(h, 1);
    h_boot(h, 2);
    client(h, 2, "two", 8);
    wake_later(h, 2, 5000);
    park(h, 2);
    h_run_until_dispatch(h, 0);
    H_EXPECT2(cmd(h, 0, CMD_RESTRICT, 2, 0), KM_RV_FAILURE, KM_EINVAL); /* nothing allowed */
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 65);
    H_EXPECT2(cmd(h, 0, CMD_RESTRICT, 2, 0), KM_RV_FAILURE, KM_ESIZE);
    put(h, 0, 0x100, "org.test.app2", 13);
    allow(h, 0, KM_SYS_ALLOW_RO, 0, at(h, 0, 0x100), 13);
    H_EXPECT1(cmd(h, 0, CMD_RESTRICT, 2, 0), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 5u | 5u << 16, 1u);
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    park(h, 0);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_UPCALL);
    H_EXPECT2(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_FAILURE, KM_ENOSUPPORT);
    park(h, 1);
    h_run_until_dispatch(h, 2);
    H_EXPECT1(cmd(h, 2, CMD_SEND, TID(0, 0), 2), KM_RV_SUCCESS);
    d = h_run_until_dispatch(h, 0);
    IB_EXPECT_UPCALL(d, 0, H_FN_A, TID(2, 0), 3u | 3u << 16, 2u);
    h_close(h);
}
END_TEST

/* ---- Fairness ------------------------------------------------------------- */

/* Server 1, clients 0, 2, 3 queued in the order 3, 2, 0. Open receive picks
 * by priority first, then the first found scanning from the server's index
 * + 1 (task.rs priority_scan): with equal priorities 2, 3, 0; with the
 * default priorities (index: 0 most important) 0, 2, 3. */
static void fairness(bool equal, const int expect[3])
{
    struct h_opts o;
    h_opts_init(&o, 4);
    if (equal)
        for (int i = 0; i < 4; i++)
            o.priority[i] = 5;
    struct harness *h = bench_with(&o);
    h_boot(h, 0);
    client(h, 0, "c0", 8);
    wake_later(h, 0, 3000);
    park(h, 0);
    h_boot(h, 1);
    server(h, 1, 16);
    wake_later(h, 1, 5000);
    park(h, 1);
    h_boot(h, 2);
    client(h, 2, "c2", 8);
    wake_later(h, 2, 2000);
    park(h, 2);
    h_boot(h, 3);
    client(h, 3, "c3", 8);
    H_EXPECT1(cmd(h, 3, CMD_SEND, TID(1, 0), 3), KM_RV_SUCCESS);
    park(h, 3);
    h_run_until_dispatch(h, 2);
    H_EXPECT1(cmd(h, 2, CMD_SEND, TID(1, 0), 2), KM_RV_SUCCESS);
    park(h, 2);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_SEND, TID(1, 0), 0), KM_RV_SUCCESS);
    park(h, 0);
    h_run_until_dispatch(h, 1);
    for (int i = 0; i < 3; i++) {
        H_EXPECT1(cmd(h, 1, CMD_RECV, 0, 0), KM_RV_SUCCESS);
        struct km_dispatch d = park(h, 1);
        IB_EXPECT_UPCALL(d, 1, H_FN_A, TID(expect[i], 0), 2u | 2u << 16, (uint32_t)expect[i]);
    }
    h_close(h);
}

START_TEST(test_fairness_scan_order)
{
    static const int order[3] = {2, 3, 0};
    fairness(true, order);
}
END_TEST

START_TEST(test_fairness_priority_first)
{
    static const int order[3] = {0, 2, 3};
    fairness(false, order);
}
END_TEST

/* ---- Abandon ------------------------------------------------------------ */

/* Abandon withdraws a queued send (dropped; the server's receive finds
 * nobody) or revokes the leases of one in service (borrows INVAL, the
 * reply ignored); with nothing pending it is INVAL. */
START_TEST(test_abandon)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "q", 8);
    H_EXPECT2(cmd(h, 1, CMD_ABANDON, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 1, CMD_ABANDON, 0, 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    /* in service: send again with a lease, the server receives it */
    allow(h, 1, KM_SYS_ALLOW_RO, 1, at(h, 1, MSG_OFF), 1);
    wake_later(h, 1, 2000);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), OPW(2, 1, R)), KM_RV_SUCCESS);
    park(h, 1);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 1u | 1u << 16, OPW(2, 1, R));
    H_EXPECT3(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_SUCCESS_2U32, R, 1);
    wake_later(h, 0, 2000);
    park(h, 0);
    h_run_until_dispatch(h, 1);
    H_EXPECT1(cmd(h, 1, CMD_ABANDON, 0, 0), KM_RV_SUCCESS);
    park(h, 1);
    h_run_until_dispatch(h, 0);
    H_EXPECT2(cmd(h, 0, CMD_BORROW_INFO, TID(1, 0), 0), KM_RV_FAILURE, KM_EINVAL);
    reply_data(h, 0, "late");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 0);
    h_close(h);
}
END_TEST

/* A server that defers its replies: the client abandons a message in
 * service and sends another, which the server receives before it answers
 * the first. Its first reply is taken as the abandoned message's and
 * dropped (REPLY names only the task); the second reaches the client. */
START_TEST(test_abandon_late_reply)
{
    struct harness *h = bench(2);
    h_boot(h, 0);
    server(h, 0, 16);
    wake_later(h, 0, 1000);
    park(h, 0);
    h_boot(h, 1);
    client(h, 1, "q", 8);
    wake_later(h, 1, 2000);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 1), KM_RV_SUCCESS);
    park(h, 1);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 1u | 1u << 16, 1);
    wake_later(h, 0, 3000);
    park(h, 0);
    h_run_until_dispatch(h, 1);
    H_EXPECT1(cmd(h, 1, CMD_ABANDON, 0, 0), KM_RV_SUCCESS);
    client(h, 1, "r", 8);
    H_EXPECT1(cmd(h, 1, CMD_SEND, TID(0, 0), 2), KM_RV_SUCCESS);
    park(h, 1);
    h_run_until_dispatch(h, 0);
    H_EXPECT1(cmd(h, 0, CMD_RECV, 0, 0), KM_RV_SUCCESS);
    IB_EXPECT_UPCALL(park(h, 0), 0, H_FN_A, TID(1, 0), 1u | 1u << 16, 2);
    reply_data(h, 0, "old");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 0);
    reply_data(h, 0, "new!");
    H_EXPECT1(cmd(h, 0, CMD_REPLY, TID(1, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 4);
    ck_assert_mem_eq(h_mem(h, at(h, 1, REPLY_OFF)), "new!", 4);
    h_close(h);
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *sendrecv_suite(void)
{
    Suite *s = suite_create("km_ipc_sendrecv");
    TCase *tc = tcase_create("sendrecv");
    tcase_add_test(tc, test_absent_without_mechanism);
    tcase_add_test(tc, test_exists_and_slots);
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_send_errors);
    tcase_add_test(tc, test_send_to_receiving_server);
    tcase_add_test(tc, test_send_queued_then_recv);
    tcase_add_test(tc, test_reply);
    tcase_add_test(tc, test_reply_ignored);
    tcase_add_test(tc, test_reply_fault);
    tcase_add_test(tc, test_reply_fault_reasons);
    tcase_add_test(tc, test_borrow);
    tcase_add_test(tc, test_borrow_errors);
    tcase_add_test(tc, test_lease_revoked_after_reply);
    tcase_add_test(tc, test_borrow_dead_lender);
    tcase_add_test(tc, test_dead_code_server_restart_queued);
    tcase_add_test(tc, test_dead_code_server_dies_in_service);
    tcase_add_test(tc, test_dead_code_server_exits);
    tcase_add_test(tc, test_client_dies_queued);
    tcase_add_test(tc, test_closed_recv);
    tcase_add_test(tc, test_closed_recv_peer_dies);
    tcase_add_test(tc, test_notifications);
    tcase_add_test(tc, test_restrict_short_id);
    tcase_add_test(tc, test_restrict_package);
    tcase_add_test(tc, test_fairness_scan_order);
    tcase_add_test(tc, test_fairness_priority_first);
    tcase_add_test(tc, test_abandon);
    tcase_add_test(tc, test_abandon_late_reply);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(sendrecv_suite());
}
