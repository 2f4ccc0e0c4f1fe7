/*
 * cpu_dispatch.c - picks the kernel table once (vram's CPUID/XGETBV detection + NN_SIMD), packs
 * Conv2D weights into the panels the SIMD kernels read, and holds the scalar table, which is the
 * reference kernels (plus the fused residual add, done exactly as a separate AddV2 would).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu.h"
#include "nn.h"
#include "nn_internal.h"
#include "vram.h"

/* ---- packing ---- */

/* [struct, padded to 64][w or wh][bias][wt] in one block, the arrays 64-byte aligned. */
static size_t pack_head(void) { return (sizeof(nn__packed_conv) + 63) / 64 * 64; }

/* The first output channel of the dot-product path (cpu.h: dot0). */
static int64_t dot_first(int kh, int kw, int64_t oc)
{
    if (oc <= NN__DOT_MAX_OC) return 0;
    int64_t tail = oc % NN__PANEL;
    return kh == 1 && kw == 1 && oc > NN__PANEL && tail && tail <= NN__DOT_MAX_OC ? oc - tail : oc;
}

int nn__packed_conv_half(const float *filt, int kh, int kw, int64_t c, int64_t oc)
{
    int64_t count = (int64_t)kh * kw * c * oc;
    if (kh < 1 || kw < 1 || c < 1 || oc < 1 || count < NN__HALF_MIN_WEIGHTS) return 0;
    uint16_t h;
    for (int64_t i = 0; i < count; i++)
        if (!nn__f32_to_f16_exact(filt[i], &h)) return 0;
    return 1;
}

/* The byte sizes of a block's arrays, the panels as halves or floats; 0 on a bad size. */
typedef struct pack_sizes {
    int64_t kdim, np, dot0;
    size_t wbytes, bbytes, tbytes, total;
} pack_sizes;

static int pack_sizes_of(int kh, int kw, int64_t c, int64_t oc, int half, pack_sizes *z)
{
    if (kh < 1 || kw < 1 || c < 1 || oc < 1) return 0;
    z->kdim = (int64_t)kh * kw * c;
    z->np = (oc + NN__PANEL - 1) / NN__PANEL;
    z->dot0 = dot_first(kh, kw, oc);
    z->wbytes = (size_t)(z->np * z->kdim * NN__PANEL) * (half ? sizeof(uint16_t) : sizeof(float));
    z->wbytes = (z->wbytes + 63) / 64 * 64;
    z->bbytes = (size_t)(z->np * NN__PANEL) * sizeof(float);
    z->tbytes = (size_t)((oc - z->dot0) * z->kdim) * sizeof(float);
    z->total = (pack_head() + z->wbytes + z->bbytes + z->tbytes + 63) / 64 * 64; /* aligned_alloc: a multiple */
    return 1;
}

size_t nn__packed_conv_bytes(int kh, int kw, int64_t c, int64_t oc, int half)
{
    pack_sizes z;
    return pack_sizes_of(kh, kw, c, oc, half, &z) ? z.total : 0;
}

nn__packed_conv *nn__packed_conv_create(const float *filt, int kh, int kw, int64_t c, int64_t oc,
                                        const float *bias)
{
    int half = nn__packed_conv_half(filt, kh, kw, c, oc);
    size_t total = nn__packed_conv_bytes(kh, kw, c, oc, half);
    void *blk = total ? aligned_alloc(64, total) : NULL;
    nn__packed_conv *pk = nn__packed_conv_init(blk, half, filt, kh, kw, c, oc, bias);
    if (!pk) free(blk);
    return pk;
}

nn__packed_conv *nn__packed_conv_init(void *mem, int half, const float *filt, int kh, int kw, int64_t c,
                                      int64_t oc, const float *bias)
{
    pack_sizes z;
    if (!mem || !pack_sizes_of(kh, kw, c, oc, half, &z)) return NULL;
    char *blk = mem;
    int64_t kdim = z.kdim, np = z.np;
    size_t head = pack_head();
    memset(blk, 0, z.total);
    nn__packed_conv *pk = (nn__packed_conv *)(void *)blk;
    if (half)
        pk->wh = (uint16_t *)(void *)(blk + head);
    else
        pk->w = (float *)(void *)(blk + head);
    pk->bias = (float *)(void *)(blk + head + z.wbytes);
    for (int64_t pj = 0; pj < np; pj++) {
        int64_t o0 = pj * NN__PANEL, cols = oc - o0 < NN__PANEL ? oc - o0 : NN__PANEL;
        for (int64_t r = 0; r < kdim; r++) {
            const float *src = filt + r * oc + o0;
            int64_t at = (pj * kdim + r) * NN__PANEL;
            if (!half) {
                memcpy(pk->w + at, src, (size_t)cols * sizeof(float));
                continue;
            }
            for (int64_t j = 0; j < cols; j++)
                if (!nn__f32_to_f16_exact(src[j], &pk->wh[at + j])) return NULL;
        }
    }
    if (bias) memcpy(pk->bias, bias, (size_t)oc * sizeof(float));
    if (z.tbytes) {
        pk->wt = (float *)(void *)(blk + head + z.wbytes + z.bbytes);
        for (int64_t o = z.dot0; o < oc; o++)
            for (int64_t r = 0; r < kdim; r++) pk->wt[(o - z.dot0) * kdim + r] = filt[r * oc + o];
    }
    pk->dot0 = z.dot0;
    pk->kh = kh;
    pk->kw = kw;
    pk->c = c;
    pk->oc = oc;
    pk->kdim = kdim;
    pk->npanels = np;
    pk->filt = filt;
    pk->bias_ref = bias;
    return pk;
}

void nn__packed_conv_free(nn__packed_conv *pk)
{
    free(pk);
}

/* ---- the scalar table: the reference kernels ---- */

static void scalar_conv2d(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                          const nn__packed_conv *pk, const nn__conv_params *p,
                          const float *residual, float *y, int64_t oh, int64_t ow, int ith, int nth)
{
    nn__conv2d_ref(x, n, h, w, c, pk->filt, pk->oc, pk->bias_ref, p, y, oh, ow, ith, nth);
    if (!residual && p->post_act == NN__ACT_NONE) return;
    int64_t r0, r1, row = ow * pk->oc;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    if (residual)
        for (int64_t i = r0 * row; i < r1 * row; i++) y[i] = y[i] + residual[i];
    if (p->post_act != NN__ACT_NONE) /* as the Relu/Relu6 step would have (nn__unary_ref) */
        nn__unary_ref(p->post_act == NN__ACT_RELU ? NN__UN_RELU : NN__UN_RELU6, NN__F32, y + r0 * row,
                      y + r0 * row, (r1 - r0) * row, 0, 1);
}

static int scalar_binary(nn__binop op, const float *a, const nn__shape *as, const float *b,
                         const nn__shape *bs, float *y, const nn__shape *ys, int ith, int nth)
{
    (void)op, (void)a, (void)as, (void)b, (void)bs, (void)y, (void)ys, (void)ith, (void)nth;
    return 0; /* the caller runs nn__binary_ref */
}

static int scalar_unary(nn__unop op, const float *x, float *y, int64_t count, int ith, int nth)
{
    (void)op, (void)x, (void)y, (void)count, (void)ith, (void)nth;
    return 0; /* the caller runs nn__unary_ref */
}

static int scalar_reduce(nn__reduce op, const float *x, const nn__shape *xs, const int64_t *axes, int naxes,
                         float *y, int ith, int nth)
{
    (void)op, (void)x, (void)xs, (void)axes, (void)naxes, (void)y, (void)ith, (void)nth;
    return 0; /* the caller runs nn__reduce_ref */
}

static int scalar_argmax(const float *x, int64_t outer, int64_t n, int64_t inner, int32_t *y, int ith, int nth)
{
    (void)x, (void)outer, (void)n, (void)inner, (void)y, (void)ith, (void)nth;
    return 0; /* the caller runs nn__argmax_ref */
}

int64_t nn__cpu_bcast_period(const nn__shape *s, const nn__shape *ys)
{
    int r = ys->rank, off = ys->rank - s->rank, i = r - 1;
    if (off < 0) return -1;
    int64_t period = 1;
    /* From the right: dims equal to the output's belong to the repeating block ... */
    for (; i >= off && s->d[i - off] == ys->d[i]; i--) period *= ys->d[i];
    /* ... and everything left of it must be 1 (or absent). */
    for (; i >= off; i--)
        if (s->d[i - off] != 1) return -1;
    return period;
}

const nn__cpu_kernels nn__cpu_scalar = {
    .level = NN__SIMD_SCALAR,
    .name = "scalar",
    .conv2d = scalar_conv2d,
    .depthwise = nn__depthwise_ref,
    .binary = scalar_binary,
    .unary = scalar_unary,
    .reduce = scalar_reduce,
    .argmax = scalar_argmax,
    .maxpool = nn__maxpool_ref,
    .resize_bilinear = nn__resize_bilinear_ref,
};

/* ---- selection ---- */

/* The names NN_SIMD takes, in one place: the level, and for AVX-512 a forced GEMM block width (16:
 * 12 x 16, 32: 12 x 32; 0: the one for this CPU, table_of). */
static const struct simd_name {
    const char *name;
    nn__simd_level level;
    int block;
} simd_names[] = {
    {"scalar", NN__SIMD_SCALAR, 0}, {"none", NN__SIMD_SCALAR, 0},      {"ref", NN__SIMD_SCALAR, 0},
    {"avx2", NN__SIMD_AVX2, 0},     {"avx2+fma", NN__SIMD_AVX2, 0},    {"avx512", NN__SIMD_AVX512, 0},
    {"avx512f", NN__SIMD_AVX512, 0}, {"avx512/12x16", NN__SIMD_AVX512, 16}, {"avx512/12x32", NN__SIMD_AVX512, 32},
};

static const struct simd_name *simd_name_find(const char *s)
{
    for (size_t i = 0; s && i < sizeof simd_names / sizeof simd_names[0]; i++)
        if (!strcasecmp(s, simd_names[i].name)) return &simd_names[i];
    return NULL;
}

int nn__simd_level_parse(const char *s)
{
    const struct simd_name *n = simd_name_find(s);
    return n ? (int)n->level : -1;
}

#if defined(__x86_64__) || defined(__i386__)
/* vram's CPUID/XGETBV reading, once per process. */
static vram_cpu_info cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static void cpu_read(void) { vram_cpu_detect(&cpu); }
static const vram_cpu_info *cpu_info(void)
{
    pthread_once(&cpu_once, cpu_read);
    return &cpu;
}
#endif

nn__simd_level nn__cpu_best_level(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (cpu_info()->simd >= VRAM_SIMD_AVX512) return NN__SIMD_AVX512;
    if (cpu_info()->simd >= VRAM_SIMD_AVX2) return NN__SIMD_AVX2;
#endif
    return NN__SIMD_SCALAR;
}

/* The AVX-512 table: block 16 or 32 as forced, else 12 x 16 GEMM blocks where 512-bit ops run as
 * two halves (one 512-bit FMA per cycle: the wider block's fewer broadcasts buy nothing, and it ran
 * 3-15 % slower on Zen 4), 12 x 32 elsewhere. */
static const nn__cpu_kernels *table_of(nn__simd_level l, int block)
{
    switch (l) {
#if defined(__x86_64__) || defined(__i386__)
    case NN__SIMD_AVX512:
        if (block == 16 || (block == 0 && cpu_info()->avx512_halves)) return &nn__cpu_narrow_avx512;
        return &nn__cpu_avx512;
    case NN__SIMD_AVX2: return &nn__cpu_avx2;
#endif
    default: (void)block; return &nn__cpu_scalar;
    }
}

const nn__cpu_kernels *nn__cpu_kernels_for(nn__simd_level level)
{
    if ((int)level < 0 || level >= NN__SIMD_COUNT || level > nn__cpu_best_level()) return NULL;
    return table_of(level, 0);
}

static const nn__cpu_kernels *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

/* The best table for this CPU, or a lower level (and for AVX-512 a block width) that NN_SIMD names. */
static void choose(void)
{
    nn__simd_level best = nn__cpu_best_level();
    const struct simd_name *want = simd_name_find(getenv("NN_SIMD"));
    if (want && want->level <= best) chosen = table_of(want->level, want->block);
    else chosen = table_of(best, 0);
}

const nn__cpu_kernels *nn__cpu_kernels_get(void)
{
    pthread_once(&chosen_once, choose);
    return chosen;
}

const char *nn_cpu_kernels_name(void)
{
    return nn__cpu_kernels_get()->name;
}
