/* mem_internal.h - helpers shared by the memory side of libvram (devices, pool, planner, swapper,
 * batch sizer, snapshots): error filling and host allocation with fault injection (STYLE.md #13),
 * reading a whole file. vram__err is also the error filler of the machine side (config, machine,
 * metrics, serve). */
#ifndef VRAM_MEM_INTERNAL_H
#define VRAM_MEM_INTERNAL_H

#include <stddef.h>

#include "vram.h"

/* Fill err (when not NULL) with code and a printf-style message; returns code. */
int vram__err(vram_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Read the whole file at path into *out (a host buffer of *nout bytes, not NUL-terminated; free()
 * it). Errors name the path: VRAM_EIO (cannot open: strerror, or "read error"), VRAM_ENOMEM. */
int vram__read_file(const char *path, char **out, size_t *nout, vram_error *err);

/* Host allocation used by the memory code: malloc/calloc/realloc that fail on demand in tests. */
void *vram__malloc(size_t n);
void *vram__calloc(size_t count, size_t size);
void *vram__realloc(void *p, size_t n);

/* Fault injection: make the k-th host allocation from now fail (1 = the next one), 0 turns it off.
 * vram__fault_count() says how many allocations were made since the last vram__fault_set().
 * Process-wide, not thread-safe: for single-threaded tests. */
void vram__fault_set(long k);
long vram__fault_count(void);
/* Count one allocation; 1 when it must fail (for allocators other than malloc: posix_memalign). */
int vram__fault_next(void);

/* The planner with the exhaustive search limited to n <= exact_max (0: heuristic only, for tests). */
int vram__plan_run(vram_plan_tensor *t, size_t n, uint64_t alignment, size_t exact_max, vram_plan_result *out,
                   vram_error *err);

#endif
