/*
 * kern_vec.h - the 4-float vector the reference kernels use to keep accumulators in registers:
 * GCC/Clang generic vectors (SSE2 on x86-64, NEON on arm64, plain scalar code elsewhere). Lane
 * arithmetic is ordinary float arithmetic (no fused multiply-add in the baseline ISA), so a lane
 * computes bit for bit what the scalar tail loops compute.
 */
#ifndef NN_KERN_VEC_H
#define NN_KERN_VEC_H

#include <string.h>

#include "kernels.h"

typedef float nn__v4f __attribute__((vector_size(16)));
typedef int32_t nn__v4i __attribute__((vector_size(16)));

static inline nn__v4f nn__v4_load(const float *p)
{
    nn__v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void nn__v4_store(float *p, nn__v4f v) { memcpy(p, &v, sizeof v); }

static inline nn__v4f nn__v4_splat(float s)
{
    nn__v4f v = {s, s, s, s};
    return v;
}

/* The fused activation, lane-wise; NaN -> 0 under Relu/Relu6 like nn__act_apply. */
static inline nn__v4f nn__v4_act(nn__v4f v, nn__act act)
{
    if (act == NN__ACT_NONE) return v;
    const nn__v4f zero = {0, 0, 0, 0}, six = {6, 6, 6, 6};
    nn__v4i pos = v > zero;
    v = (nn__v4f)((nn__v4i)v & pos);
    if (act == NN__ACT_RELU6) {
        nn__v4i below = v < six;
        v = (nn__v4f)(((nn__v4i)v & below) | ((nn__v4i)six & ~below));
    }
    return v;
}

static inline float nn__act_apply(float v, nn__act act)
{
    if (act == NN__ACT_RELU) return v > 0.0f ? v : 0.0f;
    if (act == NN__ACT_RELU6) return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    return v;
}

#endif
