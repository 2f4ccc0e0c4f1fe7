/* test_batch.c - the batch sizer on synthetic peak functions: linear and affine (the fit answers in a
 * few evaluations), a step function and a trial run that fails past a size (bisection answers), a
 * non-monotone bump (the answer still fits), a planner-driven peak, limits and errors. */
#include "check.h"
#include "vram.h"

typedef struct fn_ctx { int kind; uint64_t a, b; int calls; } fn_ctx;

static int peak_fn(void *ctx, int batch, uint64_t *peak, vram_error *err)
{
    fn_ctx *c = ctx;
    c->calls++;
    uint64_t B = (uint64_t)batch;
    switch (c->kind) {
    case 0: *peak = c->b * B; break;                              /* linear */
    case 1: *peak = c->a + c->b * B; break;                       /* affine */
    case 2: *peak = c->a + c->b * ((B + 7) / 8) * 8; break;       /* steps of 8 */
    case 3: if (B > c->a) return VRAM_EOOM; *peak = 1000 * B; break; /* trial run fails past a */
    case 4: *peak = c->a + c->b * B + (B == 37 ? c->b * 100 : 0); break; /* one bump */
    case 5: *peak = c->a + c->b * B * B; break;                   /* quadratic */
    case 6: snprintf(err->msg, sizeof err->msg, "trial crashed"); err->code = VRAM_EIO; return VRAM_EIO;
    default: *peak = c->a; break;                                 /* flat */
    }
    return VRAM_OK;
}

/* the reference: the largest B <= max with peak(B) <= budget and every smaller B fitting too */
static int brute(fn_ctx *c, uint64_t budget, int max)
{
    int best = 0;
    for (int b = 1; b <= max; b++) {
        uint64_t p;
        vram_error e;
        if (peak_fn(c, b, &p, &e) < 0 || p > budget) break;
        best = b;
    }
    return best;
}

static int plan_peak(void *ctx, int batch, uint64_t *peak, vram_error *err)
{
    (void)ctx;
    /* a small network: weights live all run, activations scale with the batch */
    vram_plan_tensor t[6] = {{4u << 20, 0, 5, 0}, {(uint64_t)batch * 150528, 0, 1, 0},
                             {(uint64_t)batch * 401408, 1, 2, 0}, {(uint64_t)batch * 200704, 2, 3, 0},
                             {(uint64_t)batch * 100352, 3, 4, 0}, {(uint64_t)batch * 4000, 4, 5, 0}};
    vram_plan_result r;
    int rc = vram_plan_offsets(t, 6, 256, &r, err);
    *peak = r.peak;
    return rc;
}

int main(void)
{
    vram_error err = {0};
    vram_batch_options o = vram_batch_defaults();
    CHECK_NEAR(o.budget_fraction, 0.90, 1e-12);
    o.device_bytes = 10000000;
    vram_batch_result r;
    uint64_t budget = 9000000;

    fn_ctx lin = {0, 0, 12345, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &lin, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, brute(&lin, budget, o.max_batch));
    CHECK_INT_EQ(r.fitted, 1);
    CHECK(r.evaluations <= 5);
    CHECK_INT_EQ(r.budget_bytes, budget);
    CHECK_INT_EQ(r.peak_bytes, 12345ull * (uint64_t)r.batch);
    CHECK_NEAR(r.fit_b, 12345, 1e-6);

    fn_ctx aff = {1, 3000000, 777, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &aff, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, brute(&aff, budget, o.max_batch));
    CHECK_INT_EQ(r.fitted, 1);
    CHECK_NEAR(r.fit_a, 3000000, 1e-3);

    fn_ctx step = {2, 100000, 30000, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &step, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, brute(&step, budget, o.max_batch));
    CHECK(r.peak_bytes <= budget);

    fn_ctx trial = {3, 300, 0, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &trial, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, 300);
    CHECK_INT_EQ(r.fitted, 0);
    CHECK(r.evaluations < 30);

    fn_ctx bump = {4, 1000000, 100000, 0}; /* the fit says 80; the bump at 37 is past no answer */
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &bump, &r, &err), VRAM_OK);
    CHECK(r.peak_bytes <= budget);
    CHECK(r.batch >= 36);
    bump.b = 190000; /* now the fit lands near the bump: whatever it answers, it fits */
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &bump, &r, &err), VRAM_OK);
    uint64_t pb;
    peak_fn(&bump, r.batch, &pb, &err);
    CHECK(pb <= budget);

    fn_ctx quad = {5, 1000, 5000, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &quad, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, brute(&quad, budget, o.max_batch));
    CHECK_INT_EQ(r.fitted, 0);

    fn_ctx flat = {7, 5000, 0, 0};
    o.max_batch = 100;
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &flat, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, 100);
    /* max batch caps a linear answer */
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &lin, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, 100);
    o.max_batch = 1;
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &lin, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.batch, 1);
    o.max_batch = 65536;

    /* a planner-driven peak on a sim device of 1 GiB (budget 0.9 of it) */
    vram_device_t *d = vram_device_create(NULL, &err);
    vram_batch_options od = vram_batch_defaults();
    od.device = d;
    CHECK_INT_EQ(vram_batch_find(&od, plan_peak, NULL, &r, &err), VRAM_OK);
    uint64_t p1, p2;
    plan_peak(NULL, r.batch, &p1, &err);
    plan_peak(NULL, r.batch + 1, &p2, &err);
    CHECK(p1 <= r.budget_bytes && p2 > r.budget_bytes);
    printf("planner-driven: batch %d, peak %llu of %llu, %d evaluations, fitted %d\n", r.batch,
           (unsigned long long)r.peak_bytes, (unsigned long long)r.budget_bytes, r.evaluations, r.fitted);
    vram_device_free(d);

    /* errors */
    fn_ctx big = {1, 20000000, 1, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &big, &r, &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "even batch 1 needs 20000001 bytes, the budget is 9000000") != NULL);
    fn_ctx none = {3, 0, 0, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &none, &r, &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "trial failed") != NULL);
    fn_ctx crash = {6, 0, 0, 0};
    CHECK_INT_EQ(vram_batch_find(&o, peak_fn, &crash, &r, &err), VRAM_EIO);
    CHECK_STR_EQ(err.msg, "trial crashed");
    vram_batch_options b = o;
    b.budget_fraction = 0;
    CHECK_INT_EQ(vram_batch_find(&b, peak_fn, &lin, &r, &err), VRAM_EINVAL);
    b = o;
    b.max_batch = 0;
    CHECK_INT_EQ(vram_batch_find(&b, peak_fn, &lin, &r, &err), VRAM_EINVAL);
    b = o;
    b.device_bytes = 0;
    CHECK_INT_EQ(vram_batch_find(&b, peak_fn, &lin, &r, &err), VRAM_EINVAL);
    CHECK_INT_EQ(vram_batch_find(NULL, peak_fn, &lin, &r, &err), VRAM_EINVAL);
    return check_report();
}
