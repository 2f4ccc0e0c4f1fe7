/*
 * test_dtw_dba.c - DBA on time-shifted, differently long copies of a shape recovers the shape: the
 * template's DTW distance to the shape is a small fraction of the plain pointwise mean's (which
 * smears the peaks), and its peak height is within 5 %; 1-D and 3-D; bad inputs give errors.
 */
#include "check.h"
#include "dtw_ref.h"
#include "pose.h"

#define PI 3.14159265358979323846

/* two sharp bumps (a "rep" with two phases) in ndim dims, starting after pad zeros */
static void shape_at(double *x, size_t n, size_t ndim, size_t pad, size_t width)
{
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < ndim; d++) {
            double t = ((double)i - (double)pad) / (double)width;
            double v = 0;
            if (t >= 0 && t <= 1) v = ((double)d + 1.0) * (sin(PI * t) * sin(PI * t) * (t < 0.5 ? 4.0 : -2.0));
            x[i * ndim + d] = v;
        }
}

static void run(size_t ndim)
{
    enum { K = 8, W = 40 };
    double *series[K];
    size_t lens[K];
    for (int k = 0; k < K; k++) {
        size_t pad = (size_t)(3 * k), tail = (size_t)(10 + (k * 7) % 13);
        size_t width = (size_t)(W - 6 + (k * 5) % 13); /* different speeds too */
        lens[k] = pad + width + tail;
        series[k] = malloc(lens[k] * ndim * sizeof(double));
        shape_at(series[k], lens[k], ndim, pad, width);
        for (size_t j = 0; j < lens[k] * ndim; j++) series[k][j] += (ref_uniform() - 0.5) * 0.05;
    }
    size_t L = 70;
    double *truth = malloc(L * ndim * sizeof(double));
    shape_at(truth, L, ndim, 10, W);
    /* the plain pointwise mean (on the common prefix) as the naive average */
    double *mean = calloc(L * ndim, sizeof(double));
    for (size_t i = 0; i < L; i++)
        for (int k = 0; k < K; k++)
            for (size_t d = 0; d < ndim; d++)
                mean[i * ndim + d] += (i < lens[k] ? series[k][i * ndim + d] : 0.0) / K;

    pose_dba_options o = pose_dba_defaults();
    o.length = L;
    double *tmpl;
    size_t tl;
    pose_error err = {0};
    CHECK_INT_EQ(pose_dba_average((const double *const *)series, lens, K, ndim, &o, &tmpl, &tl, &err), POSE_OK);
    CHECK_INT_EQ(tl, L);
    if (tmpl) {
        double dt = sqrt(ref_dtw_cost(tmpl, L, truth, L, ndim, 0, 0));
        double dm = sqrt(ref_dtw_cost(mean, L, truth, L, ndim, 0, 0));
        double peak_t = 0, peak_s = 0, peak_m = 0;
        for (size_t i = 0; i < L; i++) {
            size_t d = ndim - 1;
            peak_t = fmax(peak_t, tmpl[i * ndim + d]);
            peak_s = fmax(peak_s, truth[i * ndim + d]);
            peak_m = fmax(peak_m, mean[i * ndim + d]);
        }
        printf("ndim %zu: DTW(template, shape) %.3f, DTW(pointwise mean, shape) %.3f; peaks %.3f / %.3f / mean %.3f\n", ndim,
               dt, dm, peak_t, peak_s, peak_m);
        CHECK_MSG(dt < 0.25 * dm, "template %.3f vs pointwise mean %.3f", dt, dm);
        CHECK_MSG(fabs(peak_t - peak_s) < 0.05 * peak_s, "peak %.3f vs %.3f", peak_t, peak_s);
        free(tmpl);
    }
    /* default length: the medoid's */
    o.length = 0;
    CHECK_INT_EQ(pose_dba_average((const double *const *)series, lens, K, ndim, &o, &tmpl, &tl, &err), POSE_OK);
    int found = 0;
    for (int k = 0; k < K; k++) found |= tl == lens[k];
    CHECK(found);
    free(tmpl);
    for (int k = 0; k < K; k++) free(series[k]);
    free(truth);
    free(mean);
}

int main(void)
{
    run(1);
    run(3);
    double a[3] = {1, NAN, 2};
    const double *s[1] = {a};
    size_t l[1] = {3};
    double *t;
    size_t tl;
    pose_error err = {0};
    CHECK(pose_dba_average(s, l, 1, 1, NULL, &t, &tl, &err) == POSE_EINVAL && t == NULL);
    CHECK(strstr(err.msg, "sample 1") != NULL);
    CHECK(pose_dba_average(s, l, 0, 1, NULL, &t, &tl, &err) == POSE_EINVAL);
    l[0] = 0;
    CHECK(pose_dba_average(s, l, 1, 1, NULL, &t, &tl, &err) == POSE_EINVAL);
    return check_report();
}
