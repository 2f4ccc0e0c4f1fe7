/*
 * dtw.c - DTW distance: the banded two-row kernel (1-D, 3-D and any ndim specialisations), options,
 * the Keogh-Pazzani derivative and the public distance entry points. Definitions are in pose.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtw_internal.h"

pose_dtw_options pose_dtw_defaults(void)
{
    pose_dtw_options o = {0, INFINITY, 0.0, 0};
    return o;
}

int pose__dtw_check_finite(const double *x, size_t n, size_t ndim, const char *what, pose_error *err)
{
    /* fast pass: OR of "exponent all ones" over every value (vectorisable), then locate if needed */
    const uint64_t exp = 0x7ff0000000000000ULL;
    uint64_t bad = 0;
    for (size_t k = 0; k < n * ndim; k++) {
        uint64_t u;
        memcpy(&u, &x[k], sizeof u);
        bad |= (uint64_t)((u & exp) == exp);
    }
    if (!bad) return POSE_OK;
    for (size_t k = 0; k < n * ndim; k++)
        if (!isfinite(x[k]))
            return pose__dtw_fail(err, POSE_EINVAL, "dtw: series %s: sample %zu, dimension %zu is not a finite number",
                                  what, k / ndim, k % ndim);
    return POSE_OK;
}

/* Squared Euclidean distance of two samples. The explicit small cases matter: gcc -O2 does not unroll
 * the constant-trip loop, and the loop's branch doubles the cost of a 3-D cell. The sums are formed
 * in the loop's order, so every ndim gives the same bits as the generic loop. */
static inline __attribute__((always_inline)) double sqdist(const double *restrict x,
                                                           const double *restrict y, size_t ndim)
{
    if (ndim == 1) {
        double d0 = x[0] - y[0];
        return d0 * d0;
    }
    if (ndim == 2) {
        double d0 = x[0] - y[0], d1 = x[1] - y[1];
        return d0 * d0 + d1 * d1;
    }
    if (ndim == 3) {
        double d0 = x[0] - y[0], d1 = x[1] - y[1], d2 = x[2] - y[2];
        return d0 * d0 + d1 * d1 + d2 * d2;
    }
    double c = 0.0;
    for (size_t d = 0; d < ndim; d++) {
        double diff = x[d] - y[d];
        c += diff * diff;
    }
    return c;
}

/* One row of the DP over columns [lo, hi]. prev/cur are indexed by column + 1; cur[lo] holds the
 * INFINITY sentinel of column lo-1. The loop is branch-free (min via compare-select); ndim and
 * use_pen are compile-time constants after inlining. Returns the row's minimum. */
static inline __attribute__((always_inline)) double dtw_row(const double *restrict ai,
                                                            const double *restrict b, size_t ndim,
                                                            size_t lo, size_t hi,
                                                            const double *restrict prev,
                                                            double *restrict cur, double pen2,
                                                            int use_pen)
{
    double left = cur[lo];
    double rmin = INFINITY;
    for (size_t j = lo; j <= hi; j++) {
        double c = sqdist(ai, b + j * ndim, ndim);
        double diag = prev[j], up = prev[j + 1], m;
        if (use_pen) {
            double u = up + pen2, l = left + pen2;
            m = diag < u ? diag : u;
            m = m < l ? m : l;
        } else {
            m = diag < up ? diag : up;
            m = m < left ? m : left;
        }
        left = c + m;
        cur[j + 1] = left;
        rmin = rmin < left ? rmin : left;
    }
    return rmin;
}

/* One cell: cost(a_i, b_j) + min(diag, up + p2, left + p2), branch-free (compare-select). */
static inline __attribute__((always_inline)) double dtw_cell(const double *restrict ai,
                                                             const double *restrict bj, size_t ndim,
                                                             double diag, double up, double left,
                                                             double pen2, int use_pen)
{
    double c = sqdist(ai, bj, ndim);
    double m;
    if (use_pen) {
        double u = up + pen2, l = left + pen2;
        m = diag < u ? diag : u;
        m = m < l ? m : l;
    } else {
        m = diag < up ? diag : up;
        m = m < left ? m : left;
    }
    return c + m;
}

/* The unpruned DP (no threshold). Rows go in pairs: cell (i, j) and cell (i+1, j-1) are independent,
 * so the two dependency chains (each cell needs its left neighbour) overlap in the pipeline, which
 * nearly doubles the speed of this latency-bound loop. Row i+1 is written into the buffer of row i-1
 * just behind row i's reads of it, so two rows of memory still suffice. */
static inline __attribute__((always_inline)) double dtw_cost_t(const double *a, size_t na,
                                                               const double *b, size_t nb,
                                                               size_t ndim, size_t w, double pen2,
                                                               int use_pen, double *work)
{
    double *prev = work, *cur = work + nb + 1;
    for (size_t j = 0; j <= nb; j++) prev[j] = INFINITY;
    prev[0] = 0.0; /* the virtual cell (-1,-1) */
    size_t i = 0;
    for (; i + 1 < na; i += 2) {
        size_t lo0, hi0, lo1, hi1;
        pose__dtw_band(i, na, nb, w, &lo0, &hi0);
        pose__dtw_band(i + 1, na, nb, w, &lo1, &hi1);
        const double *a0 = a + i * ndim, *a1 = a0 + ndim;
        double l0 = INFINITY, l1 = INFINITY;
        cur[lo0] = INFINITY;
        size_t j = lo0, pe = lo1 < hi0 ? lo1 : hi0;
        for (; j <= pe; j++) { /* row i alone up to row i+1's first column */
            l0 = dtw_cell(a0, b + j * ndim, ndim, prev[j], prev[j + 1], l0, pen2, use_pen);
            cur[j + 1] = l0;
        }
        prev[lo1] = INFINITY; /* row i+1's left border (row i has read it) */
        for (j = lo1 + 1; j <= hi0; j++) { /* both rows: (i, j) and (i+1, j-1) */
            l0 = dtw_cell(a0, b + j * ndim, ndim, prev[j], prev[j + 1], l0, pen2, use_pen);
            cur[j + 1] = l0;
            l1 = dtw_cell(a1, b + (j - 1) * ndim, ndim, cur[j - 1], cur[j], l1, pen2, use_pen);
            prev[j] = l1;
        }
        if (hi0 + 2 <= nb) cur[hi0 + 2] = INFINITY;
        for (size_t k = lo1 > hi0 ? lo1 : hi0; k <= hi1; k++) { /* row i+1 alone to its end */
            l1 = dtw_cell(a1, b + k * ndim, ndim, cur[k], cur[k + 1], l1, pen2, use_pen);
            prev[k + 1] = l1;
        }
        if (hi1 + 2 <= nb) prev[hi1 + 2] = INFINITY;
    }
    if (i < na) { /* an odd last row */
        size_t lo, hi;
        pose__dtw_band(i, na, nb, w, &lo, &hi);
        cur[lo] = INFINITY;
        dtw_row(a + i * ndim, b, ndim, lo, hi, prev, cur, pen2, use_pen);
        prev = cur;
    }
    return prev[nb];
}

/* The live index range [*sc, *ec] of row values r[from..to] under thr; 0 when none is live. */
static inline int live_range(const double *r, size_t from, size_t to, double thr, size_t *sc, size_t *ec)
{
    size_t k = from;
    while (k <= to && !(r[k] <= thr)) k++;
    if (k > to) return 0;
    *sc = k;
    size_t e = to;
    while (!(r[e] <= thr)) e--;
    *ec = e;
    return 1;
}

/* The same DP with a finite threshold, pruned as in PrunedDTW (Silva & Batista 2016): a cell whose
 * cost plus the lower bound of the rows still to come (cb) exceeds thresh is dead, since no path
 * through it can end within thresh. A row starts at the first column with a live neighbour in the
 * row above and, past the columns the row above computed, continues from the left only while live.
 * Rows go in pairs as in dtw_cost_t; the second row of a pair starts where the first one starts
 * (a superset of the live region: extra cells are computed from real values, never stale ones).
 * The optimal path, when within thresh, only crosses live cells, and those get exactly the values of
 * the unpruned DP. Indices below are column + 1, as in the rows; live ranges are found after each
 * pair so that the inner loops stay branch-free. */
static inline __attribute__((always_inline)) double dtw_cost_pruned_t(const double *a, size_t na,
                                                                      const double *b, size_t nb,
                                                                      size_t ndim, size_t w, double pen2,
                                                                      int use_pen, double thresh,
                                                                      const double *cb, double *work)
{
    double *prev = work, *cur = work + nb + 1;
    prev[0] = 0.0; /* the virtual row: the first row reads only indices 0 and 1 of it */
    prev[1] = INFINITY;
    size_t sc = 0, ec = 0, end = 0; /* live indices of the row above; end: its last computed index */
    size_t i = 0;
    for (; i + 1 < na; i += 2) {
        size_t lo0, hi0, lo1, hi1;
        pose__dtw_band(i, na, nb, w, &lo0, &hi0);
        pose__dtw_band(i + 1, na, nb, w, &lo1, &hi1);
        double thr0 = thresh - (cb ? cb[i + 1] : 0.0), thr1 = thresh - (cb ? cb[i + 2] : 0.0);
        const double *a0 = a + i * ndim, *a1 = a0 + ndim;
        size_t js0 = sc > 0 && sc - 1 > lo0 ? sc - 1 : lo0; /* row i: first column */
        size_t je0 = ec < hi0 ? ec : hi0;                   /* row i: last column with a neighbour above */
        size_t js1 = lo1 > js0 ? lo1 : js0;                 /* row i+1: first column */
        double l0 = INFINITY, l1 = INFINITY;
        cur[js0] = INFINITY;
        size_t j = js0, pe = je0 < js1 ? je0 : js1;
        for (; j <= pe; j++) { /* row i alone up to row i+1's first column */
            l0 = dtw_cell(a0, b + j * ndim, ndim, prev[j], prev[j + 1], l0, pen2, use_pen);
            cur[j + 1] = l0;
        }
        prev[js1] = INFINITY; /* row i+1's left border (row i has read it) */
        for (; j <= je0; j++) { /* both rows: (i, j) and (i+1, j-1) */
            l0 = dtw_cell(a0, b + j * ndim, ndim, prev[j], prev[j + 1], l0, pen2, use_pen);
            cur[j + 1] = l0;
            l1 = dtw_cell(a1, b + (j - 1) * ndim, ndim, cur[j - 1], cur[j], l1, pen2, use_pen);
            prev[j] = l1;
        }
        for (; j <= hi0 && l0 <= thr0; j++) { /* row i past the row above: from the left only */
            double c = sqdist(a0, b + j * ndim, ndim);
            l0 = c + (use_pen ? l0 + pen2 : l0); /* same rounding as the full recurrence */
            cur[j + 1] = l0;
        }
        size_t e0 = j; /* row i holds indices [js0 + 1, e0] */
        if (e0 + 1 <= nb) cur[e0 + 1] = INFINITY;
        size_t k = js1 < je0 ? je0 : js1, ke = hi1 < e0 ? hi1 : e0;
        for (; k <= ke; k++) { /* row i+1 up to the end of row i */
            l1 = dtw_cell(a1, b + k * ndim, ndim, cur[k], cur[k + 1], l1, pen2, use_pen);
            prev[k + 1] = l1;
        }
        for (; k <= hi1 && l1 <= thr1; k++) {
            double c = sqdist(a1, b + k * ndim, ndim);
            l1 = c + (use_pen ? l1 + pen2 : l1);
            prev[k + 1] = l1;
        }
        if (!live_range(prev, js1 + 1, k, thr1, &sc, &ec)) return INFINITY;
        end = k; /* row i+1 holds indices [js1 + 1, k], in prev */
        if (k + 1 <= nb) prev[k + 1] = INFINITY;
    }
    if (i < na) { /* an odd last row */
        size_t lo, hi;
        pose__dtw_band(i, na, nb, w, &lo, &hi);
        const double *ai = a + i * ndim;
        size_t js = sc > 0 && sc - 1 > lo ? sc - 1 : lo;
        size_t je = ec < hi ? ec : hi;
        size_t j = js;
        double left = INFINITY;
        cur[js] = INFINITY;
        for (; j <= je; j++) {
            left = dtw_cell(ai, b + j * ndim, ndim, prev[j], prev[j + 1], left, pen2, use_pen);
            cur[j + 1] = left;
        }
        for (; j <= hi && left <= thresh; j++) {
            double c = sqdist(ai, b + j * ndim, ndim);
            left = c + (use_pen ? left + pen2 : left);
            cur[j + 1] = left;
        }
        end = j;
        prev = cur;
    }
    if (end < nb) return INFINITY;
    double d = prev[nb];
    return d > thresh ? INFINITY : d;
}

double pose__dtw_cost(const double *a, size_t na, const double *b, size_t nb, size_t ndim, size_t w,
                      double pen2, double thresh, const double *cb, double *work)
{
    if (!isinf(thresh)) {
        if (pen2 != 0.0) return dtw_cost_pruned_t(a, na, b, nb, ndim, w, pen2, 1, thresh, cb, work);
        switch (ndim) {
        case 1: return dtw_cost_pruned_t(a, na, b, nb, 1, w, 0.0, 0, thresh, cb, work);
        case 3: return dtw_cost_pruned_t(a, na, b, nb, 3, w, 0.0, 0, thresh, cb, work);
        default: return dtw_cost_pruned_t(a, na, b, nb, ndim, w, 0.0, 0, thresh, cb, work);
        }
    }
    if (pen2 != 0.0) return dtw_cost_t(a, na, b, nb, ndim, w, pen2, 1, work);
    switch (ndim) {
    case 1: return dtw_cost_t(a, na, b, nb, 1, w, 0.0, 0, work);
    case 2: return dtw_cost_t(a, na, b, nb, 2, w, 0.0, 0, work);
    case 3: return dtw_cost_t(a, na, b, nb, 3, w, 0.0, 0, work);
    default: return dtw_cost_t(a, na, b, nb, ndim, w, 0.0, 0, work);
    }
}

int pose_dtw_derivative(const double *x, size_t n, size_t ndim, double *out, pose_error *err)
{
    if (n < 3 || ndim == 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: derivative needs at least 3 samples (got %zu)", n);
    for (size_t i = 1; i + 1 < n; i++)
        for (size_t d = 0; d < ndim; d++) {
            double xm = x[(i - 1) * ndim + d], x0 = x[i * ndim + d], xp = x[(i + 1) * ndim + d];
            out[i * ndim + d] = ((x0 - xm) + (xp - xm) / 2.0) / 2.0;
        }
    for (size_t d = 0; d < ndim; d++) {
        out[d] = out[ndim + d];
        out[(n - 1) * ndim + d] = out[(n - 2) * ndim + d];
    }
    return POSE_OK;
}

size_t pose_dtw_work_size(size_t na, size_t nb, size_t ndim, const pose_dtw_options *opt)
{
    size_t s = 2 * (nb + 1);
    if (opt && opt->derivative) s += (na + nb) * ndim;
    return s;
}

static int check_args(size_t na, size_t nb, size_t ndim, const pose_dtw_options *o, pose_error *err)
{
    if (na == 0 || nb == 0) return pose__dtw_fail(err, POSE_EINVAL, "dtw: empty series (lengths %zu and %zu)", na, nb);
    if (ndim == 0) return pose__dtw_fail(err, POSE_EINVAL, "dtw: ndim is 0");
    if (isnan(o->max_dist) || o->max_dist < 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: max_dist must be >= 0 (INFINITY = off)");
    if (!isfinite(o->penalty) || o->penalty < 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: penalty must be finite and >= 0");
    if (o->derivative && (na < 3 || nb < 3))
        return pose__dtw_fail(err, POSE_EINVAL, "dtw: derivative DTW needs at least 3 samples per series (lengths %zu and %zu)", na, nb);
    return POSE_OK;
}

double pose_dtw_distance_ws(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                            const pose_dtw_options *opt, double *work, pose_error *err)
{
    pose_dtw_options o = opt ? *opt : pose_dtw_defaults();
    int rc = check_args(na, nb, ndim, &o, err);
    if (rc < 0) return rc;
    double *rows = work;
    if (o.derivative) {
        double *da = work + 2 * (nb + 1), *db = da + na * ndim;
        pose_dtw_derivative(a, na, ndim, da, NULL);
        pose_dtw_derivative(b, nb, ndim, db, NULL);
        a = da;
        b = db;
    }
    double thresh = isinf(o.max_dist) ? INFINITY : o.max_dist * o.max_dist;
    double c = pose__dtw_cost(a, na, b, nb, ndim, o.window, o.penalty * o.penalty, thresh, NULL, rows);
    return isinf(c) ? INFINITY : sqrt(c);
}

double pose_dtw_distance(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                         const pose_dtw_options *opt, pose_error *err)
{
    pose_dtw_options o = opt ? *opt : pose_dtw_defaults();
    int rc = check_args(na, nb, ndim, &o, err);
    if (rc < 0) return rc;
    if ((rc = pose__dtw_check_finite(a, na, ndim, "a", err)) < 0) return rc;
    if ((rc = pose__dtw_check_finite(b, nb, ndim, "b", err)) < 0) return rc;
    double *work = malloc(pose_dtw_work_size(na, nb, ndim, &o) * sizeof *work);
    if (!work) return pose__dtw_fail(err, POSE_ENOMEM, "dtw: out of memory for %zu x %zu", na, nb);
    double d = pose_dtw_distance_ws(a, na, b, nb, ndim, &o, work, err);
    free(work);
    return d;
}
