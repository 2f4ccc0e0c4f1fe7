/*
 * fuzz_model.c - libFuzzer over the model.json parser, the loader and the planner: the input bytes
 * are model.json, optionally followed by a NUL and the weight bytes (zeros fill up to what the
 * manifest needs).
 * A model that loads is planned for its signature shapes (open dims = 1; tensors capped at 2^16
 * elements so a hostile shape cannot exhaust memory) and run once on zero inputs with the reference
 * kernels (odd-length inputs with every 1x1 expansion and depthwise conv fused into its reader). Seeds:
 * fuzz/nn/fuzz_model.seeds/ (small valid models).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define WBYTES (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *weights;
    if (!weights && !(weights = malloc(WBYTES))) return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t jlen = nul ? (size_t)(nul - data) : size, wlen = nul ? size - jlen - 1 : 0;
    if (wlen > WBYTES) wlen = WBYTES;
    memset(weights, 0, WBYTES);
    if (wlen) memcpy(weights, nul + 1, wlen);
    nn__graph g;
    memset(&g, 0, sizeof g);
    g.max_elems = 1 << 16;
    g.weights_prefix = 1;
    nn_error err = {0};
    if (nn__graph_load_mem(&g, "fuzz.json", (const char *)data, jlen, weights, WBYTES, &err) == 0) {
        nn__shape *in = calloc((size_t)g.ninputs, sizeof *in);
        for (int i = 0; in && i < g.ninputs; i++) {
            in[i] = g.inputs[i].shape;
            if (in[i].rank < 0) in[i].rank = 0;
            for (int d = 0; d < in[i].rank; d++)
                if (in[i].d[d] < 0) in[i].d[d] = 1;
        }
        nn__plan p;
        /* Inputs of odd length plan with every band fusion allowed (plan_fuse.c: bands of
         * the fewest rows), even ones with the defaults (which tiny models never reach). */
        nn__plan_opts fuse_all = {1, 1, 1};
        if (in && nn__plan_build(&g, in, (size & 1) ? &fuse_all : NULL, &p, &err) == 0) {
            void **bufs = calloc((size_t)g.ninputs, sizeof *bufs);
            int ok = bufs != NULL;
            for (int i = 0; ok && i < g.ninputs; i++) {
                nn__value *v = &p.vals[g.inputs[i].value];
                bufs[i] = calloc((size_t)nn__shape_count(&v->shape) * nn__dtype_size(v->dtype) + 1, 1);
                ok = bufs[i] != NULL;
                v->data = bufs[i];
            }
            for (int s = 0; ok && s < p.nsteps; s++) {
                nn__exec e = {&g, &p, p.steps[s], &err};
                if (g.nodes[e.node].def->run(&e, 0, 1) < 0) break;
            }
            for (int i = 0; bufs && i < g.ninputs; i++) free(bufs[i]);
            free(bufs);
            nn__plan_free(&p);
        }
        free(in);
    }
    nn__graph_free(&g);
    return 0;
}
