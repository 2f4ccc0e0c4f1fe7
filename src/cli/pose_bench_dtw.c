/*
 * pose_bench_dtw.c - `pose bench-dtw [--runs N] [--quick]`: times libpose's DTW on the work of
 * ../shared/dtw/README.md (1000x1000 and 5000x5000, full and 10 % window, 1-D and 3-D; 1-vs-10,000
 * search of length-128 series: brute force, early abandoning, lower bounds + abandoning) on seeded
 * random walks. In the same run, interleaved, it times the anchor: a plain textbook two-row DP
 * compiled here. Prints median and p10-p90 per row, the ratio to that anchor and to dtaidistance's
 * figures quoted from the README (dtaidistance itself is not installable here), and those figures
 * scaled to this run: README figure x (our textbook DP now / the README's plain two-row DP), which
 * cancels most of the machine's speed and load (1-D textbook rows calibrate the 3-D rows: the README
 * says dtaidistance's 3-D costs about the same per cell).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pose.h"
#include "pose_cmds.h"

/* The thread's CPU time: on a shared machine the time our thread is descheduled would otherwise
 * dominate (a 1.5 ms DP measured 1.5-15 ms of wall time at load 10 on 2 cores). */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static double uniform01(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return ((double)((rng * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2.0 * log(uniform01())) * cos(6.283185307179586 * uniform01()); }
static void random_walk(double *x, size_t n, size_t ndim)
{
    for (size_t d = 0; d < ndim; d++) x[d] = normal();
    for (size_t i = 1; i < n; i++)
        for (size_t d = 0; d < ndim; d++) x[i * ndim + d] = x[(i - 1) * ndim + d] + normal();
}

/* The anchor: the textbook two-row DP (dtaidistance's window rule), written plainly: the loop runs
 * over the band of each row only, with the out-of-band neighbours set to infinity. Inlined with a
 * constant ndim (textbook_1d / textbook_3d) so the compiler specialises it as it does ours. */
static inline __attribute__((always_inline)) double textbook_dtw(const double *a, size_t na, const double *b,
                                                                  size_t nb, size_t ndim, size_t w,
                                                                  double *prev, double *cur)
{
    for (size_t j = 0; j <= nb; j++) prev[j] = cur[j] = INFINITY;
    prev[0] = 0.0;
    long ea = na > nb ? (long)(na - nb) : 0, eb = nb > na ? (long)(nb - na) : 0;
    for (long i = 1; i <= (long)na; i++) {
        long lo = 1, hi = (long)nb;
        if (w) {
            if (i - ((long)w - 1 + ea) > lo) lo = i - ((long)w - 1 + ea);
            if (i + (long)w - 1 + eb < hi) hi = i + (long)w - 1 + eb;
        }
        cur[lo - 1] = INFINITY;
        for (long j = lo; j <= hi; j++) {
            double c = 0.0;
            for (size_t d = 0; d < ndim; d++) {
                double t = a[(size_t)(i - 1) * ndim + d] - b[(size_t)(j - 1) * ndim + d];
                c += t * t;
            }
            double diag = prev[j - 1], up = prev[j], left = cur[j - 1];
            double m = diag < up ? diag : up;
            m = m < left ? m : left;
            cur[j] = c + m;
        }
        if (hi + 1 <= (long)nb) cur[hi + 1] = INFINITY;
        double *t = prev;
        prev = cur;
        cur = t;
    }
    return sqrt(prev[nb]);
}

static double textbook_1d(const double *a, size_t na, const double *b, size_t nb, size_t w, double *p, double *c)
{
    return textbook_dtw(a, na, b, nb, 1, w, p, c);
}

static double textbook_3d(const double *a, size_t na, const double *b, size_t nb, size_t w, double *p, double *c)
{
    return textbook_dtw(a, na, b, nb, 3, w, p, c);
}

typedef struct row {
    double *ours, *plain; /* per run, ms: libpose and the textbook DP */
} row;

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* p-th percentile (0..100) of v[n] (linear interpolation); v is left as it is (runs stay paired) */
static double pct(const double *v, int n, double p)
{
    double *t = malloc((size_t)n * sizeof *t);
    if (!t) return NAN;
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    double pos = p / 100.0 * (n - 1);
    int lo = (int)pos;
    int hi = lo + 1 < n ? lo + 1 : lo;
    double r = t[lo] + (t[hi] - t[lo]) * (pos - lo);
    free(t);
    return r;
}

static volatile double sink;

int cmd_bench_dtw(int argc, char **argv)
{
    int runs = 7, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: pose bench-dtw [--runs N] [--quick]\n\n"
                   "Times DTW (thread CPU time; median and p10-p90 over N interleaved runs, default 7) against a plain textbook\n"
                   "two-row DP measured in the same run, and quotes dtaidistance's figures from\n"
                   "../shared/dtw/README.md. --quick: one run of the small rows only (a smoke test).\n");
            return 0;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1 || runs > 1000) {
                fprintf(stderr, "pose bench-dtw: --runs must be 1..1000\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else {
            fprintf(stderr, "pose bench-dtw: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (quick) runs = 1;
    enum { NQ = 128, NCAND = 10000, NBIG = 5000 };
    size_t ncand = quick ? 500 : NCAND;
    double *a = malloc(NBIG * 3 * sizeof *a), *b = malloc(NBIG * 3 * sizeof *b);
    double *prev = malloc((NBIG + 1) * sizeof *prev), *cur = malloc((NBIG + 1) * sizeof *cur);
    double *work = malloc(pose_dtw_work_size(NBIG, NBIG, 3, NULL) * sizeof *work);
    double *q = malloc(NQ * sizeof *q), *cands = malloc(ncand * NQ * sizeof *cands);
    if (!a || !b || !prev || !cur || !work || !q || !cands) {
        fprintf(stderr, "pose bench-dtw: out of memory\n");
        return 1;
    }
    random_walk(a, NBIG, 3);
    random_walk(b, NBIG, 3);
    random_walk(q, NQ, 1);
    for (size_t k = 0; k < ncand; k++) random_walk(cands + k * NQ, NQ, 1);

    struct {
        const char *name;
        size_t n, ndim, w;
        double readme; /* dtaidistance ms (README; 3-D: "about the same per cell" as 1-D) */
        double plain;  /* the README's plain two-row DP, ms, 1-D: calibrates this machine */
        int cal;       /* the row whose textbook time (1-D) is compared with `plain` */
    } pw[] = {
        {"1000 x 1000, full window, 1-D", 1000, 1, 0, 5.08, 2.03, 0},
        {"1000 x 1000, 10 % window, 1-D", 1000, 1, 101, 0.894, 0.587, 1},
        {"5000 x 5000, full window, 1-D", 5000, 1, 0, 125.7, 51.1, 2},
        {"5000 x 5000, 10 % window, 1-D", 5000, 1, 501, 23.8, 14.4, 3},
        {"1000 x 1000, full window, 3-D", 1000, 3, 0, 5.08, 2.03, 0},
        {"1000 x 1000, 10 % window, 3-D", 1000, 3, 101, 0.894, 0.587, 1},
        {"5000 x 5000, full window, 3-D", 5000, 3, 0, 125.7, 51.1, 2},
        {"5000 x 5000, 10 % window, 3-D", 5000, 3, 501, 23.8, 14.4, 3},
    };
    int npw = quick ? 2 : 8;
    struct {
        const char *name;
        size_t w;
        int flags;
        double readme, plain; /* dtaidistance and the README's plain brute force, ms */
    } sw[] = {
        {"1-vs-10,000 search, len 128, full window, brute", 0, 0, 757, 298},
        {"1-vs-10,000 search, len 128, full window, early abandon", 0, POSE_DTW_SEARCH_ABANDON, 80.9, 298},
        {"1-vs-10,000 search, len 128, full window, LB + abandon", 0, 3, 196, 298},
        {"1-vs-10,000 search, len 128, 10 % window, brute", 13, 0, 92.1, 75.3},
        {"1-vs-10,000 search, len 128, 10 % window, early abandon", 13, POSE_DTW_SEARCH_ABANDON, 23.9, 75.3},
        {"1-vs-10,000 search, len 128, 10 % window, LB + abandon", 13, 3, 19.8, 75.3},
    };
    int nsw = 6;
    int nrows = npw + nsw;
    row *rows = calloc((size_t)nrows, sizeof *rows);
    for (int r = 0; r < nrows; r++) {
        rows[r].ours = calloc((size_t)runs, sizeof(double));
        rows[r].plain = calloc((size_t)runs, sizeof(double));
    }
    int mismatch = 0;
    pose_dtw_search_stats stats[6];
    for (int run = 0; run < runs; run++) {
        for (int r = 0; r < npw; r++) {
            pose_dtw_options o = pose_dtw_defaults();
            o.window = pw[r].w;
            size_t n = pw[r].n, nd = pw[r].ndim;
            double t0 = now_ms();
            double d1 = pose_dtw_distance_ws(a, n, b, n, nd, &o, work, NULL);
            double t1 = now_ms();
            double d2 = nd == 1 ? textbook_1d(a, n, b, n, o.window, prev, cur) : textbook_3d(a, n, b, n, o.window, prev, cur);
            double t2 = now_ms();
            if (fabs(d1 - d2) > 1e-9 * d2) mismatch = 1;
            sink = d1 + d2;
            rows[r].ours[run] = t1 - t0;
            rows[r].plain[run] = t2 - t1;
        }
        /* the same-run anchor for search: brute force with the textbook DP, once per window */
        double plain_ms[2] = {0, 0};
        size_t plain_best[2] = {0, 0};
        for (int wi = 0; wi < 2; wi++) {
            size_t w = wi ? 13 : 0;
            double t0 = now_ms(), best = INFINITY;
            for (size_t k = 0; k < ncand; k++) {
                double d = textbook_1d(cands + k * NQ, NQ, q, NQ, w, prev, cur);
                if (d < best) {
                    best = d;
                    plain_best[wi] = k;
                }
            }
            plain_ms[wi] = now_ms() - t0;
        }
        for (int s = 0; s < nsw; s++) {
            pose_dtw_options o = pose_dtw_defaults();
            o.window = sw[s].w;
            size_t best;
            double d;
            double t0 = now_ms();
            pose_dtw_search(q, NQ, cands, ncand, NQ, &o, sw[s].flags, &best, &d, &stats[s], NULL);
            double t1 = now_ms();
            if (best != plain_best[sw[s].w ? 1 : 0]) mismatch = 1;
            sink = d;
            rows[npw + s].ours[run] = t1 - t0;
            rows[npw + s].plain[run] = plain_ms[sw[s].w ? 1 : 0];
        }
    }
    char cpu[256] = "unknown CPU";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) snprintf(cpu, sizeof cpu, "%s", c + 2);
                cpu[strcspn(cpu, "\n")] = '\0';
                break;
            }
        fclose(ci);
    }
    time_t tt = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&tt));
    printf("pose bench-dtw: %s, %s, %d run(s), one thread, thread CPU time, random walks (fixed seed)%s\n", cpu, date, runs,
           quick ? ", QUICK (500 candidates)" : "");
    printf("| work | pose: median (p10-p90) ms | textbook two-row DP, same run, ms | textbook / pose | dtaidistance (README) ms | README / pose | dtaidistance scaled to this run, ms | scaled / pose |\n");
    printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    /* ratios are taken per run (pose and the textbook ran back to back) and their median printed:
     * that cancels most of the load of a shared machine, which moves both alike */
    double *tb = calloc((size_t)nrows, sizeof *tb), *rt = calloc((size_t)runs, sizeof *rt),
           *rs = calloc((size_t)runs, sizeof *rs);
    for (int r = 0; r < nrows; r++) tb[r] = pct(rows[r].plain, runs, 50);
    for (int r = 0; r < nrows; r++) {
        const char *name = r < npw ? pw[r].name : sw[r - npw].name;
        double readme = r < npw ? pw[r].readme : sw[r - npw].readme;
        double plain = r < npw ? pw[r].plain : sw[r - npw].plain;
        int cal = r < npw ? pw[r].cal : r; /* the row whose textbook time measures this machine now */
        for (int k = 0; k < runs; k++) {
            rt[k] = rows[r].plain[k] / rows[r].ours[k];
            rs[k] = readme * rows[cal].plain[k] / plain / rows[r].ours[k];
        }
        double ratio_tb = pct(rt, runs, 50), ratio_sc = pct(rs, runs, 50);
        double p10 = pct(rows[r].ours, runs, 10), p90 = pct(rows[r].ours, runs, 90), med = pct(rows[r].ours, runs, 50);
        char ratio[32] = "n/a (quick)", sratio[32] = "n/a (quick)", sc[32] = "n/a (quick)";
        if (!quick) {
            snprintf(ratio, sizeof ratio, "%.2fx", readme / med);
            snprintf(sratio, sizeof sratio, "%.2fx", ratio_sc);
            snprintf(sc, sizeof sc, "%.4g", readme * tb[cal] / plain);
        }
        printf("| %s | %.3f (%.3f-%.3f) | %.3f | %.2fx | %.4g | %s | %s | %s |\n", name, med, p10, p90, tb[r], ratio_tb,
               readme, ratio, sc, sratio);
    }
    free(tb);
    free(rt);
    free(rs);
    for (int k = 0; k < nsw; k++)
        if (sw[k].flags)
            printf("%s: of %zu candidates, pruned by LB_Kim %zu, LB_Keogh (query envelope) %zu, LB_Keogh "
                   "(candidate envelope) %zu; DTW abandoned %zu, completed %zu\n",
                   sw[k].name, stats[k].candidates, stats[k].pruned_kim, stats[k].pruned_keogh_q, stats[k].pruned_keogh_c,
                   stats[k].abandoned, stats[k].full_dtw);
    if (mismatch) printf("WARNING: pose and the textbook DP disagree (distance or best index)\n");
    for (int r = 0; r < nrows; r++) {
        free(rows[r].ours);
        free(rows[r].plain);
    }
    free(rows);
    free(a);
    free(b);
    free(prev);
    free(cur);
    free(work);
    free(q);
    free(cands);
    return mismatch ? 1 : 0;
}
