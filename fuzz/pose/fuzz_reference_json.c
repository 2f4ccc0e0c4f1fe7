/*
 * fuzz_reference_json.c - libFuzzer target for the reference JSON reader (pose_reference_from_json,
 * what `pose reference import` parses): any bytes give a valid reference or a clean error. A parsed
 * reference must pass pose_reference_check, survive a JSON round trip, and be usable by
 * pose_compare_run on a short synthetic angle series without crashing.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pose_error err = {0};
    pose_reference r;
    if (pose_reference_from_json((const char *)data, size, "fuzz", &r, &err) != POSE_OK) {
        if (!err.msg[0] || r.tmpl || r.sd) abort();
        return 0;
    }
    if (pose_reference_check(&r, &err) != POSE_OK) abort();
    char *js = NULL;
    if (pose_reference_to_json(&r, &js, &err) != POSE_OK) abort();
    pose_reference b;
    if (pose_reference_from_json(js, strlen(js), "again", &b, &err) != POSE_OK) abort();
    if (b.len != r.len || b.njoints != r.njoints) abort();
    pose_reference_free(&b);
    free(js);
    if (r.len <= 200) { /* a small session: two cycles of the driver */
        pose_angles a;
        memset(&a, 0, sizeof a);
        a.n = 120;
        a.is_3d = r.is_3d;
        a.t = malloc(a.n * sizeof(double));
        a.deg = malloc(a.n * POSE_ANGLE_COUNT * sizeof(double));
        a.vel = malloc(a.n * POSE_ANGLE_COUNT * sizeof(double));
        a.acc = malloc(a.n * POSE_ANGLE_COUNT * sizeof(double));
        for (size_t i = 0; i < a.n; i++) {
            a.t[i] = (double)i / 30.0;
            for (int c = 0; c < POSE_ANGLE_COUNT; c++) {
                a.deg[i * POSE_ANGLE_COUNT + c] = 45 - 45 * cos(3.14159265358979323846 * a.t[i]);
                a.vel[i * POSE_ANGLE_COUNT + c] = a.acc[i * POSE_ANGLE_COUNT + c] = 0;
            }
        }
        pose_comparison c;
        if (pose_compare_run(&a, &r, NULL, &c, &err) == POSE_OK) pose_comparison_free(&c);
        pose_angles_free(&a);
    }
    pose_reference_free(&r);
    return 0;
}
