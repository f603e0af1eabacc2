/* km_ipc_registry.c: the draft design's two IPC registries (tock/tock
 * PR #5016, doc/reference "Interprocess Communication", section 3; capsules
 * of PR #5015, capsules/core/src/ipc/ipc_registry_string_name.rs and
 * ipc_registry_package_name.rs): the string-name registry 0xA0000 and the
 * package-name registry 0xA0001.
 *
 * Sections: shared helpers; string-name registry; package-name registry.
 *
 * Both registries share one shape: command 0 exists, 1 register, 2
 * discover; read-only allow 0 is the name; subscribe 0 is "registration
 * done" with (status, 0, 0) and subscribe 1 "discovery done" with (status,
 * IPC id low, IPC id high). Commands that get as far as the search answer
 * Success and report the outcome in the upcall (NODEVICE when no process
 * matches: discovery may precede registration, so clients retry).
 *
 * Registrations live in the registrant's grant (the draft keeps them in
 * grant memory), so they vanish whenever the process terminates, faults or
 * restarts: Tock drops a process's grants then, and so does this model.
 * The identifier handed out is km_ipc_id() of the registrant, which a
 * restart changes.
 *
 * String-name registry, as the draft capsule does it:
 * - register: the allowed name must be exactly 20 bytes (else SIZE; no
 *   allow is a 0-byte buffer: SIZE); all zero bytes is INVAL (it is the
 *   "unregistered" value); a name another live process holds is ALREADY
 *   (first come, first served). A process that registers again replaces
 *   its own name. Then the board's registration filter decides: the draft
 *   lets a board plug in a RegistrationFilter / validation function whose
 *   refusal completes the registration with upcall status FAIL and clears
 *   the process's name (complete_registration(.., false)). Here the filter
 *   is km_config.ipc.registry_rules: a name any rule mentions may only be
 *   registered by a process whose package name one of those rules lists;
 *   names no rule mentions are open.
 * - discover: the same SIZE / INVAL checks on the allowed name; the first
 *   other process (in process-array order) holding that name answers.
 *
 * Package-name registry:
 * - register takes no name: the process registers its own TBF package
 *   name, which the kernel supplies. A process without one (empty) gets
 *   Failure NOMEM, as the draft capsule answers. Several processes with the
 *   same package name may all register (the draft does not check).
 * - discover compares the allowed bytes, any length, no NUL, with the
 *   package name of every other registered process; nothing allowed
 *   matches nothing (NODEVICE upcall).
 */
#include "km_internal.h"

#include <string.h>

#define REG_NAME_NUM 0xA0000u
#define REG_PKG_NUM 0xA0001u
#define REG_NAME_LEN 20u      /* MAX_STRING_LEN */
#define REG_RO_NAME 0u        /* ro_allow::STRING_NAME / NAME */
#define REG_UP_REGISTER 0u    /* upcall::REGISTRATION_COMPLETE */
#define REG_UP_DISCOVER 1u    /* upcall::DISCOVERY_COMPLETE */
#define REG_PKG_REGISTERED 1u /* driver_state[0] of a registered package */

/* ---- Shared helpers ---------------------------------------------------- */

static bool reg_present(const struct km_kernel *k)
{
    return km_ipc_relay_present(k);
}

/* Reports discovery's outcome to p: (0, id low, id high) for `found`,
 * (NODEVICE, 0, 0) without. */
static void reg_discovered(struct km_kernel *k, struct km_process *p, uint32_t driver,
                           const struct km_process *found)
{
    if (found == NULL) {
        (void)km_schedule_upcall(k, p, driver, REG_UP_DISCOVER, KM_ENODEVICE, 0, 0);
        return;
    }
    uint64_t id = km_ipc_id(found);
    (void)km_schedule_upcall(k, p, driver, REG_UP_DISCOVER, 0, (uint32_t)id, (uint32_t)(id >> 32));
    /* who found whom: `ipcsim fuzz` counts it as the two talking */
    struct km_event ev = {.kind = KM_EV_DISCOVER, .time = k->now, .proc = p->index};
    ev.u.discover.found = found->index;
    ev.u.discover.how = driver == REG_NAME_NUM ? "name" : "package";
    km_emit(k, &ev);
}

/* A registry's handler for command 1 (register) or 2 (discover), given the
 * caller's grant. */
typedef void (*reg_handler)(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                            struct km_regs *ret);

/* The command dispatcher both registries share: 0 exists, 1 register, 2
 * discover (both in the caller's grant of `driver`), anything else
 * NOSUPPORT. */
static void reg_command(struct km_kernel *k, struct km_process *p, uint32_t driver, uint32_t cmd,
                        reg_handler do_register, reg_handler do_discover, struct km_regs *ret)
{
    if (cmd == 0) {
        km_ret_success(ret);
        return;
    }
    if (cmd != 1 && cmd != 2) {
        km_ret_failure(ret, KM_ENOSUPPORT);
        return;
    }
    struct km_grant *g = km_grant_get(k, p, driver, true, NULL);
    if (g == NULL) {
        km_ret_failure(ret, KM_ENOMEM);
        return;
    }
    if (cmd == 1)
        do_register(k, p, g, ret);
    else
        do_discover(k, p, g, ret);
}

/* ---- String-name registry ---------------------------------------------- */

/* The name a process registered lives in driver_state[0..2] of its grant;
 * all zero = none. */
static void name_get(const struct km_grant *g, uint8_t name[REG_NAME_LEN])
{
    memcpy(name, g->driver_state, REG_NAME_LEN);
}

static void name_set(struct km_grant *g, const uint8_t name[REG_NAME_LEN])
{
    memcpy(g->driver_state, name, REG_NAME_LEN);
}

static bool name_is_zero(const uint8_t name[REG_NAME_LEN])
{
    for (unsigned i = 0; i < REG_NAME_LEN; i++)
        if (name[i] != 0)
            return false;
    return true;
}

/* Copies p's allowed 20-byte name into name: 0, -SIZE (not exactly 20
 * bytes), -INVAL (all zero). */
static int name_allowed(struct km_kernel *k, struct km_grant *g, uint8_t name[REG_NAME_LEN])
{
    struct km_buffer b = g->ro[REG_RO_NAME];
    if (b.len != REG_NAME_LEN || !km_mem_read(k, b.ptr, name, REG_NAME_LEN))
        return -KM_ESIZE;
    return name_is_zero(name) ? -KM_EINVAL : 0;
}

/* The other process that holds `name`, in process-array order, or NULL. */
static struct km_process *name_holder(struct km_kernel *k, const struct km_process *self,
                                      const uint8_t name[REG_NAME_LEN])
{
    for (unsigned i = 0; i < k->nprocs; i++) {
        struct km_process *q = &k->procs[i];
        struct km_grant *g = q == self ? NULL : km_grant_get(k, q, REG_NAME_NUM, false, NULL);
        uint8_t held[REG_NAME_LEN];
        if (g == NULL)
            continue;
        name_get(g, held);
        if (memcmp(held, name, REG_NAME_LEN) == 0)
            return q;
    }
    return NULL;
}

/* The registration filter (km_config.ipc.registry_rules): may p register
 * name? True when no rule mentions the name, or one that does lists p's
 * package name. */
static bool name_filter_allows(const struct km_kernel *k, const struct km_process *p,
                               const uint8_t name[REG_NAME_LEN])
{
    const struct km_ipc_config *c = &k->cfg.ipc;
    bool mentioned = false;
    const char *pkg = p->cfg->package_name ? p->cfg->package_name : "";
    for (unsigned i = 0; i < c->n_registry_rules; i++) {
        const struct km_registry_rule *r = &c->registry_rules[i];
        if (memcmp(r->name, name, REG_NAME_LEN) != 0)
            continue;
        mentioned = true;
        if (r->package_name != NULL && strcmp(r->package_name, pkg) == 0)
            return true;
    }
    return !mentioned;
}

/* command 1 of 0xA0000 */
static void name_register(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                          struct km_regs *ret)
{
    uint8_t name[REG_NAME_LEN];
    int rc = name_allowed(k, g, name);
    if (rc == 0 && name_holder(k, p, name) != NULL)
        rc = -KM_EALREADY; /* first come, first served */
    if (rc < 0) {
        km_ret_failure(ret, rc);
        return;
    }
    if (!name_filter_allows(k, p, name)) {
        /* complete_registration(.., false): the name is cleared */
        static const uint8_t none[REG_NAME_LEN];
        name_set(g, none);
        (void)km_schedule_upcall(k, p, REG_NAME_NUM, REG_UP_REGISTER, KM_EFAIL, 0, 0);
        km_ret_success(ret);
        return;
    }
    name_set(g, name);
    (void)km_schedule_upcall(k, p, REG_NAME_NUM, REG_UP_REGISTER, 0, 0, 0);
    km_ret_success(ret);
}

/* command 2 of 0xA0000 */
static void name_discover(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                          struct km_regs *ret)
{
    uint8_t name[REG_NAME_LEN];
    int rc = name_allowed(k, g, name);
    if (rc < 0) {
        km_ret_failure(ret, rc);
        return;
    }
    reg_discovered(k, p, REG_NAME_NUM, name_holder(k, p, name));
    km_ret_success(ret);
}

static void name_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                         uint32_t a2, struct km_regs *ret)
{
    (void)a1;
    (void)a2;
    reg_command(k, p, REG_NAME_NUM, cmd, name_register, name_discover, ret);
}

const struct km_driver_ops km_drv_registry_name_ops = {
    .num = REG_NAME_NUM,
    .name = "registry_name",
    .has_grant = true,
    .n_upcalls = 2, /* upcall::COUNT */
    .n_ro = 1,      /* ro_allow::COUNT */
    .present = reg_present,
    .command = name_command,
};

/* ---- Package-name registry ---------------------------------------------- */

/* command 1 of 0xA0001: registers the caller's own package name. */
static void pkg_register(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                         struct km_regs *ret)
{
    const char *pkg = p->cfg->package_name;
    if (pkg == NULL || pkg[0] == '\0') {
        km_ret_failure(ret, KM_ENOMEM); /* the draft's answer for an empty name */
        return;
    }
    g->driver_state[0] = REG_PKG_REGISTERED;
    (void)km_schedule_upcall(k, p, REG_PKG_NUM, REG_UP_REGISTER, 0, 0, 0);
    km_ret_success(ret);
}

/* command 2 of 0xA0001: the first other registered process whose package
 * name equals the allowed bytes. */
static void pkg_discover(struct km_kernel *k, struct km_process *p, struct km_grant *g,
                         struct km_regs *ret)
{
    struct km_buffer b = g->ro[REG_RO_NAME];
    const uint8_t *want = b.len ? km_mem_ptr(k, b.ptr, b.len) : NULL;
    struct km_process *found = NULL;
    for (unsigned i = 0; found == NULL && want != NULL && i < k->nprocs; i++) {
        struct km_process *q = &k->procs[i];
        struct km_grant *qg = q == p ? NULL : km_grant_get(k, q, REG_PKG_NUM, false, NULL);
        const char *pkg = q->cfg->package_name;
        if (qg == NULL || qg->driver_state[0] != REG_PKG_REGISTERED || pkg == NULL)
            continue;
        if (strlen(pkg) == b.len && memcmp(pkg, want, b.len) == 0)
            found = q;
    }
    reg_discovered(k, p, REG_PKG_NUM, found);
    km_ret_success(ret);
}

static void pkg_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                        uint32_t a2, struct km_regs *ret)
{
    (void)a1;
    (void)a2;
    reg_command(k, p, REG_PKG_NUM, cmd, pkg_register, pkg_discover, ret);
}

const struct km_driver_ops km_drv_registry_pkg_ops = {
    .num = REG_PKG_NUM,
    .name = "registry_pkg",
    .has_grant = true,
    .n_upcalls = 2,
    .n_ro = 1,
    .present = reg_present,
    .command = pkg_command,
};
