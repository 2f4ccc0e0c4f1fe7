/* error_internal.h - the error filler of libpose (writers, overlay, frames reader; the DTW and
 * kinematics files reach it under the names pose__dtw_fail and pose__kin_err). */
#ifndef POSE_ERROR_INTERNAL_H
#define POSE_ERROR_INTERNAL_H

#include "pose.h"

/* Fills err (when not NULL) with code and a printf-style message; returns code. */
int pose__err(pose_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
