/* app.h: what an app can ask of the simulator beyond Tock's syscalls. */
#ifndef IPCSIM_APP_H
#define IPCSIM_APP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declares that the app computes for `cycles` target CPU cycles. Virtual
 * time advances by that much while the app holds the CPU, so it uses up its
 * timeslice and can be preempted, as on a real MCU. Host time spent between
 * syscalls is never counted: this is how an app says it is busy. */
void ipcsim_compute(uint64_t cycles);

/* Declares that the app copied `bytes` bytes within its own memory (a
 * memcpy). It is charged as the platform's kernel copy is (copy_fixed +
 * bytes * copy_per_byte / 16 cycles, docs/cost-model.md): the same loop on
 * the same core. The IPC libraries declare the copies they make of
 * payloads and buffers, so that a design that copies in userspace is not
 * made to look free. 0 bytes declares nothing. */
void ipcsim_compute_copy(uint32_t bytes);

/* ---- Operation marks (instrumentation; Tock has nothing like it) ----
 *
 * Bracket one operation for the simulator's latency metrics
 * (docs/metrics.md). The simulator stamps each mark with the current
 * virtual time: a mark costs no virtual time, is no syscall and changes
 * nothing the kernel model sees. The service API (ipcsvc.h) marks its own
 * operations; apps need these only to measure something of their own.
 * Marks of one kind may nest (an inner end closes the latest begin). */
enum ipcsim_op {
    IPCSIM_OP_KIND_CALL = 1,    /* request/response, client side */
    IPCSIM_OP_KIND_NOTIFY = 2,  /* one-way message, client side */
    IPCSIM_OP_KIND_CONNECT = 3, /* discovery */
    IPCSIM_OP_KIND_SHARE = 4,   /* attaching a bulk buffer */
    IPCSIM_OP_KIND_SERVE = 5,   /* server side: request handed over until replied */
};

/* Marks the start of an operation of `kind`. */
void ipcsim_op_begin(enum ipcsim_op kind);

/* Marks the end of the latest open operation of `kind`; rc is its libtock
 * returncode_t (RETURNCODE_SUCCESS, or the failure, which the metrics count
 * by status and keep out of the success latencies). */
void ipcsim_op_end(enum ipcsim_op kind, int rc);

#ifdef __cplusplus
}
#endif

#endif
