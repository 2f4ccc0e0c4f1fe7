/*
 * cpu.h - the per-ISA layer of libnn's CPU backend (internal; every symbol nn__*), STYLE.md #9/#10.
 *
 * The executor asks once for a table of kernel function pointers, chosen at run time from the CPU
 * (vram_cpu_detect: CPUID + XGETBV) and the NN_SIMD environment variable, then calls through it
 * for the ops that dominate the pose models: Conv2D (1x1 pointwise as a register-blocked GEMM
 * micro-kernel, any other KxK/stride as an implicit GEMM over the same packed weights, 1-3 output
 * channels as per-pixel dot products), depthwise convolution, float32 elementwise binary ops with
 * any broadcast, Relu/Relu6/Sqrt/Reciprocal/Sigmoid/Exp, Sum/Max/Min/Mean over a block of axes,
 * ArgMax, MaxPool and ResizeBilinear. Each table
 * entry has the reference kernel (kernels.h) as its twin; the "scalar" table IS the reference. The
 * elementwise, reduce, argmax, maxpool and resize entries are bit-identical to the reference except Sigmoid and Exp (their
 * own vector e^x, a few ulps from libm's expf); conv and depthwise differ by FMA rounding only (below).
 *
 * Usage (one node; weights packed once at load, kept with the node):
 *
 *     const nn__cpu_kernels *k = nn__cpu_kernels_get();          // once, thread-safe
 *     nn__packed_conv *pk = nn__packed_conv_create(filt, kh, kw, c, oc, bias);
 *     if (!pk) ... out of memory ...
 *     for (int t = 0; t < nth; t++)                               // one call per pool thread
 *         k->conv2d(x, n, h, w, c, pk, &params, residual_or_NULL, y, oh, ow, t, nth);
 *     ...
 *     nn__packed_conv_free(pk);                                   // or free(pk)
 *
 * Levels: NN_SIMD=scalar|avx2|avx512 (case-insensitive) forces a level for tests and users; a
 * level the CPU (or this build: non-x86) lacks falls back to the best one it has below it, an
 * unknown value is ignored. Without NN_SIMD the best level of the CPU is used. The AVX-512 level
 * has two tables, 12 x 32 GEMM blocks (Intel) and 12 x 16 (CPUs that run 512-bit ops as two
 * halves); NN_SIMD=avx512/12x32 or avx512/12x16 forces one.
 *
 * Numerics: the SIMD kernels sum in the same order as the reference (bias first, then taps in
 * (ky, kx, c) order) but with fused multiply-adds, so results differ from the reference by
 * rounding only: |simd - ref| <= 1e-5 * (|bias| + sum |x * w|) in the differential tests (in
 * practice a few ulps). For a given level the result is bit-identical for every thread count.
 */
#ifndef NN_CPU_H
#define NN_CPU_H

#include <stdint.h>

#include "kernels.h"

/* Output channels per packed panel: one AVX-512 register, two AVX2 registers. */
#define NN__PANEL 16
/* Up to this many output channels a convolution runs as per-pixel dot products over C instead; so do
 * the last channels of a 1x1 conv to more than NN__PANEL channels where at most this many are left
 * past the full panels (MoveNet's heads: 17 = 16 + 1, 34 = 32 + 2 channels). */
#define NN__DOT_MAX_OC 3

/* Filters of fewer weights stay float32 where they are exact halves too: they stay in L1/L2 from
 * block to block, so halving their bytes saves no memory traffic, and the conversion costs a
 * micro-op per weight register (docs/BENCHMARKS.md). */
#define NN__HALF_MIN_WEIGHTS 16384

/* Conv2D weights packed once for the SIMD kernels (ISA-independent layout, shared by all levels).
 * Row r of the GEMM is the filter row (ky * kw + kx) * c + ci of the TF filter [KH,KW,C,OC].
 * One allocation holds the struct and its arrays, so free() (or nn__packed_conv_free) releases it. */
typedef struct nn__packed_conv {
    int kh, kw;
    int64_t c, oc;
    int64_t kdim;             /* kh * kw * c: rows of the GEMM */
    int64_t npanels;          /* ceil(oc / NN__PANEL) */
    float *w;                 /* [npanels][kdim][NN__PANEL], zero padded past oc; 64-byte aligned;
                                 NULL when wh holds the panels */
    uint16_t *wh;             /* the same panels as IEEE binary16, where every weight of the filter is
                                 exactly a half and there are at least NN__HALF_MIN_WEIGHTS of them
                                 (all seven models' weights are float16 in their files): the same
                                 products, so the same bits, from half the bytes; else NULL */
    float *bias;              /* [npanels * NN__PANEL], zeros past oc (all zeros without bias) */
    int64_t dot0;             /* the first channel of the dot-product path: 0 when oc <= NN__DOT_MAX_OC,
                                 (npanels - 1) * NN__PANEL for a 1x1 conv's tail of <= NN__DOT_MAX_OC
                                 channels past full panels (the panels still hold it, for strided
                                 use), else oc */
    float *wt;                /* [oc - dot0][kdim]: channels [dot0, oc) of the filter transposed for
                                 the per-pixel dot-product path (a 16-wide panel would waste >= 13/16
                                 of its lanes, e.g. BlazePose's 1-channel segmentation head); NULL
                                 when dot0 == oc */
    const float *filt;        /* the original filter [KH,KW,C,OC] (scalar path); borrowed */
    const float *bias_ref;    /* the original bias [OC] or NULL (scalar path); borrowed */
} nn__packed_conv;

/* Packs filt [KH,KW,C,OC] and bias [OC] (or NULL) into one new block (the panels as halves where
 * wh's rule allows). filt and bias must outlive
 * it (the scalar path reads them). Returns NULL when out of memory or on a bad size (kh, kw, c,
 * oc < 1). Thread-safe. */
nn__packed_conv *nn__packed_conv_create(const float *filt, int kh, int kw, int64_t c, int64_t oc,
                                        const float *bias);
/* The same in caller memory, in three calls that read the filter twice (each a pass over every
 * weight): whether wh's rule packs filt [KH,KW,C,OC] as halves, the bytes a block for (kh, kw, c,
 * oc) and that answer takes (0 on a bad size), and the packing into blk (64-byte aligned, that
 * many bytes; cleared here). Returns blk, or NULL when blk is NULL, a size is bad or half is set
 * for a filter that is not all halves. */
int nn__packed_conv_half(const float *filt, int kh, int kw, int64_t c, int64_t oc);
size_t nn__packed_conv_bytes(int kh, int kw, int64_t c, int64_t oc, int half);
nn__packed_conv *nn__packed_conv_init(void *blk, int half, const float *filt, int kh, int kw, int64_t c,
                                      int64_t oc, const float *bias);
/* Same as free(pk); accepts NULL. */
void nn__packed_conv_free(nn__packed_conv *pk);

typedef enum nn__simd_level {
    NN__SIMD_SCALAR = 0,      /* the reference kernels */
    NN__SIMD_AVX2 = 1,        /* AVX2 + FMA3, 8 floats per register */
    NN__SIMD_AVX512 = 2,      /* AVX-512F, 16 floats per register */
    NN__SIMD_COUNT
} nn__simd_level;

typedef struct nn__cpu_kernels {
    nn__simd_level level;
    const char *name;         /* "scalar", "avx2", "avx512", "avx512/12x16" */
    /* Conv2D / _FusedConv2D: y = act(conv(x, pk) + bias) (+ residual), NHWC, window from p
     * (nn__conv_params_init with pk->kh, pk->kw), y [N,OH,OW,OC]. residual: NULL, or a tensor of
     * y's shape added after the activation (an AddV2 fused by the executor: the bits equal
     * Conv2D followed by AddV2); it must not alias y. Threads split the n*oh output rows. */
    void (*conv2d)(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                   const nn__packed_conv *pk, const nn__conv_params *p, const float *residual,
                   float *y, int64_t oh, int64_t ow, int ith, int nth);
    /* Depthwise: exactly nn__depthwise_ref's contract (channel multiplier m; m != 1 runs the
     * reference). */
    void (*depthwise)(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                      const float *filt, int64_t m, const float *bias, const nn__conv_params *p,
                      float *y, int64_t oh, int64_t ow, int ith, int nth);
    /* Elementwise float32 a op b with broadcasting (nn__binary_ref's contract, bit-identical to
     * it) for ADD, SUB, MUL, REALDIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, any broadcast (one
     * operand full and the other a trailing-dims broadcast is the fastest case: [C], [1,1,W,C],
     * a scalar). Returns 1 when it did this thread's part, 0 when the caller must run the
     * reference instead (other ops; the scalar table always returns 0). */
    int (*binary)(nn__binop op, const float *a, const nn__shape *as, const float *b,
                  const nn__shape *bs, float *y, const nn__shape *ys, int ith, int nth);
    /* Elementwise float32 Relu, Relu6, Sqrt, Reciprocal over [0, count) (nn__unary_ref's contract,
     * bit-identical; y may equal x), and Sigmoid and Exp: |simd - ref| <= 4 FLT_EPSILON |ref| + 1e-37,
     * +inf where expf overflows, 0 where its result would be subnormal, NaN where the reference
     * has NaN. Returns 1 when done, 0 when the caller must run the reference (other ops;
     * the scalar table always returns 0). */
    int (*unary)(nn__unop op, const float *x, float *y, int64_t count, int ith, int nth);
    /* Sum, Max, Min, Mean of float32 x over axes (nn__reduce_ref's contract and bits: each output
     * visits its elements in the same order) when the reduced dims, size-1 dims aside, are one
     * contiguous block: x seen as [O, R, I], y [O, I], vectorized over I. Threads split the O * I
     * outputs. Returns 1 when it did this thread's part, 0 when the caller must run the reference
     * (other layouts, empty tensors; the scalar table always returns 0). */
    int (*reduce)(nn__reduce op, const float *x, const nn__shape *xs, const int64_t *axes, int naxes,
                  float *y, int ith, int nth);
    /* ArgMax of float32 x [outer, n, inner] over n into y [outer, inner] (nn__argmax_ref's
     * contract and results: the first maximum, NaN never replaces one), vectorized over inner;
     * threads split the outputs. Returns 1 when it did this thread's part, 0 when the caller must
     * run the reference (n < 1 or n > 2^24; the scalar table always returns 0). */
    int (*argmax)(const float *x, int64_t outer, int64_t n, int64_t inner, int32_t *y, int ith, int nth);
    /* MaxPool: exactly nn__maxpool_ref's contract and bits (channels vectorized: from -inf, each
     * window cell inside the image replaces the max where it is greater, so NaN never wins and
     * of +0 and -0 the first stays). */
    void (*maxpool)(const float *x, int64_t n, int64_t h, int64_t w, int64_t c, const nn__conv_params *p,
                    float *y, int64_t oh, int64_t ow, int ith, int nth);
    /* ResizeBilinear: exactly nn__resize_bilinear_ref's contract and bits (channels vectorized;
     * the same separate multiplies and adds, no FMA; the residual, if any, added last). */
    void (*resize_bilinear)(const float *x, int64_t n, int64_t ih, int64_t iw, int64_t c, const float *residual,
                            float *y, int64_t oh, int64_t ow, int align_corners, int half_pixel_centers,
                            int ith, int nth);
} nn__cpu_kernels;

/* The table to use: NN_SIMD, else the best level of this CPU; chosen on the first call and then
 * fixed for the process. Never NULL. Thread-safe. */
const nn__cpu_kernels *nn__cpu_kernels_get(void);

/* The table of one level (for AVX-512 the block shape this CPU prefers), or NULL when this CPU or
 * this build lacks it (tests and benchmarks iterate over every level). */
const nn__cpu_kernels *nn__cpu_kernels_for(nn__simd_level level);

/* The best level this CPU and build support (ignores NN_SIMD). */
nn__simd_level nn__cpu_best_level(void);

/* "scalar"/"avx2"/"avx512" (case-insensitive; also "none", "avx512f", "avx512/12x16",
 * "avx512/12x32") -> level; -1 otherwise. */
int nn__simd_level_parse(const char *s);

/* Elements of the output ys after which operand s (broadcast to ys) repeats: s's flat index is
 * (output index) % period. ys's count when s has ys's shape, 1 for a scalar, -1 when s is not a
 * trailing-dims broadcast (e.g. [H,1,C] against [H,W,C]). */
int64_t nn__cpu_bcast_period(const nn__shape *s, const nn__shape *ys);

/* The tables themselves (cpu_scalar.c, cpu_avx2.c, cpu_avx512.c; the SIMD ones only on x86). */
extern const nn__cpu_kernels nn__cpu_scalar;
extern const nn__cpu_kernels nn__cpu_avx2;
extern const nn__cpu_kernels nn__cpu_avx512;
/* AVX-512 with one 16-channel panel per GEMM block (12 x 16) instead of two (12 x 32): chosen for
 * the AVX-512 level when the CPU runs 512-bit ops as two 256-bit halves (vram_cpu_info's
 * avx512_halves: AMD Zen 4); bit-identical to nn__cpu_avx512. */
extern const nn__cpu_kernels nn__cpu_narrow_avx512;

#endif
