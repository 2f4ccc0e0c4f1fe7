/*
 * region.c - memory for libnn's large long-lived buffers, on transparent huge pages.
 *
 * A run touches every packed filter (BlazePose full: 12 MB, heavy: 52 MB), the activation arena
 * and the depthwise filters in the weight slab: thousands of 4 KB pages, more than the CPU's TLB
 * holds, so every run walks page tables again. Linux backs a range with 2 MB pages when asked
 * (madvise MADV_HUGEPAGE; Debian's default "madvise" mode gives them to no one else), and 2 MB
 * pages cover a model's buffers with a few dozen TLB entries: one-thread sums of per-step minima
 * 1-6 % lower on all seven models (docs/BENCHMARKS.md). Where the kernel has no huge pages
 * (another mode, another OS, none free) the same memory is used in 4 KB pages.
 *
 * nn__huge_alloc: one buffer, 64-byte aligned; one of at least HUGE bytes is HUGE-aligned and
 * rounded up to a multiple of HUGE (< 2 MB more) and advised. free() releases it.
 * nn__region: many buffers (a plan's packed filters, each 25 KB - 4 MB) carved from advised
 * chunks of 2 MB, 4 MB, ... up to 32 MB (each at least the request), 64-byte aligned, not
 * cleared; released all at once by nn__region_free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "nn_internal.h"

enum { HUGE = 2 << 20, CHUNK_MAX = 32 << 20 };

static void advise(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
#else
    (void)p, (void)bytes;
#endif
}

void *nn__huge_alloc(size_t bytes)
{
    if (bytes < HUGE) return aligned_alloc(64, bytes ? (bytes + 63) / 64 * 64 : 64);
    if (bytes > SIZE_MAX - HUGE) return NULL;
    size_t n = (bytes + HUGE - 1) / HUGE * HUGE;
    void *p = aligned_alloc(HUGE, n);
    if (p) advise(p, n);
    return p;
}

struct nn__region_chunk {
    nn__region_chunk *next;
    char *base;
    size_t size, used;
};

void *nn__region_alloc(nn__region *r, size_t bytes)
{
    if (bytes > SIZE_MAX - 2 * (size_t)HUGE) return NULL;
    bytes = bytes ? (bytes + 63) / 64 * 64 : 64;
    nn__region_chunk *c = r->head;
    if (!c || c->size - c->used < bytes) {
        size_t size = r->next_size ? r->next_size : HUGE;
        if (size < bytes) size = (bytes + HUGE - 1) / HUGE * HUGE;
        c = malloc(sizeof *c);
        char *base = c ? nn__huge_alloc(size) : NULL;
        if (!base) {
            free(c);
            return NULL;
        }
        *c = (nn__region_chunk){r->head, base, size, 0};
        r->head = c;
        r->next_size = size * 2 < CHUNK_MAX ? size * 2 : CHUNK_MAX;
    }
    void *p = c->base + c->used;
    c->used += bytes;
    return p;
}

void nn__region_free(nn__region *r)
{
    for (nn__region_chunk *c = r->head, *n; c; c = n) {
        n = c->next;
        free(c->base);
        free(c);
    }
    r->head = NULL;
    r->next_size = 0;
}
