/*
 * pose_compare.c - `pose compare FRAMES.jsonl|VIDEO --reference NAME [--out report.json]
 * [--plot report.svg|png]`: the reps of a session against a stored reference: per rep the DTW
 * distance, alignment, score and per-joint deviations, anomalies and feedback sentences
 * (docs/COMPARE.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"
#include "pose_cmds.h"
#include "pose_kinutil.h"
#include "pose_plot_png.h"
#include "plot_canvas.h"

#define PROG "pose compare"

static void compare_usage(FILE *f)
{
    fprintf(f,
            "usage: pose compare FRAMES.jsonl|VIDEO --reference NAME [--db PATH] [--out report.json]\n"
            "                    [--plot report.svg|report.png] [options]\n"
            "\n"
            "Finds the reps of the reference's driver angle, aligns each to the reference template\n"
            "(multivariate DTW), scores it 0-100, flags joints that deviate beyond what the reference\n"
            "reps varied by, and prints feedback (docs/COMPARE.md).\n"
            "\n"
            "  --reference NAME   the reference (see pose reference list)\n"
            "  --db PATH          the database (default ~/.local/share/ai-ml-pipeline/pose.db)\n"
            "  --out FILE         the JSON report (atomically)\n"
            "  --plot FILE        angle curves over the aligned reference, anomalies marked;\n"
            "                     SVG or PNG by the extension (.svg, .png), atomically\n"
            "  --k-sd K           anomaly threshold in reference spreads (default 3)\n"
            "  --min-dev DEG      least deviation that is an anomaly (default 15)\n"
            "  --score-scale DEG  RMS deviation at which the score is 61 (default 15)\n"
            "  --window W         DTW window (dtaidistance w; default 0 = none)\n"
            "  --person ID, --model M, --models-dir DIR, --2d, --3d, --facing right|left,\n"
            "  --min-score S      as in pose reference add\n"
            "exit: 0 success (also with anomalies), 1 failure (bad input, no reference, database), 2 bad usage\n");
}

int cmd_compare(int argc, char **argv)
{
    const char *input = NULL, *refname = NULL, *db = NULL, *out = NULL, *plot = NULL;
    kin_input in;
    kin_input_defaults(&in);
    pose_compare_options co = pose_compare_defaults();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        int k = kin_input_option(&in, argc, argv, &i, PROG);
        if (k < 0) return 2;
        if (k > 0) continue;
        double *num = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            compare_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--reference") && more) {
            refname = argv[++i];
        } else if (!strcmp(a, "--db") && more) {
            db = argv[++i];
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--plot") && more) {
            plot = argv[++i];
        } else if (!strcmp(a, "--k-sd") && more) {
            num = &co.k_sd;
        } else if (!strcmp(a, "--min-dev") && more) {
            num = &co.min_dev;
        } else if (!strcmp(a, "--score-scale") && more) {
            num = &co.score_scale;
        } else if (!strcmp(a, "--window") && more) {
            int64_t w;
            if (kin_parse_i64(argv[++i], &w) || w < 0) {
                fprintf(stderr, PROG ": --window wants an integer >= 0, not '%s'\n", argv[i]);
                return 2;
            }
            co.window = (size_t)w;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
            return 2;
        } else if (!input) {
            input = a;
        } else {
            fprintf(stderr, PROG ": one input only ('%s' is extra)\n", a);
            return 2;
        }
        if (num && (kin_parse_double(argv[++i], num) || *num < 0)) {
            fprintf(stderr, PROG ": %s wants a number >= 0, not '%s'\n", a, argv[i]);
            return 2;
        }
    }
    if (!input || !refname) {
        fprintf(stderr, PROG ": %s missing\n", !input ? "the input file" : "--reference NAME");
        compare_usage(stderr);
        return 2;
    }
    if (!(co.score_scale > 0)) {
        fprintf(stderr, PROG ": --score-scale must be > 0\n");
        return 2;
    }
    if (plot && plot_format_of(plot) == PLOT_UNKNOWN) {
        fprintf(stderr, PROG ": --plot writes SVG or PNG: name the file *.svg or *.png (got '%s')\n", plot);
        return 2;
    }
    pose_error err = {0};
    pose_refstore_t *s = kin_refstore_open(db, &err, PROG);
    if (!s) return 1;
    pose_reference ref;
    int rc = pose_refstore_get(s, refname, &ref, &err);
    pose_refstore_close(s);
    if (rc != POSE_OK) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    /* the input's angles in the reference's space unless told otherwise */
    if (in.kin.use_world < 0) in.kin.use_world = ref.is_3d;
    in.path = input;
    pose_angles a;
    rc = 1;
    pose_comparison c;
    memset(&c, 0, sizeof c);
    if (kin_input_angles(&in, &a, PROG)) goto done_ref;
    if (pose_compare_run(&a, &ref, &co, &c, &err) != POSE_OK) {
        fprintf(stderr, PROG ": %s: %s\n", input, err.msg);
        goto done;
    }
    printf("reference '%s' (%s, %zu reps): %zu reps found in %s\n", ref.name,
           pose_angle_name(ref.driver), ref.nreps, c.nreps, input);
    for (size_t k = 0; k < c.nreps; k++) {
        const pose_rep_result *r = &c.reps[k];
        printf("rep %zu: %.2f-%.2f s (%.2f s), rom %.0f deg, peak %.0f deg/s, DTW %.1f, rms %.1f deg, "
               "score %.0f\n", k + 1, r->rep.t_start, r->rep.t_end, r->rep.duration, r->rep.rom,
               r->rep.peak_velocity, r->distance, r->rms, r->score);
    }
    if (c.nreps) printf("mean score %.0f\n", c.mean_score);
    if (c.nfeedback == 0 && c.nreps) printf("no anomaly: every joint within the reference's variation\n");
    for (size_t k = 0; k < c.nfeedback; k++) printf("%s\n", c.feedback[k]);
    if (out) {
        char *js;
        if (pose_comparison_to_json(&c, &ref, &co, &js, &err) != POSE_OK) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            goto done;
        }
        kin_out o;
        int bad = kin_out_open(&o, out, PROG);
        if (!bad) {
            fprintf(o.f, "%s\n", js);
            bad = kin_out_commit(&o, PROG);
        }
        free(js);
        if (bad) goto done;
    }
    if (plot && plot_format_of(plot) == PLOT_PNG) {
        if (pose_cli_plot_png(&c, &ref, &co, plot, PROG) < 0) goto done;
    } else if (plot && pose_comparison_plot_svg(&c, &ref, &co, plot, &err) != POSE_OK) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto done;
    }
    rc = 0;
done:
    pose_comparison_free(&c);
    pose_angles_free(&a);
done_ref:
    pose_reference_free(&ref);
    return rc;
}
