/*
 * plan_fuse.c - step fusions decided after shape inference, before the arena is placed. Both keep
 * every output bit for bit as the unfused steps would compute it.
 *
 * Pad into convolution: Keras writes a strided convolution with asymmetric padding as
 * ZeroPadding2D (a Pad of H and W with zeros) followed by a VALID Conv2D or depthwise conv; the
 * BlazePose models have five. The Pad step copies the whole tensor only to add a border of zeros,
 * which the convolution kernels already handle as implicit padding: a tap on a padded cell is
 * skipped, and skipping x * w with x = 0 leaves every sum exactly as it was. So when the Pad is
 * a zero Pad (Pad, or PadV2 with the value 0) of dims 1 and 2 only, of an NHWC rank-4 float tensor,
 * and a conv-like op (NN__OP_ZERO_PAD_IN) is its only reader, the conv reads the Pad's input with
 * its padding grown by the Pad's amounts (output shape unchanged), and the Pad is no step any more.
 *
 * AddV2 into convolution (residual connections): when one operand of an AddV2 (or Add) is the
 * output of a packed Conv2D that nothing else reads, and the other operand has the same shape and
 * is computed before that conv, the conv's kernel adds it in its epilogue after the activation
 * (cpu.h: "the bits equal Conv2D followed by AddV2"; float addition is commutative, so the
 * operand order does not matter). The AddV2's output becomes an alias of the conv's, the other
 * operand stays alive until the conv's step (plan.c reads p->res), and the AddV2 is no step. The
 * same for a ResizeBilinear's output (a feature pyramid's upsampled map plus its lateral one:
 * BlazePose's [64,64,48] and [128,128,8], MoveNet's three): the resize adds the operand to each
 * output (kernels.h: the bits of ResizeBilinear followed by AddV2).
 *
 * Relu/Relu6 into convolution: MobileNet-style blocks end in a residual add followed by an
 * activation (BlazePose: 15 Relu6 steps per run), which TF's converter cannot fold into the
 * conv because the add comes between. When a Relu or Relu6 reads (through an alias) the output
 * of a packed Conv2D that nothing else reads, the conv applies it as its post_act, after the
 * fused add if any (cpu.h; the same max/min as nn__unary_ref, NaN -> 0), the activation's output
 * becomes an alias of the conv's, and the activation is no step. Runs after the adds' fusion.
 *
 * 1x1 expansion into depthwise convolution (MobileNetV2's inverted residual blocks): the expand
 * conv writes C x 6 channels at full resolution (MoveNet Thunder: [128,128,192], 12.6 MB) only
 * for the depthwise conv to read them back once; both stream the tensor through memory. When a
 * packed 1x1 stride-1 unpadded Conv2D without a fused add writes a value of at least
 * expand_min_bytes per image whose only reader is a depthwise conv (through a fused Pad or not),
 * the depthwise step computes it band by band: each chunk of output rows expands the input rows
 * its band needs into its own band (a few rows, band_bytes), then runs the depthwise
 * kernel on that band (ops_conv.c); not when the bands together would outgrow the tensor (small
 * images, many threads). The expand's value is no value any more (the bands are the plan's),
 * the depthwise reads the expand's input, and the expand is no step. Both kernels compute each
 * output exactly as on the whole tensor (a 1x1 conv is per pixel; a band is a window of rows
 * with the padding moved), so the bits do not change.
 *
 * Depthwise into the 1x1 conv after it (depthwise-separable convolutions: BlazePose's blocks, a
 * MobileNet block's projection): the same, the other way round. When a depthwise conv's output
 * (at least expand_min_bytes per image, no expansion fused into it) has a packed 1x1 stride-1
 * unpadded conv as its only reader, the conv's step computes, per chunk of its output rows, a
 * band of depthwise rows into its band and then the 1x1 conv of that band (with the
 * conv's fused add and activations). The depthwise output is no value any more, the conv reads
 * the depthwise's input, and the depthwise is no step. Runs after the expansions' fusion.
 *
 * 1x1 conv into the 1x1 conv after it (MoveNet's heads: 24 -> 96 channels with Relu, then 96 -> 1,
 * 17 or 34): likewise, when a packed 1x1 conv without a fused add writes a value of at least
 * expand_min_bytes / 4 per image (Lightning's are 885 KB) read only by a packed 1x1 conv, that
 * conv computes it band by band (each band: the first conv's rows, then its own). A 1x1 conv is per
 * pixel, so no bit changes. In the same pass as the depthwise one; neither conv may already host a
 * fusion (no chains).
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* The root value whose bytes v names (an alias's target). */
static int root(const nn__plan *p, int v) { return p->vals[v].kind == NN__V_ALIAS ? p->vals[v].alias : v; }

/* 1 when node pn is a zero Pad of H and W only, on a rank-4 float32 value. */
static int zero_hw_pad(const nn__graph *g, const nn__plan *p, int pn)
{
    const nn__node *n = &g->nodes[pn];
    if (strcmp(n->op, "Pad") && strcmp(n->op, "PadV2")) return 0;
    const nn__value *x = &p->vals[n->in[0]];
    if (x->dtype != NN__F32 || x->shape.rank != 4) return 0;
    const int64_t *b = p->par[pn].pad.before, *a = p->par[pn].pad.after;
    if (b[0] || a[0] || b[3] || a[3]) return 0;
    if (n->nin > 2) {
        const nn__value *c = &p->vals[n->in[2]];
        if (c->kind != NN__V_CONST || c->dtype != NN__F32 || *(const float *)c->data != 0.0f) return 0;
    }
    return 1;
}

/* Value v (an ARENA value) becomes an alias of ARENA value to from its byte at on, and so do the
 * aliases of v (an Identity or Reshape of it, or v's own pieces when v is a concatenation done in
 * place), at their offsets in v plus at: an alias always names an ARENA value directly
 * (nn_internal.h), which the arena's lifetimes and data pointers (plan.c) rely on. */
static void make_alias_at(const nn__graph *g, nn__plan *p, int v, int to, uint64_t at)
{
    for (int u = 0; u < g->nvalues; u++)
        if (p->vals[u].kind == NN__V_ALIAS && p->vals[u].alias == v) {
            p->vals[u].alias = to;
            p->vals[u].alias_at += at;
        }
    p->vals[v].kind = NN__V_ALIAS;
    p->vals[v].alias = to;
    p->vals[v].alias_at = at;
}

/* Value v (an ARENA value whose step was dropped) becomes the same bytes as ARENA value to. */
static void make_alias(const nn__graph *g, nn__plan *p, int v, int to) { make_alias_at(g, p, v, to, 0); }

/* readers[v]: how many step inputs (and graph outputs) read value v's bytes, aliases counted on
 * their root; a fused AddV2's other operand, which the conv's step reads (p->res), counts too: a
 * conv whose output another conv adds in is not the only reader's to change (an activation folded
 * into it, or its output computed band by band, would change what the other one adds). NULL when
 * out of memory. */
static int *count_readers(const nn__graph *g, const nn__plan *p)
{
    int *readers = calloc((size_t)(g->nvalues > 0 ? g->nvalues : 1), sizeof *readers);
    if (!readers) return NULL;
    for (int s = 0; s < p->nsteps; s++) {
        const nn__node *n = &g->nodes[p->steps[s]];
        for (int j = 0; j < n->nin; j++) readers[root(p, nn__plan_in(g, p, p->steps[s], j))]++;
        if (p->res[p->steps[s]]) readers[root(p, p->res[p->steps[s]] - 1)]++;
    }
    for (int i = 0; i < g->noutputs; i++) readers[root(p, g->outputs[i].value)]++;
    return readers;
}

/* Removes node from p->steps (order kept). */
static void drop_step(nn__plan *p, int node)
{
    for (int k = 0; k < p->nsteps; k++)
        if (p->steps[k] == node) {
            memmove(p->steps + k, p->steps + k + 1, (size_t)(p->nsteps - k - 1) * sizeof *p->steps);
            p->nsteps--;
            return;
        }
}

static void fuse_pads(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    if (!readers) return; /* no fusion: the plan stays as it was, only slower */

    for (int s = 0; s < p->nsteps; s++) {
        int ci = p->steps[s];
        const nn__node *c = &g->nodes[ci];
        if (!(c->def->flags & NN__OP_ZERO_PAD_IN)) continue;
        int v = c->in[0], pn = g->value_node[v];
        if (p->vals[v].kind != NN__V_ARENA || readers[v] != 1 || !zero_hw_pad(g, p, pn)) continue;
        const int64_t *b = p->par[pn].pad.before, *a = p->par[pn].pad.after;
        nn__conv_params *cp = &p->par[ci].conv.cp;
        cp->pad_top += (int)b[1];
        cp->pad_bottom += (int)a[1];
        cp->pad_left += (int)b[2];
        cp->pad_right += (int)a[2];
        p->in0[ci] = g->nodes[pn].in[0] + 1;
        p->vals[v].kind = NN__V_NONE;
        drop_step(p, pn); /* the Pad's step precedes the conv's, which moves down by one */
        s--;
        p->pads_fused++;
    }
    free(readers);
}

/* Step index of the producer of value v's bytes, or -1 for constants and inputs. */
static int produced_at(const nn__graph *g, const nn__plan *p, const int *pos, int v)
{
    v = root(p, v);
    return p->vals[v].kind == NN__V_ARENA ? pos[g->value_node[v]] : -1;
}

static void fuse_adds(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    int *pos = malloc((size_t)(g->nnodes > 0 ? g->nnodes : 1) * sizeof *pos);
    if (!readers || !pos) goto done;
    for (int i = 0; i < g->nnodes; i++) pos[i] = -1;
    for (int s = 0; s < p->nsteps; s++) pos[p->steps[s]] = s;
    for (int s = 0; s < p->nsteps; s++) {
        int ai = p->steps[s];
        const nn__node *a = &g->nodes[ai];
        if ((strcmp(a->op, "AddV2") && strcmp(a->op, "Add")) || a->nin != 2) continue;
        for (int k = 0; k < 2; k++) {
            int v = a->in[k], r = a->in[1 - k], cn = g->value_node[v];
            const nn__value *y = &p->vals[v], *rv = &p->vals[r];
            const nn__node *c = &g->nodes[cn];
            int conv = (!strcmp(c->op, "Conv2D") || !strcmp(c->op, "_FusedConv2D")) && y->aux;
            if (y->kind != NN__V_ARENA || v != c->out0 || pos[cn] < 0 || p->res[cn] || readers[v] != 1 ||
                (!conv && strcmp(c->op, "ResizeBilinear")))
                continue;
            if (y->dtype != NN__F32 || rv->dtype != NN__F32 || rv->shape.rank != y->shape.rank ||
                memcmp(rv->shape.d, y->shape.d, sizeof(int64_t) * (size_t)y->shape.rank) ||
                p->vals[a->out0].shape.rank != y->shape.rank || root(p, r) == v ||
                produced_at(g, p, pos, r) >= pos[cn])
                continue;
            p->res[cn] = r + 1;
            make_alias(g, p, a->out0, v);
            drop_step(p, ai); /* after the conv's step: the steps before it keep their places */
            for (int q = s; q < p->nsteps; q++) pos[p->steps[q]] = q;
            pos[ai] = -1;
            s--;
            p->adds_fused++;
            break;
        }
    }
done:
    free(readers);
    free(pos);
}

static void fuse_acts(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    if (!readers) return;
    for (int s = 0; s < p->nsteps; s++) {
        int ri = p->steps[s];
        const nn__node *a = &g->nodes[ri];
        nn__act post = !strcmp(a->op, "Relu") ? NN__ACT_RELU : !strcmp(a->op, "Relu6") ? NN__ACT_RELU6 : NN__ACT_NONE;
        if (post == NN__ACT_NONE || a->nin != 1) continue;
        int v = root(p, a->in[0]), cn = g->value_node[v];
        if (cn < 0) continue;
        const nn__node *c = &g->nodes[cn];
        const nn__value *y = &p->vals[v];
        nn__conv_params *cp = &p->par[cn].conv.cp;
        if (y->kind != NN__V_ARENA || v != c->out0 || !y->aux || readers[v] != 1 ||
            (strcmp(c->op, "Conv2D") && strcmp(c->op, "_FusedConv2D")) || cp->post_act != NN__ACT_NONE ||
            y->dtype != NN__F32 || p->vals[a->out0].dtype != NN__F32)
            continue;
        cp->post_act = post;
        make_alias(g, p, a->out0, v);
        drop_step(p, ri);
        s--;
        p->acts_fused++;
    }
    free(readers);
}

/* 1 when node n is a packed 1x1 stride-1 unpadded Conv2D writing value v (its output). */
static int packed_pointwise(const nn__graph *g, const nn__plan *p, int n, int v)
{
    const nn__node *c = &g->nodes[n];
    const nn__conv_params *cp = &p->par[n].conv.cp;
    return (!strcmp(c->op, "Conv2D") || !strcmp(c->op, "_FusedConv2D")) && v == c->out0 && p->vals[v].aux &&
           cp->kh == 1 && cp->kw == 1 && cp->sh == 1 && cp->sw == 1 && !cp->pad_top && !cp->pad_left &&
           !cp->pad_bottom && !cp->pad_right;
}

/* Rows of the expanded tensor per band: about band_bytes, at least the depthwise window's height
 * plus one stride (an output row needs at most kh rows), at most the image. */
static int64_t band_rows(const nn__plan *p, int64_t row_bytes, int64_t ih, const nn__conv_params *cp)
{
    int64_t rows = p->band_bytes / row_bytes, lo = cp->kh + cp->sh;
    if (rows < lo) rows = lo;
    return rows < ih ? rows : ih;
}

/* Makes node `in` (writing value v, read only by node host) part of host's step, band by band:
 * host reads in's input 0 instead and computes in's rows in each chunk's band of band_floats
 * (rounded up to 64 bytes; the plan's bands, plan.c), v is no value any more, and in is no step.
 * Returns 0 and changes nothing when the bands together would outgrow v (small images, many
 * threads). */
static int fuse_band(const nn__graph *g, nn__plan *p, int host, int in, int v, int64_t band_floats)
{
    int64_t slot = (band_floats + 15) / 16 * 16;
    if (p->nchunks * slot > nn__shape_count(&p->vals[v].shape)) return 0;
    p->in0[host] = nn__plan_in(g, p, in, 0) + 1;
    if (slot > p->band_max) p->band_max = slot;
    p->vals[v].kind = NN__V_NONE;
    p->flops[host] += p->flops[in];
    drop_step(p, in);
    return 1;
}

static void fuse_expands(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    if (!readers) return;
    for (int s = 0; s < p->nsteps; s++) {
        int di = p->steps[s];
        const nn__node *dn = &g->nodes[di];
        nn__params *dp = &p->par[di];
        if ((strcmp(dn->op, "DepthwiseConv2dNative") && strcmp(dn->op, "FusedDepthwiseConv2dNative")) ||
            !dp->conv.depthwise || dp->conv.expand)
            continue;
        int v = nn__plan_in(g, p, di, 0), cn = g->value_node[v];
        if (cn < 0 || p->vals[v].kind != NN__V_ARENA) continue;
        const nn__value *y = &p->vals[v];
        if (!packed_pointwise(g, p, cn, v) || readers[v] != 1 || p->res[cn] || p->par[cn].conv.pre ||
            y->dtype != NN__F32 || y->shape.rank != 4)
            continue;
        const int64_t *d = y->shape.d;
        int64_t row_bytes = d[2] * d[3] * (int64_t)sizeof(float);
        if (d[1] * row_bytes < p->expand_min_bytes) continue;
        int64_t rows = band_rows(p, row_bytes, d[1], &dp->conv.cp);
        if (!fuse_band(g, p, di, cn, v, rows * d[2] * d[3])) continue;
        dp->conv.expand = cn + 1;
        dp->conv.band_rows = rows;
        s--; /* the expand's step preceded the depthwise's, which moved down by one */
        p->expands_fused++;
    }
    free(readers);
}

/* Depthwise into the 1x1 conv reading it, and 1x1 conv into the 1x1 conv reading it (see the top):
 * one pass, since a 1x1 conv has one producer; a first conv that already holds a fusion stays a
 * step (no chains). */
static void fuse_into_pointwise(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    if (!readers) return;
    for (int s = 0; s < p->nsteps; s++) {
        int ci = p->steps[s];
        nn__params *cpar = &p->par[ci];
        if (!packed_pointwise(g, p, ci, g->nodes[ci].out0) || cpar->conv.pre) continue;
        int v = nn__plan_in(g, p, ci, 0), fn = g->value_node[v];
        if (fn < 0) continue;
        const nn__node *f = &g->nodes[fn];
        const nn__params *fpar = &p->par[fn];
        const nn__value *fv = &p->vals[v];
        if (v != f->out0 || fv->kind != NN__V_ARENA || readers[v] != 1 || fv->dtype != NN__F32 || fv->shape.rank != 4)
            continue;
        int dw = (!strcmp(f->op, "DepthwiseConv2dNative") || !strcmp(f->op, "FusedDepthwiseConv2dNative")) &&
                 fpar->conv.depthwise && !fpar->conv.expand;
        if (!dw && (!packed_pointwise(g, p, fn, v) || p->res[fn] || fpar->conv.pre)) continue;
        int64_t row = fv->shape.d[2] * fv->shape.d[3], oh = fv->shape.d[1];
        if (oh * row * (int64_t)sizeof(float) < (dw ? p->expand_min_bytes : p->expand_min_bytes / 4)) continue;
        /* About band_bytes of rows, but no more than a chunk's share of the n * oh rows (a band
         * larger than that is never filled: two threads on MoveNet Lightning's 48x48x96 heads
         * would have had bands of 28 rows for 24) and at most the image. */
        int64_t rows = p->band_bytes / (row * (int64_t)sizeof(float));
        int64_t share = (fv->shape.d[0] * oh + p->nchunks - 1) / p->nchunks;
        rows = rows < 1 ? 1 : rows < share ? rows : share;
        rows = rows < oh ? rows : oh;
        if (!fuse_band(g, p, ci, fn, v, rows * row)) continue;
        cpar->conv.pre = fn + 1;
        cpar->conv.band_rows = rows;
        s--; /* the first conv's step preceded this one, which moved down by one */
        if (dw) p->dws_fused++;
        else p->pws_fused++;
    }
    free(readers);
}

/* A ConcatV2 or Pack whose pieces lie one after the other in its output (every dim before the axis
 * 1) is done in place when each piece is an ARENA value (or an alias of one: a Reshape of a conv's
 * output) that the concat alone reads and that has as many bytes as its root: each piece's root
 * becomes an alias of the output at the piece's offset, so its producer writes it there (a piece
 * that is itself a concatenation done in place takes its own pieces along), and the concat is no
 * step. The output then lives from its first piece's producer on (plan.c). Last of the fusions:
 * the others want their values whole and skip aliases. */
static void fuse_concats(const nn__graph *g, nn__plan *p)
{
    int *readers = count_readers(g, p);
    if (!readers) return;
    for (int s = 0; s < p->nsteps; s++) {
        int ci = p->steps[s];
        const nn__node *c = &g->nodes[ci];
        int pack = !strcmp(c->op, "Pack"), npieces = pack ? c->nin : c->nin - 1;
        if ((!pack && strcmp(c->op, "ConcatV2")) || npieces < 1 || p->vals[c->out0].kind != NN__V_ARENA) continue;
        const nn__value *y = &p->vals[c->out0];
        int ok = 1;
        for (int d = 0; d < p->par[ci].ax.axis && ok; d++) ok = y->shape.d[d] == 1;
        for (int k = 0; k < npieces && ok; k++) {
            int v = c->in[k], r = root(p, v);
            const nn__value *x = &p->vals[v], *xr = &p->vals[r];
            ok = (x->kind == NN__V_ARENA || x->kind == NN__V_ALIAS) && xr->kind == NN__V_ARENA && readers[r] == 1 &&
                 r != c->out0 && x->alias_at == 0 && nn__shape_count(&x->shape) > 0 &&
                 nn__value_bytes(x) == nn__value_bytes(xr) && x->dtype == y->dtype;
        }
        if (!ok) continue;
        uint64_t at = 0;
        for (int k = 0; k < npieces; k++) {
            int r = root(p, c->in[k]);
            uint64_t bytes = nn__value_bytes(&p->vals[r]);
            make_alias_at(g, p, r, c->out0, at);
            at += bytes;
        }
        drop_step(p, ci);
        s--;
        p->concats_inplace++;
    }
    free(readers);
}

void nn__plan_fuse(const nn__graph *g, nn__plan *p)
{
    fuse_pads(g, p);
    fuse_adds(g, p);
    fuse_acts(g, p);
    fuse_expands(g, p);
    fuse_into_pointwise(g, p);
    fuse_concats(g, p);
}
