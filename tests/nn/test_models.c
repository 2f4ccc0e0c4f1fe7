/*
 * test_models.c - THE end-to-end check of the engine: each of the seven pose models on every image
 * of ../shared/reference/<model>/ gives TF.js's outputs: |ours - ref| / max(1, |ref|) <= 1e-4 for
 * MoveNet and <= 1e-2 for BlazePose (two TF.js backends differ by up to 6e-3 there). Prints the worst
 * difference per model. Also: batch 2 (two different images stacked) equals the two batch-1 runs,
 * and 1, 2 and 3 threads give bit-identical outputs (Lightning; BlazePose full, whose 2x2 and 1x1
 * convs split their weight panels between threads; 2 threads place the arena in lanes, plan_lanes.c,
 * and the others not). Under the sanitizers (AIMP_SANITIZER_RUN=1) only the
 * first image of each model runs, to keep CI time bounded.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn.h"

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted image names (the part before ".input.bin") of dir; returns count. */
static int list_images(const char *dir, char **names, int cap)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t l = strlen(e->d_name);
        if (l > 10 && !strcmp(e->d_name + l - 10, ".input.bin")) {
            names[n] = strdup(e->d_name);
            names[n][l - 10] = 0;
            n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    return n;
}

static nn_model_t *load(const char *models, const char *name, int threads)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", models, name);
    nn_options o = nn_options_defaults();
    o.threads = threads;
    nn_error err = {0};
    nn_model_t *m = nn_model_load(path, &o, &err);
    CHECK_MSG(m != NULL, "%s: %s", path, err.msg);
    return m;
}

static int run_input(nn_model_t *m, void *data, int64_t batch)
{
    nn_tensor_info in;
    nn_model_input_info(m, 0, &in);
    nn_tensor x = {in.dtype, in.rank, {0}, data};
    memcpy(x.shape, in.shape, sizeof x.shape);
    x.shape[0] = batch;
    nn_error err = {0};
    int rc = nn_model_run(m, &x, &err);
    CHECK_MSG(rc == 0, "run: %s", err.msg);
    return rc;
}

static void check_model(const char *shared, const char *models, const char *name, double tol, int first_only)
{
    char dir[1024], *imgs[64];
    snprintf(dir, sizeof dir, "%s/reference/%s", shared, name);
    int n = list_images(dir, imgs, 64);
    CHECK_MSG(n > 0, "%s: no reference images", dir);
    nn_model_t *m = load(models, name, 2);
    if (!m) return;
    double worst = 0;
    int64_t compared = 0;
    int ran = 0;
    for (int i = 0; i < n; i++) {
        if (first_only && i > 0) {
            free(imgs[i]);
            continue;
        }
        char p[1200];
        size_t len;
        snprintf(p, sizeof p, "%s/%s.input.bin", dir, imgs[i]);
        void *in = read_file(p, &len);
        CHECK_MSG(in != NULL, "%s: cannot read", p);
        if (in && run_input(m, in, 1) == 0) {
            ran++;
            for (int k = 0; k < nn_model_output_count(m); k++) {
                snprintf(p, sizeof p, "%s/%s.out%d.bin", dir, imgs[i], k);
                size_t rl;
                float *ref = read_file(p, &rl);
                const nn_tensor *y = nn_model_output(m, k);
                CHECK_MSG(ref && y && y->dtype == NN_FLOAT32 && (size_t)nn_tensor_count(y) * 4 == rl,
                          "%s: missing or size differs", p);
                if (ref && y && (size_t)nn_tensor_count(y) * 4 == rl) {
                    const float *o = y->data;
                    double w = 0;
                    for (size_t j = 0; j < rl / 4; j++) {
                        double r = ref[j], d = fabs((double)o[j] - r) / fmax(1.0, fabs(r));
                        if (!(d <= w)) w = d;  /* NaN counts as worst */
                    }
                    CHECK_MSG(w <= tol, "%s out%d: worst %.3g > %g", imgs[i], k, w, tol);
                    if (!(w <= worst)) worst = w;
                    compared += (int64_t)(rl / 4);
                }
                free(ref);
            }
        }
        free(in);
        free(imgs[i]);
    }
    printf("%-20s %2d image(s), %lld values: worst |ours-ref|/max(1,|ref|) = %.3g (tolerance %g)\n", name, ran,
           (long long)compared, worst, tol);
    nn_model_free(m);
}

/* Outputs of one run copied (they are views valid until the next run). */
static float **snapshot(nn_model_t *m, size_t *sizes)
{
    int n = nn_model_output_count(m);
    float **o = calloc((size_t)n, sizeof *o);
    for (int k = 0; k < n; k++) {
        const nn_tensor *y = nn_model_output(m, k);
        sizes[k] = (size_t)nn_tensor_count(y);
        o[k] = malloc(sizes[k] * 4);
        memcpy(o[k], y->data, sizes[k] * 4);
    }
    return o;
}

static void free_snap(float **o, int n)
{
    for (int k = 0; k < n; k++) free(o[k]);
    free(o);
}

/* Two different images stacked as batch 2 give each image's batch-1 outputs. */
static void check_batch(const char *shared, const char *models, const char *name)
{
    char dir[1024], *imgs[64], p[1200];
    snprintf(dir, sizeof dir, "%s/reference/%s", shared, name);
    int n = list_images(dir, imgs, 64);
    if (n < 2) {
        for (int i = 0; i < n; i++) free(imgs[i]);
        return;
    }
    size_t l0, l1;
    snprintf(p, sizeof p, "%s/%s.input.bin", dir, imgs[0]);
    char *a = read_file(p, &l0);
    snprintf(p, sizeof p, "%s/%s.input.bin", dir, imgs[1]);
    char *b = read_file(p, &l1);
    for (int i = 0; i < n; i++) free(imgs[i]);
    nn_model_t *m = load(models, name, 2);
    if (!a || !b || l0 != l1 || !m) {
        CHECK(0 && "batch test inputs");
        goto done;
    }
    int no = nn_model_output_count(m);
    size_t sa[16], sb[16], s2[16];
    run_input(m, a, 1);
    float **ya = snapshot(m, sa);
    run_input(m, b, 1);
    float **yb = snapshot(m, sb);
    char *ab = malloc(2 * l0);
    memcpy(ab, a, l0);
    memcpy(ab + l0, b, l0);
    if (run_input(m, ab, 2) == 0) {
        float **y2 = snapshot(m, s2);
        for (int k = 0; k < no; k++) {
            CHECK_INT_EQ(s2[k], 2 * sa[k]);
            CHECK_INT_EQ(nn_model_output(m, k)->shape[0], 2);
            if (s2[k] != 2 * sa[k]) continue;
            CHECK_MSG(!memcmp(y2[k], ya[k], sa[k] * 4), "%s out%d: batch item 0 differs from batch 1", name, k);
            CHECK_MSG(!memcmp(y2[k] + sa[k], yb[k], sb[k] * 4), "%s out%d: batch item 1 differs from batch 1", name, k);
        }
        free_snap(y2, no);
        printf("%-20s batch 2 = two batch-1 runs, bit for bit (%d outputs)\n", name, no);
    }
    free(ab);
    free_snap(ya, no);
    free_snap(yb, no);
done:
    free(a);
    free(b);
    nn_model_free(m);
}

/* 1, 2 and 3 threads give bit-identical outputs; only the 2-thread plan is placed in lanes; the
 * large filters are packed as halves. */
static void check_threads(const char *shared, const char *models, const char *name)
{
    char dir[1024], *imgs[64], p[1200];
    snprintf(dir, sizeof dir, "%s/reference/%s", shared, name);
    int n = list_images(dir, imgs, 64);
    if (n < 1) return;
    size_t l;
    snprintf(p, sizeof p, "%s/%s.input.bin", dir, imgs[0]);
    void *x = read_file(p, &l);
    for (int i = 0; i < n; i++) free(imgs[i]);
    nn_model_t *m[3] = {load(models, name, 1), load(models, name, 2), load(models, name, 3)};
    if (x && m[0] && m[1] && m[2] && run_input(m[0], x, 1) == 0 && run_input(m[1], x, 1) == 0 &&
        run_input(m[2], x, 1) == 0) {
        for (int t = 0; t < 3; t++) {
            nn_model_stats s;
            nn_model_stats_get(m[t], &s);
            CHECK_MSG(s.arena_lanes == (t == 1), "%s: %d threads: arena_lanes %d", name, t + 1, s.arena_lanes);
            /* Every model's weights are float16 in its files: its large filters are packed as halves. */
            CHECK_MSG(s.convs_half > 0 && s.convs_half < s.convs_packed && s.packed_bytes > 0,
                      "%s: %d of %d packed convs as halves", name, s.convs_half, s.convs_packed);
        }
        for (int k = 0; k < nn_model_output_count(m[0]); k++)
            for (int t = 1; t < 3; t++) {
                const nn_tensor *a = nn_model_output(m[0], k), *b = nn_model_output(m[t], k);
                CHECK_MSG(!memcmp(a->data, b->data, (size_t)nn_tensor_count(a) * 4),
                          "%s out%d: 1 vs %d threads differ", name, k, t + 1);
            }
        printf("%-20s 1 thread = 2 threads (lanes) = 3 threads, bit for bit\n", name);
    }
    free(x);
    for (int t = 0; t < 3; t++) nn_model_free(m[t]);
}

int main(void)
{
    const char *shared = check_shared_dir();
    const char *models = check_models_dir();
    const char *san = getenv("AIMP_SANITIZER_RUN");
    int first_only = san && *san && strcmp(san, "0");
    if (first_only) printf("sanitizer run: only the first image of each model\n");
    static const struct { const char *name; double tol; } cases[] = {
        {"movenet-lightning", 1e-4}, {"movenet-thunder", 1e-4}, {"movenet-multipose", 1e-4},
        {"blazepose-detector", 1e-2}, {"blazepose-lite", 1e-2},  {"blazepose-full", 1e-2},
        {"blazepose-heavy", 1e-2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_model(shared, models, cases[i].name, cases[i].tol, first_only);
    check_batch(shared, models, "blazepose-lite");
    check_threads(shared, models, "movenet-lightning");
    check_threads(shared, models, "blazepose-full");
    return check_report();
}
