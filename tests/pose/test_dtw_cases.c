/*
 * test_dtw_cases.c - libpose's DTW against dtaidistance's answers in ../shared/dtw/cases.json:
 * every pair and result (window, max_dist, penalty extras) within relative 1e-9, abandoned cases
 * +inf, paths: cost first, then the exact path. Also checks our reference twin on the same cases.
 * Skips when ../shared is absent.
 */
#include <jansson.h>

#include "check.h"
#include "dtw_ref.h"
#include "pose.h"

static double *series_of(json_t *js, size_t n, size_t ndim)
{
    double *x = malloc(n * ndim * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < ndim; d++) {
            json_t *v = ndim == 1 ? json_array_get(js, i) : json_array_get(json_array_get(js, i), d);
            x[i * ndim + d] = json_number_value(v);
        }
    return x;
}

static int rel_eq(double a, double b) { return fabs(a - b) <= 1e-9 * fabs(b) + 1e-300; }

static int n_results, n_paths, n_skipped;

static void run_case(json_t *pair)
{
    const char *id = json_string_value(json_object_get(pair, "id"));
    size_t ndim = (size_t)json_integer_value(json_object_get(pair, "ndim"));
    size_t l1 = (size_t)json_integer_value(json_object_get(pair, "l1"));
    size_t l2 = (size_t)json_integer_value(json_object_get(pair, "l2"));
    double *s1 = series_of(json_object_get(pair, "s1"), l1, ndim);
    double *s2 = series_of(json_object_get(pair, "s2"), l2, ndim);
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(pair, "results"), k, r) {
        json_t *psi = json_object_get(r, "psi");
        int psi_zero = 1;
        for (size_t q = 0; q < json_array_size(psi); q++)
            if (json_integer_value(json_array_get(psi, q)) != 0) psi_zero = 0;
        if (!psi_zero || strcmp(json_string_value(json_object_get(r, "inner_dist")), "squared_euclidean") != 0) {
            n_skipped++; /* dtaidistance-only options (psi relaxation, euclidean cells) */
            continue;
        }
        pose_dtw_options o = pose_dtw_defaults();
        o.window = (size_t)json_integer_value(json_object_get(r, "window"));
        json_t *md = json_object_get(r, "max_dist");
        if (json_is_number(md)) o.max_dist = json_number_value(md);
        o.penalty = json_number_value(json_object_get(r, "penalty"));
        int abandoned = json_is_true(json_object_get(r, "abandoned"));
        pose_error err = {0};
        double d = pose_dtw_distance(s1, l1, s2, l2, ndim, &o, &err);
        n_results++;
        if (abandoned) {
            CHECK_MSG(isinf(d) && d > 0, "%s result %zu: want inf (abandoned), got %.17g", id, k, d);
        } else {
            double want = json_number_value(json_object_get(r, "distance"));
            CHECK_MSG(rel_eq(d, want), "%s result %zu (w=%zu): got %.17g want %.17g", id, k, o.window, d, want);
            double refc = ref_dtw_cost(s1, l1, s2, l2, ndim, o.window, o.penalty * o.penalty);
            CHECK_MSG(rel_eq(sqrt(refc), want), "%s result %zu: reference twin %.17g want %.17g", id, k, sqrt(refc), want);
        }
        /* the work-space entry point gives the same bits */
        double *work = malloc(pose_dtw_work_size(l1, l2, ndim, &o) * sizeof *work);
        double d2 = pose_dtw_distance_ws(s1, l1, s2, l2, ndim, &o, work, &err);
        free(work);
        CHECK_MSG(d2 == d || (isinf(d) && isinf(d2)), "%s result %zu: _ws %.17g vs %.17g", id, k, d2, d);

        json_t *path = json_object_get(r, "path");
        if (!path) continue;
        pose_dtw_path p;
        int rc = pose_dtw_warping_path(s1, l1, s2, l2, ndim, &o, &p, &err);
        CHECK_INT_EQ(rc, POSE_OK);
        n_paths++;
        double want = json_number_value(json_object_get(r, "path_distance"));
        CHECK_MSG(rel_eq(p.distance, want), "%s result %zu: path distance %.17g want %.17g", id, k, p.distance, want);
        double pc = ref_path_cost(s1, s2, ndim, p.ij, p.len, o.penalty * o.penalty);
        CHECK_MSG(rel_eq(sqrt(pc), want), "%s result %zu: cost along our path %.17g want %.17g", id, k, sqrt(pc), want);
        int same = p.len == json_array_size(path);
        for (size_t q = 0; same && q < p.len; q++) {
            json_t *c = json_array_get(path, q);
            same = (size_t)json_integer_value(json_array_get(c, 0)) == p.ij[2 * q] &&
                   (size_t)json_integer_value(json_array_get(c, 1)) == p.ij[2 * q + 1];
        }
        CHECK_MSG(same, "%s result %zu (w=%zu, penalty %g): path differs from dtaidistance's (len %zu vs %zu)", id, k,
                  o.window, o.penalty, p.len, json_array_size(path));
        pose_dtw_path_free(&p);
    }
    free(s1);
    free(s2);
}

int main(void)
{
    const char *shared = check_shared_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/dtw/cases.json", shared);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) check_skip("dtw/cases.json is absent or unreadable");
    size_t k;
    json_t *pair;
    json_array_foreach(json_object_get(root, "pairs"), k, pair) run_case(pair);
    json_array_foreach(json_object_get(root, "extras"), k, pair) run_case(pair);
    json_decref(root);
    printf("%d results, %d paths checked, %d dtaidistance-only results skipped\n", n_results, n_paths, n_skipped);
    CHECK(n_results >= 150);
    CHECK(n_paths >= 30);
    return check_report();
}
