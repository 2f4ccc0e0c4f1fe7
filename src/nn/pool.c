/*
 * pool.c - the small persistent thread pool of a model. nn__pool_run(fn, ctx, nth) wakes the
 * workers, runs fn(ctx, 0, nth) on the caller and waits for the rest. Steps follow each other within
 * microseconds, so workers spin briefly on a generation counter before sleeping on a condition
 * variable, and the caller spins briefly before waiting for the last worker. Which rows a thread
 * computes is fixed by (ith, nth) in the kernels, so results never depend on the thread count or
 * on timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nn_internal.h"

#define SPIN 20000

struct nn__pool {
    int n;                    /* threads including the caller */
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t start, done;
    atomic_uint gen;          /* bumped once per run */
    atomic_int pending;       /* workers not yet finished with this run */
    atomic_int stop;
    nn__pool_fn fn;
    void *ctx;
    int nth;
};

typedef struct worker_arg {
    nn__pool *pool;
    int ith;
} worker_arg;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker(void *argv)
{
    worker_arg *a = argv;
    nn__pool *p = a->pool;
    int ith = a->ith;
    free(a);
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen && spins < SPIN) {
            cpu_relax();
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load(&p->gen)) == seen) pthread_cond_wait(&p->start, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (atomic_load(&p->stop)) return NULL;
        if (ith < p->nth) p->fn(p->ctx, ith, p->nth);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
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
    if (nth > p->n) nth = p->n;
    if (p->n == 1 || nth <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->nth = nth;
    atomic_store(&p->pending, p->n - 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0, nth);
    int spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0 && spins < SPIN) {
        cpu_relax();
        spins++;
    }
    if (atomic_load(&p->pending) != 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) != 0) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
