/*
 * test_loader.c - the model loader: float16 decoding bit-exact (hand cases and all 65536 values
 * against an independent formula), uint8 affine dequantization computed in double as TF.js does
 * (cases where float32 arithmetic would differ), base64 attributes, a tiny model loaded from files
 * and run (values computed by hand), and bad inputs: each gives an error naming the file and the
 * node or weight, and no crash or leak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "nn.h"
#include "nn_internal.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_f16(void)
{
    CHECK_INT_EQ(bits(nn__f16_to_f32(0x0000)), 0x00000000);
    CHECK_INT_EQ(bits(nn__f16_to_f32(0x8000)), 0x80000000);  /* -0 keeps its sign */
    CHECK(nn__f16_to_f32(0x3c00) == 1.0f);
    CHECK(nn__f16_to_f32(0xc000) == -2.0f);
    CHECK(nn__f16_to_f32(0x7bff) == 65504.0f);
    CHECK(nn__f16_to_f32(0x3555) == 0.333251953125f);
    CHECK(nn__f16_to_f32(0x0001) == 0x1p-24f);               /* smallest subnormal */
    CHECK(nn__f16_to_f32(0x03ff) == 1023 * 0x1p-24f);        /* largest subnormal */
    CHECK(nn__f16_to_f32(0x8200) == -0x1p-15f);
    CHECK(nn__f16_to_f32(0x0400) == 0x1p-14f);               /* smallest normal */
    CHECK_INT_EQ(bits(nn__f16_to_f32(0x7c00)), 0x7f800000);  /* +inf */
    CHECK_INT_EQ(bits(nn__f16_to_f32(0xfc00)), 0xff800000);  /* -inf */
    CHECK_INT_EQ(bits(nn__f16_to_f32(0x7e00)), 0x7fc00000);  /* quiet NaN */
    CHECK_INT_EQ(bits(nn__f16_to_f32(0x7c01)), 0x7f802000);  /* NaN payload kept */
    /* Every finite half against sign * mantissa * 2^exponent evaluated in double. */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        uint32_t e = (h >> 10) & 31, m = h & 1023;
        if (e == 31) continue;
        double v = e ? ldexp(1024.0 + m, (int)e - 25) : ldexp((double)m, -24);
        if (h & 0x8000) v = -v;
        float got = nn__f16_to_f32((uint16_t)h);
        if (got != (float)v || !signbit(got) != !signbit(v)) bad++;
    }
    CHECK_INT_EQ(bad, 0);
}

/* float -> half where exact: every half (NaNs with their payloads, both zeros, subnormals) comes
 * back as itself; floats between halves, past their range or below their subnormals do not. */
static void test_f16_exact(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        uint16_t back = 0;
        if (!nn__f32_to_f16_exact(nn__f16_to_f32((uint16_t)h), &back) || back != h) bad++;
    }
    CHECK_INT_EQ(bad, 0);
    static const uint32_t no[] = {
        0x3f801000, /* 1 + 2^-11: one bit past a half's mantissa */
        0x477ff000, /* 65520: rounds to inf as a half */
        0x47800000, /* 65536 */
        0x33000000, /* 2^-25: below the smallest subnormal */
        0x33c00000, /* 1.5 * 2^-24: between subnormals */
        0x00000001, /* a float subnormal */
        0x7fc00001, /* a NaN whose payload has bits a half cannot hold */
        0x7f800001,
    };
    uint16_t h = 0x1234;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        float f;
        memcpy(&f, &no[i], sizeof f);
        CHECK_MSG(!nn__f32_to_f16_exact(f, &h) && h == 0x1234, "0x%08x taken as a half", (unsigned)no[i]);
    }
    CHECK(nn__f32_to_f16_exact(-65504.0f, &h) && h == 0xfbff);
    CHECK(nn__f32_to_f16_exact(0x1p-24f, &h) && h == 0x0001);
    CHECK(nn__f32_to_f16_exact(-0x1p-15f, &h) && h == 0x8200);
}

static void test_u8(void)
{
    /* Expected bits from v*scale+min in double, then rounded to float (JS Float32Array.from). */
    CHECK_INT_EQ(bits(nn__dequant_u8(3, 0.1, -1.0)), 0xbf333333);
    CHECK_INT_EQ(bits(nn__dequant_u8(200, 0.003921568859368563, -0.5)), 0x3e919193);  /* float math: ...94 */
    CHECK_INT_EQ(bits(nn__dequant_u8(255, 0.007874015718698502, -1.0)), 0x3f810204);
    CHECK_INT_EQ(bits(nn__dequant_u8(17, 0.0123, 0.3)), 0x3f025461);
    CHECK(nn__dequant_u8(0, 0.5, -1.0) == -1.0f);
}

static void test_base64(void)
{
    uint8_t out[16];
    CHECK_INT_EQ(nn__base64_decode("U0FNRQ==", 8, out, sizeof out), 4);
    CHECK(!memcmp(out, "SAME", 4));
    CHECK_INT_EQ(nn__base64_decode("VkFMSUQ=", 8, out, sizeof out), 5);
    CHECK(!memcmp(out, "VALID", 5));
    CHECK_INT_EQ(nn__base64_decode("UmVsdTY", 7, out, sizeof out), 5);  /* no padding */
    CHECK(!memcmp(out, "Relu6", 5));
    CHECK_INT_EQ(nn__base64_decode("", 0, out, sizeof out), 0);
    CHECK_INT_EQ(nn__base64_decode("U0F*RQ==", 8, out, sizeof out), -1);  /* bad character */
    CHECK_INT_EQ(nn__base64_decode("U0FNRQ==", 8, out, 3), -1);           /* too small */
    CHECK_INT_EQ(nn__base64_decode("U", 1, out, sizeof out), -1);         /* dangling character */
}

/* A tiny model: y = Relu(conv1x1(x, w) + b), x [1,3,3,2] float32, w [1,1,2,2] float16,
 * b [2] uint8 (scale 0.5, min -1), with a control input and an int32 constant no output needs. */
#define CONV_NODE(extra_in, filt)                                                                          \
    "{\"name\":\"conv\",\"op\":\"_FusedConv2D\",\"input\":[\"x\",\"" filt "\",\"b\"" extra_in "],"             \
    "\"attr\":{\"padding\":{\"s\":\"U0FNRQ==\"},\"strides\":{\"list\":{\"i\":[\"1\",\"1\",\"1\",\"1\"]}},"   \
    "\"data_format\":{\"s\":\"TkhXQw==\"},\"dilations\":{\"list\":{\"i\":[\"1\",\"1\",\"1\",\"1\"]}},"       \
    "\"num_args\":{\"i\":\"1\"},\"fused_ops\":{\"list\":{\"s\":[\"Qmlhc0FkZA==\",\"UmVsdQ==\"]}}}}"

static const char *model_json(const char *conv, const char *extra_nodes, const char *bin)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"format\":\"graph-model\",\"modelTopology\":{\"node\":["
             "{\"name\":\"x\",\"op\":\"Placeholder\",\"attr\":{\"dtype\":{\"type\":\"DT_FLOAT\"}}},"
             "{\"name\":\"w\",\"op\":\"Const\"},{\"name\":\"b\",\"op\":\"Const\"},{\"name\":\"k\",\"op\":\"Const\"},"
             "%s,"
             "{\"name\":\"Identity\",\"op\":\"Identity\",\"input\":[\"conv\",\"^k\"]}%s]},"
             "\"signature\":{\"inputs\":{\"x:0\":{\"name\":\"x:0\",\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":"
             "[{\"size\":\"-1\"},{\"size\":\"3\"},{\"size\":\"3\"},{\"size\":\"2\"}]}}},"
             "\"outputs\":{\"y\":{\"name\":\"Identity:0\",\"dtype\":\"DT_FLOAT\"}}},"
             "\"weightsManifest\":[{\"paths\":[\"%s\"],\"weights\":["
             "{\"name\":\"w\",\"shape\":[1,1,2,2],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"float16\"}},"
             "{\"name\":\"b\",\"shape\":[2],\"dtype\":\"float32\",\"quantization\":{\"dtype\":\"uint8\",\"scale\":0.5,\"min\":-1}},"
             "{\"name\":\"k\",\"shape\":[2],\"dtype\":\"int32\"}]}]}",
             conv, extra_nodes, bin);
    return buf;
}

/* w = [[1, 0.5], [-1, 2]] as halfs, b = [0, 1] as uint8 [2, 4], k = [7, -3]. */
static const uint8_t weights[18] = {0x00, 0x3c, 0x00, 0x38, 0x00, 0xbc, 0x00, 0x40, 2, 4,
                                    7, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff};

static char tmpdir[1024];

static const char *write_model(const char *name, const char *json, const void *w, size_t wlen)
{
    static char path[1200];
    char p[1200];
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fputs(json, f);
    fclose(f);
    if (w) {
        snprintf(p, sizeof p, "%s/%s.bin", tmpdir, name);
        f = fopen(p, "wb");
        fwrite(w, 1, wlen, f);
        fclose(f);
    }
    return path;
}

static void test_tiny_model(void)
{
    const char *path = write_model("tiny", model_json(CONV_NODE("", "w"), "", "tiny.bin"), weights, sizeof weights);
    nn_error err = {0};
    nn_options o = nn_options_defaults();
    o.threads = 2;
    nn_model_t *m = nn_model_load(path, &o, &err);
    CHECK_MSG(m != NULL, "%s", err.msg);
    if (!m) return;
    nn_tensor_info in, out;
    CHECK_INT_EQ(nn_model_input_count(m), 1);
    CHECK_INT_EQ(nn_model_output_count(m), 1);
    nn_model_input_info(m, 0, &in);
    nn_model_output_info(m, 0, &out);
    CHECK_STR_EQ(in.name, "x");
    CHECK_STR_EQ(in.key, "x:0");
    CHECK_INT_EQ(in.shape[0], 1);  /* the open batch plans as 1 */
    CHECK_STR_EQ(out.name, "Identity");
    CHECK_INT_EQ(out.rank, 4);
    CHECK_INT_EQ(out.shape[3], 2);
    nn_model_stats s;
    nn_model_stats_get(m, &s);
    CHECK_INT_EQ(s.params, 8);
    CHECK_INT_EQ(s.steps, 1);  /* the Identity aliases the conv output */
    CHECK_NEAR(s.gflops, 2.0 * 9 * 2 * 2 * 1e-9, 1e-15);
    float x[2 * 18];
    for (int i = 0; i < 36; i++) x[i] = (float)(i % 7) - 3.0f;
    nn_tensor t = {NN_FLOAT32, 4, {2, 3, 3, 2}, x};  /* batch 2: replans on the fly */
    CHECK_INT_EQ(nn_model_run(m, &t, &err), 0);
    const nn_tensor *y = nn_model_output(m, 0);
    CHECK(y && y->shape[0] == 2 && y->shape[3] == 2);
    int bad = 0;
    for (int p = 0; y && p < 18; p++) {
        float a = x[2 * p], b = x[2 * p + 1];
        float y0 = a * 1.0f + b * -1.0f + 0.0f, y1 = a * 0.5f + b * 2.0f + 1.0f;
        y0 = y0 > 0 ? y0 : 0;
        y1 = y1 > 0 ? y1 : 0;
        const float *o2 = y->data;
        if (o2[2 * p] != y0 || o2[2 * p + 1] != y1) bad++;
    }
    CHECK_INT_EQ(bad, 0);
    /* Wrong shape and dtype: errors naming the input. */
    nn_tensor t2 = {NN_FLOAT32, 4, {1, 5, 3, 2}, x};
    CHECK(nn_model_run(m, &t2, &err) < 0);
    CHECK_MSG(strstr(err.msg, "input 'x:0'") && strstr(err.msg, "[1,5,3,2]"), "msg: %s", err.msg);
    nn_tensor t3 = {NN_INT32, 4, {1, 3, 3, 2}, x};
    CHECK(nn_model_run(m, &t3, &err) < 0);
    CHECK_MSG(strstr(err.msg, "dtype int32"), "msg: %s", err.msg);
    nn_model_free(m);
}

/* Loads path and expects failure whose message contains every given fragment. */
static void expect_fail(const char *path, const char *a, const char *b)
{
    nn_error err = {0};
    nn_options o = nn_options_defaults();
    o.threads = 1;
    nn_model_t *m = nn_model_load(path, &o, &err);
    CHECK_MSG(m == NULL, "%s loaded but should fail (%s)", path, a);
    CHECK_MSG(err.code < 0, "%s: no error code", path);
    CHECK_MSG(strstr(err.msg, a) && (!b || strstr(err.msg, b)), "message '%s' lacks '%s' / '%s'", err.msg, a,
              b ? b : "");
    nn_model_free(m);
}

static void test_bad_inputs(void)
{
    char p[1200];
    expect_fail(write_model("bad_json", "{\"modelTopology\": [1, 2", NULL, 0), "bad_json.json: line", NULL);
    /* Missing weight file: names it. */
    expect_fail(write_model("nofile", model_json(CONV_NODE("", "w"), "", "absent.bin"), NULL, 0), "absent.bin",
                "cannot open");
    /* Truncated and too long weight files. */
    expect_fail(write_model("trunc", model_json(CONV_NODE("", "w"), "", "trunc.bin"), weights, 10), "trunc.bin",
                "truncated");
    uint8_t more[19] = {0};
    expect_fail(write_model("long", model_json(CONV_NODE("", "w"), "", "long.bin"), more, sizeof more), "long.bin",
                "extra bytes");
    /* Unknown op, naming the node. */
    expect_fail(write_model("unk", model_json(CONV_NODE("", "w"),
                                              ",{\"name\":\"weird\",\"op\":\"FancyOp\",\"input\":[\"x\"]}", "unk.bin"),
                            weights, sizeof weights),
                "node 'weird'", "unsupported op 'FancyOp'");
    /* A cycle: conv reads c2, c2 reads conv. */
    expect_fail(write_model("cycle", model_json(CONV_NODE("", "c2"),
                                                ",{\"name\":\"c2\",\"op\":\"Identity\",\"input\":[\"conv\"]}", "cycle.bin"),
                            weights, sizeof weights),
                "on a cycle", "cycle.json");
    /* Shape mismatch: the filter's input channels (1) differ from x's (2). */
    expect_fail(write_model("shape", model_json(CONV_NODE("", "w1"),
                                                ",{\"name\":\"w1\",\"op\":\"Reshape\",\"input\":[\"w\",\"k4\"]},"
                                                "{\"name\":\"k4\",\"op\":\"Const\"}", "shape.bin"),
                            weights, sizeof weights),
                "Const without a weight", "'k4'");
    /* Input that names no node. */
    expect_fail(write_model("dangling", model_json(CONV_NODE("", "nothere"), "", "dangling.bin"), weights,
                            sizeof weights),
                "node 'conv'", "input 'nothere' is not a node");
    /* Duplicate node. */
    expect_fail(write_model("dup", model_json(CONV_NODE("", "w"), ",{\"name\":\"w\",\"op\":\"Const\"}", "dup.bin"),
                            weights, sizeof weights),
                "'w' is defined twice", NULL);
    /* Weight path escaping the folder. */
    expect_fail(write_model("escape", model_json(CONV_NODE("", "w"), "", "../x.bin"), NULL, 0), "leaves the model folder",
                NULL);
    snprintf(p, sizeof p, "%s/does-not-exist.json", tmpdir);
    expect_fail(p, "does-not-exist.json", "cannot open");
}

/* A filter of the wrong channel count through a Reshape of an int32 constant: a shape error naming
 * the conv node. */
static void test_shape_mismatch(void)
{
    static const uint8_t w2[18 + 8] = {0x00, 0x3c, 0x00, 0x38, 0x00, 0xbc, 0x00, 0x40, 2, 4, 7, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff,
                                       1, 0, 0, 0, 1, 0, 0, 0};
    char js[4096];
    snprintf(js, sizeof js, "%s", model_json(CONV_NODE("", "w"), "", "mm.bin"));
    /* Make w [1,1,1,4] (same bytes): the conv sees 1 input channel for x's 2. */
    char *at = strstr(js, "\"shape\":[1,1,2,2]");
    memcpy(at, "\"shape\":[1,1,1,4]", 17);
    expect_fail(write_model("mm", js, w2, 18), "node 'conv' (_FusedConv2D)", "does not match the 2 input channels");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", check_tmp_dir());
    test_f16();
    test_f16_exact();
    test_u8();
    test_base64();
    test_tiny_model();
    test_bad_inputs();
    test_shape_mismatch();
    return check_report();
}
