/*
 * vram.h - GPU memory tooling: devices, caching allocator, static planner, swapper, batch sizer,
 * machine detection and validation, NVML monitoring. The bottom layer: it knows nothing of graphs
 * (nn) or people (pose). Every symbol starts with vram_ (internals: vram__).
 *
 * Usage:
 *
 *     vram_error err = {0};
 *     vram_machine m;
 *     if (vram_machine_detect(&m, NULL, &err) < 0) { fprintf(stderr, "%s\n", err.msg); return 1; }
 *     printf("%d GPUs, profile max batch %d\n", m.gpu_count, m.profile.max_batch);
 *
 * Conventions (all of libvram):
 *   - Functions that can fail at run time return a negative vram_status and, when err is not NULL,
 *     fill err->msg with a sentence naming what failed ("machine.json: line 3: ..."). They never
 *     print and never exit. Programming errors (NULL where not allowed) are asserts.
 *   - Objects are opaque handles with create/free; free accepts NULL.
 *   - Sizes are bytes (uint64_t or size_t), fractions are 0..1 ratios, times are seconds.
 *   - Thread safety is stated per function; by default an object is used by one thread at a time.
 */
#ifndef VRAM_H
#define VRAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VRAM_VERSION "0.1.0"

/* Status codes: 0 is success, failures are negative. */
typedef enum vram_status {
    VRAM_OK = 0,
    VRAM_EINVAL = -1,     /* bad argument or malformed input */
    VRAM_ENOMEM = -2,     /* host allocation failed */
    VRAM_EIO = -3,        /* file could not be read or written */
    VRAM_ENOTFOUND = -4,  /* file, device or library not present */
    VRAM_EUNSUPPORTED = -5,
    VRAM_EOOM = -6        /* device memory exhausted (after cache release and retry) */
} vram_status;

/* Error message filled by failing calls. Plain data; zero-initialise it. */
typedef struct vram_error {
    int code;       /* the vram_status returned */
    char msg[512];  /* one sentence, no trailing newline */
} vram_error;

/* The library's version string, VRAM_VERSION. Thread-safe. */
const char *vram_version(void);

/* Short name of a status ("out of device memory"). Thread-safe, never NULL. */
const char *vram_status_str(int status);

/* ==== machine: CPU/GPU detection, NVML, profiles, validation (machine.c, nvml.c, cpuinfo.c, validate.c) ==== */
/*
 * Detect the CPU and the NVIDIA GPUs, choose a resource profile (max batch, checkpointing, budgets)
 * and write it as the machine profile JSON (docs/MACHINE.md holds the schema and the profile rule).
 *
 *     vram_machine m;
 *     vram_error err = {0};
 *     vram_machine_detect(&m, NULL, &err);               // NULL: NVML by dlopen; never fails for "no GPU"
 *     vram_rules_t *r = vram_rules_create();             // the built-in seed table + memory tiers
 *     if (vram_rules_load(r, "vram.json", &err) < 0) ...; // optional config file overriding the rule
 *     vram_rules_select(r, &m, &m.profile);
 *     vram_machine_write(&m, "machine.json", &err);      // atomic, creates the folder
 *     vram_rules_free(r);
 */

#define VRAM_MAX_GPUS 16
#define VRAM_MAX_GPU_PROCS 16

/* SIMD level of the CPU, from CPUID and (for AVX state) XGETBV: the OS must save the registers too. */
typedef enum vram_simd {
    VRAM_SIMD_NONE = 0,    /* scalar (or not x86) */
    VRAM_SIMD_SSE42 = 1,   /* SSE4.2 */
    VRAM_SIMD_AVX2 = 2,    /* AVX2 + FMA3 + F16C, OS saves YMM */
    VRAM_SIMD_AVX512 = 3   /* AVX-512F, OS saves ZMM and opmask */
} vram_simd;

/* "none", "sse4.2", "avx2+fma", "avx512f". Thread-safe, never NULL. */
const char *vram_simd_name(vram_simd s);

/* The host CPU and memory. Plain data. */
typedef struct vram_cpu_info {
    char model[64];               /* CPUID brand string, or "unknown" */
    int cores;                    /* logical CPUs online */
    uint64_t memory_total_bytes;  /* physical memory */
    uint64_t memory_available_bytes; /* MemAvailable, or free memory when the kernel lacks it */
    vram_simd simd;
    int avx512_halves;            /* 1: the CPU runs 512-bit vector ops as two 256-bit halves (AMD
                                     family 19h, Zen 4), so AVX-512's FMA peak equals AVX2's */
} vram_cpu_info;

/* Fill *out from CPUID, sysconf and /proc/meminfo. Never fails (unknowns are 0 / "unknown").
 * Thread-safe. */
void vram_cpu_detect(vram_cpu_info *out);

/* One GPU as NVML reports it. Unknown numbers are -1 (doubles) or 0 (bytes); strings "" when unknown. */
typedef struct vram_gpu_info {
    int index;                    /* NVML index */
    char name[96];                /* "NVIDIA GeForce RTX 4070 Ti" */
    char uuid[96];                /* "GPU-..." */
    uint64_t memory_total_bytes;
    uint64_t memory_free_bytes;
    uint64_t memory_used_bytes;
    uint64_t memory_reserved_bytes; /* reserved by the driver (NVML memory v2), 0 when unknown */
    int cc_major, cc_minor;       /* compute capability, -1 when unknown */
    double power_watts;           /* draw, -1 when unknown */
    double power_limit_watts;     /* enforced limit, -1 when unknown */
    double temperature_celsius;   /* GPU core, -1 when unknown */
    double utilization_gpu;       /* 0..1 over the last sample period, -1 when unknown */
    double utilization_memory;    /* 0..1, -1 when unknown */
    int process_count;            /* compute processes listed below (at most VRAM_MAX_GPU_PROCS) */
    struct { uint32_t pid; uint64_t used_bytes; } processes[VRAM_MAX_GPU_PROCS];
} vram_gpu_info;

/* Facts about the whole driver, filled by a source's open(). */
typedef struct vram_gpu_system {
    char driver_version[80];      /* "550.54.14", "" when unknown */
    int cuda_driver_version;      /* 12040 for CUDA 12.4, 0 when unknown */
    int gpu_count;
} vram_gpu_system;

/*
 * Where GPU facts come from: NVML by default, a fake in tests (STYLE.md #8). open() returns
 * VRAM_ENOTFOUND with a message when the library or the driver is absent (not a failure of detection:
 * the machine then has no GPU). query() fills one GPU; close() releases what open() took.
 * One source is used by one thread at a time.
 */
typedef struct vram_gpu_source {
    const char *name;             /* "nvml", "fake" */
    void *ctx;
    int (*open)(void *ctx, vram_gpu_system *sys, vram_error *err);
    int (*query)(void *ctx, int index, vram_gpu_info *out, vram_error *err);
    void (*close)(void *ctx);
} vram_gpu_source;

/* The NVML source: libnvidia-ml.so.1 loaded with dlopen on open() (no link-time dependency), or the
 * file named by $VRAM_NVML_LIBRARY. The returned struct is static and process-wide: open() calls nest
 * (a second open shares the first session; the last close shuts NVML down). Not thread-safe: use it
 * from one thread at a time. */
const vram_gpu_source *vram_gpu_source_nvml(void);

/* The resource profile chosen for this machine (docs/MACHINE.md). Plain data. */
typedef struct vram_profile {
    char device[8];               /* "gpu" or "cpu" */
    int gpu_index;                /* the GPU the profile is for, -1 for cpu */
    char name[96];                /* seed entry, tier or config entry that matched ("RTX 4070 Ti 12 GB") */
    char source[160];             /* "seed table", "memory rule", "config FILE", "cpu rule" */
    int max_batch;
    int gradient_checkpointing;   /* 0 or 1 */
    double swap_threshold;        /* fraction of device memory that starts swapping, 0.85 */
    double batch_budget;          /* fraction of device memory the batch sizer may plan for, 0.90 */
    double inference_timeout_s;   /* 5 */
} vram_profile;

/* The machine: CPU, GPUs and the chosen profile. Plain data (about 16 KB). */
typedef struct vram_machine {
    vram_cpu_info cpu;
    int nvml_available;           /* the source opened */
    char nvml_error[512];         /* why not, when nvml_available is 0 */
    vram_gpu_system system;
    int gpu_count;                /* GPUs in gpus[] (at most VRAM_MAX_GPUS) */
    vram_gpu_info gpus[VRAM_MAX_GPUS];
    vram_profile profile;         /* from the built-in rule; vram_rules_select() again to apply a config */
} vram_machine;

/* Detect CPU and GPUs through src (NULL: vram_gpu_source_nvml()) and choose the profile with the
 * built-in rule. A missing NVML or driver is not an error: gpu_count is 0, nvml_error says why.
 * Returns VRAM_OK, or a negative status when the source fails after opening (err says which GPU). */
int vram_machine_detect(vram_machine *m, const vram_gpu_source *src, vram_error *err);

/* The machine profile JSON (schema "ai-ml-pipeline/machine/1", docs/MACHINE.md). *json is malloc'd,
 * the caller frees it with free(). Returns VRAM_OK or VRAM_ENOMEM. */
int vram_machine_to_json(const vram_machine *m, char **json, vram_error *err);

/* Write the profile JSON to path atomically (temp file + rename), creating missing folders.
 * Returns VRAM_OK or VRAM_EIO naming the path. */
int vram_machine_write(const vram_machine *m, const char *path, vram_error *err);

/* The default profile path: $XDG_CONFIG_HOME/ai-ml-pipeline/machine.json, else
 * $HOME/.config/ai-ml-pipeline/machine.json. Returns VRAM_OK, or VRAM_ENOTFOUND when neither variable
 * is set, VRAM_EINVAL when buf is too small. */
int vram_machine_default_path(char *buf, size_t size, vram_error *err);

/* Profile rules: the seed table, memory tiers and defaults; a config file overrides them. Opaque. */
typedef struct vram_rules vram_rules_t;

/* The built-in rules (docs/MACHINE.md). NULL on host OOM. Free with vram_rules_free(). */
vram_rules_t *vram_rules_create(void);
void vram_rules_free(vram_rules_t *r);

/* Apply a config file (JSON, docs/MACHINE.md "Config file") on top of the rules. On error the rules
 * are unchanged and err names the file and the line/column or the field ("vram.json: tiers[2].max_batch:
 * must be an integer 1..1048576"). Returns VRAM_OK, VRAM_EIO, VRAM_EINVAL or VRAM_ENOMEM. */
int vram_rules_load(vram_rules_t *r, const char *path, vram_error *err);

/* The same from memory; name is used in messages. */
int vram_rules_parse(vram_rules_t *r, const char *text, size_t len, const char *name, vram_error *err);

/* Choose the profile for m (its first GPU, or the CPU when it has none) into *out. Never fails. */
void vram_rules_select(const vram_rules_t *r, const vram_machine *m, vram_profile *out);

/* Environment checks of `vram validate`, as data. */
typedef enum vram_check_status {
    VRAM_CHECK_PASS = 0,
    VRAM_CHECK_WARN = 1,          /* works, but worth a look */
    VRAM_CHECK_SKIP = 2,          /* optional and absent (no GPU) */
    VRAM_CHECK_FAIL = 3
} vram_check_status;

/* "pass", "warn", "skip", "FAIL". Thread-safe, never NULL. */
const char *vram_check_status_name(vram_check_status s);

typedef struct vram_check {
    char name[32];                /* "system memory" */
    int required;                 /* a FAIL of a required check fails validation */
    vram_check_status status;
    char detail[256];             /* what was found */
    char fix[256];                /* what to do when it is not a pass, "" otherwise */
} vram_check;

typedef struct vram_validate_options {
    const vram_gpu_source *gpus;  /* NULL: NVML */
    const char *disk_path;        /* where free space is checked, "." by default */
    uint64_t min_memory_bytes;    /* system memory below this fails, 2 GiB */
    uint64_t min_disk_bytes;      /* free disk below this fails, 1 GiB */
} vram_validate_options;

vram_validate_options vram_validate_defaults(void);

/* Run libvram's checks (compiler, C runtime, jansson, libwebsockets, CUDA driver and runtime, NVML,
 * GPU memory, system memory, disk, SIMD) into out[0..cap). Returns how many were written.
 * Programs append their own checks (FFmpeg, SQLite, models) to the same array. */
int vram_validate_run(const vram_validate_options *o, vram_check *out, int cap);

/* 1 when no required check failed. */
int vram_checks_ok(const vram_check *checks, int n);

/* Fill one check (printf-style detail; fix may be NULL). For programs adding their own checks. */
void vram_check_set(vram_check *c, const char *name, int required, vram_check_status status,
                    const char *fix, const char *detail_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* ==== devices: sim, host, cuda (device*.c) ==== */
/*
 * A device is where memory lives: `cuda` (the CUDA runtime, loaded with dlopen when the device is
 * created; no link-time dependency), `host` (malloc, or page-locked through the CUDA runtime) and
 * `sim`, a simulated GPU for tests and `vram sim`: a set capacity (allocations past it fail with
 * VRAM_EOOM), an alignment, bytes copied in and out counted, streams whose completion tests control.
 * Every device is an interface struct of function pointers plus a context (STYLE.md #8); the
 * wrapper counts allocations and copies the same way for all of them.
 *
 *     vram_device_options o = vram_device_defaults();   // sim, 1 GiB, 256-byte alignment
 *     o.capacity = 8ull << 30;
 *     vram_device_t *d = vram_device_create(&o, &err);  // "cuda" fails with VRAM_ENOTFOUND without GPU
 *     void *p;
 *     if (vram_device_alloc(d, 1 << 20, &p, &err) < 0) ...;
 *     vram_device_copy(d, p, host_buf, 1 << 20, VRAM_COPY_H2D, NULL, &err);
 *     vram_device_release(d, p);
 *     vram_device_free(d);
 *
 * A device is used by one thread at a time unless its interface says otherwise.
 */

/* Streams and events are the device's own handles (cudaStream_t / cudaEvent_t on cuda). The NULL
 * stream is the default stream. */
typedef struct vram_stream_t vram_stream_t;
typedef struct vram_event_t vram_event_t;

typedef enum vram_copy_kind {
    VRAM_COPY_H2D = 1,   /* host to device: counted as bytes in */
    VRAM_COPY_D2H = 2,   /* device to host: counted as bytes out */
    VRAM_COPY_D2D = 3
} vram_copy_kind;

struct vram_device_options;

/* The interface a device implements. open() allocates the context from the options; the other
 * functions get it back. Copies are asynchronous on the stream where the device has streams (cuda)
 * and synchronous on host and sim. event_query() returns 1 when the work before the event is done,
 * 0 when pending, a negative status on failure. host_alloc/host_release: page-locked host memory
 * for copies (may be NULL: then malloc is used). */
typedef struct vram_device_iface {
    const char *name;
    int (*open)(const struct vram_device_options *o, void **ctx, vram_error *err);
    void (*close)(void *ctx);
    int (*alloc)(void *ctx, uint64_t size, void **ptr, vram_error *err);
    void (*release)(void *ctx, void *ptr, uint64_t size);  /* size as passed to alloc() */
    int (*mem_info)(void *ctx, uint64_t *free_bytes, uint64_t *total_bytes, vram_error *err);
    int (*copy)(void *ctx, void *dst, const void *src, uint64_t n, vram_copy_kind kind, vram_stream_t *s,
                vram_error *err);
    int (*stream_create)(void *ctx, vram_stream_t **s, vram_error *err);
    void (*stream_destroy)(void *ctx, vram_stream_t *s);
    int (*stream_sync)(void *ctx, vram_stream_t *s, vram_error *err);
    int (*event_record)(void *ctx, vram_stream_t *s, vram_event_t **e, vram_error *err);
    int (*event_query)(void *ctx, vram_event_t *e);
    int (*event_sync)(void *ctx, vram_event_t *e, vram_error *err);
    void (*event_destroy)(void *ctx, vram_event_t *e);
    int (*host_alloc)(void *ctx, uint64_t size, void **ptr, vram_error *err);
    void (*host_release)(void *ctx, void *ptr, uint64_t size);
} vram_device_iface;

typedef struct vram_device_options {
    const char *kind;        /* "sim" (default), "host" or "cuda" */
    uint64_t capacity;       /* sim: device memory in bytes (1 GiB); host: a limit, 0 = system memory */
    uint64_t alignment;      /* sim and host: allocation alignment, a power of two (256) */
    int backed;              /* sim: 1 = real host memory behind allocations (1); 0 = addresses only, for
                                replaying traces bigger than this machine: copies are counted but move no
                                data, and host staging memory is addresses only too */
    int pinned;              /* host: page-locked memory through the CUDA runtime (fails without it) */
    int device_index;        /* cuda: which GPU (0) */
    const char *library;     /* cuda, pinned host: the runtime library to dlopen; NULL = $VRAM_CUDART_LIBRARY,
                                else libcudart.so, libcudart.so.12, libcudart.so.11.0 */
} vram_device_options;

vram_device_options vram_device_defaults(void);

typedef struct vram_device_t vram_device_t;

/* Counters kept by the wrapper for every device (bytes and counts since create). */
typedef struct vram_device_stats {
    uint64_t used_bytes, peak_used_bytes;  /* held through vram_device_alloc (as requested) */
    uint64_t alloc_count, release_count, failed_allocs;
    uint64_t bytes_in, bytes_out, bytes_d2d; /* H2D, D2H, D2D copies */
    uint64_t copy_count, bad_releases;
} vram_device_stats;

/* Create the device named by o->kind (NULL o: defaults). NULL on failure with err saying why:
 * VRAM_ENOTFOUND when the CUDA runtime or a GPU is absent, VRAM_EINVAL for bad options. */
vram_device_t *vram_device_create(const vram_device_options *o, vram_error *err);

/* A device from your own interface: open() is called with o (may be NULL). */
vram_device_t *vram_device_create_iface(const vram_device_iface *iface, const vram_device_options *o,
                                        vram_error *err);

/* Releases what the device holds (it does not release allocations the caller forgot). Accepts NULL. */
void vram_device_free(vram_device_t *d);

const char *vram_device_name(const vram_device_t *d);

/* Device memory: VRAM_EOOM when it does not fit (sim: past capacity), err says how much was asked.
 * release() of a pointer this device did not hand out is ignored (and counted in stats.bad_releases). */
int vram_device_alloc(vram_device_t *d, uint64_t size, void **ptr, vram_error *err);
void vram_device_release(vram_device_t *d, void *ptr);
int vram_device_mem_info(vram_device_t *d, uint64_t *free_bytes, uint64_t *total_bytes, vram_error *err);

/* Copy n bytes on stream s (NULL: default stream); see vram_copy_kind for what is counted. */
int vram_device_copy(vram_device_t *d, void *dst, const void *src, uint64_t n, vram_copy_kind kind, vram_stream_t *s,
                     vram_error *err);

int vram_device_stream_create(vram_device_t *d, vram_stream_t **s, vram_error *err);
void vram_device_stream_destroy(vram_device_t *d, vram_stream_t *s);  /* accepts NULL */
int vram_device_stream_sync(vram_device_t *d, vram_stream_t *s, vram_error *err);
int vram_device_event_record(vram_device_t *d, vram_stream_t *s, vram_event_t **e, vram_error *err);
int vram_device_event_query(vram_device_t *d, vram_event_t *e);     /* 1 done, 0 pending, < 0 error */
int vram_device_event_sync(vram_device_t *d, vram_event_t *e, vram_error *err);
void vram_device_event_destroy(vram_device_t *d, vram_event_t *e);  /* accepts NULL */

/* Host memory for staging copies: page-locked when the device can, else malloc'd (64-byte aligned). */
int vram_device_host_alloc(vram_device_t *d, uint64_t size, void **ptr, vram_error *err);
void vram_device_host_release(vram_device_t *d, void *ptr);

void vram_device_stats_get(const vram_device_t *d, vram_device_stats *out);

/* sim only: while held, work submitted to stream s does not complete (events stay pending), so tests
 * can check what waits for it. Releasing the hold, or syncing the stream or one of its events,
 * completes it. VRAM_EUNSUPPORTED on other devices. */
int vram_device_sim_hold(vram_device_t *d, vram_stream_t *s, int hold, vram_error *err);


/* ==== caching allocator (pool*.c) ==== */
/*
 * A caching allocator on any device, after PyTorch's CUDACachingAllocator (policy in docs/VRAM.md):
 * sizes rounded to 512 bytes; requests <= 1 MiB from a small pool of 2 MiB segments, larger ones from
 * a large pool (20 MiB segments below 10 MiB, else the size rounded to 2 MiB); best fit among cached
 * blocks of the same stream, splitting what is left over and coalescing free neighbours; requests of
 * max_split_size or more take whole blocks; past gc_threshold of the budget, cached whole segments are released
 * before a new one is taken; when the device or the budget says no, every cached segment is released
 * and the allocation retried once before VRAM_EOOM.
 *
 *     vram_pool_options po = vram_pool_defaults();
 *     po.budget_fraction = 0.9;
 *     vram_pool_t *p = vram_pool_create(dev, &po, &err);
 *     void *x;
 *     if (vram_pool_alloc(p, 3 << 20, NULL, "activations", &x, &err) < 0) puts(err.msg);
 *     vram_pool_free(p, x);
 *     vram_pool_stats st; vram_pool_stats_get(p, &st);
 *     vram_pool_destroy(p);   // releases every segment back to the device
 *
 * Streams: a block belongs to the stream it was allocated on and is reused only by that stream. If it
 * was also used on other streams (vram_pool_record_stream), freeing it records an event on each, and
 * the block is reused only when those events completed. One pool is used by one thread at a time.
 */

#define VRAM_POOL_MIN_BLOCK 512u              /* every size is rounded up to this */
#define VRAM_POOL_SMALL_SIZE (1u << 20)       /* <= this: small pool */
#define VRAM_POOL_SMALL_SEGMENT (2u << 20)    /* small pool segment */
#define VRAM_POOL_LARGE_SEGMENT (20u << 20)   /* large pool segment for requests < 10 MiB */
#define VRAM_POOL_ROUND_LARGE (2u << 20)      /* larger requests: segment rounded to this */

typedef struct vram_pool_options {
    double budget_fraction;   /* hard limit: reserved <= this x device total memory (1.0) */
    uint64_t budget_bytes;    /* when > 0, the hard limit in bytes instead of the fraction */
    uint64_t max_split_size;  /* requests of this size or more take whole blocks (never split), and
                                 cached blocks this large serve only such requests, within 20 MiB of
                                 their size (UINT64_MAX: no limit) */
    double gc_threshold;      /* 0 (off) or 0..1: past this fraction of the limit, release cached whole
                                 segments (least recently freed first) before taking a new one */
    int trace;                /* 1: record every alloc/free in the event trace (snapshots) */
    const char *name;         /* in messages and metrics ("pool") */
} vram_pool_options;

vram_pool_options vram_pool_defaults(void);

typedef struct vram_pool_t vram_pool_t;

/* Current and peak of one quantity (bytes or blocks). */
typedef struct vram_stat { uint64_t current, peak; } vram_stat;

/* Like PyTorch's memory_stats. allocated: block sizes of live allocations; requested: what callers
 * asked for; reserved: segments held from the device; active: live blocks plus freed blocks waiting
 * for other streams; inactive_split: free blocks in segments that are split (fragments). */
typedef struct vram_pool_stats {
    vram_stat allocated_bytes, requested_bytes, reserved_bytes, active_bytes, inactive_split_bytes;
    vram_stat allocation, segment, active, inactive_split;   /* counts of blocks / segments */
    uint64_t alloc_count, free_count;        /* vram_pool_alloc / vram_pool_free calls that succeeded */
    uint64_t retry_count;                    /* cache released and allocation retried */
    uint64_t oom_count;                      /* VRAM_EOOM returned */
    uint64_t segment_alloc_count, segment_free_count, gc_release_count;
    uint64_t cached_free_bytes;              /* reserved but free (excluding blocks waiting on events) */
    uint64_t largest_free_block;
    double fragmentation_ratio;              /* 1 - largest free block / cached free bytes (0 when none) */
    uint64_t limit_bytes;                    /* the hard budget */
} vram_pool_stats;

/* A pool on dev (the pool does not own dev; dev must outlive it). o NULL: defaults. The budget is
 * read from vram_device_mem_info once. NULL on failure with err set. */
vram_pool_t *vram_pool_create(vram_device_t *dev, const vram_pool_options *o, vram_error *err);

/* Releases every segment (live allocations too: the pool owns them). Accepts NULL. */
void vram_pool_destroy(vram_pool_t *p);

/* Allocate size bytes for stream s (NULL: default stream), tagged (tag may be NULL; the first 31
 * characters are kept) for snapshots. Returns VRAM_OK, VRAM_EOOM with a message saying what is
 * allocated, what is reserved but free, the largest free block and the fragmentation ratio, or
 * VRAM_ENOMEM (host). */
int vram_pool_alloc(vram_pool_t *p, uint64_t size, vram_stream_t *s, const char *tag, void **ptr, vram_error *err);

/* Free a pointer from vram_pool_alloc. VRAM_EINVAL when the pool did not hand it out (or it was freed). */
int vram_pool_free(vram_pool_t *p, void *ptr);

/* Mark ptr as used on stream s too (see the streams rule above). */
int vram_pool_record_stream(vram_pool_t *p, void *ptr, vram_stream_t *s, vram_error *err);

/* Release every cached whole segment to the device (after waiting for pending stream events). */
int vram_pool_empty_cache(vram_pool_t *p, vram_error *err);

void vram_pool_stats_get(const vram_pool_t *p, vram_pool_stats *out);

/* Zero the peaks (to the current values) and the counters. */
void vram_pool_stats_reset_peaks(vram_pool_t *p);

/* The block size a request of size bytes gets (rounding, not counting splits). Thread-safe. */
uint64_t vram_pool_round_size(uint64_t size);

/* The pool's numbers in the exporter's form (vram_alloc_metrics, "metrics exporter" below; the swap
 * fields are left 0: vram_swap_metrics fills them). */
struct vram_alloc_metrics;
void vram_pool_metrics(const vram_pool_t *p, struct vram_alloc_metrics *out);

/* The device the pool allocates from. */
vram_device_t *vram_pool_device(const vram_pool_t *p);


/* ==== snapshots and traces (snapshot*.c) ==== */
/*
 * What a pool holds, as JSON (segments, their blocks with state and tag, the tags, the stats), and the
 * event trace: one JSON object per line (JSONL), the same format `vram sim` replays and
 * `vram snapshot-plot` draws (docs/VRAM.md "Trace format"):
 *
 *     {"op":"alloc","id":N,"size":B[,"stream":S][,"tag":"..."][,"time":T]}
 *     {"op":"free","id":N[,"time":T]}
 *
 * id: any unsigned integer naming the allocation until it is freed (the pool writes the address);
 * size: bytes requested; stream: an integer, 0 = default; time: seconds (optional).
 */

typedef enum vram_trace_op { VRAM_TRACE_ALLOC = 1, VRAM_TRACE_FREE = 2 } vram_trace_op;

typedef struct vram_trace_event {
    vram_trace_op op;
    uint64_t id;
    uint64_t size;          /* alloc: bytes requested; free: 0 */
    uint64_t stream;        /* 0: default stream */
    char tag[32];           /* "" when absent (longer tags are cut) */
    double time;            /* seconds, -1 when absent */
    long line;              /* 1-based line in the trace */
} vram_trace_event;

/* Parse a trace (JSONL; blank lines skipped). *ev is malloc'd (free()). Errors name the file and the
 * line ("run.jsonl:12: \"size\" must be a non-negative integer"). Only the syntax is checked here:
 * the replay checks ids (alloc of a live id, free of an unknown one). VRAM_OK, VRAM_EINVAL, VRAM_ENOMEM.
 * Thread-safe. */
int vram_trace_parse(const char *text, size_t len, const char *name, vram_trace_event **ev, size_t *n,
                     vram_error *err);

/* The same from a file; VRAM_EIO when it cannot be read. */
int vram_trace_load(const char *path, vram_trace_event **ev, size_t *n, vram_error *err);

/* The pool's snapshot as JSON text (*json malloc'd, free()): {"name","limit_bytes","stats":{...},
 * "tags":[...],"segments":[{"address","size","pool":"small"|"large","stream","blocks":[{"address",
 * "size","requested","state":"allocated"|"free"|"pending","tag"}]}]}. VRAM_OK or VRAM_ENOMEM. */
int vram_pool_snapshot(const vram_pool_t *p, char **json, vram_error *err);

/* Write the snapshot / the event trace (needs vram_pool_options.trace) to path, atomically.
 * VRAM_EIO names the path; VRAM_EINVAL when the pool does not trace. */
int vram_pool_snapshot_write(const vram_pool_t *p, const char *path, vram_error *err);
int vram_pool_trace_write(const vram_pool_t *p, const char *path, vram_error *err);


/* ==== static planner (planner.c) ==== */
/*
 * Offsets for tensors in one arena, planned once before a run (STYLE.md #7). A tensor lives from
 * step `first` to step `last`, both inclusive; two tensors conflict when those intervals overlap and
 * then must not overlap in memory. Tensors that live for the whole run are placed first, then the
 * rest greedily into the best-fitting gap among the conflicting tensors already placed; several
 * orderings are tried (size, lifetime length, first use, size x lifetime) and the lowest peak kept.
 * Up to VRAM_PLAN_EXACT_MAX tensors every ordering is tried, which is optimal (docs/VRAM.md).
 *
 *     vram_plan_tensor t[3] = {{1000, 0, 1}, {2000, 1, 2}, {1000, 2, 3}};
 *     vram_plan_result r;
 *     if (vram_plan_offsets(t, 3, 256, &r, &err) < 0) ...;
 *     arena = malloc(r.peak);  // t[i] lives at arena + t[i].offset
 */

#define VRAM_PLAN_EXACT_MAX 7

typedef struct vram_plan_tensor {
    uint64_t size;          /* bytes (rounded up to the alignment when planned) */
    int32_t first, last;    /* step indices, inclusive, 0 <= first <= last */
    uint64_t offset;        /* output: bytes from the arena start, a multiple of the alignment */
} vram_plan_tensor;

typedef struct vram_plan_result {
    uint64_t peak;          /* arena size: max(offset + aligned size) */
    uint64_t lower_bound;   /* max over steps of the aligned bytes live at that step: no plan is smaller */
    uint64_t no_reuse;      /* sum of the aligned sizes: the arena without any reuse */
} vram_plan_result;

/* Plan offsets for t[0..n) (fills t[i].offset) and report the sizes in *out. alignment is a power of
 * two (0 means 1). Returns VRAM_OK, VRAM_EINVAL (bad interval, alignment or size overflow; err names
 * the tensor index) or VRAM_ENOMEM. n == 0 gives an empty plan. Thread-safe (no shared state). */
int vram_plan_offsets(vram_plan_tensor *t, size_t n, uint64_t alignment, vram_plan_result *out, vram_error *err);

/* The lifetimes CSV of `vram plan` (docs/VRAM.md): rows "size,first,last", an optional header line,
 * blank lines and '#' comments ignored, CRLF accepted. On success *t is malloc'd (free()) with *n rows.
 * On error err names the file (name) and line: "lifetimes.csv:4: first (7) is after last (3)".
 * Returns VRAM_OK, VRAM_EINVAL or VRAM_ENOMEM. Thread-safe. */
int vram_plan_csv_parse(const char *text, size_t len, const char *name, vram_plan_tensor **t, size_t *n,
                        vram_error *err);

/* The same from a file; VRAM_EIO when it cannot be read. */
int vram_plan_csv_load(const char *path, vram_plan_tensor **t, size_t *n, vram_error *err);


/* ==== swapper (swap*.c) ==== */
/*
 * Tensors that may live on the host while the device is short: when an allocation would take the
 * pool's allocated bytes past threshold x budget, the swapper copies resident tensors to host and
 * frees their device memory: the one whose next use is farthest when a schedule is known
 * (vram_swap_set_schedule), else the least recently used. Pinned tensors and tensors in use (between
 * acquire and release) stay. vram_swap_prefetch() brings back, on a copy stream, the tensors the next
 * steps of the schedule need; an acquire that has to wait for a copy counts as a stall.
 *
 *     vram_swap_t *sw = vram_swap_create(pool, NULL, &err);      // threshold 0.85 of the pool's limit
 *     uint32_t t; vram_swap_alloc(sw, bytes, "act", &t, &err);
 *     void *p; vram_swap_acquire(sw, t, &p, &err); ... use p ... vram_swap_release(sw, t);
 *     vram_swap_free(sw, t);
 *     vram_swap_destroy(sw);
 *
 * Copies to host are issued on the copy stream; the block is freed with the pool's stream rule, so
 * it is reused only after the copy finished. One swapper is used by one thread at a time.
 */

typedef struct vram_swap_options {
    double threshold;         /* fraction of the budget that starts evictions (0.85) */
    uint64_t budget_bytes;    /* 0: the pool's limit */
} vram_swap_options;

vram_swap_options vram_swap_defaults(void);

typedef struct vram_swap_stats {
    uint64_t bytes_out, bytes_in;     /* copied to host / back to the device */
    uint64_t evictions, swap_ins, prefetches;
    uint64_t stalls;                  /* acquires that waited for a copy back */
    uint64_t resident_bytes, host_bytes;  /* tensors on the device / on the host now (requested sizes) */
} vram_swap_stats;

typedef struct vram_swap_t vram_swap_t;

/* A swapper over pool (not owned; outlives the swapper). Creates its copy stream on the pool's device.
 * NULL on failure with err set. */
vram_swap_t *vram_swap_create(vram_pool_t *pool, const vram_swap_options *o, vram_error *err);

/* Frees every tensor still held, host copies, the copy stream. Accepts NULL. */
void vram_swap_destroy(vram_swap_t *sw);

/* A new tensor of size bytes on the device (evicting others as needed). *id names it (never 0).
 * VRAM_EOOM when nothing more can be evicted, with the pool's message. */
int vram_swap_alloc(vram_swap_t *sw, uint64_t size, const char *tag, uint32_t *id, vram_error *err);

/* Free a tensor wherever it is. VRAM_EINVAL for an unknown id. */
int vram_swap_free(vram_swap_t *sw, uint32_t id);

/* Make the tensor resident (copying it back, a stall, when it is not) and hold it there until
 * vram_swap_release(); *ptr is its device address. Advances the schedule past this use. */
int vram_swap_acquire(vram_swap_t *sw, uint32_t id, void **ptr, vram_error *err);
void vram_swap_release(vram_swap_t *sw, uint32_t id);

/* Pinned tensors are never evicted (pin = 1) until unpinned (pin = 0). */
int vram_swap_pin(vram_swap_t *sw, uint32_t id, int pin);

/* The order in which tensors will be acquired (ids, copied). Eviction then picks the farthest next
 * use. n == 0 clears it (LRU again). VRAM_ENOMEM on host OOM. */
int vram_swap_set_schedule(vram_swap_t *sw, const uint32_t *ids, size_t n, vram_error *err);

/* Start copying back, on the copy stream, the evicted tensors used in the next `lookahead` steps of
 * the schedule. Returns how many copies were started, or a negative status. */
int vram_swap_prefetch(vram_swap_t *sw, size_t lookahead, vram_error *err);

/* 1 when the tensor is on the device now, 0 when on the host, VRAM_EINVAL for an unknown id. */
int vram_swap_resident(const vram_swap_t *sw, uint32_t id);

void vram_swap_stats_get(const vram_swap_t *sw, vram_swap_stats *out);

/* Add the swap counters to an exporter record (vram_pool_metrics fills the rest). */
void vram_swap_metrics(const vram_swap_t *sw, struct vram_alloc_metrics *out);


/* ==== batch sizer (batch.c) ==== */
/*
 * The largest batch whose planned peak fits a budget (default 0.90 of device memory). peak(B) comes
 * from a callback: a static plan (vram_plan_offsets) or a trial run. The sizer evaluates B = 1, 2, 4,
 * fits peak(B) = a + b B by least squares, takes the largest B the fit allows, and checks it once
 * (B fits, B + 1 does not). When the check fails (the function is not affine) it falls back to
 * doubling then bisection, which needs only peak to grow with B; evaluations where the callback
 * reports VRAM_EOOM (a trial run that failed) count as "does not fit" and are not errors.
 *
 *     vram_batch_options bo = vram_batch_defaults();
 *     bo.device_bytes = total;                 // or bo.device = dev
 *     vram_batch_result r;
 *     if (vram_batch_find(&bo, my_peak, ctx, &r, &err) == VRAM_OK) use r.batch;
 */

/* Fill *peak_bytes for batch size `batch`; return VRAM_OK, VRAM_EOOM (does not fit) or another
 * negative status (stops the search, err filled). */
typedef int (*vram_batch_peak_fn)(void *ctx, int batch, uint64_t *peak_bytes, vram_error *err);

typedef struct vram_batch_options {
    double budget_fraction;   /* of the device memory (0.90) */
    uint64_t device_bytes;    /* device memory; 0: ask `device` */
    vram_device_t *device;    /* used when device_bytes is 0 (vram_device_mem_info total) */
    int max_batch;            /* the largest batch considered (65536) */
} vram_batch_options;

vram_batch_options vram_batch_defaults(void);

typedef struct vram_batch_result {
    int batch;                /* the largest batch that fits, >= 1 */
    uint64_t peak_bytes;      /* peak(batch) */
    uint64_t budget_bytes;
    int evaluations;          /* callback calls */
    int fitted;               /* 1: the affine fit's answer passed the check; 0: found by bisection */
    double fit_a, fit_b;      /* peak(B) ~ fit_a + fit_b B, bytes */
} vram_batch_result;

/* VRAM_OK with *out filled; VRAM_EOOM when even batch 1 does not fit (err says both numbers);
 * VRAM_EINVAL for bad options; the callback's own failure otherwise. Thread-safe if fn is. */
int vram_batch_find(const vram_batch_options *o, vram_batch_peak_fn fn, void *ctx, vram_batch_result *out,
                    vram_error *err);


/* ==== metrics exporter (metrics*.c, serve*.c) ==== */
/*
 * Prometheus text (format 0.0.4) and JSON for the GPUs and for caching allocators, and the HTTP
 * server of `vram serve` (libwebsockets, one event loop owning the sockets). docs/SERVE.md lists
 * every metric. GPU metrics are named like nvidia_gpu_exporter (nvidia_smi_*, base units: bytes,
 * ratios, watts, celsius); allocator metrics are ours (vram_*). Unknown values are left out.
 *
 *     vram_server_options o = vram_server_defaults();    // 127.0.0.1:9400, NVML, no allocator
 *     o.alloc_metrics = my_pool_stats; o.alloc_ctx = pool; // optional: export an allocator
 *     vram_server_t *s = vram_server_create(&o, &err);    // binds; fails if the port is taken
 *     signal handler: vram_server_stop(s);
 *     vram_server_run(s);                                  // serves until stopped
 *     vram_server_free(s);
 */

/* One allocator's numbers as exported (plain data; bytes and counts since the allocator started). */
typedef struct vram_alloc_metrics {
    char name[32];                      /* label pool="..." */
    uint64_t allocated_bytes, allocated_peak_bytes;  /* requested bytes in live blocks */
    uint64_t reserved_bytes, reserved_peak_bytes;    /* device memory held, live or cached */
    double fragmentation_ratio;         /* 1 - largest free block / total free, 0..1 */
    uint64_t alloc_total, free_total, retry_total, oom_total;
    uint64_t swapped_out_bytes_total, swapped_in_bytes_total, evictions_total;
} vram_alloc_metrics;

/* Fill out[0..cap) with the allocators to export, return how many (or a negative status: then none
 * are exported on this scrape). Called from the server's thread on every /metrics and /stats. */
typedef int (*vram_alloc_metrics_fn)(void *ctx, vram_alloc_metrics *out, int cap);

/* The Prometheus text for machine m (GPUs as queried) and n allocators. *text is malloc'd (free()).
 * Returns VRAM_OK or VRAM_ENOMEM. Thread-safe. */
int vram_metrics_render(const vram_machine *m, const vram_alloc_metrics *alloc, int n, char **text,
                        vram_error *err);

/* Allocator metrics files: how a process using an allocator hands its numbers to `vram serve --stats FILE`
 * ({"allocators": [{"name": ..., "allocated_bytes": ..., ...}]}, docs/SERVE.md). write() is atomic.
 * load() fills out[0..cap) and returns how many, or a negative status with err naming the file/field. */
int vram_alloc_metrics_write(const char *path, const vram_alloc_metrics *a, int n, vram_error *err);
int vram_alloc_metrics_load(const char *path, vram_alloc_metrics *out, int cap, vram_error *err);
int vram_alloc_metrics_parse(const char *text, size_t len, const char *name, vram_alloc_metrics *out, int cap,
                             vram_error *err);

typedef struct vram_server_t vram_server_t;

typedef struct vram_server_options {
    const char *bind;                   /* address to listen on, "127.0.0.1" */
    int port;                           /* 9400 (pose serve uses 8080); 0: any free port */
    const char *token;                  /* bearer token; required when bind is not loopback */
    const vram_gpu_source *gpus;        /* NULL: NVML */
    vram_alloc_metrics_fn alloc_metrics;/* NULL: no allocator metrics */
    void *alloc_ctx;
} vram_server_options;

vram_server_options vram_server_defaults(void);

/* Open the GPU source and listen. NULL on failure with err saying why (port taken, token missing).
 * A machine without GPU is not a failure: /healthz says so. */
vram_server_t *vram_server_create(const vram_server_options *o, vram_error *err);

/* The port actually listened on (useful with port 0). */
int vram_server_port(const vram_server_t *s);

/* Serve until vram_server_stop(). Returns VRAM_OK. Call from one thread. */
int vram_server_run(vram_server_t *s);

/* Ask run() to return. Safe from a signal handler and from other threads. */
void vram_server_stop(vram_server_t *s);

/* Close the sockets and the GPU source. Accepts NULL. Not while run() is running. */
void vram_server_free(vram_server_t *s);

#ifdef __cplusplus
}
#endif
#endif
