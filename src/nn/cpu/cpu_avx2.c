/*
 * cpu_avx2.c - the AVX2 + FMA3 kernel table (8 floats per register, 6 x 16 GEMM micro-kernel:
 * 12 accumulators + 2 weight registers + 1 broadcast; F16C's VCVTPH2PS widens half weights).
 * Compiled for AVX2 by a target pragma, so the rest of the build stays baseline x86-64;
 * nn__cpu_kernels_get() only hands this table out when vram's CPUID/XGETBV check found AVX2 + FMA
 * + F16C with the OS saving YMM state.
 */
#include <math.h>
#include <string.h>

#include "cpu/cpu.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

#define VLEN 8
#define MR 6
#define LEVEL NN__SIMD_AVX2
#define LEVEL_NAME "avx2"
#define SUFFIX(name) name##_avx2
typedef __m256 vec;
typedef __m256i vmask;
#define vload(p) _mm256_loadu_ps(p)
#define vstore(p, v) _mm256_storeu_ps((p), (v))
#define vset1(f) _mm256_set1_ps(f)
#define vzero() _mm256_setzero_ps()
#define vfma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define vfmam(a, b, c, m) _mm256_blendv_ps((c), _mm256_fmadd_ps((a), (b), (c)), _mm256_castsi256_ps(m))
#define vmax(a, b) _mm256_max_ps((a), (b))
#define vmin(a, b) _mm256_min_ps((a), (b))
#define vadd(a, b) _mm256_add_ps((a), (b))
#define vsub(a, b) _mm256_sub_ps((a), (b))
#define vmul(a, b) _mm256_mul_ps((a), (b))
#define vdiv(a, b) _mm256_div_ps((a), (b))
#define vsqrt(a) _mm256_sqrt_ps(a)
/* Lanes of a then b in blocks of 2h (h a power of two <= 4): block j's low half plus its high
 * half, into lanes [j h, j h + h). Index i's source is (i % h) + (i / h) 2h in a:b; permuting a
 * and b by it (mod 8) puts the blocks of a in lanes [0, 4) and those of b in [4, 8). */
#define vpairsum_idx(h) \
    _mm256_or_si256(_mm256_and_si256(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((h) - 1)), \
                    _mm256_slli_epi32(_mm256_andnot_si256(_mm256_set1_epi32((h) - 1), \
                                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), 1))
#define vpairsum_half(a, b, idx) \
    _mm256_blend_ps(_mm256_permutevar8x32_ps((a), (idx)), _mm256_permutevar8x32_ps((b), (idx)), 0xF0)
#define vpairsum(a, b, h) \
    _mm256_add_ps(vpairsum_half((a), (b), vpairsum_idx(h)), \
                  vpairsum_half((a), (b), _mm256_add_epi32(vpairsum_idx(h), _mm256_set1_epi32(h))))
#define vselect_gt(a, b, x, y) _mm256_blendv_ps((y), (x), _mm256_cmp_ps((a), (b), _CMP_GT_OQ))
#define vround(a) _mm256_round_ps((a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vpow2i(n) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#define vlow4(v) _mm256_castps256_ps128(v)
#define vmask_first(n) \
    _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
/* VLEN IEEE halves -> floats (VCVTPH2PS: exact), for packed half weights. */
#define vloadh(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define vloadm(p, m) _mm256_maskload_ps((p), (m))
#define vstorem(p, m, v) _mm256_maskstore_ps((p), (m), (v))

/* Sum of the lanes as a halving tree: lane i + lane i + 4, then i + 2, then i + 1. */
static inline float vhsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#include "simd_half256.h"
#include "simd_body.inc"

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

#endif
