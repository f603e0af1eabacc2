/* mem_violator: breaks memory protection on purpose, one way per run, so
 * that scenarios can check the MPU faults exactly this app at exactly the
 * address it names. argv[1] picks the way:
 *   past_break  write the first byte past its (page-aligned) break
 *   other_app   read 256 bytes past the end of its block (a neighbour's RAM
 *               when the two blocks are adjacent)
 *   grant       write into its own grant region (kernel-owned)
 *   allow       allow a neighbour's buffer (the kernel says INVAL), then
 *               write into it anyway
 *   edge        set its break argv[2] bytes (default 96) into a page, write
 *               the last byte below the break (allowed), then the byte at
 *               the break: a fault where the MPU's granularity is that fine
 *   brk_start   move its break to its memory start (allowed by Tock's brk
 *               while nothing is allowed; on ARMv7-M upstream underflows
 *               there, which the simulator reports as a finding)
 *   bench_partial / bench_full  write argv[2] times (default 10000) to one
 *               allowed byte on a partly accessible page (single-stepped
 *               by the shim) or on a wholly accessible page; for
 *               tools/bench_mpu_trap.sh, which times the two runs
 * Before the faulting access it prints "access <kind> at 0x<address>". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtock/tock.h>

static uintptr_t memop_value(uint32_t op, uintptr_t arg)
{
    memop_return_t r = memop(op, arg);
    return r.status == TOCK_STATUSCODE_SUCCESS ? r.data : 0;
}

static void announce(const char *kind, uintptr_t addr)
{
    printf("access %s at 0x%08lx\n", kind, (unsigned long)addr);
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "past_break";
    uintptr_t ram_end = memop_value(3, 0);
    uintptr_t grant = memop_value(6, 0);
    uintptr_t brk = memop_value(1, 0);

    if (strcmp(how, "past_break") == 0) {
        uintptr_t aligned = (brk + 4095u) & ~(uintptr_t)4095u;
        if (memop(0, aligned).status != TOCK_STATUSCODE_SUCCESS) {
            printf("brk to 0x%08lx failed\n", (unsigned long)aligned);
            return 1;
        }
        announce("write", aligned);
        *(volatile uint8_t *)aligned = 1;
    } else if (strcmp(how, "other_app") == 0) {
        announce("read", ram_end + 256);
        volatile uint8_t v = *(volatile uint8_t *)(ram_end + 256);
        (void)v;
    } else if (strcmp(how, "grant") == 0) {
        announce("write", grant + 4);
        *(volatile uint8_t *)(grant + 4) = 1;
    } else if (strcmp(how, "allow") == 0) {
        uint8_t *theirs = (uint8_t *)(ram_end + 256);
        allow_rw_return_t a = allow_readwrite(0x1, 1, theirs, 16);
        printf("allow of a neighbour's buffer: %s\n",
               a.success ? "accepted" : tock_strrcode(tock_status_to_returncode(a.status)));
        announce("write", (uintptr_t)theirs);
        theirs[0] = 1;
    } else if (strcmp(how, "edge") == 0) {
        uintptr_t offset = argc > 2 ? (uintptr_t)atoi(argv[2]) : 96u;
        uintptr_t edge = ((brk + 4095u) & ~(uintptr_t)4095u) + offset;
        if (memop(0, edge).status != TOCK_STATUSCODE_SUCCESS) {
            printf("brk to 0x%08lx failed\n", (unsigned long)edge);
            return 1;
        }
        *(volatile uint8_t *)(edge - 1) = 7;
        printf("wrote below the break at 0x%08lx\n", (unsigned long)(edge - 1));
        announce("write", edge);
        *(volatile uint8_t *)edge = 1;
    } else if (strcmp(how, "brk_start") == 0) {
        uintptr_t start = memop_value(2, 0);
        memop_return_t r = memop(0, start);
        printf("brk(memory start): %s\n", r.status == TOCK_STATUSCODE_SUCCESS
                                              ? "ok"
                                              : tock_strrcode(tock_status_to_returncode(r.status)));
        return 0;
    } else if (strcmp(how, "bench_partial") == 0 || strcmp(how, "bench_full") == 0) {
        long n = argc > 2 ? atol(argv[2]) : 10000;
        uintptr_t page = (brk + 4095u) & ~(uintptr_t)4095u;
        /* partial: the break 100 bytes into a fresh page; full: the break
         * a whole page further, so the page is wholly the app's */
        uintptr_t end = strcmp(how, "bench_partial") == 0 ? page + 100u : page + 4096u;
        if (memop(0, end).status != TOCK_STATUSCODE_SUCCESS) {
            printf("brk to 0x%08lx failed\n", (unsigned long)end);
            return 1;
        }
        volatile uint8_t *target = (volatile uint8_t *)(page + 8);
        for (long i = 0; i < n; i++)
            *target = (uint8_t)i;
        printf("%ld writes done\n", n);
        return 0;
    } else {
        printf("unknown mode %s\n", how);
        return 2;
    }
    printf("no fault\n");
    return 0;
}
