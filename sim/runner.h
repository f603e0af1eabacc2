/* runner.h: runs one scenario: the simulated memory, one Linux process per
 * app instance, the libuv loop that relays their syscalls to the kernel
 * model, and the outcome that outputs and expectations are made from. */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "km.h"
#include "metrics.h"
#include "scenario.h"

struct trace;

/* How app processes reach the simulator (docs/performance.md). */
enum run_transport_kind {
    RUN_TRANSPORT_MAILBOX = 0, /* shared-memory mailbox: poll, then sleep (the default) */
    RUN_TRANSPORT_SOCKET = 1,  /* one SOCK_SEQPACKET message each way: the reference */
};

/* Parses a transport name ("mailbox", "socket"); -1 if it is none. */
int run_transport_parse(const char *name);
const char *run_transport_name(enum run_transport_kind kind);

struct run_options {
    uint64_t seed; /* overrides the scenario's when has_seed */
    bool has_seed;
    bool quiet;               /* no live console lines */
    FILE *console;            /* where live console lines go (stdout) */
    uint32_t host_timeout_ms; /* an app silent this long (host time) hangs */
    bool host_timeout_set;    /* given on the command line: beats the scenario */
    bool memory_map;          /* print every process's memory map at boot */
    size_t capture_max;       /* console bytes kept per app; 0 = 8 MiB */
    struct trace *trace;      /* where to trace the run (trace.h), or NULL */
    enum run_transport_kind transport;
};

/* Where the console stood when a chunk arrived at a virtual time. */
struct run_console_mark {
    uint64_t time_us;
    size_t offset;
};

/* One app instance's outcome. */
struct run_app_result {
    struct km_proc_info info;
    char *console; /* everything it printed (owned) */
    size_t console_len;
    uint64_t console_dropped;       /* bytes printed beyond the capture limit */
    struct run_console_mark *marks; /* owned */
    size_t n_marks;
    uint32_t host_spawns;       /* Linux processes started for it */
    uint64_t host_rss_peak_kb;  /* peak resident memory of its processes (0: unknown) */
    struct metrics_app metrics; /* the operations it marked (owned) */
};

/* A case where the model met behaviour that makes upstream Tock panic. */
struct run_finding {
    const char *app;  /* borrowed from the scenario */
    const char *text; /* static */
    uint64_t time_ns; /* virtual time */
};

/* A fault-injection rule that fired. */
struct run_injection {
    const char *app;
    unsigned rule; /* index into the scenario's faults */
    enum km_inject_kind kind;
    uint64_t time_ns;
    char detail[160];
};

struct run_result {
    bool interrupted; /* SIGINT/SIGTERM: no results are written */
    bool host_error;  /* the simulator itself could not go on */
    char host_error_msg[512];
    enum km_end_reason end_reason;
    char panic_reason[256];
    uint64_t seed;
    uint64_t end_cycles; /* virtual time at the end */
    uint64_t end_ns;
    uint64_t clock_hz;
    size_t n_apps;
    struct run_app_result *apps;
    char *transcript; /* "[app] line" for every console line, in order */
    struct run_finding *findings;
    size_t n_findings;
    struct run_injection *injections;
    size_t n_injections;
    uint32_t led_final; /* LED bits at the end */
    uint64_t led_changes;
    /* host timing: never part of the deterministic results */
    double host_wall_s;
    uint64_t host_messages;
    const char *host_transport; /* static: the transport's name */
    double host_first_start_s;  /* from the run's start until the first app started */
};

/* Runs scenario s. Returns 0 when the run happened (whatever its outcome,
 * see res), -1 if it could not start (message in res->host_error_msg). */
int run_scenario(const struct scn_scenario *s, const struct run_options *opt,
                 struct run_result *res);

void run_result_free(struct run_result *res);

/* ---- Messages from apps: the part of the channel decoder that needs no
 * process or kernel state (the runner then checks the message against the
 * app's state, e.g. that it is the app the kernel dispatched). */

struct ipcsim_msg;

/* What a message received from an app asks for. */
enum run_msg_kind {
    RUN_MSG_INVALID,   /* fails ipcsim_msg_check() */
    RUN_MSG_FORBIDDEN, /* a well-formed message only the simulator sends */
    RUN_MSG_HELLO,
    RUN_MSG_FAULT,
    RUN_MSG_OP,
    RUN_MSG_SYSCALL,
    RUN_MSG_COMPUTE,   /* declared computation of `amount` cycles */
    RUN_MSG_PREEMPTED, /* caught by the host watchdog: gives the CPU back */
    RUN_MSG_COPY,      /* copied `amount` bytes in its own memory */
    RUN_MSG_DOORBELL,  /* mailbox transport: a request waits in the mailbox */
};

struct run_msg {
    enum run_msg_kind kind;
    /* What is wrong with the message (a protocol error), or NULL. Set for
     * INVALID and FORBIDDEN, and for a HELLO or OP whose arguments are
     * impossible: the runner reports a bad HELLO after its check for a
     * second HELLO, a bad OP before its checks of the app's state. */
    const char *bad;
    uint64_t data_lo, data_hi, ro_lo, ro_hi, text_lo, text_hi; /* HELLO */
    enum km_fault_kind fault_kind;                             /* FAULT */
    int fault_signal;
    uint64_t fault_pc; /* host program counter: a diagnostic only */
    char fault_reason[160];
    bool op_begin; /* OP: BEGIN or END mark */
    unsigned op_kind;
    int32_t op_status;
    uint32_t syscall_class; /* SYSCALL */
    struct km_regs regs;
    uint64_t amount; /* COMPUTE, PREEMPTED, COPY: a[0] */
};

/* Decodes a message of len bytes (the length received, which may exceed
 * sizeof(struct ipcsim_msg)) into *out; reads m only when len is right. */
void run_decode_msg(const struct ipcsim_msg *m, size_t len, struct run_msg *out);

/* Prints a process's memory map and MPU regions (also used for fault dumps). */
void runner_print_memory_map(FILE *f, const struct km_mpu *mpu, const char *name,
                             const struct km_proc_info *in);

#endif
