/*
 * simd_half256.h - the half-width vocabulary of simd_body.inc: 8-float AVX registers, for the GEMM
 * tail panels of at most 8 output channels (24 = 16 + 8, 40, 56, 88 and 8 itself are common in
 * MobileNet and BlazePose) and the last <= 8 channels of a bilinear resize. A 16-lane AVX-512 FMA over such a panel wastes half its lanes, and CPUs
 * that run 512-bit ops as two 256-bit halves (AMD Zen 4) or have one 512-bit FMA port do twice as
 * many 256-bit FMAs per cycle; in the AVX2 table the panel's second register would hold only zeros.
 * Macros, not functions, so that they compile under each includer's target pragma (all three
 * includers target at least AVX2 + FMA + F16C). Uses only VEX-encoded forms: no AVX512VL needed.
 */
#ifndef NN_CPU_SIMD_HALF256_H
#define NN_CPU_SIMD_HALF256_H

#include <immintrin.h>

#define HLEN 8
typedef __m256 hvec;
typedef __m256i hmask;
#define hload(p) _mm256_loadu_ps(p)
#define hstore(p, v) _mm256_storeu_ps((p), (v))
#define hset1(f) _mm256_set1_ps(f)
#define hzero() _mm256_setzero_ps()
#define hfma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define hmax(a, b) _mm256_max_ps((a), (b)) /* hmax(NaN, 0) = 0, as vmax */
#define hmin(a, b) _mm256_min_ps((a), (b))
#define hadd(a, b) _mm256_add_ps((a), (b))
#define hsub(a, b) _mm256_sub_ps((a), (b))
#define hmul(a, b) _mm256_mul_ps((a), (b))
#define hmask_first(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define hloadm(p, m) _mm256_maskload_ps((p), (m))
/* HLEN IEEE halves -> floats (F16C's VCVTPH2PS: exact). */
#define hloadh(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define hstorem(p, m, v) _mm256_maskstore_ps((p), (m), (v))

#endif
