/* km_internal.h: the kernel model's private structures, shared by the core,
 * the drivers, the schedulers and the fault policies. Not for sim/. */
#ifndef KM_INTERNAL_H
#define KM_INTERNAL_H

#include "km.h"

#define KM_TASK_QUEUE_LEN 10 /* kernel/src/process_standard.rs: tasks ring */
#define KM_MIN_QUANTA_US 500 /* kernel/src/kernel.rs MIN_QUANTA_THRESHOLD_US */
#define KM_MAX_GRANTS 16     /* grant pointer slots per process */
/* Legacy IPC (km_ipc_legacy.c) has one subscribe number and one
 * read-write allow number per process slot (kernel/src/ipc.rs:
 * UpcallCount<NUM_PROCS>, AllowRwCount<NUM_PROCS>), hence these sizes. */
#define KM_MAX_PROCS 64               /* process slots, at most (a scenario's limit) */
#define KM_MAX_UPCALLS KM_MAX_PROCS   /* subscribe numbers per driver, at most */
#define KM_MAX_RW_ALLOWS KM_MAX_PROCS /* read-write allow numbers per driver */
#define KM_MAX_ALLOWS 8               /* read-only / userspace-readable allow numbers */

/* Estimated grant-region bytes (32-bit target) until the MPU work makes the
 * layout exact: the grant pointer table, the task ring and the process
 * struct are allocated at creation; each driver grant when first entered. */
#define KM_GRANT_PTR_BYTES 8u
#define KM_TASK_BYTES 24u
#define KM_PROCESS_STRUCT_BYTES 256u
#define KM_GRANT_HEADER_BYTES 8u
#define KM_UPCALL_BYTES 12u
#define KM_ALLOW_BYTES 8u

#define KM_MAX_CAPSULE_STATES 8 /* capsules with kernel-wide state */

struct km_kernel;
struct km_process;

/* A task in a process's queue (kernel/src/process.rs, enum Task). */
enum km_task_kind {
    KM_TASK_FUNCTION_CALL, /* an upcall to run, or the init function */
    KM_TASK_RETURN_VALUE,  /* a null upcall: only yield-wait-for sees it */
    KM_TASK_IPC,           /* Task::IPC: a legacy IPC notify (km_ipc_legacy.c) */
};

/* Task::IPC's IPCUpcallType (kernel/src/ipc.rs). */
enum km_ipc_kind { KM_IPC_SERVICE, KM_IPC_CLIENT };

struct km_task {
    enum km_task_kind kind;
    bool from_kernel; /* FunctionCallSource::Kernel (the init call) */
    uint32_t driver, subnum;
    struct km_upcall up;
    /* KM_TASK_IPC only: the notifying process and its identity then */
    int ipc_from;          /* sender's process index */
    uint32_t ipc_from_pid; /* its process_id: stale once it restarted */
    enum km_ipc_kind ipc_kind;
    /* the process_id of the incarnation it was queued for; 0: the
     * current one (the queue stamps it) */
    uint32_t for_pid;
};

struct km_buffer {
    uint32_t ptr, len;
};

struct km_saved_upcall {
    uint64_t fn, appdata;
};

/* Per-process, per-driver grant: what the kernel keeps for the driver. */
struct km_grant {
    bool used;
    uint32_t driver;
    struct km_saved_upcall upcalls[KM_MAX_UPCALLS];
    struct km_buffer rw[KM_MAX_RW_ALLOWS];
    struct km_buffer ro[KM_MAX_ALLOWS];
    struct km_buffer ur[KM_MAX_ALLOWS];
    uint64_t driver_state[4]; /* a driver's own per-process words */
};

struct km_process {
    int index;
    const struct km_proc_config *cfg;
    enum km_state state;
    enum km_state stopped_from; /* state before Stopped */
    uint32_t yielded_for_driver, yielded_for_subnum;
    uint32_t process_id; /* kernel-wide counter, new on restart */
    bool has_completion_code;
    uint32_t completion_code;

    /* Memory (simulated addresses). */
    uint32_t mem_start, mem_end; /* process block */
    uint32_t app_break;          /* end of app-accessible memory */
    uint32_t kernel_break;       /* start of the grant region */
    uint32_t initial_kernel_break;
    uint32_t initial_kernel_size; /* grant region at load time */
    uint32_t allow_high_water_mark;
    uint32_t flash_start, flash_end;
    uint64_t code_lo, code_hi;        /* host code range, for upcall pointers */
    uint32_t stack_start, heap_start; /* memop 10/11, debug only */

    /* Task queue (ring). */
    struct km_task tasks[KM_TASK_QUEUE_LEN];
    unsigned task_head, task_count;

    struct km_grant grants[KM_MAX_GRANTS];

    struct km_mpu_config mpu; /* this process's MPU configuration */
    uint32_t mpu_generation;  /* bumped on every change */

    /* What the host app is waiting for when next dispatched. */
    enum km_resume resume;
    struct km_regs ret;
    struct km_upcall upcall;
    bool upcall_nowait;

    uint64_t compute_left;           /* declared cycles not yet run (preempted) */
    bool grant_exhausted;            /* injected: grant allocations fail with NOMEM */
    enum km_host_inject host_inject; /* injected misbehaviour for its next run */
    uint32_t host_inject_addr;
    struct km_proc_stats stats;
    char fault_reason[160];
};

/* A driver (capsule) as the syscall layer sees it. NULL = not supported. */
/* Lifecycle events a capsule hears about (kernel/src/process.rs has no such
 * hook: upstream capsules only see a process's grant vanish; ipcsim gives
 * IPC designs this hook so a design may choose to notify its peers). */
enum km_lifecycle {
    KM_LC_FAULT,     /* the process faulted, before its fault policy acts */
    KM_LC_TERMINATE, /* it was terminated: its grants are gone */
    KM_LC_RESTART,   /* it restarted with a new process id */
};

struct km_driver_ops {
    uint32_t num;
    const char *name;
    bool has_grant;                      /* false: the capsule keeps no per-process grant */
    uint8_t n_upcalls, n_rw, n_ro, n_ur; /* grant sizes */
    /* true: n_upcalls and n_rw are the number of processes instead (the
     * capsule's NUM_PROCS), see km_driver_n_upcalls / km_driver_n_allows */
    bool per_process_slots;
    /* NULL: always there; else whether this kernel's board includes it */
    bool (*present)(const struct km_kernel *k);
    /* command: fill *ret (variant + values); process is p. */
    void (*command)(struct km_kernel *k, struct km_process *p, uint32_t cmd, uint32_t a1,
                    uint32_t a2, struct km_regs *ret);
    /* a timer this driver armed for process p has expired. */
    void (*timer)(struct km_kernel *k, struct km_process *p, uint64_t tag);
    /* p faulted, terminated or restarted; NULL = not interested */
    void (*lifecycle)(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev);
};

/* Tells every driver of the board that p faulted, terminated or restarted. */
void km_drivers_lifecycle(struct km_kernel *k, struct km_process *p, enum km_lifecycle ev);

/* Scheduler table (kernel/src/scheduler.rs, trait Scheduler). The reason a
 * process stopped (kernel/src/process.rs, StoppedExecutingReason). */
enum km_stop_reason { KM_STOP_NO_WORK, KM_STOP_TIMESLICE, KM_STOP_PREEMPTED, KM_STOP_STOPPED };

struct km_sched_state;

struct km_sched_ops {
    const char *name;
    uint32_t default_timeslice_us; /* 0 = no timeslice (run cooperatively) */
    /* picks a ready process; returns its index and sets *timeslice_us (0 =
     * no timeslice), or returns -1 to sleep. */
    int (*next)(struct km_kernel *k, uint32_t *timeslice_us);
    /* why the process next() chose stopped, and how long it ran (us; the
     * whole timeslice for KM_STOP_TIMESLICE). */
    void (*result)(struct km_kernel *k, enum km_stop_reason r, uint32_t executed_us);
    /* asked before every step of do_process for the running process proc:
     * false stops it as KM_STOP_PREEMPTED. Tock's default is
     * km_sched_continue_default. */
    bool (*continue_process)(struct km_kernel *k, int proc);
};

const struct km_sched_ops *km_sched_find(const char *name);
/* Tock's default continue_process(): keep running unless kernel work (a due
 * timer, the model's interrupts and deferred calls) is pending. */
bool km_sched_continue_default(struct km_kernel *k, int proc);
/* Moves the entry at position pos of the scheduler queue to its tail,
 * keeping the order of the others (List::push_tail(pop)). */
void km_sched_queue_to_tail(struct km_sched_state *ss, unsigned pos);

/* Per-process scheduler state, indexed by process (mlfq.rs MfProcState plus
 * the queue its node is in). Survives restarts, as a scheduler's node does. */
struct km_sched_proc {
    unsigned level;   /* mlfq: the queue the process is in, 0 = top */
    uint32_t used_us; /* mlfq: us_used_this_queue */
};

/* Scheduler state for every scheduler kind (only one is in use). */
struct km_sched_state {
    int *queue; /* process indices, head first (mlfq: all levels) */
    unsigned qlen;
    uint32_t timeslice_us;
    uint32_t time_remaining; /* round robin: left of the current slice */
    bool last_rescheduled;
    struct km_sched_proc *procs; /* nprocs entries */
    int running;                 /* priority: the process next() chose, -1 none */
    int last_proc;               /* mlfq: the process next() chose */
    unsigned last_level;         /* mlfq: last_queue_idx */
    uint64_t next_reset;         /* mlfq: alarm ticks at which to boost next */
    uint64_t last_reset_check;   /* mlfq: alarm ticks at the last next() */
};

/* A pending kernel timer (an alarm expiry, a console write completing). */
struct km_timer {
    bool armed;
    uint64_t when; /* virtual cycles */
    uint64_t seq;  /* arming order, breaks ties deterministically */
    int proc;
    uint32_t driver;
    uint64_t tag;
    uint32_t pid; /* process_id when armed: stale after a restart */
};

struct km_kernel {
    struct km_config cfg;
    struct km_process *procs;
    unsigned nprocs;
    const struct km_sched_ops *sched;
    struct km_sched_state ss;

    uint64_t now; /* virtual cycles */
    uint32_t next_process_id;

    struct km_timer *timers; /* a small pool, see km_timer_arm */
    unsigned ntimers;
    uint64_t timer_seq;

    /* do_process state */
    int current;             /* process in do_process, or -1 */
    int last_run;            /* process that ran last, for switch costs */
    int mpu_loaded_for;      /* process whose MPU configuration the hardware holds, or -1 */
    uint32_t mpu_loaded_gen; /* that process's mpu_generation when it was loaded */
    uint64_t slice_start;    /* virtual time the slice started */
    uint64_t slice_cycles;   /* 0 = no timeslice */
    bool dispatched;         /* current was handed to the host */

    bool ended;
    enum km_end_reason end_reason;
    char panic_reason[256];

    uint64_t rng_state; /* rng driver, xorshift64* */

    /* console driver (one UART shared by all processes) */
    int console_tx_proc;       /* process whose chunk is on the wire, or -1 */
    uint32_t console_tx_pid;   /* its process id when the chunk was sent */
    uint8_t console_chunk[64]; /* capsules/core/src/console.rs DEFAULT_BUF_SIZE */
    uint32_t console_chunk_len;

    uint32_t led_state; /* led driver: bit i = LED i on */

    /* fault injection (km_inject.c) */
    struct km_inj_rule_state *inj;  /* one per km_config.inject rule */
    uint64_t inj_rng;               /* stream for rate triggers and bit flips */
    struct km_inj_delayed *delayed; /* upcalls held back by delay_upcall */
    unsigned ndelayed;

    /* kernel-wide state of capsules (km_capsule_state), freed with the kernel */
    struct km_capsule_slot {
        uint32_t driver;
        void *state;
    } capsules[KM_MAX_CAPSULE_STATES];
};

/* Per-rule state of fault injection. */
struct km_inj_rule_state {
    uint64_t seen;  /* matching events so far */
    uint64_t fired; /* times the rule acted */
};

/* An upcall delay_upcall holds back. */
struct km_inj_delayed {
    bool used;
    int proc;
    uint32_t pid; /* the incarnation it was for */
    uint32_t driver, subnum;
    uint32_t args[3];
};

/* Pseudo driver numbers of the injector's kernel timers. */
#define KM_INJ_TIMER_DRIVER 0xFFFFFF01u
#define KM_INJ_DELAY_DRIVER 0xFFFFFF02u

/* Core services for drivers and schedulers. */
/* process.ready(): Running, or Yielded with a task, or YieldedFor with the
 * awaited upcall queued. */
bool km_proc_ready(const struct km_process *p);
/* Kernel work is pending: a kernel timer is due (the model's interrupts and
 * deferred calls; chip.has_pending_interrupts() || DeferredCall::has_tasks()). */
bool km_kernel_work_pending(struct km_kernel *k);
struct km_process *km_proc(struct km_kernel *k, int p);
/* Enters p's grant for driver (Grant::enter, kernel/src/grant.rs), charging
 * costs.grant_enter: the grant, allocated first if allocate is set, or NULL
 * with *err (if err is not NULL) set to -FAIL (none and not allocating) or
 * -NOMEM (cannot allocate). */
struct km_grant *km_grant_get(struct km_kernel *k, struct km_process *p, uint32_t driver,
                              bool allocate, int *err);
/* p's grant for driver if it has one, without charging anything: for the
 * simulator's own bookkeeping (fault injection), which Tock does not do. */
struct km_grant *km_grant_peek(struct km_process *p, uint32_t driver);
/* Schedules upcall (driver, subnum) on p with args; returns 0 or -NOMEM
 * (queue full) / -NODEVICE (not running) / -FAIL (no grant). */
int km_schedule_upcall(struct km_kernel *k, struct km_process *p, uint32_t driver, uint32_t subnum,
                       uint32_t a0, uint32_t a1, uint32_t a2);
/* Arms a timer for driver `driver` on process p at virtual time `when`;
 * replaces one already armed with the same (proc, driver, tag). */
void km_timer_arm(struct km_kernel *k, int p, uint32_t driver, uint64_t tag, uint64_t when);
/* Disarms it; returns true if it was armed. */
bool km_timer_cancel(struct km_kernel *k, int p, uint32_t driver, uint64_t tag);
void km_emit(struct km_kernel *k, const struct km_event *ev);
/* Reads/writes simulated memory; return false if outside SRAM/flash. */
bool km_mem_read(struct km_kernel *k, uint32_t addr, void *dst, uint32_t len);
bool km_mem_write(struct km_kernel *k, uint32_t addr, const void *src, uint32_t len);
/* Host pointer for [addr, addr+len) inside SRAM or flash, or NULL. */
uint8_t *km_mem_ptr(struct km_kernel *k, uint32_t addr, uint32_t len);
uint64_t km_us_to_cycles(const struct km_kernel *k, uint64_t us);
uint64_t km_cycles_to_us(const struct km_kernel *k, uint64_t cycles);
void km_charge(struct km_kernel *k, uint64_t cycles);
/* One step of a xorshift64* generator over *state (never 0). */
uint64_t km_xorshift64s(uint64_t *state);
uint64_t km_rng_next(struct km_kernel *k);

/* Return-value builders. */
void km_ret_success(struct km_regs *r);
void km_ret_success_u32(struct km_regs *r, uint32_t v);
void km_ret_success_2u32(struct km_regs *r, uint32_t a, uint32_t b);
void km_ret_success_u64(struct km_regs *r, uint64_t v);
void km_ret_failure(struct km_regs *r, int err);
void km_ret_failure_u32(struct km_regs *r, int err, uint32_t v);

/* Driver table. */
const struct km_driver_ops *km_driver_find(uint32_t num);
extern const struct km_driver_ops km_drv_alarm_ops, km_drv_console_ops, km_drv_led_ops,
    km_drv_rng_ops;
/* ---- legacy IPC support (km_ipc_legacy.c, km_drivers.c) ---- */
extern const struct km_driver_ops km_drv_ipc_legacy_ops;
/* km_driver_find, but NULL for a driver this kernel's board leaves out. */
const struct km_driver_ops *km_driver_lookup(const struct km_kernel *k, uint32_t num);
/* The driver's subscribe numbers, and allow numbers of class cls. */
unsigned km_driver_n_upcalls(const struct km_kernel *k, const struct km_driver_ops *d);
unsigned km_driver_n_allows(const struct km_kernel *k, const struct km_driver_ops *d, uint32_t cls);
/* enqueue_task: 0, -NODEVICE (p not alive) or -NOMEM (queue full, and the
 * dropped-upcall counter goes up). */
int km_enqueue(struct km_process *p, const struct km_task *t);
/* p's MPU configuration changed: the host view must be rebuilt. */
void km_mpu_changed(struct km_process *p);
/* do_process dequeued Task::IPC t on target (kernel.rs): schedule the
 * upcall, exposing the sender's buffer (IPC::schedule_upcall). */
void km_ipc_legacy_deliver(struct km_kernel *k, struct km_process *target, const struct km_task *t);
/* p's task queue is about to be emptied (terminate, reset): reports each
 * queued Task::IPC as dropped. */
void km_ipc_legacy_discard(struct km_kernel *k, const struct km_process *p, const char *why);
/* ---- end legacy IPC support ---- */

/* ---- Support for every IPC design (km_ipc_common.c) ---- */
extern const struct km_driver_ops km_drv_registry_name_ops, km_drv_registry_pkg_ops,
    km_drv_relay_request_ops, km_drv_relay_message_ops, km_drv_share_ops, km_drv_sendrecv_ops;
/* Is the scenario's IPC mechanism `name`? */
bool km_ipc_mechanism_is(const struct km_kernel *k, const char *name);
/* The draft design's capsules (registries, relays) are on this board:
 * mechanism "relay" or "share". */
bool km_ipc_relay_present(const struct km_kernel *k);
/* p's IPC identifier (draft TRD): ProcessId in the low 32 bits, ShortId
 * (0 = LocallyUnique) in the high 32. New on every restart. */
uint64_t km_ipc_id(const struct km_process *p);
/* The live process (not Terminated, not Faulted) whose identifier is
 * (lo, hi), or NULL: an identifier from before a restart finds nothing. */
struct km_process *km_ipc_find(struct km_kernel *k, uint32_t lo, uint32_t hi);
/* Reports an IPC message (KM_EV_IPC): on the sender when queued, on the
 * target otherwise. op: see struct km_event. */
void km_ipc_event(struct km_kernel *k, enum km_ipc_phase phase, int sender, int target,
                  bool to_server, const char *op, uint32_t bytes, const char *why);
/* A kernel copy of len bytes from simulated address src into dst on
 * behalf of receiving process `into`: charges copy_fixed + len *
 * copy_per_byte / 16 cycles and counts the bytes on `into`. False (and no
 * copy) if either range is outside simulated memory. */
bool km_ipc_copy(struct km_kernel *k, struct km_process *into, uint32_t dst, uint32_t src,
                 uint32_t len);
/* A capsule's kernel-wide state: `size` zeroed bytes allocated on first
 * use, freed with the kernel. NULL if out of memory or slots. */
void *km_capsule_state(struct km_kernel *k, uint32_t driver, size_t size);
/* Carves len bytes, aligned to align (a power of two, >= 8), from the top
 * of p's grant region (memory the process cannot touch unless an MPU
 * region says so); *addr receives the start. 0, or -KM_ENOMEM when the
 * grant region would cross the app break. Given back only when p is reset. */
int km_grant_carve(struct km_kernel *k, struct km_process *p, uint32_t len, uint32_t align,
                   uint32_t *addr);
/* ---- end support for every IPC design ---- */

/* Reports (once per occurrence) a case where the MPU model refused a
 * request at which Tock's own code panics: emits KM_EV_FINDING for process
 * proc and clears c->finding. */
void km_mpu_finding_report(struct km_kernel *k, int proc, struct km_mpu_config *c);

/* Fault injection hooks (km_inject.c). */
int km_inj_init(struct km_kernel *k);
void km_inj_destroy(struct km_kernel *k);
/* Before syscall cls of p runs: true if a syscall_error rule replaces it
 * (ret filled). */
bool km_inj_syscall_pre(struct km_kernel *k, struct km_process *p, uint32_t cls,
                        const struct km_regs *r, struct km_regs *ret);
/* After p's syscall was handled (after_syscalls triggers). */
void km_inj_syscall_post(struct km_kernel *k, struct km_process *p);
/* An upcall is about to be queued on p: 0 queue it, 1 dropped, 2 delayed. */
int km_inj_upcall(struct km_kernel *k, struct km_process *p, uint32_t driver, uint32_t subnum,
                  const uint32_t args[3]);
/* A named event happened in process p (p may be NULL). */
void km_note(struct km_kernel *k, struct km_process *p, const char *name);
/* A kernel timer of the injector fired. */
void km_inj_timer(struct km_kernel *k, uint32_t driver, uint64_t tag);
/* Queues an upcall without consulting the injector. */
int km_schedule_upcall_raw(struct km_kernel *k, struct km_process *p, uint32_t driver,
                           uint32_t subnum, uint32_t a0, uint32_t a1, uint32_t a2);
/* Lifecycle used by the injector. */
void km_exit_process(struct km_kernel *k, struct km_process *p, bool restart, uint32_t code);

/* Fault policies. */
enum km_fault_action km_fault_policy_action(const struct km_fault_policy *fp,
                                            const struct km_process *p);

#endif
