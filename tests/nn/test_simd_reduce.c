/*
 * test_simd_reduce.c - differential test of the SIMD Sum/Max/Min/Mean (src/nn/cpu) against
 * nn__reduce_ref: every SIMD table this CPU runs (a missing one is skipped with a message), random
 * shapes of ranks 1-5 with sizes around the vector widths and size-1 dims, every set of reduced
 * axes (negative and repeated axes too), values with NaN, infinities and signed zeros (where the
 * order of the steps decides the result): bit-identical to the reference for 1, 2 and 3 threads,
 * nothing written past the output; layouts outside the fast path (reduced dims that are not one
 * block) declined without touching the output; the scalar table always declines. Also ArgMax:
 * random [outer, n, inner] with ties (values from a small set), NaN (first too) and infinities,
 * the same indices as nn__argmax_ref for 1, 2 and 3 threads.
 */
#include "nn_internal.h"
#include "simd_harness.h"

static float special(void)
{
    static const float v[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -3.5f, 1e30f};
    return v[rng_int(0, 7)];
}

/* 1 when the reduced dims of xs (size-1 dims aside) form one contiguous block. */
static int one_block(const nn__shape *xs, const int *red)
{
    int phase = 0;
    for (int i = 0; i < xs->rank; i++) {
        if (xs->d[i] == 1) continue;
        if (red[i]) {
            if (phase == 2) return 0;
            phase = 1;
        } else if (phase == 1) {
            phase = 2;
        }
    }
    return 1;
}

static void check_case(const nn__cpu_kernels **tabs, int ntabs, nn__reduce op, const nn__shape *xs,
                       const int64_t *axes, int naxes)
{
    int red[NN__MAX_RANK] = {0};
    for (int k = 0; k < naxes; k++) red[nn__normalize_axis(axes[k], xs->rank)] = 1;
    int expect = one_block(xs, red);
    nn__shape ys;
    CHECK(nn__reduce_shape(xs, axes, naxes, 0, &ys) == 0);
    int64_t nx = nn__shape_count(xs), ny = nn__shape_count(&ys);
    float *x = buf_random(nx), *ref = buf_new(ny), *y = buf_new(ny);
    for (int64_t i = 0; i < nx; i++)
        if (rng_int(0, 11) == 0) x[i] = special();
    nn__reduce_ref(op, NN__F32, x, xs, axes, naxes, ref);
    char sh[96];
    nn__shape_str(xs, sh, sizeof sh);
    for (int ti = 0; ti < ntabs; ti++)
        for (int nth = 1; nth <= 3; nth++) {
            buf_fill(y, ny);
            int took = 1;
            for (int t = 0; t < nth; t++) took &= tabs[ti]->reduce(op, x, xs, axes, naxes, y, t, nth);
            CHECK_MSG(took == expect, "%s reduce %d of %s (%d axes): fast path %d, expected %d",
                      tabs[ti]->name, (int)op, sh, naxes, took, expect);
            if (took)
                CHECK_MSG(guard_ok(y, ny) && memcmp(y, ref, (size_t)ny * sizeof(float)) == 0,
                          "%s reduce %d of %s (%d axes), %d threads: differs from the reference",
                          tabs[ti]->name, (int)op, sh, naxes, nth);
            else
                CHECK_MSG(guard_ok(y, ny) && y[0] == sentinel, "%s reduce declined but wrote", tabs[ti]->name);
        }
    CHECK(nn__cpu_scalar.reduce(op, x, xs, axes, naxes, y, 0, 1) == 0);
    free(x); free(ref); free(y);
}

static void check_argmax(const nn__cpu_kernels **tabs, int ntabs, int64_t outer, int64_t n, int64_t inner)
{
    int64_t nx = outer * n * inner, ny = outer * inner;
    float *x = buf_new(nx);
    int32_t *ref = malloc((size_t)ny * sizeof *ref), *y = malloc((size_t)(ny + GUARD) * sizeof *y);
    for (int64_t i = 0; i < nx; i++) x[i] = rng_int(0, 9) == 0 ? special() : (float)rng_int(-3, 3); /* ties */
    nn__shape xs = {3, {outer, n, inner}};
    nn__argmax_ref(NN__F32, x, &xs, 1, ref);
    for (int ti = 0; ti < ntabs; ti++)
        for (int nth = 1; nth <= 3; nth++) {
            for (int64_t i = 0; i < ny + GUARD; i++) y[i] = -7;
            int took = 1;
            for (int t = 0; t < nth; t++) took &= tabs[ti]->argmax(x, outer, n, inner, y, t, nth);
            int tail_ok = 1;
            for (int64_t i = ny; i < ny + GUARD; i++) tail_ok &= y[i] == -7;
            CHECK_MSG(took && tail_ok && memcmp(y, ref, (size_t)ny * sizeof *y) == 0,
                      "%s argmax [%" PRId64 ",%" PRId64 ",%" PRId64 "], %d threads: differs from the reference",
                      tabs[ti]->name, outer, n, inner, nth);
        }
    CHECK(nn__cpu_scalar.argmax(x, outer, n, inner, y, 0, 1) == 0);
    free(x); free(ref); free(y);
}

int main(void)
{
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    if (ntabs == 0) check_skip("no SIMD variant on this CPU");
    static const nn__reduce ops[] = {NN__RED_SUM, NN__RED_MAX, NN__RED_MIN, NN__RED_MEAN};
    static const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 16, 17, 33};
    int blocks = 0;
    for (int i = 0; i < 400; i++) {
        nn__shape xs = {(int)rng_int(1, 5), {0}};
        for (int k = 0; k < xs.rank; k++) xs.d[k] = sizes[rng_int(0, xs.rank >= 4 ? 5 : 8)];
        int64_t axes[NN__MAX_RANK + 1];
        int naxes = 0;
        for (int k = 0; k < xs.rank; k++)
            if (rng_int(0, 2) == 0) axes[naxes++] = rng_int(0, 1) ? k : k - xs.rank; /* negative too */
        if (naxes == 0) axes[naxes++] = rng_int(0, xs.rank - 1);
        if (rng_int(0, 5) == 0) axes[naxes] = axes[0], naxes++; /* repeated */
        check_case(tabs, ntabs, ops[rng_int(0, 3)], &xs, axes, naxes);
        blocks++;
    }
    CHECK(blocks == 400);
    /* MultiPose's Max over the 6 people of [64,64,6,17]; a Mean over H, W; declined: axes 0 and 2
     * of [5,4,3] (not one block). */
    nn__shape mp = {4, {64, 64, 6, 17}}, hw = {4, {1, 12, 12, 40}}, gap = {3, {5, 4, 3}};
    int64_t a2[1] = {2}, a12[2] = {1, 2}, a02[2] = {0, 2};
    check_case(tabs, ntabs, NN__RED_MAX, &mp, a2, 1);
    check_case(tabs, ntabs, NN__RED_MEAN, &hw, a12, 2);
    check_case(tabs, ntabs, NN__RED_SUM, &gap, a02, 2);
    for (int i = 0; i < 100; i++)
        check_argmax(tabs, ntabs, rng_int(1, 4), rng_int(1, 40), sizes[rng_int(0, 8)] * rng_int(1, 3));
    check_argmax(tabs, ntabs, 1, 4096, 102); /* MultiPose's ArgMax over the 64x64 grid */
    return check_report();
}
