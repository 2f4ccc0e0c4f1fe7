/*
 * vram_sim.c - `vram sim --capacity BYTES [--budget F] [--swap] TRACE.jsonl`: replay an allocation
 * trace through the caching allocator on the simulated device (addresses only, so any capacity works)
 * and print one JSON object: peak_allocated (requested bytes), peak_reserved, fragmentation_ratio at
 * the peak of allocated bytes, oom_count, retries, and with --swap the swapper's counters (then
 * allocations past the threshold evict live blocks to host instead of failing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vram.h"
#include "vram_cmds.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram sim --capacity BYTES [--budget F] [--swap] [--threshold F] [--snapshot FILE]\n"
            "                [--device sim|cuda] TRACE.jsonl\n\n"
            "Replay an allocation trace (docs/VRAM.md \"Trace format\") through the caching allocator on a\n"
            "simulated device and print the peaks, the fragmentation and the OOM/retry counts as JSON.\n\n"
            "  --capacity BYTES  device memory (suffixes K, M, G, T: powers of 1024)\n"
            "  --budget F        the pool's hard limit as a fraction of the capacity (default 1.0)\n"
            "  --swap            evict live allocations to host past the threshold instead of failing\n"
            "  --threshold F     with --swap: the fraction of the budget that starts evictions (0.85)\n"
            "  --snapshot FILE   write the pool's JSON snapshot at the end of the replay\n"
            "  --device cuda     replay on the real GPU instead (capacity: the GPU's memory; scripts/gpu-check)\n"
            "  --help            this text\n");
}

static int parse_bytes(const char *s, uint64_t *out)
{
    char *e;
    if (!*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &e, 10);
    int shift = 0;
    if (*e == 'K' || *e == 'k') shift = 10;
    else if (*e == 'M' || *e == 'm') shift = 20;
    else if (*e == 'G' || *e == 'g') shift = 30;
    else if (*e == 'T' || *e == 't') shift = 40;
    if (shift) e++;
    if (*e || e == s || (shift && v > (UINT64_MAX >> shift))) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_fraction(const char *s, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (*e || e == s || !(v > 0 && v <= 1)) return -1;
    *out = v;
    return 0;
}

typedef struct replay {
    vram_device_t *dev;
    vram_pool_t *pool;
    vram_swap_t *swap;
    vram_stream_t *streams[16];
    uint64_t stream_ids[16];
    int nstreams;
    uint64_t peak_requested;
    double frag_at_peak;
    uint64_t skipped_frees, ooms;
} replay;

static vram_stream_t *stream_for(replay *r, uint64_t id, vram_error *err)
{
    if (id == 0) return NULL;
    for (int i = 0; i < r->nstreams; i++)
        if (r->stream_ids[i] == id) return r->streams[i];
    if (r->nstreams == 16) return NULL; /* more than 16 streams: the rest share the default stream */
    if (vram_device_stream_create(r->dev, &r->streams[r->nstreams], err) < 0) return NULL;
    r->stream_ids[r->nstreams] = id;
    return r->streams[r->nstreams++];
}

static int run(replay *r, const char *path, const vram_trace_event *ev, size_t n, vram_error *err)
{
    vram_idmap m = {NULL, 0, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const vram_trace_event *e = &ev[i];
        vram_idmap_slot *s = vram_idmap_find(&m, e->id, e->op == VRAM_TRACE_ALLOC);
        if (e->op == VRAM_TRACE_ALLOC) {
            if (!s) {
                snprintf(err->msg, sizeof err->msg, "%s:%ld: out of memory", path, e->line);
                rc = 1;
                break;
            }
            if (s->ptr || s->sid) {
                snprintf(err->msg, sizeof err->msg, "%s:%ld: id %llu is allocated already (line before)", path, e->line,
                         (unsigned long long)e->id);
                rc = 1;
                break;
            }
            vram_error ae = {0};
            int arc = r->swap ? vram_swap_alloc(r->swap, e->size, e->tag, &s->sid, &ae)
                              : vram_pool_alloc(r->pool, e->size, stream_for(r, e->stream, &ae), e->tag, &s->ptr, &ae);
            if (arc == VRAM_EOOM) { /* the trace goes on without this block */
                r->ooms++;
                vram_idmap_remove(&m, s);
                continue;
            }
            if (arc < 0) {
                snprintf(err->msg, sizeof err->msg, "%s:%ld: %.400s", path, e->line, ae.msg);
                rc = 1;
                break;
            }
            vram_pool_stats st;
            vram_pool_stats_get(r->pool, &st);
            if (st.requested_bytes.current > r->peak_requested) {
                r->peak_requested = st.requested_bytes.current;
                r->frag_at_peak = st.fragmentation_ratio;
            }
        } else {
            if (!s) { /* its alloc failed with OOM (counted), or the trace is cut: skip, count */
                r->skipped_frees++;
                continue;
            }
            if (r->swap) vram_swap_free(r->swap, s->sid);
            else vram_pool_free(r->pool, s->ptr);
            vram_idmap_remove(&m, s);
        }
    }
    vram_idmap_free(&m);
    return rc;
}

int cmd_sim(int argc, char **argv)
{
    const char *path = NULL, *snapshot = NULL, *device = "sim";
    uint64_t capacity = 0;
    double budget = 1.0, threshold = 0.85;
    int swap = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc) {
            if (parse_bytes(argv[++i], &capacity) < 0 || capacity == 0) {
                fprintf(stderr, "vram sim: --capacity '%s' is not a byte count (e.g. 8G)\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            if (parse_fraction(argv[++i], &budget) < 0) {
                fprintf(stderr, "vram sim: --budget '%s' is not a fraction in (0, 1]\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc) {
            if (parse_fraction(argv[++i], &threshold) < 0) {
                fprintf(stderr, "vram sim: --threshold '%s' is not a fraction in (0, 1]\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device = argv[++i];
            if (strcmp(device, "sim") != 0 && strcmp(device, "cuda") != 0) {
                fprintf(stderr, "vram sim: --device '%s' is not sim or cuda\n", device);
                return 2;
            }
        } else if (strcmp(argv[i], "--snapshot") == 0 && i + 1 < argc) {
            snapshot = argv[++i];
        } else if (strcmp(argv[i], "--swap") == 0) {
            swap = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vram sim: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "vram sim: one TRACE.jsonl only ('%s')\n", argv[i]);
            return 2;
        }
    }
    int is_sim = strcmp(device, "sim") == 0;
    if (!path || (!capacity && is_sim)) {
        fprintf(stderr, "vram sim: %s\n", !path ? "a TRACE.jsonl is needed" : "--capacity is needed");
        usage(stderr);
        return 2;
    }
    vram_error err = {0};
    vram_trace_event *ev = NULL;
    size_t n = 0;
    if (vram_trace_load(path, &ev, &n, &err) < 0) {
        fprintf(stderr, "vram sim: %s\n", err.msg);
        return 1;
    }
    replay r;
    memset(&r, 0, sizeof r);
    vram_device_options o = vram_device_defaults();
    o.kind = device;
    o.capacity = capacity;
    o.backed = 0;
    vram_pool_options po = vram_pool_defaults();
    po.budget_fraction = budget;
    po.name = "sim";
    vram_swap_options so = vram_swap_defaults();
    so.threshold = threshold;
    int rc = 1;
    if (!(r.dev = vram_device_create(&o, &err)) || !(r.pool = vram_pool_create(r.dev, &po, &err)) ||
        (swap && !(r.swap = vram_swap_create(r.pool, &so, &err)))) {
        fprintf(stderr, "vram sim: %s\n", err.msg);
        goto done;
    }
    if (run(&r, path, ev, n, &err) != 0) {
        fprintf(stderr, "vram sim: %s\n", err.msg);
        goto done;
    }
    vram_pool_stats st;
    vram_pool_stats_get(r.pool, &st);
    json_t *out = json_pack("{s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I,s:I}", "peak_allocated", (json_int_t)st.requested_bytes.peak,
                            "peak_reserved", (json_int_t)st.reserved_bytes.peak, "fragmentation_ratio",
                            r.frag_at_peak, "oom_count", (json_int_t)r.ooms, "retries",
                            (json_int_t)st.retry_count, "events", (json_int_t)n, "allocs", (json_int_t)st.alloc_count,
                            "limit", (json_int_t)st.limit_bytes, "skipped_frees", (json_int_t)r.skipped_frees);
    if (out && swap) {
        vram_swap_stats ss;
        vram_swap_stats_get(r.swap, &ss);
        json_object_set_new(out, "swap",
                            json_pack("{s:I,s:I,s:I,s:I}", "bytes_out", (json_int_t)ss.bytes_out, "bytes_in",
                                      (json_int_t)ss.bytes_in, "evictions", (json_int_t)ss.evictions, "stalls",
                                      (json_int_t)ss.stalls));
    }
    char *text = out ? json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(out);
    if (!text) {
        fprintf(stderr, "vram sim: out of memory\n");
        goto done;
    }
    printf("%s\n", text);
    free(text);
    if (snapshot && vram_pool_snapshot_write(r.pool, snapshot, &err) < 0) {
        fprintf(stderr, "vram sim: %s\n", err.msg);
        goto done;
    }
    rc = 0;
done:
    vram_swap_destroy(r.swap);
    vram_pool_destroy(r.pool);
    for (int i = 0; i < r.nstreams; i++) vram_device_stream_destroy(r.dev, r.streams[i]);
    vram_device_free(r.dev);
    free(ev);
    return rc;
}
