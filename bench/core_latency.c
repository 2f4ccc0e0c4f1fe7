/*
 * core_latency.c - the round trip of one cache line between two CPUs, which tells how a virtual
 * machine's vCPUs sit on the host right now: on the 2-vCPU guests of docs/BENCHMARKS.md it is
 * ~60 ns while both share an L3 and ~340 ns while the host has put them on different L3 slices,
 * and the engine's 2-thread figures are 1.3-1.8x slower in the second placement (each thread's
 * kernels slow down, memory-bound steps the most) while two 1-thread processes are not. The host
 * moves vCPUs within seconds, so bench/nn_models.sh measures this right before and after each
 * 2-thread measurement and prints both beside it.
 *
 * Two threads pinned to CPUs A and B hand one atomic counter back and forth; the figure is the
 * median over 7 trials of the mean round trip of 20000 hand-offs.
 *
 * Build and run (bench/nn_models.sh builds it itself):
 *   gcc -O2 -pthread bench/core_latency.c -o /tmp/core_latency && /tmp/core_latency [A B]
 * Prints "core round trip: X ns (CPU A <-> B)"; exits 1 with a message when a CPU is not there.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { HANDOFFS = 20000, TRIALS = 7 };

static _Alignas(64) atomic_int ball;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

typedef struct partner {
    int cpu, rc;
} partner;

/* Answers every odd value with the next even one, TRIALS * HANDOFFS times. */
static void *answer(void *arg)
{
    partner *p = arg;
    p->rc = pin(p->cpu);
    for (int i = 0; i < TRIALS * HANDOFFS; i++) {
        while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 1) {
        }
        atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_cpu(const char *s, int *cpu)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v >= CPU_SETSIZE) return -1;
    *cpu = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    int a = 0, b = 1;
    if (argc != 1 && argc != 3) {
        fprintf(stderr, "usage: %s [CPU_A CPU_B]   (default 0 1)\n", argv[0]);
        return 2;
    }
    if (argc == 3 && (parse_cpu(argv[1], &a) < 0 || parse_cpu(argv[2], &b) < 0 || a == b)) {
        fprintf(stderr, "core_latency: '%s' '%s': two different CPU numbers wanted\n", argv[1], argv[2]);
        return 2;
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        perror("core_latency: sched_getaffinity");
        return 1;
    }
    for (int k = 0; k < 2; k++) {
        int cpu = k ? b : a;
        if (!CPU_ISSET(cpu, &allowed)) {
            fprintf(stderr, "core_latency: CPU %d is not available to this process (%d are)\n", cpu,
                    CPU_COUNT(&allowed));
            return 1;
        }
    }
    if (pin(a) != 0) {
        fprintf(stderr, "core_latency: cannot pin to CPU %d\n", a);
        return 1;
    }
    partner p = {b, 0};
    pthread_t th;
    int rc = pthread_create(&th, NULL, answer, &p);
    if (rc != 0) {
        fprintf(stderr, "core_latency: pthread_create: %s\n", strerror(rc));
        return 1;
    }
    double trial[TRIALS];
    for (int t = 0; t < TRIALS; t++) {
        double t0 = now_ns();
        for (int i = t * HANDOFFS; i < (t + 1) * HANDOFFS; i++) {
            atomic_store_explicit(&ball, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 2) {
            }
        }
        trial[t] = (now_ns() - t0) / HANDOFFS;
    }
    pthread_join(th, NULL);
    if (p.rc != 0) {
        fprintf(stderr, "core_latency: the partner thread could not be pinned to CPU %d\n", b);
        return 1;
    }
    qsort(trial, TRIALS, sizeof trial[0], cmp_double);
    printf("core round trip: %.0f ns (CPU %d <-> %d)\n", trial[TRIALS / 2], a, b);
    return 0;
}
