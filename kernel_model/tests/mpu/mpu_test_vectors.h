/* mpu_test_vectors.h: runs the MPU vectors produced by Tock's own MPU code
 * (tests/data/mpu-vectors.json) against a model, register values included. */
#ifndef MPU_TEST_VECTORS_H
#define MPU_TEST_VECTORS_H

#include <stdbool.h>
#include <stddef.h>

#include "km_mpu.h"

/* Runs every vector whose "arch" is `arch` ("armv7m", "armv8m",
 * "riscv-pmp") against ops. Writes one line per mismatch into report
 * (reportlen bytes) and returns the number of vectors that failed; *ran
 * receives how many were run. Returns -1 if the file cannot be read. */
int mpu_vectors_run(const char *path, const char *arch, const struct km_mpu_ops *ops, char *report,
                    size_t reportlen, int *ran);

/* Parses "RW", "RX", "R", "X", "RWX" and Tock's names ("ReadWriteOnly"...). */
bool mpu_parse_perm(const char *s, enum km_perm *out);

#endif
