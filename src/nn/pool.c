/*
 * pool.c - the small persistent thread pool of a model. nn__pool_run(fn, ctx, nth) wakes the
 * workers and then the caller and the workers claim the chunks ith = 0 .. nth-1 from one atomic
 * counter, each chunk exactly once, until none is left; the caller returns when all are done.
 * Claiming instead of assigning chunk i to thread i matters on a busy machine: a worker that the OS
 * has not scheduled yet simply claims nothing, and the others do its share (with a fixed split the
 * step waited for it). The counter carries the run's generation in its high 32 bits, so a worker
 * that wakes late can never claim a chunk of a later run. Steps follow each other within
 * microseconds, so workers spin briefly on the generation before sleeping on a condition variable,
 * and the caller spins briefly before waiting for the last chunk. Which rows a chunk computes is
 * fixed by (ith, nth) in the kernels, so results never depend on the thread count or on timing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn_internal.h"

#define SPIN 20000

struct nn__pool {
    int n;                    /* threads including the caller */
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    atomic_uint gen;          /* bumped once per run */
    atomic_uint_least64_t claim; /* (generation << 32) | next unclaimed chunk of that run */
    atomic_int finished;      /* chunks of the current run done */
    atomic_int stop;
    _Atomic(nn__pool_fn) fn;  /* the current run (written before gen is bumped) */
    _Atomic(void *) ctx;
    atomic_int nth;
};

typedef struct worker_arg {
    nn__pool *pool;
    int ith;
} worker_arg;

/* One step of a spin-wait. Every 64th step yields the CPU, so that on an oversubscribed machine a
 * waiting thread does not take the time slice of the thread it waits for. */
static inline void cpu_relax(int spins)
{
    if ((spins & 63) == 63) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims and runs chunks of run g until none is left (or the counter belongs to another run). */
static void work(nn__pool *p, unsigned g, nn__pool_fn fn, void *ctx, int nth, int worker)
{
    uint_least64_t v = atomic_load_explicit(&p->claim, memory_order_acquire);
    for (;;) {
        if ((unsigned)(v >> 32) != g || (int64_t)(v & 0xFFFFFFFFu) >= nth) return;
        if (!atomic_compare_exchange_weak_explicit(&p->claim, &v, v + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        fn(ctx, (int)(v & 0xFFFFFFFFu), nth);
        if (atomic_fetch_add_explicit(&p->finished, 1, memory_order_acq_rel) == nth - 1 && worker) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
        v = atomic_load_explicit(&p->claim, memory_order_acquire);
    }
}

static void *worker(void *argv)
{
    worker_arg *a = argv;
    nn__pool *p = a->pool;
    free(a);
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen && spins < SPIN) {
            cpu_relax(spins);
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load(&p->gen)) == seen) pthread_cond_wait(&p->start, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (atomic_load(&p->stop)) return NULL;
        work(p, g, atomic_load_explicit(&p->fn, memory_order_relaxed),
             atomic_load_explicit(&p->ctx, memory_order_relaxed),
             atomic_load_explicit(&p->nth, memory_order_relaxed), 1);
    }
}

nn__pool *nn__pool_create(int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    nn__pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    if (nthreads > 1) {
        p->th = calloc((size_t)nthreads, sizeof *p->th);
        if (!p->th) goto fail;
        for (int i = 1; i < nthreads; i++) {
            worker_arg *a = malloc(sizeof *a);
            if (!a) goto fail;
            a->pool = p;
            a->ith = i;
            if (pthread_create(&p->th[i], NULL, worker, a) != 0) {
                free(a);
                goto fail;
            }
            p->n++;
        }
    }
    return p;
fail:
    nn__pool_free(p);
    return NULL;
}

void nn__pool_free(nn__pool *p)
{
    if (!p) return;
    if (p->n > 1) {
        atomic_store(&p->stop, 1);
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->gen, 1);
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    pthread_cond_destroy(&p->done);
    free(p->th);
    free(p);
}

int nn__pool_threads(const nn__pool *p) { return p ? p->n : 1; }

void nn__pool_run(nn__pool *p, nn__pool_fn fn, void *ctx, int nth)
{
    if (p->n == 1 || nth <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    unsigned g = atomic_load(&p->gen) + 1;
    /* Close the previous run's counter first: a late worker's claim for it must fail from here on,
     * before fn/ctx/nth change under it. */
    atomic_store(&p->claim, (uint_least64_t)g << 32);
    atomic_store(&p->finished, 0);
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&p->nth, nth, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->gen, g, memory_order_release);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    work(p, g, fn, ctx, nth, 0);
    int spins = 0;
    while (atomic_load_explicit(&p->finished, memory_order_acquire) != nth && spins < SPIN) {
        cpu_relax(spins);
        spins++;
    }
    if (atomic_load(&p->finished) != nth) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->finished) != nth) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
