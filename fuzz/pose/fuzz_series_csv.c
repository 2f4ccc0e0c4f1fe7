/*
 * fuzz_series_csv.c - libFuzzer target for the series CSV parser (pose_series_csv_parse): any bytes
 * must give POSE_OK with consistent sizes or a clean error, never a crash or a leak. On success the
 * series also goes through DTW against itself (distance 0) to exercise the kernel on parsed data.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double *x = NULL;
    size_t n = 0, nd = 0;
    pose_error err = {0};
    int rc = pose_series_csv_parse((const char *)data, size, "fuzz", &x, &n, &nd, &err);
    if (rc == POSE_OK) {
        if (!x || n == 0 || nd == 0) abort();
        if (n <= 64) {
            double d = pose_dtw_distance(x, n, x, n, nd, NULL, &err);
            if (d != 0.0) abort();
        }
        free(x);
    } else if (x || !err.msg[0]) {
        abort();
    }
    return 0;
}
