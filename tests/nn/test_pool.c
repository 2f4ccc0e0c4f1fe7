/*
 * test_pool.c - the model thread pool (src/nn/pool.c): every chunk of every run is executed exactly
 * once, for chunk counts below, equal to and far above the thread count, over thousands of
 * back-to-back runs (the case where a worker wakes late and must not claim a chunk of the next
 * run), with chunks of uneven length; a 1-thread pool runs fn(ctx, 0, 1) once; pools start and stop
 * cleanly (run under ASan/TSan-free builds too). A small ctx passed with its size reaches every
 * chunk as a copy of the current run's ctx (never a stale one); with all threads pinned to one CPU
 * the caller takes over the shares of workers that have not started, still exactly once.
 */
#include <sched.h>
#include <signal.h>
#include <unistd.h>
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

/* The ctx handed by value: the run it belongs to and the run's shared counters. */
typedef struct copy_ctx {
    int run;
    run_ctx *shared;
} copy_ctx;

static void fn_copy(void *vctx, int ith, int nth)
{
    const copy_ctx *c = vctx;
    if (c->run != c->shared->run) c->shared->bad_nth = 1; /* a stale or torn copy */
    fn(c->shared, ith, nth);
}

/* runs back-to-back runs of nth chunks with a copied ctx; returns the runs that went wrong. */
static int run_copies(nn__pool *p, int threads, int runs)
{
    static const int chunks[] = {2, 3, 5, 64, 1, 8};
    int bad = 0;
    for (int r = 0; r < runs; r++) {
        run_ctx c;
        memset(&c, 0, sizeof c);
        int nth = chunks[r % 6];
        c.run = r;
        c.want_nth = threads == 1 || nth <= 1 ? 1 : nth;
        copy_ctx cc = {r, &c};
        nn__pool_run(p, fn_copy, &cc, (int)sizeof cc, nth);
        int ok = !c.bad_nth && atomic_load(&c.calls) == c.want_nth;
        for (int i = 0; i < c.want_nth; i++) ok &= atomic_load(&c.hits[i]) == 1;
        if (!ok && bad++ < 5)
            fprintf(stderr, "copied ctx: threads %d run %d nth %d: calls %d bad %d\n", threads, r, nth,
                    atomic_load(&c.calls), c.bad_nth);
    }
    return bad;
}

static void check_copies(int threads, int runs)
{
    nn__pool *p = nn__pool_create(threads);
    CHECK(p != NULL);
    if (!p) return;
    int bad = run_copies(p, threads, runs);
    CHECK_MSG(bad == 0, "threads %d: %d runs with a copied ctx went wrong", threads, bad);
    nn__pool_free(p);
}

/* All threads on one CPU: a worker often has not started when the caller is done with its share. */
static void check_pinned(int threads, int runs)
{
    cpu_set_t old, one;
    if (sched_getaffinity(0, sizeof old, &old) != 0) {
        printf("SKIP: sched_getaffinity failed: no pinned pool test\n");
        return;
    }
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &old)) cpu++;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        printf("SKIP: sched_setaffinity failed: no pinned pool test\n");
        return;
    }
    nn__pool *p = nn__pool_create(threads); /* its workers inherit the one CPU */
    CHECK(p != NULL);
    if (p) {
        int bad = run_copies(p, threads, runs);
        CHECK_MSG(bad == 0, "pinned, threads %d: %d runs went wrong", threads, bad);
        printf("pinned to CPU %d, %d threads: the caller took over %ld of %d runs' worker shares\n", cpu, threads,
               nn__pool_steals(p), runs);
        nn__pool_free(p);
    }
    sched_setaffinity(0, sizeof old, &old);
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
        nn__pool_run(p, fn, &c, 0, nth);
        int ok = !c.bad_nth && atomic_load(&c.calls) == c.want_nth;
        for (int i = 0; i < c.want_nth; i++) ok &= atomic_load(&c.hits[i]) == 1;
        if (!ok && bad++ < 5)
            fprintf(stderr, "threads %d run %d nth %d: calls %d bad_nth %d\n", threads, r, nth,
                    atomic_load(&c.calls), c.bad_nth);
    }
    CHECK_MSG(bad == 0, "threads %d: %d runs did not execute each chunk exactly once", threads, bad);
    nn__pool_free(p);
}

/* A lost wakeup or a missed stop hangs rather than fails: the alarm turns that into a failure. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_pool: FAIL: no progress in 120 s (a pool run or free hangs)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(1);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    alarm(120);
    check_pool(1, 50);
    check_pool(2, 1000);
    check_pool(3, 1000);
    check_pool(5, 200);
    check_copies(2, 2000);
    check_copies(3, 500);
    check_pinned(2, 300);
    check_pinned(3, 100);
    for (int i = 0; i < 200; i++) { /* freed before its workers may have started (a hang if they miss the stop) */
        nn__pool *p = nn__pool_create(2 + i % 3);
        CHECK(p != NULL);
        nn__pool_free(p);
    }
    nn__pool_free(NULL);
    return check_report();
}
