/*
 * test_analyze_e2e.c - `pose analyze` end to end with the real engine on ../shared/media/video:
 * MoveNet Lightning on tfjs_pose_1.mp4 and BlazePose Full on tfjs_pose_squats.mp4 must find one
 * person in every processed frame, with keypoints inside the frame and, for BlazePose, world
 * landmarks of a human size (metres, hip-centred). Few frames (--fps/--duration) so it stays fast
 * under the sanitizers. Skips when ../shared or models/ are absent.
 */
#include <jansson.h>
#include <libavutil/log.h>

#include "check.h"
#include "pose.h"

static const char *shared, *models;
static char dir[4096];

static double num(json_t *a, size_t i) { return json_number_value(json_array_get(a, i)); }

/* Checks every frame line of path; returns the frames seen. */
static int check_output(const char *path, int w, int h, int nk, int world)
{
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "%s missing", path);
    if (!fp) return 0;
    static char line[1 << 17];
    int frames = 0, lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        json_t *j = json_loads(line, 0, NULL);
        CHECK_MSG(j != NULL, "%s:%d: not JSON", path, lineno);
        if (!j) continue;
        if (lineno == 1) {
            json_decref(j);
            continue;
        }
        frames++;
        json_t *ps = json_object_get(j, "persons");
        CHECK_MSG(json_array_size(ps) == 1, "%s:%d: %zu persons", path, lineno, json_array_size(ps));
        json_t *p = json_array_get(ps, 0);
        json_t *kps = json_object_get(p, "keypoints");
        CHECK_INT_EQ(json_array_size(kps), nk);
        int inside = 0, confident = 0;
        for (size_t k = 0; k < json_array_size(kps); k++) {
            json_t *kp = json_array_get(kps, k);
            if (num(kp, 2) < 0.3) continue;
            confident++;
            double x = num(kp, 0), y = num(kp, 1);
            inside += x >= -2 && x <= w + 2 && y >= -2 && y <= h + 2;
        }
        CHECK_MSG(confident >= nk / 3, "%s:%d: only %d confident keypoints", path, lineno, confident);
        CHECK_MSG(inside == confident, "%s:%d: %d of %d confident keypoints outside %dx%d", path, lineno,
                  confident - inside, confident, w, h);
        if (world) {
            json_t *wl = json_object_get(p, "world");
            CHECK_INT_EQ(json_array_size(wl), 33);
            double hx = (num(json_array_get(wl, 23), 0) + num(json_array_get(wl, 24), 0)) / 2;
            double hy = (num(json_array_get(wl, 23), 1) + num(json_array_get(wl, 24), 1)) / 2;
            CHECK_MSG(fabs(hx) < 0.15 && fabs(hy) < 0.15, "%s:%d: hips not at the origin (%f, %f)", path, lineno, hx, hy);
            /* shoulder to ankle, left side: a person, not a mouse or a house (0.7 .. 2.0 m) */
            json_t *sh = json_array_get(wl, 11), *an = json_array_get(wl, 27);
            double d = sqrt(pow(num(sh, 0) - num(an, 0), 2) + pow(num(sh, 1) - num(an, 1), 2) +
                            pow(num(sh, 2) - num(an, 2), 2));
            CHECK_MSG(d > 0.7 && d < 2.0, "%s:%d: shoulder-ankle %f m", path, lineno, d);
            for (size_t k = 0; k < 33; k++)
                for (size_t c = 0; c < 3; c++) CHECK(fabs(num(json_array_get(wl, k), c)) < 1.5);
        }
        json_decref(j);
    }
    fclose(fp);
    return frames;
}

static void run(const char *video, pose_model_kind model, double fps, double duration, int w, int h, int nk,
                int world)
{
    char in[4400], out[4400], ov[4400];
    snprintf(in, sizeof in, "%s/media/video/%s", shared, video);
    snprintf(out, sizeof out, "%s/%s.%s.jsonl", dir, video, pose_model_name(model));
    snprintf(ov, sizeof ov, "%s/%s.%s.mp4", dir, video, pose_model_name(model));
    pose_analyze_opts o;
    pose_analyze_defaults(&o);
    o.input = in;
    o.out_jsonl = out;
    o.overlay = ov;
    o.fps = fps;
    o.duration = duration;
    o.est.model = model;
    o.est.models_dir = models;
    pose_analyze_stats st;
    pose_error err = {0};
    int rc = pose_analyze_run(&o, &st, &err);
    if (rc == POSE_EUNSUPPORTED && strstr(err.msg, "cannot run models yet")) check_skip(err.msg);
    CHECK_MSG(rc == 0, "%s %s: %s", video, pose_model_name(model), err.msg);
    int expect = (int)(duration * fps + 0.5);
    CHECK_MSG(st.frames >= expect - 1 && st.frames <= expect + 1, "%s: %lld frames, want about %d", video,
              (long long)st.frames, expect);
    CHECK_INT_EQ(st.persons, st.frames);
    CHECK_INT_EQ(check_output(out, w, h, nk, world), st.frames);
    printf("%s %s: %lld frames, inference %.1f ms per frame\n", video, pose_model_name(model),
           (long long)st.frames, st.frames ? st.inference_ms / (double)st.frames : 0);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    shared = check_shared_dir();
    models = check_models_dir();
    snprintf(dir, sizeof dir, "%s", check_tmp_dir());
    int slow = getenv("AIMP_SANITIZER_RUN") != NULL;
    run("tfjs_pose_1.mp4", POSE_MODEL_MOVENET_LIGHTNING, slow ? 2 : 6, slow ? 1.5 : 2.0, 576, 576, 17, 0);
    run("tfjs_pose_squats.mp4", POSE_MODEL_BLAZEPOSE_FULL, 5, slow ? 0.6 : 1.6, 720, 1280, 33, 1);
    return check_report();
}
