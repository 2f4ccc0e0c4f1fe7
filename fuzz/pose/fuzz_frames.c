/*
 * fuzz_frames.c - libFuzzer target for the JSONL frames reader (pose_frames_parse): any bytes must
 * give a reader or a clean error with a message, never a crash or a leak. Parsed files go on through
 * pose_frames_series and pose_angles_compute (2D and, when present, 3D) so the kinematics see
 * arbitrary numbers too (NaN, huge, repeated times).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "pose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pose_error err = {0};
    pose_frames_t *f = pose_frames_parse((const char *)data, size, "fuzz", &err);
    if (!f) {
        if (!err.msg[0]) abort();
        return 0;
    }
    pose_frames_info info;
    pose_frames_get_info(f, &info);
    pose_kp_series s;
    if (pose_frames_series(f, -1, &s, &err) == POSE_OK) {
        if (s.n != info.frames || s.nkp != info.nkp) abort();
        pose_angles a;
        if (pose_angles_compute(&s, NULL, &a, &err) == POSE_OK) {
            for (size_t i = 0; i < a.n * POSE_ANGLE_COUNT; i++)
                if (isinf(a.deg[i])) abort();
            pose_angles_free(&a);
        }
        pose_kp_series_free(&s);
    }
    pose_frames_free(f);
    return 0;
}
