/*
 * metrics.c - Prometheus text for the GPUs and the allocators, and the allocator metrics file that a
 * process using an allocator writes for `vram serve --stats FILE` to export. Names and units are in
 * docs/SERVE.md: GPU metrics follow nvidia_gpu_exporter (nvidia_smi_*), allocator metrics are vram_*.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_internal.h"
#include "metrics_internal.h"
#include "mem_internal.h"
#include "vram.h"

/* ---- a growing text buffer -------------------------------------------------------------- */

void vram__sbuf_printf(vram__sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A label value with \, " and newline escaped (Prometheus text format). */
static void put_label(vram__sbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') vram__sbuf_printf(b, "\\\\");
        else if (*s == '"') vram__sbuf_printf(b, "\\\"");
        else if (*s == '\n') vram__sbuf_printf(b, "\\n");
        else vram__sbuf_printf(b, "%c", *s);
    }
}

/* The shortest of %.15g / %.17g that reads back as the same double (0.03, not 0.029999999999999999). */
static void put_double(vram__sbuf *b, double d)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", d);
    if (strtod(buf, NULL) != d) snprintf(buf, sizeof buf, "%.17g", d);
    vram__sbuf_printf(b, "%s", buf);
}

static void header(vram__sbuf *b, const char *name, const char *type, const char *help)
{
    vram__sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef enum { U64, DBL } kind;

/* One GPU metric over all GPUs; a field that is unknown (< 0) on a GPU is left out for it. */
static void gpu_metric(vram__sbuf *b, const vram_machine *m, const char *name, const char *help, size_t off, kind k)
{
    if (m->gpu_count == 0) return;
    header(b, name, "gauge", help);
    for (int i = 0; i < m->gpu_count; i++) {
        const char *base = (const char *)&m->gpus[i];
        double d = 0;
        uint64_t u = 0;
        if (k == DBL) {
            memcpy(&d, base + off, sizeof d);
            if (d < 0) continue;
        } else {
            memcpy(&u, base + off, sizeof u);
        }
        vram__sbuf_printf(b, "%s{uuid=\"", name);
        put_label(b, m->gpus[i].uuid);
        vram__sbuf_printf(b, "\"} ");
        if (k == DBL) put_double(b, d);
        else vram__sbuf_printf(b, "%llu", (unsigned long long)u);
        vram__sbuf_printf(b, "\n");
    }
}

static void alloc_metric(vram__sbuf *b, const vram_alloc_metrics *a, int n, const char *name, const char *type,
                         const char *help, size_t off, kind k)
{
    header(b, name, type, help);
    for (int i = 0; i < n; i++) {
        vram__sbuf_printf(b, "%s{pool=\"", name);
        put_label(b, a[i].name);
        const char *base = (const char *)&a[i];
        if (k == DBL) {
            double d;
            memcpy(&d, base + off, sizeof d);
            vram__sbuf_printf(b, "\"} ");
            put_double(b, d);
            vram__sbuf_printf(b, "\n");
        } else {
            uint64_t u;
            memcpy(&u, base + off, sizeof u);
            vram__sbuf_printf(b, "\"} %llu\n", (unsigned long long)u);
        }
    }
}

#define G(field) offsetof(vram_gpu_info, field)
#define A(field) offsetof(vram_alloc_metrics, field)

void vram__metrics_append(vram__sbuf *b, const vram_machine *m, const vram_alloc_metrics *a, int n)
{
    header(b, "vram_gpu_count", "gauge", "GPUs found through NVML (0 without a GPU or driver).");
    vram__sbuf_printf(b, "vram_gpu_count %d\n", m->gpu_count);
    header(b, "vram_nvml_available", "gauge", "1 when NVML loaded and initialised.");
    vram__sbuf_printf(b, "vram_nvml_available %d\n", m->nvml_available ? 1 : 0);
    if (m->gpu_count > 0) {
        header(b, "nvidia_smi_gpu_info", "gauge", "GPU identity; the value is always 1.");
        for (int i = 0; i < m->gpu_count; i++) {
            const vram_gpu_info *g = &m->gpus[i];
            char cc[32] = "";
            if (g->cc_major >= 0) snprintf(cc, sizeof cc, "%d.%d", g->cc_major, g->cc_minor);
            vram__sbuf_printf(b, "nvidia_smi_gpu_info{uuid=\"");
            put_label(b, g->uuid);
            vram__sbuf_printf(b, "\",name=\"");
            put_label(b, g->name);
            vram__sbuf_printf(b, "\",index=\"%d\",driver_version=\"", g->index);
            put_label(b, m->system.driver_version);
            vram__sbuf_printf(b, "\",compute_cap=\"%s\"} 1\n", cc);
        }
    }
    gpu_metric(b, m, "nvidia_smi_memory_total_bytes", "Total GPU memory, bytes.", G(memory_total_bytes), U64);
    gpu_metric(b, m, "nvidia_smi_memory_used_bytes", "Used GPU memory, bytes.", G(memory_used_bytes), U64);
    gpu_metric(b, m, "nvidia_smi_memory_free_bytes", "Free GPU memory, bytes.", G(memory_free_bytes), U64);
    gpu_metric(b, m, "nvidia_smi_memory_reserved_bytes", "GPU memory reserved by the driver, bytes.",
               G(memory_reserved_bytes), U64);
    gpu_metric(b, m, "nvidia_smi_utilization_gpu_ratio", "Time a kernel ran over the last sample period, 0..1.",
               G(utilization_gpu), DBL);
    gpu_metric(b, m, "nvidia_smi_utilization_memory_ratio", "Time memory was read or written, 0..1.",
               G(utilization_memory), DBL);
    gpu_metric(b, m, "nvidia_smi_temperature_gpu", "GPU core temperature, degrees Celsius.", G(temperature_celsius),
               DBL);
    gpu_metric(b, m, "nvidia_smi_power_draw_watts", "Power draw, watts.", G(power_watts), DBL);
    gpu_metric(b, m, "nvidia_smi_power_limit_watts", "Enforced power limit, watts.", G(power_limit_watts), DBL);
    int procs = 0;
    for (int i = 0; i < m->gpu_count; i++) procs += m->gpus[i].process_count;
    if (procs) {
        header(b, "vram_gpu_process_used_bytes", "gauge", "GPU memory used by a compute process, bytes.");
        for (int i = 0; i < m->gpu_count; i++)
            for (int k = 0; k < m->gpus[i].process_count; k++) {
                vram__sbuf_printf(b, "vram_gpu_process_used_bytes{uuid=\"");
                put_label(b, m->gpus[i].uuid);
                vram__sbuf_printf(b, "\",pid=\"%u\"} %llu\n", m->gpus[i].processes[k].pid,
                                  (unsigned long long)m->gpus[i].processes[k].used_bytes);
            }
    }
    if (n <= 0) return;
    alloc_metric(b, a, n, "vram_allocated_bytes", "gauge", "Bytes in live allocations.", A(allocated_bytes), U64);
    alloc_metric(b, a, n, "vram_allocated_peak_bytes", "gauge", "Peak of vram_allocated_bytes.",
                 A(allocated_peak_bytes), U64);
    alloc_metric(b, a, n, "vram_reserved_bytes", "gauge", "Device memory held by the allocator, live or cached.",
                 A(reserved_bytes), U64);
    alloc_metric(b, a, n, "vram_reserved_peak_bytes", "gauge", "Peak of vram_reserved_bytes.",
                 A(reserved_peak_bytes), U64);
    alloc_metric(b, a, n, "vram_fragmentation_ratio", "gauge", "1 - largest free block / total free, 0..1.",
                 A(fragmentation_ratio), DBL);
    alloc_metric(b, a, n, "vram_alloc_total", "counter", "Allocations served.", A(alloc_total), U64);
    alloc_metric(b, a, n, "vram_free_total", "counter", "Frees.", A(free_total), U64);
    alloc_metric(b, a, n, "vram_alloc_retries_total", "counter", "Allocations retried after releasing the cache.",
                 A(retry_total), U64);
    alloc_metric(b, a, n, "vram_oom_total", "counter", "Allocations that failed out of device memory.", A(oom_total),
                 U64);
    alloc_metric(b, a, n, "vram_swapped_out_bytes_total", "counter", "Bytes evicted to host memory.",
                 A(swapped_out_bytes_total), U64);
    alloc_metric(b, a, n, "vram_swapped_in_bytes_total", "counter", "Bytes brought back from host memory.",
                 A(swapped_in_bytes_total), U64);
    alloc_metric(b, a, n, "vram_swap_evictions_total", "counter", "Tensors evicted to host memory.",
                 A(evictions_total), U64);
}

int vram_metrics_render(const vram_machine *m, const vram_alloc_metrics *a, int n, char **text, vram_error *err)
{
    vram__sbuf b = {0};
    vram__metrics_append(&b, m, a, n);
    if (b.oom || !b.p) {
        free(b.p);
        *text = NULL;
        return vram__err(err, VRAM_ENOMEM, "out of memory rendering metrics");
    }
    *text = b.p;
    return VRAM_OK;
}

/* ---- the allocator metrics file --------------------------------------------------------- */

typedef struct field {
    const char *key;
    size_t off;
    kind k;
} field;

static const field fields[] = {
    {"allocated_bytes", A(allocated_bytes), U64},
    {"allocated_peak_bytes", A(allocated_peak_bytes), U64},
    {"reserved_bytes", A(reserved_bytes), U64},
    {"reserved_peak_bytes", A(reserved_peak_bytes), U64},
    {"fragmentation_ratio", A(fragmentation_ratio), DBL},
    {"alloc_total", A(alloc_total), U64},
    {"free_total", A(free_total), U64},
    {"retry_total", A(retry_total), U64},
    {"oom_total", A(oom_total), U64},
    {"swapped_out_bytes_total", A(swapped_out_bytes_total), U64},
    {"swapped_in_bytes_total", A(swapped_in_bytes_total), U64},
    {"evictions_total", A(evictions_total), U64},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

json_t *vram__alloc_metrics_json(const vram_alloc_metrics *a, int n)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++) {
        json_t *o = json_object();
        if (!o) break;
        json_object_set_new(o, "name", json_string(a[i].name));
        for (size_t f = 0; f < N_FIELDS; f++) {
            const char *base = (const char *)&a[i] + fields[f].off;
            if (fields[f].k == DBL) {
                double d;
                memcpy(&d, base, sizeof d);
                json_object_set_new(o, fields[f].key, json_real(d));
            } else {
                uint64_t u;
                memcpy(&u, base, sizeof u);
                json_object_set_new(o, fields[f].key, json_integer((json_int_t)u));
            }
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

int vram_alloc_metrics_write(const char *path, const vram_alloc_metrics *a, int n, vram_error *err)
{
    json_t *root = json_pack("{s:o}", "allocators", vram__alloc_metrics_json(a, n));
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(root);
    if (!text) return vram__err(err, VRAM_ENOMEM, "%s: out of memory", path);
    int rc = vram__write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

int vram_alloc_metrics_parse(const char *text, size_t len, const char *name, vram_alloc_metrics *out, int cap,
                             vram_error *err)
{
    if (!name) name = "stats";
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vram__err(err, VRAM_EINVAL, "%s: line %d, column %d: %s", name, je.line, je.column,
                         je.text);
    int rc = VRAM_EINVAL;
    json_t *arr = json_object_get(root, "allocators");
    if (!json_is_object(root) || !json_is_array(arr)) {
        vram__err(err, rc, "%s: expected {\"allocators\": [...]}", name);
        goto done;
    }
    size_t n = json_array_size(arr);
    if (n > (size_t)cap) {
        vram__err(err, rc, "%s: allocators: at most %d entries", name, cap);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        vram_alloc_metrics *a = &out[i];
        memset(a, 0, sizeof *a);
        json_t *nm = json_object_get(e, "name");
        if (!json_is_object(e) || !json_is_string(nm) || json_string_length(nm) == 0 ||
            json_string_length(nm) >= sizeof a->name) {
            vram__err(err, rc, "%s: allocators[%zu].name: must be a string of 1..%zu characters",
                      name, i, sizeof a->name - 1);
            goto done;
        }
        snprintf(a->name, sizeof a->name, "%s", json_string_value(nm));
        for (size_t f = 0; f < N_FIELDS; f++) {
            json_t *v = json_object_get(e, fields[f].key);
            if (!v) continue; /* absent: 0 */
            char *dst = (char *)a + fields[f].off;
            if (fields[f].k == DBL) {
                double d = json_is_number(v) ? json_number_value(v) : -1;
                if (!(d >= 0 && d <= 1)) {
                    vram__err(err, rc, "%s: allocators[%zu].%s: must be a number 0..1", name, i,
                              fields[f].key);
                    goto done;
                }
                memcpy(dst, &d, sizeof d);
            } else {
                if (!json_is_integer(v) || json_integer_value(v) < 0) {
                    vram__err(err, rc, "%s: allocators[%zu].%s: must be an integer >= 0", name, i,
                              fields[f].key);
                    goto done;
                }
                uint64_t u = (uint64_t)json_integer_value(v);
                memcpy(dst, &u, sizeof u);
            }
        }
    }
    rc = (int)n;
done:
    json_decref(root);
    return rc;
}

int vram_alloc_metrics_load(const char *path, vram_alloc_metrics *out, int cap, vram_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return vram__err(err, VRAM_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(1 << 20);
    if (!buf) {
        fclose(f);
        return vram__err(err, VRAM_ENOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, 1 << 20, f);
    int big = n == (1 << 20);
    fclose(f);
    int rc = big ? vram__err(err, VRAM_EINVAL, "%s: larger than 1 MiB", path)
                 : vram_alloc_metrics_parse(buf, n, path, out, cap, err);
    free(buf);
    return rc;
}
