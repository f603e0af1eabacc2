/* check_km_ipc_relay.c: the draft IPC design's Relay Request capsule,
 * driver 0xA0010 (tock/tock PR #5016 section 4.1, capsule
 * ipc_relay_request.rs of PR #5015): every command and error, the upcalls,
 * the one-transaction slot, truncation, round robin, cancellation, client
 * and server death, the ShortId restriction (an ipcsim extension), message
 * reports and the named events; and the planted bug that exists to test
 * ipcsim fuzz (km_config.ipc.planted_bug), against the capsule as it is. */
#include "km_ipc_bench.h"

#define FN_RESP H_FN_A /* subscribe 0: client response */
#define FN_REQ H_FN_B  /* subscribe 1: server request waiting */

#define SEND 0x10u
#define CANCEL 0x11u
#define ENABLE 0x20u
#define DISABLE 0x21u
#define NEXT 0x22u
#define NEXT_OF 0x23u
#define RESPOND 0x24u
#define RESTRICT 0x25u

#define REQ_OFF 0x100u  /* a client's request bytes */
#define RESP_OFF 0x200u /* a client's response buffer */
#define SRX_OFF 0x300u  /* a server's request buffer */
#define STX_OFF 0x400u  /* a server's response bytes */

static struct km_regs cmd(struct harness *h, int p, uint32_t c, uint32_t a1, uint32_t a2)
{
    return h_call(h, p, KM_SYS_COMMAND, H_DRV_RELAY, c, a1, a2);
}

/* p becomes a server: requests enabled, a cap-byte request buffer. Its
 * request-waiting upcall stays null (tests that look at it subscribe). */
static void serve(struct harness *h, int p, uint32_t cap)
{
    H_EXPECT1(cmd(h, p, ENABLE, 0, 0), KM_RV_SUCCESS);
    ib_put(h, p, KM_SYS_ALLOW_RW, H_DRV_RELAY, 0, SRX_OFF, NULL, cap);
}

/* Client p sends `req` to server s with a cap-byte response buffer;
 * returns the command's result. */
static struct km_regs ask(struct harness *h, int p, int s, const char *req, uint32_t cap)
{
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 0, FN_RESP, 0), KM_RV_SUCCESS_2U32);
    ib_put(h, p, KM_SYS_ALLOW_RO, H_DRV_RELAY, 0, REQ_OFF, req, (uint32_t)strlen(req));
    ib_put(h, p, KM_SYS_ALLOW_RW, H_DRV_RELAY, 0, RESP_OFF, NULL, cap);
    return cmd(h, p, SEND, ib_lo(h, s), ib_hi(h, s));
}

/* Server p answers its transaction with `resp`. */
static struct km_regs answer(struct harness *h, int p, const char *resp)
{
    ib_put(h, p, KM_SYS_ALLOW_RO, H_DRV_RELAY, 0, STX_OFF, resp, (uint32_t)strlen(resp));
    return cmd(h, p, RESPOND, 0, 0);
}

#define H_EXPECT_GOT(regs, n, h, c)                                                                \
    H_EXPECT4((regs), KM_RV_SUCCESS_U32_U64, (n), ib_lo((h), (c)), ib_hi((h), (c)))
#define H_EXPECT_F64(regs, err, lo, hi) H_EXPECT4((regs), KM_RV_FAILURE_U64, (err), (lo), (hi))

/* ---- Presence ---------------------------------------------------------- */

START_TEST(test_presence_and_slots)
{
    struct harness *h = h_new(1);
    h_boot(h, 0);
    H_EXPECT2(cmd(h, 0, 0, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    h_close(h);
    h = ib_bench(1);
    h_boot(h, 0);
    H_EXPECT1(cmd(h, 0, 0, 0, 0), KM_RV_SUCCESS);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 1, FN_REQ, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 2, FN_REQ, 0), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    uint32_t at = h_ram(h, 0) + 0x100;
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_RELAY, 1, at, 4), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_RELAY, 1, at, 4), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    const uint32_t bad[] = {1, 0x12, 0x1F, 0x26, 0x30};
    for (unsigned i = 0; i < 5; i++)
        H_EXPECT2(cmd(h, 0, bad[i], 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    h_close(h);
}
END_TEST

/* ---- A whole transaction --------------------------------------------------- */

/* send: the server hears (client lo, hi, 0) at once and nothing is copied;
 * get next copies into its buffer and answers (len, client id); the
 * response is copied into the client's buffer and the client hears (0,
 * len, 0). Each copy is counted on the receiving process; the reports are
 * request queued/delivered and response queued/delivered. */
START_TEST(test_transaction)
{
    struct h_opts o = ib_opts(2);
    o.short_id[1] = 0x77;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 2);
    serve(h, 0, 16);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 1, FN_REQ, 0), KM_RV_SUCCESS_2U32);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "hello", 32), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    ib_handover(h, 1, 0);
    ib_expect_upcall(h, 0, FN_REQ, ib_lo(h, 1), 0x77, 0);
    uint8_t *rx = h_mem(h, h_ram(h, 0) + SRX_OFF);
    ck_assert_int_eq(rx[0], 0); /* not copied yet */
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 5, h, 1);
    ck_assert_mem_eq(rx, "hello", 5);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_bytes_copied, 5);
    H_EXPECT1(answer(h, 0, "world!"), KM_RV_SUCCESS);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, 6);
    ck_assert_mem_eq(h_mem(h, h_ram(h, 1) + RESP_OFF), "world!", 6);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 6, 0);
    /* reports */
    ck_assert_uint_eq(h_count(h, KM_EV_IPC, -2), 4);
    const struct h_event *e = ib_ipc(h, 0);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_QUEUED);
    ck_assert_str_eq(e->ipc_op, "request");
    ck_assert_int_eq(e->ipc_sender, 1);
    ck_assert_int_eq(e->ipc_target, 0);
    e = ib_ipc(h, 1);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_DELIVERED);
    ck_assert_uint_eq(e->ipc_bytes, 5);
    e = ib_ipc(h, 3);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_DELIVERED);
    ck_assert_str_eq(e->ipc_op, "response");
    ck_assert_int_eq(e->ipc_sender, 0);
    ck_assert_int_eq(e->ipc_target, 1);
    ck_assert_uint_eq(e->ipc_bytes, 6);
    /* the transaction is over on both sides */
    H_EXPECT2(cmd(h, 1, CANCEL, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    ib_handover(h, 1, 0);
    H_EXPECT2(cmd(h, 0, RESPOND, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    h_close(h);
}
END_TEST

/* Named events for fault-injection rules: ipc_request on the server when
 * it takes the request, ipc_reply on the client when the response lands. */
START_TEST(test_named_events)
{
    struct km_inject_rule rules[2] = {
        {.kind = KM_INJ_HANG,
         .proc = 0,
         .trigger = KM_TRIG_NTH,
         .nth = 1,
         .event = KM_NOTE_IPC_REQUEST,
         .match_class = -1,
         .match_driver = -1,
         .match_number = -1},
        {.kind = KM_INJ_HANG,
         .proc = 1,
         .trigger = KM_TRIG_NTH,
         .nth = 1,
         .event = KM_NOTE_IPC_REPLY,
         .match_class = -1,
         .match_driver = -1,
         .match_number = -1},
    };
    struct h_opts o = ib_opts(2);
    o.inject = rules;
    o.ninject = 2;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 2);
    serve(h, 0, 16);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "x", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    ck_assert_uint_eq(h->injections, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    ck_assert_uint_eq(h->injections, 1);
    H_EXPECT1(answer(h, 0, "y"), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->injections, 2);
    h_close(h);
}
END_TEST

/* ---- Client errors ----------------------------------------------------------- */

/* NODEVICE: an identifier nobody has, the caller's own, a process that
 * never used the capsule; UNINSTALLED: the server has not enabled
 * requests; ALREADY: one outstanding request per client. */
START_TEST(test_send_errors)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    /* 0 enters the capsule's grant without enabling requests */
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 1, 0, 0), KM_RV_SUCCESS_2U32);
    ib_handover(h, 0, 1);
    H_EXPECT2(ask(h, 1, 0, "a", 4), KM_RV_FAILURE, KM_EUNINSTALLED);
    H_EXPECT2(cmd(h, 1, SEND, 999, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(cmd(h, 1, SEND, ib_lo(h, 0), 5), KM_RV_FAILURE, KM_ENODEVICE); /* wrong ShortId */
    H_EXPECT2(cmd(h, 1, SEND, ib_lo(h, 1), 0), KM_RV_FAILURE, KM_ENODEVICE); /* itself */
    H_EXPECT2(cmd(h, 1, SEND, ib_lo(h, 2), 0), KM_RV_FAILURE, KM_ENODEVICE); /* no grant */
    ib_handover(h, 1, 0);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    H_EXPECT2(ask(h, 1, 0, "b", 4), KM_RV_FAILURE, KM_EALREADY);
    /* failed sends queued nothing on the server: one request waiting */
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 1);
    h_close(h);
}
END_TEST

/* Cancel: INVAL with nothing pending; else the client's own upcall
 * (CANCEL, 0, 0), the request is gone for the server (NODEVICE), the
 * report says dropped; a new request is possible at once. */
START_TEST(test_cancel)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 1, FN_REQ, 0), KM_RV_SUCCESS_2U32);
    ib_handover(h, 0, 1);
    H_EXPECT2(cmd(h, 1, CANCEL, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    H_EXPECT1(cmd(h, 1, CANCEL, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 1, FN_RESP, KM_ECANCEL, 0, 0);
    H_EXPECT2(cmd(h, 1, CANCEL, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    const struct h_event *e = ib_ipc(h, 1);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_DROPPED);
    ck_assert_str_eq(e->ipc_why, "cancelled by the client");
    ib_handover(h, 1, 0);
    ib_expect_upcall(h, 0, FN_REQ, ib_lo(h, 1), 0, 0); /* the stale notice still arrives */
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ENODEVICE, 0, 0);
    ib_handover(h, 0, 1);
    H_EXPECT1(cmd(h, 1, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* A client cancels a request the server has already taken, then sends
 * another: the server's response to the first is refused (NODEVICE, the
 * client no longer waits for it) instead of answering the second, and the
 * second is served next. */
START_TEST(test_cancel_taken)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "one", 8), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    ib_handover(h, 0, 1);
    H_EXPECT1(cmd(h, 1, CANCEL, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 1, FN_RESP, KM_ECANCEL, 0, 0);
    H_EXPECT1(ask(h, 1, 0, "two", 8), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT2(answer(h, 0, "late"), KM_RV_FAILURE, KM_ENODEVICE);
    uint8_t *rx = h_mem(h, h_ram(h, 0) + SRX_OFF);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    ck_assert_mem_eq(rx, "two", 3);
    H_EXPECT1(answer(h, 0, "2"), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 1, 0);
    h_close(h);
}
END_TEST

/* ---- Server side ----------------------------------------------------------- */

/* get next with nothing waiting: Failure+u64 (NODEVICE, 0); a request
 * that does not fit is copied truncated, answered Failure+u64 (SIZE,
 * client id) and the transaction is open (ALREADY for another get next);
 * respond INVAL without a transaction. */
START_TEST(test_next_truncation)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    serve(h, 0, 4);
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ENODEVICE, 0, 0);
    H_EXPECT2(cmd(h, 0, RESPOND, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    uint8_t *rx = h_mem(h, h_ram(h, 0) + SRX_OFF);
    memset(rx, '.', 6);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "0123456789", 16), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ESIZE, ib_lo(h, 1), 0);
    ck_assert_mem_eq(rx, "0123..", 6);
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_EALREADY, 0, 0);
    H_EXPECT1(answer(h, 0, "ok"), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 2, 0);
    h_close(h);
}
END_TEST

/* A response that does not fit the client's buffer is cut: (SIZE, copied,
 * 0); a zero-length response is (0, 0, 0). */
START_TEST(test_response_truncation)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    uint8_t *resp = h_mem(h, h_ram(h, 1) + RESP_OFF);
    memset(resp, '.', 5);
    H_EXPECT1(ask(h, 1, 0, "q", 3), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    H_EXPECT1(answer(h, 0, "abcdefgh"), KM_RV_SUCCESS);
    ck_assert_mem_eq(resp, "abc..", 5);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, KM_ESIZE, 3, 0);
    H_EXPECT1(cmd(h, 1, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    H_EXPECT1(answer(h, 0, ""), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 0, 0);
    h_close(h);
}
END_TEST

/* One transaction slot per process: a server in a transaction cannot send
 * a request, a client waiting cannot take one (both ALREADY). */
START_TEST(test_one_slot)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    serve(h, 1, 8);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 2);
    H_EXPECT1(ask(h, 2, 1, "b", 4), KM_RV_SUCCESS);
    ib_handover(h, 2, 1);
    /* 1 waits on 0, so it cannot serve 2 */
    H_EXPECT_F64(cmd(h, 1, NEXT, 0, 0), KM_EALREADY, 0, 0);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    /* 0 is in a transaction: it cannot send */
    H_EXPECT2(cmd(h, 0, SEND, ib_lo(h, 1), 0), KM_RV_FAILURE, KM_EALREADY);
    h_close(h);
}
END_TEST

/* Round robin: with clients 1, 2 and 3 always waiting, the server takes
 * them in turn, starting after the last one served. */
START_TEST(test_round_robin)
{
    struct harness *h = ib_bench(4);
    ib_boot_all(h, 4);
    serve(h, 0, 8);
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_RELAY, 1, FN_REQ, 0), KM_RV_SUCCESS_2U32);
    for (int c = 1; c <= 3; c++) {
        ib_handover(h, c - 1, c);
        H_EXPECT1(ask(h, c, 0, "r", 4), KM_RV_SUCCESS);
    }
    ib_handover(h, 3, 0);
    const int order[] = {1, 2, 3, 1, 2, 3};
    for (unsigned i = 0; i < 6; i++) {
        int c = order[i];
        ib_expect_upcall(h, 0, FN_REQ, ib_lo(h, c), 0, 0); /* notices come in send order */
        H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, c);
        H_EXPECT1(answer(h, 0, "k"), KM_RV_SUCCESS);
        ib_handover(h, 0, c);
        ib_expect_upcall(h, c, FN_RESP, 0, 1, 0);
        H_EXPECT1(cmd(h, c, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
        ib_handover(h, c, 0);
    }
    h_close(h);
}
END_TEST

/* 0x23 takes the request of one client: another waiting client is left;
 * a client that does not wait gives NODEVICE. */
START_TEST(test_next_of)
{
    struct harness *h = ib_bench(4);
    ib_boot_all(h, 4);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "one", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 2);
    H_EXPECT1(ask(h, 2, 0, "two", 4), KM_RV_SUCCESS);
    ib_handover(h, 2, 0);
    H_EXPECT_F64(cmd(h, 0, NEXT_OF, ib_lo(h, 3), 0), KM_ENODEVICE, 0, 0);
    H_EXPECT_F64(cmd(h, 0, NEXT_OF, ib_lo(h, 0), 0), KM_ENODEVICE, 0, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT_OF, ib_lo(h, 2), 0), 3, h, 2);
    ck_assert_mem_eq(h_mem(h, h_ram(h, 0) + SRX_OFF), "two", 3);
    H_EXPECT1(answer(h, 0, ""), KM_RV_SUCCESS);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    h_close(h);
}
END_TEST

/* Disable: every client waiting (taken or not) hears (UNINSTALLED, 0, 0)
 * and is free again; the server's own transaction is gone; new requests
 * are UNINSTALLED until it enables again. */
START_TEST(test_disable)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 2);
    H_EXPECT1(ask(h, 2, 0, "b", 4), KM_RV_SUCCESS);
    ib_handover(h, 2, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    H_EXPECT1(cmd(h, 0, DISABLE, 0, 0), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 0, RESPOND, 0, 0), KM_RV_FAILURE, KM_EINVAL);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, KM_EUNINSTALLED, 0, 0);
    H_EXPECT2(cmd(h, 1, SEND, ib_lo(h, 0), 0), KM_RV_FAILURE, KM_EUNINSTALLED);
    ib_handover(h, 1, 2);
    ib_expect_upcall(h, 2, FN_RESP, KM_EUNINSTALLED, 0, 0);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1); /* 2's, never taken */
    ib_handover(h, 2, 0);
    H_EXPECT1(cmd(h, 0, ENABLE, 0, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    H_EXPECT1(cmd(h, 1, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* ---- Death ----------------------------------------------------------------- */

/* The server faults: its waiting client is NOT told (no upcall; its send
 * still ALREADY), the report says dropped; the client must cancel, and the
 * server's old identifier is NODEVICE after its restart. */
START_TEST(test_server_dies)
{
    struct h_opts o = ib_opts(2);
    o.policy[0].kind = KM_FP_RESTART;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    uint32_t old = ib_lo(h, 0);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    struct km_dispatch d = h_fault(h, 0, "server crash");
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    ib_started(h, 0);
    const struct h_event *e = ib_ipc(h, 1);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_DROPPED);
    ck_assert_str_eq(e->ipc_why, "server terminated");
    serve(h, 0, 8);
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ENODEVICE, 0, 0); /* not its request */
    ib_handover(h, 0, 1);
    H_EXPECT2(cmd(h, 1, SEND, old, 0), KM_RV_FAILURE, KM_EALREADY);
    ib_expect_quiet(h, 1);
    H_EXPECT1(cmd(h, 1, CANCEL, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 1, FN_RESP, KM_ECANCEL, 0, 0);
    H_EXPECT2(cmd(h, 1, SEND, old, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT1(cmd(h, 1, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1); /* reported once */
    h_close(h);
}
END_TEST

/* A client that dies before its request is taken takes it along (NODEVICE
 * for get next, reported dropped); one that dies after makes the response
 * NODEVICE. */
START_TEST(test_client_dies)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    ib_pass(h, 1, 2);
    h_syscall(h, 1, KM_SYS_EXIT, 0, 0, 0, 0);
    const struct h_event *e = ib_ipc(h, 1);
    ck_assert_int_eq(e->ipc_phase, KM_IPC_DROPPED);
    ck_assert_str_eq(e->ipc_why, "client terminated");
    struct km_dispatch d = h_run_until_dispatch(h, 2);
    ck_assert(!d.end);
    H_EXPECT1(ask(h, 2, 0, "b", 4), KM_RV_SUCCESS);
    ib_handover(h, 2, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 2); /* 1's is gone */
    H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_EALREADY, 0, 0);
    ib_put(h, 0, KM_SYS_ALLOW_RO, H_DRV_RELAY, 0, STX_OFF, "z", 1);
    /* 2 dies while 0 works on its request */
    h_fault(h, 2, "client crash");
    d = h_run_until_dispatch(h, 0);
    ck_assert(!d.end && d.proc == 0);
    H_EXPECT2(cmd(h, 0, RESPOND, 0, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(cmd(h, 0, RESPOND, 0, 0), KM_RV_FAILURE, KM_EINVAL); /* closed anyway */
    h_close(h);
}
END_TEST

/* ---- ShortId restriction (ipcsim extension) ------------------------------ */

START_TEST(test_restrict)
{
    struct h_opts o = ib_opts(3);
    o.short_id[1] = 0x11;
    o.short_id[2] = 0x22;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 3);
    serve(h, 0, 8);
    H_EXPECT1(cmd(h, 0, RESTRICT, 0x11, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 2);
    H_EXPECT2(ask(h, 2, 0, "x", 4), KM_RV_FAILURE, KM_ENODEVICE);
    ib_handover(h, 2, 1);
    H_EXPECT1(ask(h, 1, 0, "y", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT1(cmd(h, 0, RESTRICT, 0, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 2);
    H_EXPECT1(cmd(h, 2, SEND, ib_lo(h, 0), 0), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* ---- Planted bug (for testing ipcsim fuzz) ------------------------------ */

/* Reports of process `to` receiving a request from `from`, in `phase`. */
static unsigned requests(const struct harness *h, enum km_ipc_phase phase, int from, int to)
{
    unsigned n = 0;
    const struct h_event *e;
    for (unsigned i = 0; (e = h_event_nth(h, KM_EV_IPC, -2, i)) != NULL; i++)
        n += e->ipc_phase == phase && e->ipc_sender == from && e->ipc_target == to &&
             strcmp(e->ipc_op, "request") == 0;
    return n;
}

/* A bench of a server 0 (restarted when it faults) and a client 1, with
 * or without the planted bug relay_server_by_slot. */
static struct harness *planted_bench(bool bug)
{
    struct h_opts o = ib_opts(2);
    o.policy[0].kind = KM_FP_RESTART;
    o.ipc.planted_bug = bug ? KM_BUG_RELAY_SERVER_BY_SLOT : KM_BUG_NONE;
    return h_open(&o);
}

/* Loop: _i 0 the capsule as it is, 1 with the planted bug. Without a fault
 * the two are the same. The server then takes a request and restarts
 * before answering it: the capsule as it is has nothing for the new
 * incarnation (NODEVICE); the broken one hands it the same request again,
 * so one request queued is reported delivered twice (what ipcsim fuzz's
 * delivery invariant catches), and the client takes the second answer as
 * the answer to its call. */
START_TEST(test_planted_taken_request)
{
    bool bug = _i == 1;
    struct harness *h = planted_bench(bug);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "one", 8), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    H_EXPECT1(answer(h, 0, "1"), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 1, 0);
    H_EXPECT1(ask(h, 1, 0, "two", 8), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    ck_assert_uint_eq(h_count(h, KM_EV_IPC, -2), 6); /* the same reports either way */
    ck_assert_uint_eq(requests(h, KM_IPC_QUEUED, 1, 0), 2);
    ck_assert_uint_eq(requests(h, KM_IPC_DELIVERED, 1, 0), 2);
    /* the server restarts with request "two" taken and not answered */
    struct km_dispatch d = h_fault(h, 0, "server crash");
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    ib_started(h, 0);
    serve(h, 0, 8);
    uint8_t *rx = h_mem(h, h_ram(h, 0) + SRX_OFF);
    memset(rx, 0, 8);
    if (!bug) {
        H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ENODEVICE, 0, 0);
        H_EXPECT2(answer(h, 0, "2"), KM_RV_FAILURE, KM_EINVAL);
        ck_assert_uint_eq(requests(h, KM_IPC_DELIVERED, 1, 0), 2);
        ib_expect_quiet(h, 0);
        h_close(h);
        return;
    }
    H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 3, h, 1);
    ck_assert_mem_eq(rx, "two", 3);
    ck_assert_uint_eq(requests(h, KM_IPC_QUEUED, 1, 0), 2);
    ck_assert_uint_eq(requests(h, KM_IPC_DELIVERED, 1, 0), 3); /* delivered twice */
    H_EXPECT1(answer(h, 0, "2"), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_expect_upcall(h, 1, FN_RESP, 0, 1, 0);
    h_close(h);
}
END_TEST

/* Loop as above. A request still waiting when its server restarts is
 * reported dropped ("server terminated") and never reaches the new
 * incarnation; with the planted bug it stays open and the new incarnation
 * takes it (reported delivered once: no invariant sees this half). */
START_TEST(test_planted_waiting_request)
{
    bool bug = _i == 1;
    struct harness *h = planted_bench(bug);
    ib_boot_all(h, 2);
    serve(h, 0, 8);
    ib_handover(h, 0, 1);
    H_EXPECT1(ask(h, 1, 0, "a", 4), KM_RV_SUCCESS);
    ib_handover(h, 1, 0);
    struct km_dispatch d = h_fault(h, 0, "server crash");
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_START);
    ib_started(h, 0);
    ck_assert_uint_eq(requests(h, KM_IPC_DROPPED, 1, 0), (bug ? 0u : 1u));
    serve(h, 0, 8);
    if (bug)
        H_EXPECT_GOT(cmd(h, 0, NEXT, 0, 0), 1, h, 1);
    else
        H_EXPECT_F64(cmd(h, 0, NEXT, 0, 0), KM_ENODEVICE, 0, 0);
    ck_assert_uint_eq(requests(h, KM_IPC_DELIVERED, 1, 0), (bug ? 1u : 0u));
    h_close(h);
}
END_TEST

/* The names of the planted bugs (scenario key ipc.planted_bug). */
START_TEST(test_planted_names)
{
    ck_assert_str_eq(km_planted_bug_name(KM_BUG_NONE), "none");
    ck_assert_str_eq(km_planted_bug_name(KM_BUG_RELAY_SERVER_BY_SLOT), "relay_server_by_slot");
    ck_assert_str_eq(km_planted_bug_name((enum km_planted_bug)99), "?");
    ck_assert_int_eq(km_planted_bug_parse("relay_server_by_slot"), KM_BUG_RELAY_SERVER_BY_SLOT);
    ck_assert_int_eq(km_planted_bug_parse("none"), KM_BUG_NONE);
    ck_assert_int_eq(km_planted_bug_parse("relay"), -1);
}
END_TEST

static Suite *relay_suite(void)
{
    Suite *s = suite_create("km_ipc_relay");
    TCase *tc = tcase_create("relay");
    tcase_add_test(tc, test_presence_and_slots);
    tcase_add_test(tc, test_transaction);
    tcase_add_test(tc, test_named_events);
    tcase_add_test(tc, test_send_errors);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_cancel_taken);
    tcase_add_test(tc, test_next_truncation);
    tcase_add_test(tc, test_response_truncation);
    tcase_add_test(tc, test_one_slot);
    tcase_add_test(tc, test_round_robin);
    tcase_add_test(tc, test_next_of);
    tcase_add_test(tc, test_disable);
    tcase_add_test(tc, test_server_dies);
    tcase_add_test(tc, test_client_dies);
    tcase_add_test(tc, test_restrict);
    tcase_add_loop_test(tc, test_planted_taken_request, 0, 2);
    tcase_add_loop_test(tc, test_planted_waiting_request, 0, 2);
    tcase_add_test(tc, test_planted_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(relay_suite());
}
