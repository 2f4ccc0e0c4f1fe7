/*
 * test_compare.c - comparison with a reference on synthetic squats: a reference from clean squats;
 * similar squats (other tempo, other depth jitter) -> no anomaly and high scores; a copy with the
 * right knee distorted -> flagged on knee_angle_r only, with the right direction in the sentence;
 * report JSON and SVG plot; 2D/3D mismatch; then the same through the `pose reference` and
 * `pose compare` commands (exit codes, messages, files), including a corrupt database.
 */
#include <jansson.h>
#include <unistd.h>

#include "check.h"
#include "kin_squats.h"
#include "pose.h"

static void angles_of(const squat_spec *sp, pose_angles *a)
{
    pose_kp_series s;
    squat_series(&s, sp);
    pose_error err = {0};
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, a, &err), POSE_OK);
    pose_kp_series_free(&s);
}

static const squat_spec REF = {5, 90, 5, 0, 1.0, 2.0, 0};
static const squat_spec SIMILAR = {4, 88, 5, 0, 1.5, 2.4, 1.0};

static size_t count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f), c = 0;
    fclose(f);
    buf[n] = '\0';
    for (char *p = buf; (p = strstr(p, needle)); p++) c++;
    return c;
}

static void test_library(void)
{
    pose_angles a;
    pose_error err = {0};
    angles_of(&REF, &a);
    pose_reference ref;
    CHECK_INT_EQ(pose_reference_build(&a, POSE_ANGLE_KNEE_R, NULL, "squat", &ref, &err), POSE_OK);
    pose_angles_free(&a);
    /* similar squats: no anomaly */
    pose_comparison c;
    angles_of(&SIMILAR, &a);
    CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_OK);
    CHECK_INT_EQ(c.nreps, 4);
    CHECK_INT_EQ(c.nanomalies, 0);
    CHECK_INT_EQ(c.nfeedback, 0);
    for (size_t k = 0; k < c.nreps; k++) {
        CHECK_MSG(c.reps[k].score > 90, "similar rep %zu score %g (rms %g)", k, c.reps[k].score, c.reps[k].rms);
        CHECK_NEAR(c.reps[k].rep.duration, 2.4, 0.1);
        CHECK(c.reps[k].path_len >= ref.len);
    }
    int phases_seen = 0;
    for (size_t i = 0; i < c.len; i++) phases_seen |= 1 << c.phase[i];
    CHECK_INT_EQ(phases_seen, (1 << POSE_PHASE_COUNT) - 1);
    pose_comparison_free(&c);
    pose_angles_free(&a);
    /* right knee 25 degrees less (then more) flexed at the bottom */
    for (int sign = -1; sign <= 1; sign += 2) {
        squat_spec d = SIMILAR;
        d.knee_r_delta = 25.0 * sign;
        angles_of(&d, &a);
        CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_OK);
        CHECK_INT_EQ(c.nreps, 4);
        CHECK(c.nanomalies >= 4);
        for (size_t i = 0; i < c.nanomalies; i++)
            CHECK_MSG(c.anomalies[i].joint == POSE_ANGLE_KNEE_R, "anomaly on %s (%s, %+.1f)",
                      pose_angle_name(c.anomalies[i].joint), pose_phase_name(c.anomalies[i].phase),
                      c.anomalies[i].deviation);
        CHECK_INT_EQ(c.nfeedback, 4); /* one sentence per rep for the knee */
        for (size_t k = 0; k < c.nfeedback; k++) {
            char want[64];
            snprintf(want, sizeof want, "rep %zu: right knee ", k + 1);
            CHECK_MSG(strncmp(c.feedback[k], want, strlen(want)) == 0, "'%s'", c.feedback[k]);
            CHECK_MSG(strstr(c.feedback[k], sign < 0 ? "less flexed than the reference at the bottom"
                                                     : "more flexed than the reference at the bottom"),
                      "'%s'", c.feedback[k]);
            int deg = atoi(c.feedback[k] + strlen(want));
            CHECK_MSG(deg >= 16 && deg <= 33, "amount %d (25 +- depth jitter) in '%s'", deg, c.feedback[k]);
        }
        if (sign < 0) {
            printf("example feedback: %s\n", c.nfeedback ? c.feedback[0] : "(none)");
            char *js;
            CHECK_INT_EQ(pose_comparison_to_json(&c, &ref, NULL, &js, &err), POSE_OK);
            json_error_t je;
            json_t *o = json_loads(js, 0, &je);
            CHECK(o != NULL);
            CHECK_INT_EQ(json_array_size(json_object_get(o, "reps")), 4);
            CHECK_INT_EQ(json_array_size(json_object_get(o, "feedback")), 4);
            json_t *r0 = json_array_get(json_object_get(o, "reps"), 0);
            CHECK(json_array_size(json_object_get(r0, "alignment")) == c.reps[0].path_len);
            CHECK(json_is_number(json_object_get(r0, "score")));
            json_decref(o);
            free(js);
            char svg[4200];
            snprintf(svg, sizeof svg, "%s/compare.svg", check_tmp_dir());
            CHECK_INT_EQ(pose_comparison_plot_svg(&c, &ref, NULL, svg, &err), POSE_OK);
            CHECK_INT_EQ(count_in_file(svg, "class='anomaly'"), c.nanomalies);
            CHECK_INT_EQ(count_in_file(svg, "<polyline"), (c.nreps + 1) * ref.njoints);
            CHECK(count_in_file(svg, "</svg>") == 1);
            CHECK_INT_EQ(pose_comparison_plot_svg(&c, &ref, NULL, "/nonexistent-dir/x.svg", &err), POSE_EIO);
        }
        pose_comparison_free(&c);
        pose_angles_free(&a);
    }
    /* bad input */
    angles_of(&SIMILAR, &a);
    a.is_3d = 1;
    CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "2D") != NULL);
    a.is_3d = 0;
    for (size_t i = 0; i < a.n; i++) a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_ELBOW_FLEX_L] = NAN;
    CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_EINVAL);
    CHECK_MSG(strstr(err.msg, "elbow_flex_l is missing"), "%s", err.msg);
    size_t n = a.n;
    a.n = 0;
    CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_EINVAL);
    a.n = n;
    pose_angles_free(&a);
    /* no rep in a standing session: nreps 0, not an error */
    squat_spec st = {0, 90, 0, 0, 3.0, 2.0, 0};
    angles_of(&st, &a);
    CHECK_INT_EQ(pose_compare_run(&a, &ref, NULL, &c, &err), POSE_OK);
    CHECK_INT_EQ(c.nreps, 0);
    CHECK(isnan(c.mean_score));
    pose_comparison_free(&c);
    pose_angles_free(&a);
    pose_reference_free(&ref);
}

static int run(const char *cmd, const char *out)
{
    char full[20000];
    snprintf(full, sizeof full, "%s >'%s' 2>&1", cmd, out);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void)
{
    const char *pose = getenv("POSE");
    if (!pose || access(pose, X_OK) != 0) {
        printf("SKIP (part): $POSE not set, command-line checks skipped\n");
        return;
    }
    const char *d = check_tmp_dir();
    char refj[1024], sim[1024], dis[1024], db[1024], out[1024], cmd[16384];
    snprintf(refj, sizeof refj, "%s/ref.jsonl", d);
    snprintf(sim, sizeof sim, "%s/similar.jsonl", d);
    snprintf(dis, sizeof dis, "%s/distorted.jsonl", d);
    snprintf(db, sizeof db, "%s/cli.db", d);
    snprintf(out, sizeof out, "%s/out.txt", d);
    unlink(db);
    squat_spec dsp = SIMILAR;
    dsp.knee_r_delta = -25;
    CHECK(squat_write_jsonl(refj, &REF) == 0);
    CHECK(squat_write_jsonl(sim, &SIMILAR) == 0);
    CHECK(squat_write_jsonl(dis, &dsp) == 0);
    snprintf(cmd, sizeof cmd, "'%s' reference add squat --from '%s' --db '%s'", pose, refj, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(out, "added 'squat': 5 reps of knee_angle_r") == 1);
    CHECK_INT_EQ(run(cmd, out), 1); /* exists */
    CHECK(count_in_file(out, "--replace") == 1);
    snprintf(cmd, sizeof cmd, "'%s' reference add squat --from '%s' --db '%s' --replace", pose, refj, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    snprintf(cmd, sizeof cmd, "'%s' reference list --db '%s'", pose, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(out, "squat") == 1);
    snprintf(cmd, sizeof cmd, "'%s' reference show squat --db '%s'", pose, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(out, "knee_angle_r") >= 2);
    char js[1024];
    snprintf(js, sizeof js, "%s/squat.json", d);
    snprintf(cmd, sizeof cmd, "'%s' reference export squat --db '%s' --out '%s'", pose, db, js);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(js, "\"format\":\"pose-reference\"") == 1);
    snprintf(cmd, sizeof cmd, "'%s' reference import '%s' --name squat2 --db '%s'", pose, js, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    snprintf(cmd, sizeof cmd, "'%s' reference remove squat2 --db '%s'", pose, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "no reference named 'squat2'") == 1);
    /* compare */
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s'", pose, sim, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(out, "4 reps found") == 1);
    CHECK(count_in_file(out, "no anomaly") == 1);
    char rep[1024], svg[1024];
    snprintf(rep, sizeof rep, "%s/report.json", d);
    snprintf(svg, sizeof svg, "%s/report.svg", d);
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s' --out '%s' --plot '%s'",
             pose, dis, db, rep, svg);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK_INT_EQ(count_in_file(out, "right knee"), 4);
    CHECK_INT_EQ(count_in_file(out, "less flexed than the reference at the bottom"), 4);
    CHECK(count_in_file(rep, "\"feedback\"") == 1);
    CHECK(count_in_file(svg, "class='anomaly'") >= 4);
    /* errors */
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference nope --db '%s'", pose, sim, db);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "no reference named 'nope'") == 1);
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s' --plot x.gif", pose, sim, db);
    CHECK_INT_EQ(run(cmd, out), 2);
    CHECK(count_in_file(out, "name the file *.svg or *.png") == 1);
    snprintf(cmd, sizeof cmd, "'%s' reference add x --from '%s' --db '%s' --driver thigh_r", pose, sim, db);
    CHECK_INT_EQ(run(cmd, out), 2);
    snprintf(cmd, sizeof cmd, "'%s' reference add x --from '%s' --db '%s' --driver elbow_flex_r", pose, sim, db);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "no repetition of elbow_flex_r") == 1);
    char bad[1024];
    snprintf(bad, sizeof bad, "%s/corrupt.db", d);
    FILE *f = fopen(bad, "w");
    for (int i = 0; i < 500; i++) fputs("garbage garbage ", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s'", pose, sim, bad);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "not a reference database, or corrupt") == 1);
    snprintf(cmd, sizeof cmd, "'%s' reference list --db '%s'", pose, bad);
    CHECK_INT_EQ(run(cmd, out), 1);
    snprintf(cmd, sizeof cmd, "'%s' reference import '%s' --db '%s'", pose, sim, db); /* not JSON */
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "similar.jsonl") == 1);
}

int main(void)
{
    test_library();
    test_cli();
    return check_report();
}
