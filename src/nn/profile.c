/*
 * profile.c - the per-op profile behind nn_model_profile_get: the step times the run loop summed
 * per node, grouped by op type, per run, slowest type first.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

int nn__profile_by_op(const nn__graph *g, const nn__plan *p, const double *ms_by_node, int runs,
                      nn_op_profile *rows, int max)
{
    /* Every op type is found once among the steps; at most nsteps types. */
    nn_op_profile *all = calloc((size_t)(p->nsteps > 0 ? p->nsteps : 1), sizeof *all);
    if (!all) return NN_ENOMEM;
    int n = 0;
    for (int s = 0; s < p->nsteps; s++) {
        int node = p->steps[s], j;
        const char *op = g->nodes[node].op;
        for (j = 0; j < n; j++)
            if (!strcmp(all[j].op, op)) break;
        if (j == n) all[n++].op = op;
        all[j].steps++;
        all[j].ms += ms_by_node[node] / runs;
        all[j].gflop += p->flops[node] * 1e-9;
    }
    /* Selection by time, slowest first; ties keep first-seen order. */
    for (int k = 0; k < n && k < max; k++) {
        int b = k;
        for (int j = k + 1; j < n; j++)
            if (all[j].ms > all[b].ms) b = j;
        nn_op_profile t = all[b];
        memmove(all + k + 1, all + k, (size_t)(b - k) * sizeof *all);
        all[k] = t;
        rows[k] = all[k];
    }
    free(all);
    return n;
}
