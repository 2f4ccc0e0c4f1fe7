/*
 * pose_reference.c - `pose reference add|list|show|remove|export|import`: reference movements in
 * the SQLite store (default ~/.local/share/ai-ml-pipeline/pose.db). `add` finds the reps of a driver
 * angle in a keypoint JSONL file (or a video, through the pose pipeline) and stores their DBA
 * template and spread (docs/COMPARE.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"
#include "pose_cmds.h"
#include "pose_kinutil.h"

#define PROG "pose reference"

static void ref_usage(FILE *f)
{
    fprintf(f,
            "usage: pose reference add NAME --from FRAMES.jsonl|VIDEO [--driver ANGLE] [--replace] [options]\n"
            "       pose reference list\n"
            "       pose reference show NAME\n"
            "       pose reference remove NAME\n"
            "       pose reference export NAME [--out FILE.json]\n"
            "       pose reference import FILE.json [--name NAME] [--replace]\n"
            "\n"
            "Reference movements: the DBA template of the joint angles of the reps and how much the reps\n"
            "varied (docs/COMPARE.md), kept in SQLite.\n"
            "\n"
            "  --db PATH          the database (default $XDG_DATA_HOME/ai-ml-pipeline/pose.db or\n"
            "                     ~/.local/share/ai-ml-pipeline/pose.db)\n"
            "  --from INPUT       add: a `pose analyze` JSONL file, or a video run through the pipeline\n"
            "  --driver ANGLE     add: the angle whose cycles are the reps (default knee_angle_r)\n"
            "  --direction up|down  add: reps go to larger (up, default) or smaller angles\n"
            "  --min-range DEG    add: least range of motion of the driver (default 20)\n"
            "  --person ID        add: which person (default: the one in the most frames)\n"
            "  --model M          add, video input: pose model (default blazepose-full)\n"
            "  --models-dir DIR   add, video input: model files (default $AIMP_MODELS_DIR)\n"
            "  --2d | --3d        add: image-plane or world-landmark angles (default 3D when present)\n"
            "  --facing right|left  add: 2D facing direction (default: guessed)\n"
            "  --min-score S      add: keypoint score threshold (default 0.3)\n"
            "  --replace          add, import: replace a reference of the same name\n"
            "exit: 0 success, 1 failure (bad input, not found, database error), 2 bad usage\n");
}

static int read_file(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *q = realloc(b, cap *= 2);
            if (!q) free(b);
            b = q;
        }
    }
    int bad = !b || ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        fprintf(stderr, PROG ": %s: cannot read\n", path);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

static void show(const pose_reference *r)
{
    printf("name       %s\ncreated    %s\nsource     %s\ndriver     %s\nangles     %s\n"
           "reps       %zu\nduration   %.2f s (mean)\nrom        %.1f deg (driver, mean)\n"
           "template   %zu samples x %zu joints\n\n",
           r->name, r->created, r->source[0] ? r->source : "-", pose_angle_name(r->driver),
           r->is_3d ? "3D (world landmarks)" : "2D (image plane)", r->nreps, r->mean_duration,
           r->mean_rom, r->len, r->njoints);
    printf("%-16s %9s %9s %9s %9s\n", "joint", "min", "max", "mean sd", "max sd");
    for (size_t j = 0; j < r->njoints; j++) {
        double mn = INFINITY, mx = -INFINITY, s = 0, smax = 0;
        for (size_t i = 0; i < r->len; i++) {
            double v = r->tmpl[i * r->njoints + j], d = r->sd[i * r->njoints + j];
            mn = fmin(mn, v), mx = fmax(mx, v), s += d, smax = fmax(smax, d);
        }
        printf("%-16s %9.1f %9.1f %9.1f %9.1f\n", pose_angle_name(r->joints[j]), mn, mx,
               s / (double)r->len, smax);
    }
}

int cmd_reference(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        ref_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *name = NULL, *db = NULL, *from = NULL, *out = NULL, *newname = NULL;
    const char *driver_name = "knee_angle_r";
    int replace = 0;
    kin_input in;
    kin_input_defaults(&in);
    pose_reference_options ro = pose_reference_defaults();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        int k = kin_input_option(&in, argc, argv, &i, PROG);
        if (k < 0) return 2;
        if (k > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            ref_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--db") && more) {
            db = argv[++i];
        } else if (!strcmp(a, "--from") && more) {
            from = argv[++i];
        } else if (!strcmp(a, "--driver") && more) {
            driver_name = argv[++i];
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--name") && more) {
            newname = argv[++i];
        } else if (!strcmp(a, "--direction") && more) {
            if (kin_parse_direction(argv[++i], &ro.reps.direction, PROG)) return 2;
        } else if (!strcmp(a, "--min-range") && more) {
            if (kin_parse_double(argv[++i], &ro.reps.min_range) || ro.reps.min_range < 0) {
                fprintf(stderr, PROG ": --min-range wants degrees >= 0, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--replace")) {
            replace = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
            return 2;
        } else if (!name) {
            name = a;
        } else {
            fprintf(stderr, PROG ": unexpected argument '%s'\n", a);
            return 2;
        }
    }
    int needs_name = strcmp(sub, "list") != 0;
    if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "remove") &&
        strcmp(sub, "export") && strcmp(sub, "import")) {
        fprintf(stderr, PROG ": unknown subcommand '%s' (add, list, show, remove, export, import)\n", sub);
        return 2;
    }
    if (needs_name && !name) {
        fprintf(stderr, PROG " %s: %s missing\n", sub, strcmp(sub, "import") ? "NAME" : "FILE");
        return 2;
    }
    pose_error err = {0};
    int rc = 1;
    pose_refstore_t *s = NULL;
    pose_reference r;
    memset(&r, 0, sizeof r);
    if (!strcmp(sub, "add")) {
        if (!from) {
            fprintf(stderr, PROG " add: --from FRAMES.jsonl|VIDEO missing\n");
            return 2;
        }
        int driver = pose_angle_find(driver_name);
        if (driver < 0 || driver >= POSE_ANGLE_JOINT_COUNT) {
            fprintf(stderr, PROG " add: --driver '%s' is not a joint angle (e.g. knee_angle_r, "
                            "hip_flexion_l, elbow_flex_r; see docs/ANGLES.md)\n", driver_name);
            return 2;
        }
        in.path = from;
        pose_angles a;
        if (kin_input_angles(&in, &a, PROG " add")) return 1;
        if (pose_reference_build(&a, driver, &ro, name, &r, &err) != POSE_OK) {
            fprintf(stderr, PROG " add: %s: %s\n", from, err.msg);
            pose_angles_free(&a);
            return 1;
        }
        pose_angles_free(&a);
        snprintf(r.source, sizeof r.source, "%s", from);
        if (!(s = kin_refstore_open(db, &err, PROG))) goto done;
        if (pose_refstore_put(s, &r, replace, &err) != POSE_OK) {
            fprintf(stderr, PROG " add: %s%s\n", err.msg,
                    err.code == POSE_EINVAL && strstr(err.msg, "exists") ? " (use --replace)" : "");
            goto done;
        }
        printf("added '%s': %zu reps of %s, template %zu samples x %zu joints, mean duration %.2f s\n",
               r.name, r.nreps, pose_angle_name(r.driver), r.len, r.njoints, r.mean_duration);
        rc = 0;
    } else if (!strcmp(sub, "import")) {
        char *buf;
        size_t len;
        if (read_file(name, &buf, &len)) return 1;
        int e = pose_reference_from_json(buf, len, name, &r, &err);
        free(buf);
        if (e != POSE_OK) {
            fprintf(stderr, PROG " import: %s\n", err.msg);
            return 1;
        }
        if (newname) {
            if (strlen(newname) >= sizeof r.name || !*newname) {
                fprintf(stderr, PROG " import: --name must be 1..%d bytes\n", POSE_REF_NAME_MAX - 1);
                goto done;
            }
            snprintf(r.name, sizeof r.name, "%s", newname);
        }
        if (!(s = kin_refstore_open(db, &err, PROG))) goto done;
        if (pose_refstore_put(s, &r, replace, &err) != POSE_OK) {
            fprintf(stderr, PROG " import: %s\n", err.msg);
            goto done;
        }
        printf("imported '%s'\n", r.name);
        rc = 0;
    } else {
        if (!(s = kin_refstore_open(db, &err, PROG))) goto done;
        if (!strcmp(sub, "list")) {
            pose_reference *v;
            size_t n;
            if (pose_refstore_list(s, &v, &n, &err) != POSE_OK) {
                fprintf(stderr, PROG " list: %s\n", err.msg);
                goto done;
            }
            printf("%-24s %-14s %5s %8s %6s  %s\n", "name", "driver", "reps", "duration", "angles", "created");
            for (size_t k = 0; k < n; k++)
                printf("%-24s %-14s %5zu %7.2fs %6s  %s\n", v[k].name, pose_angle_name(v[k].driver),
                       v[k].nreps, v[k].mean_duration, v[k].is_3d ? "3D" : "2D", v[k].created);
            free(v);
            rc = 0;
        } else if (!strcmp(sub, "remove")) {
            if (pose_refstore_remove(s, name, &err) != POSE_OK) {
                fprintf(stderr, PROG " remove: %s\n", err.msg);
                goto done;
            }
            printf("removed '%s'\n", name);
            rc = 0;
        } else {
            if (pose_refstore_get(s, name, &r, &err) != POSE_OK) {
                fprintf(stderr, PROG " %s: %s\n", sub, err.msg);
                goto done;
            }
            if (!strcmp(sub, "show")) {
                show(&r);
                rc = 0;
            } else {
                char *js;
                if (pose_reference_to_json(&r, &js, &err) != POSE_OK) {
                    fprintf(stderr, PROG " export: %s\n", err.msg);
                    goto done;
                }
                kin_out o;
                if (kin_out_open(&o, out, PROG " export") == 0) {
                    fprintf(o.f, "%s\n", js);
                    rc = kin_out_commit(&o, PROG " export") ? 1 : 0;
                }
                free(js);
            }
        }
    }
done:
    pose_reference_free(&r);
    pose_refstore_close(s);
    return rc;
}
