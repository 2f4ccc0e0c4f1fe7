/*
 * simd_emu16.c - the kernel body of src/nn/cpu/simd_body.inc compiled a third time, with the
 * AVX-512 geometry (16-float vectors, 16-bit lane masks, MR = 12, one register per panel) emulated
 * by pairs of AVX2 registers. Linked into the differential tests (simd_emu16.h), it lets a machine
 * without AVX-512 check every 16-lane code path (tails, masks, block edges) that the avx512 table
 * runs; only the one-to-one intrinsic mapping in cpu_avx512.c stays unexercised there. The table
 * is offered as "emu16" when the CPU has AVX2. One translation unit for all the tests: compiled
 * once per build instead of once per test (under the sanitizers each copy took minutes).
 */
#include <math.h>
#include <string.h>

#include "cpu/cpu.h"
#include "simd_emu16.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

typedef struct emu16 {
    __m256 lo, hi;
} emu16;
typedef uint16_t emu16_mask;

static inline emu16 emu16_load(const float *p) { return (emu16){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
static inline emu16 emu16_loadh(const uint16_t *p)
{
    return (emu16){_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p)),
                   _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p + 8)))};
}
static inline void emu16_store(float *p, emu16 v)
{
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
}
static inline emu16 emu16_set1(float f) { return (emu16){_mm256_set1_ps(f), _mm256_set1_ps(f)}; }
static inline emu16 emu16_zero(void) { return (emu16){_mm256_setzero_ps(), _mm256_setzero_ps()}; }
#define EMU16_OP2(name, intr) \
    static inline emu16 name(emu16 a, emu16 b) { return (emu16){intr(a.lo, b.lo), intr(a.hi, b.hi)}; }
EMU16_OP2(emu16_max, _mm256_max_ps)
EMU16_OP2(emu16_min, _mm256_min_ps)
EMU16_OP2(emu16_add, _mm256_add_ps)
EMU16_OP2(emu16_sub, _mm256_sub_ps)
EMU16_OP2(emu16_mul, _mm256_mul_ps)
EMU16_OP2(emu16_div, _mm256_div_ps)
static inline emu16 emu16_fma(emu16 a, emu16 b, emu16 c)
{
    return (emu16){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
static inline emu16 emu16_sqrt(emu16 a) { return (emu16){_mm256_sqrt_ps(a.lo), _mm256_sqrt_ps(a.hi)}; }
static inline __m256 emu16_round8(__m256 a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline emu16 emu16_pairsum(emu16 a, emu16 b, int h)
{
    float s[32], r[16];
    emu16_store(s, a);
    emu16_store(s + 16, b);
    for (int i = 0; i < 16; i++) {
        int lo = (i & (h - 1)) + ((i & ~(h - 1)) << 1);
        r[i] = s[lo] + s[lo + h];
    }
    return emu16_load(r);
}
static inline emu16 emu16_select_gt(emu16 a, emu16 b, emu16 x, emu16 y)
{
    return (emu16){_mm256_blendv_ps(y.lo, x.lo, _mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ)),
                   _mm256_blendv_ps(y.hi, x.hi, _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ))};
}
static inline emu16 emu16_round(emu16 a) { return (emu16){emu16_round8(a.lo), emu16_round8(a.hi)}; }
static inline __m256 emu16_pow2i8(__m256 n)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
static inline emu16 emu16_pow2i(emu16 n) { return (emu16){emu16_pow2i8(n.lo), emu16_pow2i8(n.hi)}; }
static inline __m256i emu16_half(emu16_mask m, int shift)
{
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i v = _mm256_and_si256(_mm256_set1_epi32((int)((m >> shift) & 0xFF)), bit);
    return _mm256_cmpeq_epi32(v, bit);
}
static inline emu16 emu16_fmam(emu16 a, emu16 b, emu16 c, emu16_mask m)
{
    emu16 f = emu16_fma(a, b, c);
    return (emu16){_mm256_blendv_ps(c.lo, f.lo, _mm256_castsi256_ps(emu16_half(m, 0))),
                   _mm256_blendv_ps(c.hi, f.hi, _mm256_castsi256_ps(emu16_half(m, 8)))};
}
static inline emu16 emu16_loadm(const float *p, emu16_mask m)
{
    return (emu16){_mm256_maskload_ps(p, emu16_half(m, 0)), _mm256_maskload_ps(p + 8, emu16_half(m, 8))};
}
static inline void emu16_storem(float *p, emu16_mask m, emu16 v)
{
    _mm256_maskstore_ps(p, emu16_half(m, 0), v.lo);
    _mm256_maskstore_ps(p + 8, emu16_half(m, 8), v.hi);
}

#define VLEN 16
#define MR 12
#define LEVEL NN__SIMD_AVX2 /* runs on AVX2 */
#define LEVEL_NAME "emu16"
#define SUFFIX(name) name##_emu16
typedef emu16 vec;
typedef emu16_mask vmask;
#define vload(p) emu16_load(p)
#define vstore(p, v) emu16_store((p), (v))
#define vset1(f) emu16_set1(f)
#define vzero() emu16_zero()
#define vfma(a, b, c) emu16_fma((a), (b), (c))
#define vfmam(a, b, c, m) emu16_fmam((a), (b), (c), (m))
#define vmax(a, b) emu16_max((a), (b))
#define vmin(a, b) emu16_min((a), (b))
#define vadd(a, b) emu16_add((a), (b))
#define vsub(a, b) emu16_sub((a), (b))
#define vmul(a, b) emu16_mul((a), (b))
#define vdiv(a, b) emu16_div((a), (b))
#define vsqrt(a) emu16_sqrt(a)
#define vround(a) emu16_round(a)
#define vselect_gt(a, b, x, y) emu16_select_gt((a), (b), (x), (y))
#define vpairsum(a, b, h) emu16_pairsum((a), (b), (h))
#define vpow2i(n) emu16_pow2i(n)
#define vlow4(v) _mm256_castps256_ps128((v).lo)
#define vmask_first(n) ((emu16_mask)((1u << (n)) - 1u))
#define vloadm(p, m) emu16_loadm((p), (m))
#define vloadh(p) emu16_loadh(p)
#define vstorem(p, m, v) emu16_storem((p), (m), (v))
/* The same halving tree as AVX-512's reduce: lane i + lane i + 8 first, then 4, 2, 1. */
static inline float emu16_hsum(emu16 v)
{
    __m256 h = _mm256_add_ps(v.lo, v.hi);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define vhsum(v) emu16_hsum(v)

#include "cpu/simd_half256.h"
#include "cpu/simd_body.inc"

#undef VLEN
#undef MR
#undef LEVEL
#undef LEVEL_NAME
#undef SUFFIX

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

#endif
