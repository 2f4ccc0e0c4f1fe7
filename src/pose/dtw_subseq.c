/*
 * dtw_subseq.c - subsequence DTW (free start and end in the long series, O(ns) memory, the start
 * carried along the DP) and SPRING (Sakurai, Faloutsos, Yamamuro, ICDE 2007): the same recurrence
 * turned sideways, one column per stream sample, reporting the best of each group of overlapping
 * matches below epsilon as soon as no later sample can improve it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtw_internal.h"

static double sqdist(const double *x, const double *y, size_t ndim)
{
    double s = 0.0;
    for (size_t d = 0; d < ndim; d++) {
        double t = x[d] - y[d];
        s += t * t;
    }
    return s;
}

int pose_dtw_subsequence(const double *q, size_t nq, const double *s, size_t ns, size_t ndim,
                         size_t *start, size_t *end, double *distance, pose_error *err)
{
    *start = *end = 0;
    *distance = INFINITY;
    if (nq == 0 || ns == 0 || ndim == 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw subsequence: empty query or series (lengths %zu and %zu)", nq, ns);
    int rc = pose__dtw_check_finite(q, nq, ndim, "query", err);
    if (rc < 0) return rc;
    if ((rc = pose__dtw_check_finite(s, ns, ndim, "series", err)) < 0) return rc;
    double *rowbuf = malloc(2 * ns * sizeof *rowbuf);
    size_t *sp = malloc(2 * ns * sizeof *sp);
    if (!rowbuf || !sp) {
        free(rowbuf);
        free(sp);
        return pose__dtw_fail(err, POSE_ENOMEM, "dtw subsequence: out of memory");
    }
    double *prev = rowbuf, *cur = rowbuf + ns;
    size_t *scur = sp + ns, *sprev = sp;
    for (size_t j = 0; j < ns; j++) { /* row 0: every column may start a match */
        prev[j] = sqdist(q, s + j * ndim, ndim);
        sprev[j] = j;
    }
    for (size_t i = 1; i < nq; i++) {
        const double *qi = q + i * ndim;
        cur[0] = prev[0] + sqdist(qi, s, ndim); /* only from above */
        scur[0] = sprev[0];
        for (size_t j = 1; j < ns; j++) {
            double diag = prev[j - 1], up = prev[j], left = cur[j - 1];
            double m = diag;
            size_t st = sprev[j - 1];
            if (left < m) { /* ties: diagonal, then (i, j-1), then (i-1, j) */
                m = left;
                st = scur[j - 1];
            }
            if (up < m) {
                m = up;
                st = sprev[j];
            }
            cur[j] = m + sqdist(qi, s + j * ndim, ndim);
            scur[j] = st;
        }
        double *t = prev;
        prev = cur;
        cur = t;
        size_t *ts = sprev;
        sprev = scur;
        scur = ts;
    }
    size_t best = 0;
    for (size_t j = 1; j < ns; j++)
        if (prev[j] < prev[best]) best = j;
    *end = best;
    *start = sprev[best];
    *distance = sqrt(prev[best]);
    free(rowbuf);
    free(sp);
    return POSE_OK;
}

struct pose_spring {
    size_t nq, ndim;
    double eps2;          /* epsilon^2: cost units */
    double *q;            /* [nq][ndim] */
    double *d, *dn;       /* previous and new column, nq each */
    uint64_t *s, *sn;     /* start of the best path into each cell */
    double *dbuf;         /* the allocations behind d/dn and s/sn (they swap every sample) */
    uint64_t *sbuf;
    uint64_t t;           /* index of the next sample */
    double dmin;          /* best pending match (cost), INFINITY = none */
    uint64_t ts, te;
};

pose_spring_t *pose_spring_create(const double *q, size_t nq, size_t ndim, double epsilon,
                                  pose_error *err)
{
    if (nq == 0 || ndim == 0) {
        pose__dtw_fail(err, POSE_EINVAL, "spring: empty query");
        return NULL;
    }
    if (!(epsilon > 0) || isinf(epsilon)) {
        pose__dtw_fail(err, POSE_EINVAL, "spring: epsilon must be a finite number > 0");
        return NULL;
    }
    if (pose__dtw_check_finite(q, nq, ndim, "query", err) < 0) return NULL;
    pose_spring_t *sp = calloc(1, sizeof *sp);
    if (!sp) goto nomem;
    sp->nq = nq;
    sp->ndim = ndim;
    sp->eps2 = epsilon * epsilon;
    sp->q = malloc(nq * ndim * sizeof *sp->q);
    sp->d = sp->dbuf = malloc(2 * nq * sizeof *sp->d);
    sp->s = sp->sbuf = malloc(2 * nq * sizeof *sp->s);
    if (!sp->q || !sp->d || !sp->s) goto nomem;
    memcpy(sp->q, q, nq * ndim * sizeof *q);
    sp->dn = sp->d + nq;
    sp->sn = sp->s + nq;
    for (size_t i = 0; i < nq; i++) sp->d[i] = INFINITY;
    sp->dmin = INFINITY;
    return sp;
nomem:
    pose_spring_free(sp);
    pose__dtw_fail(err, POSE_ENOMEM, "spring: out of memory");
    return NULL;
}

void pose_spring_free(pose_spring_t *sp)
{
    if (!sp) return;
    free(sp->q);
    free(sp->dbuf);
    free(sp->sbuf);
    free(sp);
}

int pose_spring_update(pose_spring_t *sp, const double *x, pose_spring_match *match)
{
    size_t nq = sp->nq, nd = sp->ndim;
    for (size_t d = 0; d < nd; d++)
        if (!isfinite(x[d])) return POSE_EINVAL; /* a gap in the stream: the sample is skipped */
    uint64_t t = sp->t++;
    double *d = sp->d, *dn = sp->dn;
    uint64_t *s = sp->s, *sn = sp->sn;
    /* the star-padded row: a match may start at t (cost 0 before the query's first element) */
    dn[0] = sqdist(x, sp->q, nd);
    sn[0] = t;
    for (size_t i = 1; i < nq; i++) {
        double m = d[i - 1];
        uint64_t st = s[i - 1];
        if (dn[i - 1] < m) {
            m = dn[i - 1];
            st = sn[i - 1];
        }
        if (d[i] < m) {
            m = d[i];
            st = s[i];
        }
        dn[i] = m + sqdist(x, sp->q + i * nd, nd);
        sn[i] = st;
    }
    int reported = 0;
    if (sp->dmin <= sp->eps2) {
        int final = 1; /* no path still alive can improve the pending match or overlap it */
        for (size_t i = 0; i < nq && final; i++)
            if (dn[i] < sp->dmin && sn[i] <= sp->te) final = 0;
        if (final) {
            match->start = sp->ts;
            match->end = sp->te;
            match->distance = sqrt(sp->dmin);
            reported = 1;
            for (size_t i = 0; i < nq; i++)
                if (sn[i] <= sp->te) dn[i] = INFINITY;
            sp->dmin = INFINITY;
        }
    }
    if (dn[nq - 1] <= sp->eps2 && dn[nq - 1] < sp->dmin) {
        sp->dmin = dn[nq - 1];
        sp->ts = sn[nq - 1];
        sp->te = t;
    }
    sp->d = dn;
    sp->dn = d;
    sp->s = sn;
    sp->sn = s;
    return reported;
}

int pose_spring_flush(pose_spring_t *sp, pose_spring_match *match)
{
    if (!(sp->dmin <= sp->eps2)) return 0;
    match->start = sp->ts;
    match->end = sp->te;
    match->distance = sqrt(sp->dmin);
    sp->dmin = INFINITY;
    for (size_t i = 0; i < sp->nq; i++) sp->d[i] = INFINITY;
    return 1;
}
