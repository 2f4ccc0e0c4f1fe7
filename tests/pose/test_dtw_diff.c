/*
 * test_dtw_diff.c - differential test of libpose's DTW kernel against the textbook full-matrix twin
 * (dtw_ref.h) on random sizes, windows, ndims and penalties; early abandoning exactly at max_dist;
 * derivative DTW; paths are optimal; bad inputs give errors.
 */
#include "check.h"
#include "dtw_ref.h"
#include "pose.h"

static int rel_eq(double a, double b) { return fabs(a - b) <= 1e-12 * fabs(b) + 1e-300; }

static void differential(void)
{
    double a[64 * 4], b[64 * 4];
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        size_t na = 1 + (size_t)(ref_uniform() * 40), nb = 1 + (size_t)(ref_uniform() * 40);
        size_t ndim = 1 + (size_t)(ref_uniform() * 4);
        size_t w = ref_uniform() < 0.3 ? 0 : (size_t)(ref_uniform() * 12) + 1;
        double pen = ref_uniform() < 0.3 ? ref_uniform() * 2 : 0.0;
        ref_random_walk(a, na, ndim);
        ref_random_walk(b, nb, ndim);
        pose_dtw_options o = pose_dtw_defaults();
        o.window = w;
        o.penalty = pen;
        pose_error err = {0};
        double want = sqrt(ref_dtw_cost(a, na, b, nb, ndim, w, pen * pen));
        double got = pose_dtw_distance(a, na, b, nb, ndim, &o, &err);
        if (!rel_eq(got, want)) {
            if (bad++ < 5)
                CHECK_MSG(0, "na=%zu nb=%zu ndim=%zu w=%zu pen=%g: %.17g vs ref %.17g", na, nb, ndim, w, pen, got, want);
            continue;
        }
        /* symmetric */
        CHECK_MSG(rel_eq(pose_dtw_distance(b, nb, a, na, ndim, &o, &err), want), "swap na=%zu nb=%zu", na, nb);
        /* abandoning: exact below or at max_dist, inf above */
        o.max_dist = want * 1.000001;
        double d1 = pose_dtw_distance(a, na, b, nb, ndim, &o, &err);
        o.max_dist = want * 0.999999;
        double d2 = pose_dtw_distance(a, na, b, nb, ndim, &o, &err);
        CHECK_MSG(d1 == got && isinf(d2), "abandon na=%zu nb=%zu w=%zu: %.17g %.17g (want %.17g, inf)", na, nb, w, d1, d2, got);
        /* a loose max_dist prunes part of the matrix (PrunedDTW): the value is still bit-identical */
        o.max_dist = want * (1.0 + ref_uniform());
        double d3 = pose_dtw_distance(a, na, b, nb, ndim, &o, &err);
        CHECK_MSG(d3 == got, "pruned na=%zu nb=%zu w=%zu pen=%g: %.17g vs %.17g", na, nb, w, pen, d3, got);
        o.max_dist = INFINITY;
        /* path: same distance, optimal cost along it, steps valid and inside the window */
        pose_dtw_path p;
        CHECK_INT_EQ(pose_dtw_warping_path(a, na, b, nb, ndim, &o, &p, &err), POSE_OK);
        CHECK(rel_eq(p.distance, want));
        CHECK(rel_eq(sqrt(ref_path_cost(a, b, ndim, p.ij, p.len, pen * pen)), want));
        int ok = p.len >= 1 && p.ij[0] == 0 && p.ij[1] == 0 && p.ij[2 * p.len - 2] == na - 1 && p.ij[2 * p.len - 1] == nb - 1;
        for (size_t k = 1; ok && k < p.len; k++) {
            size_t di = p.ij[2 * k] - p.ij[2 * k - 2], dj = p.ij[2 * k + 1] - p.ij[2 * k - 1];
            ok = di <= 1 && dj <= 1 && di + dj >= 1 && ref_allowed(p.ij[2 * k], p.ij[2 * k + 1], na, nb, w);
        }
        CHECK_MSG(ok, "path invalid na=%zu nb=%zu w=%zu", na, nb, w);
        pose_dtw_path_free(&p);
    }
    CHECK_INT_EQ(bad, 0);
}

static void derivative(void)
{
    double a[50], b[37], da[50], db[37];
    ref_random_walk(a, 50, 1);
    ref_random_walk(b, 37, 1);
    pose_error err = {0};
    CHECK_INT_EQ(pose_dtw_derivative(a, 50, 1, da, &err), POSE_OK);
    CHECK_INT_EQ(pose_dtw_derivative(b, 37, 1, db, &err), POSE_OK);
    /* Keogh-Pazzani on a line of slope 2 is 2 everywhere */
    double line[5] = {1, 3, 5, 7, 9}, dl[5];
    pose_dtw_derivative(line, 5, 1, dl, &err);
    for (int i = 0; i < 5; i++) CHECK_NEAR(dl[i], 2.0, 1e-15);
    /* quadratic x = i^2: d[i] = ((2i-1) + (4i)/2)/2 = (4i-1)/2 at interior i */
    double quad[6] = {0, 1, 4, 9, 16, 25}, dq[6];
    pose_dtw_derivative(quad, 6, 1, dq, &err);
    CHECK_NEAR(dq[2], 3.5, 1e-15);
    CHECK_NEAR(dq[0], dq[1], 0);
    CHECK_NEAR(dq[5], dq[4], 0);
    pose_dtw_options o = pose_dtw_defaults();
    o.derivative = 1;
    o.window = 5;
    double want = sqrt(ref_dtw_cost(da, 50, db, 37, 1, 5, 0));
    CHECK(rel_eq(pose_dtw_distance(a, 50, b, 37, 1, &o, &err), want));
    pose_dtw_path p;
    CHECK_INT_EQ(pose_dtw_warping_path(a, 50, b, 37, 1, &o, &p, &err), POSE_OK);
    CHECK(rel_eq(p.distance, want));
    pose_dtw_path_free(&p);
}

static void bad_inputs(void)
{
    double a[4] = {1, 2, 3, 4}, nan4[4] = {1, NAN, 3, 4};
    pose_error err = {0};
    CHECK(pose_dtw_distance(a, 0, a, 4, 1, NULL, &err) == POSE_EINVAL);
    CHECK(strstr(err.msg, "empty") != NULL);
    CHECK(pose_dtw_distance(a, 4, a, 4, 0, NULL, &err) == POSE_EINVAL);
    CHECK(pose_dtw_distance(a, 4, nan4, 4, 1, NULL, &err) == POSE_EINVAL);
    CHECK(strstr(err.msg, "sample 1") != NULL);
    pose_dtw_options o = pose_dtw_defaults();
    o.derivative = 1;
    CHECK(pose_dtw_distance(a, 2, a, 4, 1, &o, &err) == POSE_EINVAL);
    CHECK(strstr(err.msg, "3 samples") != NULL);
    o = pose_dtw_defaults();
    o.max_dist = -1;
    CHECK(pose_dtw_distance(a, 4, a, 4, 1, &o, &err) == POSE_EINVAL);
    pose_dtw_path p;
    CHECK(pose_dtw_warping_path(a, 4, nan4, 4, 1, NULL, &p, &err) == POSE_EINVAL);
    CHECK(p.ij == NULL && p.len == 0);
    pose_dtw_path_free(&p);
    pose_dtw_path_free(NULL);
    /* abandoned path: ok, empty, inf */
    double b[4] = {10, 10, 10, 10};
    o = pose_dtw_defaults();
    o.max_dist = 1.0;
    CHECK_INT_EQ(pose_dtw_warping_path(a, 4, b, 4, 1, &o, &p, &err), POSE_OK);
    CHECK(p.len == 0 && isinf(p.distance));
    pose_dtw_path_free(&p);
    /* single samples and identical series */
    CHECK_NEAR(pose_dtw_distance(a, 1, b, 1, 1, NULL, &err), 9.0, 0);
    CHECK_NEAR(pose_dtw_distance(a, 4, a, 4, 1, NULL, &err), 0.0, 0);
}

int main(void)
{
    differential();
    derivative();
    bad_inputs();
    return check_report();
}
