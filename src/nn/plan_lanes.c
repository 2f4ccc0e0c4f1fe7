/*
 * plan_lanes.c - arena offsets for a plan run on two threads, with every value's split on a pivot.
 *
 * A threaded step splits its output rows in two (nn__split_range): thread 0 writes the first
 * share of the value's bytes, thread 1 the rest. The arena reuses bytes from step to step, and with
 * the offsets of the general planner (libvram's vram_plan_offsets) a value's split falls anywhere
 * in the bytes of the values that lived there before: a thread then writes lines that the other
 * core wrote last, and has to take each over from the other core's caches first (on a machine whose
 * two CPUs sit on different L3s, 200-500 ns a line). Running each step twice in a row, so that
 * every line a thread writes is its own, ran MoveNet Thunder 12 % faster on two threads
 * (docs/BENCHMARKS.md), against 3 % on one.
 *
 * Here the arena is cut into lanes; each lane has a pivot, and each value goes to one lane, placed
 * so that its split (the first byte of thread 1's share) is the pivot, to within the alignment.
 * Every byte below a pivot is then written by thread 0 and every byte above by thread 1, value
 * after value, so the lines a thread writes are ones it wrote before (or ones that went to memory).
 * Values in one lane must not live at the same time. Greedy, largest value first: each goes to the
 * lane that grows least to hold it (most often not at all), or to a new lane. The arena is the sum
 * of the lanes' extents, more than the general planner's peak; nn__plan_lanes returns it and the
 * caller keeps the general plan when the lanes would cost too much (plan.c).
 *
 * With more than two threads the middle split is the only one that lines up (the others fall at
 * quarters, sixths, ... of each value, which differ from value to value), so plan.c uses lanes for
 * two chunks only.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "vram.h"

typedef struct lane {
    uint64_t below, above;   /* bytes the lane spans under and over its pivot */
    uint64_t pivot;          /* its offset in the arena, once the lanes are laid out */
} lane;

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* The placing order: the largest first, ties by index (a deterministic plan). Sorted as (size,
 * index) pairs, so that no state outside the call is needed (models load on several threads). */
typedef struct item {
    uint64_t size;
    size_t i;
} item;

static int by_size(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int nn__plan_lanes(vram_plan_tensor *t, const uint64_t *split, size_t n, uint64_t align, uint64_t *peak)
{
    *peak = 0;
    if (n == 0) return 0;
    item *it = malloc(n * sizeof *it);
    size_t *in = malloc(n * sizeof *in);
    lane *ln = malloc(n * sizeof *ln);
    char *clash = malloc(n);
    if (!it || !in || !ln || !clash) {
        free(it), free(in), free(ln), free(clash);
        return -1;
    }
    for (size_t i = 0; i < n; i++) it[i] = (item){t[i].size, i};
    qsort(it, n, sizeof *it, by_size);
    size_t nl = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = it[k].i;
        uint64_t below = align_up(split[i] < t[i].size ? split[i] : t[i].size, align);
        uint64_t above = t[i].size > below ? align_up(t[i].size - below, align) : 0;
        /* The lanes holding a value placed before that lives at a step with this one. */
        memset(clash, 0, nl);
        for (size_t q = 0; q < k; q++) {
            size_t j = it[q].i;
            if (t[j].first <= t[i].last && t[i].first <= t[j].last) clash[in[j]] = 1;
        }
        size_t best = nl;
        uint64_t grow_best = below + above;
        for (size_t l = 0; l < nl; l++) {
            if (clash[l]) continue;
            uint64_t grow = (below > ln[l].below ? below - ln[l].below : 0) +
                            (above > ln[l].above ? above - ln[l].above : 0);
            if (grow < grow_best) best = l, grow_best = grow;
        }
        if (best == nl) ln[nl++] = (lane){0, 0, 0};
        if (below > ln[best].below) ln[best].below = below;
        if (above > ln[best].above) ln[best].above = above;
        in[i] = best;
        t[i].offset = below; /* for now: bytes under the pivot */
    }
    uint64_t base = 0;
    for (size_t l = 0; l < nl; l++) {
        ln[l].pivot = base + ln[l].below;
        base += ln[l].below + ln[l].above;
    }
    for (size_t i = 0; i < n; i++) t[i].offset = ln[in[i]].pivot - t[i].offset;
    *peak = base;
    free(it), free(in), free(ln), free(clash);
    return 0;
}
