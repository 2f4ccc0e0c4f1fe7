/*
 * vram_plan.c - `vram plan LIFETIMES.csv [--offsets FILE] [--alignment N]`: static offsets for tensors
 * with known lifetimes (rows size,first,last). Prints {"peak":..,"lower_bound":..,"no_reuse":..};
 * --offsets writes the rows back with their offset (CSV size,first,last,offset), atomically.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vram.h"
#include "vram_cmds.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram plan LIFETIMES.csv [--offsets FILE] [--alignment N]\n\n"
            "Plan arena offsets for tensors with known lifetimes (docs/VRAM.md \"Static planner\").\n"
            "LIFETIMES.csv has rows size,first,last (bytes, first and last step, inclusive), an optional\n"
            "header, '#' comments. Prints {\"peak\":..,\"lower_bound\":..,\"no_reuse\":..} in bytes.\n\n"
            "  --offsets FILE   write size,first,last,offset for every row (same order)\n"
            "  --alignment N    offsets and sizes rounded to N bytes, a power of two (default 256)\n"
            "  --help           this text\n");
}

static int write_offsets(const char *path, const vram_plan_tensor *t, size_t n)
{
    size_t cap = 64 + n * 80;
    char *buf = malloc(cap);
    if (!buf) {
        fprintf(stderr, "vram plan: out of memory\n");
        return 1;
    }
    size_t len = (size_t)snprintf(buf, cap, "size,first,last,offset\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%" PRIu64 ",%d,%d,%" PRIu64 "\n", t[i].size,
                                (int)t[i].first, (int)t[i].last, t[i].offset);
    char why[512];
    int rc = vram_cli_write_atomic(path, buf, len, why, sizeof why);
    free(buf);
    if (rc < 0) {
        fprintf(stderr, "vram plan: %s\n", why);
        return 1;
    }
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *in = NULL, *offsets = NULL;
    uint64_t alignment = 256;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--offsets") == 0 && i + 1 < argc) {
            offsets = argv[++i];
        } else if (strcmp(argv[i], "--alignment") == 0 && i + 1 < argc) {
            char *e;
            unsigned long long a = strtoull(argv[++i], &e, 10);
            if (*e || e == argv[i] || argv[i][0] == '-' || a == 0 || (a & (a - 1))) {
                fprintf(stderr, "vram plan: --alignment '%s' is not a power of two\n", argv[i]);
                return 2;
            }
            alignment = a;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vram plan: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!in) {
            in = argv[i];
        } else {
            fprintf(stderr, "vram plan: one LIFETIMES.csv only ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (!in) {
        usage(stderr);
        return 2;
    }
    vram_error err = {0};
    vram_plan_tensor *t = NULL;
    size_t n = 0;
    vram_plan_result r;
    if (vram_plan_csv_load(in, &t, &n, &err) < 0 || vram_plan_offsets(t, n, alignment, &r, &err) < 0) {
        fprintf(stderr, "vram plan: %s\n", err.msg);
        free(t);
        return 1;
    }
    int rc = offsets ? write_offsets(offsets, t, n) : 0;
    free(t);
    if (rc) return rc;
    /* three unsigned integers: printf is exact where json_int_t (signed) would not be past 2^63 */
    printf("{\"peak\":%" PRIu64 ",\"lower_bound\":%" PRIu64 ",\"no_reuse\":%" PRIu64 "}\n", r.peak, r.lower_bound,
           r.no_reuse);
    return 0;
}
