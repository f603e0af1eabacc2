/* shim_heap.c: malloc and friends for simulated apps. Before the app is
 * started (while the C runtime initialises) memory comes from a private
 * host arena; afterwards from the app's heap in its process block, grown
 * with memop sbrk exactly as newlib's _sbrk does on Tock.
 *
 * Defining these in the executable interposes them for the whole process,
 * C library included, so every allocation has one owner.
 */
#include "shim_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HEAP_ALIGN 16u

/* A block header; blocks lie back to back inside an arena. */
struct heap_block {
    uint64_t size; /* bytes after the header */
    uint64_t free;
};

/* The heap is one or more arenas: a new one starts when the app moved the
 * break itself (memop sbrk) between two of our growths, so memory it took
 * is never handed out. */
#define HEAP_MAX_ARENAS 32
struct heap_arena {
    uintptr_t lo, hi;
};

static uintptr_t boot_lo, boot_hi, boot_at; /* bootstrap arena (host) */
static struct heap_arena arenas[HEAP_MAX_ARENAS];
static unsigned n_arenas;

static size_t round_up(size_t n)
{
    return (n + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
}

static void *boot_alloc(size_t n, size_t align)
{
    if (boot_lo == 0) {
        size_t sz = 1u << 20;
        void *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        boot_lo = boot_at = (uintptr_t)m;
        boot_hi = boot_lo + sz;
    }
    uintptr_t p = (boot_at + sizeof(uint64_t) + align - 1) & ~(uintptr_t)(align - 1);
    if (p + n > boot_hi)
        return NULL;
    ((uint64_t *)p)[-1] = n;
    boot_at = p + n;
    return (void *)p;
}

static bool in_boot(const void *p)
{
    return (uintptr_t)p >= boot_lo && (uintptr_t)p < boot_hi;
}

static bool in_heap(const void *p)
{
    for (unsigned i = 0; i < n_arenas; i++)
        if ((uintptr_t)p >= arenas[i].lo && (uintptr_t)p < arenas[i].hi)
            return true;
    return false;
}

void shim_heap_start(void)
{
    n_arenas = 0;
}

/* Grows the heap by at least n bytes (n includes one header); returns
 * false if the kernel says no. */
static bool heap_grow(size_t n)
{
    uint64_t cur[4], out[4];
    shim_syscall(5, 1, 0, 0, 0, cur); /* sbrk(0): the current break */
    if (cur[0] != 129)
        return false;
    uintptr_t brk_now = (uintptr_t)cur[1];
    struct heap_arena *a = n_arenas ? &arenas[n_arenas - 1] : NULL;
    if (a == NULL || a->hi != brk_now) {
        /* first growth, or the app took memory past our last arena */
        if (n_arenas == HEAP_MAX_ARENAS)
            return false;
        a = &arenas[n_arenas++];
        a->lo = a->hi = (brk_now + HEAP_ALIGN - 1) & ~(uintptr_t)(HEAP_ALIGN - 1);
    }
    uintptr_t want = a->hi + n;
    int64_t inc = (int64_t)want - (int64_t)brk_now;
    shim_syscall(5, 1, (uint64_t)(uint32_t)(int32_t)inc, 0, 0, out);
    if (out[0] != 129) {
        if (a->lo == a->hi)
            n_arenas--;
        return false;
    }
    struct heap_block *b = (struct heap_block *)a->hi;
    b->size = n - sizeof(*b);
    b->free = 1;
    a->hi = want;
    return true;
}

/* First fit in one arena, merging free neighbours as it walks. */
static void *arena_alloc(struct heap_arena *a, size_t n)
{
    for (uintptr_t at = a->lo; at < a->hi;) {
        struct heap_block *b = (struct heap_block *)at;
        if (b->free) {
            for (;;) {
                uintptr_t nx = at + sizeof(*b) + b->size;
                if (nx >= a->hi || !((struct heap_block *)nx)->free)
                    break;
                b->size += sizeof(*b) + ((struct heap_block *)nx)->size;
            }
            if (b->size >= n) {
                if (b->size >= n + sizeof(*b) + HEAP_ALIGN) {
                    struct heap_block *rest = (struct heap_block *)(at + sizeof(*b) + n);
                    rest->size = b->size - n - sizeof(*b);
                    rest->free = 1;
                    b->size = n;
                }
                b->free = 0;
                return b + 1;
            }
        }
        at += sizeof(*b) + b->size;
    }
    return NULL;
}

static void *heap_alloc(size_t n)
{
    n = round_up(n ? n : 1);
    for (unsigned i = 0; i < n_arenas; i++) {
        void *p = arena_alloc(&arenas[i], n);
        if (p)
            return p;
    }
    if (!heap_grow(n + sizeof(struct heap_block)))
        return NULL;
    return arena_alloc(&arenas[n_arenas - 1], n);
}

static size_t block_size(const void *p)
{
    if (in_heap(p))
        return ((const struct heap_block *)p - 1)->size;
    if (in_boot(p))
        return ((const uint64_t *)p)[-1];
    return 0;
}

void *malloc(size_t n)
{
    void *p = shim_layout.started ? heap_alloc(n) : boot_alloc(n, HEAP_ALIGN);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

void free(void *p)
{
    if (p && in_heap(p))
        ((struct heap_block *)p - 1)->free = 1;
    /* bootstrap memory is never reused */
}

void *calloc(size_t a, size_t b)
{
    if (b && a > SIZE_MAX / b) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(a * b);
    if (p)
        memset(p, 0, a * b);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (p == NULL)
        return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    size_t old = block_size(p);
    if (old >= n && in_heap(p))
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, old < n ? old : n);
        free(p);
    }
    return q;
}

void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n)
{
    if (align <= HEAP_ALIGN)
        return malloc(n);
    if (!shim_layout.started)
        return boot_alloc(n, align);
    /* over-allocate and carve an aligned block out of the tail */
    uint8_t *raw = heap_alloc(n + align + sizeof(struct heap_block) + HEAP_ALIGN);
    if (raw == NULL)
        return NULL;
    struct heap_block *b = (struct heap_block *)raw - 1;
    size_t raw_size = block_size(raw);
    uintptr_t aligned =
        ((uintptr_t)raw + sizeof(struct heap_block) + align - 1) & ~(uintptr_t)(align - 1);
    size_t lead = aligned - (uintptr_t)raw; /* >= one header */
    struct heap_block *nb = (struct heap_block *)aligned - 1;
    nb->size = raw_size - lead;
    nb->free = 0;
    b->size = lead - sizeof(struct heap_block);
    b->free = 1;
    return (void *)aligned;
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

void *valloc(size_t n);
void *valloc(size_t n)
{
    return memalign(4096, n);
}

void *pvalloc(size_t n);
void *pvalloc(size_t n)
{
    return memalign(4096, (n + 4095) & ~(size_t)4095);
}

size_t malloc_usable_size(void *p);
size_t malloc_usable_size(void *p)
{
    return block_size(p);
}
