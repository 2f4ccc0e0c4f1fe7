/* device_fault.c - host allocation for the memory code, with a fault-injection hook so that tests can
 * fail the k-th malloc and check every error path (SQLite faultsim style), plus the error filler. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem_internal.h"

static long fault_at;     /* fail when count reaches this (0: never) */
static long fault_count;  /* allocations since vram__fault_set() */

void vram__fault_set(long k)
{
    fault_at = k;
    fault_count = 0;
}

long vram__fault_count(void) { return fault_count; }

int vram__fault_next(void)
{
    fault_count++;
    return fault_at > 0 && fault_count == fault_at;
}

void *vram__malloc(size_t n) { return vram__fault_next() ? NULL : malloc(n ? n : 1); }

void *vram__calloc(size_t count, size_t size) { return vram__fault_next() ? NULL : calloc(count ? count : 1, size ? size : 1); }

void *vram__realloc(void *p, size_t n) { return vram__fault_next() ? NULL : realloc(p, n ? n : 1); }

int vram__err(vram_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}
