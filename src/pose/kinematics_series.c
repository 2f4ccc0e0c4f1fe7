/*
 * kinematics_series.c - angles of a whole keypoint series: per-frame angles (kinematics.c), then
 * unwrapping in time, linear filling of short gaps, and Savitzky-Golay velocity and acceleration.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinematics_internal.h"

pose_kin_options pose_kin_defaults(void)
{
    pose_kin_options o = {0.3, 0.25, 0, -1, 0};
    return o;
}

void pose_angles_free(pose_angles *a)
{
    if (!a) return;
    free(a->t);
    free(a->deg);
    free(a->vel);
    free(a->acc);
    memset(a, 0, sizeof *a);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pose__median_step(const double *t, size_t n)
{
    if (n < 2) return NAN;
    double *d = malloc((n - 1) * sizeof *d);
    if (!d) return NAN;
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (t[i] - t[i - 1] > 0) d[m++] = t[i] - t[i - 1];
    double r = NAN;
    if (m) {
        qsort(d, m, sizeof *d, cmp_d);
        r = m % 2 ? d[m / 2] : (d[m / 2 - 1] + d[m / 2]) / 2;
    }
    free(d);
    return r;
}

int pose_kp_series_facing(const pose_kp_series *s, double min_score)
{
    const int toe[2] = {32, 31}, heel[2] = {30, 29};
    long votes = 0;
    for (size_t i = 0; s && i < s->n; i++) {
        const double *kp = s->kp + i * s->nkp * 3;
#define OK(k) (isfinite(kp[3 * (k)]) && kp[3 * (k) + 2] >= min_score)
        int used = 0;
        if (s->skeleton == POSE_SKELETON_BLAZEPOSE33)
            for (int side = 0; side < 2; side++)
                if (OK(toe[side]) && OK(heel[side])) {
                    double dx = kp[3 * toe[side]] - kp[3 * heel[side]];
                    votes += dx > 0 ? 1 : dx < 0 ? -1 : 0;
                    used = 1;
                }
        if (!used && (s->skeleton == POSE_SKELETON_COCO17 ||
                      s->skeleton == POSE_SKELETON_BLAZEPOSE33)) {
            int nose = 0, er = s->skeleton == POSE_SKELETON_COCO17 ? 4 : 8, el = er - 1;
            if (OK(nose) && (OK(er) || OK(el))) {
                double ex = OK(er) && OK(el) ? (kp[3 * er] + kp[3 * el]) / 2
                            : OK(er)         ? kp[3 * er]
                                             : kp[3 * el];
                double dx = kp[3 * nose] - ex;
                votes += dx > 0 ? 1 : dx < 0 ? -1 : 0;
            }
        }
#undef OK
    }
    return votes < 0 ? -1 : 1;
}

/* Unwraps column c in place: consecutive valid samples differ by at most 180 degrees. */
static void unwrap(double *deg, size_t n, size_t c)
{
    double prev = NAN;
    for (size_t i = 0; i < n; i++) {
        double *v = &deg[i * POSE_ANGLE_COUNT + c];
        if (!isfinite(*v)) continue;
        if (isfinite(prev)) {
            double d = *v - prev;
            *v -= 360.0 * floor((d + 180.0) / 360.0);
        }
        prev = *v;
    }
}

static int cmp_dd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* After unwrapping, each run of consecutive valid samples is moved by a multiple of 360 degrees so
 * that its median lies in (-180, 180]: continuity within the run, and the same branch for the same
 * posture whichever sample a series starts at. tmp has n doubles. */
static void canonical_branch(double *deg, size_t n, size_t c, double *tmp)
{
    for (size_t i = 0; i < n;) {
        if (!isfinite(deg[i * POSE_ANGLE_COUNT + c])) {
            i++;
            continue;
        }
        size_t e = i;
        while (e < n && isfinite(deg[e * POSE_ANGLE_COUNT + c])) e++;
        for (size_t k = i; k < e; k++) tmp[k - i] = deg[k * POSE_ANGLE_COUNT + c];
        qsort(tmp, e - i, sizeof *tmp, cmp_dd);
        double med = tmp[(e - i) / 2], shift = med - pose__wrap180(med);
        if (shift != 0)
            for (size_t k = i; k < e; k++) deg[k * POSE_ANGLE_COUNT + c] -= shift;
        i = e;
    }
}

/* Fills runs of at most max_missing NaN samples between two valid ones, linearly in t. */
static void fill_gaps(double *deg, const double *t, size_t n, size_t c, size_t max_missing)
{
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        double v = deg[i * POSE_ANGLE_COUNT + c];
        if (!isfinite(v)) continue;
        if (last != SIZE_MAX && i - last > 1 && i - last - 1 <= max_missing) {
            double a = deg[last * POSE_ANGLE_COUNT + c], ta = t[last], tb = t[i];
            for (size_t k = last + 1; k < i; k++) {
                double w = tb > ta ? (t[k] - ta) / (tb - ta) : (double)(k - last) / (double)(i - last);
                deg[k * POSE_ANGLE_COUNT + c] = a + w * (v - a);
            }
        }
        last = i;
    }
}

int pose__sg_auto_half(double dt)
{
    if (!(dt > 0) || !isfinite(dt)) return 3;
    double h = floor(0.1 / dt + 0.5);
    return h < 1 ? 1 : h > 50 ? 50 : (int)h;
}

void pose__sg_derivative(const double *x, size_t n, size_t stride, int half, double dt, int order,
                         double *out, size_t out_stride)
{
    for (size_t i = 0; i < n; i++) {
        double r = NAN;
        if (isfinite(dt) && dt > 0) {
            long m = half;
            if ((long)i < m) m = (long)i;
            if ((long)(n - 1 - i) < m) m = (long)(n - 1 - i);
            for (; m >= 1; m--) {
                int ok = 1;
                for (long k = -m; k <= m && ok; k++) ok = isfinite(x[((long)i + k) * (long)stride]);
                if (!ok) continue;
                double num = 0, den = 0, mean_k2 = 0;
                for (long k = -m; k <= m; k++) mean_k2 += (double)(k * k);
                mean_k2 /= (double)(2 * m + 1);
                for (long k = -m; k <= m; k++) {
                    double xv = x[((long)i + k) * (long)stride];
                    double w = order == 1 ? (double)k : (double)(k * k) - mean_k2;
                    num += w * xv;
                    den += w * w;
                }
                r = order == 1 ? num / den / dt : 2.0 * num / den / (dt * dt);
                break;
            }
        }
        out[i * out_stride] = r;
    }
}

int pose_angles_compute(const pose_kp_series *s, const pose_kin_options *opt, pose_angles *out,
                        pose_error *err)
{
    pose_kin_options o = opt ? *opt : pose_kin_defaults();
    memset(out, 0, sizeof *out);
    if (!s || s->n == 0)
        return pose__kin_err(err, POSE_EINVAL, "empty keypoint series: no frame to compute angles");
    if (!pose__kin_map(s->skeleton))
        return pose__kin_err(err, POSE_EINVAL,
                             "unknown keypoint set (%zu names): angles need COCO-17 or BlazePose-33",
                             s->nkp);
    if (o.sg_half < 0 || o.sg_half > 50 || !(o.max_gap >= 0) || !isfinite(o.min_score))
        return pose__kin_err(err, POSE_EINVAL,
                             "bad kinematics options (sg_half %d must be 0..50, max_gap >= 0)",
                             o.sg_half);
    int use3d = o.use_world < 0 ? s->world != NULL : o.use_world;
    if (use3d && !s->world)
        return pose__kin_err(err, POSE_EINVAL, "3D angles asked for, but the series has no world landmarks");
    size_t n = s->n, m = n * POSE_ANGLE_COUNT;
    out->t = malloc(n * sizeof(double));
    out->deg = malloc(m * sizeof(double));
    out->vel = malloc(m * sizeof(double));
    out->acc = malloc(m * sizeof(double));
    if (!out->t || !out->deg || !out->vel || !out->acc) {
        pose_angles_free(out);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory for %zu frames of angles", n);
    }
    out->n = n;
    out->is_3d = use3d;
    out->facing = use3d ? 0 : (o.facing ? (o.facing < 0 ? -1 : 1)
                                        : pose_kp_series_facing(s, o.min_score));
    memcpy(out->t, s->t, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *kp = s->kp + i * s->nkp * 3;
        double *d = out->deg + i * POSE_ANGLE_COUNT;
        if (use3d) pose_angles_frame_3d(s->world + i * s->nkp * 3, kp, s->skeleton, o.min_score, d);
        else pose_angles_frame_2d(kp, s->skeleton, out->facing, o.min_score, d);
    }
    double dt = pose__median_step(s->t, n);
    size_t max_missing = isfinite(dt) && dt > 0 ? (size_t)floor(o.max_gap / dt + 1e-9) : 0;
    int half = o.sg_half ? o.sg_half : pose__sg_auto_half(dt);
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        pose_angles_free(out);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory for %zu frames of angles", n);
    }
    for (size_t c = 0; c < POSE_ANGLE_COUNT; c++) {
        /* segment angles rotate freely: unwrapped; joint angles have an anatomical range inside
         * (-180, 180], and a jump across +-180 is a projection flip, which unwrapping would carry
         * into every later sample */
        if (c >= POSE_ANGLE_JOINT_COUNT) unwrap(out->deg, n, c);
        fill_gaps(out->deg, s->t, n, c, max_missing);
        if (c >= POSE_ANGLE_JOINT_COUNT) canonical_branch(out->deg, n, c, tmp);
        pose__sg_derivative(out->deg + c, n, POSE_ANGLE_COUNT, half, dt, 1, out->vel + c,
                            POSE_ANGLE_COUNT);
        pose__sg_derivative(out->deg + c, n, POSE_ANGLE_COUNT, half, dt, 2, out->acc + c,
                            POSE_ANGLE_COUNT);
    }
    free(tmp);
    return POSE_OK;
}
