/*
 * graph.c - links the parsed nodes: a name index (sorted, bsearch), inputs resolved to value ids
 * ("name" and "name:k"; control inputs "^name" ignored), the number of outputs each node has, and a
 * topological order (Kahn's algorithm, stable in file order). A cycle is an error naming one node
 * that lies on it.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

static int cmp_name(const void *a, const void *b, void *gv)
{
    const nn__graph *g = gv;
    return strcmp(g->nodes[*(const int *)a].name, g->nodes[*(const int *)b].name);
}

int nn__graph_find(const nn__graph *g, const char *name)
{
    int lo = 0, hi = g->nnodes - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(g->nodes[g->sorted[mid]].name, name);
        if (c == 0) return g->sorted[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int nn__graph_ref(const nn__graph *g, const char *ref, int *k)
{
    *k = 0;
    int n = nn__graph_find(g, ref);
    if (n >= 0) return n;
    const char *colon = strrchr(ref, ':');
    if (!colon || !colon[1] || strlen(colon + 1) > 6) return -1;
    for (const char *c = colon + 1; *c; c++)
        if (*c < '0' || *c > '9') return -1;
    size_t len = (size_t)(colon - ref);
    char buf[512];
    if (len >= sizeof buf) return -1;
    memcpy(buf, ref, len);
    buf[len] = 0;
    *k = atoi(colon + 1);
    return nn__graph_find(g, buf);
}

static json_t *node_inputs(const nn__graph *g, int i)
{
    json_t *nodes = json_object_get(json_object_get(g->json, "modelTopology"), "node");
    return json_object_get(json_array_get(nodes, (size_t)i), "input");
}

/* Topological order; on a cycle returns -1 and *bad = a node on the cycle. */
static int toposort(nn__graph *g, int *bad)
{
    int n = g->nnodes;
    int *indeg = calloc((size_t)n, sizeof *indeg);
    int *nuse = calloc((size_t)n + 1, sizeof *nuse);   /* CSR of consumers */
    int *fill = calloc((size_t)n, sizeof *fill);
    int total = 0;
    for (int i = 0; i < n; i++) total += g->nodes[i].nin;
    int *users = malloc(((size_t)total + 1) * sizeof *users);
    g->order = malloc((size_t)n * sizeof *g->order);
    int rc = -2;
    if (!indeg || !nuse || !fill || !users || !g->order) goto done;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int src = g->value_node[g->nodes[i].in[k]];
            nuse[src + 1]++;
            indeg[i]++;
        }
    for (int i = 0; i < n; i++) nuse[i + 1] += nuse[i];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i].nin; k++) {
            int src = g->value_node[g->nodes[i].in[k]];
            users[nuse[src] + fill[src]++] = i;
        }
    /* Kahn with a FIFO seeded in file order: deterministic. */
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0) g->order[tail++] = i;
    while (head < tail) {
        int v = g->order[head++];
        for (int u = nuse[v]; u < nuse[v + 1]; u++)
            if (--indeg[users[u]] == 0) g->order[tail++] = users[u];
    }
    rc = 0;
    if (tail < n) {
        /* Walk backwards along inputs that are still blocked: after n steps we are on a cycle. */
        int v = 0;
        while (indeg[v] == 0) v++;
        for (int step = 0; step < n; step++) {
            const nn__node *nd = &g->nodes[v];
            for (int k = 0; k < nd->nin; k++) {
                int src = g->value_node[nd->in[k]];
                if (indeg[src] > 0) {
                    v = src;
                    break;
                }
            }
        }
        *bad = v;
        rc = -1;
    }
done:
    free(indeg);
    free(nuse);
    free(fill);
    free(users);
    return rc;
}

int nn__graph_link(nn__graph *g, nn_error *err)
{
    int n = g->nnodes;
    g->sorted = malloc((size_t)n * sizeof *g->sorted);
    if (!g->sorted) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
    for (int i = 0; i < n; i++) g->sorted[i] = i;
    qsort_r(g->sorted, (size_t)n, sizeof *g->sorted, cmp_name, g);
    for (int i = 1; i < n; i++)
        if (!strcmp(g->nodes[g->sorted[i]].name, g->nodes[g->sorted[i - 1]].name))
            return nn__err(err, NN_EINVAL, "%s: node '%s' is defined twice", g->path, g->nodes[g->sorted[i]].name);
    /* Pass 1: outputs per node = 1 + the largest index any input refers to. */
    for (int i = 0; i < n; i++) g->nodes[i].nout = 1;
    for (int i = 0; i < n; i++) {
        json_t *in = node_inputs(g, i);
        for (size_t k = 0; k < json_array_size(in); k++) {
            const char *r = json_string_value(json_array_get(in, k));
            if (r[0] == '^') continue;
            int idx, src = nn__graph_ref(g, r, &idx);
            if (src < 0)
                return nn__err(err, NN_EINVAL, "%s: node '%s': input '%s' is not a node of the graph", g->path,
                               g->nodes[i].name, r);
            if (idx >= NN__MAX_OUTPUTS)
                return nn__err(err, NN_EUNSUPPORTED, "%s: node '%s': input '%s': output index too large",
                               g->path, g->nodes[i].name, r);
            if (idx + 1 > g->nodes[src].nout) g->nodes[src].nout = idx + 1;
            g->nodes[i].nin++;
        }
    }
    /* Ops with several outputs say how many in their attributes. */
    for (int i = 0; i < n; i++) {
        nn__node *nd = &g->nodes[i];
        int64_t k = 0;
        if (!strcmp(nd->op, "Unpack")) nn__attr_int(nd, "num", &k);
        else if (!strcmp(nd->op, "Split")) nn__attr_int(nd, "num_split", &k);
        else if (!strcmp(nd->op, "TopKV2")) k = 2;
        if (k > nd->nout && k <= NN__MAX_OUTPUTS) nd->nout = (int)k;
    }
    /* Signature outputs may name extra outputs ("x:1") too. */
    json_t *outs = json_object_get(json_object_get(g->json, "signature"), "outputs");
    const char *key;
    json_t *v;
    json_object_foreach(outs, key, v) {
        json_t *name = json_object_get(v, "name");
        int idx, src = nn__graph_ref(g, json_is_string(name) ? json_string_value(name) : key, &idx);
        if (src >= 0 && idx < NN__MAX_OUTPUTS && idx + 1 > g->nodes[src].nout) g->nodes[src].nout = idx + 1;
    }
    g->nvalues = 0;
    for (int i = 0; i < n; i++) {
        g->nodes[i].out0 = g->nvalues;
        g->nvalues += g->nodes[i].nout;
    }
    g->value_node = malloc((size_t)g->nvalues * sizeof *g->value_node);
    if (!g->value_node) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i].nout; k++) g->value_node[g->nodes[i].out0 + k] = i;
    /* Pass 2: resolve inputs to value ids. */
    for (int i = 0; i < n; i++) {
        nn__node *nd = &g->nodes[i];
        if (nd->nin == 0) continue;
        nd->in = malloc((size_t)nd->nin * sizeof *nd->in);
        if (!nd->in) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        json_t *in = node_inputs(g, i);
        int m = 0;
        for (size_t k = 0; k < json_array_size(in); k++) {
            const char *r = json_string_value(json_array_get(in, k));
            if (r[0] == '^') continue;
            int idx, src = nn__graph_ref(g, r, &idx);
            nd->in[m++] = g->nodes[src].out0 + idx;
        }
        if (nd->is_const || nd->is_input)
            return nn__err(err, NN_EINVAL, "%s: node '%s': a %s takes no inputs", g->path, nd->name, nd->op);
        if (nd->nin < nd->def->min_in || (nd->def->max_in >= 0 && nd->nin > nd->def->max_in))
            return nn__err(err, NN_EINVAL, "%s: node '%s' (%s): %d inputs, expected %d..%d", g->path, nd->name,
                           nd->op, nd->nin, nd->def->min_in, nd->def->max_in);
    }
    for (int i = 0; i < n; i++) {
        const nn__node *nd = &g->nodes[i];
        if (!nd->is_const && !nd->is_input && nd->nin < nd->def->min_in)
            return nn__err(err, NN_EINVAL, "%s: node '%s' (%s): %d inputs, expected at least %d", g->path,
                           nd->name, nd->op, nd->nin, nd->def->min_in);
    }
    int bad = -1, rc = toposort(g, &bad);
    if (rc == -2) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
    if (rc == -1)
        return nn__err(err, NN_EINVAL, "%s: node '%s' (%s) is on a cycle", g->path, g->nodes[bad].name,
                       g->nodes[bad].op);
    return 0;
}
