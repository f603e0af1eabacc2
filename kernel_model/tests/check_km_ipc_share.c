/* check_km_ipc_share.c: the shared-memory capsule, driver 0xA0020
 * (km_ipc_share.c), on the real MPU models: activation from the grant
 * region, EXCLUSIVE and READONLY grants checked with km_mpu_range_allowed,
 * the copy path where an MPU cannot map a chunk, every command's errors,
 * and the end of grants when either side faults, terminates or restarts.
 *
 * Every process of a bench stays runnable (it never waits): the test gives
 * the CPU to process p by letting the others use up their timeslices, and
 * looks at p's upcalls with a yield-no-wait. */
#include "km_ipc_bench.h"

#define DRV 0xA0020u
#define C_EXISTS 0u
#define C_ACTIVATE 1u
#define C_GRANT 2u
#define C_REVOKE 3u
#define C_RELEASE 4u
#define C_INFO 5u
#define C_COPY_IN 6u
#define C_COPY_OUT 7u
#define EXCL 1u
#define RO 2u
#define F_EXACT 1u
#define F_UNMAPPED 2u
#define COPIED (1u << 16)
#define END_REVOKED 0u
#define END_RELEASED 1u
#define END_GONE 2u
#define SLICE 10000u /* the round-robin timeslice in cycles (1 MHz clock) */
#define R_ (KM_ACCESS_READ)
#define W_ (KM_ACCESS_WRITE)
#define RW_ (KM_ACCESS_READ | KM_ACCESS_WRITE)

static const char *const all_mpus[] = {"armv7m", "armv8m", "riscv_pmp"};

/* A bench with the share mechanism on MPU model mpu: ARMv7-M and ARMv8-M
 * with 8 regions of at least 32 bytes, RISC-V PMP with 4 user regions. */
static void opts(struct h_opts *o, unsigned n, const char *mpu)
{
    h_opts_init(o, n);
    o->ipc.mechanism = "share";
    o->mpu = mpu;
    bool cortex = strcmp(mpu, "riscv_pmp") != 0;
    o->mpu_regions = cortex ? 8 : 4;
    o->mpu_min_region = cortex ? 32 : 4;
}

static struct harness *bench(unsigned n, const char *mpu)
{
    struct h_opts o;
    opts(&o, n, mpu);
    return h_open(&o);
}

/* false: processes boot without touching the driver */
static bool boot_subscribes = true;

/* Process p got its START dispatch: moves its break as crt0 does and
 * subscribes upcall 0 (granted) to H_FN_A and 1 (ended) to H_FN_B. */
static void boot_one(struct harness *h, int p)
{
    H_EXPECT1(h_call(h, p, KM_SYS_MEMOP, 0, h_ram(h, p) + H_APP_BRK, 0, 0), KM_RV_SUCCESS);
    if (!boot_subscribes)
        return;
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, DRV, 0, H_FN_A, H_DATA_A), KM_RV_SUCCESS_2U32);
    H_EXPECT1(h_call(h, p, KM_SYS_SUBSCRIBE, DRV, 1, H_FN_B, H_DATA_B), KM_RV_SUCCESS_2U32);
}

/* Runs until process p holds the dispatch (booting anyone that starts). */
static void run_as(struct harness *h, int p)
{
    for (int i = 0; i < 1000; i++) {
        struct km_dispatch d = h_next(h);
        ck_assert_msg(!d.end, "the run ended before process %d ran", p);
        if (d.resume == KM_RESUME_START)
            boot_one(h, d.proc);
        if (d.proc == p)
            return;
        h_compute(h, d.proc, SLICE);
    }
    ck_abort_msg("process %d never ran", p);
}

static struct harness *booted(unsigned n, const char *mpu)
{
    struct harness *h = bench(n, mpu);
    for (unsigned i = n; i-- > 0;)
        run_as(h, (int)i);
    return h;
}

/* Process p makes syscall cls (run_as, then h_call). */
static struct km_regs call(struct harness *h, int p, uint32_t cls, uint64_t r0, uint64_t r1,
                           uint64_t r2, uint64_t r3)
{
    run_as(h, p);
    return h_call(h, p, cls, r0, r1, r2, r3);
}

static struct km_regs cmd(struct harness *h, int p, uint32_t c, uint32_t a1, uint32_t a2)
{
    run_as(h, p);
    return h_call(h, p, KM_SYS_COMMAND, DRV, c, a1, a2);
}

static void expect_fail(struct km_regs r, int err)
{
    ck_assert_uint_eq(r.r[0], KM_RV_FAILURE);
    ck_assert_str_eq(km_err_name((int)r.r[1]), km_err_name(err));
}

static uint32_t pid(const struct harness *h, int p)
{
    return h_info(h, p).process_id;
}

/* No byte of [addr, addr+len) is accessible to p at all. */
static bool none(const struct harness *h, int p, uint32_t addr, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (ib_can(h, p, addr + i, 1, R_) || ib_can(h, p, addr + i, 1, W_))
            return false;
    return true;
}

/* Activates a chunk of len bytes on p; returns the handle word. */
static uint32_t activate(struct harness *h, int p, uint32_t len, uint32_t flags, uint32_t *addr,
                         uint32_t *size)
{
    struct km_regs r = cmd(h, p, C_ACTIVATE, len, flags);
    ck_assert_uint_eq(r.r[0], KM_RV_SUCCESS_3U32);
    *addr = (uint32_t)r.r[2];
    *size = (uint32_t)r.r[3];
    return (uint32_t)r.r[1];
}

/* p looks at its next upcall (yield-no-wait): it must be (fn, a0, a1, a2). */
static void expect_upcall(struct harness *h, int p, uint64_t fn, uint32_t a0, uint32_t a1,
                          uint32_t a2)
{
    run_as(h, p);
    IB_EXPECT_UPCALL(h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_NO_WAIT, 0, 0, 0), p, fn, a0, a1, a2);
}

/* p has no upcall waiting. */
static void expect_no_upcall(struct harness *h, int p)
{
    run_as(h, p);
    struct km_dispatch d = h_syscall(h, p, KM_SYS_YIELD, KM_YIELD_NO_WAIT, 0, 0, 0);
    H_EXPECT_DISPATCH(d, p, KM_RESUME_RETURN);
}

/* ---- Presence and activation ------------------------------------------ */

/* Without "mechanism": "share" the board has no driver 0xA0020; "relay"
 * alone does not bring it either. */
START_TEST(test_present_only_with_share)
{
    static const char *const mech[] = {NULL, "relay", "legacy"};
    for (unsigned i = 0; i < 3; i++) {
        struct h_opts o;
        h_opts_init(&o, 1);
        o.ipc.mechanism = mech[i];
        struct harness *h = h_open(&o);
        h_boot(h, 0);
        expect_fail(h_call(h, 0, KM_SYS_COMMAND, DRV, C_EXISTS, 0, 0), KM_ENODEVICE);
        h_close(h);
    }
    struct harness *h = booted(1, "riscv_pmp");
    H_EXPECT1(cmd(h, 0, C_EXISTS, 0, 0), KM_RV_SUCCESS);
    expect_fail(cmd(h, 0, 8, 0, 0), KM_ENOSUPPORT);
    h_close(h);
}
END_TEST

/* The chunk comes from the top of the caller's grant region (the kernel
 * break moves down to its start), is zeroed, rounded to what the MPU can
 * express, and mapped read-write into the owner: ARMv7-M 100 -> 128 bytes
 * (here inside one 256-byte region's subregions), ARMv8-M 100 -> 128
 * aligned to 32, PMP 100 -> 104. */
START_TEST(test_activate_shape_and_owner_mapping)
{
    static const uint32_t want_size[] = {128, 128, 104};
    static const uint32_t want_align[] = {32, 32, 8};
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = booted(1, all_mpus[i]);
        struct km_proc_info before = h_info(h, 0);
        /* stale bytes where the chunk will be */
        memset(h_mem(h, before.kernel_break - 512), 0xAA, 512);
        uint32_t addr, size;
        uint32_t hw = activate(h, 0, 100, 0, &addr, &size);
        struct km_proc_info after = h_info(h, 0);
        ck_assert_uint_eq(hw & 0xff, 0);
        ck_assert_uint_eq(size, want_size[i]);
        ck_assert_uint_eq(addr % want_align[i], 0);
        ck_assert_uint_eq(addr, after.kernel_break);
        ck_assert_uint_le(addr + size, before.kernel_break);
        ck_assert_uint_ge(addr, after.app_break);
        for (uint32_t b = 0; b < size; b++)
            ck_assert_uint_eq(h_mem(h, addr)[b], 0);
        /* memop 6 (grant region start) agrees */
        H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 6, 0, 0, 0), KM_RV_SUCCESS_U32, addr);
        if (strcmp(all_mpus[i], "armv8m") == 0) {
            /* mpu_v8m.rs allocate_region compares with region 0's whole
             * block: the owner reaches its chunk by copies */
            ck_assert_uint_eq(hw & COPIED, COPIED);
            ck_assert(none(h, 0, addr, size));
            ck_assert_uint_eq(after.stats.ipc_share_copied, 1);
            ck_assert_uint_eq(after.stats.ipc_share_mapped, 0);
            ck_assert_uint_eq(h->notices, 1);
            ck_assert_ptr_nonnull(strstr(h->notice, "inside its own process block"));
        } else {
            ck_assert_uint_eq(hw & COPIED, 0);
            ck_assert(ib_can(h, 0, addr, size, RW_));
            ck_assert(none(h, 0, addr + size, 1));
            ck_assert_uint_ne(after.mpu_generation, before.mpu_generation);
            ck_assert_uint_eq(after.stats.ipc_share_mapped, 1);
            ck_assert_uint_eq(h->notices, 0);
        }
        /* a second chunk: the next handle, below the first */
        uint32_t addr2, size2;
        ck_assert_uint_eq(activate(h, 0, 32, 0, &addr2, &size2) & 0xff, 1);
        ck_assert_uint_le(addr2 + size2, addr);
        h_close(h);
    }
}
END_TEST

/* Activation errors: 0 bytes or unknown flags INVAL; more than the grant
 * region has, or a ninth chunk, NOMEM. */
START_TEST(test_activate_errors)
{
    struct harness *h = booted(1, "riscv_pmp");
    expect_fail(cmd(h, 0, C_ACTIVATE, 0, 0), KM_EINVAL);
    expect_fail(cmd(h, 0, C_ACTIVATE, 32, 4), KM_EINVAL);
    expect_fail(cmd(h, 0, C_ACTIVATE, 0x100000, 0), KM_ENOMEM);
    expect_fail(cmd(h, 0, C_ACTIVATE, 0xffffffffu, 0), KM_ENOMEM);
    uint32_t addr, size;
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(activate(h, 0, 16, F_UNMAPPED, &addr, &size) & 0xff, i);
    expect_fail(cmd(h, 0, C_ACTIVATE, 16, 0), KM_ENOMEM);
    h_close(h);
}
END_TEST

/* Flag UNMAPPED: the owner spends no region and reaches its chunk by
 * copies; no notice, since it chose so. */
START_TEST(test_activate_unmapped)
{
    struct harness *h = booted(1, "armv7m");
    uint32_t addr, size;
    uint32_t hw = activate(h, 0, 64, F_UNMAPPED, &addr, &size);
    ck_assert_uint_eq(hw, COPIED);
    ck_assert(none(h, 0, addr, size));
    ck_assert_uint_eq(h_info(h, 0).stats.ipc_share_copied, 1);
    ck_assert_uint_eq(h->notices, 0);
    h_close(h);
}
END_TEST

/* The overlap rule by construction: the chunk is not app-owned memory, so
 * allows into it fail INVAL (in_app_owned_memory), an upcall pointer into
 * it fails INVAL, and the break cannot grow over it. */
START_TEST(test_no_allow_or_upcall_into_chunk)
{
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = booted(1, all_mpus[i]);
        uint32_t addr, size;
        activate(h, 0, 64, 0, &addr, &size);
        struct km_regs r = call(h, 0, KM_SYS_ALLOW_RW, DRV, 0, addr, 16);
        ck_assert_uint_eq(r.r[0], KM_RV_FAILURE_2U32);
        ck_assert_uint_eq(r.r[1], KM_EINVAL);
        r = call(h, 0, KM_SYS_ALLOW_RO, DRV, 0, addr + size - 1, 1);
        ck_assert_uint_eq(r.r[0], KM_RV_FAILURE_2U32);
        ck_assert_uint_eq(r.r[1], KM_EINVAL);
        r = call(h, 0, KM_SYS_ALLOW_RW, H_DRV_CONSOLE, 1, addr, size);
        ck_assert_uint_eq(r.r[1], KM_EINVAL);
        r = h_call(h, 0, KM_SYS_SUBSCRIBE, DRV, 0, addr, 0);
        ck_assert_uint_eq(r.r[0], KM_RV_FAILURE_2U32);
        ck_assert_uint_eq(r.r[1], KM_EINVAL);
        H_EXPECT2(h_call(h, 0, KM_SYS_MEMOP, 0, addr + 4, 0, 0), KM_RV_FAILURE, KM_ENOMEM);
        /* app-owned memory just below is fine */
        H_EXPECT1(call(h, 0, KM_SYS_ALLOW_RW, DRV, 0, h_ram(h, 0) + 0x100, 16), KM_RV_SUCCESS_2U32);
        h_close(h);
    }
}
END_TEST

/* ---- Grants ------------------------------------------------------------- */

/* EXCLUSIVE on every MPU: the peer gets exactly the chunk read-write (not
 * a byte around it) and is told with upcall 0 (owner pid, hw, addr); the
 * owner loses its mapping. Revoke removes the peer's region, tells the
 * peer (upcall 1, reason REVOKED) and gives the owner its region back. */
START_TEST(test_grant_exclusive_all_mpus)
{
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = booted(2, all_mpus[i]);
        uint32_t addr, size;
        uint32_t own = activate(h, 0, 256, 0, &addr, &size);
        bool owner_maps = !(own & COPIED);
        ck_assert(owner_maps == (strcmp(all_mpus[i], "armv8m") != 0));
        uint32_t gen = h_info(h, 1).mpu_generation;
        struct km_regs r = cmd(h, 0, C_GRANT, 0 | EXCL << 8, pid(h, 1));
        H_EXPECT2(r, KM_RV_SUCCESS_U32, EXCL << 8);
        ck_assert_uint_ne(h_info(h, 1).mpu_generation, gen);
        ck_assert(ib_can(h, 1, addr, size, RW_));
        ck_assert(none(h, 1, addr - 4, 4));
        ck_assert(none(h, 1, addr + size, 4));
        ck_assert(none(h, 0, addr, size));
        ck_assert_uint_eq(h_info(h, 1).stats.ipc_share_mapped, 1);
        expect_upcall(h, 1, H_FN_A, pid(h, 0), EXCL << 8, addr);
        /* revoke */
        H_EXPECT2(cmd(h, 0, C_REVOKE, 0, pid(h, 1)), KM_RV_SUCCESS_U32, 1);
        ck_assert(none(h, 1, addr, size));
        if (owner_maps)
            ck_assert(ib_can(h, 0, addr, size, RW_));
        else
            ck_assert(none(h, 0, addr, size));
        expect_upcall(h, 1, H_FN_B, pid(h, 0), EXCL << 8, END_REVOKED);
        h_close(h);
    }
}
END_TEST

/* READONLY on every MPU: the peers and the owner can read and none can
 * write while it is shared; a chunk shared read-only cannot be granted
 * EXCLUSIVE (BUSY), nor twice to one peer (ALREADY). When the last peer
 * releases, the owner gets read-write back and each release tells the
 * owner (upcall 1, peer pid, reason RELEASED). */
START_TEST(test_grant_readonly_all_mpus)
{
    for (unsigned i = 0; i < 3; i++) {
        struct harness *h = booted(3, all_mpus[i]);
        uint32_t addr, size;
        bool owner_maps = !(activate(h, 0, 256, 0, &addr, &size) & COPIED);
        H_EXPECT2(cmd(h, 0, C_GRANT, RO << 8, pid(h, 1)), KM_RV_SUCCESS_U32, RO << 8);
        ck_assert(ib_can(h, 1, addr, size, R_));
        ck_assert(!ib_can(h, 1, addr, 1, W_));
        ck_assert(!ib_can(h, 1, addr + size - 1, 1, W_));
        ck_assert(none(h, 1, addr + size, 4));
        if (owner_maps) {
            ck_assert(ib_can(h, 0, addr, size, R_));
            ck_assert(!ib_can(h, 0, addr, 1, W_));
            ck_assert(!ib_can(h, 0, addr + size - 1, 1, W_));
        }
        expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 2)), KM_EBUSY);
        expect_fail(cmd(h, 0, C_GRANT, RO << 8, pid(h, 1)), KM_EALREADY);
        H_EXPECT2(cmd(h, 0, C_GRANT, RO << 8, pid(h, 2)), KM_RV_SUCCESS_U32, RO << 8);
        ck_assert(ib_can(h, 2, addr, size, R_));
        ck_assert(!ib_can(h, 2, addr, 1, W_));
        expect_upcall(h, 2, H_FN_A, pid(h, 0), RO << 8, addr);
        /* peer 1 releases: the owner stays read-only for peer 2 */
        H_EXPECT1(cmd(h, 1, C_RELEASE, 0, pid(h, 0)), KM_RV_SUCCESS);
        ck_assert(none(h, 1, addr, size));
        if (owner_maps)
            ck_assert(!ib_can(h, 0, addr, 1, W_) && ib_can(h, 0, addr, size, R_));
        expect_upcall(h, 0, H_FN_B, pid(h, 1), RO << 8, END_RELEASED);
        H_EXPECT1(cmd(h, 2, C_RELEASE, 0, pid(h, 0)), KM_RV_SUCCESS);
        if (owner_maps)
            ck_assert(ib_can(h, 0, addr, size, RW_));
        expect_upcall(h, 0, H_FN_B, pid(h, 2), RO << 8, END_RELEASED);
        /* an EXCLUSIVE grant is possible again */
        H_EXPECT2(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 2)), KM_RV_SUCCESS_U32, EXCL << 8);
        h_close(h);
    }
}
END_TEST

/* A peer that never used the driver (no grant, no subscription) still
 * gets the granted upcall's values with yield-wait-for: the grant command
 * enters its grant, as a capsule's enter() allocates one. */
START_TEST(test_grant_to_waiting_peer_without_grant)
{
    boot_subscribes = false;
    struct harness *h = booted(2, "armv7m");
    uint32_t addr, size;
    activate(h, 0, 64, 0, &addr, &size);
    run_as(h, 1);
    struct km_dispatch d = h_syscall(h, 1, KM_SYS_YIELD, KM_YIELD_WAIT_FOR, DRV, 0, 0);
    H_EXPECT_DISPATCH(d, 0, KM_RESUME_RETURN);
    H_EXPECT2(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32, EXCL << 8);
    h_compute(h, 0, SLICE);
    d = h_next(h);
    H_EXPECT_DISPATCH(d, 1, KM_RESUME_RETURN);
    ck_assert_uint_eq(d.regs.r[0], pid(h, 0));
    ck_assert_uint_eq(d.regs.r[1], EXCL << 8);
    ck_assert_uint_eq(d.regs.r[2], addr);
    h_close(h);
}
END_TEST

/* At most four READONLY grants per chunk: the fifth is NOMEM. */
START_TEST(test_grant_limit)
{
    struct harness *h = booted(6, "armv8m");
    uint32_t addr, size;
    activate(h, 0, 64, 0, &addr, &size);
    for (int p = 1; p <= 4; p++)
        H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, pid(h, p)), KM_RV_SUCCESS_U32);
    expect_fail(cmd(h, 0, C_GRANT, RO << 8, pid(h, 5)), KM_ENOMEM);
    H_EXPECT2(cmd(h, 0, C_REVOKE, 0, 0), KM_RV_SUCCESS_U32, 4);
    for (int p = 1; p <= 5; p++)
        ck_assert(none(h, p, addr, size));
    h_close(h);
}
END_TEST

/* Grant errors: unknown handle, mode or high bits INVAL; yourself INVAL;
 * no live process with that pid NODEVICE; EXCLUSIVE on a granted chunk
 * BUSY; anything on an EXCLUSIVE one BUSY. */
START_TEST(test_grant_errors)
{
    struct harness *h = booted(3, "riscv_pmp");
    uint32_t addr, size;
    activate(h, 0, 64, 0, &addr, &size);
    uint32_t p1 = pid(h, 1);
    expect_fail(cmd(h, 0, C_GRANT, 1 | EXCL << 8, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, 8 | EXCL << 8, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, 0, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, 3 << 8, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8 | 1u << 16, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 0)), KM_EINVAL);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, 999), KM_ENODEVICE);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, 0), KM_ENODEVICE);
    /* a peer cannot grant the owner's chunk: handle 0 of its own is unused */
    expect_fail(cmd(h, 1, C_GRANT, EXCL << 8, pid(h, 2)), KM_EINVAL);
    H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, p1), KM_RV_SUCCESS_U32);
    expect_fail(cmd(h, 0, C_GRANT, RO << 8, pid(h, 2)), KM_EBUSY);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 2)), KM_EBUSY);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, p1), KM_EALREADY);
    h_close(h);
}
END_TEST

/* Revoke, release and info errors. */
START_TEST(test_revoke_release_info_errors)
{
    struct harness *h = booted(3, "riscv_pmp");
    uint32_t addr, size;
    activate(h, 0, 64, 0, &addr, &size);
    uint32_t p0 = pid(h, 0), p1 = pid(h, 1), p2 = pid(h, 2);
    expect_fail(cmd(h, 0, C_REVOKE, 1, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_REVOKE, 8, p1), KM_EINVAL);
    expect_fail(cmd(h, 0, C_REVOKE, 0, p1), KM_EALREADY);
    expect_fail(cmd(h, 0, C_REVOKE, 0, 0), KM_EALREADY);
    expect_fail(cmd(h, 0, C_REVOKE, 0, 999), KM_ENODEVICE);
    expect_fail(cmd(h, 1, C_RELEASE, 0, p0), KM_EALREADY);
    expect_fail(cmd(h, 1, C_RELEASE, 0, 999), KM_ENODEVICE);
    expect_fail(cmd(h, 1, C_RELEASE, 1, p0), KM_EINVAL);
    expect_fail(cmd(h, 0, C_RELEASE, 0, p0), KM_EINVAL);
    expect_fail(cmd(h, 1, C_INFO, 0, p0), KM_EINVAL); /* not held */
    expect_fail(cmd(h, 1, C_INFO, 0, 999), KM_ENODEVICE);
    expect_fail(cmd(h, 0, C_INFO, 1, 0), KM_EINVAL);
    H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, p1), KM_RV_SUCCESS_U32);
    H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, p2), KM_RV_SUCCESS_U32);
    /* info: the owner's view (grant count in bits 24-31), the peer's */
    H_EXPECT4(cmd(h, 0, C_INFO, 0, 0), KM_RV_SUCCESS_3U32, 2u << 24, addr, size);
    H_EXPECT4(cmd(h, 1, C_INFO, 0, p0), KM_RV_SUCCESS_3U32, RO << 8, addr, size);
    H_EXPECT4(cmd(h, 0, C_INFO, 0, p0), KM_RV_SUCCESS_3U32, 2u << 24, addr, size);
    /* revoke one peer: the other keeps it */
    H_EXPECT2(cmd(h, 0, C_REVOKE, 0, p2), KM_RV_SUCCESS_U32, 1);
    ck_assert(none(h, 2, addr, size));
    ck_assert(ib_can(h, 1, addr, size, R_));
    expect_fail(cmd(h, 2, C_RELEASE, 0, p0), KM_EALREADY);
    expect_no_upcall(h, 0); /* a revoke does not tell the owner */
    h_close(h);
}
END_TEST

/* ---- Copies ------------------------------------------------------------- */

/* copy_out (ro allow 0 -> chunk at offset) and copy_in (chunk at offset
 * -> rw allow 0), for owner and peer, within the modes' rules. */
START_TEST(test_copy_rules)
{
    struct harness *h = booted(2, "riscv_pmp");
    uint32_t addr, size;
    activate(h, 0, 64, 0, &addr, &size);
    uint32_t p0 = pid(h, 0);
    uint32_t src0 = h_ram(h, 0) + 0x200, dst1 = h_ram(h, 1) + 0x300, src1 = h_ram(h, 1) + 0x380;
    /* nothing allowed yet */
    expect_fail(cmd(h, 0, C_COPY_OUT, 0, 0), KM_EINVAL);
    memcpy(h_mem(h, src0), "checked!", 8);
    H_EXPECT1(call(h, 0, KM_SYS_ALLOW_RO, DRV, 0, src0, 8), KM_RV_SUCCESS_2U32);
    H_EXPECT2(cmd(h, 0, C_COPY_OUT, 0 | 8u << 8, 0), KM_RV_SUCCESS_U32, 8);
    ck_assert_int_eq(memcmp(h_mem(h, addr + 8), "checked!", 8), 0);
    expect_fail(cmd(h, 0, C_COPY_OUT, 0 | 57u << 8, 0), KM_ESIZE);
    H_EXPECT2(cmd(h, 0, C_COPY_OUT, 0 | 56u << 8, 0), KM_RV_SUCCESS_U32, 8);
    /* not held yet */
    H_EXPECT1(call(h, 1, KM_SYS_ALLOW_RW, DRV, 0, dst1, 8), KM_RV_SUCCESS_2U32);
    expect_fail(cmd(h, 1, C_COPY_IN, 0, p0), KM_EINVAL);
    /* READONLY: the peer reads, cannot write; the owner reads, cannot write */
    H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, pid(h, 1)), KM_RV_SUCCESS_U32);
    uint64_t copied = h_info(h, 1).stats.ipc_bytes_copied;
    H_EXPECT2(cmd(h, 1, C_COPY_IN, 0 | 8u << 8, p0), KM_RV_SUCCESS_U32, 8);
    ck_assert_int_eq(memcmp(h_mem(h, dst1), "checked!", 8), 0);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_bytes_copied, copied + 8);
    H_EXPECT1(call(h, 1, KM_SYS_ALLOW_RO, DRV, 0, src1, 4), KM_RV_SUCCESS_2U32);
    expect_fail(cmd(h, 1, C_COPY_OUT, 0, p0), KM_EINVAL);
    expect_fail(cmd(h, 0, C_COPY_OUT, 0, 0), KM_EBUSY);
    H_EXPECT1(call(h, 0, KM_SYS_ALLOW_RW, DRV, 0, src0 + 0x40, 8), KM_RV_SUCCESS_2U32);
    H_EXPECT2(cmd(h, 0, C_COPY_IN, 0, 0), KM_RV_SUCCESS_U32, 8);
    /* EXCLUSIVE: the peer writes; the owner can do nothing */
    H_EXPECT2(cmd(h, 0, C_REVOKE, 0, 0), KM_RV_SUCCESS_U32, 1);
    H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32);
    memcpy(h_mem(h, src1), "peer", 4);
    H_EXPECT2(cmd(h, 1, C_COPY_OUT, 0, p0), KM_RV_SUCCESS_U32, 4);
    ck_assert_int_eq(memcmp(h_mem(h, addr), "peer", 4), 0);
    expect_fail(cmd(h, 0, C_COPY_IN, 0, 0), KM_EBUSY);
    expect_fail(cmd(h, 0, C_COPY_OUT, 0, 0), KM_EBUSY);
    /* the peer names the owner by its own pid too (0 = the caller's own) */
    expect_fail(cmd(h, 1, C_COPY_IN, 0, 0), KM_EINVAL);
    expect_fail(cmd(h, 1, C_COPY_IN, 0, 999), KM_ENODEVICE);
    H_EXPECT1(cmd(h, 0, C_REVOKE, 0, 0), KM_RV_SUCCESS_U32);
    H_EXPECT2(cmd(h, 0, C_COPY_IN, 0, p0), KM_RV_SUCCESS_U32, 8);
    ck_assert_int_eq(memcmp(h_mem(h, src0 + 0x40), "peer", 4), 0);
    h_close(h);
}
END_TEST

/* ---- Fallback to copies ------------------------------------------------- */

/* ARMv7-M, a chunk with the exact size 100 (-> 104 bytes, not a power of
 * two nor whole 32-byte subregions): neither owner nor peer can map it;
 * the grant still succeeds with the COPIED bit in its result and upcall,
 * a notice names the reason, and the copies work. */
START_TEST(test_fallback_armv7m_shape)
{
    struct harness *h = booted(2, "armv7m");
    uint32_t addr, size;
    uint32_t hw = activate(h, 0, 100, F_EXACT, &addr, &size);
    ck_assert_uint_eq(size, 104);
    ck_assert_uint_eq(hw, COPIED);
    ck_assert_uint_eq(h->notices, 1);
    ck_assert_ptr_nonnull(strstr(h->notice, "size or alignment"));
    ck_assert(none(h, 0, addr, size));
    H_EXPECT2(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32, EXCL << 8 | COPIED);
    ck_assert_uint_eq(h->notices, 2);
    ck_assert_ptr_nonnull(strstr(h->notice, "app1"));
    ck_assert_ptr_nonnull(strstr(h->notice, "size or alignment"));
    ck_assert(none(h, 1, addr, size));
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_share_copied, 1);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_share_mapped, 0);
    expect_upcall(h, 1, H_FN_A, pid(h, 0), EXCL << 8 | COPIED, addr);
    H_EXPECT4(cmd(h, 1, C_INFO, 0, pid(h, 0)), KM_RV_SUCCESS_3U32, EXCL << 8 | COPIED, addr, 104);
    uint32_t src = h_ram(h, 1) + 0x100;
    memcpy(h_mem(h, src), "via copy", 8);
    H_EXPECT1(call(h, 1, KM_SYS_ALLOW_RO, DRV, 0, src, 8), KM_RV_SUCCESS_2U32);
    H_EXPECT2(cmd(h, 1, C_COPY_OUT, 96u << 8, pid(h, 0)), KM_RV_SUCCESS_U32, 8);
    ck_assert_int_eq(memcmp(h_mem(h, addr + 96), "via copy", 8), 0);
    /* without EXACT the same request is shaped for the MPU and maps */
    uint32_t a2, s2;
    ck_assert_uint_eq(activate(h, 0, 100, 0, &a2, &s2), 1);
    ck_assert_uint_eq(s2, 128);
    H_EXPECT2(cmd(h, 0, C_GRANT, 1 | EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32, 1 | EXCL << 8);
    ck_assert(ib_can(h, 1, a2, s2, RW_));
    h_close(h);
}
END_TEST

/* ARMv8-M aligns a region's start up to 32 bytes: for an EXACT chunk that
 * starts off a 32-byte boundary it would build a region shifted off the
 * chunk (over the owner's other grant memory). The kernel refuses that
 * region and the peer reaches the chunk by copies. */
START_TEST(test_fallback_armv8m_shifted)
{
    struct harness *h = booted(2, "armv8m");
    uint32_t addr, size;
    do /* 8-byte chunks until the grant region starts off a 32-byte boundary */
        activate(h, 0, 8, F_EXACT | F_UNMAPPED, &addr, &size);
    while (addr % 32 == 0);
    activate(h, 0, 64, F_EXACT | F_UNMAPPED, &addr, &size);
    ck_assert_uint_ne(addr % 32, 0);
    uint32_t handle = 0;
    while (handle < 8 && (uint32_t)cmd(h, 0, C_INFO, handle, 0).r[2] != addr)
        handle++;
    H_EXPECT2(cmd(h, 0, C_GRANT, handle | EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32,
              handle | EXCL << 8 | COPIED);
    ck_assert_ptr_nonnull(strstr(h->notice, "size or alignment"));
    ck_assert(none(h, 1, addr - 32, size + 64));
    h_close(h);
}
END_TEST

/* ARMv7-M with 8 regions leaves 5 for sharing: a sixth chunk granted to
 * the same peer is reached by copies ("no free MPU region"); once one is
 * revoked, a new grant maps again. */
START_TEST(test_fallback_armv7m_regions_exhausted)
{
    struct harness *h = booted(2, "armv7m");
    uint32_t addr[6], size[6];
    for (unsigned i = 0; i < 6; i++)
        activate(h, 0, 32, F_UNMAPPED, &addr[i], &size[i]);
    for (uint32_t i = 0; i < 5; i++) {
        H_EXPECT2(cmd(h, 0, C_GRANT, i | EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32, i | EXCL << 8);
        ck_assert(ib_can(h, 1, addr[i], size[i], RW_));
    }
    unsigned notices = h->notices;
    H_EXPECT2(cmd(h, 0, C_GRANT, 5 | EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32,
              5 | EXCL << 8 | COPIED);
    ck_assert_uint_eq(h->notices, notices + 1);
    ck_assert_ptr_nonnull(strstr(h->notice, "no free MPU region"));
    ck_assert(none(h, 1, addr[5], size[5]));
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_share_mapped, 5);
    ck_assert_uint_eq(h_info(h, 1).stats.ipc_share_copied, 1);
    H_EXPECT1(cmd(h, 0, C_REVOKE, 5, 0), KM_RV_SUCCESS_U32);
    H_EXPECT1(cmd(h, 0, C_REVOKE, 2, 0), KM_RV_SUCCESS_U32);
    ck_assert(none(h, 1, addr[2], size[2]));
    H_EXPECT2(cmd(h, 0, C_GRANT, 5 | EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32, 5 | EXCL << 8);
    ck_assert(ib_can(h, 1, addr[5], size[5], RW_));
    h_close(h);
}
END_TEST

/* The owner's region given up for an EXCLUSIVE grant is taken by another
 * mapping meanwhile: when the grant ends the owner cannot map its chunk
 * back and continues by copies, with a notice. */
START_TEST(test_owner_region_lost_falls_back)
{
    struct harness *h = booted(2, "riscv_pmp"); /* 2 regions free for sharing */
    uint32_t a0, s0, a1, s1, a2, s2;
    activate(h, 0, 64, 0, &a0, &s0); /* owner region 1 of 2 */
    activate(h, 1, 64, 0, &a1, &s1); /* peer's own chunk: its region 1 of 2 */
    activate(h, 1, 64, F_UNMAPPED, &a2, &s2);
    H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32); /* owner: 0 of 2 */
    /* the owner takes two grants of app1's chunks: both its regions */
    H_EXPECT2(cmd(h, 1, C_GRANT, 1 | RO << 8, pid(h, 0)), KM_RV_SUCCESS_U32, 1 | RO << 8);
    ck_assert(ib_can(h, 0, a2, s2, R_));
    H_EXPECT2(cmd(h, 1, C_GRANT, 0 | RO << 8, pid(h, 0)), KM_RV_SUCCESS_U32, RO << 8);
    H_EXPECT1(cmd(h, 1, C_RELEASE, 0, pid(h, 0)), KM_RV_SUCCESS);
    ck_assert(none(h, 0, a0, s0));
    ck_assert_ptr_nonnull(strstr(h->notice, "app0 (its owner)"));
    H_EXPECT4(cmd(h, 0, C_INFO, 0, 0), KM_RV_SUCCESS_3U32, COPIED, a0, s0);
    h_close(h);
}
END_TEST

/* ---- Lifecycle ---------------------------------------------------------- */

/* The owner faults and restarts while a peer holds its chunk: the peer's
 * region is gone at once (before anything runs), the peer is told (upcall
 * 1, old owner pid, reason GONE), the old pid is NODEVICE everywhere, and
 * the new incarnation's chunk at the same place starts zeroed. */
START_TEST(test_owner_restart_revokes)
{
    struct h_opts o;
    opts(&o, 2, "armv7m");
    o.policy[0].kind = KM_FP_RESTART;
    struct harness *h = h_open(&o);
    run_as(h, 1);
    run_as(h, 0);
    uint32_t addr, size, old = pid(h, 0);
    activate(h, 0, 256, 0, &addr, &size);
    H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32);
    expect_upcall(h, 1, H_FN_A, old, EXCL << 8, addr);
    memset(h_mem(h, addr), 0x5a, size); /* the peer writes through its mapping */
    h_fault(h, 0, "crash");
    ck_assert(none(h, 1, addr, size));
    ck_assert_uint_ne(pid(h, 0), old);
    expect_upcall(h, 1, H_FN_B, old, EXCL << 8, END_GONE);
    expect_fail(cmd(h, 1, C_RELEASE, 0, old), KM_ENODEVICE);
    expect_fail(cmd(h, 1, C_INFO, 0, old), KM_ENODEVICE);
    expect_fail(cmd(h, 1, C_COPY_IN, 0, old), KM_ENODEVICE);
    uint32_t a2, s2;
    activate(h, 0, 256, 0, &a2, &s2);
    ck_assert_uint_eq(a2, addr);
    for (uint32_t i = 0; i < s2; i++)
        ck_assert_uint_eq(h_mem(h, a2)[i], 0);
    ck_assert(none(h, 1, addr, size));
    h_close(h);
}
END_TEST

/* The owner is stopped for good (fault policy stop) while two peers hold
 * its chunk read-only: both lose their regions and are told. */
START_TEST(test_owner_stopped_revokes)
{
    struct h_opts o;
    opts(&o, 3, "riscv_pmp");
    o.policy[0].kind = KM_FP_STOP;
    struct harness *h = h_open(&o);
    run_as(h, 2);
    run_as(h, 1);
    run_as(h, 0);
    uint32_t addr, size, p0 = pid(h, 0);
    activate(h, 0, 64, 0, &addr, &size);
    H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, pid(h, 1)), KM_RV_SUCCESS_U32);
    H_EXPECT1(cmd(h, 0, C_GRANT, RO << 8, pid(h, 2)), KM_RV_SUCCESS_U32);
    h_fault(h, 0, "crash");
    ck_assert(none(h, 1, addr, size));
    ck_assert(none(h, 2, addr, size));
    for (int p = 1; p <= 2; p++) {
        expect_upcall(h, p, H_FN_A, p0, RO << 8, addr);
        expect_upcall(h, p, H_FN_B, p0, RO << 8, END_GONE);
        expect_fail(cmd(h, p, C_COPY_IN, 0, p0), KM_ENODEVICE);
    }
    h_close(h);
}
END_TEST

/* A peer faults and restarts (or exits): the owner gets read-write back at
 * once and is told (upcall 1, old peer pid, GONE); granting to the stale
 * pid is NODEVICE, to the new one fine. */
static void peer_gone(bool restart)
{
    struct h_opts o;
    opts(&o, 2, "armv7m");
    o.policy[1].kind = KM_FP_RESTART;
    struct harness *h = h_open(&o);
    run_as(h, 1);
    run_as(h, 0);
    uint32_t addr, size, old = pid(h, 1);
    activate(h, 0, 256, 0, &addr, &size);
    H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, old), KM_RV_SUCCESS_U32);
    ck_assert(none(h, 0, addr, size));
    if (restart) {
        h_fault(h, 1, "crash");
    } else {
        run_as(h, 1);
        h_syscall(h, 1, KM_SYS_EXIT, 0, 0, 0, 0);
    }
    ck_assert(ib_can(h, 0, addr, size, RW_));
    ck_assert(none(h, 1, addr, size));
    expect_upcall(h, 0, H_FN_B, old, EXCL << 8, END_GONE);
    expect_fail(cmd(h, 0, C_GRANT, EXCL << 8, old), KM_ENODEVICE);
    expect_fail(cmd(h, 0, C_REVOKE, 0, old), KM_ENODEVICE);
    if (restart) {
        run_as(h, 1); /* the new incarnation boots */
        ck_assert_uint_ne(pid(h, 1), old);
        H_EXPECT1(cmd(h, 0, C_GRANT, EXCL << 8, pid(h, 1)), KM_RV_SUCCESS_U32);
        ck_assert(ib_can(h, 1, addr, size, RW_));
    }
    h_close(h);
}

START_TEST(test_peer_restart_returns_chunk)
{
    peer_gone(true);
}
END_TEST

START_TEST(test_peer_exit_returns_chunk)
{
    peer_gone(false);
}
END_TEST

static Suite *share_suite(void)
{
    Suite *s = suite_create("km_ipc_share");
    TCase *tc = tcase_create("share");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_present_only_with_share);
    tcase_add_test(tc, test_activate_shape_and_owner_mapping);
    tcase_add_test(tc, test_activate_errors);
    tcase_add_test(tc, test_activate_unmapped);
    tcase_add_test(tc, test_no_allow_or_upcall_into_chunk);
    tcase_add_test(tc, test_grant_exclusive_all_mpus);
    tcase_add_test(tc, test_grant_readonly_all_mpus);
    tcase_add_test(tc, test_grant_to_waiting_peer_without_grant);
    tcase_add_test(tc, test_grant_limit);
    tcase_add_test(tc, test_grant_errors);
    tcase_add_test(tc, test_revoke_release_info_errors);
    tcase_add_test(tc, test_copy_rules);
    tcase_add_test(tc, test_fallback_armv7m_shape);
    tcase_add_test(tc, test_fallback_armv8m_shifted);
    tcase_add_test(tc, test_fallback_armv7m_regions_exhausted);
    tcase_add_test(tc, test_owner_region_lost_falls_back);
    tcase_add_test(tc, test_owner_restart_revokes);
    tcase_add_test(tc, test_owner_stopped_revokes);
    tcase_add_test(tc, test_peer_restart_returns_chunk);
    tcase_add_test(tc, test_peer_exit_returns_chunk);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return h_run_suite(share_suite());
}
