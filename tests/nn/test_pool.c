/*
 * test_pool.c - the model thread pool (src/nn/pool.c): every chunk of every run is executed exactly
 * once, for chunk counts below, equal to and far above the thread count, over thousands of
 * back-to-back runs (the case where a worker wakes late and must not claim a chunk of the next
 * run), with chunks of uneven length; a 1-thread pool runs fn(ctx, 0, 1) once; pools start and stop
 * cleanly (run under ASan/TSan-free builds too).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "nn_internal.h"

enum { MAXCH = 64 };

typedef struct run_ctx {
    int run;
    atomic_int hits[MAXCH];
    atomic_int calls;
    int bad_nth;
    int want_nth;
} run_ctx;

static void fn(void *vctx, int ith, int nth)
{
    run_ctx *c = vctx;
    if (nth != c->want_nth || ith < 0 || ith >= MAXCH) {
        c->bad_nth = 1;
        return;
    }
    atomic_fetch_add(&c->hits[ith], 1);
    atomic_fetch_add(&c->calls, 1);
    if ((ith + c->run) % 7 == 0) { /* uneven chunks: some take ~20 us */
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

static void check_pool(int threads, int runs)
{
    nn__pool *p = nn__pool_create(threads);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_INT_EQ(nn__pool_threads(p), threads);
    static const int chunks[] = {1, 2, 3, 5, 8, 13, 64};
    int bad = 0;
    for (int r = 0; r < runs; r++) {
        run_ctx c;
        memset(&c, 0, sizeof c);
        int nth = chunks[r % 7];
        c.run = r;
        c.want_nth = threads == 1 || nth <= 1 ? 1 : nth;
        nn__pool_run(p, fn, &c, nth);
        int ok = !c.bad_nth && atomic_load(&c.calls) == c.want_nth;
        for (int i = 0; i < c.want_nth; i++) ok &= atomic_load(&c.hits[i]) == 1;
        if (!ok && bad++ < 5)
            fprintf(stderr, "threads %d run %d nth %d: calls %d bad_nth %d\n", threads, r, nth,
                    atomic_load(&c.calls), c.bad_nth);
    }
    CHECK_MSG(bad == 0, "threads %d: %d runs did not execute each chunk exactly once", threads, bad);
    nn__pool_free(p);
}

int main(void)
{
    check_pool(1, 50);
    check_pool(2, 1000);
    check_pool(3, 1000);
    check_pool(5, 200);
    nn__pool_free(NULL);
    return check_report();
}
