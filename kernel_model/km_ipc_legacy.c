/* km_ipc_legacy.c: Tock's legacy IPC capsule, driver 0x10000
 * (kernel/src/ipc.rs), with its delivery step, the Task::IPC arm of
 * do_process (kernel/src/kernel.rs).
 *
 * Sections: presence and reporting; exposure of shared buffers; commands;
 * delivery.
 *
 * The protocol, as upstream implements it:
 *
 * - command 1, discover: compares the bytes of read-only allow 0 (no NUL)
 *   with every process's package name, in process-array order, whatever
 *   the process's state; Success+u32 is the first match's INDEX in the
 *   process array, NODEVICE when none matches. With nothing allowed the
 *   search string is empty and matches no (non-empty) name: NODEVICE.
 *   (The capsule's INVAL arm needs the search buffer to be gone, which
 *   cannot happen while the caller runs.) NOMEM if the caller's grant
 *   cannot be allocated.
 * - command 2, notify service(index) / command 3, notify client(index):
 *   queue Task::IPC(sender, kind) on the target: INVAL for an index with no
 *   process, NODEVICE when the target is not alive, NOMEM when its task
 *   queue is full. Notifying yourself is accepted here and dropped at
 *   delivery (schedule_upcall refuses it with AlreadyInUse).
 * - Subscribe numbers and read-write allow numbers are process indices:
 *   the capsule has as many of each as the board has process slots
 *   (NUM_PROCS; here the scenario's process count).
 * - Delivery, when the target is next dequeued while Yielded: the sender
 *   must still be the same process (a restarted sender has a new process
 *   id and its notification is dropped) and both grants must exist or be
 *   allocatable. The kernel looks in the SENDER's read-write allows for
 *   number == target index and asks the target's MPU for a read-write
 *   region over (ptr, len) with allocate_region(ptr, len, len), ignoring a
 *   refusal (tock/tock#1993). The upcall (sender index, len, ptr), or
 *   (sender index, 0, 0) without a buffer, goes to subscribe number =
 *   target's own index for a service notify and = sender's index for a
 *   client notify; the subscription is looked up now, so a notify sent
 *   before the target subscribed still arrives.
 * - The window stays in the target's MPU configuration until the target
 *   itself is reset (a restart rebuilds its configuration).
 *
 * Switch km_config.ipc.refuse_unexposable (a fix discussed in #1993): the
 * window is added when the notify is made, and the notify fails, INVAL when
 * this MPU can never cover the buffer (its size or alignment) and NOMEM
 * when it could but the target has no room for it now.
 */
#include "km_internal.h"

#include <stdio.h>
#include <string.h>

#define IPC_NUM 0x10000u
#define IPC_RO_SEARCH 0u /* ro_allow::SEARCH */

/* ---- Presence and reporting ------------------------------------------- */

static bool ipc_present(const struct km_kernel *k)
{
    return km_ipc_mechanism_is(k, "legacy");
}

static void ipc_notice(struct km_kernel *k, int proc, const char *text)
{
    struct km_event ev = {.kind = KM_EV_NOTICE, .time = k->now, .proc = proc};
    ev.u.notice.text = text;
    km_emit(k, &ev);
}

/* Tells the user that target's MPU cannot give it the buffer sender shared
 * and counts it on the target. */
static void ipc_report_unexposable(struct km_kernel *k, struct km_process *target,
                                   const struct km_process *sender, uint32_t ptr, uint32_t len,
                                   const char *outcome)
{
    char msg[256];
    snprintf(msg, sizeof(msg),
             "legacy IPC: the %s MPU cannot give %s the %u-byte buffer at 0x%08x "
             "that %s shared; %s",
             k->cfg.mpu.ops->name, target->cfg->name, len, ptr, sender->cfg->name, outcome);
    target->stats.ipc_windows_refused++;
    ipc_notice(k, target->index, msg);
}

/* Reports what became of a notification (KM_EV_IPC): on the sender when
 * queued, on the target otherwise. */
static void ipc_event(struct km_kernel *k, enum km_ipc_phase phase, int sender, int target,
                      enum km_ipc_kind kind, const char *why)
{
    bool service = kind == KM_IPC_SERVICE;
    km_ipc_event(k, phase, sender, target, service, service ? "service" : "client", 0, why);
}

void km_ipc_legacy_discard(struct km_kernel *k, const struct km_process *p, const char *why)
{
    for (unsigned i = 0; i < p->task_count; i++) {
        const struct km_task *t = &p->tasks[(p->task_head + i) % KM_TASK_QUEUE_LEN];
        if (t->kind == KM_TASK_IPC)
            ipc_event(k, KM_IPC_DROPPED, t->ipc_from, p->index, t->ipc_kind, why);
    }
}

/* ---- Exposure ---------------------------------------------------------- */

/* The buffer the sender shared with the target: read-write allow number =
 * target index in the sender's IPC grant. (0, 0) if none. */
static struct km_buffer ipc_shared(struct km_kernel *k, struct km_grant *sender_grant,
                                   const struct km_process *target)
{
    struct km_buffer b = {0, 0};
    if (sender_grant != NULL &&
        (unsigned)target->index < km_driver_n_allows(k, &km_drv_ipc_legacy_ops, KM_SYS_ALLOW_RW)) {
        b = sender_grant->rw[target->index];
        if (b.len == 0)
            b.ptr = 0; /* ReadWriteProcessBuffer::ptr() is null when empty */
    }
    return b;
}

/* Can the process with configuration c read and write every byte? */
static bool ipc_covered(const struct km_kernel *k, const struct km_mpu_config *c, uint32_t ptr,
                        uint32_t len)
{
    return len == 0 ||
           km_mpu_range_allowed(&k->cfg.mpu, c, ptr, len, KM_ACCESS_READ | KM_ACCESS_WRITE);
}

/* process.add_mpu_region(ptr, len, len) on configuration c: Tock's
 * allocate_region with read-write permission. True if a region was added
 * (which need not cover the whole buffer: see ipc_covered). */
static bool ipc_allocate(struct km_kernel *k, int proc, struct km_mpu_config *c, uint32_t ptr,
                         uint32_t len)
{
    const struct km_mpu *m = &k->cfg.mpu;
    uint32_t s = 0, z = 0;
    bool ok = m->ops->allocate_region(m, ptr, len, len, KM_PERM_RW, c, &s, &z);
    km_mpu_finding_report(k, proc, c);
    return ok;
}

/* With refuse_unexposable, at notify time: decides on a copy of the
 * target's configuration whether the shared buffer can be exposed. Returns
 * 0 (then *trial is the configuration to install if *changed), -KM_EINVAL
 * (no configuration of this MPU covers the buffer) or -KM_ENOMEM (the
 * target has no room for it now). */
static int ipc_try_expose(struct km_kernel *k, struct km_process *target, uint32_t ptr,
                          uint32_t len, struct km_mpu_config *trial, bool *changed)
{
    const struct km_mpu *m = &k->cfg.mpu;
    *trial = target->mpu;
    *changed = false;
    if (ipc_covered(k, trial, ptr, len))
        return 0;
    if (ipc_allocate(k, target->index, trial, ptr, len) && ipc_covered(k, trial, ptr, len)) {
        *changed = true;
        return 0;
    }
    /* Would an empty configuration do? Then it is a question of room. */
    struct km_mpu_config empty;
    m->ops->reset_config(m, &empty);
    bool shape_ok =
        ipc_allocate(k, target->index, &empty, ptr, len) && ipc_covered(k, &empty, ptr, len);
    return shape_ok ? -KM_ENOMEM : -KM_EINVAL;
}

/* ---- Commands ---------------------------------------------------------- */

/* command 1: the index of the first process whose package name equals the
 * bytes of read-only allow 0. */
static void ipc_discover(struct km_kernel *k, struct km_process *p, struct km_regs *ret)
{
    int err = 0;
    struct km_grant *g = km_grant_get(k, p, IPC_NUM, true, &err);
    if (g == NULL) {
        km_ret_failure(ret, KM_ENOMEM); /* grant enter failed */
        return;
    }
    struct km_buffer b = g->ro[IPC_RO_SEARCH];
    const uint8_t *want = b.len ? km_mem_ptr(k, b.ptr, b.len) : NULL;
    if (b.len != 0 && want == NULL) {
        km_ret_failure(ret, KM_EINVAL); /* the search buffer cannot be entered */
        return;
    }
    for (unsigned i = 0; i < k->nprocs; i++) {
        const char *name = k->procs[i].cfg->package_name;
        size_t n = name ? strlen(name) : 0;
        if (n == b.len && (n == 0 || memcmp(name, want, n) == 0)) {
            km_ret_success_u32(ret, i);
            return;
        }
    }
    km_ret_failure(ret, KM_ENODEVICE);
}

/* commands 2 and 3: queue Task::IPC on process `index`. */
static void ipc_notify(struct km_kernel *k, struct km_process *p, uint32_t index,
                       enum km_ipc_kind kind, struct km_regs *ret)
{
    struct km_process *t = index < k->nprocs ? km_proc(k, (int)index) : NULL;
    if (t == NULL) {
        km_ret_failure(ret, KM_EINVAL); /* process_until finds no such index */
        return;
    }
    struct km_mpu_config trial;
    bool expose = false;
    if (k->cfg.ipc.refuse_unexposable && t != p) {
        struct km_buffer b = ipc_shared(k, km_grant_get(k, p, IPC_NUM, false, NULL), t);
        if (b.len != 0) {
            int rc = ipc_try_expose(k, t, b.ptr, b.len, &trial, &expose);
            if (rc < 0) {
                ipc_report_unexposable(k, t, p, b.ptr, b.len,
                                       rc == -KM_EINVAL
                                           ? "notify refused with INVAL (refuse_unexposable)"
                                           : "notify refused with NOMEM (refuse_unexposable)");
                km_ret_failure(ret, rc);
                return;
            }
        }
    }
    struct km_task task = {.kind = KM_TASK_IPC, .driver = IPC_NUM};
    task.ipc_from = p->index;
    task.ipc_from_pid = p->process_id;
    task.ipc_kind = kind;
    int rc = km_enqueue(t, &task);
    if (rc < 0) {
        km_ret_failure(ret, rc);
        return;
    }
    ipc_event(k, KM_IPC_QUEUED, p->index, t->index, kind, NULL);
    if (expose) {
        t->mpu = trial;
        t->stats.ipc_windows++;
        km_mpu_changed(t);
    }
    km_ret_success(ret);
}

static void ipc_command(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                        uint32_t a2, struct km_regs *ret)
{
    (void)a2;
    switch (cmd) {
    case 0:
        km_ret_success(ret);
        break;
    case 1:
        ipc_discover(k, p, ret);
        break;
    case 2:
        ipc_notify(k, p, a1, KM_IPC_SERVICE, ret);
        break;
    case 3:
        ipc_notify(k, p, a1, KM_IPC_CLIENT, ret);
        break;
    default:
        km_ret_failure(ret, KM_ENOSUPPORT);
        break;
    }
}

/* ---- Delivery ---------------------------------------------------------- */

void km_ipc_legacy_deliver(struct km_kernel *k, struct km_process *target,
                           const struct km_task *task)
{
    struct km_process *sender = km_proc(k, task->ipc_from);
    const char *drop = NULL;
    struct km_grant *sg = NULL;
    /* called_from.index(): None once the sender's ProcessId is stale */
    if (sender == NULL || sender->process_id != task->ipc_from_pid)
        drop = "sender restarted or gone";
    /* "Verify that IPC is not trying to share with the same app" */
    else if (sender == target)
        drop = "notify to itself";
    /* self.data.enter(schedule_on), then enter(called_from): each grant is
     * allocated if need be; a sender that is no longer alive has none. */
    else if (km_grant_get(k, target, IPC_NUM, true, NULL) == NULL)
        drop = "target grant unavailable";
    else if ((sg = km_grant_get(k, sender, IPC_NUM, true, NULL)) == NULL)
        drop = "sender grant unavailable";
    if (drop) {
        ipc_event(k, KM_IPC_DROPPED, task->ipc_from, target->index, task->ipc_kind, drop);
        return;
    }
    struct km_buffer b = ipc_shared(k, sg, target);
    if (!k->cfg.ipc.refuse_unexposable) {
        /* add_mpu_region(slice.ptr(), slice.len(), slice.len()), result
         * ignored; upstream asks even when nothing is shared (a 0-byte
         * request every MPU refuses). */
        bool added = ipc_allocate(k, target->index, &target->mpu, b.ptr, b.len);
        if (added) {
            target->stats.ipc_windows++;
            km_mpu_changed(target);
        }
        if (!ipc_covered(k, &target->mpu, b.ptr, b.len))
            ipc_report_unexposable(k, target, sender, b.ptr, b.len,
                                   added
                                       ? "the region it added does not cover it (ignored as "
                                         "upstream does): the upcall still carries the pointer"
                                       : "the error is ignored as upstream does "
                                         "(tock/tock#1993): the upcall still carries the pointer");
    } else if (!ipc_covered(k, &target->mpu, b.ptr, b.len)) {
        /* The notify exposed it, but the sender shared another buffer
         * since: try once more, else deliver without a buffer. */
        struct km_mpu_config trial = target->mpu;
        if (ipc_allocate(k, target->index, &trial, b.ptr, b.len) &&
            ipc_covered(k, &trial, b.ptr, b.len)) {
            target->mpu = trial;
            target->stats.ipc_windows++;
            km_mpu_changed(target);
        } else {
            ipc_report_unexposable(k, target, sender, b.ptr, b.len,
                                   "delivered without the buffer (refuse_unexposable)");
            b.ptr = b.len = 0;
        }
    }
    uint32_t subnum =
        task->ipc_kind == KM_IPC_SERVICE ? (uint32_t)target->index : (uint32_t)sender->index;
    (void)km_schedule_upcall(k, target, IPC_NUM, subnum, (uint32_t)sender->index, b.len, b.ptr);
    ipc_event(k, KM_IPC_DELIVERED, sender->index, target->index, task->ipc_kind, NULL);
    /* named events fault-injection rules can watch: a service received a
     * request, a client a notification back */
    km_note(k, target, task->ipc_kind == KM_IPC_SERVICE ? KM_NOTE_IPC_REQUEST : KM_NOTE_IPC_REPLY);
}

const struct km_driver_ops km_drv_ipc_legacy_ops = {
    .num = IPC_NUM,
    .name = "ipc",
    .has_grant = true,
    .n_ro = 1,                 /* ro_allow::COUNT */
    .per_process_slots = true, /* UpcallCount<NUM_PROCS>, AllowRwCount<NUM_PROCS> */
    .present = ipc_present,
    .command = ipc_command,
};
