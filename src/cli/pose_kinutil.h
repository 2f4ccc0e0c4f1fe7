/* pose_kinutil.h - small helpers shared by `pose angles`, `pose reference`, `pose compare` and
 * `pose reps`: atomic output files (temp + fsync + rename), number parsing, the angles input and the
 * reference store. */
#ifndef POSE_KINUTIL_H
#define POSE_KINUTIL_H

#include <stdint.h>
#include <stdio.h>

typedef struct kin_out {
    FILE *f;
    char tmp[4200];
    const char *path; /* NULL: stdout */
} kin_out;

/* Opens path.tmp.PID for writing (path NULL or "-": stdout). Prints "prog: path: why" on failure. */
int kin_out_open(kin_out *o, const char *path, const char *prog);
/* Flushes, fsyncs and renames into place; on any error removes the temp file. 0 or -1. */
int kin_out_commit(kin_out *o, const char *prog);
/* Closes and removes the temp file (after an error). */
void kin_out_abort(kin_out *o);

int kin_parse_double(const char *s, double *out);
int kin_parse_i64(const char *s, int64_t *out);
/* 1 when path ends with ext (case-insensitive), e.g. ".jsonl". */
int kin_has_ext(const char *path, const char *ext);

#endif

#ifndef POSE_KINUTIL_INPUT
#define POSE_KINUTIL_INPUT
#include "pose.h"

/* Where the angles come from: a `pose analyze` JSONL file, or a video/image run through the
 * pipeline first (into a temporary JSONL). */
typedef struct kin_input {
    const char *path;
    const char *model;       /* --model for videos (NULL: blazepose-full) */
    const char *models_dir;  /* NULL: $AIMP_MODELS_DIR, else the build's default */
    int64_t person;          /* -1: the person in the most frames */
    pose_kin_options kin;
} kin_input;

void kin_input_defaults(kin_input *in);
/* Parses the input options shared by reference add and compare (--person, --model, --models-dir,
 * --min-score, --2d, --3d, --facing). Returns 1 when argv[*i] was one (advancing *i past its
 * value), 0 when not, -1 on a bad value (message printed). */
int kin_input_option(kin_input *in, int argc, char **argv, int *i, const char *prog);
/* Reads and computes the angles. 0 or -1 (message printed, prefixed by prog). */
int kin_input_angles(const kin_input *in, pose_angles *out, const char *prog);
/* --direction up|down of the rep finder: *dir = 1 (up) or -1 (down). 0, or -1 with
 * "prog: --direction wants up or down, not 'v'" printed. */
int kin_parse_direction(const char *v, int *dir, const char *prog);
/* The default reference database: $XDG_DATA_HOME/ai-ml-pipeline/pose.db or
 * ~/.local/share/ai-ml-pipeline/pose.db, creating the folders. NULL (message printed) on failure. */
const char *kin_default_db(char *buf, size_t cap, const char *prog);
/* Opens the reference store db (NULL: kin_default_db). NULL (message "prog: why" printed) on failure. */
pose_refstore_t *kin_refstore_open(const char *db, pose_error *err, const char *prog);
#endif
