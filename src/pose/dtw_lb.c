/*
 * dtw_lb.c - lower bounds of the DTW distance: LB_Kim (first/last form, UCR suite) and LB_Keogh
 * (Keogh 2002) with its envelope computed in O(n) by monotone deques (Lemire 2006), for any lengths
 * under dtaidistance's window rule.
 */
#include <math.h>
#include <stdlib.h>

#include "dtw_internal.h"

static double sq(const double *x, const double *y, size_t ndim)
{
    double s = 0.0;
    for (size_t d = 0; d < ndim; d++) {
        double t = x[d] - y[d];
        s += t * t;
    }
    return s;
}

static double min3(double x, double y, double z)
{
    double m = x < y ? x : y;
    return m < z ? m : z;
}

double pose_dtw_lb_kim(const double *a, size_t na, const double *b, size_t nb, size_t ndim)
{
    if (na == 0 || nb == 0) return 0.0;
    double s = sq(a, b, ndim);
    if (na == 1 && nb == 1) return sqrt(s);
    const double *al = a + (na - 1) * ndim, *bl = b + (nb - 1) * ndim;
    s += sq(al, bl, ndim);
    if ((na > nb ? na : nb) >= 4) {
        /* the path has >= 4 cells: its second and second-to-last cells are distinct from the ends */
        double c10 = na > 1 ? sq(a + ndim, b, ndim) : INFINITY;
        double c01 = nb > 1 ? sq(a, b + ndim, ndim) : INFINITY;
        double c11 = na > 1 && nb > 1 ? sq(a + ndim, b + ndim, ndim) : INFINITY;
        s += min3(c10, c01, c11);
        double e10 = na > 1 ? sq(al - ndim, bl, ndim) : INFINITY;
        double e01 = nb > 1 ? sq(al, bl - ndim, ndim) : INFINITY;
        double e11 = na > 1 && nb > 1 ? sq(al - ndim, bl - ndim, ndim) : INFINITY;
        s += min3(e10, e01, e11);
    }
    return sqrt(s);
}

void pose__dtw_envelope_ws(const double *q, size_t nq, size_t nc, size_t w, double *upper,
                           double *lower, size_t *dq)
{
    /* rows i of q allowed in column j: [j - B, j + A] clamped (A = max i-j, B = max j-i) */
    size_t A = w == 0 ? nq : w - 1 + (nq > nc ? nq - nc : 0);
    size_t B = w == 0 ? nc : w - 1 + (nc > nq ? nc - nq : 0);
    size_t *mx = dq, *mn = dq + nq;  /* deques of indices, values decreasing / increasing */
    size_t mxh = 0, mxt = 0, mnh = 0, mnt = 0, next = 0;
    for (size_t j = 0; j < nc; j++) {
        size_t lo = j > B ? j - B : 0;
        size_t hi = j + A < nq - 1 ? j + A : nq - 1;
        for (; next <= hi; next++) {
            while (mxt > mxh && q[mx[mxt - 1]] <= q[next]) mxt--;
            mx[mxt++] = next;
            while (mnt > mnh && q[mn[mnt - 1]] >= q[next]) mnt--;
            mn[mnt++] = next;
        }
        while (mx[mxh] < lo) mxh++;
        while (mn[mnh] < lo) mnh++;
        upper[j] = q[mx[mxh]];
        lower[j] = q[mn[mnh]];
    }
}

int pose_dtw_envelope(const double *q, size_t nq, size_t nc, size_t window, double *upper,
                      double *lower, pose_error *err)
{
    if (nq == 0 || nc == 0) return pose__dtw_fail(err, POSE_EINVAL, "dtw: envelope of an empty series");
    size_t *dq = malloc(2 * nq * sizeof *dq);
    if (!dq) return pose__dtw_fail(err, POSE_ENOMEM, "dtw: out of memory for the envelope");
    pose__dtw_envelope_ws(q, nq, nc, window, upper, lower, dq);
    free(dq);
    return POSE_OK;
}

double pose__dtw_lb_keogh_cost(const double *c, size_t nc, const double *upper, const double *lower,
                               double *contrib, double stop)
{
    double s = 0.0;
    for (size_t j = 0; j < nc; j++) {
        double x = c[j], u = x - upper[j], l = lower[j] - x;
        double t = u > 0 ? u * u : (l > 0 ? l * l : 0.0);
        if (contrib) contrib[j] = t;
        s += t;
        if (s > stop) return s;
    }
    return s;
}

double pose_dtw_lb_keogh(const double *c, size_t nc, const double *upper, const double *lower,
                         double *contrib)
{
    return sqrt(pose__dtw_lb_keogh_cost(c, nc, upper, lower, contrib, INFINITY));
}
