/*
 * reference.c - building a reference movement from angles (pose.h "reference store"): the reps of
 * the driver, their joint curves averaged with DBA, and the spread of the reps along the template
 * (each rep aligned to the template by DTW, the std across reps at each template sample).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinematics_internal.h"

pose_reference_options pose_reference_defaults(void)
{
    pose_reference_options o;
    memset(&o, 0, sizeof o);
    o.joints_mask = 0;
    o.min_valid = 0.8;
    o.reps = pose_rep_defaults();
    return o;
}

void pose_reference_free(pose_reference *r)
{
    if (!r) return;
    free(r->tmpl);
    free(r->sd);
    memset(r, 0, sizeof *r);
}

int pose_reference_check(const pose_reference *r, pose_error *err)
{
    size_t nl = strnlen(r->name, sizeof r->name);
    if (nl == 0 || nl >= sizeof r->name)
        return pose__kin_err(err, POSE_EINVAL, "reference name must be 1..%d bytes",
                             POSE_REF_NAME_MAX - 1);
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)r->name[i] < 0x20 || r->name[i] == 0x7f)
            return pose__kin_err(err, POSE_EINVAL, "reference name has a control character");
    if (r->njoints == 0 || r->njoints > POSE_ANGLE_JOINT_COUNT)
        return pose__kin_err(err, POSE_EINVAL, "reference '%s': %zu joints (1..%d)", r->name,
                             r->njoints, POSE_ANGLE_JOINT_COUNT);
    int has_driver = 0;
    for (size_t j = 0; j < r->njoints; j++) {
        if (r->joints[j] < 0 || r->joints[j] >= POSE_ANGLE_JOINT_COUNT ||
            (j && r->joints[j] <= r->joints[j - 1]))
            return pose__kin_err(err, POSE_EINVAL,
                                 "reference '%s': joint %zu is not a joint angle in ascending order",
                                 r->name, j);
        has_driver |= r->joints[j] == r->driver;
    }
    if (!has_driver)
        return pose__kin_err(err, POSE_EINVAL, "reference '%s': the driver is not among the joints",
                             r->name);
    if (r->len < 2 || r->len > 100000 || !r->tmpl || !r->sd)
        return pose__kin_err(err, POSE_EINVAL, "reference '%s': template of %zu samples (2..100000)",
                             r->name, r->len);
    if (r->nreps < 1)
        return pose__kin_err(err, POSE_EINVAL, "reference '%s': no rep", r->name);
    for (size_t i = 0; i < r->len * r->njoints; i++)
        if (!isfinite(r->tmpl[i]) || !isfinite(r->sd[i]) || r->sd[i] < 0)
            return pose__kin_err(err, POSE_EINVAL,
                                 "reference '%s': sample %zu, joint %s: not a finite value",
                                 r->name, i / r->njoints,
                                 pose_angle_name(r->joints[i % r->njoints]));
    return POSE_OK;
}

/* Linear fill of NaN in x[0..n) (stride s); nearest value at the ends. -1 when all NaN. */
static int fill_nan(double *x, size_t n, size_t s)
{
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i * s])) continue;
        if (last == SIZE_MAX)
            for (size_t k = 0; k < i; k++) x[k * s] = x[i * s];
        else
            for (size_t k = last + 1; k < i; k++)
                x[k * s] = x[last * s] + (x[i * s] - x[last * s]) * (double)(k - last) / (double)(i - last);
        last = i;
    }
    if (last == SIZE_MAX) return -1;
    for (size_t k = last + 1; k < n; k++) x[k * s] = x[last * s];
    return 0;
}

static int default_mask(int is_3d)
{
    int m = 0;
    for (int i = POSE_ANGLE_HIP_FLEXION_R; i <= POSE_ANGLE_TRUNK_LEAN; i++) m |= 1 << i;
    if (is_3d) m |= 1 << POSE_ANGLE_PELVIS_TILT | 1 << POSE_ANGLE_SHOULDER_TILT;
    return m;
}

/* The joints of samples [r->start, r->end] of a, gaps filled, resampled by linear interpolation in
 * time to POSE__CURVE_HZ (so that slow cameras align as finely as fast ones): a malloc'ed
 * [*len][nj] block. */
double *pose__rep_curves(const pose_angles *a, const pose_rep *r, const int *joints, size_t nj,
                         size_t *len)
{
    size_t n = r->end - r->start + 1;
    double *x = malloc(n * nj * sizeof *x);
    if (!x) return NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < nj; j++)
            x[i * nj + j] = a->deg[(r->start + i) * POSE_ANGLE_COUNT + joints[j]];
    for (size_t j = 0; j < nj; j++)
        if (fill_nan(x + j, n, nj)) {
            free(x);
            return NULL;
        }
    const double *t = a->t + r->start;
    double dur = t[n - 1] - t[0];
    size_t m = (size_t)floor(dur * POSE__CURVE_HZ + 1e-9) + 1;
    if (m < 2) m = 2;
    double *y = malloc(m * nj * sizeof *y);
    if (!y) {
        free(x);
        return NULL;
    }
    size_t i = 0;
    for (size_t k = 0; k < m; k++) {
        double tk = t[0] + (k + 1 == m && m > 2 ? dur : (double)k / POSE__CURVE_HZ);
        if (tk > t[n - 1]) tk = t[n - 1];
        while (i + 1 < n - 1 && t[i + 1] <= tk) i++;
        double w = n > 1 && t[i + 1] > t[i] ? (tk - t[i]) / (t[i + 1] - t[i]) : 0;
        if (n == 1) w = 0;
        if (w < 0) w = 0;
        if (w > 1) w = 1;
        for (size_t j = 0; j < nj; j++)
            y[k * nj + j] = n > 1 ? x[i * nj + j] + w * (x[(i + 1) * nj + j] - x[i * nj + j]) : x[j];
    }
    free(x);
    *len = m;
    return y;
}

int pose_reference_build(const pose_angles *a, int driver, const pose_reference_options *opt,
                         const char *name, pose_reference *out, pose_error *err)
{
    pose_reference_options o = opt ? *opt : pose_reference_defaults();
    memset(out, 0, sizeof *out);
    if (!name || !*name || strlen(name) >= POSE_REF_NAME_MAX)
        return pose__kin_err(err, POSE_EINVAL, "reference name must be 1..%d bytes",
                             POSE_REF_NAME_MAX - 1);
    if (driver < 0 || driver >= POSE_ANGLE_JOINT_COUNT)
        return pose__kin_err(err, POSE_EINVAL, "driver must be a joint angle (hip_flexion_r ... "
                                               "shoulder_tilt), not id %d", driver);
    if (!a || a->n == 0) return pose__kin_err(err, POSE_EINVAL, "empty angle series");
    pose_rep *reps = NULL;
    size_t nreps = 0;
    int rc = pose_reps_detect(a, driver, &o.reps, &reps, &nreps, err);
    if (rc) return rc;
    double **curves = NULL;
    size_t *lens = NULL;
    double *tmpl = NULL, *acc = NULL, *acc2 = NULL, *cnt = NULL;
    if (nreps == 0) {
        rc = pose__kin_err(err, POSE_EINVAL,
                           "no repetition of %s found (it must move at least %g degrees, rest to "
                           "peak and back, each rep at least %g s)",
                           pose_angle_name(driver), o.reps.min_range, o.reps.min_duration);
        goto done;
    }
    int mask = (o.joints_mask ? o.joints_mask : default_mask(a->is_3d)) | 1 << driver;
    size_t nj = 0;
    for (int id = 0; id < POSE_ANGLE_JOINT_COUNT; id++) {
        if (!(mask & 1 << id)) continue;
        int ok = 1;
        for (size_t k = 0; k < nreps && ok; k++) {
            size_t valid = 0, n = reps[k].end - reps[k].start + 1;
            for (size_t i = reps[k].start; i <= reps[k].end; i++)
                valid += isfinite(a->deg[i * POSE_ANGLE_COUNT + id]) != 0;
            ok = (double)valid >= o.min_valid * (double)n && valid > 0;
        }
        if (ok) out->joints[nj++] = id;
        else if (id == driver) {
            rc = pose__kin_err(err, POSE_EINVAL, "driver %s is missing in too many samples of a rep",
                               pose_angle_name(driver));
            goto done;
        }
    }
    out->njoints = nj;
    curves = calloc(nreps, sizeof *curves);
    lens = calloc(nreps, sizeof *lens);
    if (!curves || !lens) goto nomem;
    for (size_t k = 0; k < nreps; k++)
        if (!(curves[k] = pose__rep_curves(a, &reps[k], out->joints, nj, &lens[k]))) goto nomem;
    pose_dba_options dopt = pose_dba_defaults();
    size_t len = 0;
    rc = pose_dba_average((const double *const *)curves, lens, nreps, nj, &dopt, &tmpl, &len, err);
    if (rc) goto done;
    /* spread: align each rep to the template, average the rep's samples mapped to each template
     * sample, then the std of those per-rep means across reps */
    acc = calloc(len * nj, sizeof *acc);
    acc2 = calloc(len * nj, sizeof *acc2);
    cnt = calloc(len, sizeof *cnt);
    double *mean_k = malloc(len * nj * sizeof *mean_k);
    if (!acc || !acc2 || !cnt || !mean_k) {
        free(mean_k);
        goto nomem;
    }
    for (size_t k = 0; k < nreps; k++) {
        pose_dtw_path p;
        rc = pose_dtw_warping_path(curves[k], lens[k], tmpl, len, nj, NULL, &p, err);
        if (rc) {
            free(mean_k);
            goto done;
        }
        memset(mean_k, 0, len * nj * sizeof *mean_k);
        memset(cnt, 0, len * sizeof *cnt);
        for (size_t q = 0; q < p.len; q++) {
            size_t i = p.ij[2 * q], j = p.ij[2 * q + 1];
            for (size_t d = 0; d < nj; d++) mean_k[j * nj + d] += curves[k][i * nj + d];
            cnt[j] += 1;
        }
        for (size_t j = 0; j < len; j++)
            for (size_t d = 0; d < nj; d++) {
                double m = mean_k[j * nj + d] / cnt[j];
                acc[j * nj + d] += m;
                acc2[j * nj + d] += m * m;
            }
        pose_dtw_path_free(&p);
    }
    free(mean_k);
    out->sd = malloc(len * nj * sizeof *out->sd);
    if (!out->sd) goto nomem;
    for (size_t i = 0; i < len * nj; i++) {
        double m = acc[i] / (double)nreps;
        double var = nreps > 1 ? (acc2[i] - (double)nreps * m * m) / (double)(nreps - 1) : 0;
        out->sd[i] = var > 0 ? sqrt(var) : 0;
    }
    out->tmpl = tmpl;
    tmpl = NULL;
    out->len = len;
    out->nreps = nreps;
    out->driver = driver;
    out->is_3d = a->is_3d;
    double dur = 0, rom = 0;
    for (size_t k = 0; k < nreps; k++) dur += reps[k].duration, rom += reps[k].rom;
    out->mean_duration = dur / (double)nreps;
    out->mean_rom = rom / (double)nreps;
    snprintf(out->name, sizeof out->name, "%s", name);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out->created, sizeof out->created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = POSE_OK;
    goto done;
nomem:
    rc = pose__kin_err(err, POSE_ENOMEM, "out of memory building the reference");
done:
    if (rc != POSE_OK) pose_reference_free(out);
    for (size_t k = 0; curves && k < nreps; k++) free(curves[k]);
    free(curves);
    free(lens);
    free(tmpl);
    free(acc);
    free(acc2);
    free(cnt);
    free(reps);
    return rc;
}
