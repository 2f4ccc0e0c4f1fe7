/*
 * test_simd_resize.c - differential test of the SIMD ResizeBilinear (src/nn/cpu) against
 * nn__resize_bilinear_ref: every SIMD table this CPU runs (a missing one is skipped with a message,
 * "emu16" runs the avx512 paths on AVX2), up- and down-scaling, sizes 1, odd sizes, channel counts
 * around the vector widths, half_pixel_centers / align_corners / neither, with and without a
 * residual (a fused AddV2, which the reference adds last): bit-identical to the
 * reference for 1, 2 and 3 threads (outputs wider than the kernels' column chunk too, upsampling
 * whose cached source rows split the columns, channels too many for a cached row), nothing
 * written past the output; the scalar table is the
 * reference itself.
 *
 * Benchmark mode (not a test): test_simd_resize --bench [reps]: each table vs the reference on the
 * models' upsamplings, one thread, median of reps (GFLOP/s counts one "flop" per output float).
 */
#include "simd_harness.h"

/* Without and with a residual (a fused AddV2): the reference's bits, and the reference with a
 * residual equals the reference without plus the residual, element by element. */
static void check_case(const nn__cpu_kernels **tabs, int ntabs, int64_t n, int64_t ih, int64_t iw,
                       int64_t c, int64_t oh, int64_t ow, int align, int half)
{
    int64_t xs = n * ih * iw * c, ys = n * oh * ow * c;
    float *x = buf_random(xs), *r = buf_random(ys), *ref = buf_new(ys), *refr = buf_new(ys), *y = buf_new(ys);
    nn__resize_bilinear_ref(x, n, ih, iw, c, NULL, ref, oh, ow, align, half, 0, 1);
    nn__resize_bilinear_ref(x, n, ih, iw, c, r, refr, oh, ow, align, half, 0, 1);
    int added = 1;
    for (int64_t i = 0; i < ys; i++) {
        float want = ref[i] + r[i];
        added &= !memcmp(&refr[i], &want, sizeof want);
    }
    CHECK_MSG(added, "reference resize %" PRId64 "x%" PRId64 " -> %" PRId64 "x%" PRId64 ": with a residual is not "
              "the resize plus it", ih, iw, oh, ow);
    for (int ti = 0; ti < ntabs; ti++)
        for (int nth = 1; nth <= 3; nth++)
            for (int withres = 0; withres < 2; withres++) {
                buf_fill(y, ys);
                for (int t = 0; t < nth; t++)
                    tabs[ti]->resize_bilinear(x, n, ih, iw, c, withres ? r : NULL, y, oh, ow, align, half, t, nth);
                CHECK_MSG(guard_ok(y, ys) && memcmp(y, withres ? refr : ref, (size_t)ys * sizeof(float)) == 0,
                          "%s resize %" PRId64 "x%" PRId64 "x%" PRId64 " -> %" PRId64 "x%" PRId64
                          " align %d half %d, %d threads%s: differs from the reference",
                          tabs[ti]->name, ih, iw, c, oh, ow, align, half, nth, withres ? ", residual" : "");
            }
    CHECK(nn__cpu_scalar.resize_bilinear == nn__resize_bilinear_ref);
    free(x); free(r); free(ref); free(refr); free(y);
}

/* ---- benchmark mode ---- */

typedef struct resize_run {
    const float *x;
    int64_t ih, iw, c, oh, ow;
} resize_run;

static void run_resize(const nn__cpu_kernels *k, const void *ctx, float *y, int nth)
{
    const resize_run *r = ctx;
    for (int t = nth - 1; t >= 0; t--) k->resize_bilinear(r->x, 1, r->ih, r->iw, r->c, NULL, y, r->oh, r->ow, 0, 1, t, nth);
}

static void bench(int reps)
{
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    static const int64_t shapes[][3] = {{128, 128, 8}, {64, 64, 24}, {12, 12, 64}, {24, 24, 24}}; /* in: h = w, c */
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int64_t n = shapes[i][0], c = shapes[i][2];
        resize_run r = {buf_random(n * n * c), n, n, c, 2 * n, 2 * n};
        float *y = buf_new(4 * n * n * c);
        printf("resize %" PRId64 "x%" PRId64 "x%" PRId64 " -> %" PRId64 "x%" PRId64 " (%.2f M outputs):", n, n, c,
               2 * n, 2 * n, 4.0 * (double)(n * n * c) * 1e-6);
        simd_bench_tables(tabs, ntabs, run_resize, &r, y, 4.0 * (double)(n * n * c), reps);
        free((void *)r.x); free(y);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--bench")) {
        int reps = argc > 2 ? atoi(argv[2]) : 21;
        bench(reps < 1 ? 1 : reps);
        return 0;
    }
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    if (ntabs == 0) check_skip("no SIMD variant on this CPU");
    static const int64_t chans[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 40};
    for (int i = 0; i < 200; i++) {
        int mode = (int)rng_int(0, 2); /* 0: half-pixel, 1: align corners, 2: neither */
        check_case(tabs, ntabs, rng_int(1, 2), rng_int(1, 9), rng_int(1, 9), chans[rng_int(0, 9)],
                   rng_int(1, 19), rng_int(1, 19), mode == 1, mode == 0);
    }
    /* The models' upsamplings: 12 -> 24 (MoveNet), 128 -> 256 x 8 channels (BlazePose). */
    check_case(tabs, ntabs, 1, 12, 12, 64, 24, 24, 0, 1);
    check_case(tabs, ntabs, 1, 64, 64, 8, 128, 128, 0, 1);
    /* Wider than one chunk of precomputed columns (512): 1100 and 512 + 1 output columns. */
    check_case(tabs, ntabs, 2, 3, 500, 3, 5, 1100, 0, 1);
    check_case(tabs, ntabs, 1, 4, 700, 17, 3, 513, 1, 0);
    /* Upsampling with cached source rows of RESIZE_ROW (4096) floats: 40 channels make chunks of
     * 102 columns, two images; 4100 channels do not fit one and take the direct path. */
    check_case(tabs, ntabs, 2, 5, 60, 40, 11, 300, 0, 1);
    check_case(tabs, ntabs, 1, 2, 2, 4100, 3, 3, 1, 0);
    return check_report();
}
