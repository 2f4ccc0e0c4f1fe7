/*
 * test_dtw_lb.c - lower bounds never above the true DTW distance (property test on random series,
 * lengths and windows), the envelope equals a naive one, and 1-vs-N search gives the brute-force
 * answer (reference twin) with every flag combination and with max_dist.
 */
#include "check.h"
#include "dtw_ref.h"
#include "pose.h"

static void lower_bounds(void)
{
    double a[80], b[80], up[80], lo[80];
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        size_t na = 1 + (size_t)(ref_uniform() * 60), nb = 1 + (size_t)(ref_uniform() * 60);
        if (ref_uniform() < 0.5) nb = na;
        size_t w = ref_uniform() < 0.2 ? 0 : 1 + (size_t)(ref_uniform() * 15);
        ref_random_walk(a, na, 1);
        ref_random_walk(b, nb, 1);
        double d = sqrt(ref_dtw_cost(a, na, b, nb, 1, w, 0));
        double kim = pose_dtw_lb_kim(a, na, b, nb, 1);
        pose_error err = {0};
        CHECK_INT_EQ(pose_dtw_envelope(a, na, nb, w, up, lo, &err), POSE_OK);
        /* naive envelope */
        int env_ok = 1;
        for (size_t j = 0; j < nb; j++) {
            double u = -INFINITY, l = INFINITY;
            for (size_t i = 0; i < na; i++)
                if (ref_allowed(i, j, na, nb, w)) {
                    u = a[i] > u ? a[i] : u;
                    l = a[i] < l ? a[i] : l;
                }
            env_ok &= up[j] == u && lo[j] == l;
        }
        CHECK_MSG(env_ok, "envelope differs from the naive one (na=%zu nb=%zu w=%zu)", na, nb, w);
        double keogh = pose_dtw_lb_keogh(b, nb, up, lo, NULL);
        double tol = 1e-12 * d;
        if (kim > d + tol || keogh > d + tol) {
            if (bad++ < 5) CHECK_MSG(0, "na=%zu nb=%zu w=%zu: kim %.17g keogh %.17g > dtw %.17g", na, nb, w, kim, keogh, d);
        }
    }
    CHECK_INT_EQ(bad, 0);
    /* multivariate LB_Kim */
    double x[30 * 3], y[25 * 3];
    for (int it = 0; it < 200; it++) {
        ref_random_walk(x, 30, 3);
        ref_random_walk(y, 25, 3);
        CHECK(pose_dtw_lb_kim(x, 30, y, 25, 3) <= sqrt(ref_dtw_cost(x, 30, y, 25, 3, 0, 0)) * (1 + 1e-12));
    }
    /* LB_Keogh is tight for w = 1 on equal lengths (it is the Euclidean distance) */
    ref_random_walk(a, 40, 1);
    ref_random_walk(b, 40, 1);
    pose_dtw_envelope(a, 40, 40, 1, up, lo, NULL);
    CHECK_NEAR(pose_dtw_lb_keogh(b, 40, up, lo, NULL), sqrt(ref_dtw_cost(a, 40, b, 40, 1, 1, 0)), 1e-9);
}

static void search(void)
{
    enum { N = 300, L = 48 };
    static double cands[N * L];
    double q[L + 8];
    for (int round = 0; round < 8; round++) {
        size_t nq = round % 2 ? L + 5 : L;
        ref_random_walk(q, nq, 1);
        for (size_t k = 0; k < N; k++) ref_random_walk(cands + k * L, L, 1);
        size_t w = round < 2 ? 0 : (size_t)(1 + round * 2);
        size_t want = N;
        double wantc = INFINITY;
        for (size_t k = 0; k < N; k++) {
            double c = ref_dtw_cost(cands + k * L, L, q, nq, 1, w, 0);
            if (c < wantc) {
                wantc = c;
                want = k;
            }
        }
        pose_dtw_options o = pose_dtw_defaults();
        o.window = w;
        for (int flags = 0; flags < 4; flags++) {
            size_t got;
            double d;
            pose_dtw_search_stats st;
            pose_error err = {0};
            CHECK_INT_EQ(pose_dtw_search(q, nq, cands, N, L, &o, flags, &got, &d, &st, &err), POSE_OK);
            CHECK_MSG(got == want && fabs(d - sqrt(wantc)) <= 1e-12 * d, "round %d flags %d: %zu %.17g vs %zu %.17g", round,
                      flags, got, d, want, sqrt(wantc));
            CHECK_INT_EQ(st.candidates, N);
            if (flags == 3) CHECK(st.full_dtw < N); /* the bounds did prune something */
        }
        /* max_dist just below the best: nothing; just above: the best */
        o.max_dist = sqrt(wantc) * 0.999;
        size_t got;
        double d;
        CHECK_INT_EQ(pose_dtw_search(q, nq, cands, N, L, &o, 3, &got, &d, NULL, NULL), POSE_OK);
        CHECK(got == N && isinf(d));
        o.max_dist = sqrt(wantc) * 1.001;
        CHECK_INT_EQ(pose_dtw_search(q, nq, cands, N, L, &o, 3, &got, &d, NULL, NULL), POSE_OK);
        CHECK(got == want);
        CHECK_INT_EQ(pose_dtw_search(q, nq, cands, N, L, &o, 0, &got, &d, NULL, NULL), POSE_OK);
        CHECK(got == want);
    }
    pose_dtw_options o = pose_dtw_defaults();
    o.derivative = 1;
    size_t got;
    double d;
    pose_error err = {0};
    CHECK_INT_EQ(pose_dtw_search(q, L, cands, N, L, &o, 3, &got, &d, NULL, &err), POSE_EUNSUPPORTED);
}

int main(void)
{
    lower_bounds();
    search();
    return check_report();
}
