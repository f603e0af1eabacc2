/* check_km_ipc_registry.c: the draft IPC design's registries (tock/tock
 * PR #5016 section 3, capsules of PR #5015): the string-name registry
 * 0xA0000 and the package-name registry 0xA0001: commands, allows,
 * upcalls, the registration filter, and registrations vanishing with the
 * process. */
#include "km_ipc_bench.h"

#define FN_REG H_FN_A  /* subscribe 0: registration done */
#define FN_DISC H_FN_B /* subscribe 1: discovery done */

/* Subscribes p to both registry upcalls of driver drv. */
static void subscribe_both(struct harness *h, int p, uint32_t drv)
{
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, drv, 0, FN_REG, 0), KM_RV_SUCCESS_2U32);
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, drv, 1, FN_DISC, 0), KM_RV_SUCCESS_2U32);
}

/* p registers `name` in the string registry and must hear status. */
static void register_name(struct harness *h, int p, const char *name, uint32_t status)
{
    ib_allow_name(h, p, 0x100, name);
    H_EXPECT1(h_call(h, p, KM_SYS_COMMAND, H_DRV_REG_NAME, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, p, FN_REG, status, 0, 0);
}

/* p discovers `name` and must hear (status, lo, hi). */
static void discover_name(struct harness *h, int p, const char *name, uint32_t status, uint32_t lo,
                          uint32_t hi)
{
    ib_allow_name(h, p, 0x100, name);
    H_EXPECT1(h_call(h, p, KM_SYS_COMMAND, H_DRV_REG_NAME, 2, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, p, FN_DISC, status, lo, hi);
}

/* ---- Presence ---------------------------------------------------------- */

START_TEST(test_absent_without_relay)
{
    const char *mech[] = {NULL, "legacy", "relay", "share"};
    for (unsigned i = 0; i < 4; i++) {
        struct h_opts o;
        h_opts_init(&o, 1);
        o.ipc.mechanism = mech[i];
        struct harness *h = h_open(&o);
        h_boot(h, 0);
        bool there = i >= 2;
        for (uint32_t drv = H_DRV_REG_NAME; drv <= H_DRV_REG_PKG; drv++) {
            struct km_regs r = h_call(h, 0, KM_SYS_COMMAND, drv, 0, 0, 0);
            if (there)
                H_EXPECT1(r, KM_RV_SUCCESS);
            else
                H_EXPECT2(r, KM_RV_FAILURE, KM_ENODEVICE);
        }
        h_close(h);
    }
}
END_TEST

/* Two upcalls, one read-only allow, no read-write allow; commands past 2
 * are NOSUPPORT. */
START_TEST(test_slots)
{
    struct harness *h = ib_bench(1);
    h_boot(h, 0);
    for (uint32_t drv = H_DRV_REG_NAME; drv <= H_DRV_REG_PKG; drv++) {
        H_EXPECT1(h_call(h, 0, KM_SYS_SUBSCRIBE, drv, 1, FN_DISC, 0), KM_RV_SUCCESS_2U32);
        H_EXPECT2(h_call(h, 0, KM_SYS_SUBSCRIBE, drv, 2, FN_DISC, 0), KM_RV_FAILURE_2U32,
                  KM_ENOSUPPORT);
        uint32_t at = h_ram(h, 0) + 0x100;
        H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RO, drv, 1, at, 20), KM_RV_FAILURE_2U32, KM_ENOSUPPORT);
        H_EXPECT2(h_call(h, 0, KM_SYS_ALLOW_RW, drv, 0, at, 20), KM_RV_FAILURE_2U32, KM_ENOSUPPORT);
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, drv, 3, 0, 0), KM_RV_FAILURE, KM_ENOSUPPORT);
    }
    h_close(h);
}
END_TEST

/* ---- String-name registry ------------------------------------------------ */

/* Register, then another process discovers: (0, id low, id high), the
 * high half being the registrant's ShortId. */
START_TEST(test_name_register_discover)
{
    struct h_opts o = ib_opts(2);
    o.short_id[0] = 0xBEEF;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 2);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    register_name(h, 0, "svc.echo", 0);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_NAME);
    discover_name(h, 1, "svc.echo", 0, ib_lo(h, 0), 0xBEEF);
    /* who found whom is reported (KM_EV_DISCOVER: `ipcsim fuzz` counts it
     * as talking), a lookup that finds nothing is not */
    ck_assert_uint_eq(h_count(h, KM_EV_DISCOVER, -2), 1);
    const struct h_event *e = h_event_nth(h, KM_EV_DISCOVER, 1, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->discover_found, 0);
    /* a different name, or a prefix, does not match */
    discover_name(h, 1, "svc.ech", KM_ENODEVICE, 0, 0);
    ck_assert_uint_eq(h_count(h, KM_EV_DISCOVER, -2), 1);
    h_close(h);
}
END_TEST

/* Not exactly 20 bytes (or nothing allowed): SIZE; 20 zero bytes: INVAL;
 * for register and discover alike, and no upcall. */
START_TEST(test_name_size_and_zero)
{
    struct harness *h = ib_bench(1);
    h_boot(h, 0);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    for (uint32_t cmd = 1; cmd <= 2; cmd++) {
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_NAME, cmd, 0, 0), KM_RV_FAILURE, KM_ESIZE);
        uint8_t buf[21];
        memset(buf, 'x', sizeof(buf));
        ib_put(h, 0, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, 0x100, buf, 19);
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_NAME, cmd, 0, 0), KM_RV_FAILURE, KM_ESIZE);
        ib_put(h, 0, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, 0x100, buf, 21);
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_NAME, cmd, 0, 0), KM_RV_FAILURE, KM_ESIZE);
        memset(buf, 0, sizeof(buf));
        ib_put(h, 0, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, 0x100, buf, 20);
        H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_NAME, cmd, 0, 0), KM_RV_FAILURE,
                  KM_EINVAL);
        ib_put(h, 0, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, 0, NULL, 0);
    }
    ib_expect_quiet(h, 0);
    h_close(h);
}
END_TEST

/* The name may sit in flash (a read-only allow). */
START_TEST(test_name_from_flash)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    uint32_t fl = h_info(h, 0).flash_start + 0x40;
    memcpy(h_mem(h, fl), "flash-name\0\0\0\0\0\0\0\0\0", 20);
    H_EXPECT1(h_call(h, 0, KM_SYS_ALLOW_RO, H_DRV_REG_NAME, 0, fl, 20), KM_RV_SUCCESS_2U32);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_NAME, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 0, FN_REG, 0, 0, 0);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_NAME);
    discover_name(h, 1, "flash-name", 0, ib_lo(h, 0), 0);
    h_close(h);
}
END_TEST

/* First come, first served: a name another process holds is ALREADY; the
 * holder may register again (its own name is not a duplicate), and a new
 * name replaces its old one. */
START_TEST(test_name_duplicate_and_replace)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    register_name(h, 0, "first", 0);
    register_name(h, 0, "first", 0);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_NAME);
    ib_allow_name(h, 1, 0x100, "first");
    H_EXPECT2(h_call(h, 1, KM_SYS_COMMAND, H_DRV_REG_NAME, 1, 0, 0), KM_RV_FAILURE, KM_EALREADY);
    ib_expect_quiet(h, 1);
    discover_name(h, 1, "first", 0, ib_lo(h, 0), 0);
    ib_handover(h, 1, 0);
    register_name(h, 0, "second", 0);
    ib_handover(h, 0, 1);
    discover_name(h, 1, "first", KM_ENODEVICE, 0, 0);
    discover_name(h, 1, "second", 0, ib_lo(h, 0), 0);
    register_name(h, 1, "first", 0); /* free again */
    ib_handover(h, 1, 2);
    subscribe_both(h, 2, H_DRV_REG_NAME);
    discover_name(h, 2, "first", 0, ib_lo(h, 1), 0);
    h_close(h);
}
END_TEST

/* No match: the command succeeds and the upcall carries NODEVICE; a
 * process does not discover itself. */
START_TEST(test_name_no_match_and_self)
{
    struct harness *h = ib_bench(1);
    h_boot(h, 0);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    discover_name(h, 0, "nobody", KM_ENODEVICE, 0, 0);
    register_name(h, 0, "me", 0);
    discover_name(h, 0, "me", KM_ENODEVICE, 0, 0);
    h_close(h);
}
END_TEST

/* The registration filter: a name a rule mentions only goes to a listed
 * package name; the refused registrant hears FAIL (command Success) and
 * holds no name; names without rules are open. */
START_TEST(test_name_filter)
{
    static const struct km_registry_rule rules[] = {
        {.name = "locked", .package_name = "org.test.app1"},
        {.name = "locked", .package_name = "org.test.app2"},
    };
    struct h_opts o = ib_opts(3);
    o.ipc.registry_rules = rules;
    o.ipc.n_registry_rules = 2;
    struct harness *h = h_open(&o);
    ib_boot_all(h, 3);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    register_name(h, 0, "open", 0);
    register_name(h, 0, "locked", KM_EFAIL);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_NAME);
    /* 0's refused attempt cleared its name ("open" is gone too) */
    discover_name(h, 1, "locked", KM_ENODEVICE, 0, 0);
    discover_name(h, 1, "open", KM_ENODEVICE, 0, 0);
    register_name(h, 1, "locked", 0);
    ib_handover(h, 1, 2);
    subscribe_both(h, 2, H_DRV_REG_NAME);
    discover_name(h, 2, "locked", 0, ib_lo(h, 1), 0);
    h_close(h);
}
END_TEST

/* A registration goes with its process: exit (terminate) frees the name;
 * after a restart the process has a new identifier and must register
 * again; a fault (Stop policy) drops it too. */
START_TEST(test_name_vanishes_with_process)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    register_name(h, 0, "svc", 0);
    uint32_t old = ib_lo(h, 0);
    ib_restart(h, 0);
    ck_assert_uint_ne(ib_lo(h, 0), old);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_NAME);
    discover_name(h, 1, "svc", KM_ENODEVICE, 0, 0);
    ib_handover(h, 1, 0);
    subscribe_both(h, 0, H_DRV_REG_NAME);
    register_name(h, 0, "svc", 0);
    ib_handover(h, 0, 1);
    discover_name(h, 1, "svc", 0, ib_lo(h, 0), 0);
    /* 0 faults and stops */
    ib_handover(h, 1, 0);
    ib_pass(h, 0, 1);
    h_fault(h, 0, "test fault");
    ck_assert_int_eq(h_info(h, 0).state, KM_STATE_FAULTED);
    struct km_dispatch d = h_run_until_dispatch(h, 1);
    ck_assert(!d.end && d.proc == 1);
    discover_name(h, 1, "svc", KM_ENODEVICE, 0, 0);
    register_name(h, 1, "svc", 0);
    h_close(h);
}
END_TEST

/* ---- Package-name registry ---------------------------------------------- */

static void pkg_discover(struct harness *h, int p, const char *name, uint32_t len, uint32_t status,
                         uint32_t lo)
{
    ib_put(h, p, KM_SYS_ALLOW_RO, H_DRV_REG_PKG, 0, 0x200, name, len);
    H_EXPECT1(h_call(h, p, KM_SYS_COMMAND, H_DRV_REG_PKG, 2, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, p, FN_DISC, status, lo, 0);
}

/* register takes no name: the process registers its own package name;
 * discovery compares the allowed bytes (any length, no NUL) with the
 * package names of registered processes only. */
START_TEST(test_pkg_register_discover)
{
    struct harness *h = ib_bench(3);
    ib_boot_all(h, 3);
    subscribe_both(h, 0, H_DRV_REG_PKG);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_PKG, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 0, FN_REG, 0, 0, 0);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_PKG);
    pkg_discover(h, 1, "org.test.app0", 13, 0, ib_lo(h, 0));
    const struct h_event *e = h_event_nth(h, KM_EV_DISCOVER, 1, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->discover_found, 0);
    pkg_discover(h, 1, "org.test.app", 12, KM_ENODEVICE, 0);
    pkg_discover(h, 1, "org.test.app0", 14, KM_ENODEVICE, 0); /* with its NUL */
    /* process 2 exists but has not registered */
    pkg_discover(h, 1, "org.test.app2", 13, KM_ENODEVICE, 0);
    /* nothing allowed matches nothing */
    ib_put(h, 1, KM_SYS_ALLOW_RO, H_DRV_REG_PKG, 0, 0, NULL, 0);
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_REG_PKG, 2, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 1, FN_DISC, KM_ENODEVICE, 0, 0);
    /* nor does a process find itself */
    H_EXPECT1(h_call(h, 1, KM_SYS_COMMAND, H_DRV_REG_PKG, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 1, FN_REG, 0, 0, 0);
    pkg_discover(h, 1, "org.test.app1", 13, KM_ENODEVICE, 0);
    h_close(h);
}
END_TEST

/* A process without a package name cannot register: NOMEM, as the draft
 * capsule answers. */
START_TEST(test_pkg_empty_name)
{
    struct h_opts o = ib_opts(1);
    o.package_name[0] = "";
    struct harness *h = h_open(&o);
    h_boot(h, 0);
    subscribe_both(h, 0, H_DRV_REG_PKG);
    H_EXPECT2(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_PKG, 1, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
    ib_expect_quiet(h, 0);
    h_close(h);
}
END_TEST

/* The package registration goes with the process: after a restart it is
 * not found until it registers again, under its new identifier. */
START_TEST(test_pkg_restart)
{
    struct harness *h = ib_bench(2);
    ib_boot_all(h, 2);
    subscribe_both(h, 0, H_DRV_REG_PKG);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_PKG, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 0, FN_REG, 0, 0, 0);
    uint32_t old = ib_lo(h, 0);
    ib_restart(h, 0);
    ib_handover(h, 0, 1);
    subscribe_both(h, 1, H_DRV_REG_PKG);
    pkg_discover(h, 1, "org.test.app0", 13, KM_ENODEVICE, 0);
    ib_handover(h, 1, 0);
    subscribe_both(h, 0, H_DRV_REG_PKG);
    H_EXPECT1(h_call(h, 0, KM_SYS_COMMAND, H_DRV_REG_PKG, 1, 0, 0), KM_RV_SUCCESS);
    ib_expect_upcall(h, 0, FN_REG, 0, 0, 0);
    ib_handover(h, 0, 1);
    ck_assert_uint_ne(ib_lo(h, 0), old);
    pkg_discover(h, 1, "org.test.app0", 13, 0, ib_lo(h, 0));
    h_close(h);
}
END_TEST

static Suite *registry_suite(void)
{
    Suite *s = suite_create("km_ipc_registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_absent_without_relay);
    tcase_add_test(tc, test_slots);
    tcase_add_test(tc, test_name_register_discover);
    tcase_add_test(tc, test_name_size_and_zero);
    tcase_add_test(tc, test_name_from_flash);
    tcase_add_test(tc, test_name_duplicate_and_replace);
    tcase_add_test(tc, test_name_no_match_and_self);
    tcase_add_test(tc, test_name_filter);
    tcase_add_test(tc, test_name_vanishes_with_process);
    tcase_add_test(tc, test_pkg_register_discover);
    tcase_add_test(tc, test_pkg_empty_name);
    tcase_add_test(tc, test_pkg_restart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(registry_suite());
}
