/*
 * nn_internal.h - libnn's internal model representation, shared by the loader, the graph passes,
 * the planner, the op table and the executor (every symbol nn__*).
 *
 * The layers of a loaded model:
 *   nn__graph  what model.json says, immutable after load: nodes (name, op, inputs resolved to value
 *              ids, attributes), the signature, the weight slab. A node with k outputs owns the k
 *              consecutive value ids out0 .. out0+k-1 ("name:i" is out0+i).
 *   nn__plan   one run's worth of decisions for given input shapes, rebuilt by nn_model_set_batch:
 *              every value's dtype, shape and storage (weight slab, folded constant, user input or
 *              arena offset), per-node resolved parameters, the step list and the arena.
 * The executor walks plan->steps calling the op table's run function for each.
 */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "nn.h"

/* ---- errors ---- */

/* Fills err (if not NULL) with code and the printf-style message; returns code. */
int nn__err(nn_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- weights decoding (decode.c) ---- */

/* IEEE half -> float, exact for every input (subnormals, inf, NaN payloads kept). */
float nn__f16_to_f32(uint16_t h);
/* float -> IEEE half when f is exactly one (nn__f16_to_f32(*h) has f's bits: +-0, subnormal halves,
 * inf and NaNs whose payload fits included): returns 1 and sets *h; else returns 0. */
int nn__f32_to_f16_exact(float f, uint16_t *h);

/* TF.js uint8 affine dequantization: float32(v * scale + min) computed in double, as JS does. */
float nn__dequant_u8(uint8_t v, double scale, double min);

/* Standard base64 (RFC 4648, '=' padding optional). Writes at most cap bytes to out and returns the
 * decoded length, or -1 on a bad character or when out is too small. (jansson has no base64 and
 * libnn must not link FFmpeg, so this is ours.) */
long nn__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* ---- memory (region.c) ---- */

/* A large long-lived buffer on transparent huge pages where the kernel has them (region.c): 64-byte
 * aligned; free() releases it. NULL when out of memory. */
void *nn__huge_alloc(size_t bytes);

/* Many buffers released together, carved from huge-page chunks: nn__region r = {0}; p =
 * nn__region_alloc(&r, bytes) (64-byte aligned, not cleared, NULL when out of memory); ...;
 * nn__region_free(&r). */
typedef struct nn__region_chunk nn__region_chunk;
typedef struct nn__region {
    nn__region_chunk *head;
    size_t next_size;
} nn__region;
void *nn__region_alloc(nn__region *r, size_t bytes);
void nn__region_free(nn__region *r);

/* ---- graph ---- */

#define NN__MAX_OUTPUTS 64  /* outputs one node may have (Unpack/Split pieces) */

struct nn__op_def;

typedef struct nn__node {
    const char *name;         /* points into the parsed JSON (graph->json keeps it alive) */
    const char *op;
    const struct nn__op_def *def;  /* NULL for Const and Placeholder */
    json_t *attr;             /* borrowed from graph->json; may be NULL */
    int nin;
    int *in;                  /* value ids of the data inputs (control inputs "^x" dropped) */
    int nout;                 /* outputs referenced by the graph (at least 1) */
    int out0;                 /* value id of output 0 */
    int is_const, is_input;   /* Const (weight) / Placeholder */
    int64_t weight;           /* Const: index into graph->weights, else -1 */
} nn__node;

typedef struct nn__weight {
    const char *name;
    nn__dtype dtype;
    nn__shape shape;
    void *data;               /* in graph->slab */
} nn__weight;

typedef struct nn__sig {
    const char *key;          /* signature key ("input:0") */
    int node;                 /* node index */
    int value;                /* value id */
    nn__dtype dtype;
    nn__shape shape;          /* from the signature / Placeholder; -1 = open */
} nn__sig;

typedef struct nn__graph {
    char path[256];           /* model.json as given, for messages */
    json_t *json;             /* parsed model.json, owns every string above */
    int nnodes;
    nn__node *nodes;
    int nvalues;
    int *value_node;          /* value id -> node index */
    int *order;               /* topological order of the nodes */
    int nweights;
    nn__weight *weights;
    void *slab;               /* all weights, dequantized, 64-byte aligned each */
    size_t slab_bytes;
    int64_t params;
    int ninputs, noutputs;
    nn__sig *inputs;          /* signature order */
    nn__sig *outputs;         /* sorted by node name */
    int *sorted;              /* node indices sorted by name (bsearch) */
    int64_t max_elems;        /* largest tensor planning accepts (0: 2^34); the fuzzer lowers it */
    int weights_prefix;       /* load_mem: the weight bytes may be longer than the manifest needs (fuzzer) */
} nn__graph;

/* loader.c: parse model.json + weights into g (zeroed by the caller). Returns 0 or negative with err. */
int nn__graph_load(nn__graph *g, const char *path, nn_error *err);
/* The same from JSON text in memory and weight bytes in memory (tests, fuzzing). path names them. */
int nn__graph_load_mem(nn__graph *g, const char *path, const char *json_text, size_t json_len,
                       const void *weights, size_t weights_len, nn_error *err);
void nn__graph_free(nn__graph *g);

/* graph.c: index names, resolve inputs to value ids, topological order (cycle -> error naming a
 * node on the cycle). Called by the loader. */
int nn__graph_link(nn__graph *g, nn_error *err);
/* Node index by exact name, or -1. */
int nn__graph_find(const nn__graph *g, const char *name);
/* Parses "name", "name:k" into (node, k); -1 when the node does not exist. */
int nn__graph_ref(const nn__graph *g, const char *ref, int *k);

/* ---- attributes (attr.c) ---- */
/* Each returns 1 when found and well-formed, 0 when absent, -1 when present but malformed. */
int nn__attr_int(const nn__node *n, const char *key, int64_t *v);
int nn__attr_ints(const nn__node *n, const char *key, int64_t *v, int cap, int *count);
int nn__attr_bool(const nn__node *n, const char *key, int *v);
int nn__attr_float(const nn__node *n, const char *key, double *v);
/* String attribute (base64 in model.json), decoded and NUL-terminated into buf. */
int nn__attr_str(const nn__node *n, const char *key, char *buf, size_t cap);
/* i-th string of a list of strings ({"list":{"s":[...]}}); count in *count. */
int nn__attr_strs(const nn__node *n, const char *key, int i, char *buf, size_t cap, int *count);
int nn__attr_type(const nn__node *n, const char *key, nn__dtype *t);
/* "DT_FLOAT" / "float32" -> dtype; -1 when unsupported. */
int nn__dtype_parse(const char *s, nn__dtype *t);

/* ---- plan ---- */

/* ALIAS: the output of a copy-only op (Identity, Reshape, Squeeze, ExpandDims) on an arena value:
 * same bytes as value `alias` (an ARENA value), another shape; no step, no copy. Or a piece of a
 * concatenation done in place (plan_fuse.c): its producer writes it at byte alias_at of the
 * concatenation's output, `alias`. */
enum { NN__V_NONE = 0, NN__V_CONST, NN__V_INPUT, NN__V_ARENA, NN__V_ALIAS };

typedef struct nn__value {
    int kind;
    nn__dtype dtype;
    nn__shape shape;
    void *data;               /* CONST: slab or owned; ARENA: arena + offset; INPUT: set per run */
    void *owned;              /* folded constant buffer (freed with the plan) */
    void *aux;                /* op data derived from constants at plan time, in the plan's region
                                 (ops_conv.c: the packed filter of a Conv2D, see cpu/cpu.h) */
    uint64_t offset;
    int first, last;          /* ARENA: lifetime in steps */
    int alias;                /* ALIAS: the ARENA value id whose bytes this is */
    uint64_t alias_at;        /* ALIAS: ... from this byte of it on (0 but for concatenated pieces) */
} nn__value;

/* The bytes of value v's elements (plan.c). */
size_t nn__value_bytes(const nn__value *v);

/* Per-node parameters resolved by the shape functions (small, per op). */
typedef union nn__params {
    struct {
        nn__conv_params cp;
        int64_t oh, ow;
        int depthwise;
        int expand;           /* depthwise: 1 + the node of a 1x1 conv computed band by band
                                 inside this step (plan_fuse.c), 0 = none */
        int pre;              /* 1x1 conv: 1 + the node of the depthwise or 1x1 conv before it
                                 computed band by band inside this step (plan_fuse.c), 0 = none */
        int64_t band_rows;    /* with expand: rows of the expanded tensor per chunk's band; with
                                 pre: rows of the first conv's output per band */
    } conv;
    struct { int op; } code;                 /* binop / unop / dtype */
    struct { int axis; int n; int64_t k; } ax;
    struct { int64_t before[NN__MAX_RANK], after[NN__MAX_RANK]; } pad;
    struct { int align, half; } resize;
    struct { int64_t axes[NN__MAX_RANK]; int naxes; int red; } red;
    struct { int64_t v[NN__MAX_RANK]; double start, delta; } misc;
    nn__slice_spec slice;
} nn__params;

typedef struct nn__plan {
    int64_t batch;
    int nvalues;
    nn__value *vals;          /* per value id */
    nn__params *par;          /* per node */
    double *flops;            /* per node, 2 x MACs */
    int nsteps;
    int *steps;               /* node indices, execution order */
    void *arena;
    uint64_t arena_bytes, lower_bound, no_reuse;
    int lanes;                /* 1: the arena is placed in lanes for two threads (plan_lanes.c) */
    int convs_packed;         /* Conv2Ds with their weights packed at plan time (ops_conv.c) */
    int convs_half;           /* ... of which as IEEE halves (cpu.h: wh) */
    uint64_t packed_bytes;    /* the packed blocks' bytes */
    double gflops;
    int folded;
    int pads_fused;           /* Pad steps folded into the padding of the conv reading them */
    int *in0;                 /* per node: 1 + the value read as input 0 instead of the graph's
                                 (a conv that took over its Pad), 0 = the graph's input */
    int adds_fused;           /* AddV2 steps folded into the conv or resize producing one of their operands */
    int acts_fused;           /* Relu/Relu6 steps folded into the conv producing their input */
    int *res;                 /* per node: 1 + the value a conv or resize adds to its output (the
                                 other operand of a fused AddV2), 0 = none */
    int expands_fused;        /* 1x1 convs computed band by band inside the depthwise reading them */
    int dws_fused;            /* depthwise convs computed band by band inside the 1x1 conv reading them */
    int pws_fused;            /* 1x1 convs computed band by band inside the 1x1 conv reading them */
    int concats_inplace;      /* ConcatV2/Pack steps whose pieces their producers write in place */
    int64_t band_max;         /* floats of the largest band a fused step needs per chunk (plan_fuse.c) */
    float *bands;             /* nchunks bands of band_stride floats (nn__plan_build), NULL when
                                 no step is fused band by band */
    int64_t band_stride;      /* floats from one chunk's band to the next: band_max rounded up to
                                 NN__BAND_APART bytes when there are several chunks */
    int nchunks;              /* the most chunks a threaded step is split into (one band each) */
    int chunk_rc;             /* the first failing chunk's code in nn__plan_run_step (atomic), 0 */
    int64_t expand_min_bytes; /* fuse a 1x1 expansion (a depthwise conv) into its reader when its
                                 output per image has this many bytes */
    int64_t band_bytes;       /* ... and give each chunk a band of about this many bytes */
    nn_tensor *outs;          /* output views, per signature output */
    nn__region region;        /* the values' aux data (packed filters) */
} nn__plan;

/* Context handed to an op's shape and run functions. */
typedef struct nn__exec {
    const nn__graph *g;
    nn__plan *p;
    int node;
    nn_error *err;
} nn__exec;

static inline const nn__node *nn__enode(const nn__exec *e) { return &e->g->nodes[e->node]; }
/* Value id of input i of node as the plan runs it (the graph's, or a fused Pad's input). */
static inline int nn__plan_in(const nn__graph *g, const nn__plan *p, int node, int i)
{
    return i == 0 && p->in0 && p->in0[node] ? p->in0[node] - 1 : g->nodes[node].in[i];
}
static inline nn__value *nn__ein(const nn__exec *e, int i) { return &e->p->vals[nn__plan_in(e->g, e->p, e->node, i)]; }
static inline nn__value *nn__eout(const nn__exec *e, int k) { return &e->p->vals[e->g->nodes[e->node].out0 + k]; }
static inline nn__params *nn__epar(const nn__exec *e) { return &e->p->par[e->node]; }

/* Error naming the file and node: "model.json: node 'x' (Op): <msg>". Returns code. */
int nn__node_err(const nn__exec *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- op table (ops_table.c, ops_*.c) ---- */

enum {
    NN__OP_THREADED = 1,      /* run takes (ith, nth) and splits the work */
    NN__OP_SHAPE_ONLY = 2,    /* output depends only on input shapes: always folded */
    NN__OP_ALIAS = 4,         /* output 0 has input 0's bytes (copy-only op): aliased, not run */
    NN__OP_ZERO_PAD_IN = 8,   /* a conv (nn__params.conv): input 0 may take a Pad as implicit zero
                                 padding (taps on padded cells count 0, like real zeros) */
    NN__OP_ALIAS_WHOLE = 16   /* with one output of as many elements as input `arg` (an Unpack of a
                                 dim of 1, a Split into one piece, a Pack or ConcatV2 of one tensor),
                                 that output has the input's bytes: aliased, not run */
};

typedef struct nn__op_def {
    const char *name;
    int min_in, max_in;       /* data inputs accepted (max -1 = any) */
    int flags;
    int arg;                  /* op variant for shared functions (nn__binop, nn__unop, ...) */
    /* Checks inputs, resolves attributes into nn__epar(e), sets every output's dtype and shape
     * (and e->p->flops[node]). Returns the number of outputs (>= 1) or a negative status. */
    int (*shape)(nn__exec *e);
    /* Computes the outputs (inputs and outputs have data). Returns 0 or negative status. */
    int (*run)(const nn__exec *e, int ith, int nth);
} nn__op_def;

/* The op named name, or NULL when unsupported. */
const nn__op_def *nn__op_find(const char *name);

/* The per-file parts of the table, each ended by an entry with name NULL. */
extern const nn__op_def nn__ops_conv[], nn__ops_elem[], nn__ops_shape[], nn__ops_data[];

/* Helpers for shape functions (ops_util.c). */
/* Reads a constant int32 input i as int64 values into v (cap entries); -1 with an error if the
 * input is not a constant known at load time, not int32 or too long. */
int nn__const_ints(const nn__exec *e, int i, int64_t *v, int cap, int *count);
int nn__set_out(const nn__exec *e, int k, nn__dtype dt, const nn__shape *s);
/* A scalar (or single-element) constant int32 input. */
int nn__const_int(const nn__exec *e, int i, int64_t *v);
/* Checks that input i has dtype dt. */
int nn__want_dtype(const nn__exec *e, int i, nn__dtype dt);
void nn__shape_str(const nn__shape *s, char *buf, size_t cap);

/* plan_fuse.c: after shape inference, before placement: a zero Pad of H and W whose only reader is
 * a convolution becomes that convolution's implicit padding (no step, no copy); an AddV2 of a
 * packed Conv2D's output (its only reader) and a same-shaped value computed before the conv is
 * done by the conv's epilogue (the AddV2's output becomes an alias of the conv's); so is a
 * Relu/Relu6 of it; a large 1x1 expansion read only by a depthwise conv is computed inside it,
 * band by band (its output is no value any more: per-chunk bands, ops_conv.c), and so is a large depthwise
 * output read only by a 1x1 conv; a ConcatV2 or Pack whose pieces are contiguous in its output
 * (every dim before the axis 1) and each read by it alone is done in place: each piece's producer
 * writes into the output (the pieces become aliases at offsets of it), the concat is no step. */
void nn__plan_fuse(const nn__graph *g, nn__plan *p);

/* How a plan is built: nchunks, the most chunks the executor splits a threaded step into (its
 * threads x chunks per thread; a fused step has one band per chunk); 1x1 expansions and
 * depthwise outputs of at least expand_min_bytes per image are fused into the conv that reads
 * them, with bands of about band_bytes (plan_fuse.c; 0 = the defaults below). */
typedef struct nn__plan_opts {
    int nchunks;
    int64_t expand_min_bytes, band_bytes;
} nn__plan_opts;
#define NN__EXPAND_MIN_BYTES ((int64_t)1 << 20)
#define NN__BAND_BYTES ((int64_t)512 << 10)
/* Each chunk's band starts this many bytes (a multiple of) after the previous chunk's: two threads
 * filling bands that lay side by side (as slots of one arena value) ran the second chunk of a
 * fused step 20-30 % slower, though only when both ran at once; 512 KB apart they ran alike
 * (docs/ENGINE.md). 2 MB: each band on its own huge page. */
#define NN__BAND_APART ((int64_t)2 << 20)

/* plan.c: builds a plan for input shapes in_shapes (per signature input); o NULL: one chunk and
 * the default fusion sizes. */
int nn__plan_build(const nn__graph *g, const nn__shape *in_shapes, const nn__plan_opts *o, nn__plan *p,
                   nn_error *err);
void nn__plan_free(nn__plan *p);

/* plan_lanes.c: offsets for t[0..n) such that byte split[i] of each value falls on a lane's pivot
 * (to within align); *peak: the arena's bytes. -1 when out of memory. */
struct vram_plan_tensor;
int nn__plan_lanes(struct vram_plan_tensor *t, const uint64_t *split, size_t n, uint64_t align, uint64_t *peak);

/* ---- thread pool (pool.c) ---- */

typedef struct nn__pool nn__pool;
typedef void (*nn__pool_fn)(void *ctx, int ith, int nth);
/* nthreads total, including the caller (nthreads - 1 workers). NULL on failure. */
nn__pool *nn__pool_create(int nthreads);
void nn__pool_free(nn__pool *pool);
int nn__pool_threads(const nn__pool *pool);
/* Shares the caller has run for a worker that had not started (a busy machine), since creation. */
long nn__pool_steals(const nn__pool *pool);
/* Test seam: when set (before the pool is created), a worker calls it between reading a run and
 * claiming its share, where a descheduled worker would stop; tests/nn/test_pool.c delays it there. */
extern void (*nn__pool_claim_hook)(int worker);
/* Calls fn(ctx, ith, nth) exactly once for every ith in [0, nth) and returns when all are done:
 * thread t runs chunks t, t + n, ... (n threads), or the caller does where that thread has not
 * started by the time the caller is done with its own. ctx_size: the bytes of *ctx, copied to the
 * workers with the run's other fields when <= NN__POOL_CTX_MAX (the workers' fn then gets a copy:
 * ctx must not be written by fn); 0 hands the pointer itself to every thread. A 1-thread pool, or
 * nth <= 1, calls fn(ctx, 0, 1) once. */
enum { NN__POOL_CTX_MAX = 32 };
void nn__pool_run(nn__pool *pool, nn__pool_fn fn, void *ctx, int ctx_size, int nth);

/* Whether a step of node i goes to the pool (when there is more than one thread): a threaded op
 * with at least NN__PAR_MIN_ELEMS output elements, or of at least NN__PAR_MIN_FLOPS (a conv over
 * few pixels and many weights, such as BlazePose's 2x2x288 layers and 1x1 heads over 1152
 * channels: its weights come from memory each run, and two threads each stream half of them);
 * below that, waking threads costs more than it saves and the step runs on the caller only. */
enum { NN__PAR_MIN_ELEMS = 2048, NN__PAR_MIN_FLOPS = 262144 };
static inline int nn__step_pooled(const nn__graph *g, const nn__plan *p, int i)
{
    const nn__node *n = &g->nodes[i];
    return (n->def->flags & NN__OP_THREADED) &&
           (nn__shape_count(&p->vals[n->out0].shape) >= NN__PAR_MIN_ELEMS || p->flops[i] >= NN__PAR_MIN_FLOPS);
}

/* model.c: runs step `node` of plan p, split into nth chunks on pool's threads where the step is
 * pooled (pool non-NULL, nth > 1), else on the caller. Returns 0 or the step's error code, with
 * its message in *err (may be NULL): of a pooled step, the first chunk that failed. */
int nn__plan_run_step(const nn__graph *g, nn__plan *p, int node, nn__pool *pool, int nth, nn_error *err);

/* profile.c: groups per-node step times (ms_by_node, summed over runs) of plan p's steps by op
 * type into rows[0..min(n, max)), slowest first, times and flops per run. Returns n. */
int nn__profile_by_op(const nn__graph *g, const nn__plan *p, const double *ms_by_node, int runs,
                      nn_op_profile *rows, int max);

#endif
