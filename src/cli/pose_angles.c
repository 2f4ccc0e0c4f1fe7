/*
 * pose_angles.c - `pose angles FRAMES.jsonl [--out angles.csv] [--person ID] ...`: joint and
 * segment angles (docs/ANGLES.md) of the people of a `pose analyze` JSONL file, as CSV: one row
 * per frame and person, "frame,t,id,<angle>,...", degrees, empty cells where missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"
#include "pose_cmds.h"
#include "pose_kinutil.h"

static void angles_usage(FILE *f)
{
    fprintf(f,
            "usage: pose angles FRAMES.jsonl [--out angles.csv] [--person ID] [options]\n"
            "\n"
            "Joint and segment angles (degrees, definitions in docs/ANGLES.md) of each person of a\n"
            "`pose analyze` JSONL file. CSV: frame,t,id, then one column per angle; empty = missing.\n"
            "One row per frame in which the person appears.\n"
            "\n"
            "  --out FILE        write the CSV there (atomically); default stdout\n"
            "  --person ID       only this person id (default: every person)\n"
            "  --min-score S     keypoints below this score are missing (default 0.3)\n"
            "  --max-gap SEC     fill gaps up to this long by linear interpolation (default 0.25)\n"
            "  --2d | --3d       image-plane angles / world-landmark angles (default: 3D when the\n"
            "                    file has BlazePose world landmarks)\n"
            "  --facing right|left   2D: the direction the person faces in the image (default: guess)\n"
            "  --velocity        add <angle>_vel (deg/s) and <angle>_acc (deg/s^2) columns\n"
            "exit: 0 success, 1 bad or unreadable input, 2 bad usage\n");
}

static void cell(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.3f", v);
    else fputc(',', f);
}

static int person_present(const pose_kp_series *s, size_t i)
{
    for (size_t k = 0; k < s->nkp; k++)
        if (isfinite(s->kp[(i * s->nkp + k) * 3])) return 1;
    return 0;
}

int cmd_angles(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int64_t person = -1;
    int have_person = 0, velocity = 0;
    pose_kin_options ko = pose_kin_defaults();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            angles_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--person") && more) {
            if (kin_parse_i64(argv[++i], &person) || person < 0) {
                fprintf(stderr, "pose angles: --person wants an id >= 0, not '%s'\n", argv[i]);
                return 2;
            }
            have_person = 1;
        } else if (!strcmp(a, "--min-score") && more) {
            if (kin_parse_double(argv[++i], &ko.min_score)) {
                fprintf(stderr, "pose angles: --min-score wants a number, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--max-gap") && more) {
            if (kin_parse_double(argv[++i], &ko.max_gap) || ko.max_gap < 0) {
                fprintf(stderr, "pose angles: --max-gap wants seconds >= 0, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--2d")) {
            ko.use_world = 0;
        } else if (!strcmp(a, "--3d")) {
            ko.use_world = 1;
        } else if (!strcmp(a, "--facing") && more) {
            const char *v = argv[++i];
            if (!strcmp(v, "right")) ko.facing = 1;
            else if (!strcmp(v, "left")) ko.facing = -1;
            else {
                fprintf(stderr, "pose angles: --facing wants right or left, not '%s'\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--velocity")) {
            velocity = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pose angles: unknown option or missing value: %s\n", a);
            angles_usage(stderr);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "pose angles: one input file only ('%s' is extra)\n", a);
            return 2;
        }
    }
    if (!in) {
        angles_usage(stderr);
        return 2;
    }
    if (!kin_has_ext(in, ".jsonl")) {
        fprintf(stderr, "pose angles: %s: not a .jsonl file: angles are computed from the keypoints "
                        "that `pose analyze INPUT --out FILE.jsonl` writes; run that first\n", in);
        return 1;
    }
    pose_error err = {0};
    pose_frames_t *fr = pose_frames_read(in, &err);
    if (!fr) {
        fprintf(stderr, "pose angles: %s\n", err.msg);
        return 1;
    }
    pose_frames_info info;
    pose_frames_get_info(fr, &info);
    size_t nids = info.persons;
    int64_t *ids = malloc((nids ? nids : 1) * sizeof *ids);
    pose_kp_series *ser = calloc(nids ? nids : 1, sizeof *ser);
    pose_angles *ang = calloc(nids ? nids : 1, sizeof *ang);
    int rc = 1;
    size_t nsel = 0;
    kin_out o = {0};
    if (!ids || !ser || !ang) {
        fprintf(stderr, "pose angles: out of memory\n");
        goto done;
    }
    if (info.skeleton == POSE_SKELETON_UNKNOWN) {
        fprintf(stderr, "pose angles: %s: the header's %zu keypoint names are neither COCO-17 nor "
                        "BlazePose-33: no angle definitions for them\n", in, info.nkp);
        goto done;
    }
    pose_frames_person_ids(fr, ids, nids);
    if (have_person) ids[0] = person, nids = 1;
    for (size_t k = 0; k < nids; k++) {
        if (pose_frames_series(fr, ids[k], &ser[k], &err) != POSE_OK ||
            pose_angles_compute(&ser[k], &ko, &ang[k], &err) != POSE_OK) {
            fprintf(stderr, "pose angles: %s: person %lld: %s\n", in, (long long)ids[k], err.msg);
            nsel = k + 1;
            goto done;
        }
    }
    nsel = nids;
    if (kin_out_open(&o, out, "pose angles")) goto done;
    fprintf(o.f, "frame,t,id");
    for (int c = 0; c < POSE_ANGLE_COUNT; c++) fprintf(o.f, ",%s", pose_angle_name(c));
    if (velocity) {
        for (int c = 0; c < POSE_ANGLE_COUNT; c++) fprintf(o.f, ",%s_vel", pose_angle_name(c));
        for (int c = 0; c < POSE_ANGLE_COUNT; c++) fprintf(o.f, ",%s_acc", pose_angle_name(c));
    }
    fputc('\n', o.f);
    for (size_t i = 0; i < info.frames; i++)
        for (size_t k = 0; k < nsel; k++) {
            if (!person_present(&ser[k], i)) continue;
            fprintf(o.f, "%lld,%.6f,%lld", (long long)ser[k].index[i], ser[k].t[i],
                    (long long)ser[k].person_id);
            const double *d = ang[k].deg + i * POSE_ANGLE_COUNT;
            for (int c = 0; c < POSE_ANGLE_COUNT; c++) cell(o.f, d[c]);
            if (velocity) {
                for (int c = 0; c < POSE_ANGLE_COUNT; c++) cell(o.f, ang[k].vel[i * POSE_ANGLE_COUNT + c]);
                for (int c = 0; c < POSE_ANGLE_COUNT; c++) cell(o.f, ang[k].acc[i * POSE_ANGLE_COUNT + c]);
            }
            fputc('\n', o.f);
        }
    rc = kin_out_commit(&o, "pose angles") ? 1 : 0;
done:
    for (size_t k = 0; k < nsel; k++) {
        pose_kp_series_free(&ser[k]);
        pose_angles_free(&ang[k]);
    }
    free(ids);
    free(ser);
    free(ang);
    pose_frames_free(fr);
    return rc;
}
