/*
 * nn.c - the `nn` program: the inference engine: inspect, run and benchmark TF.js graph models.
 * One subcommand per function below; each parses its own options and returns the exit status
 * (0 success, 1 failure the user can fix, 2 bad usage). Errors go to stderr, results to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_cmds.h"

int nn_cli_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return end == s || *end || *v < lo || *v > hi ? -1 : 0;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    /* one line per command, in the order --help shows them; each cmd_* lives in nn_<cmd>.c */
    {"info", cmd_info, "inputs, outputs, op counts, parameters, GFLOPs, planned memory"},
    {"run", cmd_run, "run a model on raw input tensors, write out<k>.bin"},
    {"bench", cmd_bench, "time a model: median and p90 ms, GFLOP/s, peak RSS"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: nn <command> [options]\n\nthe inference engine: inspect, run and benchmark TF.js graph models.\n\ncommands:\n");
    for (const command *c = commands; c->name; c++) fprintf(f, "  %-16s %s\n", c->name, c->help);
    fprintf(f, "\nRun 'nn <command> --help' for a command's options.\n");
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
        printf("nn %s\n", nn_version());
        return 0;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "nn: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
