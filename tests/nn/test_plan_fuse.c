/*
 * test_plan_fuse.c - the plan's fusions (plan_fuse.c) on small in-memory models, at batch 1 and 3,
 * every output against a naive loop (|diff| <= 1e-5):
 *   - a zero Pad of H and W read only by a convolution becomes the convolution's padding: the two
 *     eligible Pads (a Pad before a strided Conv2D, a PadV2 with value 0 before a depthwise conv) are
 *     no steps any more; three that must stay do (a Pad with a second reader, a PadV2 with value
 *     1.5, a Pad of the channels);
 *   - an AddV2 of a conv's output and a value computed before the conv is done by the conv: with
 *     the model input as the other operand, and with a fused AddV2's output (an alias) as it; not
 *     when the conv's output has a second reader or the other operand comes after the conv; an
 *     AddV2 of two resizes' outputs is done by the one whose output has no other reader, bit for
 *     bit as the separate add; not when both have another reader;
 *   - a Relu/Relu6 of a conv's output (directly or through a fused AddV2) is done by the conv as
 *     its post_act: not when the add's output has a second reader, nor a second activation of
 *     an already fused one, nor when another conv adds the output in (a fused AddV2's operand);
 *   - a 1x1 expansion read only by a depthwise conv (stride 1 and 2, 3x3 and 5x5, through a fused
 *     Pad) is computed inside it band by band: the outputs equal the unfused plan's bit for bit,
 *     with bands of the fewest rows and of the whole image, 1-3 threads, batch 1-3, images of 1-24
 *     rows; not when the expansion is also an output, is added in by another conv (a fused AddV2's
 *     operand: its bytes must stay whole) or is not 1x1;
 *   - a depthwise conv read only by a 1x1 conv (with the conv's fused add and Relu6, through a
 *     fused Pad, multiplier 2) is computed inside it band by band: bit for bit as unfused, bands of
 *     1 and 3 rows, 1-3 threads; not when the depthwise output is also an output or its reader
 *     is a 3x3 conv;
 *   - a 1x1 conv (bias, Relu6) read only by a 1x1 conv (with a fused AddV2 and Relu) is computed
 *     inside it band by band: bit for bit as unfused, bands of 1 and 4 rows, 1-3 threads, batch
 *     1-3; not when its output is also an output, nor when either conv is 3x3;
 *   - a pooled step's failing chunk (more chunks than bands) hands its code and message to the
 *     caller (nn__plan_run_step);
 *   - a ConcatV2 or Pack whose pieces lie one after the other in its output and are read by it
 *     alone is done in place (the pieces aliases at their offsets, a concatenation of a
 *     concatenation and a piece through an Identity included); not when a piece is the model
 *     input or also an output, nor along an axis after a dim > 1 (batch 3, axis 2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn_internal.h"

/* x [N,5,6,3]. Written with ' for ", swapped at run time. Outputs sorted by name: pc, ya..ye. */
static const char *model_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'pa','op':'Pad','input':['x','pads_a']},"
    "{'name':'ya','op':'Conv2D','input':['pa','wa'],'attr':{'padding':{'s':'VkFMSUQ='},"
    "'strides':{'list':{'i':['1','2','2','1']}},'data_format':{'s':'TkhXQw=='}}},"
    "{'name':'pb','op':'PadV2','input':['x','pads_b','zero']},"
    "{'name':'yb','op':'DepthwiseConv2dNative','input':['pb','wb'],'attr':{'padding':{'s':'VkFMSUQ='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'pc_pad','op':'Pad','input':['x','pads_a']},"
    "{'name':'pc','op':'Identity','input':['pc_pad']},"
    "{'name':'yc','op':'Conv2D','input':['pc_pad','wa'],'attr':{'padding':{'s':'VkFMSUQ='},"
    "'strides':{'list':{'i':['1','2','2','1']}}}},"
    "{'name':'pd','op':'PadV2','input':['x','pads_b','one5']},"
    "{'name':'yd','op':'DepthwiseConv2dNative','input':['pd','wb'],'attr':{'padding':{'s':'VkFMSUQ='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'pe','op':'Pad','input':['x','pads_c']},"
    "{'name':'ye','op':'Conv2D','input':['pe','we'],'attr':{'padding':{'s':'VkFMSUQ='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'pads_a','op':'Const'},{'name':'pads_b','op':'Const'},{'name':'pads_c','op':'Const'},"
    "{'name':'zero','op':'Const'},{'name':'one5','op':'Const'},"
    "{'name':'wa','op':'Const'},{'name':'wb','op':'Const'},{'name':'we','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'5'},{'size':'6'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'ya:0'},'b':{'name':'yb:0'},'c':{'name':'yc:0'},'p':{'name':'pc:0'},"
    "'d':{'name':'yd:0'},'e':{'name':'ye:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'pads_a','shape':[4,2],'dtype':'int32'},{'name':'pads_b','shape':[4,2],'dtype':'int32'},"
    "{'name':'pads_c','shape':[4,2],'dtype':'int32'},{'name':'zero','shape':[],'dtype':'float32'},"
    "{'name':'one5','shape':[],'dtype':'float32'},{'name':'wa','shape':[3,3,3,4],'dtype':'float32'},"
    "{'name':'wb','shape':[3,3,3,1],'dtype':'float32'},{'name':'we','shape':[1,1,5,2],'dtype':'float32'}]}]}";

enum { NWA = 108, NWB = 27, NWE = 10 };
static const int32_t pads_a[8] = {0, 0, 1, 2, 0, 1, 0, 0};  /* H +1/+2, W +0/+1 */
static const int32_t pads_b[8] = {0, 0, 2, 0, 1, 1, 0, 0};
static const int32_t pads_c[8] = {0, 0, 0, 0, 0, 0, 1, 1};  /* channels 3 -> 5 */

typedef struct { int64_t n, h, w, c; } dims;

/* Explicit pad of x (value v), then a naive VALID conv (dw: depthwise, multiplier 1), in double. */
static void naive(const float *x, dims d, const int32_t *pads, float v, const float *f, int kh, int kw, int oc,
                  int s, int dw, float *y, int64_t *oh_out, int64_t *ow_out)
{
    int64_t ph = d.h + pads[2] + pads[3], pw = d.w + pads[4] + pads[5], pc = d.c + pads[6] + pads[7];
    int64_t oh = (ph - kh) / s + 1, ow = (pw - kw) / s + 1, yc = dw ? pc : oc;
    *oh_out = oh;
    *ow_out = ow;
    for (int64_t b = 0; b < d.n; b++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++)
                for (int64_t o = 0; o < yc; o++) {
                    double acc = 0;
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                            for (int64_t ci = 0; ci < pc; ci++) {
                                if (dw && ci != o) continue;
                                int64_t iy = oy * s + ky - pads[2], ix = ox * s + kx - pads[4], ic = ci - pads[6];
                                double xv = v;
                                if (iy >= 0 && iy < d.h && ix >= 0 && ix < d.w && ic >= 0 && ic < d.c)
                                    xv = x[((b * d.h + iy) * d.w + ix) * d.c + ic];
                                double wv = dw ? f[(ky * kw + kx) * pc + ci] : f[((ky * kw + kx) * pc + ci) * oc + o];
                                acc += xv * wv;
                            }
                    y[((b * oh + oy) * ow + ox) * yc + o] = (float)acc;
                }
}

/* Position of node `name` among the plan's steps, or -1 when it is no step. */
static int step_at(const nn__graph *g, const nn__plan *p, const char *name)
{
    int n = nn__graph_find(g, name);
    for (int s = 0; s < p->nsteps; s++)
        if (p->steps[s] == n) return s;
    return -1;
}

static int is_step(const nn__graph *g, const nn__plan *p, const char *name) { return step_at(g, p, name) >= 0; }

/* Runs every step of plan p on input x, one thread. */
static void run_plan(const nn__graph *g, nn__plan *p, float *x)
{
    nn_error err = {0};
    p->vals[g->inputs[0].value].data = x;
    for (int s = 0; s < p->nsteps; s++) {
        nn__exec e = {g, p, p->steps[s], &err};
        CHECK_MSG(g->nodes[e.node].def->run(&e, 0, 1) == 0, "step %d: %s", s, err.msg);
    }
}

static void compare(const char *what, const nn__value *v, const float *want, int64_t count)
{
    CHECK_MSG(nn__shape_count(&v->shape) == count, "%s: %lld values, want %lld", what,
              (long long)nn__shape_count(&v->shape), (long long)count);
    double worst = 0;
    for (int64_t i = 0; i < count && i < nn__shape_count(&v->shape); i++) {
        double dlt = fabs((double)((const float *)v->data)[i] - want[i]);
        if (dlt > worst) worst = dlt;
    }
    CHECK_MSG(worst <= 1e-5, "%s: worst difference %g", what, worst);
}

/* Loads the model text q (with ' for ") and its weight bytes into g; 0, or -1 after a failed check. */
static int load_model(nn__graph *g, const char *name, const char *q, const void *w, size_t wlen)
{
    char *json = strdup(q);
    for (char *c = json; c && *c; c++)
        if (*c == '\'') *c = '"';
    nn_error err = {0};
    int rc = json ? nn__graph_load_mem(g, name, json, strlen(json), w, wlen, &err) : -1;
    CHECK_MSG(rc == 0, "%s: %s", name, err.msg);
    free(json);
    return rc == 0 ? 0 : -1;
}

static void test_pads(void)
{

    float wa[NWA], wb[NWB], we[NWE];
    for (int i = 0; i < NWA; i++) wa[i] = (float)((i * 37 % 19) - 9) / 8.0f;
    for (int i = 0; i < NWB; i++) wb[i] = (float)((i * 11 % 13) - 6) / 4.0f;
    for (int i = 0; i < NWE; i++) we[i] = (float)(i - 4) / 2.0f;
    float zero = 0.0f, one5 = 1.5f;
    unsigned char wbuf[3 * 32 + 8 + 4 * (NWA + NWB + NWE)], *w = wbuf;
    memcpy(w, pads_a, 32), w += 32;
    memcpy(w, pads_b, 32), w += 32;
    memcpy(w, pads_c, 32), w += 32;
    memcpy(w, &zero, 4), w += 4;
    memcpy(w, &one5, 4), w += 4;
    memcpy(w, wa, sizeof wa), w += sizeof wa;
    memcpy(w, wb, sizeof wb), w += sizeof wb;
    memcpy(w, we, sizeof we);

    nn__graph g = {0};
    nn_error err = {0};
    if (load_model(&g, "fuse.json", model_q, wbuf, sizeof wbuf) < 0) return;

    for (int64_t batch = 1; batch <= 3; batch += 2) {
        dims d = {batch, 5, 6, 3};
        nn__shape in = {4, {d.n, d.h, d.w, d.c}};
        nn__plan p;
        int rc = nn__plan_build(&g, &in, NULL, &p, &err);
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc) break;
        CHECK_INT_EQ(p.pads_fused, 2);
        CHECK(!is_step(&g, &p, "pa") && !is_step(&g, &p, "pb"));         /* folded into ya, yb */
        CHECK(is_step(&g, &p, "pc_pad") && is_step(&g, &p, "pd") && is_step(&g, &p, "pe"));
        CHECK(is_step(&g, &p, "ya") && is_step(&g, &p, "yb") && is_step(&g, &p, "ye"));
        int64_t nx = d.n * d.h * d.w * d.c;
        float *x = malloc((size_t)nx * sizeof *x), *want = malloc(4096 * sizeof *want);
        for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 7.0f;
        run_plan(&g, &p, x);
        int64_t oh, ow;
        const char *names[5] = {"ya", "yb", "yc", "yd", "ye"};
        for (int k = 0; k < 5; k++) {
            const nn__value *v = &p.vals[g.nodes[nn__graph_find(&g, names[k])].out0];
            if (k == 0 || k == 2) naive(x, d, pads_a, 0.0f, wa, 3, 3, 4, 2, 0, want, &oh, &ow);
            if (k == 1) naive(x, d, pads_b, 0.0f, wb, 3, 3, 3, 1, 1, want, &oh, &ow);
            if (k == 3) naive(x, d, pads_b, 1.5f, wb, 3, 3, 3, 1, 1, want, &oh, &ow);
            if (k == 4) naive(x, d, pads_c, 0.0f, we, 1, 1, 2, 1, 0, want, &oh, &ow);
            int64_t oc = k == 0 || k == 2 ? 4 : k == 4 ? 2 : 3;
            CHECK_MSG(oh * ow * d.n * oc <= 4096, "test buffer too small");
            compare(names[k], v, want, d.n * oh * ow * oc);
        }
        free(x);
        free(want);
        nn__plan_free(&p);
    }
    nn__graph_free(&g);
}

/* x [N,4,4,3]; ya = c1(x) + x (fused), ye = c4(ya) + ya (fused, the operand an alias), yb =
 * relu(relu(x)) + c2(x) (not fused: the graph orders Kahn's FIFO from x, so the second Relu comes
 * after c2), yc = c3(x) + x with c3 also an output (yd; not fused). */
static const char *adds_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'c1','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'ya','op':'AddV2','input':['c1','x']},"
    "{'name':'c2','op':'_FusedConv2D','input':['x','w2','b2'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}},'fused_ops':{'list':{'s':['Qmlhc0FkZA==','UmVsdQ==']}},"
    "'num_args':{'i':'1'}}},"
    "{'name':'r2a','op':'Relu','input':['x']},{'name':'r2','op':'Relu','input':['r2a']},"
    "{'name':'yb','op':'AddV2','input':['r2','c2']},"
    "{'name':'c3','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'yc','op':'AddV2','input':['c3','x']},"
    "{'name':'yd','op':'Identity','input':['c3']},"
    "{'name':'c4','op':'Conv2D','input':['ya','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'ye','op':'AddV2','input':['c4','ya']},"
    "{'name':'u1','op':'ResizeBilinear','input':['x','size'],'attr':{'half_pixel_centers':{'b':true}}},"
    "{'name':'u2','op':'ResizeBilinear','input':['x','size'],'attr':{'align_corners':{'b':true}}},"
    "{'name':'yf','op':'AddV2','input':['u1','u2']},"
    "{'name':'u3','op':'ResizeBilinear','input':['x','size']},{'name':'o3','op':'Identity','input':['u3']},"
    "{'name':'yg','op':'AddV2','input':['u3','u1']},"
    "{'name':'w1','op':'Const'},{'name':'w2','op':'Const'},{'name':'b2','op':'Const'},"
    "{'name':'size','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'4'},{'size':'4'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'ya:0'},'b':{'name':'yb:0'},'c':{'name':'yc:0'},'d':{'name':'yd:0'},"
    "'e':{'name':'ye:0'},'f':{'name':'yf:0'},'g':{'name':'yg:0'},'h':{'name':'o3:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'w1','shape':[1,1,3,3],'dtype':'float32'},{'name':'w2','shape':[3,3,3,3],'dtype':'float32'},"
    "{'name':'b2','shape':[3],'dtype':'float32'},{'name':'size','shape':[2],'dtype':'int32'}]}]}";

static void test_adds(void)
{
    static const int32_t same3[8] = {0, 0, 1, 1, 1, 1, 0, 0}, none[8] = {0};
    float wts[9 + 81 + 3];
    for (int i = 0; i < 93; i++) wts[i] = (float)((i * 17 % 11) - 5) / 4.0f;
    const float *w1 = wts, *w2 = wts + 9, *b2 = wts + 90;
    static const int32_t size[2] = {9, 7}; /* the resizes' output: 4x4 -> 9x7 */
    unsigned char wbuf[sizeof wts + sizeof size];
    memcpy(wbuf, wts, sizeof wts);
    memcpy(wbuf + sizeof wts, size, sizeof size);
    nn__graph g = {0};
    nn_error err = {0};
    if (load_model(&g, "adds.json", adds_q, wbuf, sizeof wbuf) < 0) return;
    for (int64_t batch = 1; batch <= 3; batch += 2) {
        dims d = {batch, 4, 4, 3};
        nn__shape in = {4, {d.n, d.h, d.w, d.c}};
        nn__plan p;
        int rc = nn__plan_build(&g, &in, NULL, &p, &err);
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc) break;
        CHECK_INT_EQ(p.adds_fused, 3);
        CHECK(!is_step(&g, &p, "ya") && !is_step(&g, &p, "ye") && !is_step(&g, &p, "yf"));
        CHECK(is_step(&g, &p, "yb") && is_step(&g, &p, "yc") && is_step(&g, &p, "yg"));
        CHECK(p.res[nn__graph_find(&g, "u2")] == g.nodes[nn__graph_find(&g, "u1")].out0 + 1);
        int c2_at = step_at(&g, &p, "c2"), r2_at = step_at(&g, &p, "r2");
        CHECK_MSG(r2_at > c2_at, "the case needs r2 after c2 (steps %d, %d)", r2_at, c2_at);
        enum { NX = 3 * 4 * 4 * 3 };
        float x[NX], ya[NX], c2[NX], want[NX];
        int64_t nx = d.n * d.h * d.w * d.c, oh, ow;
        for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 7.0f;
        run_plan(&g, &p, x);
#define OUT(name) (&p.vals[g.nodes[nn__graph_find(&g, name)].out0])
        naive(x, d, none, 0.0f, w1, 1, 1, 3, 1, 0, want, &oh, &ow);      /* c1 = c3 = yd */
        compare("yd", OUT("yd"), want, nx);
        for (int64_t i = 0; i < nx; i++) ya[i] = want[i] + x[i];
        compare("ya", OUT("ya"), ya, nx);
        compare("yc", OUT("yc"), ya, nx);
        naive(ya, d, none, 0.0f, w1, 1, 1, 3, 1, 0, want, &oh, &ow);     /* c4 */
        for (int64_t i = 0; i < nx; i++) want[i] += ya[i];
        compare("ye", OUT("ye"), want, nx);
        naive(x, d, same3, 0.0f, w2, 3, 3, 3, 1, 0, c2, &oh, &ow);
        for (int64_t i = 0; i < nx; i++) {
            float v = c2[i] + b2[i % 3];
            want[i] = (v > 0 ? v : 0) + (x[i] > 0 ? x[i] : 0);
        }
        compare("yb", OUT("yb"), want, nx);
        /* the resizes: u1 + u2 done by u2 (u1 has a second reader, yg), bit for bit as the
         * reference resize and a float add; yg, whose u3 is also an output, is a step */
        enum { NU = 3 * 9 * 7 * 3 };
        float u1[NU], u2[NU], got[NU];
        int64_t nu = d.n * 9 * 7 * 3;
        nn__resize_bilinear_ref(x, d.n, 4, 4, 3, NULL, u1, 9, 7, 0, 1, 0, 1);
        nn__resize_bilinear_ref(x, d.n, 4, 4, 3, NULL, u2, 9, 7, 1, 0, 0, 1);
        int same = 1;
        for (int64_t i = 0; i < nu; i++) {
            float v = u1[i] + u2[i];
            same &= !memcmp(&v, (const float *)OUT("yf")->data + i, sizeof v);
        }
        CHECK_MSG(same && nn__shape_count(&OUT("yf")->shape) == nu, "yf: not the resizes' sum bit for bit");
        nn__resize_bilinear_ref(x, d.n, 4, 4, 3, u1, got, 9, 7, 0, 0, 0, 1); /* u3 + u1 */
        compare("yg", OUT("yg"), got, nu);
#undef OUT
        nn__plan_free(&p);
    }
    nn__graph_free(&g);
}

/* x [N,4,4,3]: ya = relu6(c1(x) + x) (add and Relu6 fused), yb = relu(c2(x)) (fused, no add),
 * yc = relu6(c3(x) + x) with the sum also an output (yd: the add fused, the Relu6 not),
 * ye = relu(c5(x)) (fused) and yf = relu6(ye) (not: c5 has its post_act already), yg = c7(relu(c6(x)))
 * + c6(x) (the add fused into c7; the Relu not into c6, whose output c7 also adds). */
static const char *acts_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'c1','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'a1','op':'AddV2','input':['c1','x']},{'name':'ya','op':'Relu6','input':['a1']},"
    "{'name':'c2','op':'Conv2D','input':['x','w2'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'yb','op':'Relu','input':['c2']},"
    "{'name':'c3','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'a3','op':'AddV2','input':['x','c3']},{'name':'yc','op':'Relu6','input':['a3']},"
    "{'name':'yd','op':'Identity','input':['a3']},"
    "{'name':'c5','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'ye','op':'Relu','input':['c5']},{'name':'yf','op':'Relu6','input':['ye']},"
    "{'name':'c6','op':'Conv2D','input':['x','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'r6','op':'Relu','input':['c6']},"
    "{'name':'c7','op':'Conv2D','input':['r6','w1'],'attr':{'padding':{'s':'U0FNRQ=='},"
    "'strides':{'list':{'i':['1','1','1','1']}}}},"
    "{'name':'yg','op':'AddV2','input':['c7','c6']},"
    "{'name':'w1','op':'Const'},{'name':'w2','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'4'},{'size':'4'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'ya:0'},'b':{'name':'yb:0'},'c':{'name':'yc:0'},'d':{'name':'yd:0'},"
    "'e':{'name':'ye:0'},'f':{'name':'yf:0'},'g':{'name':'yg:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'w1','shape':[1,1,3,3],'dtype':'float32'},{'name':'w2','shape':[3,3,3,3],'dtype':'float32'}]}]}";

static float relu(float v) { return v > 0.0f ? v : 0.0f; }
static float relu6(float v) { return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f; }

static void test_acts(void)
{
    static const int32_t same3[8] = {0, 0, 1, 1, 1, 1, 0, 0}, none[8] = {0};
    float wts[9 + 81];
    for (int i = 0; i < 90; i++) wts[i] = (float)((i * 17 % 11) - 5) / 4.0f;
    const float *w1 = wts, *w2 = wts + 9;
    nn__graph g = {0};
    nn_error err = {0};
    if (load_model(&g, "acts.json", acts_q, wts, sizeof wts) < 0) return;
    for (int64_t batch = 1; batch <= 3; batch += 2) {
        dims d = {batch, 4, 4, 3};
        nn__shape in = {4, {d.n, d.h, d.w, d.c}};
        nn__plan p;
        int rc = nn__plan_build(&g, &in, NULL, &p, &err);
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc) break;
        CHECK_INT_EQ(p.adds_fused, 3);
        CHECK_INT_EQ(p.acts_fused, 3);
        CHECK(!is_step(&g, &p, "ya") && !is_step(&g, &p, "yb") && !is_step(&g, &p, "ye") && !is_step(&g, &p, "yg"));
        CHECK(is_step(&g, &p, "yc") && is_step(&g, &p, "yf") && is_step(&g, &p, "r6"));
        enum { NX = 3 * 4 * 4 * 3 };
        float x[NX], c[NX], want[NX];
        int64_t nx = d.n * d.h * d.w * d.c, oh, ow;
        for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 2.0f;
        run_plan(&g, &p, x);
#define OUT(name) (&p.vals[g.nodes[nn__graph_find(&g, name)].out0])
        naive(x, d, none, 0.0f, w1, 1, 1, 3, 1, 0, c, &oh, &ow); /* c1 = c3 = c5 */
        int zeros = 0, sixes = 0;
        for (int64_t i = 0; i < nx; i++) {
            want[i] = relu6(c[i] + x[i]);
            zeros += want[i] == 0.0f;
            sixes += want[i] == 6.0f;
        }
        CHECK_MSG(zeros > 0 && sixes > 0, "the case must clamp at both ends (%d zeros, %d sixes)", zeros, sixes);
        compare("ya", OUT("ya"), want, nx);
        compare("yc", OUT("yc"), want, nx);
        for (int64_t i = 0; i < nx; i++) want[i] = c[i] + x[i];
        compare("yd", OUT("yd"), want, nx);
        for (int64_t i = 0; i < nx; i++) want[i] = relu(c[i]);
        compare("ye", OUT("ye"), want, nx);
        for (int64_t i = 0; i < nx; i++) want[i] = relu6(c[i]);
        compare("yf", OUT("yf"), want, nx);
        float r[NX], c7[NX];
        for (int64_t i = 0; i < nx; i++) r[i] = relu(c[i]);
        naive(r, d, none, 0.0f, w1, 1, 1, 3, 1, 0, c7, &oh, &ow);
        for (int64_t i = 0; i < nx; i++) want[i] = c7[i] + c[i];
        compare("yg", OUT("yg"), want, nx);
        naive(x, d, same3, 0.0f, w2, 3, 3, 3, 1, 0, c, &oh, &ow);
        for (int64_t i = 0; i < nx; i++) want[i] = relu(c[i]);
        compare("yb", OUT("yb"), want, nx);
#undef OUT
        nn__plan_free(&p);
    }
    nn__graph_free(&g);
}

/* x [N,H,W,3]: five 1x1 expansions (3 -> 8 channels) each read by a depthwise conv:
 * d1 = relu6(dw3x3 s1 SAME (relu6(e1(x)))) with biases, d2 = dw3x3 s2 SAME (e2(x)), d3 = dw3x3 s2
 * VALID of a zero Pad (bottom/right) of e3(x) (the Pad fused too), d4 = dw5x5 s1 SAME (e4(x)): all
 * fused; d5 reads e5(x), which is also an output (not fused); d6 reads a 3x3 conv (not fused); d7
 * reads e7(x), which a 1x1 conv of d7 also adds (y7: the add fused into that conv; e7 not fused,
 * its bytes must stay whole). */
#define DW_ATTRS(pad, s) "'attr':{'padding':{'s':'" pad "'},'strides':{'list':{'i':['1','" s "','" s "','1']}}}"
/* The same with fused_ops BiasAdd, Relu6 (_FusedConv2D, FusedDepthwiseConv2dNative). */
#define FUSED_RELU6_ATTRS(pad, s)                                                                  \
    "'attr':{'padding':{'s':'" pad "'},'strides':{'list':{'i':['1','" s "','" s "','1']}},"       \
    "'fused_ops':{'list':{'s':['Qmlhc0FkZA==','UmVsdTY=']}},'num_args':{'i':'1'}}"
#define SAME_ "U0FNRQ=="
#define VALID_ "VkFMSUQ="
static const char *expand_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'e1','op':'_FusedConv2D','input':['x','w1','b1']," FUSED_RELU6_ATTRS(SAME_, "1") "},"
    "{'name':'d1','op':'FusedDepthwiseConv2dNative','input':['e1','k3','b1']," FUSED_RELU6_ATTRS(SAME_, "1") "},"
    "{'name':'e2','op':'Conv2D','input':['x','w1']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'d2','op':'DepthwiseConv2dNative','input':['e2','k3']," DW_ATTRS(SAME_, "2") "},"
    "{'name':'e3','op':'Conv2D','input':['x','w1']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'p3','op':'Pad','input':['e3','pads']},"
    "{'name':'d3','op':'DepthwiseConv2dNative','input':['p3','k3']," DW_ATTRS(VALID_, "2") "},"
    "{'name':'e4','op':'Conv2D','input':['x','w1']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'d4','op':'DepthwiseConv2dNative','input':['e4','k5']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'e5','op':'Conv2D','input':['x','w1']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'d5','op':'DepthwiseConv2dNative','input':['e5','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'e6','op':'Conv2D','input':['x','w6']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'d6','op':'DepthwiseConv2dNative','input':['e6','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'e7','op':'Conv2D','input':['x','w1']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'d7','op':'DepthwiseConv2dNative','input':['e7','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'c7','op':'Conv2D','input':['d7','w88']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'y7','op':'AddV2','input':['c7','e7']},"
    "{'name':'w1','op':'Const'},{'name':'b1','op':'Const'},{'name':'k3','op':'Const'},"
    "{'name':'k5','op':'Const'},{'name':'w6','op':'Const'},{'name':'pads','op':'Const'},"
    "{'name':'w88','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'-1'},{'size':'-1'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'d1:0'},'b':{'name':'d2:0'},'c':{'name':'d3:0'},'d':{'name':'d4:0'},"
    "'e':{'name':'d5:0'},'f':{'name':'e5:0'},'g':{'name':'d6:0'},'h':{'name':'y7:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'w1','shape':[1,1,3,8],'dtype':'float32'},{'name':'b1','shape':[8],'dtype':'float32'},"
    "{'name':'k3','shape':[3,3,8,1],'dtype':'float32'},{'name':'k5','shape':[5,5,8,1],'dtype':'float32'},"
    "{'name':'w6','shape':[3,3,3,8],'dtype':'float32'},{'name':'pads','shape':[4,2],'dtype':'int32'},"
    "{'name':'w88','shape':[1,1,8,8],'dtype':'float32'}]}]}";

/* Runs every step of plan p on input x, each step split into nth chunks (run last to first). */
static void run_plan_threads(const nn__graph *g, nn__plan *p, float *x, int nth)
{
    nn_error err = {0};
    p->vals[g->inputs[0].value].data = x;
    for (int s = 0; s < p->nsteps; s++)
        for (int t = nth - 1; t >= 0; t--) {
            nn__exec e = {g, p, p->steps[s], &err};
            CHECK_MSG(g->nodes[e.node].def->run(&e, t, nth) == 0, "step %d: %s", s, err.msg);
        }
}

/* Runs plan pu (unfused) on one thread and pf (fused) split into 1, 2 and 3 chunks, on input x:
 * the outputs named in outs must have the same bits. what names the case in the messages. */
static void check_same_bits(const nn__graph *g, nn__plan *pu, nn__plan *pf, float *x, const char *const *outs,
                            size_t nouts, const char *what)
{
    run_plan_threads(g, pu, x, 1);
    for (int nth = 1; nth <= 3; nth++) {
        run_plan_threads(g, pf, x, nth);
        for (size_t k = 0; k < nouts; k++) {
            const nn__value *a = &pu->vals[g->nodes[nn__graph_find(g, outs[k])].out0];
            const nn__value *b = &pf->vals[g->nodes[nn__graph_find(g, outs[k])].out0];
            int64_t n = nn__shape_count(&a->shape);
            CHECK_MSG(n == nn__shape_count(&b->shape) && !memcmp(a->data, b->data, (size_t)n * 4),
                      "%s: %s, %d threads: fused differs from unfused", outs[k], what, nth);
        }
    }
}

/* Builds g's plan for input shape in twice: *pu without band fusions, *pf with every band fusion
 * its size allows (bands of band_bytes), 3 chunks each. Returns 0, or -1 after a failed check with
 * nothing left to free. */
static int build_pair(const nn__graph *g, const nn__shape *in, int64_t band_bytes, nn__plan *pu, nn__plan *pf)
{
    nn_error err = {0};
    nn__plan_opts off = {3, (int64_t)1 << 60, 0}, on = {3, 1, band_bytes};
    int rc = nn__plan_build(g, in, &off, pu, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc) return -1;
    rc = nn__plan_build(g, in, &on, pf, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc) {
        nn__plan_free(pu);
        return -1;
    }
    return 0;
}

static void test_expands(void)
{
    enum { NW1 = 24, NB1 = 8, NK3 = 72, NK5 = 200, NW6 = 216 };
    static const int32_t pads[8] = {0, 0, 0, 1, 0, 1, 0, 0};
    float wts[NW1 + NB1 + NK3 + NK5 + NW6];
    for (size_t i = 0; i < sizeof wts / sizeof wts[0]; i++) wts[i] = (float)((int)(i * 37 % 29) - 14) / 9.0f;
    float w88[64];
    for (int i = 0; i < 64; i++) w88[i] = (float)((i * 13 % 17) - 8) / 8.0f;
    unsigned char wbuf[sizeof wts + sizeof pads + sizeof w88];
    memcpy(wbuf, wts, sizeof wts);
    memcpy(wbuf + sizeof wts, pads, sizeof pads);
    memcpy(wbuf + sizeof wts + sizeof pads, w88, sizeof w88);
    nn__graph g = {0};
    if (load_model(&g, "expand.json", expand_q, wbuf, sizeof wbuf) < 0) return;
    static const char *const outs[] = {"d1", "d2", "d3", "d4", "d5", "e5", "d6", "y7"};
    /* Odd and even sizes, one image and three; bands of the fewest rows and of about 4 rows. The
     * two images with 2 rows are too small: 3 slots of bands would outgrow the tensor. */
    static const int64_t sizes[][3] = {{1, 24, 7}, {3, 10, 9}, {1, 2, 5}, {2, 2, 4}, {1, 13, 3}, {1, 19, 6}};
    static const int kwin[4] = {3, 3, 3, 5}, kstr[4] = {1, 2, 2, 1}; /* d1..d4's windows */
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (size_t bi = 0; bi < 2; bi++) {
            int64_t bands[2] = {1, 4 * sizes[si][2] * 8 * 4}, expect = 0;
            for (int k = 0; k < 4; k++) { /* plan_fuse.c's rule: 3 slots of rows x W x 8 floats */
                int64_t rows = bands[bi] / (sizes[si][2] * 32);
                rows = rows < kwin[k] + kstr[k] ? kwin[k] + kstr[k] : rows;
                rows = rows < sizes[si][1] ? rows : sizes[si][1];
                expect += 3 * ((rows * sizes[si][2] * 8 + 15) / 16 * 16) <=
                          sizes[si][0] * sizes[si][1] * sizes[si][2] * 8;
            }
            dims d = {sizes[si][0], sizes[si][1], sizes[si][2], 3};
            nn__shape in = {4, {d.n, d.h, d.w, d.c}};
            nn__plan pu, pf;
            if (build_pair(&g, &in, bands[bi], &pu, &pf) < 0) continue;
            CHECK_INT_EQ(pu.expands_fused, 0);
            CHECK_INT_EQ(pf.expands_fused, expect);
            CHECK_INT_EQ(pf.pads_fused, 1);
            CHECK(is_step(&g, &pf, "e5") && is_step(&g, &pf, "e6") && is_step(&g, &pf, "e7"));
            CHECK_MSG(pf.arena_bytes <= pu.arena_bytes, "arena %llu, unfused %llu",
                      (unsigned long long)pf.arena_bytes, (unsigned long long)pu.arena_bytes);
            if (si == 0) {
                CHECK_INT_EQ(expect, 4);
                CHECK(!is_step(&g, &pf, "e1") && !is_step(&g, &pf, "e2") && !is_step(&g, &pf, "e3") &&
                      !is_step(&g, &pf, "e4"));
            }
            if (si == 2) CHECK_INT_EQ(expect, 0);
            int64_t nx = d.n * d.h * d.w * d.c;
            float *x = malloc((size_t)nx * sizeof *x);
            for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 3.0f;
            char what[96];
            snprintf(what, sizeof what, "%lldx%lldx%lld band %lld", (long long)d.n, (long long)d.h,
                     (long long)d.w, (long long)bands[bi]);
            check_same_bits(&g, &pu, &pf, x, outs, sizeof outs / sizeof outs[0], what);
            /* And the unfused d2 against a naive loop: the comparison above is of real values. */
            float *e2 = malloc((size_t)(d.n * d.h * d.w * 8) * sizeof *e2), *want = malloc(4096 * sizeof *want);
            static const int32_t none[8] = {0};
            int64_t oh, ow;
            naive(x, d, none, 0.0f, wts, 1, 1, 8, 1, 0, e2, &oh, &ow);
            dims d8 = {d.n, d.h, d.w, 8};
            int32_t same[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t soh = (d.h + 1) / 2, sow = (d.w + 1) / 2;
            int th = (int)((soh - 1) * 2 + 3 - d.h), tw = (int)((sow - 1) * 2 + 3 - d.w);
            same[2] = (th > 0 ? th : 0) / 2, same[3] = (th > 0 ? th : 0) - same[2];
            same[4] = (tw > 0 ? tw : 0) / 2, same[5] = (tw > 0 ? tw : 0) - same[4];
            naive(e2, d8, same, 0.0f, wts + NW1 + NB1, 3, 3, 8, 2, 1, want, &oh, &ow);
            CHECK_MSG(oh == soh && ow == sow, "naive d2 size %lldx%lld", (long long)oh, (long long)ow);
            compare("d2", &pu.vals[g.nodes[nn__graph_find(&g, "d2")].out0], want, d.n * oh * ow * 8);
            free(e2);
            free(want);
            free(x);
            nn__plan_free(&pu);
            nn__plan_free(&pf);
        }
    nn__graph_free(&g);
}

/* x [N,H,W,3]: depthwise convs each read by a 1x1 conv: ya = relu6(pw(dw3x3 s1 SAME (x)) + x) (the
 * add and Relu6 fused into pw), yb = relu6(pw 3 -> 8 with bias (dw5x5 s2 VALID of a zero Pad with
 * bias and Relu6)), yc = pw 6 -> 4 (dw3x3 s2 SAME, multiplier 2): all three fused; yd reads a
 * depthwise output that is also an output (de: not fused), ye a 3x3 conv of one (not fused). */
static const char *sep_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'da','op':'DepthwiseConv2dNative','input':['x','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'ca','op':'Conv2D','input':['da','p33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'aa','op':'AddV2','input':['ca','x']},{'name':'ya','op':'Relu6','input':['aa']},"
    "{'name':'pb','op':'Pad','input':['x','pads']},"
    "{'name':'db','op':'FusedDepthwiseConv2dNative','input':['pb','k5','b3']," FUSED_RELU6_ATTRS(VALID_, "2") "},"
    "{'name':'yb','op':'_FusedConv2D','input':['db','p38','b8']," FUSED_RELU6_ATTRS(SAME_, "1") "},"
    "{'name':'dc','op':'DepthwiseConv2dNative','input':['x','k3m2']," DW_ATTRS(SAME_, "2") "},"
    "{'name':'yc','op':'Conv2D','input':['dc','p64']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'dd','op':'DepthwiseConv2dNative','input':['x','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'de','op':'Identity','input':['dd']},"
    "{'name':'yd','op':'Conv2D','input':['dd','p33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'df','op':'DepthwiseConv2dNative','input':['x','k3']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'ye','op':'Conv2D','input':['df','w33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'k3','op':'Const'},{'name':'k5','op':'Const'},{'name':'b3','op':'Const'},"
    "{'name':'k3m2','op':'Const'},{'name':'p33','op':'Const'},{'name':'p38','op':'Const'},"
    "{'name':'b8','op':'Const'},{'name':'p64','op':'Const'},{'name':'w33','op':'Const'},"
    "{'name':'pads','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'-1'},{'size':'-1'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'ya:0'},'b':{'name':'yb:0'},'c':{'name':'yc:0'},'d':{'name':'yd:0'},"
    "'e':{'name':'de:0'},'f':{'name':'ye:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'k3','shape':[3,3,3,1],'dtype':'float32'},{'name':'k5','shape':[5,5,3,1],'dtype':'float32'},"
    "{'name':'b3','shape':[3],'dtype':'float32'},{'name':'k3m2','shape':[3,3,3,2],'dtype':'float32'},"
    "{'name':'p33','shape':[1,1,3,3],'dtype':'float32'},{'name':'p38','shape':[1,1,3,8],'dtype':'float32'},"
    "{'name':'b8','shape':[8],'dtype':'float32'},{'name':'p64','shape':[1,1,6,4],'dtype':'float32'},"
    "{'name':'w33','shape':[3,3,3,3],'dtype':'float32'},{'name':'pads','shape':[4,2],'dtype':'int32'}]}]}";

static void test_separables(void)
{
    enum { NW = 27 + 75 + 3 + 54 + 9 + 24 + 8 + 24 + 81 };
    static const int32_t pads[8] = {0, 0, 1, 2, 2, 1, 0, 0};
    float wts[NW];
    for (int i = 0; i < NW; i++) wts[i] = (float)((i * 41 % 31) - 15) / 10.0f;
    unsigned char wbuf[sizeof wts + sizeof pads];
    memcpy(wbuf, wts, sizeof wts);
    memcpy(wbuf + sizeof wts, pads, sizeof pads);
    nn__graph g = {0};
    if (load_model(&g, "sep.json", sep_q, wbuf, sizeof wbuf) < 0) return;
    static const char *const outs[] = {"ya", "yb", "yc", "yd", "de", "ye"};
    static const int64_t sizes[][3] = {{1, 48, 9}, {3, 8, 7}, {1, 2, 6}, {2, 12, 5}, {1, 23, 9}};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int bi = 0; bi < 3; bi++) {
            dims d = {sizes[si][0], sizes[si][1], sizes[si][2], 3};
            nn__shape in = {4, {d.n, d.h, d.w, d.c}};
            /* The three depthwise outputs (H x W x 3, (H+1)/2 x (W+1)/2 x 6 and, padded by 3 x 3
             * for the 5x5 VALID stride 2, (H-1)/2 x (W-1)/2 x 3); band_bytes: 1, 3 or 64 rows of
             * the first (each output's band: as many of its rows as fit, at least one, at most a
             * chunk's share of its N x H rows and at most H). */
            int64_t band = bi == 2 ? 64 : bi ? 3 : 1;
            int64_t shp[3][3] = {{d.h, d.w, 3}, {(d.h + 1) / 2, (d.w + 1) / 2, 6},
                                 {(d.h + 3 - 5) / 2 + 1, (d.w + 3 - 5) / 2 + 1, 3}};
            int64_t expect = 0, band_bytes = band * d.w * 3 * 4;
            for (int k = 0; k < 3; k++) { /* plan_fuse.c's rule: 3 slots of rows x W x C floats */
                int64_t row = shp[k][1] * shp[k][2], rows = band_bytes / (row * 4);
                int64_t share = (d.n * shp[k][0] + 2) / 3;
                rows = rows < 1 ? 1 : rows < share ? rows : share;
                rows = rows < shp[k][0] ? rows : shp[k][0];
                expect += 3 * ((rows * row + 15) / 16 * 16) <= d.n * shp[k][0] * row;
            }
            nn__plan pu, pf;
            if (build_pair(&g, &in, band_bytes, &pu, &pf) < 0) continue;
            CHECK_INT_EQ(pu.dws_fused, 0);
            CHECK_INT_EQ(pf.adds_fused, 1);
            CHECK_INT_EQ(pf.acts_fused, 1);
            CHECK(is_step(&g, &pf, "dd") && is_step(&g, &pf, "df"));
            CHECK_MSG(pf.arena_bytes <= pu.arena_bytes, "arena %llu, unfused %llu",
                      (unsigned long long)pf.arena_bytes, (unsigned long long)pu.arena_bytes);
            if (si == 0) {
                CHECK_INT_EQ(pf.dws_fused, 3);
                CHECK(!is_step(&g, &pf, "da"));
                CHECK(!is_step(&g, &pf, "db"));
                CHECK(!is_step(&g, &pf, "dc"));
            }
            if (si == 2) CHECK_INT_EQ(pf.dws_fused, 0);
            int64_t nx = d.n * d.h * d.w * d.c;
            float *x = malloc((size_t)nx * sizeof *x);
            for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 4.0f;
            char what[96];
            snprintf(what, sizeof what, "%lldx%lldx%lld band %lld", (long long)d.n, (long long)d.h,
                     (long long)d.w, (long long)band);
            check_same_bits(&g, &pu, &pf, x, outs, sizeof outs / sizeof outs[0], what);
            CHECK_INT_EQ(pf.dws_fused, expect);
            free(x);
            nn__plan_free(&pu);
            nn__plan_free(&pf);
        }
    nn__graph_free(&g);
}

/* x [N,H,W,3]. ya: a 1x1 conv (bias, Relu6) read only by a 1x1 conv with a fused AddV2 and Relu:
 * fused. yb: the first conv's output is also an output: not fused. yc: the first conv is 3x3, yd:
 * the second: not fused. */
static const char *pw_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'ca','op':'_FusedConv2D','input':['x','p38','b8']," FUSED_RELU6_ATTRS(SAME_, "1") "},"
    "{'name':'ra','op':'Conv2D','input':['ca','p83']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'aa','op':'AddV2','input':['ra','x']},{'name':'ya','op':'Relu','input':['aa']},"
    "{'name':'cb','op':'Conv2D','input':['x','p38']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'ob','op':'Identity','input':['cb']},"
    "{'name':'yb','op':'Conv2D','input':['cb','p83']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'cc','op':'Conv2D','input':['x','w33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'yc','op':'Conv2D','input':['cc','p33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'cd','op':'Conv2D','input':['x','p33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'yd','op':'Conv2D','input':['cd','w33']," DW_ATTRS(SAME_, "1") "},"
    "{'name':'p38','op':'Const'},{'name':'b8','op':'Const'},{'name':'p83','op':'Const'},"
    "{'name':'p33','op':'Const'},{'name':'w33','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'-1'},{'size':'-1'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'ya:0'},'b':{'name':'yb:0'},'b2':{'name':'ob:0'},'c':{'name':'yc:0'},"
    "'d':{'name':'yd:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'p38','shape':[1,1,3,8],'dtype':'float32'},{'name':'b8','shape':[8],'dtype':'float32'},"
    "{'name':'p83','shape':[1,1,8,3],'dtype':'float32'},{'name':'p33','shape':[1,1,3,3],'dtype':'float32'},"
    "{'name':'w33','shape':[3,3,3,3],'dtype':'float32'}]}]}";

static void test_pointwise_pairs(void)
{
    float wts[24 + 8 + 24 + 9 + 81];
    int nw = (int)(sizeof wts / sizeof wts[0]);
    for (int i = 0; i < nw; i++) wts[i] = (float)((i * 37 % 29) - 14) / 10.0f;
    nn__graph g = {0};
    if (load_model(&g, "pw.json", pw_q, wts, sizeof wts) < 0) return;
    static const char *const outs[] = {"ya", "yb", "ob", "yc", "yd"};
    static const int64_t sizes[][3] = {{1, 30, 9}, {3, 8, 7}, {1, 2, 6}, {2, 13, 5}};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int bi = 0; bi < 3; bi++) {
            dims d = {sizes[si][0], sizes[si][1], sizes[si][2], 3};
            nn__shape in = {4, {d.n, d.h, d.w, d.c}};
            /* ca's output: H x W x 8; bands of 1, 4 or 64 of its rows, 3 slots (plan_fuse.c's rule:
             * at most a chunk's share of the N x H rows, at most H): 30 rows with 64-row bands
             * are fused with bands of 10 rows, which 30 rows in one band would not be. */
            int64_t band = bi == 2 ? 64 : bi ? 4 : 1, row = d.w * 8, share = (d.n * d.h + 2) / 3;
            int64_t rows = band < share ? band : share;
            rows = rows < d.h ? rows : d.h;
            int expect = 3 * ((rows * row + 15) / 16 * 16) <= d.n * d.h * row;
            if (si == 0 && bi == 2) CHECK_INT_EQ(expect, 1);
            nn__plan pu, pf;
            if (build_pair(&g, &in, band * row * 4, &pu, &pf) < 0) continue;
            CHECK_INT_EQ(pu.pws_fused, 0);
            CHECK_INT_EQ(pf.pws_fused, expect);
            CHECK_INT_EQ(pf.adds_fused, 1);
            CHECK_INT_EQ(pf.acts_fused, 1);
            CHECK(is_step(&g, &pf, "ca") == !expect);
            CHECK(is_step(&g, &pf, "cb") && is_step(&g, &pf, "cc") && is_step(&g, &pf, "cd"));
            int64_t nx = d.n * d.h * d.w * d.c;
            float *x = malloc((size_t)nx * sizeof *x);
            for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 31 % 19) - 9) / 4.0f;
            char what[96];
            snprintf(what, sizeof what, "%lldx%lldx%lld band %lld", (long long)d.n, (long long)d.h,
                     (long long)d.w, (long long)band);
            check_same_bits(&g, &pu, &pf, x, outs, sizeof outs / sizeof outs[0], what);
            free(x);
            nn__plan_free(&pu);
            nn__plan_free(&pf);
        }
    nn__graph_free(&g);
}

/* A pooled step whose chunk fails hands its code and message to the caller: d1 (an expansion fused
 * into a depthwise conv, 3 bands) run in 4 chunks on two threads fails in chunk 3, whichever thread
 * runs it; in 3 chunks it succeeds, before and after. */
static void test_chunk_errors(void)
{
    enum { NW = 24 + 8 + 72 + 200 + 216 };
    static const int32_t pads[8] = {0, 0, 0, 1, 0, 1, 0, 0};
    unsigned char wbuf[NW * 4 + sizeof pads + 64 * 4];
    memset(wbuf, 0, sizeof wbuf);
    memcpy(wbuf + NW * 4, pads, sizeof pads);
    nn__graph g = {0};
    if (load_model(&g, "expand.json", expand_q, wbuf, sizeof wbuf) < 0) return;
    nn__shape in = {4, {1, 24, 16, 3}};
    nn__plan pu, pf;
    if (build_pair(&g, &in, 1, &pu, &pf) < 0) {
        nn__graph_free(&g);
        return;
    }
    static float x[24 * 16 * 3];
    pf.vals[g.inputs[0].value].data = x;
    int d1 = nn__graph_find(&g, "d1");
    nn__pool *pool = nn__pool_create(2);
    CHECK(pool && !is_step(&g, &pf, "e1") && nn__step_pooled(&g, &pf, d1));
    for (int round = 0; pool && round < 3; round++) {
        nn_error err = {0};
        int nth = round == 1 ? 4 : 3, rc = nn__plan_run_step(&g, &pf, d1, pool, nth, &err);
        if (nth == 3)
            CHECK_MSG(rc == 0, "%d chunks: rc %d: %s", nth, rc, err.msg);
        else
            CHECK_MSG(rc == NN_EINVAL && strstr(err.msg, "chunk 3 of 3 bands"), "rc %d: '%s'", rc, err.msg);
    }
    nn__pool_free(pool);
    nn__plan_free(&pu);
    nn__plan_free(&pf);
    nn__graph_free(&g);
}

/* x [N,4,3]: concatenations along axis 1 and a Pack along axis 0, done in place where their pieces
 * lie one after the other in the output and only they read them: c1 = [relu(x), sigmoid(x)] and
 * c2 = [c1, relu6(x)] (a concatenation of a concatenation: every piece lands in c2) at batch 1
 * only; pk = Pack([exp(x), Identity(sigmoid(x))]) at any batch (a piece through an alias). Not: n1
 * (a piece is the model input), n2 (axis 2: the pieces interleave), n3 (a piece is also an output). */
static const char *concat_q =
    "{'modelTopology':{'node':["
    "{'name':'x','op':'Placeholder'},"
    "{'name':'a','op':'Relu','input':['x']},{'name':'b','op':'Sigmoid','input':['x']},"
    "{'name':'c1','op':'ConcatV2','input':['a','b','ax1']},"
    "{'name':'e','op':'Relu6','input':['x']},"
    "{'name':'c2','op':'ConcatV2','input':['c1','e','ax1']},"
    "{'name':'f','op':'Exp','input':['x']},{'name':'s','op':'Sigmoid','input':['x']},"
    "{'name':'rs','op':'Identity','input':['s']},"
    "{'name':'pk','op':'Pack','input':['f','rs'],'attr':{'axis':{'i':'0'}}},"
    "{'name':'r2','op':'Relu','input':['x']},{'name':'n1','op':'ConcatV2','input':['x','r2','ax1']},"
    "{'name':'t1','op':'Sigmoid','input':['x']},{'name':'t2','op':'Exp','input':['x']},"
    "{'name':'n2','op':'ConcatV2','input':['t1','t2','ax2']},"
    "{'name':'m','op':'Relu','input':['x']},{'name':'m2','op':'Exp','input':['x']},"
    "{'name':'n3','op':'ConcatV2','input':['m','m2','ax1']},"
    "{'name':'ax1','op':'Const'},{'name':'ax2','op':'Const'}]},"
    "'signature':{'inputs':{'x:0':{'name':'x:0','dtype':'DT_FLOAT','tensorShape':{'dim':"
    "[{'size':'-1'},{'size':'4'},{'size':'3'}]}}},"
    "'outputs':{'a':{'name':'c2:0'},'b':{'name':'pk:0'},'c':{'name':'n1:0'},'d':{'name':'n2:0'},"
    "'e':{'name':'n3:0'},'f':{'name':'m:0'}}},"
    "'weightsManifest':[{'paths':['w.bin'],'weights':["
    "{'name':'ax1','shape':[],'dtype':'int32'},{'name':'ax2','shape':[],'dtype':'int32'}]}]}";

static void test_concats(void)
{
    static const int32_t axes[2] = {1, 2};
    nn__graph g = {0};
    nn_error err = {0};
    if (load_model(&g, "concat.json", concat_q, axes, sizeof axes) < 0) return;
    for (int64_t batch = 1; batch <= 3; batch += 2) {
        nn__shape in = {3, {batch, 4, 3}};
        nn__plan p;
        int rc = nn__plan_build(&g, &in, NULL, &p, &err);
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc) break;
#define VAL(name) (&p.vals[g.nodes[nn__graph_find(&g, name)].out0])
        int one = batch == 1;
        CHECK_INT_EQ(p.concats_inplace, one ? 3 : 1);
        CHECK(is_step(&g, &p, "c1") == !one && is_step(&g, &p, "c2") == !one && !is_step(&g, &p, "pk"));
        CHECK(is_step(&g, &p, "n1") && is_step(&g, &p, "n2") && is_step(&g, &p, "n3"));
        int c2 = g.nodes[nn__graph_find(&g, "c2")].out0, pk = g.nodes[nn__graph_find(&g, "pk")].out0;
        if (one) { /* each piece at its offset in c2: relu, sigmoid, relu6, 12 floats each */
            static const char *const in_c2[] = {"a", "b", "e", "c1"};
            static const uint64_t at[] = {0, 48, 96, 0};
            for (int i = 0; i < 4; i++)
                CHECK_MSG(VAL(in_c2[i])->kind == NN__V_ALIAS && VAL(in_c2[i])->alias == c2 &&
                              VAL(in_c2[i])->alias_at == at[i],
                          "%s: kind %d alias %d at %llu", in_c2[i], VAL(in_c2[i])->kind, VAL(in_c2[i])->alias,
                          (unsigned long long)VAL(in_c2[i])->alias_at);
        }
        uint64_t half = (uint64_t)batch * 48;
        CHECK(VAL("f")->kind == NN__V_ALIAS && VAL("f")->alias == pk && VAL("f")->alias_at == 0);
        CHECK(VAL("s")->alias == pk && VAL("s")->alias_at == half && VAL("rs")->alias == pk &&
              VAL("rs")->alias_at == half);
        CHECK(VAL("m")->kind == NN__V_ARENA && VAL("x")->kind == NN__V_INPUT && VAL("t1")->kind == NN__V_ARENA);
        enum { NX = 3 * 4 * 3 };
        float x[NX], want[4 * NX];
        int64_t nx = batch * 12;
        for (int64_t i = 0; i < nx; i++) x[i] = (float)((i * 29 % 23) - 11) / 2.0f;
        run_plan(&g, &p, x);
        for (int64_t b = 0; b < batch; b++) /* c2 [N,12,3]: relu, sigmoid, relu6 rows of each image */
            for (int64_t i = 0; i < 12; i++) {
                float v = x[b * 12 + i];
                want[b * 36 + i] = relu(v);
                want[b * 36 + 12 + i] = 1.0f / (1.0f + expf(-v));
                want[b * 36 + 24 + i] = relu6(v);
            }
        compare("c2", VAL("c2"), want, 3 * nx);
        for (int64_t i = 0; i < nx; i++) want[i] = expf(x[i]), want[nx + i] = 1.0f / (1.0f + expf(-x[i]));
        compare("pk", VAL("pk"), want, 2 * nx);
        for (int64_t b = 0; b < batch; b++)
            for (int64_t i = 0; i < 12; i++)
                want[b * 24 + i] = x[b * 12 + i], want[b * 24 + 12 + i] = relu(x[b * 12 + i]);
        compare("n1", VAL("n1"), want, 2 * nx);
        for (int64_t r = 0; r < batch * 4; r++)
            for (int k = 0; k < 3; k++) {
                float v = x[r * 3 + k];
                want[r * 6 + k] = 1.0f / (1.0f + expf(-v));
                want[r * 6 + 3 + k] = expf(v);
            }
        compare("n2", VAL("n2"), want, 2 * nx);
        for (int64_t b = 0; b < batch; b++)
            for (int64_t i = 0; i < 12; i++)
                want[b * 24 + i] = relu(x[b * 12 + i]), want[b * 24 + 12 + i] = expf(x[b * 12 + i]);
        compare("n3", VAL("n3"), want, 2 * nx);
        for (int64_t i = 0; i < nx; i++) want[i] = relu(x[i]);
        compare("m", VAL("m"), want, nx);
#undef VAL
        nn__plan_free(&p);
    }
    nn__graph_free(&g);
}

int main(void)
{
    test_pads();
    test_adds();
    test_acts();
    test_expands();
    test_separables();
    test_pointwise_pairs();
    test_concats();
    test_chunk_errors();
    return check_report();
}
