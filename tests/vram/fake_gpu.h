/*
 * fake_gpu.h - a fake vram_gpu_source for tests: a list of cards with set names and memory, or no
 * driver at all, or a driver whose query fails. Header-only (static), one fake per test binary.
 */
#ifndef TESTS_VRAM_FAKE_GPU_H
#define TESTS_VRAM_FAKE_GPU_H

#include <stdio.h>
#include <string.h>

#include "vram.h"

#define FAKE_GIB (1024ull * 1024ull * 1024ull)

typedef struct fake_gpus {
    int absent;           /* open() fails as when libnvidia-ml.so.1 is missing */
    int fail_query;       /* query() of this index + 1 fails (0: never) */
    int n;
    const char *names[4];
    uint64_t total[4], free_[4];
    int opens, closes;
} fake_gpus;

static int fake_open(void *ctx, vram_gpu_system *sys, vram_error *err)
{
    fake_gpus *f = ctx;
    memset(sys, 0, sizeof *sys);
    if (f->absent) {
        if (err) {
            err->code = VRAM_ENOTFOUND;
            snprintf(err->msg, sizeof err->msg, "cannot load libnvidia-ml.so.1: fake says absent");
        }
        return VRAM_ENOTFOUND;
    }
    f->opens++;
    snprintf(sys->driver_version, sizeof sys->driver_version, "550.54.14");
    sys->cuda_driver_version = 12040;
    sys->gpu_count = f->n;
    return VRAM_OK;
}

static int fake_query(void *ctx, int index, vram_gpu_info *g, vram_error *err)
{
    fake_gpus *f = ctx;
    if (f->fail_query == index + 1) {
        if (err) {
            err->code = VRAM_EIO;
            snprintf(err->msg, sizeof err->msg, "GPU %d: fake query failure", index);
        }
        return VRAM_EIO;
    }
    memset(g, 0, sizeof *g);
    g->index = index;
    snprintf(g->name, sizeof g->name, "%s", f->names[index]);
    snprintf(g->uuid, sizeof g->uuid, "GPU-fake-%d", index);
    g->memory_total_bytes = f->total[index];
    g->memory_free_bytes = f->free_[index] ? f->free_[index] : f->total[index] / 2;
    g->memory_used_bytes = g->memory_total_bytes - g->memory_free_bytes;
    g->cc_major = 8;
    g->cc_minor = 9;
    g->power_watts = 42.5;
    g->power_limit_watts = 285;
    g->temperature_celsius = 51;
    g->utilization_gpu = 0.25;
    g->utilization_memory = -1;
    g->process_count = 1;
    g->processes[0].pid = 1234;
    g->processes[0].used_bytes = 1u << 20;
    return VRAM_OK;
}

static void fake_close(void *ctx) { ((fake_gpus *)ctx)->closes++; }

static vram_gpu_source fake_source(fake_gpus *f)
{
    vram_gpu_source s = {"fake", f, fake_open, fake_query, fake_close};
    return s;
}

/* One card of `gib` nominal GB: reported a little below, as real cards do (12 GB -> 11.99 GiB). */
static fake_gpus fake_one(const char *name, double gib)
{
    fake_gpus f;
    memset(&f, 0, sizeof f);
    f.n = 1;
    f.names[0] = name;
    f.total[0] = (uint64_t)(gib * 0.995 * (double)FAKE_GIB);
    return f;
}

#endif
