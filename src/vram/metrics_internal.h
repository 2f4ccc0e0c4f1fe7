/* metrics_internal.h - pieces of metrics.c used by serve.c. */
#ifndef VRAM_METRICS_INTERNAL_H
#define VRAM_METRICS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "vram.h"

/* A growing text buffer; oom is set (and further output dropped) when realloc fails. */
typedef struct vram__sbuf {
    char *p;
    size_t len, cap;
    int oom;
} vram__sbuf;

void vram__sbuf_printf(vram__sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Append the Prometheus text for m and n allocators. */
void vram__metrics_append(vram__sbuf *b, const vram_machine *m, const vram_alloc_metrics *a, int n);

/* The allocators as a JSON array (new reference). */
json_t *vram__alloc_metrics_json(const vram_alloc_metrics *a, int n);

#endif
