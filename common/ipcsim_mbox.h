/* ipcsim_mbox.h: the mailbox transport's shared memory and its handoff.
 *
 * One mailbox per app process: a 4 KiB shared memory file (the simulator
 * makes one for each Linux process it starts, passed as IPCSIM_FD_MAILBOX)
 * with a request slot the app writes and a reply slot the simulator
 * writes. Each direction has a sequence word: the writer fills its slot,
 * then bumps the word (release); the reader waits until the word moves
 * (acquire), then copies the slot out. A side that stops polling says so in
 * a "sleeping" word; the other side wakes it only then:
 *   - the app sleeps in futex(FUTEX_WAIT) on rep_seq, the simulator wakes
 *     it with FUTEX_WAKE;
 *   - the simulator sleeps in its event loop, the app wakes it with a
 *     DOORBELL message over the socket channel.
 * Both use the Dekker order (store own word, full fence, load the other's)
 * so a wake-up is never lost.
 *
 * Spinning is only worth it when another CPU can answer meanwhile: with one
 * CPU in the affinity mask both sides go straight to sleep, so pinning the
 * simulator and its apps to one core stays correct and does not collapse.
 *
 * Used by the shim (apps/shim/shim_sys.c), the simulator (sim/runner.c)
 * and the raw baseline of `ipcsim bench` (sim/bench.c), so the baseline is
 * the same mechanism without the simulator. See docs/performance.md.
 */
#ifndef IPCSIM_MBOX_H
#define IPCSIM_MBOX_H

/* needs _GNU_SOURCE (CPU_COUNT), which the build defines */
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcsim_proto.h"

#define IPCSIM_MBOX_MAGIC 0x584f424du /* "MBOX" */
#define IPCSIM_MBOX_SIZE 4096u

/* An operation mark (OP, ipcsim_proto.h) in the mailbox's ring: a[0..2]
 * of the OP message. */
struct ipcsim_mbox_op {
    uint32_t mark, kind, status, reserved;
};
#define IPCSIM_MBOX_OPS 64u /* ring entries */

struct ipcsim_mbox {
    uint32_t magic; /* IPCSIM_MBOX_MAGIC, written by the simulator */
    uint32_t version;
    /* app -> simulator */
    _Alignas(64) _Atomic uint32_t req_seq; /* bumped after req is written */
    _Atomic uint32_t kern_sleeping;        /* 1: the simulator waits in its loop */
    _Atomic uint32_t sock_sent;            /* FAULT and stray socket messages sent */
    _Atomic uint32_t op_head;              /* operation marks written to ops[] */
    /* simulator -> app */
    _Alignas(64) _Atomic uint32_t rep_seq; /* bumped after rep is written; futex */
    _Atomic uint32_t app_sleeping;         /* 1: the app waits in futex */
    _Atomic uint32_t op_tail;              /* operation marks read; futex */
    _Atomic uint32_t blocked;              /* 1: another app runs now; its answer
                                              is not coming soon (the app clears
                                              it when it posts) */
    _Alignas(64) struct ipcsim_msg req;
    _Alignas(64) struct ipcsim_msg rep;
    /* operation marks, in order: entry i % IPCSIM_MBOX_OPS for i in
     * [op_tail, op_head); the simulator reads them before the app's next
     * request (they are stamped with the time the app runs at) */
    _Alignas(64) struct ipcsim_mbox_op ops[IPCSIM_MBOX_OPS];
};
_Static_assert(sizeof(struct ipcsim_mbox) <= IPCSIM_MBOX_SIZE, "a mailbox fits its page");

/* How long a waiter polls before it sleeps, in polls: the hot loop reads
 * no clock (an app's stack, where a clock would write, may sit on a page
 * the shim single-steps). ipcsim_mbox_spin_for() turns times into counts. */
struct ipcsim_mbox_spin {
    uint32_t spins;  /* busy polls, a pause instruction between looks */
    uint32_t yields; /* then polls with sched_yield between looks */
};

/* The windows used when more than one CPU is available (docs/performance.md
 * has the measurements behind them): an app polls a little longer than
 * the simulator takes to answer a simple syscall, then yields its CPU for
 * a while, then sleeps; the simulator polls for the running app's next
 * request much longer, as it has nothing else to do. */
#define IPCSIM_MBOX_APP_SPIN_NS 2000u
#define IPCSIM_MBOX_APP_YIELD_NS 50000u
#define IPCSIM_MBOX_KERN_SPIN_NS 200000u

static inline uint64_t ipcsim_mbox_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void ipcsim_mbox_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* CPUs this process may run on (its affinity mask). */
static inline int ipcsim_mbox_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 1;
    return CPU_COUNT(&set);
}

/* Counts for polling about spin_ns, then yielding about yield_ns, measured
 * on this machine (about 0.1 ms; call it where clocks may be read); at
 * least one of each that is asked for. */
static inline struct ipcsim_mbox_spin ipcsim_mbox_spin_for(uint64_t spin_ns, uint64_t yield_ns)
{
    struct ipcsim_mbox_spin p = {0, 0};
    if (spin_ns) {
        uint64_t t0 = ipcsim_mbox_now_ns();
        for (unsigned i = 0; i < 1000; i++)
            ipcsim_mbox_pause();
        uint64_t per = (ipcsim_mbox_now_ns() - t0) / 1000 + 1; /* ns per pause */
        p.spins = (uint32_t)(spin_ns / per < UINT32_MAX ? spin_ns / per : UINT32_MAX);
        if (p.spins == 0)
            p.spins = 1;
    }
    if (yield_ns) {
        uint64_t t0 = ipcsim_mbox_now_ns();
        for (unsigned i = 0; i < 20; i++)
            sched_yield();
        uint64_t per = (ipcsim_mbox_now_ns() - t0) / 20 + 1;
        p.yields = (uint32_t)(yield_ns / per < UINT32_MAX ? yield_ns / per : UINT32_MAX);
        if (p.yields == 0)
            p.yields = 1; /* measured on a busy CPU, one yield took longer */
    }
    return p;
}

/* The polling windows for an app (app) or the simulator (kern): the
 * defaults above when another CPU can answer, none on a single CPU.
 * IPCSIM_MBOX_SPIN="APP_SPIN,APP_YIELD,KERNEL_SPIN" (nanoseconds) replaces
 * them, for experiments ("0,0,0": never poll). */
static inline struct ipcsim_mbox_spin ipcsim_mbox_spin_default(bool app)
{
    uint64_t v[3] = {IPCSIM_MBOX_APP_SPIN_NS, IPCSIM_MBOX_APP_YIELD_NS, IPCSIM_MBOX_KERN_SPIN_NS};
    const char *e = getenv("IPCSIM_MBOX_SPIN");
    unsigned long long x[3];
    if (e != NULL && sscanf(e, "%llu,%llu,%llu", &x[0], &x[1], &x[2]) == 3) {
        for (int i = 0; i < 3; i++)
            v[i] = x[i];
    } else if (ipcsim_mbox_cpus() < 2) {
        return (struct ipcsim_mbox_spin){0, 0};
    }
    return app ? ipcsim_mbox_spin_for(v[0], v[1]) : ipcsim_mbox_spin_for(v[2], 0);
}

/* Polls *word until it differs from old, within the policy's counts; the
 * busy part ends early once *blocked (if given) is set. Returns true if it
 * moved (with acquire order). */
static inline bool ipcsim_mbox_poll(_Atomic uint32_t *word, uint32_t old,
                                    const struct ipcsim_mbox_spin *p, _Atomic uint32_t *blocked)
{
    if (atomic_load_explicit(word, memory_order_acquire) != old)
        return true;
    for (uint32_t i = 0; i < p->spins; i++) {
        ipcsim_mbox_pause();
        if (atomic_load_explicit(word, memory_order_relaxed) != old)
            return atomic_load_explicit(word, memory_order_acquire) != old;
        if (blocked && atomic_load_explicit(blocked, memory_order_relaxed))
            break; /* give the CPU to the app that runs instead */
    }
    for (uint32_t i = 0; i < p->yields; i++) {
        sched_yield();
        if (atomic_load_explicit(word, memory_order_acquire) != old)
            return true;
    }
    return false;
}

static inline long ipcsim_futex(_Atomic uint32_t *word, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

/* Waits until *word differs from old: polls, then flags itself in *sleeping
 * and sleeps in futex. Returns the new value. Async-signal-safe. */
static inline uint32_t ipcsim_mbox_wait(_Atomic uint32_t *word, uint32_t old,
                                        _Atomic uint32_t *sleeping,
                                        const struct ipcsim_mbox_spin *p, _Atomic uint32_t *blocked)
{
    if (!ipcsim_mbox_poll(word, old, p, blocked)) {
        for (;;) {
            atomic_store_explicit(sleeping, 1, memory_order_seq_cst);
            if (atomic_load_explicit(word, memory_order_seq_cst) != old)
                break;
            ipcsim_futex(word, FUTEX_WAIT, old);
            if (atomic_load_explicit(word, memory_order_acquire) != old)
                break;
        }
        atomic_store_explicit(sleeping, 0, memory_order_relaxed);
    }
    return atomic_load_explicit(word, memory_order_acquire);
}

/* Publishes the next value of *word. Returns true if the other side said
 * it sleeps: the caller wakes it (futex or doorbell). */
static inline bool ipcsim_mbox_post(_Atomic uint32_t *word, _Atomic uint32_t *sleeping)
{
    atomic_fetch_add_explicit(word, 1, memory_order_seq_cst);
    return atomic_load_explicit(sleeping, memory_order_seq_cst) != 0;
}

static inline void ipcsim_mbox_wake(_Atomic uint32_t *word)
{
    ipcsim_futex(word, FUTEX_WAKE, 1);
}

#endif
