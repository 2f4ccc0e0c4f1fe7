/*
 * test_plan_lanes.c - the arena placement for two threads (plan_lanes.c), against its definition:
 *   - a hand-worked case: three values, the exact lanes, offsets and arena;
 *   - 3000 random cases (sizes with and without the alignment, splits anywhere in a value,
 *     lifetimes that overlap or not): every offset aligned, every value inside the arena, no two
 *     values that live at the same step share a byte, and wherever two values share bytes each of
 *     those bytes is on the same side of both values' pivots (their split rounded up to the
 *     alignment): the property the lanes exist for; the arena never exceeds the sum of the values'
 *     rounded halves (no reuse at all);
 *   - an empty plan.
 * The models' bits on 1, 2 (lanes) and 3 threads are compared by test_models.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "nn_internal.h"
#include "vram.h"

static uint64_t up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* The pivot of value t placed with split s: its split rounded up to the alignment. */
static uint64_t pivot(const vram_plan_tensor *t, uint64_t s, uint64_t a)
{
    return t->offset + up(s < t->size ? s : t->size, a);
}

static void hand_case(void)
{
    /* Sizes 1000, 3000, 2000 split in halves, each living across two steps, alignment 64: the 3000
     * goes first (lane 0: 1536 under its pivot, 1472 over); the 2000 lives at step 2 with it, so
     * lane 1 (1024 + 1024, pivot 3008 + 1024); the 1000 lives at step 1 with the 3000, not with the
     * 2000: lane 1, no growth, 512 under the pivot. */
    vram_plan_tensor t[3] = {{1000, 0, 1, 0}, {3000, 1, 2, 0}, {2000, 2, 3, 0}};
    uint64_t split[3] = {500, 1500, 1000}, peak = 0;
    CHECK_INT_EQ(nn__plan_lanes(t, split, 3, 64, &peak), 0);
    CHECK_INT_EQ(peak, 5056);
    CHECK_INT_EQ(t[1].offset, 0);
    CHECK_INT_EQ(t[2].offset, 3008);
    CHECK_INT_EQ(t[0].offset, 3520); /* pivot 4032 - 512 */
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void random_cases(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int bad_overlap = 0, bad_side = 0, bad_align = 0, bad_bounds = 0, bad_peak = 0;
    for (int c = 0; c < 3000; c++) {
        size_t n = 1 + rnd(&seed) % 40;
        uint64_t a = (uint64_t)1 << (rnd(&seed) % 8), steps = 2 + rnd(&seed) % 30, peak = 0, sum = 0;
        vram_plan_tensor t[40];
        uint64_t split[40];
        for (size_t i = 0; i < n; i++) {
            t[i].size = rnd(&seed) % 4 == 0 ? rnd(&seed) % 8 * 4096 : rnd(&seed) % 100000;
            t[i].first = (int32_t)(rnd(&seed) % steps);
            t[i].last = t[i].first + (int32_t)(rnd(&seed) % 4);
            split[i] = rnd(&seed) % 3 == 0 ? t[i].size / 2 : t[i].size ? rnd(&seed) % (t[i].size + 1) : 0;
            uint64_t below = up(split[i], a);
            sum += below + (t[i].size > below ? up(t[i].size - below, a) : 0);
        }
        if (nn__plan_lanes(t, split, n, a, &peak) < 0) {
            CHECK(0);
            return;
        }
        if (peak > sum) bad_peak++;
        for (size_t i = 0; i < n; i++) {
            if (t[i].offset % a) bad_align++;
            if (t[i].offset + t[i].size > peak) bad_bounds++;
            for (size_t j = i + 1; j < n; j++) {
                uint64_t lo = t[i].offset > t[j].offset ? t[i].offset : t[j].offset;
                uint64_t hi = t[i].offset + t[i].size < t[j].offset + t[j].size ? t[i].offset + t[i].size
                                                                                 : t[j].offset + t[j].size;
                if (lo >= hi) continue; /* no shared byte */
                if (t[i].first <= t[j].last && t[j].first <= t[i].last) bad_overlap++;
                uint64_t pi = pivot(&t[i], split[i], a), pj = pivot(&t[j], split[j], a);
                uint64_t p0 = pi < pj ? pi : pj, p1 = pi < pj ? pj : pi;
                if (p0 < hi && p1 > lo && p0 != p1) bad_side++; /* a shared byte in [p0, p1) */
            }
        }
    }
    CHECK_INT_EQ(bad_align, 0);
    CHECK_INT_EQ(bad_bounds, 0);
    CHECK_INT_EQ(bad_overlap, 0);
    CHECK_INT_EQ(bad_side, 0);
    CHECK_INT_EQ(bad_peak, 0);
}

int main(void)
{
    hand_case();
    random_cases();
    uint64_t peak = 1;
    CHECK_INT_EQ(nn__plan_lanes(NULL, NULL, 0, 64, &peak), 0);
    CHECK_INT_EQ(peak, 0);
    return check_report();
}
