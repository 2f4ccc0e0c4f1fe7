/*
 * net.h - internal: the inference seam of the estimators. A pose__net runs one model on one input
 * tensor and exposes its float outputs by element count (each pose model's outputs have distinct
 * sizes, which is sturdier than relying on output order). net_nn.c implements it with libnn; tests
 * implement it with recorded outputs.
 */
#ifndef POSE_NET_H
#define POSE_NET_H

#include <stddef.h>

#include "pose.h"

typedef struct pose__net pose__net;
struct pose__net {
    /* Runs on input (NHWC [1,N,N,3], int32 or float32 as the model wants). 0 or negative status. */
    int (*run)(pose__net *n, const void *input, pose_error *err);
    /* The output tensor with exactly `count` float elements after the last run, or NULL. */
    const float *(*output)(pose__net *n, size_t count);
    void (*free)(pose__net *n);
};

/* Loads models_dir/<name>.json with libnn for an N x N x 3 input of the given dtype (int32 when
 * is_int, else float32). NULL with err filled (missing file, engine failure). */
pose__net *pose__net_load(const char *models_dir, const char *name, int n, int is_int, int threads,
                          pose_error *err);

/* Tests: replace the loader (NULL restores libnn). Not thread-safe; call before creating estimators. */
typedef pose__net *(*pose__net_loader)(const char *models_dir, const char *name, int n, int is_int,
                                       int threads, pose_error *err);
void pose__net_set_loader(pose__net_loader loader);

#endif
