/*
 * dtw_dba.c - DTW barycenter averaging (Petitjean, Ketterlin, Gancarski, Pattern Recognition 2011):
 * start from the medoid, then repeat: align every series to the template with DTW and replace each
 * template sample by the mean of the samples aligned to it. Multivariate, lengths may differ.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtw_internal.h"

pose_dba_options pose_dba_defaults(void)
{
    pose_dba_options o = {0, 0, 20, 1e-6};
    return o;
}

/* Linear resampling of x [n][ndim] to out [m][ndim]. */
static void resample(const double *x, size_t n, size_t ndim, double *out, size_t m)
{
    for (size_t k = 0; k < m; k++) {
        double pos = m == 1 ? 0.0 : (double)k * (double)(n - 1) / (double)(m - 1);
        size_t i = (size_t)pos;
        if (i >= n - 1) i = n - 1;
        double f = pos - (double)i;
        for (size_t d = 0; d < ndim; d++) {
            double a = x[i * ndim + d], b = i + 1 < n ? x[(i + 1) * ndim + d] : a;
            out[k * ndim + d] = a + (b - a) * f;
        }
    }
}

int pose_dba_average(const double *const *series, const size_t *lens, size_t count, size_t ndim,
                     const pose_dba_options *opt, double **out, size_t *out_len, pose_error *err)
{
    pose_dba_options o = opt ? *opt : pose_dba_defaults();
    *out = NULL;
    *out_len = 0;
    if (count == 0 || ndim == 0) return pose__dtw_fail(err, POSE_EINVAL, "dba: no series (count %zu, ndim %zu)", count, ndim);
    size_t maxlen = 0;
    for (size_t k = 0; k < count; k++) {
        if (lens[k] == 0) return pose__dtw_fail(err, POSE_EINVAL, "dba: series %zu is empty", k);
        char what[32];
        snprintf(what, sizeof what, "%zu", k);
        int rc = pose__dtw_check_finite(series[k], lens[k], ndim, what, err);
        if (rc < 0) return rc;
        if (lens[k] > maxlen) maxlen = lens[k];
    }
    pose_dtw_options dopt = pose_dtw_defaults();
    dopt.window = o.window;
    int rc = POSE_ENOMEM;
    double *work = malloc(2 * (maxlen + 1) * sizeof *work), *tmpl = NULL, *sums = NULL;
    size_t *cnt = NULL;
    if (!work) goto nomem;

    /* medoid: least sum of squared DTW distances to the others (O(count^2) DTWs) */
    size_t medoid = 0;
    if (count > 2) {
        double best = INFINITY;
        for (size_t k = 0; k < count; k++) {
            double s = 0.0;
            for (size_t l = 0; l < count && s < best; l++)
                if (l != k) {
                    double d = pose_dtw_distance_ws(series[k], lens[k], series[l], lens[l], ndim, &dopt, work, NULL);
                    s += d * d;
                }
            if (s < best) {
                best = s;
                medoid = k;
            }
        }
    }
    size_t L = o.length ? o.length : lens[medoid];
    tmpl = malloc(L * ndim * sizeof *tmpl);
    sums = malloc(L * ndim * sizeof *sums);
    cnt = malloc(L * sizeof *cnt);
    if (!tmpl || !sums || !cnt) goto nomem;
    resample(series[medoid], lens[medoid], ndim, tmpl, L);

    double prev_cost = INFINITY;
    for (int it = 0; it < o.max_iter; it++) {
        memset(sums, 0, L * ndim * sizeof *sums);
        memset(cnt, 0, L * sizeof *cnt);
        double cost = 0.0;
        for (size_t k = 0; k < count; k++) {
            pose_dtw_path p;
            rc = pose_dtw_warping_path(tmpl, L, series[k], lens[k], ndim, &dopt, &p, err);
            if (rc < 0) goto fail;
            cost += p.distance * p.distance;
            for (size_t c = 0; c < p.len; c++) {
                size_t i = p.ij[2 * c], j = p.ij[2 * c + 1];
                for (size_t d = 0; d < ndim; d++) sums[i * ndim + d] += series[k][j * ndim + d];
                cnt[i]++;
            }
            pose_dtw_path_free(&p);
        }
        for (size_t i = 0; i < L; i++) /* every template sample is on every path: cnt[i] >= count */
            for (size_t d = 0; d < ndim; d++) tmpl[i * ndim + d] = sums[i * ndim + d] / (double)cnt[i];
        if (isfinite(prev_cost) && prev_cost - cost <= o.tol * prev_cost) break;
        prev_cost = cost;
    }
    free(work);
    free(sums);
    free(cnt);
    *out = tmpl;
    *out_len = L;
    return POSE_OK;
nomem:
    rc = pose__dtw_fail(err, POSE_ENOMEM, "dba: out of memory");
fail:
    free(work);
    free(tmpl);
    free(sums);
    free(cnt);
    return rc;
}
