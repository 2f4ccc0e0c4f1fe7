/*
 * decode.c - the byte-level decoders of the loader: IEEE half -> float (TF.js float16 weights; and
 * back where a float is exactly a half, for the packed conv weights),
 * uint8 affine dequantization (TF.js uint8 weights), base64 (TF.js stores string attributes such
 * as padding "SAME" base64-encoded; jansson has no decoder and libnn must not link FFmpeg), and the
 * error formatter shared by libnn.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

int nn__err(nn_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

float nn__f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);          /* inf, NaN (payload kept) */
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13);  /* normal: rebias 15 -> 127 */
    } else if (man == 0) {
        bits = sign;                                       /* +-0 */
    } else {
        /* Subnormal half man * 2^-24: normalise it, every such value is a normal float. */
        uint32_t e = 113;  /* exponent of 2^-14 in float bias, decremented per shift */
        while (!(man & 0x400u)) {
            man <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

int nn__f32_to_f16_exact(float f, uint16_t *h)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    uint32_t sign = (bits >> 16) & 0x8000u, exp = (bits >> 23) & 0xffu, man = bits & 0x7fffffu;
    uint32_t out;
    if (exp == 0xff) {
        out = sign | 0x7c00u | (man >> 13);              /* inf, NaN */
    } else if (exp == 0) {
        out = sign;                                        /* +-0; a float subnormal is no half */
    } else if (exp >= 113) {
        if (exp > 142) return 0;                           /* >= 2^16: past the halves' range */
        out = sign | ((exp - 112u) << 10) | (man >> 13);   /* normal: rebias 127 -> 15 */
    } else {
        uint32_t shift = 126u - exp;                       /* subnormal half: (1.man) 2^(exp-127) / 2^-24 */
        if (shift > 24u) return 0;
        out = sign | ((man | 0x800000u) >> shift);
    }
    float back = nn__f16_to_f32((uint16_t)out);
    if (memcmp(&back, &f, sizeof f) != 0) return 0;        /* bits dropped above: not exact */
    *h = (uint16_t)out;
    return 1;
}

float nn__dequant_u8(uint8_t v, double scale, double min)
{
    /* JS: Float32Array.from(q, v => v * scale + min): two double roundings, then one to float.
     * volatile keeps the compiler from contracting into an FMA. */
    volatile double prod = (double)v * scale;
    double sum = prod + min;
    return (float)sum;
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

long nn__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    while (len > 0 && in[len - 1] == '=') len--;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_val(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) return -1;
            out[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (bits >= 6) return -1;  /* a lone trailing character carries no full byte */
    return (long)n;
}
