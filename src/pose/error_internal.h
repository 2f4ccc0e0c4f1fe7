/* error_internal.h - the error filler shared by the files of libpose that have no narrower internal
 * header of their own (writers, overlay, frames reader). */
#ifndef POSE_ERROR_INTERNAL_H
#define POSE_ERROR_INTERNAL_H

#include "pose.h"

/* Fills err (when not NULL) with code and a printf-style message; returns code. */
int pose__err(pose_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
