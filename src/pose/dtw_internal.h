/*
 * dtw_internal.h - shared internals of the DTW files of libpose (dtw*.c): the banded two-row kernel,
 * the window band, and the error helper. Not installed; symbols are pose__dtw_*.
 */
#ifndef POSE_DTW_INTERNAL_H
#define POSE_DTW_INTERNAL_H

#include <stddef.h>

#include "error_internal.h"
#include "pose.h"

/* Columns [*lo, *hi] of row i allowed by dtaidistance's window w (0 = all). */
static inline void pose__dtw_band(size_t i, size_t na, size_t nb, size_t w, size_t *lo, size_t *hi)
{
    if (w == 0) {
        *lo = 0;
        *hi = nb - 1;
        return;
    }
    size_t below = w - 1 + (na > nb ? na - nb : 0); /* max i - j */
    size_t above = w - 1 + (nb > na ? nb - na : 0); /* max j - i */
    *lo = i > below ? i - below : 0;
    size_t h = i + above;
    *hi = h < nb - 1 ? h : nb - 1;
}

/* Accumulated cost D (not rooted) of a [na][ndim] vs b [nb][ndim] under window w, penalty^2 pen2.
 * Abandons (returns INFINITY) as soon as a row's minimum plus cb[i+1] exceeds thresh (INFINITY: never),
 * and when the final cost exceeds thresh. cb (may be NULL): cb[i] = lower bound of the cost of the path
 * cells in rows >= i, cb[na] = 0. work: 2 * (nb + 1) doubles. Sizes must be >= 1. */
double pose__dtw_cost(const double *a, size_t na, const double *b, size_t nb, size_t ndim, size_t w,
                      double pen2, double thresh, const double *cb, double *work);

/* The DTW files' name for pose__err (error_internal.h): fills err (when not NULL) with code and a
 * printf-style message; returns code. */
#define pose__dtw_fail pose__err

/* POSE_OK when every value of x [n*ndim] is finite, else POSE_EINVAL naming the sample (what: "a"). */
int pose__dtw_check_finite(const double *x, size_t n, size_t ndim, const char *what, pose_error *err);

/* Envelope of q (length nq) for candidates of length nc under window w, with deque workspace dq
 * (2 * nq size_t). See pose_dtw_envelope. */
void pose__dtw_envelope_ws(const double *q, size_t nq, size_t nc, size_t w, double *upper,
                           double *lower, size_t *dq);

/* LB_Keogh in cost units (squared); stops early (returning a partial sum > stop) once above stop.
 * contrib (may be NULL) receives the per-index terms computed so far. */
double pose__dtw_lb_keogh_cost(const double *c, size_t nc, const double *upper, const double *lower,
                               double *contrib, double stop);

#endif
