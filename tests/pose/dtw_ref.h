/*
 * dtw_ref.h - the reference twin of libpose's DTW (STYLE.md #10): the textbook full-matrix DP,
 * written as plainly as possible, for the differential tests. cost(i,j) = squared Euclidean;
 * D[i][j] = cost + min(D[i-1][j-1], D[i-1][j] + p2, D[i][j-1] + p2); window by dtaidistance's rule.
 * Returns the accumulated cost (not rooted); INFINITY never happens (the end cell is always allowed).
 */
#ifndef TESTS_POSE_DTW_REF_H
#define TESTS_POSE_DTW_REF_H

#include <math.h>
#include <stdlib.h>

static inline int ref_allowed(size_t i, size_t j, size_t na, size_t nb, size_t w)
{
    if (w == 0) return 1;
    long li = (long)i, lj = (long)j, la = (long)na, lb = (long)nb, lw = (long)w;
    long ea = la > lb ? la - lb : 0, eb = lb > la ? lb - la : 0;
    return li - lj <= lw - 1 + ea && lj - li <= lw - 1 + eb;
}

/* Full matrix D [(na+1) x (nb+1)] with the usual border; caller frees. */
static inline double *ref_dtw_matrix(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                              size_t w, double p2)
{
    size_t cols = nb + 1;
    double *D = malloc((na + 1) * cols * sizeof *D);
    for (size_t k = 0; k < (na + 1) * cols; k++) D[k] = INFINITY;
    D[0] = 0.0;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            if (!ref_allowed(i - 1, j - 1, na, nb, w)) continue;
            double c = 0.0;
            for (size_t d = 0; d < ndim; d++) {
                double diff = a[(i - 1) * ndim + d] - b[(j - 1) * ndim + d];
                c += diff * diff;
            }
            double m = D[(i - 1) * cols + (j - 1)];
            if (D[(i - 1) * cols + j] + p2 < m) m = D[(i - 1) * cols + j] + p2;
            if (D[i * cols + (j - 1)] + p2 < m) m = D[i * cols + (j - 1)] + p2;
            D[i * cols + j] = c + m;
        }
    return D;
}

static inline double ref_dtw_cost(const double *a, size_t na, const double *b, size_t nb, size_t ndim,
                           size_t w, double p2)
{
    double *D = ref_dtw_matrix(a, na, b, nb, ndim, w, p2);
    double c = D[na * (nb + 1) + nb];
    free(D);
    return c;
}

/* Cost of a given path (sum of cell costs plus p2 per non-diagonal step). */
static inline double ref_path_cost(const double *a, const double *b, size_t ndim, const size_t *ij,
                            size_t len, double p2)
{
    double s = 0.0;
    for (size_t k = 0; k < len; k++) {
        for (size_t d = 0; d < ndim; d++) {
            double diff = a[ij[2 * k] * ndim + d] - b[ij[2 * k + 1] * ndim + d];
            s += diff * diff;
        }
        if (k > 0 && !(ij[2 * k] == ij[2 * k - 2] + 1 && ij[2 * k + 1] == ij[2 * k - 1] + 1)) s += p2;
    }
    return s;
}

/* Seeded random walk (xorshift64*, Box-Muller-free: sum of uniforms), n*ndim values. */
static unsigned long long ref_rng_state = 88172645463325252ULL;
static inline double ref_uniform(void)
{
    ref_rng_state ^= ref_rng_state >> 12;
    ref_rng_state ^= ref_rng_state << 25;
    ref_rng_state ^= ref_rng_state >> 27;
    return (double)((ref_rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static inline void ref_random_walk(double *x, size_t n, size_t ndim)
{
    for (size_t d = 0; d < ndim; d++) x[d] = ref_uniform() * 2.0 - 1.0;
    for (size_t i = 1; i < n; i++)
        for (size_t d = 0; d < ndim; d++) x[i * ndim + d] = x[(i - 1) * ndim + d] + ref_uniform() * 2.0 - 1.0;
}

#endif
