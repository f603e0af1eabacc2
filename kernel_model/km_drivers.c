/* km_drivers.c: the registry of drivers (capsules) the kernel model knows,
 * by Tock driver number (capsules/core/src/driver.rs). */
#include "km_internal.h"

/* The IPC capsules are present only with their scenario mechanism (see
 * struct km_ipc_config). */
static const struct km_driver_ops *const km_drivers[] = {
    &km_drv_alarm_ops,         &km_drv_console_ops,    &km_drv_led_ops,
    &km_drv_rng_ops,           &km_drv_ipc_legacy_ops, /* "legacy" */
    &km_drv_registry_name_ops,                         /* "relay", "share" */
    &km_drv_registry_pkg_ops,                          /* "relay", "share" */
    &km_drv_relay_request_ops,                         /* "relay", "share" */
    &km_drv_relay_message_ops,                         /* "relay", "share" */
    &km_drv_share_ops,                                 /* "share" */
    &km_drv_sendrecv_ops,                              /* "sendrecv" */
};

#define KM_NDRIVERS (sizeof(km_drivers) / sizeof(km_drivers[0]))

const struct km_driver_ops *km_driver_find(uint32_t num)
{
    for (unsigned i = 0; i < KM_NDRIVERS; i++)
        if (km_drivers[i]->num == num)
            return km_drivers[i];
    return NULL;
}

const struct km_driver_ops *km_driver_lookup(const struct km_kernel *k, uint32_t num)
{
    const struct km_driver_ops *d = km_driver_find(num);
    if (d != NULL && d->present != NULL && !d->present(k))
        return NULL;
    for (unsigned i = 0; d == NULL && i < k->cfg.n_extra_drivers; i++)
        if (k->cfg.extra_drivers[i]->num == num)
            d = k->cfg.extra_drivers[i];
    return d;
}

void km_drivers_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev)
{
    for (unsigned i = 0; i < KM_NDRIVERS; i++) {
        const struct km_driver_ops *d = km_drivers[i];
        if (d->lifecycle && (d->present == NULL || d->present(k)))
            d->lifecycle(k, p, ev);
    }
    for (unsigned i = 0; i < k->cfg.n_extra_drivers; i++)
        if (k->cfg.extra_drivers[i]->lifecycle)
            k->cfg.extra_drivers[i]->lifecycle(k, p, ev);
}

/* A capsule with per-process slots has one per process of the board
 * (NUM_PROCS), bounded by what a grant can hold. */
static unsigned km_driver_slots(const struct km_kernel *k, unsigned max)
{
    return k->nprocs < max ? k->nprocs : max;
}

unsigned km_driver_n_upcalls(const struct km_kernel *k, const struct km_driver_ops *d)
{
    if (d->per_process_slots)
        return km_driver_slots(k, KM_MAX_UPCALLS);
    return d->n_upcalls;
}

unsigned km_driver_n_allows(const struct km_kernel *k, const struct km_driver_ops *d, uint32_t cls)
{
    switch (cls) {
    case KM_SYS_ALLOW_RW:
        if (d->per_process_slots)
            return km_driver_slots(k, KM_MAX_RW_ALLOWS);
        return d->n_rw;
    case KM_SYS_ALLOW_RO:
        return d->n_ro;
    default:
        return d->n_ur;
    }
}

size_t km_driver_list(const struct km_driver_desc **list)
{
    static const struct km_driver_desc descs[] = {
        {0x0, "alarm"},
        {0x1, "console"},
        {0x2, "led"},
        {0x40001, "rng"},
        {0x10000, "ipc (legacy; with \"ipc\": {\"mechanism\": \"legacy\"})"},
        {0xA0000, "string-name registry (draft TRD; mechanisms relay, share)"},
        {0xA0001, "package-name registry (draft TRD; mechanisms relay, share)"},
        {0xA0010, "relay request (draft TRD; mechanisms relay, share)"},
        {0xA0011, "relay message, the mailbox (ipcsim's number; mechanisms relay, share)"},
        {0xA0020, "shared memory (ipcsim's proposal; mechanism share)"},
        {0xA0030, "send/receive/reply with leases, Hubris-style (mechanism sendrecv)"},
    };
    *list = descs;
    return sizeof(descs) / sizeof(descs[0]);
}
