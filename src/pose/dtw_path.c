/*
 * dtw_path.c - DTW with the warping path: keeps the band of the accumulated-cost matrix (row i holds
 * columns [lo_i, hi_i]), then backtracks from the end cell with dtaidistance's tie-break: diagonal,
 * then (i, j-1), then (i-1, j).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtw_internal.h"

typedef struct band {
    size_t na, nb, w;
    size_t *lo, *hi, *base; /* per row */
    double *D;
} band;

static double cell(const band *bd, size_t i, size_t j)
{
    if (j < bd->lo[i] || j > bd->hi[i]) return INFINITY;
    return bd->D[bd->base[i] + (j - bd->lo[i])];
}

void pose_dtw_path_free(pose_dtw_path *p)
{
    if (!p) return;
    free(p->ij);
    memset(p, 0, sizeof *p);
}

int pose_dtw_warping_path(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                          const pose_dtw_options *opt, pose_dtw_path *out, pose_error *err)
{
    pose_dtw_options o = opt ? *opt : pose_dtw_defaults();
    memset(out, 0, sizeof *out);
    out->distance = INFINITY;
    int rc;
    if (na == 0 || nb == 0 || ndim == 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: empty series (lengths %zu and %zu, ndim %zu)", na, nb, ndim);
    if (isnan(o.max_dist) || o.max_dist < 0 || !isfinite(o.penalty) || o.penalty < 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: max_dist and penalty must be >= 0");
    if ((rc = pose__dtw_check_finite(a, na, ndim, "a", err)) < 0) return rc;
    if ((rc = pose__dtw_check_finite(b, nb, ndim, "b", err)) < 0) return rc;

    band bd = {na, nb, o.window, NULL, NULL, NULL, NULL};
    double *da = NULL;
    rc = POSE_ENOMEM;
    if (o.derivative) {
        if (na < 3 || nb < 3) {
            rc = pose__dtw_fail(err, POSE_EINVAL, "dtw: derivative DTW needs at least 3 samples per series (lengths %zu and %zu)", na, nb);
            goto fail;
        }
        if (!(da = malloc((na + nb) * ndim * sizeof *da))) goto nomem;
        pose_dtw_derivative(a, na, ndim, da, NULL);
        pose_dtw_derivative(b, nb, ndim, da + na * ndim, NULL);
        a = da;
        b = da + na * ndim;
    }
    bd.lo = malloc(na * sizeof *bd.lo);
    bd.hi = malloc(na * sizeof *bd.hi);
    bd.base = malloc(na * sizeof *bd.base);
    if (!bd.lo || !bd.hi || !bd.base) goto nomem;
    size_t total = 0;
    for (size_t i = 0; i < na; i++) {
        pose__dtw_band(i, na, nb, o.window, &bd.lo[i], &bd.hi[i]);
        bd.base[i] = total;
        size_t width = bd.hi[i] - bd.lo[i] + 1;
        if (total > SIZE_MAX / sizeof(double) - width) goto nomem;
        total += width;
    }
    if (!(bd.D = malloc(total * sizeof *bd.D))) goto nomem;

    double pen2 = o.penalty * o.penalty;
    double thresh = isinf(o.max_dist) ? INFINITY : o.max_dist * o.max_dist;
    for (size_t i = 0; i < na; i++) {
        double rmin = INFINITY;
        double *row = bd.D + bd.base[i];
        for (size_t j = bd.lo[i]; j <= bd.hi[i]; j++) {
            double c = 0.0;
            for (size_t d = 0; d < ndim; d++) {
                double diff = a[i * ndim + d] - b[j * ndim + d];
                c += diff * diff;
            }
            double m;
            if (i == 0 && j == 0) {
                m = 0.0;
            } else {
                double diag = (i > 0 && j > 0) ? cell(&bd, i - 1, j - 1) : INFINITY;
                double up = i > 0 ? cell(&bd, i - 1, j) + pen2 : INFINITY;
                double left = j > bd.lo[i] ? row[j - 1 - bd.lo[i]] + pen2 : INFINITY;
                m = diag < up ? diag : up;
                m = m < left ? m : left;
            }
            row[j - bd.lo[i]] = c + m;
            if (c + m < rmin) rmin = c + m;
        }
        if (rmin > thresh) {
            rc = POSE_OK; /* abandoned: distance inf, empty path */
            goto done;
        }
    }
    double cost = cell(&bd, na - 1, nb - 1);
    if (cost > thresh) {
        rc = POSE_OK;
        goto done;
    }
    size_t cap = na + nb - 1, len = 0;
    if (!(out->ij = malloc(2 * cap * sizeof *out->ij))) goto nomem;
    size_t i = na - 1, j = nb - 1;
    for (;;) {
        out->ij[2 * len] = i;
        out->ij[2 * len + 1] = j;
        len++;
        if (i == 0 && j == 0) break;
        if (i == 0) {
            j--;
        } else if (j == 0) {
            i--;
        } else {
            double diag = cell(&bd, i - 1, j - 1);
            double left = cell(&bd, i, j - 1) + pen2, up = cell(&bd, i - 1, j) + pen2;
            if (diag <= left && diag <= up) {
                i--;
                j--;
            } else if (left <= up) {
                j--;
            } else {
                i--;
            }
        }
    }
    for (size_t k = 0; k < len / 2; k++) { /* reverse into ascending order */
        size_t t0 = out->ij[2 * k], t1 = out->ij[2 * k + 1];
        out->ij[2 * k] = out->ij[2 * (len - 1 - k)];
        out->ij[2 * k + 1] = out->ij[2 * (len - 1 - k) + 1];
        out->ij[2 * (len - 1 - k)] = t0;
        out->ij[2 * (len - 1 - k) + 1] = t1;
    }
    out->len = len;
    out->distance = sqrt(cost);
    rc = POSE_OK;
    goto done;
nomem:
    rc = pose__dtw_fail(err, POSE_ENOMEM, "dtw: out of memory for the %zu x %zu path matrix", na, nb);
fail:
    pose_dtw_path_free(out);
    out->distance = INFINITY;
done:
    free(da);
    free(bd.lo);
    free(bd.hi);
    free(bd.base);
    free(bd.D);
    return rc;
}
