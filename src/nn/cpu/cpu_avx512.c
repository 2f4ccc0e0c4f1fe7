/*
 * cpu_avx512.c - the AVX-512F kernel table: 16 floats per register, so one register holds a whole
 * 16-channel panel and the GEMM micro-kernel takes two panels at once: 12 pixels x 32 channels,
 * 24 accumulators, two weight registers, each broadcast of x feeding two FMAs (2 + 12 loads per 24
 * FMAs instead of 1 + 12 per 12). Two FMA ports with 4 cycles of latency need >= 8 accumulators in
 * flight; 12 x 16 ran the 1x1 convs of `nn_test_simd_conv --bench` 5-20 % faster than 8 x 16, and
 * 12 x 32 another 5-60 % (up to 178 GFLOP/s, 77 % of the core's FMA peak). Compiled for AVX-512F
 * by a target pragma, so the rest of the build stays baseline x86-64; nn__cpu_kernels_get() only
 * hands this table out when vram's CPUID/XGETBV check found AVX-512F with ZMM and opmask state
 * saved by the OS (and AVX2 + FMA + F16C, which vram's check also requires: the tail panels of <= 8
 * channels run on 8-lane registers, simd_half256.h, and half weights are widened by VCVTPH2PS).
 */
#include <math.h>
#include <string.h>

#include "cpu/cpu.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma,f16c"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma,f16c")
#endif

#define VLEN 16
#define MR 12
#define LEVEL NN__SIMD_AVX512
#define LEVEL_NAME "avx512"
#define SUFFIX(name) name##_avx512
typedef __m512 vec;
typedef __mmask16 vmask;
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps((p), (v))
#define vset1(f) _mm512_set1_ps(f)
#define vzero() _mm512_setzero_ps()
#define vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define vfmam(a, b, c, m) _mm512_mask3_fmadd_ps((a), (b), (c), (m))
#define vmax(a, b) _mm512_max_ps((a), (b))
#define vmin(a, b) _mm512_min_ps((a), (b))
#define vadd(a, b) _mm512_add_ps((a), (b))
#define vsub(a, b) _mm512_sub_ps((a), (b))
#define vmul(a, b) _mm512_mul_ps((a), (b))
#define vdiv(a, b) _mm512_div_ps((a), (b))
#define vsqrt(a) _mm512_sqrt_ps(a)
/* Lanes of a then b in blocks of 2h (h a power of two <= 8): block j's low half plus its high
 * half, into lanes [j h, j h + h): index i's source is (i % h) + (i / h) 2h in a:b. */
#define vpairsum_idx(h) \
    _mm512_or_si512(_mm512_and_si512(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), \
                                     _mm512_set1_epi32((h) - 1)), \
                    _mm512_slli_epi32(_mm512_andnot_si512(_mm512_set1_epi32((h) - 1), \
                                                          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)), 1))
#define vpairsum(a, b, h) \
    _mm512_add_ps(_mm512_permutex2var_ps((a), vpairsum_idx(h), (b)), \
                  _mm512_permutex2var_ps((a), _mm512_add_epi32(vpairsum_idx(h), _mm512_set1_epi32(h)), (b)))
#define vselect_gt(a, b, x, y) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ), (y), (x))
#define vround(a) _mm512_roundscale_ps((a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vpow2i(n) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
#define vlow4(v) _mm512_castps512_ps128(v)
#define vmask_first(n) ((__mmask16)((1u << (n)) - 1u))
/* VLEN IEEE halves -> floats (VCVTPH2PS: exact), for packed half weights. */
#define vloadh(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(p)))
#define vloadm(p, m) _mm512_maskz_loadu_ps((m), (p))
#define vstorem(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
/* Sum of the lanes as a halving tree: lane i + lane i + 8, then i + 4, i + 2, i + 1. */
#define vhsum(v) _mm512_reduce_add_ps(v)

/* For the 8 -> 8 1x1 kernel (simd_body.inc, pw_88), which the emulated 16-lane table of the tests
 * does without. */
#define HAVE_ZMM 1
#define vpermute(idx, v) _mm512_permutexvar_ps((idx), (v))
#define vdup8(p) _mm512_shuffle_f32x4(_mm512_castps256_ps512(_mm256_loadu_ps(p)), \
                                      _mm512_castps256_ps512(_mm256_loadu_ps(p)), 0x44)

#include "simd_half256.h"
#include "simd_body.inc"

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

#endif
