/*
 * pose.c - the `pose` program: human pose analysis: keypoints, tracks, angles, repetitions, DTW comparison.
 * One subcommand per function below; each parses its own options and returns the exit status
 * (0 success, 1 failure the user can fix, 2 bad usage). Errors go to stderr, results to stdout.
 */
#include <stdio.h>
#include <string.h>

#include "pose.h"
#include "pose_cmds.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    /* one line per command, in the order --help shows them; each cmd_* lives in pose_<cmd>.c */
    {"analyze", cmd_analyze, "people in a video, image, stream or camera: tracked, smoothed, JSONL/CSV/overlay"},
    {"bench", cmd_bench, "per-stage latency and fps of the analyze pipeline, 1 and N streams"},
    {"dtw", cmd_dtw, "DTW distance (and warping path) of two series CSV files"},
    {"bench-dtw", cmd_bench_dtw, "benchmark the DTW kernels (sizes, windows, 1-vs-N search)"},
    {"angles", cmd_angles, "joint and segment angles of a keypoint JSONL file, as CSV"},
    {"reference", cmd_reference, "reference movements: add (from reps), list, show, remove, export, import"},
    {"compare", cmd_compare, "compare the reps of a keypoint JSONL file (or video) with a reference: score, anomalies, feedback"},
    {"reps", cmd_reps, "repetitions of a driver angle: count, duration, range of motion, peak velocity"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pose <command> [options]\n\nhuman pose analysis: keypoints, tracks, angles, repetitions, DTW comparison.\n\ncommands:\n");
    for (const command *c = commands; c->name; c++) fprintf(f, "  %-16s %s\n", c->name, c->help);
    fprintf(f, "\nRun 'pose <command> --help' for a command's options.\n");
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
        printf("pose %s\n", pose_version());
        return 0;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "pose: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
