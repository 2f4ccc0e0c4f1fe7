/*
 * nn_info.c - `nn info MODEL.json [--batch N] [--threads N]`: the model's inputs and outputs (names,
 * dtypes, shapes), op counts, parameters, GFLOPs per run, and the planned activation arena against
 * the lower bound (max live bytes over the steps) and against no reuse. The plan is the one for
 * --threads (default 1): two threads place the arena in lanes, a larger one.
 */
#include <stdio.h>
#include <string.h>

#include "nn.h"
#include "nn_cmds.h"

static void print_info(const char *what, int i, const nn_tensor_info *t)
{
    printf("  %s %d: %s (%s) %s [", what, i, t->name, t->key, nn_dtype_name(t->dtype));
    for (int d = 0; d < t->rank; d++) printf("%s%lld", d ? "," : "", (long long)t->shape[d]);
    printf("]\n");
}

int cmd_info(int argc, char **argv)
{
    const char *model = NULL;
    long batch = 1, threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nn info MODEL.json [--batch N] [--threads N]\n"
                   "  Prints inputs/outputs (outputs sorted by node name: the out<k> order of nn run),\n"
                   "  op counts, parameters, GFLOPs per run and the planned activation memory of the\n"
                   "  plan for N threads (default 1; 2 threads place it in lanes: docs/ENGINE.md).\n");
            return 0;
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 1, 65536, &batch) < 0) {
                fprintf(stderr, "nn info: --batch wants 1..65536\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 1, 256, &threads) < 0) {
                fprintf(stderr, "nn info: --threads wants 1..256\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && !model) {
            model = argv[i];
        } else {
            fprintf(stderr, "nn info: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "usage: nn info MODEL.json [--batch N] [--threads N]\n");
        return 2;
    }
    nn_error err = {0};
    nn_options o = nn_options_defaults();
    o.threads = (int)threads;
    nn_model_t *m = nn_model_load(model, &o, &err);
    if (!m || (batch != 1 && nn_model_set_batch(m, batch, &err) < 0)) {
        fprintf(stderr, "nn info: %s\n", err.msg);
        nn_model_free(m);
        return 1;
    }
    nn_model_stats s;
    nn_model_stats_get(m, &s);
    printf("model: %s\n", model);
    for (int i = 0; i < nn_model_input_count(m); i++) {
        nn_tensor_info t;
        nn_model_input_info(m, i, &t);
        print_info("input", i, &t);
    }
    for (int k = 0; k < nn_model_output_count(m); k++) {
        nn_tensor_info t;
        nn_model_output_info(m, k, &t);
        print_info("output", k, &t);
    }
    printf("nodes: %d (steps per run: %d, folded at load: %d, fused into other steps: %d pads, %d adds, "
           "%d activations, %d expansions, %d depthwise, %d pointwise; concatenations done in place: %d)\n",
           s.nodes, s.steps, s.folded, s.pads_fused, s.adds_fused, s.acts_fused, s.expands_fused, s.dws_fused,
           s.pws_fused, s.concats_inplace);
    printf("ops:");
    for (int i = 0; i < nn_model_op_count(m); i++) {
        const char *op;
        int c;
        nn_model_op_info(m, i, &op, &c);
        printf(" %s %d%s", op, c, i + 1 < nn_model_op_count(m) ? "," : "\n");
    }
    printf("parameters: %lld (%.2f MB as float32 slab)\n", (long long)s.params, (double)s.weight_bytes / 1e6);
    printf("packed conv weights: %d convs (%d as float16 halves), %.2f MB\n", s.convs_packed, s.convs_half,
           (double)s.packed_bytes / 1e6);
    printf("GFLOPs per run (2 x MAC, conv-like): %.3f\n", s.gflops);
    printf("CPU kernels: %s\n", nn_cpu_kernels_name());
    printf("activation arena%s: planned %.3f MB, lower bound %.3f MB (%.3fx), no reuse %.3f MB (%.2fx smaller)\n",
           s.arena_lanes ? " (lanes for 2 threads)" : "", (double)s.arena_bytes / 1e6,
           (double)s.arena_lower_bound / 1e6,
           s.arena_lower_bound ? (double)s.arena_bytes / (double)s.arena_lower_bound : 0.0,
           (double)s.arena_no_reuse / 1e6, s.arena_bytes ? (double)s.arena_no_reuse / (double)s.arena_bytes : 0.0);
    if (s.band_bytes)
        printf("bands of the fused steps: %.3f MB (one per chunk)\n", (double)s.band_bytes / 1e6);
    nn_model_free(m);
    return 0;
}
