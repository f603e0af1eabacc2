/* km.h: public interface of the Tock kernel model, a pure-C core that takes
 * events (a syscall from the running app, a declared computation, a fault)
 * and decides what runs next in virtual time.
 *
 * The model links libc only: it holds no globals, reads no clock and does no
 * I/O. Everything it touches hangs off one struct km_kernel passed
 * explicitly; what it wants the outside world to do (print console bytes,
 * kill or respawn an app process) is reported through the event callback in
 * struct km_config.
 *
 * Driving it (see sim/runner.c):
 *
 *     km_next(k, &d)          -> run process d.proc with d.resume, or end
 *     ... the app runs until its next syscall ...
 *     km_syscall(k, p, cls, r)  or  km_compute(k, p, cycles)
 *     km_next(k, &d)          -> ...
 *
 * Faithful to kernel/src/kernel.rs (kernel_loop_operation, do_process,
 * handle_syscall) of tock/tock; where the model differs it says so.
 */
#ifndef KM_H
#define KM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "km_mpu.h"

/* ---- Error codes ----------------------------------------------------- */

/* Tock's ErrorCode numbers (kernel/src/errorcode.rs). Functions of this
 * module return 0 or the negated code. */
#define KM_ERRNO_MAP(X)                                                                            \
    X(FAIL, 1)                                                                                     \
    X(BUSY, 2)                                                                                     \
    X(ALREADY, 3)                                                                                  \
    X(OFF, 4)                                                                                      \
    X(RESERVE, 5)                                                                                  \
    X(INVAL, 6)                                                                                    \
    X(SIZE, 7)                                                                                     \
    X(CANCEL, 8)                                                                                   \
    X(NOMEM, 9)                                                                                    \
    X(NOSUPPORT, 10)                                                                               \
    X(NODEVICE, 11)                                                                                \
    X(UNINSTALLED, 12)                                                                             \
    X(NOACK, 13)

enum km_errorcode {
#define KM_X_ERR(name, num) KM_E##name = num,
    KM_ERRNO_MAP(KM_X_ERR)
#undef KM_X_ERR
};

/* Returns Tock's name of an ErrorCode ("INVAL"), positive or negated; "?" for
 * anything else. */
const char *km_err_name(int code);

/* ---- Syscall ABI (TRD104) ------------------------------------------- */

enum km_class {
    KM_SYS_YIELD = 0,
    KM_SYS_SUBSCRIBE = 1,
    KM_SYS_COMMAND = 2,
    KM_SYS_ALLOW_RW = 3,
    KM_SYS_ALLOW_RO = 4,
    KM_SYS_MEMOP = 5,
    KM_SYS_EXIT = 6,
    KM_SYS_ALLOW_UR = 7,
    KM_SYS_NCLASSES = 8,
};

/* Return variants in r0 (doc/reference/trd104-syscalls.md, 3.2). */
enum km_rv {
    KM_RV_FAILURE = 0,
    KM_RV_FAILURE_U32 = 1,
    KM_RV_FAILURE_2U32 = 2,
    KM_RV_FAILURE_U64 = 3,
    KM_RV_SUCCESS = 128,
    KM_RV_SUCCESS_U32 = 129,
    KM_RV_SUCCESS_2U32 = 130,
    KM_RV_SUCCESS_U64 = 131,
    KM_RV_SUCCESS_3U32 = 132,
    KM_RV_SUCCESS_U32_U64 = 133,
};

/* Yield variants in r0 of a yield syscall. */
enum km_yield { KM_YIELD_NO_WAIT = 0, KM_YIELD_WAIT = 1, KM_YIELD_WAIT_FOR = 2 };

/* Registers as the host carries them: 64 bits wide so that upcall function
 * pointers and appdata of a 64-bit host app survive the round trip. Every
 * other value is a 32-bit quantity as on the target. */
struct km_regs {
    uint64_t r[4];
};

const char *km_class_name(uint32_t cls);

/* ---- Processes ------------------------------------------------------- */

/* Process states (kernel/src/process.rs, enum State). */
#define KM_STATE_MAP(X)                                                                            \
    X(RUNNING, "Running")                                                                          \
    X(YIELDED, "Yielded")                                                                          \
    X(YIELDED_FOR, "YieldedFor")                                                                   \
    X(STOPPED, "Stopped")                                                                          \
    X(FAULTED, "Faulted")                                                                          \
    X(TERMINATED, "Terminated")

enum km_state {
#define KM_X_STATE(name, str) KM_STATE_##name,
    KM_STATE_MAP(KM_X_STATE)
#undef KM_X_STATE
};

const char *km_state_name(enum km_state s);
/* Parses a state name as km_state_name() prints it; returns -1 if unknown. */
int km_state_parse(const char *name);

/* Fault policies (capsules/system/src/process_policies.rs). */
enum km_fault_policy_kind {
    KM_FP_PANIC,
    KM_FP_STOP,
    KM_FP_RESTART,
    KM_FP_THRESHOLD_RESTART,
    KM_FP_THRESHOLD_RESTART_THEN_PANIC,
};

struct km_fault_policy {
    enum km_fault_policy_kind kind;
    uint32_t threshold; /* for the threshold kinds */
};

enum km_fault_action { KM_FA_PANIC, KM_FA_RESTART, KM_FA_STOP };

/* What one process is configured with (the TBF header and board file). */
struct km_proc_config {
    const char *name;         /* instance name, for messages (borrowed) */
    const char *package_name; /* TBF PackageName (borrowed) */
    uint32_t min_ram;         /* TBF minimum RAM size, bytes */
    uint32_t priority;        /* for priority schedulers; lower runs first */
    struct km_fault_policy fault_policy;
    uint32_t flash_start; /* the app's image in simulated flash */
    uint32_t flash_size;
    /* ShortId (kernel/src/process.rs, enum ShortId): Fixed(n) for n != 0,
     * LocallyUnique for 0. Tock derives it from the app's credentials; a
     * scenario states it. It is the high half of an IPC identifier. */
    uint32_t short_id;
};

/* ---- Platform -------------------------------------------------------- */

/* Virtual-time costs in target CPU cycles, charged by the kernel model at the
 * step of Tock's kernel each stands for (docs/cost-model.md lists where).
 * Every platform profile gives every figure and names its source. */
struct km_costs {
    uint32_t trap_entry;      /* syscall entry into the kernel */
    uint32_t trap_exit;       /* return to the process */
    uint32_t context_switch;  /* switching to another process */
    uint32_t syscall_base;    /* decoding and dispatching one syscall */
    uint32_t command_base;    /* a capsule's command handler */
    uint32_t upcall_dispatch; /* setting up an upcall frame */
    uint32_t copy_fixed;      /* a kernel copy, fixed part */
    uint32_t copy_per_byte;   /* a kernel copy, per byte (x1/16 cycles) */
    uint32_t sched_decision;  /* one scheduler decision */
    uint32_t mpu_fixed;       /* loading a process's MPU configuration, fixed part */
    uint32_t mpu_per_region;  /* the same, per enabled region of that configuration */
    uint32_t grant_enter;     /* entering one process's grant for one capsule */
};

struct km_memory {
    uint8_t *sram;       /* host pointer to the simulated SRAM */
    uint32_t sram_base;  /* its simulated address */
    uint32_t sram_size;  /* bytes */
    uint8_t *flash;      /* host pointer to the simulated app flash */
    uint32_t flash_base; /* its simulated address */
    uint32_t flash_size; /* bytes */
};

struct km_event;
struct km_driver_ops; /* km_internal.h: a capsule's function table */

/* ---- Fault injection -------------------------------------------------- */

#define KM_INJECT_KIND_MAP(X)                                                                      \
    X(CRASH, "crash")                       /* the app takes a hard fault */                       \
    X(MPU_VIOLATION, "mpu_violation")       /* the app touches a forbidden address */              \
    X(HANG, "hang")                         /* the app stops making syscalls */                    \
    X(KILL, "kill")                         /* its Linux process is SIGKILLed */                   \
    X(EXIT, "exit")                         /* as if it called exit-terminate */                   \
    X(RESTART, "restart")                   /* as if it called exit-restart */                     \
    X(SYSCALL_ERROR, "syscall_error")       /* a matching syscall fails instead of running */      \
    X(DROP_UPCALL, "drop_upcall")           /* a matching upcall is never queued */                \
    X(DELAY_UPCALL, "delay_upcall")         /* a matching upcall is queued later */                \
    X(CORRUPT_BUFFER, "corrupt_buffer")     /* bits flip in an allowed buffer */                   \
    X(GRANT_EXHAUSTION, "grant_exhaustion") /* grant allocations fail from then on */

enum km_inject_kind {
#define KM_X_INJ(name, str) KM_INJ_##name,
    KM_INJECT_KIND_MAP(KM_X_INJ)
#undef KM_X_INJ
};

const char *km_inject_kind_name(enum km_inject_kind k);
/* Parses a kind name; returns -1 if unknown. */
int km_inject_kind_parse(const char *name);

/* When a rule fires. Syscall errors and upcall drops/delays watch the
 * stream of matching syscalls or upcalls of their app; every other kind
 * fires at one moment. */
enum km_trigger {
    KM_TRIG_AT_TIME,        /* at virtual time at_cycles (syscall/upcall kinds: the
                               first matching one from then on) */
    KM_TRIG_AFTER_SYSCALLS, /* when the app's nth syscall has been handled */
    KM_TRIG_NTH,            /* at the nth matching event (named event, syscall, upcall) */
    KM_TRIG_RATE,           /* at each matching event with probability rate_ppm / 1e6 */
};

/* Named events rules can watch (km_note); capsules may note their own. */
#define KM_NOTE_SYSCALL "syscall" /* the app made a syscall */
#define KM_NOTE_UPCALL "upcall"   /* an upcall was scheduled for the app */
#define KM_NOTE_FAULT "fault"     /* the app faulted */
#define KM_NOTE_RESTART "restart" /* the app restarted */
#define KM_NOTE_EXIT "exit"       /* the app exited */
/* IPC, every design: a request (legacy: a service notify) reached the app
 * as a server; a response (legacy: a client notify) reached it as a client */
#define KM_NOTE_IPC_REQUEST "ipc_request"
#define KM_NOTE_IPC_REPLY "ipc_reply"

struct km_inject_rule {
    enum km_inject_kind kind;
    int proc; /* target process index */
    enum km_trigger trigger;
    uint64_t at_cycles; /* KM_TRIG_AT_TIME */
    uint64_t nth;       /* KM_TRIG_AFTER_SYSCALLS, KM_TRIG_NTH (1 = first) */
    uint32_t rate_ppm;  /* KM_TRIG_RATE */
    const char *event;  /* named event to watch (NULL: the kind's own stream) */
    /* Matchers for the syscall and upcall kinds and corrupt_buffer;
     * -1 = any. */
    int32_t match_class; /* syscall class */
    int64_t match_driver;
    int64_t match_number;  /* command / subscribe / allow number */
    uint32_t error;        /* SYSCALL_ERROR: the ErrorCode to return */
    uint64_t delay_cycles; /* DELAY_UPCALL */
    uint32_t bits;         /* CORRUPT_BUFFER: bits to flip */
    uint32_t allow_class;  /* CORRUPT_BUFFER: KM_SYS_ALLOW_RW or KM_SYS_ALLOW_RO */
    uint32_t exit_code;    /* EXIT, RESTART: completion code */
};

/* What the host side must make the app do when it next runs. */
enum km_host_inject { KM_HOST_NONE = 0, KM_HOST_TOUCH = 1, KM_HOST_HANG = 2 };

/* ---- IPC mechanism ---------------------------------------------------- */

/* A registration filter rule of the string-name registry: `name` (20
 * bytes, zero padded) may only be registered by a process whose package
 * name is `package_name`. Names no rule mentions are first come, first
 * served. */
struct km_registry_rule {
    uint8_t name[20];
    const char *package_name; /* borrowed */
};

/* Deliberately broken variants of IPC capsules, for testing tools that look
 * for faults (`ipcsim fuzz`); a board never has one. Each misbehaves only
 * under a fault, never in a fault-free run (docs/fuzzing.md):
 * - relay_server_by_slot: Relay Request remembers the server a client
 *   waits on by its process slot instead of its ProcessId, so a restarted
 *   server inherits the requests of its earlier incarnation, and a request
 *   that incarnation took but did not answer is delivered a second time. */
#define KM_PLANTED_BUG_MAP(X)                                                                      \
    X(NONE, "none")                                                                                \
    X(RELAY_SERVER_BY_SLOT, "relay_server_by_slot")

enum km_planted_bug {
#define KM_X_BUG(name, str) KM_BUG_##name,
    KM_PLANTED_BUG_MAP(KM_X_BUG)
#undef KM_X_BUG
};

const char *km_planted_bug_name(enum km_planted_bug b);
/* Parses a planted bug's name; returns -1 if unknown. */
int km_planted_bug_parse(const char *name);

/* Which IPC capsules the board includes (the scenario's "ipc" key):
 * - NULL or "none": no IPC driver at all;
 * - "legacy": Tock's IPC driver 0x10000 (kernel/src/ipc.rs);
 * - "relay": the draft design (tock/tock PR #5016): the string-name and
 *   package-name registries 0xA0000 / 0xA0001, Relay Request 0xA0010 and
 *   Relay Message 0xA0011 (this project's number for the planned mailbox);
 * - "share": "relay" plus this project's shared-memory capsule 0xA0020;
 * - "sendrecv": Hubris-style send / receive / reply with leases, 0xA0030
 *   (this project's number).
 * See docs/ipc-designs.md. */
struct km_ipc_config {
    const char *mechanism; /* borrowed */
    /* legacy only: refuse a notify whose shared buffer the target's MPU
     * cannot expose (the fix discussed in tock/tock#1993) instead of
     * ignoring the failure as upstream does. */
    bool refuse_unexposable;
    /* relay, share: the string-name registry's registration filter */
    unsigned n_registry_rules;
    const struct km_registry_rule *registry_rules; /* borrowed */
    /* a deliberately broken capsule (KM_BUG_NONE, 0: none) */
    enum km_planted_bug planted_bug;
};

struct km_config {
    struct km_memory mem;
    uint64_t clock_hz;        /* CPU clock: virtual cycles per second */
    uint32_t alarm_hz;        /* alarm driver tick frequency */
    uint32_t led_count;       /* LEDs the led driver exposes */
    uint64_t seed;            /* rng driver seed */
    uint64_t duration_cycles; /* run ends at this virtual time; 0 = never */
    const char *scheduler;    /* scheduler name, NULL = "round_robin" */
    uint32_t timeslice_us;    /* 0 = the scheduler's default */
    struct km_costs costs;
    struct km_mpu mpu; /* MPU model and its parameters */
    /* The break a new process starts with (initial_process_app_brk_size:
     * the SVC frame, 32 B, on Cortex-M; 0 on RISC-V). */
    uint32_t initial_app_brk;
    unsigned nprocs;
    const struct km_proc_config *procs; /* nprocs entries (borrowed) */
    unsigned ninject;
    const struct km_inject_rule *inject; /* ninject rules (borrowed) */
    /* Capsules besides the built-in ones (a test's or a user's fake
     * driver), looked up after them by driver number (borrowed). */
    unsigned n_extra_drivers;
    const struct km_driver_ops *const *extra_drivers;
    struct km_ipc_config ipc; /* the IPC capsule the board includes */
    /* Called for each event the outside world should see; may be NULL. */
    void (*on_event)(void *ctx, const struct km_event *ev);
    void *ctx;
};

/* ---- Events out of the model ----------------------------------------- */

enum km_event_kind {
    KM_EV_CONSOLE,   /* bytes written to the console */
    KM_EV_LED,       /* an LED changed */
    KM_EV_STATE,     /* a process changed state */
    KM_EV_TERMINATE, /* the app's host process must go */
    KM_EV_RESTART,   /* the app's host process must be replaced */
    KM_EV_PANIC,     /* the kernel panicked */
    KM_EV_FINDING,   /* the model met a case where upstream Tock panics */
    KM_EV_INJECT,    /* a fault-injection rule fired */
    KM_EV_KILL,      /* the app's host process must be SIGKILLed (injection) */
    KM_EV_FAULT,     /* a process faulted (before its fault policy acts) */
    KM_EV_NOTICE,    /* something a user should see that upstream keeps
                        silent (an IPC window the MPU refused, ignored) */
    KM_EV_IPC,       /* IPC: a message queued, delivered or dropped */
    KM_EV_DISCOVER,  /* IPC: a registry lookup found a process */
};

/* What became of an IPC message (KM_EV_IPC): a legacy notification, a
 * relay request or response, a mailbox message, a send or reply. Every
 * queued one ends delivered or dropped, in queue order per (sender,
 * target) pair; a message handed over at once is reported queued and
 * delivered together. */
enum km_ipc_phase {
    KM_IPC_QUEUED,    /* the message is on its way to the target */
    KM_IPC_DELIVERED, /* it reached the target (the upcall was scheduled) */
    KM_IPC_DROPPED,   /* it never will (see .why) */
};

/* Why a design may drop a message it accepted: every reason the model
 * reports (km_event.u.ipc.why) has a rule, listed with the design's
 * delivery promises in docs/ipc-designs.md#delivery-promises. `ipcsim
 * fuzz` holds each drop in a trace to its rule ("no message is lost"). */
enum km_ipc_excuse {
    KM_IPC_RECEIVER_ENDED, /* the incarnation it was sent to ended (terminated,
                              restarted) before taking it */
    KM_IPC_SENDER_ENDED,   /* the sender's incarnation ended before delivery */
    KM_IPC_WITHDRAWN,      /* a command withdrew it: the sender cancelled or
                              abandoned it, or the receiver stopped taking requests */
    KM_IPC_REFUSED,        /* dropped at once, as the design specifies: the
                              sender is told, or the upstream design drops it
                              silently too */
};

struct km_ipc_drop_rule {
    const char *design; /* "legacy", "draft" (relay, share), "sendrecv" */
    const char *op;     /* km_event.u.ipc.op */
    const char *why;    /* km_event.u.ipc.why */
    enum km_ipc_excuse excuse;
};

/* The rule for a dropped message of kind `op` with reason `why`; NULL if
 * the model has none (the kernel model's tests fail on such a drop). */
const struct km_ipc_drop_rule *km_ipc_drop_rule(const char *op, const char *why);
/* Every rule, *n of them, for documentation and tests. */
const struct km_ipc_drop_rule *km_ipc_drop_rules(size_t *n);
/* "receiver ended", "sender ended", "withdrawn", "refused". */
const char *km_ipc_excuse_name(enum km_ipc_excuse e);

struct km_event {
    enum km_event_kind kind;
    uint64_t time; /* virtual cycles */
    int proc;      /* process index, -1 for none */
    union {
        struct {
            const uint8_t *data; /* valid during the callback only */
            uint32_t len;
        } console;
        struct {
            uint32_t index;
            bool on;
        } led;
        struct {
            enum km_state from, to;
        } state;
        struct {
            const char *reason; /* valid during the callback only */
        } panic;
        struct {
            const char *text; /* static */
        } finding;
        struct {
            const char *reason; /* valid during the callback only */
        } fault;
        struct {
            unsigned rule; /* index into km_config.inject */
            enum km_inject_kind kind;
            const char *detail; /* valid during the callback only */
        } inject;
        struct {
            const char *text; /* valid during the callback only */
        } notice;
        struct {
            enum km_ipc_phase phase;
            int sender, target; /* process indices */
            bool service;       /* legacy: notify service (command 2), else client (3);
                                   other designs: the message goes to a server */
            const char *op;     /* static: "service", "client" (legacy), "request",
                                   "response", "message", "send", "reply", "grant"
                                   (share: access to a chunk) */
            uint32_t bytes;     /* payload bytes the kernel copied (0 if none) */
            const char *why;    /* KM_IPC_DROPPED: static reason; else NULL */
        } ipc;
        struct {
            int found;       /* process index the lookup of .proc found */
            const char *how; /* static: "name", "package" (the registry) */
        } discover;
    } u;
};

/* ---- Upcalls and dispatch -------------------------------------------- */

struct km_upcall {
    uint64_t fn;      /* upcall function pointer, 0 = null upcall */
    uint64_t appdata; /* opaque */
    uint32_t args[3];
};

enum km_resume {
    KM_RESUME_START,  /* first dispatch after (re)start: run the init function */
    KM_RESUME_RETURN, /* return from the last syscall with .regs */
    KM_RESUME_UPCALL, /* run .upcall as the answer to a yield */
};

enum km_end_reason {
    KM_END_NONE,
    KM_END_DURATION, /* the configured virtual duration elapsed */
    KM_END_IDLE,     /* every process is done or waits with nothing pending */
    KM_END_PANIC,    /* kernel panic */
};

const char *km_end_reason_name(enum km_end_reason r);

struct km_dispatch {
    bool end; /* true: the run is over, see .end_reason */
    enum km_end_reason end_reason;
    int proc; /* process to run */
    enum km_resume resume;
    struct km_regs regs;             /* for KM_RESUME_RETURN */
    struct km_upcall upcall;         /* for KM_RESUME_UPCALL */
    bool upcall_nowait;              /* upcall answers a yield-no-wait */
    enum km_host_inject host_inject; /* make the app misbehave before it goes on */
    uint32_t host_inject_addr;       /* KM_HOST_TOUCH: the forbidden address */
};

/* A fault reported by the host side for process p. */
enum km_fault_kind {
    KM_FAULT_MEMORY,   /* a memory access the MPU forbids (SIGSEGV) */
    KM_FAULT_CRASH,    /* another hard fault (SIGILL, SIGBUS, abort...) */
    KM_FAULT_PROTOCOL, /* the app broke the channel protocol */
    KM_FAULT_DIED,     /* the app's host process ended outside exit */
};

struct km_fault_info {
    enum km_fault_kind kind;
    uint64_t addr;      /* faulting address, if any */
    uint32_t access;    /* 1 read, 2 write, 0 unknown */
    uint64_t pc;        /* program counter, if known */
    const char *reason; /* human-readable, borrowed */
};

/* ---- Per-process counters and state snapshot ------------------------- */

struct km_proc_stats {
    uint64_t syscalls[KM_SYS_NCLASSES];
    uint64_t upcalls_delivered;
    uint64_t upcalls_dropped;  /* enqueue failures (queue full) */
    uint64_t upcalls_stale;    /* tasks queued for an earlier incarnation, found
                                  on dequeue and discarded (a self-check of the
                                  model: a restart empties the queue, so 0) */
    uint64_t context_switches; /* times this process was switched to */
    uint64_t timeslice_expirations;
    uint64_t run_cycles; /* virtual cycles charged to it */
    uint32_t restart_count;
    uint32_t fault_count;
    uint64_t ipc_windows;         /* MPU regions legacy IPC added to it */
    uint64_t ipc_windows_refused; /* shared buffers its MPU could not expose */
    uint64_t ipc_bytes_copied;    /* IPC payload bytes the kernel copied into it */
    uint64_t ipc_share_mapped;    /* shared regions mapped into it by its MPU */
    uint64_t ipc_share_copied;    /* shared regions it reached by copying (fallback) */
    uint64_t mpu_reprograms;      /* changes to its MPU configuration (load included) */
    uint32_t mpu_regions_base;    /* regions its last load used (flash and RAM) */
    uint32_t mpu_regions_peak;    /* most regions enabled at once */
};

struct km_proc_info {
    const char *name;
    const char *package_name;
    enum km_state state;
    uint32_t process_id; /* changes on every restart */
    bool has_completion_code;
    uint32_t completion_code;
    uint32_t ram_start, ram_end; /* process block */
    uint32_t app_break, kernel_break, allow_high_water_mark;
    uint32_t flash_start, flash_end;
    struct km_proc_stats stats;
    char fault_reason[160];   /* last fault, "" if none */
    struct km_mpu_config mpu; /* its MPU configuration now */
    uint32_t mpu_generation;  /* changes whenever the configuration does */
};

/* ---- The kernel ------------------------------------------------------ */

struct km_kernel;

/* Creates a kernel for cfg and loads every process as Tock's
 * process_standard.rs create() does: an MPU region for its flash, then its
 * RAM block from allocate_app_memory_region, one after another from the
 * start of SRAM. Returns NULL and writes a message to err (errlen bytes) if
 * the configuration cannot be honoured (unknown scheduler, a flash image
 * the MPU cannot cover, SRAM too small).
 * The kernel keeps pointers to cfg's procs strings; cfg itself may go. */
struct km_kernel *km_create(const struct km_config *cfg, char *err, size_t errlen);
void km_destroy(struct km_kernel *k);

/* Tells the kernel the host address range of process p's code, against
 * which subscribe checks upcall function pointers (a host app's functions
 * are host addresses; they play the part of addresses in app flash). */
void km_set_code(struct km_kernel *k, int p, uint64_t lo, uint64_t hi);

/* Decides what happens next: fires due timers, asks the scheduler, jumps
 * virtual time over idle stretches. Fills d; returns 0. */
int km_next(struct km_kernel *k, struct km_dispatch *d);

/* The running process p made syscall `cls` with registers r. Returns 0, or
 * -KM_EINVAL if p is not the dispatched process (the call is ignored). */
int km_syscall(struct km_kernel *k, int p, uint32_t cls, const struct km_regs *r);

/* The running process p declares `cycles` of computation since its last
 * event. Returns 0 or -KM_EINVAL as km_syscall. */
int km_compute(struct km_kernel *k, int p, uint64_t cycles);

/* The running process p declares that it copied `bytes` bytes within its
 * own memory (a memcpy in a userspace library): charged like a kernel copy,
 * copy_fixed + bytes * copy_per_byte / 16 cycles (the same loop on the same
 * core), as computation. Returns what km_compute returns. */
int km_compute_copy(struct km_kernel *k, int p, uint64_t bytes);

/* The cycles a copy of `bytes` bytes costs on this platform. */
uint64_t km_copy_cycles(const struct km_kernel *k, uint64_t bytes);

/* The running process p was caught computing without syscalls by the host
 * watchdog and is preempted: it is charged the rest of its timeslice (the
 * scheduler's default timeslice when it has none), as if it had run that
 * long, and the scheduler moves on. Returns 0 or -KM_EINVAL as km_syscall. */
int km_preempt(struct km_kernel *k, int p);

/* Process p faulted (or its host process died). Applies its fault policy. */
int km_fault(struct km_kernel *k, int p, const struct km_fault_info *f);

/* Stops the run now as a kernel panic with `reason` (for example because
 * the host side cannot go on). */
void km_panic(struct km_kernel *k, const char *reason);

uint64_t km_now(const struct km_kernel *k);
uint64_t km_cycles_to_ns(const struct km_kernel *k, uint64_t cycles);
unsigned km_nprocs(const struct km_kernel *k);
void km_proc_info(const struct km_kernel *k, int p, struct km_proc_info *out);
/* Process p's MPU configuration and its generation, which changes whenever
 * the configuration does (cheap: for checks on every dispatch). Returns
 * NULL for an unknown process. */
const struct km_mpu_config *km_proc_mpu(const struct km_kernel *k, int p, uint32_t *generation);
const char *km_panic_reason(const struct km_kernel *k);
/* Why the run ended; KM_END_NONE while it goes on. */
enum km_end_reason km_end_reason_of(const struct km_kernel *k);

/* Names of the schedulers and drivers the model knows, for `ipcsim list`.
 * Return the number of entries and set *names to a static array. */
size_t km_scheduler_names(const char *const **names);
struct km_driver_desc {
    uint32_t num;
    const char *name;
};
size_t km_driver_list(const struct km_driver_desc **list);

#endif
