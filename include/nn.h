/*
 * nn.h - the inference engine: loads TF.js graph models (model.json + weight files) and runs them
 * on the CPU (reference C kernels, SIMD kernels chosen at run time, a thread pool) or, when built
 * with NN_CUDA and a GPU is present, on the GPU. Activations live in one arena planned by libvram.
 * It knows nothing of people (pose). Every symbol starts with nn_ (internals: nn__).
 *
 * Usage:
 *
 *     nn_error err = {0};
 *     nn_model_t *m = nn_model_load("models/movenet-lightning.json", NULL, &err);
 *     if (!m) { fprintf(stderr, "%s\n", err.msg); return 1; }
 *     ... fill the input tensor, nn_model_run(m, ...), read outputs ...
 *     nn_model_free(m);
 *
 * Conventions (all of libnn):
 *   - Functions that can fail at run time return a negative nn_status (or NULL) and, when err is
 *     not NULL, fill err->msg naming the file and the node ("model.json: node 'conv_12': ...").
 *     They never print and never exit. Programming errors are asserts.
 *   - Tensors are NHWC, C order, little-endian; shapes are int64_t dims.
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_VERSION "0.1.0"

typedef enum nn_status {
    NN_OK = 0,
    NN_EINVAL = -1,      /* malformed model or bad argument */
    NN_ENOMEM = -2,
    NN_EIO = -3,         /* missing, unreadable or truncated file */
    NN_EUNSUPPORTED = -4 /* op or attribute we do not implement */
} nn_status;

typedef struct nn_error {
    int code;
    char msg[512];
} nn_error;

/* The library's version string, NN_VERSION. Thread-safe. */
const char *nn_version(void);

#ifdef __cplusplus
}
#endif
#endif
