/*
 * test_dtw_stream.c - subsequence DTW finds a planted (time-warped, noisy) copy of the query in a long
 * series and agrees with brute force over all (start, end) ranges on small cases; SPRING reports each
 * planted occurrence once, in place, and nothing in the background; bad inputs give errors.
 */
#include "check.h"
#include "dtw_ref.h"
#include "pose.h"

#define PI 3.14159265358979323846

/* the query shape: one period of a sine of amplitude 3, length n, ndim copies (phase per dim) */
static void shape(double *x, size_t n, size_t ndim)
{
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < ndim; d++)
            x[i * ndim + d] = 3.0 * sin(2 * PI * (double)i / ((double)n - 1) + (double)d * 0.7);
}

static double noise(void) { return (ref_uniform() - 0.5) * 0.2; }

static void subsequence(void)
{
    enum { NQ = 40, NS = 600 };
    double q[NQ], s[NS];
    shape(q, NQ, 1);
    for (size_t j = 0; j < NS; j++) s[j] = noise() + 5.0;
    /* plant a copy stretched to 55 samples at 300..354 */
    double planted[55];
    shape(planted, 55, 1);
    for (size_t j = 0; j < 55; j++) s[300 + j] = planted[j] + noise();
    size_t st, en;
    double d;
    pose_error err = {0};
    CHECK_INT_EQ(pose_dtw_subsequence(q, NQ, s, NS, 1, &st, &en, &d, &err), POSE_OK);
    CHECK_MSG(st >= 298 && st <= 302 && en >= 352 && en <= 356, "found [%zu, %zu], planted [300, 354]", st, en);
    CHECK(d < 2.0);
    /* brute force over all ranges on small random cases: same distance, and the range gives it */
    for (int it = 0; it < 200; it++) {
        double a[8], b[30];
        size_t na = 1 + (size_t)(ref_uniform() * 7), nb = 1 + (size_t)(ref_uniform() * 29);
        ref_random_walk(a, na, 1);
        ref_random_walk(b, nb, 1);
        double best = INFINITY;
        for (size_t x = 0; x < nb; x++)
            for (size_t y = x; y < nb; y++) {
                double c = ref_dtw_cost(a, na, b + x, y - x + 1, 1, 0, 0);
                if (c < best) best = c;
            }
        CHECK_INT_EQ(pose_dtw_subsequence(a, na, b, nb, 1, &st, &en, &d, &err), POSE_OK);
        CHECK_MSG(fabs(d - sqrt(best)) <= 1e-12 * (1 + d), "subsequence %.17g vs brute %.17g", d, sqrt(best));
        CHECK(st <= en && en < nb);
        if (st <= en && en < nb)
            CHECK(fabs(sqrt(ref_dtw_cost(a, na, b + st, en - st + 1, 1, 0, 0)) - d) <= 1e-12 * (1 + d));
    }
    double nanq[2] = {0, NAN};
    CHECK(pose_dtw_subsequence(nanq, 2, s, NS, 1, &st, &en, &d, &err) == POSE_EINVAL);
    CHECK(pose_dtw_subsequence(q, 0, s, NS, 1, &st, &en, &d, &err) == POSE_EINVAL);
}

static void spring(size_t ndim)
{
    enum { NQ = 40, NS = 3000 };
    static double q[NQ * 3], s[NS * 3], tmp[80 * 3];
    shape(q, NQ, ndim);
    for (size_t j = 0; j < NS * ndim; j++) s[j] = noise();
    /* four occurrences with different speeds */
    size_t at[4] = {200, 900, 1700, 2500}, len[4] = {40, 30, 60, 75};
    for (int k = 0; k < 4; k++) {
        shape(tmp, len[k], ndim);
        for (size_t j = 0; j < len[k] * ndim; j++) s[at[k] * ndim + j] = tmp[j] + noise();
    }
    pose_error err = {0};
    pose_spring_t *sp = pose_spring_create(q, NQ, ndim, 3.0 * sqrt((double)ndim), &err);
    CHECK(sp != NULL);
    if (!sp) return;
    pose_spring_match m[16];
    int nm = 0;
    for (size_t t = 0; t < NS; t++)
        if (pose_spring_update(sp, s + t * ndim, &m[nm]) && nm < 15) {
            /* reported soon after the occurrence ends: the matcher is online */
            CHECK_MSG(t - m[nm].end <= NQ * 2, "match ending at %llu reported at %zu", (unsigned long long)m[nm].end, t);
            nm++;
        }
    if (pose_spring_flush(sp, &m[nm]) && nm < 15) nm++;
    CHECK_INT_EQ(nm, 4);
    for (int k = 0; k < nm && k < 4; k++) {
        long ds = (long)m[k].start - (long)at[k], de = (long)m[k].end - (long)(at[k] + len[k] - 1);
        CHECK_MSG(labs(ds) <= 2 && labs(de) <= 2, "ndim %zu occurrence %d: found [%llu, %llu], planted [%zu, %zu] (d %.3f)",
                  ndim, k, (unsigned long long)m[k].start, (unsigned long long)m[k].end, at[k], at[k] + len[k] - 1,
                  m[k].distance);
        CHECK(m[k].distance <= 3.0 * sqrt((double)ndim));
    }
    CHECK_INT_EQ(pose_spring_flush(sp, &m[0]), 0);
    double bad[3] = {NAN, NAN, NAN};
    CHECK_INT_EQ(pose_spring_update(sp, bad, &m[0]), POSE_EINVAL);
    pose_spring_free(sp);
    pose_spring_free(NULL);
    CHECK(pose_spring_create(q, NQ, ndim, 0.0, &err) == NULL);
    CHECK(pose_spring_create(q, 0, ndim, 1.0, &err) == NULL);
}

int main(void)
{
    subsequence();
    spring(1);
    spring(3);
    return check_report();
}
