/*
 * model.c - the public model API of nn.h: load (graph + weights + pool + a batch-1 plan), input and
 * output descriptions, replanning for a new batch, running the steps of the plan on the pool, output
 * views and figures, and the per-op profile of the runs.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn_internal.h"

/* Chunks per thread of a threaded step, claimed dynamically by the pool (a late worker's chunk is
 * taken by whoever is free). 1 ran 2 threads 7-12 % faster than 4 on a quiet 2-core machine
 * (Lightning, Thunder, BlazePose full, A/B alternating) and the same with both cores busy. */
#define PAR_CHUNKS 1

struct nn_model {
    nn__graph g;
    nn__plan plan;
    nn__pool *pool;
    int threads;
    int ran;
    int nops;
    const char **op_names;
    int *op_counts;
    int prof_on;
    int prof_runs;
    double *prof_ms;          /* per node: summed step time of the profiled runs */
};

const char *nn_dtype_name(nn_dtype t)
{
    switch (t) {
    case NN_FLOAT32: return "float32";
    case NN_INT32: return "int32";
    case NN_BOOL: return "bool";
    }
    return "?";
}

size_t nn_dtype_size(nn_dtype t)
{
    switch (t) {
    case NN_FLOAT32:
    case NN_INT32: return 4;
    case NN_BOOL: return 1;
    }
    return 0;
}

int64_t nn_tensor_count(const nn_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= t->shape[i];
    return n;
}

nn_options nn_options_defaults(void)
{
    nn_options o;
    memset(&o, 0, sizeof o);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
    return o;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int count_ops(nn_model_t *m)
{
    const nn__graph *g = &m->g;
    const char **names = malloc((size_t)g->nnodes * sizeof *names);
    m->op_names = malloc((size_t)g->nnodes * sizeof *m->op_names);
    m->op_counts = calloc((size_t)g->nnodes, sizeof *m->op_counts);
    if (!names || !m->op_names || !m->op_counts) {
        free(names);
        return -1;
    }
    for (int i = 0; i < g->nnodes; i++) names[i] = g->nodes[i].op;
    qsort(names, (size_t)g->nnodes, sizeof *names, cmp_str);
    for (int i = 0; i < g->nnodes; i++) {
        if (m->nops == 0 || strcmp(m->op_names[m->nops - 1], names[i])) m->op_names[m->nops++] = names[i];
        m->op_counts[m->nops - 1]++;
    }
    free(names);
    return 0;
}

static void default_shapes(const nn__graph *g, nn__shape *s, int64_t batch)
{
    for (int i = 0; i < g->ninputs; i++) {
        s[i] = g->inputs[i].shape;
        if (s[i].rank > 0 && (s[i].d[0] == -1 || s[i].d[0] == 1)) s[i].d[0] = batch;
    }
}

nn_model_t *nn_model_load(const char *path, const nn_options *opt, nn_error *err)
{
    nn_options o = opt ? *opt : nn_options_defaults();
    if (o.threads < 1) o.threads = 1;
    nn_model_t *m = calloc(1, sizeof *m);
    nn__shape *shapes = NULL;
    if (!m) {
        nn__err(err, NN_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    if (nn__graph_load(&m->g, path, err) < 0) goto fail;
    if (count_ops(m) < 0) {
        nn__err(err, NN_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    shapes = calloc((size_t)m->g.ninputs, sizeof *shapes);
    if (!shapes) {
        nn__err(err, NN_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    default_shapes(&m->g, shapes, 1);
    m->pool = nn__pool_create(o.threads);
    if (!m->pool) {
        nn__err(err, NN_ENOMEM, "%s: cannot start %d threads", path, o.threads);
        goto fail;
    }
    m->threads = nn__pool_threads(m->pool);
    nn__plan_opts po = {m->threads * PAR_CHUNKS, 0, 0};
    if (nn__plan_build(&m->g, shapes, &po, &m->plan, err) < 0) goto fail;
    free(shapes);
    return m;
fail:
    free(shapes);
    nn_model_free(m);
    return NULL;
}

void nn_model_free(nn_model_t *m)
{
    if (!m) return;
    nn__pool_free(m->pool);
    nn__plan_free(&m->plan);
    nn__graph_free(&m->g);
    free(m->op_names);
    free(m->op_counts);
    free(m->prof_ms);
    free(m);
}

static void fill_info(const nn_model_t *m, const nn__sig *s, nn_tensor_info *info)
{
    const nn__value *v = &m->plan.vals[s->value];
    memset(info, 0, sizeof *info);
    info->name = m->g.nodes[s->node].name;
    info->key = s->key;
    info->dtype = (nn_dtype)v->dtype;
    info->rank = v->shape.rank;
    memcpy(info->shape, v->shape.d, sizeof info->shape);
}

int nn_model_input_count(const nn_model_t *m) { return m->g.ninputs; }
int nn_model_output_count(const nn_model_t *m) { return m->g.noutputs; }

int nn_model_input_info(const nn_model_t *m, int i, nn_tensor_info *info)
{
    if (i < 0 || i >= m->g.ninputs) return NN_EINVAL;
    fill_info(m, &m->g.inputs[i], info);
    return 0;
}

int nn_model_output_info(const nn_model_t *m, int k, nn_tensor_info *info)
{
    if (k < 0 || k >= m->g.noutputs) return NN_EINVAL;
    fill_info(m, &m->g.outputs[k], info);
    return 0;
}

static int replan(nn_model_t *m, const nn__shape *shapes, nn_error *err)
{
    nn__plan np;
    nn__plan_opts po = {m->threads * PAR_CHUNKS, 0, 0};
    int rc = nn__plan_build(&m->g, shapes, &po, &np, err);
    if (rc < 0) return rc;
    nn__plan_free(&m->plan);
    m->plan = np;
    m->ran = 0;
    m->prof_runs = 0;
    if (m->prof_ms) memset(m->prof_ms, 0, (size_t)m->g.nnodes * sizeof *m->prof_ms);
    return 0;
}

int nn_model_set_batch(nn_model_t *m, int64_t n, nn_error *err)
{
    if (n < 1 || n > 65536) return nn__err(err, NN_EINVAL, "%s: batch %lld out of range", m->g.path, (long long)n);
    nn__shape *shapes = calloc((size_t)m->g.ninputs, sizeof *shapes);
    if (!shapes) return nn__err(err, NN_ENOMEM, "%s: out of memory", m->g.path);
    default_shapes(&m->g, shapes, n);
    int rc = replan(m, shapes, err);
    free(shapes);
    return rc;
}

typedef struct step_ctx {
    nn__exec e;
} step_ctx;

/* One chunk of a pooled step, with an error of its own: the first chunk that fails (p->chunk_rc
 * from 0 to its code) copies its message to the run's, which no other chunk then writes. */
static void step_fn(void *ctx, int ith, int nth)
{
    const step_ctx *s = ctx;
    nn_error mine;
    mine.code = 0;
    mine.msg[0] = '\0';
    nn__exec e = s->e;
    e.err = &mine;
    int rc = nn__enode(&e)->def->run(&e, ith, nth), none = 0;
    if (rc < 0 && __atomic_compare_exchange_n(&e.p->chunk_rc, &none, rc, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED) &&
        s->e.err)
        *s->e.err = mine;
}

int nn__plan_run_step(const nn__graph *g, nn__plan *p, int node, nn__pool *pool, int nth, nn_error *err)
{
    step_ctx sc = {{g, p, node, err}};
    if (!pool || nth <= 1 || !nn__step_pooled(g, p, node)) return g->nodes[node].def->run(&sc.e, 0, 1);
    __atomic_store_n(&p->chunk_rc, 0, __ATOMIC_RELAXED);
    nn__pool_run(pool, step_fn, &sc, (int)sizeof sc, nth);
    return __atomic_load_n(&p->chunk_rc, __ATOMIC_ACQUIRE);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int nn_model_run(nn_model_t *m, const nn_tensor *inputs, nn_error *err)
{
    const nn__graph *g = &m->g;
    if (!inputs) return nn__err(err, NN_EINVAL, "%s: no inputs given", g->path);
    for (int i = 0; i < g->ninputs; i++) {
        const nn_tensor *t = &inputs[i];
        const nn__value *v = &m->plan.vals[g->inputs[i].value];
        const char *key = g->inputs[i].key;
        if (!t->data) return nn__err(err, NN_EINVAL, "%s: input '%s': no data", g->path, key);
        if ((int)t->dtype != (int)v->dtype)
            return nn__err(err, NN_EINVAL, "%s: input '%s': dtype %s, the model wants %s", g->path, key,
                           nn_dtype_name(t->dtype), nn_dtype_name((nn_dtype)v->dtype));
        int same = t->rank == v->shape.rank, rest = same;
        for (int d = 0; same && d < t->rank; d++) {
            if (t->shape[d] != v->shape.d[d]) same = 0;
            if (d > 0 && t->shape[d] != v->shape.d[d]) rest = 0;
        }
        if (!same && rest && t->rank > 0 && g->inputs[i].shape.d[0] <= 1 && t->shape[0] >= 1) {
            int rc = nn_model_set_batch(m, t->shape[0], err);
            if (rc < 0) return rc;
            i = -1;  /* recheck every input against the new plan */
            continue;
        }
        if (!same) {
            nn__shape a = {t->rank < 0 || t->rank > NN_MAX_RANK ? 0 : t->rank, {0}};
            memcpy(a.d, t->shape, sizeof a.d);
            char sa[96], sb[96];
            nn__shape_str(&a, sa, sizeof sa);
            nn__shape_str(&v->shape, sb, sizeof sb);
            return nn__err(err, NN_EINVAL, "%s: input '%s': shape %s, the model wants %s", g->path, key, sa, sb);
        }
    }
    nn__plan *p = &m->plan;
    for (int i = 0; i < g->ninputs; i++) p->vals[g->inputs[i].value].data = inputs[i].data;
    m->ran = 0;
    double *prof = m->prof_on ? m->prof_ms : NULL;
    for (int s = 0; s < p->nsteps; s++) {
        double t0 = prof ? now_ms() : 0.0;
        int rc = nn__plan_run_step(g, p, p->steps[s], m->threads > 1 ? m->pool : NULL, m->threads * PAR_CHUNKS, err);
        if (rc < 0) return rc;
        if (prof) prof[p->steps[s]] += now_ms() - t0;
    }
    for (int k = 0; k < g->noutputs; k++) p->outs[k].data = p->vals[g->outputs[k].value].data;
    m->ran = 1;
    if (prof) m->prof_runs++;
    return 0;
}

const nn_tensor *nn_model_output(const nn_model_t *m, int k)
{
    if (!m->ran || k < 0 || k >= m->g.noutputs) return NULL;
    return &m->plan.outs[k];
}

int nn_model_stats_get(const nn_model_t *m, nn_model_stats *s)
{
    memset(s, 0, sizeof *s);
    s->nodes = m->g.nnodes;
    s->steps = m->plan.nsteps;
    s->folded = m->plan.folded;
    s->pads_fused = m->plan.pads_fused;
    s->adds_fused = m->plan.adds_fused;
    s->acts_fused = m->plan.acts_fused;
    s->expands_fused = m->plan.expands_fused;
    s->dws_fused = m->plan.dws_fused;
    s->pws_fused = m->plan.pws_fused;
    s->concats_inplace = m->plan.concats_inplace;
    s->params = m->g.params;
    s->weight_bytes = m->g.slab_bytes;
    s->gflops = m->plan.gflops;
    s->arena_bytes = m->plan.arena_bytes;
    s->arena_lower_bound = m->plan.lower_bound;
    s->arena_no_reuse = m->plan.no_reuse;
    s->threads = m->threads;
    s->arena_lanes = m->plan.lanes;
    s->convs_packed = m->plan.convs_packed;
    s->convs_half = m->plan.convs_half;
    s->packed_bytes = m->plan.packed_bytes;
    s->band_bytes = m->plan.bands ? (uint64_t)(m->plan.band_stride * m->plan.nchunks) * sizeof(float) : 0;
    return 0;
}

int nn_model_op_count(const nn_model_t *m) { return m->nops; }

int nn_model_op_info(const nn_model_t *m, int i, const char **op, int *count)
{
    if (i < 0 || i >= m->nops) return NN_EINVAL;
    *op = m->op_names[i];
    *count = m->op_counts[i];
    return 0;
}

int nn_model_profile(nn_model_t *m, int on)
{
    if (on && !m->prof_ms) {
        m->prof_ms = calloc((size_t)(m->g.nnodes > 0 ? m->g.nnodes : 1), sizeof *m->prof_ms);
        if (!m->prof_ms) return NN_ENOMEM;
    }
    if (on) {
        memset(m->prof_ms, 0, (size_t)m->g.nnodes * sizeof *m->prof_ms);
        m->prof_runs = 0;
    }
    m->prof_on = on != 0;
    return 0;
}

int nn_model_profile_get(const nn_model_t *m, nn_op_profile *rows, int max, int *runs)
{
    if (runs) *runs = m->prof_runs;
    if (!m->prof_ms || m->prof_runs == 0) return 0;
    return nn__profile_by_op(&m->g, &m->plan, m->prof_ms, m->prof_runs, rows, max);
}
