/*
 * compare.c - reps of a session against a reference (pose.h "comparison and feedback",
 * docs/COMPARE.md): multivariate DTW alignment to the template, deviations at aligned samples,
 * score, and anomalies per joint and phase. Sentences are made in feedback.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinematics_internal.h"
#include "compare_internal.h"

static const char *const phase_names[POSE_PHASE_COUNT] = {"start", "descent", "bottom", "ascent",
                                                          "end"};

const char *pose_phase_name(int phase)
{
    return phase >= 0 && phase < POSE_PHASE_COUNT ? phase_names[phase] : NULL;
}

pose_compare_options pose_compare_defaults(void)
{
    pose_compare_options o;
    memset(&o, 0, sizeof o);
    o.score_scale = 15.0;
    o.k_sd = 3.0;
    o.min_dev = 15.0;
    o.window = 0;
    o.reps = pose_rep_defaults();
    return o;
}

void pose_comparison_free(pose_comparison *c)
{
    if (!c) return;
    for (size_t k = 0; c->reps && k < c->nreps; k++) {
        free(c->reps[k].path);
        free(c->reps[k].aligned);
        free(c->reps[k].dev);
    }
    free(c->reps);
    free(c->phase);
    free(c->anomalies);
    free(c->feedback);
    memset(c, 0, sizeof *c);
}

size_t pose__driver_col(const pose_reference *ref)
{
    for (size_t j = 0; j < ref->njoints; j++)
        if (ref->joints[j] == ref->driver) return j;
    return 0;
}

int pose__template_direction(const pose_reference *ref, size_t *peak)
{
    size_t dj = pose__driver_col(ref), nj = ref->njoints, p = 0;
    double d0 = ref->tmpl[dj], best = -1;
    for (size_t i = 0; i < ref->len; i++) {
        double e = fabs(ref->tmpl[i * nj + dj] - d0);
        if (e > best) best = e, p = i;
    }
    if (peak) *peak = p;
    return ref->tmpl[p * nj + dj] >= d0 ? 1 : -1;
}

/* Phases of the template samples from its driver: within 20 % of the excursion of the start value
 * before / after the peak = start / end; beyond 80 % = bottom; else descent / ascent. */
static void template_phases(const pose_reference *ref, uint8_t *ph)
{
    size_t dj = pose__driver_col(ref), nj = ref->njoints, p;
    pose__template_direction(ref, &p);
    double d0 = ref->tmpl[dj], ext = fabs(ref->tmpl[p * nj + dj] - d0);
    for (size_t i = 0; i < ref->len; i++) {
        double f = ext > 0 ? fabs(ref->tmpl[i * nj + dj] - d0) / ext : 0;
        if (f >= 0.8) ph[i] = POSE_PHASE_BOTTOM;
        else if (f < 0.2) ph[i] = i <= p ? POSE_PHASE_START : POSE_PHASE_END;
        else ph[i] = i <= p ? POSE_PHASE_DESCENT : POSE_PHASE_ASCENT;
    }
}

static int push_anomaly(pose_comparison *c, size_t *cap, const pose_anomaly *a)
{
    if (c->nanomalies == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        pose_anomaly *q = realloc(c->anomalies, nc * sizeof *q);
        if (!q) return -1;
        c->anomalies = q;
        *cap = nc;
    }
    c->anomalies[c->nanomalies++] = *a;
    return 0;
}

/* Aligns one rep, fills r (path, aligned, dev, scores). */
static int compare_rep(const pose_angles *a, const pose_reference *ref, const pose_compare_options *o,
                       pose_rep_result *r, pose_error *err)
{
    size_t nj = ref->njoints, len = ref->len, n = 0;
    double *x = pose__rep_curves(a, &r->rep, ref->joints, nj, &n);
    if (!x) {
        /* find which joint is missing to say so */
        for (size_t j = 0; j < nj; j++) {
            int any = 0;
            for (size_t i = r->rep.start; i <= r->rep.end && !any; i++)
                any = isfinite(a->deg[i * POSE_ANGLE_COUNT + ref->joints[j]]);
            if (!any)
                return pose__kin_err(err, POSE_EINVAL,
                                     "%s is missing throughout the rep at %.2f-%.2f s: cannot compare "
                                     "with the reference",
                                     pose_angle_name(ref->joints[j]), r->rep.t_start, r->rep.t_end);
        }
        return pose__kin_err(err, POSE_ENOMEM, "out of memory");
    }
    pose_dtw_options dopt = pose_dtw_defaults();
    dopt.window = o->window;
    pose_dtw_path p;
    int rc = pose_dtw_warping_path(x, n, ref->tmpl, len, nj, &dopt, &p, err);
    if (rc) {
        free(x);
        return rc;
    }
    r->distance = p.distance;
    r->path_len = p.len;
    r->path = p.ij; /* ownership moves to r */
    r->aligned = calloc(len * nj, sizeof(double));
    r->dev = calloc(len * nj, sizeof(double));
    double *cnt = calloc(len, sizeof(double));
    if (!r->aligned || !r->dev || !cnt) {
        free(x);
        free(cnt);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory");
    }
    double sq[POSE_ANGLE_JOINT_COUNT] = {0}, tot = 0;
    for (size_t q = 0; q < p.len; q++) {
        size_t i = p.ij[2 * q], j = p.ij[2 * q + 1];
        for (size_t d = 0; d < nj; d++) {
            double e = x[i * nj + d] - ref->tmpl[j * nj + d];
            r->aligned[j * nj + d] += x[i * nj + d];
            sq[d] += e * e;
            tot += e * e;
        }
        cnt[j] += 1;
    }
    for (size_t j = 0; j < len; j++)
        for (size_t d = 0; d < nj; d++) {
            r->aligned[j * nj + d] /= cnt[j];
            r->dev[j * nj + d] = r->aligned[j * nj + d] - ref->tmpl[j * nj + d];
        }
    for (size_t d = 0; d < nj; d++) r->joint_rms[d] = sqrt(sq[d] / (double)p.len);
    r->rms = sqrt(tot / ((double)p.len * (double)nj));
    double z = r->rms / o->score_scale;
    r->score = 100.0 * exp(-0.5 * z * z);
    free(x);
    free(cnt);
    return POSE_OK;
}

int pose_compare_run(const pose_angles *a, const pose_reference *ref, const pose_compare_options *opt,
                     pose_comparison *out, pose_error *err)
{
    pose_compare_options o = opt ? *opt : pose_compare_defaults();
    memset(out, 0, sizeof *out);
    int rc = pose_reference_check(ref, err);
    if (rc) return rc;
    if (!(o.score_scale > 0) || !(o.k_sd >= 0) || !(o.min_dev >= 0))
        return pose__kin_err(err, POSE_EINVAL, "bad compare options (score_scale > 0, k_sd >= 0, min_dev >= 0)");
    if (!a || a->n == 0) return pose__kin_err(err, POSE_EINVAL, "empty angle series: nothing to compare");
    if (a->is_3d != ref->is_3d)
        return pose__kin_err(err, POSE_EINVAL,
                             "the reference '%s' has %s angles, the input %s: use --%s", ref->name,
                             ref->is_3d ? "3D" : "2D", a->is_3d ? "3D" : "2D", ref->is_3d ? "3d" : "2d");
    o.reps.direction = pose__template_direction(ref, NULL);
    pose_rep *reps = NULL;
    size_t nreps = 0, cap = 0;
    rc = pose_reps_detect(a, ref->driver, &o.reps, &reps, &nreps, err);
    if (rc) return rc;
    out->len = ref->len;
    out->njoints = ref->njoints;
    out->mean_score = NAN;
    out->phase = malloc(ref->len);
    out->reps = calloc(nreps ? nreps : 1, sizeof *out->reps);
    if (!out->phase || !out->reps) {
        free(reps);
        pose_comparison_free(out);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory");
    }
    template_phases(ref, out->phase);
    out->nreps = nreps;
    double ssum = 0;
    size_t nj = ref->njoints;
    for (size_t k = 0; k < nreps; k++) {
        pose_rep_result *r = &out->reps[k];
        r->rep = reps[k];
        rc = compare_rep(a, ref, &o, r, err);
        if (rc) goto fail;
        ssum += r->score;
        for (size_t d = 0; d < nj; d++)
            for (int ph = 0; ph < POSE_PHASE_COUNT; ph++) {
                double dv = 0, sd = 0;
                size_t m = 0;
                for (size_t j = 0; j < ref->len; j++)
                    if (out->phase[j] == ph) dv += r->dev[j * nj + d], sd += ref->sd[j * nj + d], m++;
                if (!m) continue;
                dv /= (double)m;
                sd /= (double)m;
                double th = fmax(o.k_sd * sd, o.min_dev);
                if (fabs(dv) > th) {
                    pose_anomaly an = {k + 1, ref->joints[d], ph, dv, th};
                    if (push_anomaly(out, &cap, &an)) {
                        rc = pose__kin_err(err, POSE_ENOMEM, "out of memory");
                        goto fail;
                    }
                }
            }
    }
    if (nreps) out->mean_score = ssum / (double)nreps;
    rc = pose__feedback_make(out, err);
    if (rc) goto fail;
    free(reps);
    return POSE_OK;
fail:
    free(reps);
    pose_comparison_free(out);
    return rc;
}
