/* kinematics_internal.h - helpers shared by the kinematics, reps and compare files of libpose. */
#ifndef POSE_KINEMATICS_INTERNAL_H
#define POSE_KINEMATICS_INTERNAL_H

#include <stddef.h>

#include "error_internal.h"
#include "pose.h"

/* Degrees wrapped to (-180, 180]; NaN stays NaN. */
double pose__wrap180(double d);
/* The keypoint index map of a skeleton (opaque here), NULL when unknown. */
const void *pose__kin_map(pose_skeleton sk);
/* The kinematics files' name for pose__err (error_internal.h): fills err (when not NULL) with code
 * and a printf message. Returns code. */
#define pose__kin_err pose__err
/* Median of the positive steps of t[0..n) (NaN when none). */
double pose__median_step(const double *t, size_t n);
/* The default Savitzky-Golay half window for a frame step dt: round(0.1 s / dt), 1..50. */
int pose__sg_auto_half(double dt);
/* Savitzky-Golay derivative (order 1 or 2) of x[i*stride] over n samples, see pose.h. */
void pose__sg_derivative(const double *x, size_t n, size_t stride, int half, double dt, int order,
                         double *out, size_t out_stride);
/* Reps are compared at this rate: curves are resampled to it (reference.c). */
#define POSE__CURVE_HZ 30.0
/* The joints of samples [r->start, r->end] of a, NaN filled linearly (nearest at the ends), resampled
 * to POSE__CURVE_HZ: malloc'ed [*len][nj]. NULL when out of memory or a joint has no valid sample. */
double *pose__rep_curves(const pose_angles *a, const pose_rep *r, const int *joints, size_t nj,
                         size_t *len);

#endif
