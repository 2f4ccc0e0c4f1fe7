/* test_planner.c - the static planner: validity on random sets (no two conflicting tensors overlap in
 * memory), peak >= lower bound, the exact search equals an independent brute force on tiny cases,
 * how close the heuristic gets to that optimum, the CSV parser's errors, fault injection. */
#include "check.h"
#include "mem_internal.h"
#include "vram.h"

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* 1 when the plan is valid: aligned offsets, conflicting tensors disjoint, all within peak. */
static int valid(const vram_plan_tensor *t, size_t n, uint64_t a, uint64_t peak)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t si = align_up(t[i].size, a);
        if (t[i].offset % a) return 0;
        if (si && t[i].offset + si > peak) return 0;
        for (size_t j = i + 1; j < n; j++) {
            uint64_t sj = align_up(t[j].size, a);
            if (!si || !sj) continue;
            int live = t[i].first <= t[j].last && t[j].first <= t[i].last;
            int mem = t[i].offset < t[j].offset + sj && t[j].offset < t[i].offset + si;
            if (live && mem) return 0;
        }
    }
    return 1;
}

/* Independent brute force: every assignment of offsets from the candidate set {0} U {ends of others}
 * (an optimal plan can be pushed down until each tensor sits at 0 or on top of another), recursively. */
static uint64_t bf_best;
static void bf(const vram_plan_tensor *t, size_t n, const uint64_t *sz, uint64_t *off, size_t k, uint64_t peak)
{
    if (peak >= bf_best) return;
    if (k == n) {
        bf_best = peak;
        return;
    }
    /* candidates: 0 and the end of every tensor already assigned (sums of sizes along chains) */
    for (size_t c = 0; c <= k; c++) {
        uint64_t o = c == k ? 0 : off[c] + sz[c];
        int ok = 1;
        for (size_t j = 0; j < k && ok; j++) {
            int live = t[k].first <= t[j].last && t[j].first <= t[k].last;
            if (live && o < off[j] + sz[j] && off[j] < o + sz[k]) ok = 0;
        }
        if (!ok) continue;
        off[k] = o;
        bf(t, n, sz, off, k + 1, o + sz[k] > peak ? o + sz[k] : peak);
    }
}

/* The brute force above only tries offsets on top of tensors placed earlier in index order; run it on
 * every permutation of the indices so that "on top of any tensor" is covered. */
static uint64_t brute_force(const vram_plan_tensor *t0, size_t n, uint64_t a)
{
    vram_plan_tensor t[8];
    uint64_t sz[8], off[8];
    size_t perm[8];
    for (size_t i = 0; i < n; i++) perm[i] = i;
    bf_best = UINT64_MAX;
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            t[i] = t0[perm[i]];
            sz[i] = align_up(t[i].size, a);
        }
        bf(t, n, sz, off, 0, 0);
        /* next permutation (lexicographic) */
        size_t i = n - 1;
        while (i > 0 && perm[i - 1] >= perm[i]) i--;
        if (i == 0) break;
        size_t j = n - 1;
        while (perm[j] <= perm[i - 1]) j--;
        size_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
        for (size_t l = i, r = n - 1; l < r; l++, r--) {
            tmp = perm[l];
            perm[l] = perm[r];
            perm[r] = tmp;
        }
    }
    return bf_best;
}

static void random_set(vram_plan_tensor *t, size_t n, int steps, uint64_t maxsize)
{
    for (size_t i = 0; i < n; i++) {
        int a = (int)(rnd() % (uint64_t)steps), b = (int)(rnd() % (uint64_t)steps);
        t[i].first = a < b ? a : b;
        t[i].last = a < b ? b : a;
        t[i].size = 1 + rnd() % maxsize;
        t[i].offset = 0;
    }
}

static void test_small_known(void)
{
    vram_error err = {0};
    vram_plan_result r;
    /* a chain: each tensor overlaps only its neighbours: two slots suffice */
    vram_plan_tensor t[4] = {{1000, 0, 1, 0}, {2000, 1, 2, 0}, {1000, 2, 3, 0}, {2000, 3, 4, 0}};
    CHECK_INT_EQ(vram_plan_offsets(t, 4, 256, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.no_reuse, 1024 + 2048 + 1024 + 2048);
    CHECK_INT_EQ(r.lower_bound, 1024 + 2048);
    CHECK_INT_EQ(r.peak, 1024 + 2048);
    CHECK(valid(t, 4, 256, r.peak));
    /* alignment 0 means 1; zero sizes take no room */
    vram_plan_tensor z[3] = {{0, 0, 5, 7}, {10, 0, 5, 0}, {3, 2, 2, 0}};
    CHECK_INT_EQ(vram_plan_offsets(z, 3, 0, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.peak, 13);
    CHECK_INT_EQ(r.lower_bound, 13);
    CHECK_INT_EQ(r.no_reuse, 13);
    CHECK_INT_EQ(z[0].offset, 0);
    /* empty plan, NULL result allowed */
    CHECK_INT_EQ(vram_plan_offsets(NULL, 0, 64, &r, &err), VRAM_OK);
    CHECK_INT_EQ(r.peak, 0);
    CHECK_INT_EQ(vram_plan_offsets(t, 4, 64, NULL, &err), VRAM_OK);
}

static void test_errors(void)
{
    vram_error err = {0};
    vram_plan_result r;
    vram_plan_tensor t[2] = {{10, 0, 1, 0}, {10, 3, 2, 0}};
    CHECK_INT_EQ(vram_plan_offsets(t, 2, 8, &r, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "tensor 1") != NULL);
    t[1].first = -1;
    CHECK_INT_EQ(vram_plan_offsets(t, 2, 8, &r, &err), VRAM_EINVAL);
    t[1].first = 2;
    t[1].last = 3;
    CHECK_INT_EQ(vram_plan_offsets(t, 2, 3, &r, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "power of two") != NULL);
    t[0].size = UINT64_MAX;
    CHECK_INT_EQ(vram_plan_offsets(t, 2, 8, &r, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "overflows") != NULL);
    t[0].size = UINT64_MAX - 100;
    t[1].size = 200;
    CHECK_INT_EQ(vram_plan_offsets(t, 2, 1, &r, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "total") != NULL);
}

static void test_random_valid(void)
{
    vram_error err = {0};
    static vram_plan_tensor t[300];
    for (int round = 0; round < 60; round++) {
        size_t n = 1 + rnd() % (round < 30 ? 40 : 300);
        uint64_t a = (uint64_t)1 << (rnd() % 9);
        random_set(t, n, 2 + (int)(rnd() % 60), 1 + rnd() % 100000);
        vram_plan_result r;
        CHECK_INT_EQ(vram_plan_offsets(t, n, a, &r, &err), VRAM_OK);
        CHECK_MSG(valid(t, n, a, r.peak), "round %d: invalid plan", round);
        CHECK(r.peak >= r.lower_bound);
        CHECK(r.peak <= r.no_reuse);
        /* the heuristic on random sets stays close to the lower bound (measured: within 15 %) */
        if (getenv("PLAN_VERBOSE")) printf("n=%zu ratio %.3f\n", n, (double)r.peak / (double)r.lower_bound);
        CHECK_MSG((double)r.peak <= 1.25 * (double)r.lower_bound, "round %d: peak %llu vs lb %llu", round,
                  (unsigned long long)r.peak, (unsigned long long)r.lower_bound);
    }
    /* whole-run tensors go first: with one long-lived big tensor it sits at offset 0 */
    vram_plan_tensor w[12];
    random_set(w, 12, 10, 5000);
    w[5] = (vram_plan_tensor){1, 0, 9, 0};
    w[0].first = 0;
    w[0].last = 9;
    w[0].size = 1u << 20;
    vram_plan_result r;
    CHECK_INT_EQ(vram__plan_run(w, 12, 1, 0, &r, &err), VRAM_OK);
    CHECK(valid(w, 12, 1, r.peak));
    CHECK_INT_EQ(w[0].offset, 0);
}

static void test_brute_force(void)
{
    vram_error err = {0};
    int exact_equal = 0, heur_equal = 0, cases = 0;
    double worst = 1.0, sum = 0;
    for (int round = 0; round < 400; round++) {
        vram_plan_tensor t[6], h[6];
        size_t n = 1 + rnd() % 6;
        random_set(t, n, 2 + (int)(rnd() % 6), round % 2 ? 9 : 1000);
        memcpy(h, t, sizeof t);
        uint64_t opt = brute_force(t, n, 1);
        vram_plan_result r, rh;
        CHECK_INT_EQ(vram_plan_offsets(t, n, 1, &r, &err), VRAM_OK);
        CHECK(valid(t, n, 1, r.peak));
        exact_equal += r.peak == opt;
        CHECK_MSG(r.peak == opt, "round %d: exact search %llu, brute force %llu", round,
                  (unsigned long long)r.peak, (unsigned long long)opt);
        CHECK_INT_EQ(vram__plan_run(h, n, 1, 0, &rh, &err), VRAM_OK);
        CHECK(valid(h, n, 1, rh.peak));
        CHECK(rh.peak >= opt);
        heur_equal += rh.peak == opt;
        double ratio = (double)rh.peak / (double)opt;
        if (ratio > worst) worst = ratio;
        sum += ratio;
        cases++;
    }
    printf("planner vs brute force on %d cases of <= 6 tensors: exact search optimal in %d; heuristic alone "
           "optimal in %d, mean ratio %.4f, worst %.3f\n",
           cases, exact_equal, heur_equal, sum / cases, worst);
    /* the heuristic alone is documented (docs/VRAM.md) as within 1.5x on these tiny cases */
    CHECK(worst <= 1.5);
    CHECK(heur_equal * 10 >= cases * 8);
}

static void test_csv(void)
{
    vram_error err = {0};
    vram_plan_tensor *t;
    size_t n;
    const char *ok = "size,first,last\r\n# comment\n\n100,0,1\n 200 , 1 , 2 \n300,2,2";
    CHECK_INT_EQ(vram_plan_csv_parse(ok, strlen(ok), "a.csv", &t, &n, &err), VRAM_OK);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(t[1].size, 200);
    CHECK_INT_EQ(t[1].first, 1);
    CHECK_INT_EQ(t[2].last, 2);
    free(t);
    const char *noheader = "5,0,0\n";
    CHECK_INT_EQ(vram_plan_csv_parse(noheader, strlen(noheader), NULL, &t, &n, &err), VRAM_OK);
    CHECK_INT_EQ(n, 1);
    free(t);
    struct { const char *text, *want; } bad[] = {
        {"size,first,last\n1,2\n", "a.csv:2: expected 3 fields"},
        {"1,2,3,4\n", "a.csv:1: expected 3 fields size,first,last, found more"},
        {"1,5,3\n", "a.csv:1: first (5) is after last (3)"},
        {"1,0,1\nx,0,1\n", "a.csv:2: size: 'x'"},
        {"1,0,1\n1,-1,1\n", "a.csv:2: first: '-1'"},
        {"1,0,2147483648\n", "a.csv:1: last"},
        {"99999999999999999999,0,1\n", "a.csv:1: size"},
        {"1,0,\n", "a.csv:1: last: ''"},
        {"1,0,1\n1,0\0,1\n", "a.csv:2: NUL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = strlen(bad[i].text);
        if (strstr(bad[i].want, "NUL")) len = 12;
        t = (vram_plan_tensor *)1;
        CHECK_INT_EQ(vram_plan_csv_parse(bad[i].text, len, "a.csv", &t, &n, &err), VRAM_EINVAL);
        CHECK_MSG(strstr(err.msg, bad[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
        CHECK(t == NULL);
    }
    CHECK_INT_EQ(vram_plan_csv_load("/nonexistent/x.csv", &t, &n, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "/nonexistent/x.csv") != NULL);
    CHECK_INT_EQ(vram_plan_csv_load("/", &t, &n, &err), VRAM_EIO);
}

static void test_faults(void)
{
    /* fail every host allocation in turn: clean VRAM_ENOMEM, no leak (ASan), then success */
    vram_plan_tensor t[20];
    random_set(t, 20, 8, 1000);
    char path[4200];
    snprintf(path, sizeof path, "%s/faults.csv", check_tmp_dir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    for (int i = 0; i < 100; i++) fprintf(f, "%d,%d,%d\n", 10 + i, i, i + 3);
    fclose(f);
    int ok_seen = 0;
    for (long k = 1; k < 40 && !ok_seen; k++) {
        vram_error err = {0};
        vram_plan_result r;
        vram_plan_tensor *lt = NULL;
        size_t n = 0;
        vram__fault_set(k);
        int rc = vram_plan_offsets(t, 20, 8, &r, &err);
        int rc2 = vram_plan_csv_load(path, &lt, &n, &err);
        long used = vram__fault_count();
        vram__fault_set(0);
        free(lt);
        CHECK(rc == VRAM_OK || rc == VRAM_ENOMEM);
        CHECK(rc2 == VRAM_OK || rc2 == VRAM_ENOMEM);
        if (rc == VRAM_ENOMEM || rc2 == VRAM_ENOMEM) CHECK(strstr(err.msg, "out of host memory") != NULL);
        if (k > used) ok_seen = 1;
    }
    CHECK(ok_seen);
}

int main(void)
{
    test_small_known();
    test_errors();
    test_random_valid();
    test_brute_force();
    test_csv();
    test_faults();
    return check_report();
}
