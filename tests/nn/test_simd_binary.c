/*
 * test_simd_binary.c - differential test of the SIMD elementwise float32 binary ops (src/nn/cpu)
 * against nn__binary_ref: every SIMD table this CPU runs (a missing one is skipped with a
 * message), ADD/SUB/MUL/REALDIV/SQUARED_DIFFERENCE on same-shape operands and on trailing-dims
 * broadcasts either way round (scalar, [C], [1,1,1,C], [W,C], [H,W,C]) with odd sizes, and every
 * op of the fast path (MAXIMUM, MINIMUM too) on random broadcasts of ranks 0-5 (middle dims,
 * both operands broadcast, outer products), including infinities, NaN and signed zeros:
 * bit-identical to the reference for 1, 2 and 3 threads; ops outside the fast path (FloorDiv)
 * must be declined (return 0) without touching the output. Also nn__cpu_bcast_period, and the unary ops
 * (Relu, Relu6, Sqrt, Reciprocal bit-identical, in place too; Sigmoid and Exp within their
 * tolerance of cpu.h on a dense sweep of [-110, 110], random values and the specials, NaN and
 * infinities where the reference has them, Exp 0 where the reference is subnormal, the same bits
 * for 1, 2 and 3 threads; Abs declined).
 */
#include <float.h>

#include "simd_harness.h"

static nn__shape shp(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn__shape s = {rank, {0}};
    int64_t d[4] = {d0, d1, d2, d3};
    for (int i = 0; i < rank; i++) s.d[i] = d[i];
    return s;
}

static void test_period(void)
{
    nn__shape y = shp(4, 2, 5, 7, 3);
    nn__shape s;
    s = shp(0, 0, 0, 0, 0);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), 1);
    s = shp(1, 3, 0, 0, 0);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), 3);
    s = shp(4, 1, 1, 1, 3);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), 3);
    s = shp(3, 5, 7, 3, 0);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), 105);
    s = shp(4, 2, 5, 7, 3);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), 210);
    s = shp(3, 5, 1, 3, 0);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), -1);
    s = shp(2, 7, 1, 0, 0);
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y), -1);
    nn__shape y1 = shp(3, 4, 1, 6, 0);
    s = shp(2, 1, 6, 0, 0); /* size-1 output dims do not break the suffix */
    CHECK_INT_EQ(nn__cpu_bcast_period(&s, &y1), 6);
}

static float special(void)
{
    static const float v[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -3.5f, 1e30f};
    return v[rng_int(0, 7)];
}

/* a op b, shapes as/bs; returns 1 when the fast path took it. */
static void check_pair(const nn__cpu_kernels **tabs, int ntabs, nn__binop op, const nn__shape *as,
                       const nn__shape *bs, int expect_fast)
{
    nn__shape ys;
    if (nn__broadcast_shape(as, bs, &ys) < 0) {
        CHECK_MSG(0, "bad test shapes");
        return;
    }
    int64_t na = nn__shape_count(as), nb = nn__shape_count(bs), ny = nn__shape_count(&ys);
    float *a = buf_random(na), *b = buf_random(nb), *ref = buf_new(ny), *y1 = buf_new(ny);
    for (int64_t i = 0; i < na; i++)
        if (rng_int(0, 15) == 0) a[i] = special();
    for (int64_t i = 0; i < nb; i++)
        if (rng_int(0, 15) == 0) b[i] = special();
    nn__binary_ref(op, NN__F32, a, as, b, bs, ref, &ys, 0, 1);
    for (int ti = 0; ti < ntabs; ti++) {
        for (int nth = 1; nth <= 3; nth++) {
            buf_fill(y1, ny);
            int took = 1;
            for (int t = 0; t < nth; t++)
                took &= tabs[ti]->binary(op, a, as, b, bs, y1, &ys, t, nth);
            CHECK_MSG(took == expect_fast, "%s binop %d ranks %d/%d: fast path %d, expected %d",
                      tabs[ti]->name, (int)op, as->rank, bs->rank, took, expect_fast);
            if (took) {
                CHECK_MSG(guard_ok(y1, ny) && memcmp(y1, ref, (size_t)ny * sizeof(float)) == 0,
                          "%s binop %d: %d threads differ from the reference", tabs[ti]->name,
                          (int)op, nth);
            } else {
                int untouched = 1;
                for (int64_t i = 0; i < ny + GUARD; i++) untouched &= y1[i] == sentinel;
                CHECK_MSG(untouched, "%s binop %d declined but wrote", tabs[ti]->name, (int)op);
            }
        }
    }
    CHECK(nn__cpu_scalar.binary(op, a, as, b, bs, y1, &ys, 0, 1) == 0);
    free(a); free(b); free(ref); free(y1);
}

static void check_unary(const nn__cpu_kernels **tabs, int ntabs, nn__unop op, int64_t count,
                        int expect)
{
    float *x = buf_random(count), *ref = buf_new(count), *y = buf_new(count);
    for (int64_t i = 0; i < count; i++) {
        x[i] *= 8.0f; /* both sides of 6 */
        if (rng_int(0, 7) == 0) x[i] = special();
    }
    nn__unary_ref(op, NN__F32, x, ref, count, 0, 1);
    for (int ti = 0; ti < ntabs; ti++)
        for (int nth = 1; nth <= 3; nth++) {
            buf_fill(y, count);
            int took = 1;
            for (int t = 0; t < nth; t++) took &= tabs[ti]->unary(op, x, y, count, t, nth);
            CHECK_MSG(took == expect, "%s unop %d: fast path %d", tabs[ti]->name, (int)op, took);
            if (took)
                CHECK_MSG(guard_ok(y, count) && memcmp(y, ref, (size_t)count * sizeof(float)) == 0,
                          "%s unop %d count %" PRId64 ": %d threads differ from the reference",
                          tabs[ti]->name, (int)op, count, nth);
        }
    if (expect && ntabs > 0) { /* in place */
        memcpy(y, x, (size_t)count * sizeof(float));
        tabs[0]->unary(op, y, y, count, 0, 1);
        CHECK(memcmp(y, ref, (size_t)count * sizeof(float)) == 0);
    }
    CHECK(nn__cpu_scalar.unary(op, x, y, count, 0, 1) == 0);
    free(x); free(ref); free(y);
}

/* Sigmoid or Exp (op) on count values: a sweep of [-110, 110] in steps of 1/64 (where the results
 * change, overflow to +inf above 88.72 and subnormals below -87.3 included) when sweep, else
 * random values of several scales and the specials. Prints the worst error in units of
 * FLT_EPSILON * |ref| over the normal results. */
static void check_exp_like(const nn__cpu_kernels **tabs, int ntabs, nn__unop op, int64_t count, int sweep)
{
    const char *name = op == NN__UN_EXP ? "exp" : "sigmoid";
    float *x = buf_random(count), *ref = buf_new(count), *y = buf_new(count), *y1 = buf_new(count);
    for (int64_t i = 0; i < count; i++) {
        if (sweep) x[i] = -110.0f + (float)i / 64.0f;
        else if (rng_int(0, 7) == 0) x[i] = special();
        else x[i] *= (float)(1 << rng_int(0, 7)); /* |x| up to 128 */
    }
    nn__unary_ref(op, NN__F32, x, ref, count, 0, 1);
    for (int ti = 0; ti < ntabs; ti++) {
        double worst = 0;
        int64_t bad = 0, first = -1;
        buf_fill(y1, count);
        CHECK(tabs[ti]->unary(op, x, y1, count, 0, 1) == 1);
        for (int64_t i = 0; i < count; i++) {
            if (isnan(ref[i]) || isnan(y1[i]) || isinf(ref[i]) || isinf(y1[i])) {
                if (!(isnan(ref[i]) && isnan(y1[i])) && y1[i] != ref[i] && bad++ == 0) first = i;
                continue;
            }
            double d = fabs((double)y1[i] - ref[i]), tol = 4.0 * FLT_EPSILON * fabs(ref[i]) + 1e-37;
            if (d > tol && bad++ == 0) first = i;
            /* Exp gives 0 instead of a subnormal */
            if (op == NN__UN_EXP && ref[i] < FLT_MIN && y1[i] != 0.0f && bad++ == 0) first = i;
            if (ref[i] > FLT_MIN && d / (FLT_EPSILON * ref[i]) > worst) worst = d / (FLT_EPSILON * ref[i]);
        }
        CHECK_MSG(guard_ok(y1, count) && bad == 0,
                  "%s %s: %" PRId64 " of %" PRId64 " values out of tolerance, first x = %.9g: %.9g, "
                  "reference %.9g", tabs[ti]->name, name, bad, count, first >= 0 ? x[first] : 0.0,
                  first >= 0 ? y1[first] : 0.0, first >= 0 ? ref[first] : 0.0);
        if (sweep) printf("%s %s: worst %.2f FLT_EPSILON * |ref| over the sweep\n", tabs[ti]->name, name, worst);
        for (int nth = 2; nth <= 3; nth++) {
            buf_fill(y, count);
            for (int t = 0; t < nth; t++) tabs[ti]->unary(op, x, y, count, t, nth);
            CHECK_MSG(memcmp(y, y1, (size_t)count * sizeof(float)) == 0, "%s %s: %d threads differ",
                      tabs[ti]->name, name, nth);
        }
    }
    CHECK(nn__cpu_scalar.unary(op, x, y, count, 0, 1) == 0);
    free(x); free(ref); free(y); free(y1);
}

int main(void)
{
    test_period();
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    if (ntabs == 0) {
        check_report();
        check_skip("no SIMD variant on this CPU (period helper checked)");
    }
    static const nn__binop ops[] = {NN__BIN_ADD, NN__BIN_SUB, NN__BIN_MUL, NN__BIN_REALDIV,
                                    NN__BIN_SQUARED_DIFFERENCE};
    for (int i = 0; i < 150; i++) {
        nn__binop op = ops[rng_int(0, 4)];
        int64_t n = rng_int(1, 2), h = rng_int(1, 9), w = rng_int(1, 13), c = rng_int(1, 70);
        nn__shape full = shp(4, n, h, w, c), other;
        switch (rng_int(0, 5)) {
        case 0: other = full; break;
        case 1: other = shp(0, 0, 0, 0, 0); break;
        case 2: other = shp(1, c, 0, 0, 0); break;
        case 3: other = shp(4, 1, 1, 1, c); break;
        case 4: other = shp(2, w, c, 0, 0); break;
        default: other = shp(3, h, w, c, 0); break;
        }
        if (rng_int(0, 1)) check_pair(tabs, ntabs, op, &full, &other, 1);
        else check_pair(tabs, ntabs, op, &other, &full, 1);
    }
    /* A model-like preprocessing step: [1,192,192,3] - [3]. */
    nn__shape img = shp(4, 1, 192, 192, 3), ch = shp(1, 3, 0, 0, 0);
    check_pair(tabs, ntabs, NN__BIN_SUB, &img, &ch, 1);
    check_pair(tabs, ntabs, NN__BIN_MUL, &img, &ch, 1);
    /* Any other broadcast: each dim of each operand 1 or full at random (a middle broadcast,
     * both operands broadcast, outer products, rows of 1), ranks 0-5, every op of the fast path. */
    static const nn__binop all[] = {NN__BIN_ADD, NN__BIN_SUB, NN__BIN_MUL, NN__BIN_REALDIV,
                                    NN__BIN_SQUARED_DIFFERENCE, NN__BIN_MAXIMUM, NN__BIN_MINIMUM};
    for (int i = 0; i < 300; i++) {
        int rank = (int)rng_int(0, 5), ra = (int)rng_int(0, rank), rb = (int)rng_int(0, rank);
        int64_t d[5];
        for (int k = 0; k < rank; k++) d[k] = rng_int(1, 7) == 1 ? 1 : rng_int(2, rank >= 4 ? 7 : 19);
        nn__shape sa = {ra, {0}}, sb = {rb, {0}};
        for (int k = 0; k < ra; k++) sa.d[k] = rng_int(0, 2) ? d[rank - ra + k] : 1;
        for (int k = 0; k < rb; k++) sb.d[k] = rng_int(0, 2) ? d[rank - rb + k] : 1;
        check_pair(tabs, ntabs, all[rng_int(0, 6)], &sa, &sb, 1);
    }
    /* MultiPose's post-processing: [64,64,1,1] - [1,1,6,17], [64,64,1,17] * [64,64,6,17],
     * [64,64,6,17] * [64,64,6,1]. */
    nn__shape g1 = shp(4, 64, 64, 1, 1), g2 = shp(4, 1, 1, 6, 17), g3 = shp(4, 64, 64, 1, 17);
    nn__shape g4 = shp(4, 64, 64, 6, 17), g5 = shp(4, 64, 64, 6, 1);
    check_pair(tabs, ntabs, NN__BIN_SQUARED_DIFFERENCE, &g1, &g2, 1);
    check_pair(tabs, ntabs, NN__BIN_MUL, &g3, &g4, 1);
    check_pair(tabs, ntabs, NN__BIN_MUL, &g4, &g5, 1);
    /* Declined: ops outside the fast path. */
    nn__shape a3 = shp(3, 5, 6, 7, 0), row = shp(2, 1, 7, 0, 0);
    check_pair(tabs, ntabs, NN__BIN_FLOORDIV, &a3, &row, 0);
    check_pair(tabs, ntabs, NN__BIN_FLOORDIV, &a3, &a3, 0);
    static const int64_t counts[] = {1, 7, 8, 15, 16, 17, 33, 1000, 4099};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        check_unary(tabs, ntabs, NN__UN_RELU, counts[i], 1);
        check_unary(tabs, ntabs, NN__UN_RELU6, counts[i], 1);
        check_unary(tabs, ntabs, NN__UN_SQRT, counts[i], 1);
        check_unary(tabs, ntabs, NN__UN_RECIPROCAL, counts[i], 1);
        check_unary(tabs, ntabs, NN__UN_ABS, counts[i], 0);
        check_exp_like(tabs, ntabs, NN__UN_SIGMOID, counts[i], 0);
        check_exp_like(tabs, ntabs, NN__UN_EXP, counts[i], 0);
    }
    check_exp_like(tabs, ntabs, NN__UN_SIGMOID, 220 * 64 + 1, 1);
    check_exp_like(tabs, ntabs, NN__UN_EXP, 220 * 64 + 1, 1);
    return check_report();
}
