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

/* The CPU kernel table this process runs, chosen on first use from the CPU and NN_SIMD: "scalar"
 * (the reference kernels), "avx2", "avx512" (12 x 32 GEMM blocks) or "avx512/12x16" (CPUs that run
 * 512-bit ops as two halves). Thread-safe. */
const char *nn_cpu_kernels_name(void);

/* ==== models: load, plan, run (model*.c, loader*.c, graph*.c, plan*.c, exec*.c) ==== */
/*
 * A model is a TF.js graph model (model.json + the weight files its weightsManifest names, read from
 * the folder of model.json). Loading parses the graph, dequantizes the weights into one slab
 * (float16 and uint8-affine exactly as TF.js does), orders the nodes, and plans a run for the
 * signature's input shapes (batch 1 where the signature leaves it open): shape and dtype inference,
 * folding of everything computable from constants and shapes, tensor lifetimes -> one activation
 * arena whose offsets come from vram_plan_offsets() (on two threads, from lanes that keep each
 * thread writing the bytes it wrote before: docs/ENGINE.md). A run then never allocates.
 *
 *     nn_options o = nn_options_defaults();          // threads = number of cores
 *     nn_model_t *m = nn_model_load("models/movenet-lightning.json", &o, &err);
 *     nn_tensor_info in;
 *     nn_model_input_info(m, 0, &in);                // "input", NN_INT32, [1,192,192,3]
 *     nn_tensor x = {NN_INT32, in.rank, {0}, pixels}; memcpy(x.shape, in.shape, sizeof x.shape);
 *     if (nn_model_run(m, &x, &err) < 0) ...;
 *     const nn_tensor *y = nn_model_output(m, 0);   // [1,1,17,3] float32, valid until the next run
 *     nn_model_free(m);
 *
 * Thread safety: a model is used by one thread at a time (it owns the arena and the pool that runs
 * its kernels); different models may run concurrently in different threads. The functions without
 * a model argument are thread-safe.
 */

#define NN_MAX_RANK 8

typedef enum nn_dtype {
    NN_FLOAT32 = 0,  /* float, 4 bytes */
    NN_INT32 = 1,    /* int32_t, 4 bytes */
    NN_BOOL = 2      /* uint8_t 0 or 1, 1 byte */
} nn_dtype;

/* "float32", "int32", "bool" ("?" for anything else). Thread-safe, never NULL. */
const char *nn_dtype_name(nn_dtype t);

/* Bytes per element of t (4, 4, 1; 0 for an unknown value). Thread-safe. */
size_t nn_dtype_size(nn_dtype t);

/* A dense tensor: NHWC for images, C order, little-endian. Plain data; data is not owned. */
typedef struct nn_tensor {
    nn_dtype dtype;
    int rank;                       /* 0..NN_MAX_RANK (0 = scalar) */
    int64_t shape[NN_MAX_RANK];     /* shape[0..rank) */
    void *data;                     /* prod(shape) elements of dtype */
} nn_tensor;

/* Elements in t (1 for a scalar). Thread-safe. */
int64_t nn_tensor_count(const nn_tensor *t);

/* A signature input or output as planned now (shape includes the current batch). name points into
 * the model (valid until nn_model_free). */
typedef struct nn_tensor_info {
    const char *name;               /* graph node name ("input", "Identity_2"), without ":0" */
    const char *key;                /* signature key ("input:0"), the name TF.js users know */
    nn_dtype dtype;
    int rank;
    int64_t shape[NN_MAX_RANK];
} nn_tensor_info;

typedef struct nn_options {
    int threads;                    /* worker threads for the kernels, >= 1; results do not depend on it */
} nn_options;

/* threads = the number of online CPUs. Thread-safe. */
nn_options nn_options_defaults(void);

typedef struct nn_model nn_model_t;

/* Loads path (model.json) and its weight files (paths relative to model.json's folder) and plans a
 * batch-1 run. opt may be NULL (defaults). Returns NULL on failure with err filled, naming the
 * file and the node or weight: missing or truncated weight files, byte counts that disagree with
 * the manifest, malformed JSON, unknown ops or attributes (NN_EUNSUPPORTED), cycles, shape or
 * dtype mismatches. Starts opt->threads - 1 worker threads, which live until nn_model_free. */
nn_model_t *nn_model_load(const char *path, const nn_options *opt, nn_error *err);

/* Frees the model, its weights, arena and threads. NULL is fine. */
void nn_model_free(nn_model_t *m);

/* Signature inputs, in the order of the signature (the order `nn run --input` takes them). */
int nn_model_input_count(const nn_model_t *m);
/* Fills *info for input i (0 <= i < count). Returns 0, or NN_EINVAL for i out of range. */
int nn_model_input_info(const nn_model_t *m, int i, nn_tensor_info *info);

/* Signature outputs, sorted by graph node name (strcmp): the order of ../shared/reference out<k>. */
int nn_model_output_count(const nn_model_t *m);
int nn_model_output_info(const nn_model_t *m, int k, nn_tensor_info *info);

/* Replans for a batch of n (>= 1) in dimension 0 of every input whose signature shape leaves that
 * dimension open (-1) or equals 1. Allocates (a new arena); call it outside the hot path.
 * Returns 0, or a negative status with err naming the node where shapes stop agreeing (the old
 * plan stays usable then). */
int nn_model_set_batch(nn_model_t *m, int64_t n, nn_error *err);

/* Runs the model on inputs[0..input_count) (signature order). Each input's dtype and shape must
 * equal nn_model_input_info's, except that a different dimension 0 replans as nn_model_set_batch
 * does (so the first run at a new batch allocates). Input data is only read during the call.
 * Returns 0, or a negative status with err filled (wrong dtype, rank or shape, naming the input;
 * an index out of range in GatherNd, naming the node). No allocation on the planned path. */
int nn_model_run(nn_model_t *m, const nn_tensor *inputs, nn_error *err);

/* Output k of the last successful run (order of nn_model_output_info), as a view into the model:
 * valid until the next nn_model_run, nn_model_set_batch or nn_model_free. Dtype as the graph
 * produces it (float32 for all seven pose models). NULL when k is out of range or nothing ran. */
const nn_tensor *nn_model_output(const nn_model_t *m, int k);

/* Figures for `nn info`, for the current plan. */
typedef struct nn_model_stats {
    int nodes;                      /* graph nodes in model.json */
    int steps;                      /* kernel launches per run, after folding */
    int folded;                     /* nodes computed at load time (constants and shapes) */
    int pads_fused;                 /* zero Pads that became the padding of the conv reading them */
    int adds_fused;                 /* AddV2s done in the epilogue of the conv or resize producing an operand */
    int acts_fused;                 /* Relu/Relu6s done in the epilogue of the conv producing their input */
    int expands_fused;              /* 1x1 expansions computed band by band inside the depthwise
                                       conv reading them (their output never fills memory) */
    int dws_fused;                  /* depthwise convs computed band by band inside the 1x1 conv
                                       reading them (likewise) */
    int pws_fused;                  /* 1x1 convs computed band by band inside the 1x1 conv reading
                                       them (likewise) */
    int concats_inplace;            /* ConcatV2/Pack ops whose pieces their producers write into
                                       the output (no copy, no step) */
    int64_t params;                 /* weight values (elements of all Const nodes) */
    uint64_t weight_bytes;          /* the dequantized weight slab */
    double gflops;                  /* 2 x multiply-adds of the conv-like steps per run, 1e9 */
    uint64_t arena_bytes;           /* planned activation arena (vram_plan_offsets peak, or the
                                       lanes' when arena_lanes) */
    uint64_t arena_lower_bound;     /* max over steps of the live bytes: no plan is smaller */
    uint64_t arena_no_reuse;        /* sum of all activation sizes: the arena without reuse */
    int threads;
    int arena_lanes;                /* 1: placed in lanes for two threads (each value's split
                                       between the threads on a pivot: docs/ENGINE.md) */
    int convs_packed;               /* convolutions whose weights were packed at load for the SIMD
                                       kernels */
    int convs_half;                 /* ... of which as float16 halves (every weight exactly a half,
                                       enough of them: docs/ENGINE.md) */
    uint64_t packed_bytes;          /* the packed weights' bytes */
    uint64_t band_bytes;            /* the per-chunk bands of the steps that compute an input of
                                       theirs band by band (outside the arena) */
} nn_model_stats;

/* Fills *s. Returns 0. */
int nn_model_stats_get(const nn_model_t *m, nn_model_stats *s);

/* Distinct op types of the graph in model.json, sorted by name, with their node counts (Const and
 * Placeholder included). Returns the number of distinct ops; fills op/count for i < that number. */
int nn_model_op_count(const nn_model_t *m);
int nn_model_op_info(const nn_model_t *m, int i, const char **op, int *count);

/* Per-op profile (`nn bench --profile`). While profiling is on, nn_model_run times every step of
 * the plan (wall time of the whole step, all threads together, so the rows add up to the run) and
 * adds it to its op type. nn_model_profile(m, 1) switches it on and clears the figures; 0 switches
 * it off; a replan (new batch) clears them too. Costs two clock reads per step. */
typedef struct nn_op_profile {
    const char *op;                 /* op type as in model.json ("_FusedConv2D"), valid while m lives */
    int steps;                      /* steps of this type per run */
    double ms;                      /* time per run: summed over the profiled runs, divided by runs */
    double gflop;                   /* 2 x multiply-adds per run, 1e9 (0 for ops without a count) */
} nn_op_profile;

int nn_model_profile(nn_model_t *m, int on);

/* The profile of the runs since it was switched on: fills rows[0..min(n, max)) sorted by time,
 * slowest first, and *runs with the number of profiled runs (may be NULL). Returns n, the number
 * of op types with steps in the plan (0 when nothing ran), or NN_ENOMEM. */
int nn_model_profile_get(const nn_model_t *m, nn_op_profile *rows, int max, int *runs);

#ifdef __cplusplus
}
#endif
#endif
