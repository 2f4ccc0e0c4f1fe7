/*
 * kernels.h - the plain-C reference kernels of libnn (internal; every symbol is nn__*).
 *
 * One function (or a small family) per TF.js op used by the seven pose models
 * (../shared/reference/OP_INVENTORY.md). They are tensor-free: the executor passes raw pointers,
 * explicit dims and already-resolved attributes, so each kernel can be read, tested and later
 * replaced by a SIMD twin on its own. Semantics follow TensorFlow.js (cpu/wasm backends) exactly;
 * where TF.js differs from TensorFlow the comment says which one we follow.
 *
 * Usage (one fused 1x1 convolution, NHWC):
 *
 *     nn__conv_params p;
 *     int64_t oh, ow;
 *     if (nn__conv_params_init(&p, h, w, 1, 1, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, &oh, &ow) < 0)
 *         ... error: window larger than the padded input ...
 *     for (int t = 0; t < nth; t++)            // usually one call per pool thread
 *         nn__conv2d_ref(x, n, h, w, c, filt, oc, bias, &p, y, oh, ow, t, nth);
 *
 * Conventions:
 *   - Layout is NHWC, C order. Filters are TF's: conv [KH,KW,C,OC], depthwise [KH,KW,C,M].
 *   - dtypes: NN__F32 (float), NN__I32 (int32_t), NN__BOOL (uint8_t, 0 or 1).
 *   - Kernels that take (ith, nth) compute only the part of the output belonging to thread ith of
 *     nth (rows split by nn__split_range); calling them for every ith in 0..nth-1 (in any order,
 *     concurrently) yields the whole output, bit-identical for every nth. Kernels without
 *     (ith, nth) are cheap and are called once.
 *   - Shapes/attributes are validated by the caller (shape inference) through the *_shape /
 *     *_resolve helpers below, which return a negative value on invalid input. The kernels
 *     themselves assume valid arguments (asserts only). Output buffers never alias inputs unless
 *     a comment says so.
 *   - No kernel allocates memory, prints or keeps state; all are thread-safe.
 *
 * Metadata-only ops (no kernel: the executor reuses or copies the buffer and changes the shape):
 * Reshape, Squeeze, ExpandDims, Identity; Shape and Size only produce int32 values from the
 * shape. Pack = Concat of inputs given a size-1 axis (nn__pack_ref does it); Unpack = Split into
 * size-1 pieces with the axis then dropped (nn__unpack_ref).
 */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define NN__MAX_RANK 8

typedef enum nn__dtype { NN__F32 = 0, NN__I32 = 1, NN__BOOL = 2 } nn__dtype;

typedef struct nn__shape {
    int rank;                  /* 0 = scalar */
    int64_t d[NN__MAX_RANK];
} nn__shape;

/* Bytes per element: 4, 4, 1. */
size_t nn__dtype_size(nn__dtype t);

/* Product of the dims (1 for a scalar). */
int64_t nn__shape_count(const nn__shape *s);

/* The [*begin, *end) part of [0, total) that thread ith of nth works on: contiguous, balanced,
 * and the union over all ith is exactly [0, total). */
void nn__split_range(int64_t total, int ith, int nth, int64_t *begin, int64_t *end);

/* ==== convolution family (kern_conv.c, kern_depthwise.c, kern_pool.c) ==== */

typedef enum nn__act { NN__ACT_NONE = 0, NN__ACT_RELU, NN__ACT_RELU6 } nn__act;
typedef enum nn__padding { NN__PAD_SAME = 0, NN__PAD_VALID } nn__padding;

/* Window geometry shared by Conv2D, depthwise and MaxPool (dilations are always 1 in our models). */
typedef struct nn__conv_params {
    int kh, kw;                                     /* window */
    int sh, sw;                                     /* strides */
    int pad_top, pad_left, pad_bottom, pad_right;   /* implicit zero padding (MaxPool: ignored cells) */
    nn__act act;                                    /* fused activation after the bias */
    nn__act post_act;                               /* Conv2D with packed weights only: activation
                                                       after the fused residual add (a Relu/Relu6
                                                       step folded by plan_fuse.c); NONE otherwise */
} nn__conv_params;

/* TF's SAME padding along one dim: out = ceil(in / stride),
 * pad_total = max((out - 1) * stride + k - in, 0), before = pad_total / 2 (floor), after = the rest. */
void nn__same_padding(int64_t in, int k, int stride, int *before, int *after, int64_t *out);

/* Fill p (pads from the padding mode) and the output size. VALID: out = ceil((in - k + 1) / stride),
 * no padding. Returns 0, or -1 when the output would be empty or an argument is out of range
 * (k < 1, stride < 1, in < 1). */
int nn__conv_params_init(nn__conv_params *p, int64_t ih, int64_t iw, int kh, int kw, int sh, int sw,
                         nn__padding pad, nn__act act, int64_t *oh, int64_t *ow);

/* Conv2D / _FusedConv2D: y[n,oh,ow,OC] = act(sum_{kh,kw,c} x[n,ih,iw,c] * filt[kh,kw,c,oc] + bias[oc]).
 * filt [KH,KW,C,OC]; bias [OC] or NULL. 1x1 stride-1 unpadded windows go to a blocked GEMM.
 * Threads split the n*oh output rows. */
void nn__conv2d_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                    const float *filt, int64_t oc, const float *bias, const nn__conv_params *p,
                    float *y, int64_t oh, int64_t ow, int ith, int nth);

/* The 1x1 stride-1 GEMM behind nn__conv2d_ref, over pixels [p0, p1) of x viewed as [P, C], w [C, OC]:
 * y[p, o] = act(bias[o] + sum_c x[p, c] * w[c, o]). NN__GEMM_PORTABLE is the reference (generic
 * 4-wide vectors); NN__GEMM_AVX2 runs 8-wide with FMA on x86-64 CPUs that have AVX2 and FMA (one
 * rounding per multiply-add, so the last bits differ from the reference); NN__GEMM_AUTO = the best
 * available, which nn__conv2d_ref uses: that keeps the reference path (NN_SIMD=scalar) faster than
 * TF.js-wasm on one thread, as issue 3 asks (portable: 0.8x TF.js on Lightning, AVX2: 1.1x). Both
 * variants are checked against a naive loop (test_kern_conv). The variant is a property of the CPU,
 * so results never depend on the thread count. */
typedef enum nn__gemm_variant { NN__GEMM_AUTO = 0, NN__GEMM_PORTABLE, NN__GEMM_AVX2 } nn__gemm_variant;
int nn__gemm_variant_available(nn__gemm_variant v);
void nn__conv1x1_ref(nn__gemm_variant v, const float *x, int64_t c, const float *w, int64_t oc,
                     const float *bias, nn__act act, float *y, int64_t p0, int64_t p1);

/* DepthwiseConv2dNative / FusedDepthwiseConv2dNative: filt [KH,KW,C,M], output channels C*M with
 * output channel c*M + m = sum x[.., c] * filt[kh,kw,c,m] (+ bias[c*M + m]), then act.
 * bias [C*M] or NULL. Threads split the n*oh output rows. */
void nn__depthwise_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                       const float *filt, int64_t m, const float *bias, const nn__conv_params *p,
                       float *y, int64_t oh, int64_t ow, int ith, int nth);

/* MaxPool (NHWC, window p->kh x p->kw): padded cells are ignored, never counted as 0 (TF).
 * p->act is ignored. Threads split the n*oh output rows. */
void nn__maxpool_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                     const nn__conv_params *p, float *y, int64_t oh, int64_t ow, int ith, int nth);

/* ==== elementwise (kern_elementwise.c) ==== */

typedef enum nn__binop {
    NN__BIN_ADD = 0,           /* AddV2 */
    NN__BIN_SUB,
    NN__BIN_MUL,
    NN__BIN_REALDIV,           /* F32: a / b. I32: TF.js tf.div on two int32 tensors is FloorDiv. */
    NN__BIN_FLOORDIV,          /* F32: floor(a / b). I32: floor of the exact quotient (-7 // 2 = -4),
                                  division by 0 gives 0 (TF.js stores +-Inf/NaN into an Int32Array) */
    NN__BIN_MAXIMUM,
    NN__BIN_MINIMUM,
    NN__BIN_SQUARED_DIFFERENCE,/* (a - b)^2 */
    NN__BIN_EQUAL,             /* comparisons: output NN__BOOL */
    NN__BIN_NOT_EQUAL,
    NN__BIN_GREATER,
    NN__BIN_GREATER_EQUAL,
    NN__BIN_LESS,
    NN__BIN_LESS_EQUAL,
    NN__BIN_LOGICAL_AND,       /* BOOL x BOOL -> BOOL */
    NN__BIN_LOGICAL_OR,
    NN__BIN_COUNT
} nn__binop;

/* Numpy/TF broadcasting of two shapes (dims aligned from the right; 1 stretches). Returns 0, or -1
 * when they are incompatible or the result would exceed NN__MAX_RANK. */
int nn__broadcast_shape(const nn__shape *a, const nn__shape *b, nn__shape *out);

/* Output dtype of op on inputs of dtype in (comparisons and logical ops -> NN__BOOL), or -1 when
 * the op does not support that dtype (e.g. logical ops on F32, arithmetic on BOOL). */
int nn__binop_out_dtype(nn__binop op, nn__dtype in);

/* The rows of a broadcast binary op over output elements [e0, e1): the output's dims of size 1
 * dropped and neighbours merged where each operand is full in both or repeated in both, so that the
 * rows along the last merged dim are as long as possible; along a row each operand is contiguous
 * (stride ia / ib = 1) or one repeated value (0), and the row starts advance like an odometer.
 *   nn__bcast_iter it; int64_t e, len, oa, ob;
 *   nn__bcast_iter_init(&it, as, bs, ys, e0, e1);
 *   while (nn__bcast_iter_next(&it, &e, &len, &oa, &ob)) ... y[e .. e + len) from a + oa, b + ob
 * Offsets are in elements. */
typedef struct nn__bcast_iter {
    int nd, ia, ib;
    int64_t cd[NN__MAX_RANK], sta[NN__MAX_RANK], stb[NN__MAX_RANK], idx[NN__MAX_RANK];
    int64_t len, oa, ob, pos, e, e1;
} nn__bcast_iter;
void nn__bcast_iter_init(nn__bcast_iter *it, const nn__shape *as, const nn__shape *bs, const nn__shape *ys,
                         int64_t e0, int64_t e1);
int nn__bcast_iter_next(nn__bcast_iter *it, int64_t *e, int64_t *len, int64_t *oa, int64_t *ob);

/* y = a op b with broadcasting; a, b both of dtype dt; y has shape ys = broadcast(as, bs) and dtype
 * nn__binop_out_dtype(op, dt). Int32 arithmetic wraps (two's complement), as Int32Array does.
 * Threads split the flat output. */
void nn__binary_ref(nn__binop op, nn__dtype dt, const void *a, const nn__shape *as,
                    const void *b, const nn__shape *bs, void *y, const nn__shape *ys,
                    int ith, int nth);

typedef enum nn__unop {
    NN__UN_SIGMOID = 0,        /* 1 / (1 + exp(-x)) */
    NN__UN_SQRT,
    NN__UN_EXP,
    NN__UN_ABS,                /* F32 and I32 */
    NN__UN_NEG,                /* F32 and I32 */
    NN__UN_RECIPROCAL,         /* 1 / x */
    NN__UN_RELU,               /* max(x, 0) */
    NN__UN_RELU6,              /* min(max(x, 0), 6) */
    NN__UN_LOGICAL_NOT,        /* BOOL */
    NN__UN_COUNT
} nn__unop;

/* Whether op supports dtype dt (the output has the same dtype). */
int nn__unop_supports(nn__unop op, nn__dtype dt);

/* y[i] = op(x[i]) for i in [0, count); y may equal x (in place). Threads split the range. */
void nn__unary_ref(nn__unop op, nn__dtype dt, const void *x, void *y, int64_t count,
                   int ith, int nth);

/* Cast: F32->I32 truncates toward zero (NaN -> 0, out of range saturates), I32/BOOL->F32 exact,
 * ->BOOL is (x != 0), BOOL->I32 0/1. Same dtype copies. */
void nn__cast_ref(const void *x, nn__dtype from, void *y, nn__dtype to, int64_t count);

/* Select / SelectV2 (TF.js tf.where): y = cond ? a : b with all three broadcast to ys
 * (use nn__broadcast_shape twice). cond is NN__BOOL; a, b of dtype dt. */
void nn__select_ref(const uint8_t *cond, const nn__shape *cs, nn__dtype dt,
                    const void *a, const nn__shape *as, const void *b, const nn__shape *bs,
                    void *y, const nn__shape *ys);

/* AddN: y = x[0] + x[1] + ... + x[n-1] (same shape, summed in input order), F32 or I32. */
void nn__addn_ref(nn__dtype dt, int n, const void *const *xs, void *y, int64_t count);

/* ==== resize (kern_resize.c) ==== */

/* ResizeBilinear, NHWC float. align_corners: scale = (in-1)/(out-1) (when out > 1), src = dst*scale.
 * half_pixel_centers (TF.js's default path in our models): scale = in/out,
 * src = (dst + 0.5) * scale - 0.5; the top/left source cell lo = max(floor(src), 0), the other is
 * min(ceil(src), in-1), the weight is src - lo, and y = top + (bottom - top) * fy with
 * top/bottom = left + (right - left) * fx (TF.js's cpu kernel; it computes in double, we and its
 * wasm backend in float32: they agree to float rounding). Neither flag: src = dst * in/out.
 * residual: NULL, or a tensor of y's shape added to each output (an AddV2 fused by the planner: the
 * bits of ResizeBilinear followed by AddV2); it must not alias y. Threads split the n*oh output rows. */
void nn__resize_bilinear_ref(const float *x, int64_t n, int64_t ih, int64_t iw, int64_t c,
                             const float *residual, float *y, int64_t oh, int64_t ow, int align_corners,
                             int half_pixel_centers, int ith, int nth);

/* ==== shape ops (kern_shape.c, kern_slice.c, kern_gather.c) ==== */
/* These are dtype-agnostic: they move elements of elem bytes (nn__dtype_size). */

/* Pad (constant): y has dims xs->d[i] + before[i] + after[i] (before/after >= 0), filled with the
 * one element *value (NULL = zeros) outside the copy of x. Covers channel padding. */
void nn__pad_ref(const void *x, size_t elem, const nn__shape *xs, const int64_t *before,
                 const int64_t *after, const void *value, void *y);

/* DepthToSpace NHWC, DCR order: y[n, h*b + i, w*b + j, k] = x[n, h, w, (i*b + j)*(C/(b*b)) + k].
 * y is [N, H*b, W*b, C/(b*b)]; C must be divisible by b*b (caller checks). */
void nn__depth_to_space_ref(const void *x, size_t elem, int64_t n, int64_t h, int64_t w, int64_t c,
                            int block, void *y);

/* Normalize a possibly negative axis into [0, rank); -1 when out of range. */
int nn__normalize_axis(int64_t axis, int rank);

/* ConcatV2 along axis (normalized): output shape from nn__concat_shape (all other dims equal). */
int nn__concat_shape(int n, const nn__shape *shapes, int axis, nn__shape *out);
void nn__concat_ref(size_t elem, int n, const void *const *xs, const nn__shape *shapes, int axis,
                    void *y);

/* Pack (stack) n tensors of the same shape s along a new axis in [0, s->rank]. */
void nn__pack_ref(size_t elem, int n, const void *const *xs, const nn__shape *s, int axis, void *y);

/* Split x along axis into n pieces of sizes[i] (sum = xs->d[axis]); ys[i] receives piece i.
 * Split with num_split k: sizes all d/k. */
void nn__split_ref(const void *x, size_t elem, const nn__shape *xs, int axis, int n,
                   const int64_t *sizes, void *const *ys);

/* Unpack: n = xs->d[axis] outputs with the axis removed (the same bytes as Split into size-1 pieces). */
void nn__unpack_ref(const void *x, size_t elem, const nn__shape *xs, int axis, void *const *ys);

/* Tile: y dims = xs->d[i] * multiples[i] (multiples >= 0). */
void nn__tile_ref(const void *x, size_t elem, const nn__shape *xs, const int64_t *multiples,
                  void *y);

/* Transpose: y dims = xs->d[perm[i]]. */
void nn__transpose_ref(const void *x, size_t elem, const nn__shape *xs, const int *perm, void *y);

/* Fill: count copies of the element *value. */
void nn__fill_ref(void *y, size_t elem, int64_t count, const void *value);

/* Range (TF.js): count = max(ceil((limit - start) / delta), 0) (-1: delta == 0);
 * y[0] = start, y[i] = y[i-1] + delta (accumulated in the output dtype, as TF.js does). */
int64_t nn__range_count(double start, double limit, double delta);
void nn__range_ref(nn__dtype dt, double start, double delta, int64_t count, void *y);

/* StridedSlice, resolved once (shape inference) and then copied.
 * nn__strided_slice_resolve applies TF's rules: the sparse spec (begin/end/strides of length nspec
 * with the five masks) is expanded to one entry per input dim (ellipsis covers the unspecified
 * dims, or the trailing dims when there is no ellipsis; new_axis inserts a size-1 output dim;
 * shrink_axis takes the single element at begin and drops the dim); negative begin/end count from
 * the end; begin/end are clamped to [0, d] (stride > 0) or [-1, d-1] (stride < 0).
 * Returns 0, or -1 with a message in err (stride 0, shrink index out of range, > 1 ellipsis,
 * nspec > NN__MAX_RANK, output rank > NN__MAX_RANK). */
typedef struct nn__slice_spec {
    int rank;                         /* input rank */
    int64_t in_dims[NN__MAX_RANK];    /* input dims (the copy needs their strides) */
    int64_t start[NN__MAX_RANK];      /* per input dim: first index read */
    int64_t stride[NN__MAX_RANK];     /* per input dim: step (may be negative) */
    int64_t count[NN__MAX_RANK];      /* per input dim: elements read (>= 0) */
    nn__shape out;                    /* final output shape (new axes added, shrunk axes dropped) */
} nn__slice_spec;

int nn__strided_slice_resolve(const nn__shape *in, int nspec, const int64_t *begin,
                              const int64_t *end, const int64_t *strides, int begin_mask,
                              int end_mask, int ellipsis_mask, int new_axis_mask,
                              int shrink_axis_mask, nn__slice_spec *s, char *err, size_t errlen);
/* Copies the prod(count) selected elements in row-major order of the input dims. */
void nn__strided_slice_ref(const void *x, size_t elem, const nn__slice_spec *s, void *y);

/* GatherNd: indices [..., K] int32 into params [P0..P(r-1)], K <= r; output shape
 * indices.shape[:-1] + params.shape[K:]. nn__gather_nd_shape returns -1 on bad shapes;
 * nn__gather_nd_ref returns -1 (and stops) on an index out of range (TF.js throws there). */
int nn__gather_nd_shape(const nn__shape *ps, const nn__shape *is, nn__shape *out);
int nn__gather_nd_ref(const void *params, size_t elem, const nn__shape *ps,
                      const int32_t *indices, const nn__shape *is, void *y);

/* ==== reductions (kern_reduce.c) ==== */

typedef enum nn__reduce { NN__RED_SUM = 0, NN__RED_MAX, NN__RED_MIN, NN__RED_MEAN } nn__reduce;

/* Output shape of a reduction over axes[0..naxes) (may be negative, duplicates allowed; naxes 0
 * reduces nothing): reduced dims become 1 (keep_dims) or disappear. -1 on an axis out of range. */
int nn__reduce_shape(const nn__shape *xs, const int64_t *axes, int naxes, int keep_dims,
                     nn__shape *out);

/* Sum/Max/Min/Mean of F32 or I32 over the axes; y holds prod(out dims) elements (keep_dims does not
 * change the data). Sums accumulate in the input dtype in increasing index order. */
void nn__reduce_ref(nn__reduce op, nn__dtype dt, const void *x, const nn__shape *xs,
                    const int64_t *axes, int naxes, void *y);

/* ==== sort (kern_sort.c) ==== */

/* ArgMax over axis (normalized) of F32 or I32: output int32 with the axis removed;
 * ties -> the first (lowest) index (TF.js: a later value replaces the best only when strictly
 * greater, so a NaN at index 0 stays and later NaNs never win). */
void nn__argmax_ref(nn__dtype dt, const void *x, const nn__shape *xs, int axis, int32_t *y);

/* TopKV2 (sorted=true) over the last dim of F32 or I32 x viewed as [rows, n]:
 * values [rows, k] (dtype dt) descending, indices [rows, k] int32; ties -> lower index first.
 * Requires 0 <= k <= n. */
void nn__topk_ref(nn__dtype dt, const void *x, int64_t rows, int64_t n, int64_t k, void *values,
                  int32_t *indices);

#endif
