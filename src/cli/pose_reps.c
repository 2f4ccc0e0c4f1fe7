/*
 * pose_reps.c - `pose reps FRAMES.jsonl|VIDEO [--driver ANGLE] [--out reps.csv]`: the repetitions
 * of a driver angle (docs/COMPARE.md "Repetitions"): count, and per rep the times, duration, range of
 * motion and peak angular velocity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"
#include "pose_cmds.h"
#include "pose_kinutil.h"

#define PROG "pose reps"

static void reps_usage(FILE *f)
{
    fprintf(f,
            "usage: pose reps FRAMES.jsonl|VIDEO [--driver ANGLE] [--out reps.csv] [options]\n"
            "\n"
            "Repetitions of a driver angle (hysteresis, rest to rest; docs/COMPARE.md). Prints the count\n"
            "and one line per rep; --out writes them as CSV: rep,t_start,t_end,duration,rom,peak_angle,\n"
            "peak_velocity (seconds, degrees, degrees/second).\n"
            "\n"
            "  --driver ANGLE     default knee_angle_r (any angle of docs/ANGLES.md)\n"
            "  --direction up|down  reps go to larger (default) or smaller angles\n"
            "  --min-range DEG    least movement of the driver (default 20)\n"
            "  --min-duration S   shortest rep (default 0.4)\n"
            "  --person ID, --model M, --models-dir DIR, --2d, --3d, --facing right|left, --min-score S\n"
            "exit: 0 success (also with no rep), 1 bad input, 2 bad usage\n");
}

int cmd_reps(int argc, char **argv)
{
    const char *input = NULL, *out = NULL, *driver_name = "knee_angle_r";
    kin_input in;
    kin_input_defaults(&in);
    pose_rep_options ro = pose_rep_defaults();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        int k = kin_input_option(&in, argc, argv, &i, PROG);
        if (k < 0) return 2;
        if (k > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            reps_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--driver") && more) {
            driver_name = argv[++i];
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--direction") && more) {
            if (kin_parse_direction(argv[++i], &ro.direction, PROG)) return 2;
        } else if ((!strcmp(a, "--min-range") || !strcmp(a, "--min-duration")) && more) {
            double *d = a[6] == 'r' ? &ro.min_range : &ro.min_duration;
            if (kin_parse_double(argv[++i], d) || *d < 0) {
                fprintf(stderr, PROG ": %s wants a number >= 0, not '%s'\n", a, argv[i]);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
            return 2;
        } else if (!input) {
            input = a;
        } else {
            fprintf(stderr, PROG ": one input only ('%s' is extra)\n", a);
            return 2;
        }
    }
    if (!input) {
        reps_usage(stderr);
        return 2;
    }
    int driver = pose_angle_find(driver_name);
    if (driver < 0) {
        fprintf(stderr, PROG ": --driver '%s' is not an angle name (docs/ANGLES.md)\n", driver_name);
        return 2;
    }
    in.path = input;
    pose_angles a;
    if (kin_input_angles(&in, &a, PROG)) return 1;
    pose_rep *reps = NULL;
    size_t n = 0;
    pose_error err = {0};
    int rc = 1;
    if (pose_reps_detect(&a, driver, &ro, &reps, &n, &err) != POSE_OK) {
        fprintf(stderr, PROG ": %s: %s\n", input, err.msg);
        goto done;
    }
    printf("%zu reps of %s in %s\n", n, driver_name, input);
    for (size_t k = 0; k < n; k++)
        printf("rep %zu: %.2f-%.2f s (%.2f s), rom %.1f deg, peak %.1f deg, peak velocity %.0f deg/s\n",
               k + 1, reps[k].t_start, reps[k].t_end, reps[k].duration, reps[k].rom,
               reps[k].peak_angle, reps[k].peak_velocity);
    if (out) {
        kin_out o;
        if (kin_out_open(&o, out, PROG)) goto done;
        fprintf(o.f, "rep,t_start,t_end,duration,rom,peak_angle,peak_velocity\n");
        for (size_t k = 0; k < n; k++) {
            fprintf(o.f, "%zu,%.6f,%.6f,%.6f,%.3f,%.3f,", k + 1, reps[k].t_start, reps[k].t_end,
                    reps[k].duration, reps[k].rom, reps[k].peak_angle);
            if (isfinite(reps[k].peak_velocity)) fprintf(o.f, "%.3f", reps[k].peak_velocity);
            fputc('\n', o.f);
        }
        if (kin_out_commit(&o, PROG)) goto done;
    }
    rc = 0;
done:
    free(reps);
    pose_angles_free(&a);
    return rc;
}
