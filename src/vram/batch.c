/*
 * batch.c - the batch sizer (vram.h "batch sizer"): an affine fit of peak(B) from B = 1, 2, 4, one
 * check of its answer, and doubling + bisection when the check fails. Results of the callback are
 * cached so no batch size is evaluated twice.
 */
#include <math.h>
#include <string.h>

#include "mem_internal.h"

vram_batch_options vram_batch_defaults(void)
{
    vram_batch_options o;
    memset(&o, 0, sizeof o);
    o.budget_fraction = 0.90;
    o.max_batch = 65536;
    return o;
}

#define CACHE 64

typedef struct sizer {
    vram_batch_peak_fn fn;
    void *ctx;
    uint64_t budget;
    int n, evaluations;
    int b[CACHE];
    uint64_t peak[CACHE];
    int fits[CACHE];
} sizer;

/* 1 fits, 0 does not, < 0 error. *peak is UINT64_MAX when the callback said VRAM_EOOM. */
static int eval(sizer *s, int batch, uint64_t *peak, vram_error *err)
{
    for (int i = 0; i < s->n; i++)
        if (s->b[i] == batch) {
            *peak = s->peak[i];
            return s->fits[i];
        }
    uint64_t p = 0;
    s->evaluations++;
    int rc = s->fn(s->ctx, batch, &p, err);
    if (rc == VRAM_EOOM) p = UINT64_MAX;
    else if (rc < 0) return rc;
    int fits = p <= s->budget;
    if (s->n < CACHE) {
        s->b[s->n] = batch;
        s->peak[s->n] = p;
        s->fits[s->n++] = fits;
    }
    *peak = p;
    return fits;
}

int vram_batch_find(const vram_batch_options *o, vram_batch_peak_fn fn, void *ctx, vram_batch_result *out,
                    vram_error *err)
{
    vram_batch_options def = vram_batch_defaults();
    if (!o) o = &def;
    memset(out, 0, sizeof *out);
    if (!(o->budget_fraction > 0 && o->budget_fraction <= 1))
        return vram__err(err, VRAM_EINVAL, "batch: budget fraction %g is not in (0, 1]", o->budget_fraction);
    if (o->max_batch < 1) return vram__err(err, VRAM_EINVAL, "batch: max batch %d is < 1", o->max_batch);
    uint64_t total = o->device_bytes;
    if (!total) {
        if (!o->device) return vram__err(err, VRAM_EINVAL, "batch: neither device_bytes nor a device is given");
        uint64_t fr;
        int rc = vram_device_mem_info(o->device, &fr, &total, err);
        if (rc < 0) return rc;
    }
    sizer s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.ctx = ctx;
    s.budget = (uint64_t)((double)total * o->budget_fraction);
    out->budget_bytes = s.budget;
    uint64_t p1;
    int rc = eval(&s, 1, &p1, err);
    if (rc < 0) return rc;
    if (rc == 0) {
        out->evaluations = s.evaluations;
        if (p1 == UINT64_MAX)
            return vram__err(err, VRAM_EOOM, "batch: even batch 1 does not fit (the trial failed) in a budget of %llu bytes",
                             (unsigned long long)s.budget);
        return vram__err(err, VRAM_EOOM, "batch: even batch 1 needs %llu bytes, the budget is %llu bytes",
                         (unsigned long long)p1, (unsigned long long)s.budget);
    }
    /* affine fit through B = 1, 2, 4 (those that exist and fit) */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int b = 1; b <= 4 && b <= o->max_batch; b *= 2) {
        uint64_t p;
        if ((rc = eval(&s, b, &p, err)) < 0) return rc;
        if (!rc) break;
        sx += b;
        sy += (double)p;
        sxx += (double)b * b;
        sxy += (double)b * (double)p;
        m++;
    }
    int best = 0;
    if (m >= 2) {
        double den = m * sxx - sx * sx;
        out->fit_b = (m * sxy - sx * sy) / den;
        out->fit_a = (sy - out->fit_b * sx) / m;
        if (out->fit_b > 0) {
            double guess = floor(((double)s.budget - out->fit_a) / out->fit_b);
            int g = guess >= o->max_batch ? o->max_batch : guess < 1 ? 1 : (int)guess;
            uint64_t pg, pn;
            int f1 = eval(&s, g, &pg, err);
            if (f1 < 0) return f1;
            int f2 = g < o->max_batch ? eval(&s, g + 1, &pn, err) : 0;
            if (f2 < 0) return f2;
            if (f1 == 1 && f2 == 0) {
                best = g;
                out->fitted = 1;
            }
        } else if (m >= 2) {
            /* flat or falling: check the largest batch */
            uint64_t pm;
            int f = eval(&s, o->max_batch, &pm, err);
            if (f < 0) return f;
            if (f == 1) {
                best = o->max_batch;
                out->fitted = 1;
            }
        }
    }
    if (!best) {
        /* doubling: lo fits, hi does not (or hi = max + 1) */
        int lo = 1, hi = 0;
        while (!hi) {
            long nb = (long)lo * 2;
            if (nb > o->max_batch) {
                uint64_t pm;
                int f = lo == o->max_batch ? 0 : eval(&s, o->max_batch, &pm, err);
                if (f < 0) return f;
                if (f == 1) lo = o->max_batch;
                hi = lo == o->max_batch ? o->max_batch + 1 : o->max_batch;
                break;
            }
            uint64_t p;
            int f = eval(&s, (int)nb, &p, err);
            if (f < 0) return f;
            if (f == 1) lo = (int)nb;
            else hi = (int)nb;
        }
        while (hi - lo > 1) { /* bisection */
            int mid = lo + (hi - lo) / 2;
            uint64_t p;
            int f = eval(&s, mid, &p, err);
            if (f < 0) return f;
            if (f == 1) lo = mid;
            else hi = mid;
        }
        best = lo;
    }
    uint64_t pb;
    rc = eval(&s, best, &pb, err); /* cached: the peak of the answer */
    if (rc < 0) return rc;
    out->batch = best;
    out->peak_bytes = pb;
    out->evaluations = s.evaluations;
    return VRAM_OK;
}
