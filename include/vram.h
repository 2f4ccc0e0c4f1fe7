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

/* ==== devices: sim, host, cuda (device*.c) ==== */

/* ==== caching allocator (pool*.c) ==== */

/* ==== snapshots and traces (snapshot*.c) ==== */

/* ==== static planner (planner.c) ==== */

/* ==== swapper (swap*.c) ==== */

/* ==== batch sizer (batch.c) ==== */

/* ==== metrics exporter (metrics*.c, serve*.c) ==== */

#ifdef __cplusplus
}
#endif
#endif
