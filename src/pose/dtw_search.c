/*
 * dtw_search.c - 1-vs-N nearest-neighbour search under DTW (1-D), UCR-suite style cascade:
 * LB_Kim (O(1)) -> LB_Keogh with the query's envelope (computed once) -> LB_Keogh with the
 * candidate's envelope -> DTW early-abandoned at the best-so-far, tightened by the cumulative LB_Keogh
 * terms of the rows still to come (Rakthanmanon et al. 2012). One allocation per search.
 */
#include <math.h>
#include <stdlib.h>

#include "dtw_internal.h"

/* cb[k] = sum_{t >= k} contrib[t], cb[n] = 0 */
static void cumulate(const double *contrib, size_t n, double *cb)
{
    cb[n] = 0.0;
    for (size_t k = n; k-- > 0;) cb[k] = cb[k + 1] + contrib[k];
}

int pose_dtw_search(const double *q, size_t nq, const double *cands, size_t count, size_t nc,
                    const pose_dtw_options *opt, int flags, size_t *best_index, double *best_dist,
                    pose_dtw_search_stats *stats, pose_error *err)
{
    pose_dtw_options o = opt ? *opt : pose_dtw_defaults();
    pose_dtw_search_stats st = {0};
    *best_index = count;
    *best_dist = INFINITY;
    if (nq == 0 || nc == 0) return pose__dtw_fail(err, POSE_EINVAL, "dtw search: empty query or candidates");
    if (o.derivative || o.penalty != 0.0)
        return pose__dtw_fail(err, POSE_EUNSUPPORTED, "dtw search: derivative and penalty are not supported");
    if (isnan(o.max_dist) || o.max_dist < 0)
        return pose__dtw_fail(err, POSE_EINVAL, "dtw search: max_dist must be >= 0");
    int rc = pose__dtw_check_finite(q, nq, 1, "query", err);
    if (rc < 0) return rc;
    if ((rc = pose__dtw_check_finite(cands, count * nc, 1, "candidates", err)) < 0) return rc;

    size_t n = nq > nc ? nq : nc;
    /* rows (2*(n+1)), query envelope (2*nc), candidate envelope (2*nq), contributions (n), cb (n+1) */
    size_t nd = 2 * (n + 1) + 2 * nc + 2 * nq + n + (n + 1);
    double *buf = malloc(nd * sizeof *buf);
    size_t *dq = malloc(2 * (n + 1) * sizeof *dq);
    if (!buf || !dq) {
        free(buf);
        free(dq);
        return pose__dtw_fail(err, POSE_ENOMEM, "dtw search: out of memory");
    }
    double *rows = buf, *qu = rows + 2 * (n + 1), *ql = qu + nc, *cu = ql + nc, *cl = cu + nq;
    double *contrib = cl + nq, *cb = contrib + n;
    int use_lb = (flags & POSE_DTW_SEARCH_LB) != 0, abandon = (flags & POSE_DTW_SEARCH_ABANDON) != 0;
    if (use_lb) pose__dtw_envelope_ws(q, nq, nc, o.window, qu, ql, dq);

    double limit = isinf(o.max_dist) ? INFINITY : o.max_dist * o.max_dist; /* cost units */
    double bsf = limit; /* best cost so far; the max_dist limit until a candidate is within it */
    const double slack = 1.0 + 1e-12; /* prune only when clearly above: rounding never loses the best */
    for (size_t k = 0; k < count; k++) {
        const double *c = cands + k * nc;
        st.candidates++;
        double prune = isinf(bsf) ? INFINITY : bsf * slack;
        double thresh = abandon ? prune : limit;
        if (use_lb) {
            double kim = pose_dtw_lb_kim(q, nq, c, nc, 1);
            if (kim * kim > prune) {
                st.pruned_kim++;
                continue;
            }
            double lq = pose__dtw_lb_keogh_cost(c, nc, qu, ql, contrib, prune);
            if (lq > prune) {
                st.pruned_keogh_q++;
                continue;
            }
            pose__dtw_envelope_ws(c, nc, nq, o.window, cu, cl, dq);
            double *contrib2 = cb; /* reuse: cb is rebuilt below */
            double lc = pose__dtw_lb_keogh_cost(q, nq, cu, cl, contrib2, prune);
            if (lc > prune) {
                st.pruned_keogh_c++;
                continue;
            }
            double cost;
            if (abandon && lc > lq) { /* rows over the query, tightened by the candidate envelope */
                for (size_t t = 0; t < nq; t++) contrib[t] = contrib2[t];
                cumulate(contrib, nq, cb);
                cost = pose__dtw_cost(q, nq, c, nc, 1, o.window, 0.0, thresh, cb, rows);
            } else if (abandon) {  /* rows over the candidate, tightened by the query envelope */
                cumulate(contrib, nc, cb);
                cost = pose__dtw_cost(c, nc, q, nq, 1, o.window, 0.0, thresh, cb, rows);
            } else {
                cost = pose__dtw_cost(c, nc, q, nq, 1, o.window, 0.0, thresh, NULL, rows);
            }
            if (isinf(cost)) {
                st.abandoned++;
                continue;
            }
            st.full_dtw++;
            if (*best_index == count ? cost <= bsf : cost < bsf) {
                bsf = cost;
                *best_index = k;
            }
            continue;
        }
        double cost = pose__dtw_cost(c, nc, q, nq, 1, o.window, 0.0, thresh, NULL, rows);
        if (isinf(cost)) {
            st.abandoned++;
            continue;
        }
        st.full_dtw++;
        if (*best_index == count ? cost <= bsf : cost < bsf) {
            bsf = cost;
            *best_index = k;
        }
    }
    if (*best_index < count) *best_dist = sqrt(bsf);
    if (stats) *stats = st;
    free(buf);
    free(dq);
    return POSE_OK;
}
