/* pose_kinutil.h - small helpers shared by `pose angles`, `pose reference` and `pose compare`:
 * atomic output files (temp + fsync + rename) and number parsing. */
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
