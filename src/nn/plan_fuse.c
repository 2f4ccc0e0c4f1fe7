/*
 * plan_fuse.c - step fusions decided after shape inference, before the arena is placed.
 *
 * Pad into convolution: Keras writes a strided convolution with asymmetric padding as
 * ZeroPadding2D (a Pad of H and W with zeros) followed by a VALID Conv2D or depthwise conv; the
 * BlazePose models have five. The Pad step copies the whole tensor only to add a border of zeros,
 * which the convolution kernels already handle as implicit padding: a tap on a padded cell is
 * skipped, and skipping x * w with x = 0 leaves every sum exactly as it was. So when the Pad is
 * a zero Pad (Pad, or PadV2 with the value 0) of dims 1 and 2 only, of an NHWC rank-4 float tensor,
 * and a conv-like op (NN__OP_ZERO_PAD_IN) is its only reader, the conv reads the Pad's input with
 * its padding grown by the Pad's amounts (output shape unchanged), and the Pad is no step any more.
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

void nn__plan_fuse_pads(const nn__graph *g, nn__plan *p)
{
    int *readers = calloc((size_t)(g->nvalues > 0 ? g->nvalues : 1), sizeof *readers);
    if (!readers) return; /* no fusion: the plan stays as it was, only slower */
    for (int s = 0; s < p->nsteps; s++) {
        const nn__node *n = &g->nodes[p->steps[s]];
        for (int j = 0; j < n->nin; j++) readers[root(p, n->in[j])]++;
    }
    for (int i = 0; i < g->noutputs; i++) readers[root(p, g->outputs[i].value)]++;

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
        /* The Pad's step precedes the conv's: drop it and move the rest down. */
        for (int k = 0; k < s; k++)
            if (p->steps[k] == pn) {
                memmove(p->steps + k, p->steps + k + 1, (size_t)(p->nsteps - k - 1) * sizeof *p->steps);
                p->nsteps--;
                s--;
                break;
            }
        p->pads_fused++;
    }
    free(readers);
}
