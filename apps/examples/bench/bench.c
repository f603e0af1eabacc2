/* bench: the app side of `ipcsim bench` (docs/performance.md). It times
 * each operation with the host's monotonic clock and writes the samples to
 * FILE as native 64-bit nanosecond values. Host time measured inside an app
 * is what the benchmark reports; it never enters virtual time.
 *
 * Usage:
 *   bench null N FILE       N null commands (command 0 of the LED driver:
 *                           "does the driver exist"), one sample each
 *   bench call N FILE       connects to org.ipcsim.echo, then N calls of
 *                           16 bytes over ipcsvc, one sample each
 *   bench switch N FILE CYCLES
 *                           N declared computations of CYCLES cycles; with
 *                           a timeslice of CYCLES the kernel switches apps
 *                           after each; two samples each, the host time
 *                           before and after (ipcsim bench pairs them
 *                           across the two instances)
 * Exit code 0, or 1 if an operation failed, 2 on bad arguments or I/O.
 *
 * The samples and the clock's result live in host memory outside the
 * simulated SRAM, so the app's MPU view never traps them. Before the timed
 * loop (after one untimed call, which grows the heap to what a call needs)
 * the app moves its break up to a host page boundary: a heap whose last
 * page is only partly accessible is enforced by single-stepping every
 * access to that page (docs/memory-protection.md), which would measure
 * the trap, not the simulator.
 */
#define _GNU_SOURCE 1 /* clock_gettime, MAP_ANONYMOUS, O_CLOEXEC: host-side measuring */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <ipcsim/app.h>
#include <ipcsvc.h>
#include <libtock/tock.h>

struct host_area {
    struct timespec ts;
    uint64_t samples[];
};

static struct host_area *area;

static inline uint64_t host_ns(void)
{
    clock_gettime(CLOCK_MONOTONIC, &area->ts);
    return (uint64_t)area->ts.tv_sec * 1000000000u + (uint64_t)area->ts.tv_nsec;
}

static int write_samples(const char *path, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t len = n * sizeof(uint64_t), off = 0;
    const uint8_t *p = (const uint8_t *)area->samples;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* Moves the break up to the next host page boundary (see above). */
static void align_break(void)
{
    memop_return_t b = memop(1, 0); /* sbrk(0): the break */
    if (b.status == TOCK_STATUSCODE_SUCCESS && (b.data & 4095u) != 0)
        memop(1, 4096u - (b.data & 4095u));
}

static ipcsvc_conn_t conn;
static uint8_t req[16], resp[16];

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    const char *mode = argv[1], *path = argv[3];
    unsigned long n = strtoul(argv[2], NULL, 10);
    if (n == 0 || n > 10000000)
        return 2;
    size_t per = strcmp(mode, "switch") == 0 ? 2 : 1;
    size_t bytes = sizeof(struct host_area) + n * per * sizeof(uint64_t);
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 2;
    area = m;
    int failed = 0;
    if (strcmp(mode, "null") == 0) {
        align_break();
        for (unsigned long i = 0; i < n; i++) {
            uint64_t t0 = host_ns();
            syscall_return_t r = command(0x2, 0, 0, 0);
            area->samples[i] = host_ns() - t0;
            failed |= r.type != TOCK_SYSCALL_SUCCESS && r.type != TOCK_SYSCALL_SUCCESS_U32;
        }
    } else if (strcmp(mode, "call") == 0) {
        uint32_t got = 0;
        if (ipcsvc_connect(&conn, "org.ipcsim.echo", 2000) != RETURNCODE_SUCCESS ||
            ipcsvc_call(&conn, 1, req, sizeof(req), resp, sizeof(resp), &got, 1000) !=
                RETURNCODE_SUCCESS)
            return 1;
        align_break();
        for (unsigned long i = 0; i < n; i++) {
            req[0] = (uint8_t)i;
            uint64_t t0 = host_ns();
            int rc = ipcsvc_call(&conn, 1, req, sizeof(req), resp, sizeof(resp), &got, 1000);
            area->samples[i] = host_ns() - t0;
            failed |= rc != RETURNCODE_SUCCESS || got != sizeof(req) || resp[0] != req[0];
        }
    } else if (strcmp(mode, "switch") == 0 && argc > 4) {
        uint64_t cycles = strtoull(argv[4], NULL, 10);
        align_break();
        for (unsigned long i = 0; i < n; i++) {
            area->samples[2 * i] = host_ns();
            ipcsim_compute(cycles);
            area->samples[2 * i + 1] = host_ns();
        }
    } else {
        return 2;
    }
    if (write_samples(path, n * per) < 0)
        return 2;
    return failed;
}
