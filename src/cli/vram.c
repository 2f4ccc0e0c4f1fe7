/*
 * vram.c - the `vram` program: GPU memory tooling: detect, validate, plan, simulate, serve metrics.
 * One subcommand per function below; each parses its own options and returns the exit status
 * (0 success, 1 failure the user can fix, 2 bad usage). Errors go to stderr, results to stdout.
 */
#include <stdio.h>
#include <string.h>

#include "vram.h"
#include "vram_cmds.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    /* one line per command, in the order --help shows them; each cmd_* lives in vram_<cmd>.c */
    {"detect", cmd_detect, "detect CPU and GPUs, choose the resource profile, write machine.json"},
    {"validate", cmd_validate, "check the environment: libraries, models, GPU, memory, disk, SIMD"},
    {"serve", cmd_serve, "serve Prometheus /metrics and JSON for GPUs and the allocator"},
    {"sim", cmd_sim, "replay an allocation trace through the caching allocator on a simulated device"},
    {"snapshot-plot", cmd_snapshot_plot, "draw the memory timeline of an allocation trace, stacked by tag (SVG)"},
    {"bench", cmd_bench, "time the caching allocator (against malloc, same run) and the static planner"},
    {"plan", cmd_plan, "plan arena offsets for tensors with known lifetimes (size,first,last CSV)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: vram <command> [options]\n\nGPU memory tooling: detect, validate, plan, simulate, serve metrics.\n\ncommands:\n");
    for (const command *c = commands; c->name; c++) fprintf(f, "  %-16s %s\n", c->name, c->help);
    fprintf(f, "\nRun 'vram <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("vram %s\n", vram_version());
        return 0;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "vram: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
