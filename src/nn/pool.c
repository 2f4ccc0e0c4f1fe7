/*
 * pool.c - the small persistent thread pool of a model. nn__pool_run(fn, ctx, size, nth) wakes the
 * workers, and every chunk ith = 0 .. nth-1 runs exactly once; the caller returns when all are done.
 *
 * Thread t (the caller is 0) owns the share of chunks t, t + n, t + 2n, ... (n threads), so that a
 * step's rows go to the same thread step after step and stay in its caches. What the threads
 * exchange per run is kept to few cache lines, since on a machine whose two CPUs sit on different
 * L3s a line moves between them in 200-500 ns, against a step of 5-100 us:
 *   - the control line, written by the caller once per run as a seqlock (seq odd while it writes,
 *     then the next even value, the run's generation): nth, fn and, when the caller passes its
 *     size, a copy of ctx (the model's step context), so that a worker gets all it needs with the
 *     one miss on seq (a pointer to the caller's stack was one more miss per step);
 *   - per worker, a claim line that only that worker writes in the normal case (the generation it
 *     claimed its share for: a compare-and-swap on a line it owns), and a done line (the
 *     generation it finished), which the caller reads.
 * The first version claimed chunks from one shared counter, with a shared completion count: more
 * line transfers per step on the critical path (bench/pool_latency.c, two 5-us chunks per run:
 * 1.6-1.7 us over the work, now 1.4; with 20-us chunks 2.3 against 1.8-2.0). Chunks of next to no
 * work are the exception: there the caller used to take both before the worker woke (0.2 us),
 * where now it waits for the worker's share (1.1 us); the model pools only steps of >= 2048
 * outputs (nn__step_pooled), which take several microseconds.
 * A worker that the OS has not scheduled when the caller has finished its own share does not hold
 * the step up: the caller takes its share (the same compare-and-swap on the claim line decides who
 * runs it, exactly once), as the shared counter did. A worker reads the run's fields as a seqlock
 * reader (seq, fields, seq again) and claims only a share of the run it read, so a worker waking
 * late can never run a chunk of a later run. Workers spin briefly on seq before
 * sleeping on a condition variable (the caller broadcasts only when one sleeps). Which rows a chunk
 * computes is fixed by (ith, nth) in the kernels, so results never depend on the thread count or on
 * timing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define SPIN 20000
/* Spins of the caller on a worker's done line before it looks at the worker's claim line (reading
 * that line would cost the worker's next claim a transfer, so only a slow worker gets it). */
#define STEAL_SPIN 256

typedef struct control {
    alignas(64) atomic_uint seq;                 /* odd while the caller writes the fields below; the
                                                  * even value after is the run's generation */
    atomic_int nth;
    _Atomic(nn__pool_fn) fn;
    _Atomic(void *) ctx;                         /* the caller's ctx, when no copy is made */
    atomic_int ctx_size;                         /* bytes of ctx copied into buf (0: none) */
    atomic_int stop;
    alignas(8) unsigned char buf[NN__POOL_CTX_MAX]; /* written with relaxed byte stores: see copy_in */
} control;

typedef struct worker_line {
    alignas(64) atomic_uint gen;                 /* claim: the run this share was claimed for */
} worker_line;

struct nn__pool {
    control c;
    int n;                    /* threads including the caller */
    pthread_t *th;
    worker_line *claim, *done; /* [n]; index 0 unused */
    pthread_mutex_t mu;
    pthread_cond_t start;
    atomic_int sleepers;      /* workers waiting on start */
    long steals;              /* shares the caller took over (the caller's own counter) */
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

/* The ctx copy is written and read with relaxed atomic byte accesses: a late worker may read it
 * while the caller writes the next run's (the seqlock check then discards what it read), which
 * plain accesses would make a data race. */
static void copy_in(control *c, const void *ctx, int size)
{
    const unsigned char *s = ctx;
    for (int i = 0; i < size; i++) atomic_store_explicit((_Atomic unsigned char *)&c->buf[i], s[i], memory_order_relaxed);
}

static void copy_out(control *c, unsigned char *d, int size)
{
    for (int i = 0; i < size; i++) d[i] = atomic_load_explicit((_Atomic unsigned char *)&c->buf[i], memory_order_relaxed);
}

void (*nn__pool_claim_hook)(int worker);

/* Runs thread t's share of a run of nth chunks. */
static void run_share(nn__pool_fn fn, void *ctx, int t, int n, int nth)
{
    for (int i = t; i < nth; i += n) fn(ctx, i, nth);
}

static void *worker(void *argv)
{
    worker_arg *a = argv;
    nn__pool *p = a->pool;
    int t = a->ith;
    free(a);
    control *c = &p->c;
    unsigned seen = 0; /* seq's initial value: a worker that starts after a run was published runs it */
    alignas(8) unsigned char local[NN__POOL_CTX_MAX];
    for (;;) {
        unsigned g;
        int spins = 0;
        while (((g = atomic_load_explicit(&c->seq, memory_order_acquire)) == seen || (g & 1)) && spins < SPIN) {
            cpu_relax(spins);
            spins++;
        }
        if (g == seen || (g & 1)) {
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1); /* seq_cst: the caller's bump, then its load of sleepers */
            while ((g = atomic_load(&c->seq)) == seen || (g & 1)) pthread_cond_wait(&p->start, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (atomic_load(&c->stop)) return NULL;
        /* Run g's fields, as a seqlock reader: valid only if seq has not moved meanwhile (the
         * caller may already be writing a later run's, where this worker had no share in g). */
        int nth = atomic_load_explicit(&c->nth, memory_order_relaxed);
        nn__pool_fn fn = atomic_load_explicit(&c->fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&c->ctx, memory_order_relaxed);
        int size = atomic_load_explicit(&c->ctx_size, memory_order_relaxed);
        if (size > 0) copy_out(c, local, size);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&c->seq, memory_order_relaxed) != g) continue; /* a later run: wait no more */
        if (t >= nth) continue;
        if (nn__pool_claim_hook) nn__pool_claim_hook(t);
        /* Claims only move forward: a claim of g or later means the caller took this share of g (and
         * may have gone on to later runs while this worker was descheduled after reading g). */
        unsigned old = atomic_load_explicit(&p->claim[t].gen, memory_order_relaxed);
        if ((int)(g - old) <= 0 || !atomic_compare_exchange_strong_explicit(&p->claim[t].gen, &old, g,
                                                                          memory_order_acq_rel, memory_order_relaxed))
            continue;
        run_share(fn, size > 0 ? (void *)local : ctx, t, p->n, nth);
        atomic_store_explicit(&p->done[t].gen, g, memory_order_release);
    }
}

nn__pool *nn__pool_create(int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    nn__pool *p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->n = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->start, NULL);
    if (nthreads > 1) {
        size_t lines = ((size_t)nthreads * sizeof(worker_line) + 63) / 64 * 64;
        p->th = calloc((size_t)nthreads, sizeof *p->th);
        p->claim = aligned_alloc(64, lines);
        p->done = aligned_alloc(64, lines);
        if (!p->th || !p->claim || !p->done) goto fail;
        memset(p->claim, 0, lines);
        memset(p->done, 0, lines);
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
        atomic_store(&p->c.stop, 1);
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->c.seq, 2);
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->start);
    free(p->th);
    free(p->claim);
    free(p->done);
    free(p);
}

int nn__pool_threads(const nn__pool *p) { return p ? p->n : 1; }

long nn__pool_steals(const nn__pool *p) { return p ? p->steals : 0; }

void nn__pool_run(nn__pool *p, nn__pool_fn fn, void *ctx, int ctx_size, int nth)
{
    if (p->n == 1 || nth <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    control *c = &p->c;
    int size = ctx_size > 0 && ctx_size <= NN__POOL_CTX_MAX ? ctx_size : 0;
    unsigned g = atomic_load_explicit(&c->seq, memory_order_relaxed) + 2;
    atomic_store_explicit(&c->seq, g - 1, memory_order_relaxed); /* odd: writing */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&c->nth, nth, memory_order_relaxed);
    atomic_store_explicit(&c->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&c->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&c->ctx_size, size, memory_order_relaxed);
    if (size > 0) copy_in(c, ctx, size);
    atomic_store(&c->seq, g); /* seq_cst: ordered before the load of sleepers (see worker) */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->start);
        pthread_mutex_unlock(&p->mu);
    }
    run_share(fn, ctx, 0, p->n, nth);
    int shares = nth < p->n ? nth : p->n;
    for (int t = 1; t < shares; t++) {
        int spins = 0, claimed = 0;
        while (atomic_load_explicit(&p->done[t].gen, memory_order_acquire) != g) {
            if (spins >= STEAL_SPIN && !claimed) { /* slow to finish: has it even started? */
                unsigned old = atomic_load_explicit(&p->claim[t].gen, memory_order_relaxed);
                if (old != g && atomic_compare_exchange_strong_explicit(&p->claim[t].gen, &old, g,
                                                                        memory_order_acq_rel, memory_order_relaxed)) {
                    run_share(fn, ctx, t, p->n, nth); /* not started: its share is the caller's */
                    p->steals++;
                    break;
                }
                claimed = 1; /* it has: only its done line from here (a read of the claim line per
                              * spin would cost its next claim a transfer) */
            }
            cpu_relax(spins);
            spins++;
        }
    }
}
