/*
 * reps.c - repetition segmentation of a driver angle with hysteresis (pose.h "repetitions",
 * docs/COMPARE.md): percentiles give the rest and peak levels, a two-threshold state machine finds
 * the active phases, and each rep is widened to the rest samples around its active phase.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinematics_internal.h"

pose_rep_options pose_rep_defaults(void)
{
    pose_rep_options o = {20.0, 0.5, 0.3, 0.15, 0.4, 1};
    return o;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile p (0..1) of sorted v[0..m), linear between ranks. */
static double pct(const double *v, size_t m, double p)
{
    double r = p * (double)(m - 1);
    size_t i = (size_t)floor(r);
    if (i + 1 >= m) return v[m - 1];
    return v[i] + (r - (double)i) * (v[i + 1] - v[i]);
}

typedef struct seg {
    size_t a, b;  /* first active sample, first sample back below exit (n when never) */
} seg;

int pose_reps_detect_series(const double *t, const double *x, const double *vel, size_t n,
                            const pose_rep_options *opt, pose_rep **reps, size_t *count,
                            pose_error *err)
{
    pose_rep_options o = opt ? *opt : pose_rep_defaults();
    *reps = NULL;
    *count = 0;
    if (!(o.rest >= 0 && o.rest <= o.exit && o.exit < o.enter && o.enter < 1 && o.min_range >= 0 &&
          o.min_duration >= 0 && (o.direction == 1 || o.direction == -1)))
        return pose__kin_err(err, POSE_EINVAL,
                             "bad repetition options: need 0 <= rest <= exit < enter < 1, "
                             "direction +1 or -1");
    double d = (double)o.direction;
    double *y = malloc((n ? n : 1) * sizeof *y), *sorted = malloc((n ? n : 1) * sizeof *sorted);
    double *v = vel ? NULL : malloc((n ? n : 1) * sizeof *v);
    seg *segs = malloc((n / 2 + 1) * sizeof *segs);
    pose_rep *out = NULL;
    int rc = POSE_OK;
    if (!y || !sorted || (!vel && !v) || !segs) {
        rc = pose__kin_err(err, POSE_ENOMEM, "out of memory for %zu samples", n);
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && !(t[i] > t[i - 1])) {
            rc = pose__kin_err(err, POSE_EINVAL, "sample %zu: time %g does not increase", i, t[i]);
            goto done;
        }
        y[i] = isfinite(x[i]) ? d * x[i] : NAN;
        if (isfinite(y[i])) sorted[m++] = y[i];
    }
    if (m < 3) {
        rc = pose__kin_err(err, POSE_EINVAL,
                           "driver angle has %zu valid samples: too short for repetitions", m);
        goto done;
    }
    if (!vel) {
        double dt = pose__median_step(t, n);
        pose__sg_derivative(x, n, 1, pose__sg_auto_half(dt), dt, 1, v, 1);
        vel = v;
    }
    qsort(sorted, m, sizeof *sorted, cmp_d);
    double lo = pct(sorted, m, 0.05), hi = pct(sorted, m, 0.95), R = hi - lo;
    if (R < o.min_range) goto done;
    double enter = lo + o.enter * R, exit_ = lo + o.exit * R, rest = lo + o.rest * R;
    /* active phases */
    size_t ns = 0;
    int active = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) continue;
        if (!active && y[i] > enter) {
            segs[ns].a = i;
            segs[ns].b = n;
            active = 1;
        } else if (active && y[i] < exit_) {
            segs[ns++].b = i;
            active = 0;
        }
    }
    if (active) ns++; /* open at the end: partial */
    out = malloc((ns ? ns : 1) * sizeof *out);
    if (!out) {
        rc = pose__kin_err(err, POSE_ENOMEM, "out of memory");
        goto done;
    }
    size_t nr = 0;
    for (size_t k = 0; k < ns; k++) {
        if (segs[k].b == n) continue; /* never came back: partial */
        size_t r0 = k ? segs[k - 1].b : 0, r1 = k + 1 < ns ? segs[k + 1].a : n - 1;
        /* start: last rest sample before the active phase, else the lowest; none below exit before
         * it (series cut mid-rep) = partial */
        size_t start = SIZE_MAX, low = SIZE_MAX;
        for (size_t i = segs[k].a; i-- > r0;) {
            if (!isfinite(y[i])) continue;
            if (low == SIZE_MAX || y[i] < y[low]) low = i;
            if (y[i] <= rest) {
                start = i;
                break;
            }
        }
        if (start == SIZE_MAX) {
            if (low == SIZE_MAX || y[low] >= exit_) continue;
            start = low;
        }
        /* walk down to the local minimum (the true bottom of the rest), not past the region */
        for (size_t i = start; i-- > r0;) {
            if (!isfinite(y[i])) continue;
            if (y[i] >= y[start]) break;
            start = i;
        }
        size_t end = SIZE_MAX;
        low = SIZE_MAX;
        for (size_t i = segs[k].b; i <= r1 && i < n; i++) {
            if (!isfinite(y[i])) continue;
            if (low == SIZE_MAX || y[i] < y[low]) low = i;
            if (y[i] <= rest) {
                end = i;
                break;
            }
        }
        if (end == SIZE_MAX) end = low; /* segs[k].b itself is below exit */
        for (size_t i = end + 1; i <= r1 && i < n; i++) {
            if (!isfinite(y[i])) continue;
            if (y[i] >= y[end]) break;
            end = i;
        }
        if (t[end] - t[start] < o.min_duration) continue;
        pose_rep *r = &out[nr];
        memset(r, 0, sizeof *r);
        r->start = start;
        r->end = end;
        r->t_start = t[start];
        r->t_end = t[end];
        r->duration = t[end] - t[start];
        double mx = -INFINITY, mn = INFINITY, pv = NAN;
        r->peak = start;
        for (size_t i = start; i <= end; i++) {
            if (isfinite(y[i])) {
                if (y[i] > mx) mx = y[i], r->peak = i;
                if (y[i] < mn) mn = y[i];
            }
            if (isfinite(vel[i]) && !(fabs(vel[i]) <= pv)) pv = fabs(vel[i]);
        }
        r->rom = mx - mn;
        r->peak_angle = x[r->peak];
        r->peak_velocity = pv;
        nr++;
    }
    if (nr) {
        *reps = out;
        out = NULL;
    }
    *count = nr;
done:
    free(y);
    free(sorted);
    free(v);
    free(segs);
    free(out);
    return rc;
}

int pose_reps_detect(const pose_angles *a, int driver, const pose_rep_options *opt, pose_rep **reps,
                     size_t *count, pose_error *err)
{
    *reps = NULL;
    *count = 0;
    if (!a || driver < 0 || driver >= POSE_ANGLE_COUNT)
        return pose__kin_err(err, POSE_EINVAL, "bad driver angle id %d", driver);
    double *x = malloc((a->n ? a->n : 1) * sizeof *x), *v = malloc((a->n ? a->n : 1) * sizeof *v);
    if (!x || !v) {
        free(x);
        free(v);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < a->n; i++) {
        x[i] = a->deg[i * POSE_ANGLE_COUNT + driver];
        v[i] = a->vel[i * POSE_ANGLE_COUNT + driver];
    }
    int rc = pose_reps_detect_series(a->t, x, v, a->n, opt, reps, count, err);
    if (rc != POSE_OK) {
        if (err) {
            char m[sizeof err->msg];
            memcpy(m, err->msg, sizeof m);
            m[200] = '\0';
            snprintf(err->msg, sizeof err->msg, "%s: %s", pose_angle_name(driver), m);
        }
    }
    free(x);
    free(v);
    return rc;
}
