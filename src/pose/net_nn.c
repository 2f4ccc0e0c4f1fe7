/*
 * net_nn.c - the pose__net seam implemented with libnn (include/nn.h): one nn model per net, the
 * input passed as a view (no copy), outputs found by element count among the model's outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "nn.h"

typedef struct nn_net {
    pose__net base;
    nn_model_t *m;
    nn_dtype dtype;
    int n;
    char path[1100];
} nn_net;

static pose__net_loader loader_override;

void pose__net_set_loader(pose__net_loader loader) { loader_override = loader; }

static int to_pose_status(int nn_code)
{
    switch (nn_code) {
    case NN_ENOMEM: return POSE_ENOMEM;
    case NN_EIO: return POSE_EIO;
    case NN_EUNSUPPORTED: return POSE_EUNSUPPORTED;
    default: return POSE_EINVAL;
    }
}

static int nn_net_run(pose__net *base, const void *input, pose_error *err)
{
    nn_net *n = (nn_net *)base;
    nn_tensor x = {n->dtype, 4, {1, n->n, n->n, 3}, (void *)input};
    nn_error e = {0};
    int rc = nn_model_run(n->m, &x, &e);
    if (rc < 0) {
        if (err) {
            err->code = to_pose_status(rc);
            snprintf(err->msg, sizeof err->msg, "%.300s: %.200s", n->path, e.msg);
        }
        return err ? err->code : POSE_EINVAL;
    }
    return 0;
}

static const float *nn_net_output(pose__net *base, size_t count)
{
    nn_net *n = (nn_net *)base;
    int k_max = nn_model_output_count(n->m);
    for (int k = 0; k < k_max; k++) {
        const nn_tensor *t = nn_model_output(n->m, k);
        if (t && t->dtype == NN_FLOAT32 && (size_t)nn_tensor_count(t) == count) return t->data;
    }
    return NULL;
}

static void nn_net_free(pose__net *base)
{
    nn_net *n = (nn_net *)base;
    nn_model_free(n->m);
    free(n);
}

pose__net *pose__net_load(const char *models_dir, const char *name, int size, int is_int, int threads,
                          pose_error *err)
{
    if (loader_override) return loader_override(models_dir, name, size, is_int, threads, err);
    nn_net *n = calloc(1, sizeof *n);
    if (!n) {
        if (err) {
            err->code = POSE_ENOMEM;
            snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
        }
        return NULL;
    }
    snprintf(n->path, sizeof n->path, "%.1000s/%s.json", models_dir ? models_dir : ".", name);
    n->dtype = is_int ? NN_INT32 : NN_FLOAT32;
    n->n = size;
    n->base.run = nn_net_run;
    n->base.output = nn_net_output;
    n->base.free = nn_net_free;
    nn_options o = nn_options_defaults();
    if (threads > 0) o.threads = threads;
    nn_error e = {0};
    n->m = nn_model_load(n->path, &o, &e);
    if (!n->m) {
        if (err) {
            err->code = to_pose_status(e.code ? e.code : NN_EIO);
            snprintf(err->msg, sizeof err->msg, "%.500s", e.msg[0] ? e.msg : n->path);
        }
        free(n);
        return NULL;
    }
    nn_tensor_info in;
    if (nn_model_input_count(n->m) != 1 || nn_model_input_info(n->m, 0, &in) != 0 || in.dtype != n->dtype ||
        in.rank != 4) {
        if (err) {
            err->code = POSE_EINVAL;
            snprintf(err->msg, sizeof err->msg, "%.300s: expected one %s [1,%d,%d,3] input", n->path,
                     is_int ? "int32" : "float32", size, size);
        }
        nn_model_free(n->m);
        free(n);
        return NULL;
    }
    return &n->base;
}
