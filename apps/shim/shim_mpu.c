/* shim_mpu.c: enforces the app's MPU configuration on the host: maps the
 * memory view the simulator writes into the control memfd onto page
 * protections of this process's SRAM, flash and data-alias mappings, and
 * enforces pages that are only partly accessible to the byte by trapping
 * every access to them and single-stepping the ones the view allows.
 *
 * Host pages are 4 KiB; MPU regions can be 4-32 B. A page wholly inside one
 * run of equal access gets that access; a page wholly outside every run is
 * PROT_NONE; a page that mixes (an app block edge, a small shared buffer)
 * is kept PROT_NONE and every access to it traps: the SIGSEGV handler
 * checks the first byte of the access against the view, and if allowed
 * opens the page, sets the trap flag, lets the one instruction run, and
 * closes the page again in the SIGTRAP handler.
 */
#include "shim_internal.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096u

enum page_prot { PP_UNSET = 0, PP_NONE, PP_R, PP_RW, PP_PARTIAL };

/* Per-page state of one mapping of simulated memory. */
struct shim_area {
    uintptr_t host; /* host address of the mapping */
    uint32_t sim;   /* simulated address of its first byte */
    uint32_t pages;
    uint8_t *want; /* computed protection per page (enum page_prot) */
    uint8_t *have; /* applied protection per page */
};

static struct {
    const struct ipcsim_view *view; /* control memfd, read-only */
    struct ipcsim_view *snap;       /* private copy the app runs under */
    uint32_t applied;               /* view generation applied */
    struct shim_area area[3];       /* SRAM, flash, data alias */
    unsigned nareas;
    uintptr_t open[4]; /* pages opened for the stepped instruction */
    unsigned nopen;
    uint64_t traps; /* accesses single-stepped */
} mpu;

static void *host_alloc(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int area_add(uintptr_t host, uint32_t sim, uint32_t size)
{
    if (mpu.nareas == 3)
        return -1;
    struct shim_area *a = &mpu.area[mpu.nareas];
    a->host = host;
    a->sim = sim;
    a->pages = (size + PAGE - 1) / PAGE;
    a->want = host_alloc(a->pages);
    a->have = host_alloc(a->pages);
    if (a->want == NULL || a->have == NULL)
        return -1;
    memset(a->have, PP_UNSET, a->pages);
    mpu.nareas++;
    return 0;
}

int shim_mpu_init(uint32_t sram_base, uint32_t sram_size, uint32_t flash_base, uint32_t flash_size)
{
    void *v = mmap(NULL, IPCSIM_CONTROL_SIZE, PROT_READ, MAP_SHARED, IPCSIM_FD_CONTROL, 0);
    if (v == MAP_FAILED)
        return -1;
    mpu.view = v;
    mpu.snap = host_alloc(sizeof(*mpu.snap));
    if (mpu.snap == NULL)
        return -1;
    if (area_add(sram_base, sram_base, sram_size) < 0 ||
        area_add(flash_base, flash_base, flash_size) < 0)
        return -1;
    return 0;
}

int shim_mpu_add_alias(uintptr_t host, uint32_t sim, uint32_t size)
{
    return area_add(host, sim, size);
}

/* The access mask of one simulated byte, from the applied view. The fault
 * handler reads this private copy: the simulator rewrites the shared view
 * for the next dispatch as soon as it has this app's syscall, possibly
 * while the app still runs its last instructions before blocking. */
static unsigned view_access(uint32_t addr)
{
    const struct ipcsim_view *v = mpu.snap;
    uint32_t n = v->nruns < IPCSIM_VIEW_MAX_RUNS ? v->nruns : IPCSIM_VIEW_MAX_RUNS;
    for (uint32_t i = 0; i < n; i++)
        if (addr >= v->runs[i].start && addr < v->runs[i].end)
            return v->runs[i].access;
    return 0;
}

static uint8_t prot_of(unsigned access)
{
    if (access & 2)
        return PP_RW; /* no write-only pages on the host */
    if (access & 1)
        return PP_R;
    return PP_NONE; /* execute-only: apps never execute simulated memory */
}

static int host_prot(uint8_t pp)
{
    switch (pp) {
    case PP_R:
        return PROT_READ;
    case PP_RW:
        return PROT_READ | PROT_WRITE;
    default:
        return PROT_NONE;
    }
}

static void area_compute(struct shim_area *a)
{
    memset(a->want, PP_UNSET, a->pages);
    const struct ipcsim_view *v = mpu.snap;
    uint32_t n = v->nruns < IPCSIM_VIEW_MAX_RUNS ? v->nruns : IPCSIM_VIEW_MAX_RUNS;
    uint64_t lo = a->sim, hi = (uint64_t)a->sim + (uint64_t)a->pages * PAGE;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t s = v->runs[i].start, e = v->runs[i].end;
        if (e <= lo || s >= hi)
            continue;
        if (s < lo)
            s = lo;
        if (e > hi)
            e = hi;
        uint32_t first = (uint32_t)((s - lo) / PAGE), last = (uint32_t)((e - 1 - lo) / PAGE);
        for (uint32_t p = first; p <= last; p++) {
            uint64_t ps = lo + (uint64_t)p * PAGE, pe = ps + PAGE;
            bool whole = s <= ps && e >= pe;
            uint8_t pp = prot_of(v->runs[i].access);
            if (v->flags & IPCSIM_VIEW_PAGE_GRANULAR)
                a->want[p] = pp > a->want[p] ? pp : a->want[p]; /* the widest on the page */
            else
                a->want[p] = whole && a->want[p] == PP_UNSET ? pp : PP_PARTIAL;
        }
    }
    for (uint32_t p = 0; p < a->pages; p++)
        if (a->want[p] == PP_UNSET)
            a->want[p] = PP_NONE;
}

/* Applies the computed protections, one mprotect per run of equal change. */
static void area_apply(struct shim_area *a)
{
    uint32_t p = 0;
    while (p < a->pages) {
        if (a->want[p] == a->have[p]) {
            p++;
            continue;
        }
        uint32_t q = p + 1;
        while (q < a->pages && a->want[q] == a->want[p] && a->want[q] != a->have[q])
            q++;
        mprotect((void *)(a->host + (uintptr_t)p * PAGE), (size_t)(q - p) * PAGE,
                 host_prot(a->want[p]));
        memset(a->have + p, a->want[p], q - p);
        p = q;
    }
}

void shim_mpu_apply(uint32_t generation)
{
    if (mpu.view == NULL || mpu.view->magic != IPCSIM_VIEW_MAGIC)
        return;
    if (generation != 0 && generation == mpu.applied)
        return;
    /* The simulator wrote the view before it answered, and writes it again
     * only after this app's next message: copying it now is race-free. */
    memcpy(mpu.snap, mpu.view, sizeof(*mpu.snap));
    for (unsigned i = 0; i < mpu.nareas; i++) {
        area_compute(&mpu.area[i]);
        area_apply(&mpu.area[i]);
    }
    mpu.applied = mpu.snap->generation;
}

/* Which area and page a host address falls in; NULL if none. */
static struct shim_area *area_of(uintptr_t host, uint32_t *page, uint32_t *sim)
{
    for (unsigned i = 0; i < mpu.nareas; i++) {
        struct shim_area *a = &mpu.area[i];
        if (host >= a->host && host < a->host + (uintptr_t)a->pages * PAGE) {
            *page = (uint32_t)((host - a->host) / PAGE);
            *sim = a->sim + (uint32_t)(host - a->host);
            return a;
        }
    }
    return NULL;
}

/* One instruction may touch two partly accessible pages (an unaligned
 * access across a page boundary, a string copy) and a read-modify-write
 * faults first as a read: each such fault during the step opens one more
 * page, or the same page for writing. */
bool shim_mpu_on_segv(uintptr_t host, bool write, void *uc_arg)
{
#if defined(__x86_64__)
    uint32_t page, sim;
    struct shim_area *a = area_of(host, &page, &sim);
    if (a == NULL || a->have[page] != PP_PARTIAL)
        return false;
    unsigned acc = view_access(sim);
    if (!(acc & (write ? 2u : 1u)))
        return false;
    uintptr_t pg = a->host + (uintptr_t)page * PAGE;
    bool known = false;
    for (unsigned i = 0; i < mpu.nopen; i++)
        known = known || mpu.open[i] == pg;
    if (!known) {
        if (mpu.nopen == sizeof(mpu.open) / sizeof(mpu.open[0]))
            return false;
        mpu.open[mpu.nopen++] = pg;
    }
    mprotect((void *)pg, PAGE, write ? PROT_READ | PROT_WRITE : PROT_READ);
    mpu.traps++;
    ucontext_t *uc = uc_arg;
    uc->uc_mcontext.gregs[REG_EFL] |= 0x100; /* trap flag: stop after one instruction */
    return true;
#else
    (void)host;
    (void)write;
    (void)uc_arg;
    return false;
#endif
}

bool shim_mpu_on_trap(void *uc_arg)
{
#if defined(__x86_64__)
    if (mpu.nopen == 0)
        return false;
    for (unsigned i = 0; i < mpu.nopen; i++)
        mprotect((void *)mpu.open[i], PAGE, PROT_NONE);
    mpu.nopen = 0;
    ucontext_t *uc = uc_arg;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)0x100;
    return true;
#else
    (void)uc_arg;
    return false;
#endif
}
