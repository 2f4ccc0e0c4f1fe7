/*
 * planner.c - static offsets for tensors with known lifetimes in one arena (vram.h "static planner").
 *
 * The problem is dynamic storage allocation (NP-hard in general). We place tensors one at a time:
 * each goes at an offset where it overlaps no conflicting (lifetime-overlapping) tensor placed before
 * it. Two placement rules are tried: best fit (the smallest gap that holds it, else on top of the
 * conflicting tensors) and lowest fit (the lowest gap that holds it). The orderings tried put the
 * whole-run tensors first, then sort by size, lifetime length, first use, and size x lifetime; the
 * plan with the lowest peak is kept, stopping early when it reaches the lower bound.
 *
 * For n <= exact_max every ordering is tried with lowest fit, which is optimal: order the tensors of
 * an optimal plan by offset; placing them in that order at the lowest fitting offset puts each at or
 * below its optimal offset (by induction, every conflicting tensor placed before it ends at or below
 * its optimal offset), so the peak is at most the optimum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"

typedef struct plan_ctx {
    const vram_plan_tensor *t;
    const uint64_t *asz;      /* aligned sizes */
    const char *whole;        /* 1: lives for the whole run */
    size_t n;
    uint64_t *off;            /* offsets of the current attempt */
    size_t *by_off;           /* placed tensors (non-empty) sorted by offset */
    size_t nplaced;
} plan_ctx;

static int overlaps(const vram_plan_tensor *a, const vram_plan_tensor *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Offset for tensor i among the placed tensors; best: best fit, else lowest fit. The placed tensors
 * are walked in offset order, so the gaps between the conflicting ones come out sorted. */
static uint64_t place_one(plan_ctx *c, size_t i, int best)
{
    uint64_t size = c->asz[i];
    if (size == 0) return 0;
    uint64_t cur = 0, best_off = UINT64_MAX, best_gap = UINT64_MAX;
    for (size_t k = 0; k < c->nplaced; k++) {
        size_t j = c->by_off[k];
        if (!overlaps(&c->t[i], &c->t[j])) continue;
        uint64_t off = c->off[j], end = off + c->asz[j];
        if (off > cur) {
            uint64_t gap = off - cur;
            if (gap >= size) {
                if (!best) return cur;
                if (gap < best_gap) {
                    best_gap = gap;
                    best_off = cur;
                }
            }
        }
        if (end > cur) cur = end;
    }
    return best_off != UINT64_MAX ? best_off : cur;
}

static void insert_placed(plan_ctx *c, size_t i)
{
    size_t lo = 0, hi = c->nplaced;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->off[c->by_off[mid]] <= c->off[i]) lo = mid + 1;
        else hi = mid;
    }
    memmove(c->by_off + lo + 1, c->by_off + lo, (c->nplaced - lo) * sizeof *c->by_off);
    c->by_off[lo] = i;
    c->nplaced++;
}

/* Place in the given order; returns the peak. */
static uint64_t place_all(plan_ctx *c, const size_t *order, int best)
{
    uint64_t peak = 0;
    c->nplaced = 0;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = order[k];
        c->off[i] = place_one(c, i, best);
        if (c->asz[i]) insert_placed(c, i);
        if (c->off[i] + c->asz[i] > peak) peak = c->off[i] + c->asz[i];
    }
    return peak;
}

/* Orderings: whole-run tensors first, then the key (descending), then the index for stability. */
enum { ORDER_SIZE, ORDER_LENGTH, ORDER_FIRST, ORDER_AREA, ORDER_COUNT };

static int cmp_order(const void *a, const void *b, void *arg)
{
    const plan_ctx *c = ((const void **)arg)[0];
    int key = *(const int *)((const void **)arg)[1];
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (c->whole[i] != c->whole[j]) return c->whole[i] ? -1 : 1;
    uint64_t li = (uint64_t)((int64_t)c->t[i].last - c->t[i].first + 1);
    uint64_t lj = (uint64_t)((int64_t)c->t[j].last - c->t[j].first + 1);
    double ki = 0, kj = 0;
    switch (key) {
    case ORDER_SIZE: ki = (double)c->asz[i]; kj = (double)c->asz[j]; break;
    case ORDER_LENGTH: ki = (double)li; kj = (double)lj; break;
    case ORDER_FIRST: ki = -(double)c->t[i].first; kj = -(double)c->t[j].first; break;
    default: ki = (double)c->asz[i] * (double)li; kj = (double)c->asz[j] * (double)lj; break;
    }
    if (ki != kj) return ki > kj ? -1 : 1;
    if (key != ORDER_SIZE && c->asz[i] != c->asz[j]) return c->asz[i] > c->asz[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

typedef struct event { int64_t step; int start; uint64_t size; } event;

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return x->start - y->start; /* ends (0) before starts (1) at the same step */
}

static uint64_t lower_bound(const vram_plan_tensor *t, const uint64_t *asz, size_t n, event *ev)
{
    for (size_t i = 0; i < n; i++) {
        ev[2 * i] = (event){t[i].first, 1, asz[i]};
        ev[2 * i + 1] = (event){(int64_t)t[i].last + 1, 0, asz[i]};
    }
    qsort(ev, 2 * n, sizeof(event), cmp_event);
    uint64_t live = 0, best = 0;
    for (size_t k = 0; k < 2 * n; k++) {
        if (ev[k].start) live += ev[k].size;
        else live -= ev[k].size;
        if (live > best) best = live;
    }
    return best;
}

/* Exhaustive search over orderings (Heap's algorithm) with lowest fit. */
static void exact(plan_ctx *c, size_t *perm, uint64_t *best_peak, uint64_t *best_off, uint64_t lb)
{
    size_t n = c->n, stack[VRAM_PLAN_EXACT_MAX + 1] = {0};
    for (size_t k = 0; k < n; k++) perm[k] = k;
    for (size_t k = 1;;) {
        uint64_t p = place_all(c, perm, 0);
        if (p < *best_peak) {
            *best_peak = p;
            memcpy(best_off, c->off, n * sizeof *best_off);
            if (p == lb) return;
        }
        while (k < n && stack[k] >= k) stack[k++] = 0;
        if (k >= n) return;
        size_t j = (k % 2) ? stack[k] : 0, tmp = perm[j];
        perm[j] = perm[k];
        perm[k] = tmp;
        stack[k]++;
        k = 1;
    }
}

int vram__plan_run(vram_plan_tensor *t, size_t n, uint64_t alignment, size_t exact_max, vram_plan_result *out,
                   vram_error *err)
{
    if (alignment == 0) alignment = 1;
    if (alignment & (alignment - 1))
        return vram__err(err, VRAM_EINVAL, "plan: alignment %llu is not a power of two", (unsigned long long)alignment);
    if (n > SIZE_MAX / (2 * sizeof(event)))
        return vram__err(err, VRAM_EINVAL, "plan: too many tensors (%zu)", n);
    vram_plan_result r = {0, 0, 0};
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < n; i++) {
        if (t[i].first < 0 || t[i].first > t[i].last)
            return vram__err(err, VRAM_EINVAL, "plan: tensor %zu: steps %d..%d are not 0 <= first <= last", i,
                             (int)t[i].first, (int)t[i].last);
        if (t[i].size > UINT64_MAX - (alignment - 1))
            return vram__err(err, VRAM_EINVAL, "plan: tensor %zu: size %llu overflows", i,
                             (unsigned long long)t[i].size);
        uint64_t a = (t[i].size + alignment - 1) & ~(alignment - 1);
        if (a > UINT64_MAX - r.no_reuse)
            return vram__err(err, VRAM_EINVAL, "plan: tensor %zu: total size overflows", i);
        r.no_reuse += a;
        if (t[i].first < lo) lo = t[i].first;
        if (t[i].last > hi) hi = t[i].last;
    }
    if (n == 0) {
        if (out) *out = r;
        return VRAM_OK;
    }
    int rc = VRAM_ENOMEM;
    uint64_t *asz = vram__malloc(n * sizeof *asz), *off = vram__malloc(n * sizeof *off);
    uint64_t *best_off = vram__malloc(n * sizeof *best_off);
    char *whole = vram__malloc(n);
    size_t *by_off = vram__malloc(n * sizeof *by_off);
    size_t *order = vram__malloc(n * sizeof *order);
    event *ev = vram__malloc(2 * n * sizeof *ev);
    if (!asz || !off || !best_off || !whole || !by_off || !order || !ev) {
        vram__err(err, VRAM_ENOMEM, "plan: out of host memory for %zu tensors", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        asz[i] = (t[i].size + alignment - 1) & ~(alignment - 1);
        whole[i] = (char)(t[i].first == lo && t[i].last == hi);
    }
    r.lower_bound = lower_bound(t, asz, n, ev);
    plan_ctx c = {t, asz, whole, n, off, by_off, 0};
    uint64_t best_peak = UINT64_MAX;
    if (n <= exact_max && n <= VRAM_PLAN_EXACT_MAX) {
        exact(&c, order, &best_peak, best_off, r.lower_bound);
    } else {
        for (int key = 0; key < ORDER_COUNT && best_peak > r.lower_bound; key++) {
            for (size_t i = 0; i < n; i++) order[i] = i;
            const void *arg[2] = {&c, &key};
            qsort_r(order, n, sizeof *order, cmp_order, (void *)arg);
            for (int best = 1; best >= 0 && best_peak > r.lower_bound; best--) {
                uint64_t p = place_all(&c, order, best);
                if (p < best_peak) {
                    best_peak = p;
                    memcpy(best_off, off, n * sizeof *off);
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) t[i].offset = best_off[i];
    r.peak = best_peak;
    if (out) *out = r;
    rc = VRAM_OK;
done:
    free(asz);
    free(off);
    free(best_off);
    free(whole);
    free(by_off);
    free(order);
    free(ev);
    return rc;
}

int vram_plan_offsets(vram_plan_tensor *t, size_t n, uint64_t alignment, vram_plan_result *out, vram_error *err)
{
    return vram__plan_run(t, n, alignment, VRAM_PLAN_EXACT_MAX, out, err);
}
