/*
 * test_pool.c - the model thread pool (src/nn/pool.c): every chunk of every run is executed exactly
 * once, for chunk counts below, equal to and far above the thread count, over thousands of
 * back-to-back runs (the case where a worker wakes late and must not claim a chunk of the next
 * run), with chunks of uneven length; a 1-thread pool runs fn(ctx, 0, 1) once; pools start and stop
 * cleanly, also when freed before their workers have started (an alarm turns a hang into a
 * failure). A small ctx passed with its size reaches every chunk as a copy of the current run's ctx
 * (never a stale one); with all threads pinned to one CPU, where workers are often late and the
 * caller may run their shares, still exactly once; and with workers made late on purpose between
 * reading a run and claiming their share (the caller runs it, and the worker must not, even runs
 * later). (Also clean under ThreadSanitizer, built by hand:
 * gcc -fsanitize=thread -Isrc/nn -Iinclude -Itests tests/nn/test_pool.c src/nn/pool.c.)
 */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Back-to-back runs of 1-64 chunks, ctx handed by pointer or (copy) by value; returns the runs that
 * did not execute each chunk exactly once with the right nth (and, copied, the current run's ctx). */
static int run_many(nn__pool *p, int threads, int runs, int copy)
{
    static const int chunks[] = {1, 2, 3, 5, 8, 13, 64};
    int bad = 0;
    for (int r = 0; r < runs; r++) {
        run_ctx c;
        memset(&c, 0, sizeof c);
        int nth = chunks[r % 7];
        c.run = r;
        c.want_nth = threads == 1 || nth <= 1 ? 1 : nth;
        copy_ctx cc = {r, &c};
        if (copy) nn__pool_run(p, fn_copy, &cc, (int)sizeof cc, nth);
        else nn__pool_run(p, fn, &c, 0, nth);
        int ok = !c.bad_nth && atomic_load(&c.calls) == c.want_nth;
        for (int i = 0; i < c.want_nth; i++) ok &= atomic_load(&c.hits[i]) == 1;
        if (!ok && bad++ < 5)
            fprintf(stderr, "threads %d run %d nth %d%s: calls %d bad %d\n", threads, r, nth, copy ? " (copied ctx)" : "",
                    atomic_load(&c.calls), c.bad_nth);
    }
    return bad;
}

/* A pool of `threads` through run_many: each chunk of each run exactly once. Returns the shares its
 * caller took over (-1: no pool). */
static long check_runs(const char *what, int threads, int runs, int copy)
{
    nn__pool *p = nn__pool_create(threads);
    CHECK(p != NULL);
    if (!p) return -1;
    CHECK_INT_EQ(nn__pool_threads(p), threads);
    int bad = run_many(p, threads, runs, copy);
    CHECK_MSG(bad == 0, "%s, threads %d: %d runs did not execute each chunk exactly once", what, threads, bad);
    long steals = nn__pool_steals(p);
    nn__pool_free(p);
    return steals;
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
    long steals = check_runs("pinned", threads, runs, 1); /* its workers inherit the one CPU */
    if (steals >= 0)
        printf("pinned to CPU %d, %d threads: the caller took over %ld of %d runs' worker shares\n", cpu, threads,
               steals, runs);
    sched_setaffinity(0, sizeof old, &old);
}

/* Every 4th time a worker is about to claim a share it sleeps 300 us, long past the caller's wait
 * before it runs that share itself, and often past several later runs: the worker must then claim
 * nothing (its claim for the run it read is older than the caller's). */
static atomic_int hook_calls;
static void late_claim(int worker)
{
    (void)worker;
    if (atomic_fetch_add(&hook_calls, 1) % 4 == 3) {
        struct timespec ts = {0, 300000};
        nanosleep(&ts, NULL);
    }
}

static void check_late_claims(int threads, int runs)
{
    nn__pool_claim_hook = late_claim;
    long steals = check_runs("late claims", threads, runs, 1);
    /* steals -1: no pool, already a failure */
    CHECK_MSG(steals != 0, "late claims, threads %d: the caller never ran a late worker's share", threads);
    nn__pool_claim_hook = NULL;
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
    check_runs("ctx by pointer", 1, 50, 0);
    check_runs("ctx by pointer", 2, 1000, 0);
    check_runs("ctx by pointer", 3, 1000, 0);
    check_runs("ctx by pointer", 5, 200, 0);
    check_runs("copied ctx", 2, 2000, 1);
    check_runs("copied ctx", 3, 500, 1);
    check_pinned(2, 300);
    check_pinned(3, 100);
    check_late_claims(2, 400);
    check_late_claims(3, 200);
    for (int i = 0; i < 200; i++) { /* freed before its workers may have started (a hang if they miss the stop) */
        nn__pool *p = nn__pool_create(2 + i % 3);
        CHECK(p != NULL);
        nn__pool_free(p);
    }
    nn__pool_free(NULL);
    return check_report();
}
