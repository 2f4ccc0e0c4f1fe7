/*
 * pose.h - human pose analysis: video sources, model pipelines (MoveNet, BlazePose), tracking,
 * smoothing, joint angles, repetitions, DTW comparison with reference movements, feedback, export,
 * and the live server. Built on libnn. Every symbol starts with pose_ (internals: pose__).
 *
 * Usage:
 *
 *     pose_error err = {0};
 *     double d = pose_dtw_distance(a, na, b, nb, 1, NULL, &err);
 *
 * Conventions (all of libpose):
 *   - Functions that can fail at run time return a negative pose_status (or NULL) and, when err
 *     is not NULL, fill err->msg naming the file, line or field. They never print and never exit.
 *   - Pixels are of the original frame; times are seconds from the stream start; angles degrees.
 */
#ifndef POSE_H
#define POSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSE_VERSION "0.1.0"

typedef enum pose_status {
    POSE_OK = 0,
    POSE_EINVAL = -1,  /* bad argument or malformed input */
    POSE_ENOMEM = -2,
    POSE_EIO = -3,     /* file could not be read or written */
    POSE_ENOTFOUND = -4,
    POSE_EUNSUPPORTED = -5,
    POSE_EDB = -6      /* database error (corrupt or locked) */
} pose_status;

typedef struct pose_error {
    int code;
    char msg[512];
} pose_error;

/* The library's version string, POSE_VERSION. Thread-safe. */
const char *pose_version(void);

/* ==== DTW (dtw*.c) ==== */

/* ==== keypoint series I/O: JSONL frames reader (frames*.c) ==== */

/* ==== kinematics: joint angles (kinematics*.c) ==== */

/* ==== repetitions (reps*.c) ==== */

/* ==== reference store (refstore*.c, SQLite) ==== */

/* ==== comparison and feedback (compare*.c, feedback*.c) ==== */

/* ==== video source (source*.c) ==== */

/* ==== preprocessing (preprocess*.c) ==== */

/* ==== models: movenet, blazepose (movenet*.c, blazepose*.c) ==== */

/* ==== tracker and One Euro smoother (tracker*.c, one_euro*.c) ==== */

/* ==== outputs: JSONL, CSV, overlay (export*.c, overlay*.c) ==== */

#ifdef __cplusplus
}
#endif
#endif
