/*
 * plan.c - from a linked graph and the input shapes to a runnable plan:
 *   1. keep only the nodes the signature outputs depend on;
 *   2. in topological order, run each op's shape function (dtype and shape inference, attribute
 *      checks); a node whose inputs are all constants, or whose output depends only on shapes
 *      (Shape, Size), is computed right away and becomes a constant ("folding");
 *   3. a copy-only op (Identity, Reshape, Squeeze, ExpandDims; an Unpack, Split, Pack or ConcatV2
 *      of one piece) on an arena value becomes an alias of it (same bytes, its own shape); every
 *      other node becomes a step; a zero Pad read only by a conv becomes the conv's padding, an
 *      AddV2 after a conv its epilogue, a large 1x1 expansion part of the depthwise conv reading
 *      it, computed in per-chunk bands outside the arena, a concatenation of pieces that lie one
 *      after the other is written in place by their producers (plan_fuse.c); each output lives
 *      from its step to its last reader, or its aliases' last reader (graph outputs to the end);
 *   4. libvram's static planner turns the lifetimes into offsets in one arena (64-byte aligned); for
 *      two threads, lanes place each value's split between the threads on a pivot (plan_lanes.c).
 * Nothing here runs per frame.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "vram.h"

#define ALIGN 64

static void *alloc_value(size_t bytes)
{
    size_t b = (bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    return aligned_alloc(ALIGN, b ? b : ALIGN);
}

size_t nn__value_bytes(const nn__value *v)
{
    return (size_t)nn__shape_count(&v->shape) * nn__dtype_size(v->dtype);
}

/* Nodes the outputs depend on (1 in need[]). */
static void mark_needed(const nn__graph *g, char *need)
{
    for (int i = 0; i < g->noutputs; i++) need[g->outputs[i].node] = 1;
    for (int k = g->nnodes - 1; k >= 0; k--) {
        int i = g->order[k];
        if (!need[i]) continue;
        for (int j = 0; j < g->nodes[i].nin; j++) need[g->value_node[g->nodes[i].in[j]]] = 1;
    }
}

static int set_input(const nn__graph *g, int node, const nn__shape *in_shapes, nn__plan *p, nn_error *err)
{
    for (int i = 0; i < g->ninputs; i++)
        if (g->inputs[i].node == node) {
            nn__value *v = &p->vals[g->inputs[i].value];
            v->kind = NN__V_INPUT;
            v->dtype = g->inputs[i].dtype;
            v->shape = in_shapes[i];
            int64_t c = 1, max = g->max_elems > 0 ? g->max_elems : (int64_t)1 << 34;
            for (int d = 0; d < v->shape.rank; d++) {
                if (v->shape.d[d] < 0)
                    return nn__err(err, NN_EINVAL, "%s: input '%s': dimension %d is not known", g->path,
                                   g->inputs[i].key, d);
                if (v->shape.d[d] && c > max / v->shape.d[d])
                    return nn__err(err, NN_EINVAL, "%s: input '%s': too large", g->path, g->inputs[i].key);
                c *= v->shape.d[d];
            }
            return 0;
        }
    return nn__err(err, NN_EINVAL, "%s: node '%s': Placeholder that is not a signature input", g->path,
                   g->nodes[node].name);
}

static int fold(const nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    for (int k = 0; k < n->nout; k++) {
        nn__value *v = nn__eout(e, k);
        v->kind = NN__V_CONST;
        v->owned = v->data = alloc_value(nn__value_bytes(v));
        if (!v->data) return nn__node_err(e, NN_ENOMEM, "out of memory");
    }
    int rc = n->def->run(e, 0, 1);
    e->p->folded++;
    return rc < 0 ? rc : 0;
}

static int infer(const nn__graph *g, const nn__shape *in_shapes, nn__plan *p, const char *need, nn_error *err)
{
    for (int k = 0; k < g->nnodes; k++) {
        int i = g->order[k];
        const nn__node *n = &g->nodes[i];
        if (!need[i]) continue;
        nn__value *out = &p->vals[n->out0];
        if (n->is_const) {
            const nn__weight *w = &g->weights[n->weight];
            out->kind = NN__V_CONST;
            out->dtype = w->dtype;
            out->shape = w->shape;
            out->data = w->data;
            continue;
        }
        int rc;
        if (n->is_input) {
            if ((rc = set_input(g, i, in_shapes, p, err)) < 0) return rc;
            continue;
        }
        nn__exec e = {g, p, i, err};
        for (int j = 0; j < n->nin; j++)
            if (p->vals[n->in[j]].kind == NN__V_NONE)
                return nn__node_err(&e, NN_EINVAL, "input %d is an output its producer does not have", j);
        rc = n->def->shape(&e);
        if (rc < 0) return rc;
        if (rc < n->nout) return nn__node_err(&e, NN_EINVAL, "the graph reads output %d of %d", n->nout - 1, rc);
        int all_const = 1;
        for (int j = 0; j < n->nin; j++) all_const &= p->vals[n->in[j]].kind == NN__V_CONST;
        if (all_const || (n->def->flags & NN__OP_SHAPE_ONLY)) {
            if ((rc = fold(&e)) < 0) return rc;
            continue;
        }
        /* The input whose bytes the output is, for a copy-only node (-1: none). */
        int src = n->def->flags & NN__OP_ALIAS ? n->in[0] : -1;
        if ((n->def->flags & NN__OP_ALIAS_WHOLE) && n->nout == 1 && n->def->arg < n->nin &&
            nn__shape_count(&out->shape) == nn__shape_count(&p->vals[n->in[n->def->arg]].shape) &&
            out->dtype == p->vals[n->in[n->def->arg]].dtype)
            src = n->in[n->def->arg];
        const nn__value *x0 = src >= 0 ? &p->vals[src] : NULL;
        if (x0 && (x0->kind == NN__V_ARENA || x0->kind == NN__V_ALIAS)) {
            out->kind = NN__V_ALIAS;
            out->alias = x0->kind == NN__V_ALIAS ? x0->alias : src;
            continue;
        }
        for (int j = 0; j < n->nout; j++) p->vals[n->out0 + j].kind = NN__V_ARENA;
        p->steps[p->nsteps++] = i;
        p->gflops += p->flops[i] * 1e-9;
    }
    return 0;
}

/* With two chunks per threaded step: offsets from nn__plan_lanes (plan_lanes.c), each value's split
 * (the first byte of chunk 1's rows, as nn__split_range splits them: dims 0 and 1 of a value of rank
 * >= 3, dim 0 of a matrix, elements otherwise) on a lane's pivot, so that each thread writes the
 * bytes it wrote before. They replace the general plan's in t (and *peak) unless the arena would
 * grow past LANES_MAX_GROWTH times the general one (the seven models: 1.1-1.6x). */
#define LANES_MAX_GROWTH 2
static int place_lanes(const nn__graph *g, nn__plan *p, vram_plan_tensor *t, const int *ids, size_t n,
                       uint64_t *peak, nn_error *err)
{
    uint64_t *split = malloc((n ? n : 1) * sizeof *split), lpeak = 0;
    vram_plan_tensor *lt = malloc((n ? n : 1) * sizeof *lt);
    int rc = 0;
    if (!split || !lt) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const nn__shape *sh = &p->vals[ids[i]].shape;
        int64_t count = nn__shape_count(sh);
        int64_t rows = sh->rank >= 3 ? sh->d[0] * sh->d[1] : sh->rank == 2 ? sh->d[0] : count, r0, r1;
        split[i] = 0;
        if (rows > 0) {
            nn__split_range(rows, 1, 2, &r0, &r1);
            split[i] = (uint64_t)r0 * (t[i].size / (uint64_t)rows);
        }
        lt[i] = t[i];
    }
    if (nn__plan_lanes(lt, split, n, ALIGN, &lpeak) < 0) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    if (lpeak <= LANES_MAX_GROWTH * *peak) {
        memcpy(t, lt, n * sizeof *t);
        *peak = lpeak;
        p->lanes = 1;
    }
done:
    free(split);
    free(lt);
    return rc;
}

static int place(const nn__graph *g, nn__plan *p, nn_error *err)
{
    for (int v = 0; v < g->nvalues; v++) p->vals[v].first = p->vals[v].last = -1;
    for (int s = 0; s < p->nsteps; s++) {
        const nn__node *n = &g->nodes[p->steps[s]];
        for (int k = 0; k < n->nout; k++) {
            nn__value *v = &p->vals[n->out0 + k];
            if (v->kind == NN__V_ALIAS) { /* a concatenated piece: its concat's output lives from here */
                v = &p->vals[v->alias];
                if (v->first < 0) v->first = s;
                if (v->last < s) v->last = s;
                continue;
            }
            v->first = v->last = s;
        }
        int res = p->res[p->steps[s]];  /* a fused AddV2's other operand is read here too */
        for (int j = 0; j < n->nin + (res > 0); j++) {
            nn__value *v = &p->vals[j < n->nin ? nn__plan_in(g, p, p->steps[s], j) : res - 1];
            if (v->kind == NN__V_ALIAS) v = &p->vals[v->alias];  /* reading an alias reads its root */
            if (v->kind == NN__V_ARENA && v->last < s) v->last = s;
        }
    }
    for (int i = 0; i < g->noutputs; i++) {
        nn__value *v = &p->vals[g->outputs[i].value];
        if (v->kind == NN__V_ALIAS) v = &p->vals[v->alias];
        if (v->kind == NN__V_ARENA) v->last = p->nsteps - 1;
    }
    size_t n = 0;
    for (int v = 0; v < g->nvalues; v++) n += p->vals[v].kind == NN__V_ARENA;
    vram_plan_tensor *t = calloc(n ? n : 1, sizeof *t);
    int *ids = calloc(n ? n : 1, sizeof *ids);
    int rc = 0;
    if (!t || !ids) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    n = 0;
    for (int v = 0; v < g->nvalues; v++)
        if (p->vals[v].kind == NN__V_ARENA) {
            t[n].size = nn__value_bytes(&p->vals[v]);
            t[n].first = p->vals[v].first;
            t[n].last = p->vals[v].last;
            ids[n++] = v;
        }
    vram_plan_result r;
    vram_error verr = {0};
    if (vram_plan_offsets(t, n, ALIGN, &r, &verr) < 0) {
        rc = nn__err(err, NN_EINVAL, "%s: activation plan failed: %s", g->path, verr.msg);
        goto done;
    }
    if (p->nchunks == 2 && (rc = place_lanes(g, p, t, ids, n, &r.peak, err)) < 0) goto done;
    p->arena_bytes = r.peak;
    p->lower_bound = r.lower_bound;
    p->no_reuse = r.no_reuse;
    p->arena = nn__huge_alloc((size_t)r.peak);
    if (!p->arena) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory for a %llu-byte arena", g->path, (unsigned long long)r.peak);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        p->vals[ids[i]].offset = t[i].offset;
        p->vals[ids[i]].data = (char *)p->arena + t[i].offset;
    }
    for (int v = 0; v < g->nvalues; v++)
        if (p->vals[v].kind == NN__V_ALIAS)
            p->vals[v].data = (char *)p->vals[p->vals[v].alias].data + p->vals[v].alias_at;
done:
    free(t);
    free(ids);
    return rc;
}

/* The chunks' bands of the banded steps (plan_fuse.c): one allocation, each chunk's band NN__BAND_APART
 * bytes (a multiple of) after the previous one's when there are several. */
static int alloc_bands(const nn__graph *g, nn__plan *p, nn_error *err)
{
    if (p->band_max <= 0) return 0;
    int64_t bytes = p->band_max * (int64_t)sizeof(float);
    int64_t stride = p->nchunks > 1 ? (bytes + NN__BAND_APART - 1) / NN__BAND_APART * NN__BAND_APART
                                    : (bytes + 63) / 64 * 64;
    p->band_stride = stride / (int64_t)sizeof(float);
    p->bands = nn__huge_alloc((size_t)(stride * p->nchunks));
    if (!p->bands)
        return nn__err(err, NN_ENOMEM, "%s: out of memory for %d bands of %lld bytes", g->path, p->nchunks,
                       (long long)bytes);
    return 0;
}

int nn__plan_build(const nn__graph *g, const nn__shape *in_shapes, const nn__plan_opts *o, nn__plan *p,
                   nn_error *err)
{
    memset(p, 0, sizeof *p);
    p->nchunks = o && o->nchunks > 0 ? o->nchunks : 1;
    p->expand_min_bytes = o && o->expand_min_bytes > 0 ? o->expand_min_bytes : NN__EXPAND_MIN_BYTES;
    p->band_bytes = o && o->band_bytes > 0 ? o->band_bytes : NN__BAND_BYTES;
    p->nvalues = g->nvalues;
    p->batch = in_shapes[0].rank > 0 ? in_shapes[0].d[0] : 1;
    p->vals = calloc((size_t)g->nvalues, sizeof *p->vals);
    p->par = calloc((size_t)g->nnodes, sizeof *p->par);
    p->flops = calloc((size_t)g->nnodes, sizeof *p->flops);
    p->steps = calloc((size_t)g->nnodes, sizeof *p->steps);
    p->outs = calloc((size_t)g->noutputs, sizeof *p->outs);
    p->in0 = calloc((size_t)g->nnodes, sizeof *p->in0);
    p->res = calloc((size_t)g->nnodes, sizeof *p->res);
    char *need = calloc((size_t)g->nnodes, 1);
    int rc = 0;
    if (!p->vals || !p->par || !p->flops || !p->steps || !p->outs || !p->in0 || !p->res || !need) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        goto fail;
    }
    mark_needed(g, need);
    if ((rc = infer(g, in_shapes, p, need, err)) < 0) goto fail;
    nn__plan_fuse(g, p);
    if ((rc = place(g, p, err)) < 0 || (rc = alloc_bands(g, p, err)) < 0) goto fail;
    for (int i = 0; i < g->noutputs; i++) {
        const nn__value *v = &p->vals[g->outputs[i].value];
        nn_tensor *t = &p->outs[i];
        t->dtype = (nn_dtype)v->dtype;
        t->rank = v->shape.rank;
        memcpy(t->shape, v->shape.d, sizeof t->shape);
        t->data = v->data;
    }
    free(need);
    return 0;
fail:
    free(need);
    nn__plan_free(p);
    return rc;
}

void nn__plan_free(nn__plan *p)
{
    if (!p) return;
    for (int v = 0; p->vals && v < p->nvalues; v++) free(p->vals[v].owned);
    free(p->vals);
    free(p->par);
    free(p->flops);
    free(p->steps);
    free(p->outs);
    free(p->in0);
    free(p->res);
    free(p->arena);
    free(p->bands);
    nn__region_free(&p->region);
    memset(p, 0, sizeof *p);
}
