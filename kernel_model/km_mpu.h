/* km_mpu.h: the MPU function table (Tock's `kernel::platform::mpu::MPU`
 * trait, kernel/src/platform/mpu.rs) and its three models: ARMv7-M
 * (arch/cortex-m/src/mpu.rs), ARMv8-M (arch/cortex-m33/src/mpu_v8m.rs) and
 * RISC-V PMP (arch/riscv/src/pmp.rs).
 *
 * A model reproduces what Tock's own code computes, register values
 * included, quirks included: a model that is "cleaner" than Tock is a wrong
 * model here. Each function says where its rules come from.
 *
 * Addresses are 32-bit target addresses. `false` from an allocate or update
 * operation is Tock's None / Err(()): the hardware cannot express the
 * request, and the configuration is left unchanged.
 */
#ifndef KM_MPU_H
#define KM_MPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mpu::Permissions */
enum km_perm {
    KM_PERM_RWX,
    KM_PERM_RW,
    KM_PERM_RX,
    KM_PERM_R,
    KM_PERM_X,
};

/* Kinds of access, for access checks. */
enum km_access {
    KM_ACCESS_READ = 1,
    KM_ACCESS_WRITE = 2,
    KM_ACCESS_EXEC = 4,
};

/* Largest number of hardware regions (ARMv7-M M7: 16; PMP entries are
 * grouped into user regions, at most 16). */
#define KM_MPU_MAX_REGIONS 16

/* One hardware region as the registers describe it. */
struct km_mpu_region {
    bool enabled;
    enum km_perm perm;
    /* The span the hardware region covers: ARMv7-M base and power-of-two
     * size (of which only enabled subregions are accessible); ARMv8-M base
     * and limit+1; PMP TOR start and end. */
    uint32_t base;
    uint64_t size;
    uint8_t subregions; /* ARMv7-M: bit i set = subregion i ENABLED; 0xff otherwise */
    /* What the kernel asked for (Tock's "location"): start and size. */
    uint32_t loc_start;
    uint32_t loc_size;
    /* Raw register values: ARMv7-M {RBAR, RASR}; ARMv8-M {RBAR, RLAR};
     * PMP {pmpcfg byte, pmpaddr of the first entry, pmpaddr of the second}. */
    uint32_t reg[3];
};

/* An MPU configuration of one process (Tock's MpuConfig). */
struct km_mpu_config {
    struct km_mpu_region r[KM_MPU_MAX_REGIONS];
    int app_region; /* region holding app RAM, -1 if none (PMP app_region_idx) */
    /* Set by a model when it refused a request at which Tock's own code
     * panics (an overflow or underflow upstream): a static description
     * with the upstream line. The kernel reports it as a finding and
     * clears it. */
    const char *finding;
    uint64_t priv[8]; /* model-private words (e.g. ARMv7-M's recorded app block) */
};

/* Parameters of one MPU instance, from the platform profile. */
struct km_mpu_params {
    unsigned num_regions;     /* ARMv7-M 8 or 16; ARMv8-M 8 or 16; PMP user regions 2/4/8 */
    uint32_t min_region_size; /* ARMv7-M 32 (M3/M4/M7) or 256 (M0+); ARMv8-M 32; PMP 4 */
    bool epmp;                /* RISC-V: Smepmp (earlgrey) */
};

struct km_mpu;

struct km_mpu_ops {
    const char *name; /* "armv7m", "armv8m", "riscv_pmp" */
    /* Rejects impossible parameters; NULL if fine, else a static message. */
    const char *(*check_params)(const struct km_mpu_params *p);
    /* number_total_regions() */
    unsigned (*number_total_regions)(const struct km_mpu *m);
    /* new_config() / reset_config(): an empty configuration. */
    void (*reset_config)(const struct km_mpu *m, struct km_mpu_config *c);
    /* allocate_region(): a region of at least min_size inside
     * [start, start+size); out_start and out_size receive Tock's Region. */
    bool (*allocate_region)(const struct km_mpu *m, uint32_t start, uint32_t size,
                            uint32_t min_size, enum km_perm perm, struct km_mpu_config *c,
                            uint32_t *out_start, uint32_t *out_size);
    /* remove_memory_region(): the region Tock's Region (start, size) names. */
    bool (*remove_memory_region)(const struct km_mpu *m, uint32_t start, uint32_t size,
                                 struct km_mpu_config *c);
    /* allocate_app_memory_region(): returns the block (start, size). */
    bool (*allocate_app_memory_region)(const struct km_mpu *m, uint32_t start, uint32_t size,
                                       uint32_t min_memory_size, uint32_t initial_app_memory_size,
                                       uint32_t initial_kernel_memory_size, enum km_perm perm,
                                       struct km_mpu_config *c, uint32_t *out_start,
                                       uint32_t *out_size);
    /* update_app_memory_region(): the break moved. */
    bool (*update_app_memory_region)(const struct km_mpu *m, uint32_t app_break,
                                     uint32_t kernel_break, enum km_perm perm,
                                     struct km_mpu_config *c);
    /* What the hardware allows a process with configuration c for one byte
     * at addr: a mask of enum km_access. Follows the architecture's rules for
     * overlapping regions (ARMv7-M: highest-numbered region wins; PMP:
     * lowest entry wins; ARMv8-M: overlaps cannot exist). */
    unsigned (*access)(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr);
};

struct km_mpu {
    const struct km_mpu_ops *ops;
    struct km_mpu_params p;
};

/* Finds a model by name; NULL if unknown. */
const struct km_mpu_ops *km_mpu_find(const char *name);
/* Names of all models, for listings. */
size_t km_mpu_names(const char *const **names);

/* Is every byte of [addr, addr+len) accessible with all of `want`? */
bool km_mpu_range_allowed(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t addr,
                          uint32_t len, unsigned want);

/* Splits the address space into maximal runs of equal access: calls fn for
 * each run [start, end) with a non-zero access mask, in address order,
 * within [lo, hi). */
void km_mpu_for_each_run(const struct km_mpu *m, const struct km_mpu_config *c, uint32_t lo,
                         uint32_t hi,
                         void (*fn)(void *ctx, uint32_t start, uint32_t end, unsigned access),
                         void *ctx);

extern const struct km_mpu_ops km_mpu_armv7m_ops, km_mpu_armv8m_ops, km_mpu_pmp_ops;

#endif
