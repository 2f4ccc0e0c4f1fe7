/*
 * test_profile.c - nn_model_profile / nn_model_profile_get (what `nn bench --profile` prints): the
 * rows cover every step of the plan once (step counts add up to the plan's, flops to its GFLOP),
 * come slowest first with non-negative times, count only the runs made while profiling was on, and
 * start again from zero when switched on anew or when a new batch replans. Needs models/ (skips
 * without): movenet-lightning at batch 1, blazepose-lite at batch 1 and 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn.h"

static nn_tensor make_input(const nn_model_t *m, int64_t batch)
{
    nn_tensor_info info;
    nn_model_input_info(m, 0, &info);
    nn_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = info.dtype;
    t.rank = info.rank;
    memcpy(t.shape, info.shape, sizeof t.shape);
    t.shape[0] = batch;
    int64_t n = nn_tensor_count(&t);
    t.data = calloc((size_t)n, nn_dtype_size(info.dtype));
    return t;
}

/* Checks the profile of m against its plan after `want_runs` profiled runs. */
static void check_rows(const nn_model_t *m, int want_runs, const char *what)
{
    nn_model_stats st;
    nn_model_stats_get(m, &st);
    int runs = -1, n = nn_model_profile_get(m, NULL, 0, &runs);
    CHECK_MSG(runs == want_runs, "%s: %d profiled runs, want %d", what, runs, want_runs);
    CHECK_MSG(n > 1, "%s: %d op types", what, n);
    nn_op_profile *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);
    CHECK(rows != NULL);
    if (!rows) return;
    /* A shorter buffer gets the slowest rows only, the same count returned. */
    CHECK_INT_EQ(nn_model_profile_get(m, rows, 1, NULL), n);
    nn_op_profile first = rows[0];
    CHECK_INT_EQ(nn_model_profile_get(m, rows, n, NULL), n);
    CHECK_STR_EQ(first.op, rows[0].op);
    int steps = 0, conv = 0;
    double gflop = 0;
    for (int i = 0; i < n; i++) {
        steps += rows[i].steps;
        gflop += rows[i].gflop;
        CHECK_MSG(rows[i].ms >= 0, "%s: %s has %g ms", what, rows[i].op, rows[i].ms);
        if (i > 0) CHECK_MSG(rows[i].ms <= rows[i - 1].ms, "%s: rows not sorted at %d", what, i);
        for (int j = 0; j < i; j++) CHECK_MSG(strcmp(rows[i].op, rows[j].op), "%s: %s twice", what, rows[i].op);
        if (!strcmp(rows[i].op, "_FusedConv2D")) conv = rows[i].steps > 0 && rows[i].gflop > 0 && rows[i].ms > 0;
    }
    CHECK_MSG(steps == st.steps, "%s: rows cover %d steps, the plan has %d", what, steps, st.steps);
    CHECK_MSG(fabs(gflop - st.gflops) <= 1e-9 * st.gflops + 1e-12, "%s: %g GFLOP in rows, plan %g", what,
              gflop, st.gflops);
    CHECK_MSG(conv, "%s: no timed _FusedConv2D row", what);
    free(rows);
}

int main(void)
{
    const char *dir = check_models_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/movenet-lightning.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) check_skip("movenet-lightning.json not in AIMP_MODELS_DIR: run scripts/setup");
    fclose(f);
    nn_options o = nn_options_defaults();
    o.threads = 2;
    nn_error err;
    memset(&err, 0, sizeof err);
    nn_model_t *m = nn_model_load(path, &o, &err);
    CHECK_MSG(m != NULL, "%s", err.msg);
    if (!m) return check_report();
    nn_tensor x = make_input(m, 1);
    int runs = -1;
    CHECK_INT_EQ(nn_model_profile_get(m, NULL, 0, &runs), 0);  /* never switched on */
    CHECK_INT_EQ(runs, 0);
    CHECK_INT_EQ(nn_model_run(m, &x, &err), 0);
    CHECK_INT_EQ(nn_model_profile_get(m, NULL, 0, &runs), 0);  /* a run without profiling */
    CHECK_INT_EQ(nn_model_profile(m, 1), 0);
    for (int r = 0; r < 3; r++) CHECK_INT_EQ(nn_model_run(m, &x, &err), 0);
    check_rows(m, 3, "lightning");
    CHECK_INT_EQ(nn_model_profile(m, 0), 0);                   /* off: runs are not counted */
    CHECK_INT_EQ(nn_model_run(m, &x, &err), 0);
    check_rows(m, 3, "lightning after profiling off");
    CHECK_INT_EQ(nn_model_profile(m, 1), 0);                   /* on again: from zero */
    nn_model_profile_get(m, NULL, 0, &runs);
    CHECK_INT_EQ(runs, 0);
    CHECK_INT_EQ(nn_model_run(m, &x, &err), 0);
    check_rows(m, 1, "lightning profiled again");
    free(x.data);
    nn_model_free(m);

    snprintf(path, sizeof path, "%s/blazepose-lite.json", dir);
    m = nn_model_load(path, &o, &err);
    CHECK_MSG(m != NULL, "%s", err.msg);
    if (!m) return check_report();
    x = make_input(m, 1);
    nn_tensor x2 = make_input(m, 2);
    CHECK_INT_EQ(nn_model_profile(m, 1), 0);
    CHECK_INT_EQ(nn_model_run(m, &x, &err), 0);
    check_rows(m, 1, "lite batch 1");
    nn_model_stats s1, s2;
    nn_model_stats_get(m, &s1);
    CHECK_INT_EQ(nn_model_run(m, &x2, &err), 0);               /* batch 2 replans: figures restart */
    nn_model_stats_get(m, &s2);
    CHECK_NEAR(s2.gflops, 2 * s1.gflops, 1e-9 * s2.gflops);
    check_rows(m, 1, "lite batch 2");
    free(x.data);
    free(x2.data);
    nn_model_free(m);
    return check_report();
}
