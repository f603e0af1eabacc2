/* check_km_ipc_mailbox.c: Relay Message, the mailbox, on driver 0xA0011
 * (tock/tock PR #5016 section 4.2; streaming slices of
 * kernel/src/utilities/streaming_process_slice.rs): appending records to
 * the receiver's slice, its header and flags, overflow, the allowlist,
 * reception on and off, and identities after a restart. */
#include "km_ipc_bench.h"

#define FN_MSG H_FN_A
#define SEND 1u
#define ENABLE 2u
#define DISABLE 3u
#define ALLOW 4u
#define REMOVE 5u
#define CLEAR 6u
#define SLICE_OFF 0x100u
#define MSG_OFF 0x400u

static struct km_regs cmd(struct harness *h, int p, uint32_t c, uint32_t a1, uint32_t a2)
{
    return h_call(h, p, KM_SYS_COMMAND, H_DRV_MAILBOX, c, a1, a2);
}

/* p receives into a fresh len-byte slice at ram + off, reception on. */
static uint8_t *receive(struct harness *h, int p, uint32_t off, uint32_t len)
{
    uint8_t *s = h_mem(h, h_ram(h, p) + off);
    memset(s, 0, len);
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, H_DRV_MAILBOX, 0, FN_MSG, 0), KM_RV_SUCCESS_2U32);
    ib_put(h, p, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, off, NULL, len);
    H_EXPECT1(cmd(h, p, ENABLE, 0, 0), KM_RV_SUCCESS);
    return s;
}

/* p sends `msg` to r; returns the command's result. */
static struct km_regs post(struct harness *h, int p, int r, const char *msg)
{
    ib_put(h, p, KM_SYS_ALLOW_RO, H_DRV_MAILBOX, 0, MSG_OFF, msg, (uint32_t)strlen(msg));
    return cmd(h, p, SEND, ib_lo(h, r), ib_hi(h, r));
}

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
    H_EXPECT2(cmd(h, 0, 7, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_MAILBOX, 1, FN_MSG, 0), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    uint32_t at = h_ram(h, 0) + 0x100;
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 1, at, 8), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_MAILBOX, 1, at, 8), KM_RV_FAILURE_2U32,
              KM_ENOSUPPORT);
    h_close(h);
}
END_TEST

/* ---- Delivery ---------------------------------------------------------- */

/* Each message is appended as (sender id low, high, length, bytes) at the
 * write offset, which advances; the receiver hears (0, sender id low,
 * high) per message; reports: message queued and delivered. */
START_TEST(test_append_records)
{
    struct h_opts o = ib_opts(2);
    o.short_id[1] = 0x5151;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 2);
    uint8_t *s = receive(h, 0, SLICE_OFF, 64);
    ib_handover(h, 0, 1);
    H_EXPECT1(post(h, 1, 0, "hi"), KM_RV_SUCCESS);
    H_EXPECT1(post(h, 1, 0, "there"), KM_RV_SUCCESS);
    ck_assert_uint_eq(ib_le32(s + 4), 14 + 17);
    ck_assert_uint_eq(s[0] | s[1] | s[2] | s[3], 0); /* version 0, no flags */
    ck_assert_uint_eq(ib_le32(s + 8), ib_lo(h, 1));
    ck_assert_uint_eq(ib_le32(s + 12), 0x5151);
    ck_assert_uint_eq(ib_le32(s + 16), 2);
    ck_assert_mem_eq(s + 20, "hi", 2);
    ck_assert_uint_eq(ib_le32(s + 22), ib_lo(h, 1));
    ck_assert_uint_eq(ib_le32(s + 30), 5);
    ck_assert_mem_eq(s + 34, "there", 5);
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_bytes_copied, 7);
    ib_handover(h, 1, 0);
    ib_expect_upcall(h, 0, FN_MSG, 0, ib_lo(h, 1), 0x5151);
    ib_expect_upcall(h, 0, FN_MSG, 0, ib_lo(h, 1), 0x5151);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_QUEUED], 2);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DELIVERED], 2);
    const struct h_event *e = ib_ipc(h, 1);
    ck_assert_str_eq(e->ipc_op, "message");
    ck_assert_int_eq(e->ipc_sender, 1);
    ck_assert_int_eq(e->ipc_target, 0);
    ck_assert_uint_eq(e->ipc_bytes, 2);
    h_close(h);
}
END_TEST

/* NODEVICE: unknown identifier, the sender itself, a process that never
 * used the capsule; UNINSTALLED: reception not enabled (or disabled). */
START_TEST(test_send_errors)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    /* 0 enters the capsule's grant without enabling reception */
    H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, H_DRV_MAILBOX, 0, 0, 0), KM_RV_SUCCESS_2U32);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_EUNINSTALLED);
    H_EXPECT2(post(h, 1, 1, "x"), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(post(h, 1, 2, "x"), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT2(cmd(h, 1, SEND, 4242, 0), KM_RV_FAILURE, KM_ENODEVICE);
    ib_handover(h, 1, 0);
    receive(h, 0, SLICE_OFF, 64);
    H_EXPECT1(cmd(h, 0, DISABLE, 0, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_EUNINSTALLED);
    ck_assert_uint_eq(h_count(h, KM_EV_IPC, -2), 0);
    h_close(h);
}
END_TEST

/* A slice that cannot hold its header (or none): SIZE; a version other
 * than 0 or a reserved flag: INVAL; the slice is not touched and the
 * receiver not told. */
START_TEST(test_bad_slice)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    uint8_t *s = receive(h, 0, SLICE_OFF, 64);
    ib_put(h, 0, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, SLICE_OFF, NULL, 0);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_ESIZE);
    ib_handover(h, 1, 0);
    ib_put(h, 0, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, SLICE_OFF, NULL, 7);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_ESIZE);
    ib_handover(h, 1, 0);
    ib_put(h, 0, KM_SYS_ALLOW_RW, H_DRV_MAILBOX, 0, SLICE_OFF, NULL, 64);
    s[1] = 1; /* version 1 */
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_EINVAL);
    s[1] = 0;
    s[3] = 0x04; /* a reserved flag bit */
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_EINVAL);
    s[3] = 0;
    s[2] = 0x80; /* a reserved flag bit in the high byte */
    H_EXPECT2(post(h, 1, 0, "x"), KM_RV_FAILURE, KM_EINVAL);
    ck_assert_uint_eq(ib_le32(s + 4), 0);
    ib_handover(h, 1, 0);
    ib_expect_quiet(h, 0);
    ck_assert_uint_eq(h_count(h, KM_EV_IPC, -2), 0);
    h_close(h);
}
END_TEST

/* A record that does not fit: SIZE for the sender, the exceeded flag set,
 * the offset kept, the receiver told (SIZE, id); a smaller one still goes
 * in while halt is clear; with halt and exceeded set: BUSY, untouched.
 * A fresh slice allowed in its place takes messages again. */
START_TEST(test_overflow_and_halt)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    uint8_t *s = receive(h, 0, SLICE_OFF, 8 + 20);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "0123456789"), KM_RV_FAILURE, KM_ESIZE); /* 22 > 20 */
    ck_assert_uint_eq(s[3], 0x01);
    ck_assert_uint_eq(ib_le32(s + 4), 0);
    H_EXPECT1(post(h, 1, 0, "abcd"), KM_RV_SUCCESS); /* 16 fits */
    ck_assert_uint_eq(s[3], 0x01);
    ck_assert_uint_eq(ib_le32(s + 4), 16);
    ck_assert_mem_eq(s + 8 + 12, "abcd", 4);
    ck_assert_uint_eq(h->ipc_phase[KM_IPC_DROPPED], 1);
    ib_handover(h, 1, 0);
    ib_expect_upcall(h, 0, FN_MSG, KM_ESIZE, ib_lo(h, 1), 0);
    ib_expect_upcall(h, 0, FN_MSG, 0, ib_lo(h, 1), 0);
    s[3] |= 0x02; /* halt */
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, ""), KM_RV_FAILURE, KM_EBUSY);
    ck_assert_uint_eq(ib_le32(s + 4), 16);
    ib_handover(h, 1, 0);
    ib_expect_quiet(h, 0);
    /* consume: a fresh slice in its place */
    uint8_t *s2 = receive(h, 0, 0x200, 64);
    ib_handover(h, 0, 1);
    H_EXPECT1(post(h, 1, 0, "next"), KM_RV_SUCCESS);
    ck_assert_uint_eq(ib_le32(s2 + 4), 16);
    ck_assert_uint_eq(ib_le32(s + 4), 16);
    h_close(h);
}
END_TEST

/* ---- Allowlist --------------------------------------------------------- */

/* Empty: everybody may send. Listed senders only otherwise (RESERVE for
 * the rest); ALREADY for a duplicate, INVAL removing one not listed, NOMEM
 * past 8 entries; clear empties it. */
START_TEST(test_allowlist)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    receive(h, 0, SLICE_OFF, 256);
    uint32_t one = ib_lo(h, 1), two = ib_lo(h, 2);
    H_EXPECT1(cmd(h, 0, ALLOW, one, 0), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 0, ALLOW, one, 0), KM_RV_FAILURE, KM_EALREADY);
    H_EXPECT2(cmd(h, 0, REMOVE, two, 0), KM_RV_FAILURE, KM_EINVAL);
    ib_handover(h, 0, 1);
    H_EXPECT1(post(h, 1, 0, "a"), KM_RV_SUCCESS);
    ib_handover(h, 1, 2);
    H_EXPECT2(post(h, 2, 0, "b"), KM_RV_FAILURE, KM_ERESERVE);
    ib_handover(h, 2, 0);
    H_EXPECT1(cmd(h, 0, REMOVE, one, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 2);
    H_EXPECT1(post(h, 2, 0, "b"), KM_RV_SUCCESS); /* empty again: open */
    ib_handover(h, 2, 0);
    for (uint32_t i = 0; i < 8; i++)
        H_EXPECT1(cmd(h, 0, ALLOW, 1000 + i, 0), KM_RV_SUCCESS);
    H_EXPECT2(cmd(h, 0, ALLOW, one, 0), KM_RV_FAILURE, KM_ENOMEM);
    ib_handover(h, 0, 1);
    H_EXPECT2(post(h, 1, 0, "c"), KM_RV_FAILURE, KM_ERESERVE);
    ib_handover(h, 1, 0);
    H_EXPECT1(cmd(h, 0, CLEAR, 0, 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    H_EXPECT1(post(h, 1, 0, "c"), KM_RV_SUCCESS);
    h_close(h);
}
END_TEST

/* ---- Restarts ------------------------------------------------------------ */

/* A restarted receiver has a new identifier (the old one is NODEVICE),
 * and its allowlist is gone with its old incarnation; a restarted sender
 * is not the sender its receiver listed. */
START_TEST(test_restart_identity)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    receive(h, 0, SLICE_OFF, 128);
    H_EXPECT1(cmd(h, 0, ALLOW, 777, 0), KM_RV_SUCCESS);
    uint32_t old = ib_lo(h, 0);
    ib_restart(h, 0);
    receive(h, 0, SLICE_OFF, 128);
    ib_handover(h, 0, 1);
    H_EXPECT2(cmd(h, 1, SEND, old, 0), KM_RV_FAILURE, KM_ENODEVICE);
    H_EXPECT1(post(h, 1, 0, "new"), KM_RV_SUCCESS); /* allowlist gone */
    ib_handover(h, 1, 0);
    H_EXPECT1(cmd(h, 0, ALLOW, ib_lo(h, 1), 0), KM_RV_SUCCESS);
    ib_handover(h, 0, 1);
    ib_restart(h, 1);
    H_EXPECT2(post(h, 1, 0, "again"), KM_RV_FAILURE, KM_ERESERVE);
    h_close(h);
}
END_TEST

static Suite *mailbox_suite(void)
{
    Suite *s = suite_create("km_ipc_mailbox");
    TCase *tc = tcase_create("mailbox");
    tcase_add_test(tc, test_presence_and_slots);
    tcase_add_test(tc, test_append_records);
    tcase_add_test(tc, test_send_errors);
    tcase_add_test(tc, test_bad_slice);
    tcase_add_test(tc, test_overflow_and_halt);
    tcase_add_test(tc, test_allowlist);
    tcase_add_test(tc, test_restart_identity);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(mailbox_suite());
}
