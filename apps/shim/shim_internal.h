/* shim_internal.h: state shared by the pieces of the syscall shim (start-up,
 * syscall entry points, fault reporting, heap). */
#ifndef SHIM_INTERNAL_H
#define SHIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipcsim_proto.h"

/* Where the app's pieces live, host side and simulated side. */
struct shim_layout {
    bool started;               /* START received and memory set up */
    uintptr_t data_lo, data_hi; /* host range of the writable segment */
    uintptr_t ro_lo, ro_hi;     /* host range copied into simulated flash */
    unsigned n_ro;              /* read-only segments inside [ro_lo, ro_hi) */
    uintptr_t ro_seg[8][2];
    uintptr_t text_lo, text_hi; /* host range of code */
    uint32_t data_addr;         /* simulated address of the writable segment */
    uint32_t flash_addr;        /* simulated address of the flash copy */
    uint32_t ram_start, ram_end, stack_top;
};

extern struct shim_layout shim_layout;

/* Sends m and waits for the simulator's answer (RETURN or UPCALL). Exits the
 * process if the simulator is gone. */
void shim_exchange(struct ipcsim_msg *m, struct ipcsim_msg *reply);

/* Switches to the transport the simulator chose (after START). */
void shim_transport_start(void);

/* Sends m without waiting (async-signal-safe). */
void shim_send(struct ipcsim_msg *m);

/* Host pointer -> simulated address (writable data and read-only data are
 * relocated; anything else passes through for the kernel to judge). */
uint64_t shim_to_sim(const void *p);
/* Simulated address -> host pointer (the reverse of shim_to_sim). */
void *shim_from_sim(uint64_t addr);

/* Issues a raw syscall; runs an upcall if the answer is one. */
void shim_syscall(uint32_t cls, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3,
                  uint64_t out[4]);

void shim_install_fault_handlers(void);
void shim_install_preempt_handler(void);

/* Host enforcement of the MPU view (shim_mpu.c). */
int shim_mpu_init(uint32_t sram_base, uint32_t sram_size, uint32_t flash_base, uint32_t flash_size);
int shim_mpu_add_alias(uintptr_t host, uint32_t sim, uint32_t size);
/* Re-applies the view if `generation` differs from the applied one (0:
 * always). */
void shim_mpu_apply(uint32_t generation);
/* Fault-handler hooks: true if the access was a permitted access to a
 * partly accessible page (now being single-stepped) or the end of one. */
bool shim_mpu_on_segv(uintptr_t host, bool write, void *uc);
bool shim_mpu_on_trap(void *uc);
void shim_heap_start(void);

#endif
