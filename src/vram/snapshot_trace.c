/* snapshot_trace.c - the event trace parser (JSONL, vram.h "snapshots and traces"): each non-blank
 * line is one JSON object; errors name the file and the line. jansson parses each line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem_internal.h"

static int get_uint(json_t *o, const char *key, int required, uint64_t *v, const char *name, long line,
                    vram_error *err)
{
    json_t *x = json_object_get(o, key);
    if (!x) {
        if (required) return vram__err(err, VRAM_EINVAL, "%s:%ld: \"%s\" is missing", name, line, key);
        return 0;
    }
    if (!json_is_integer(x) || json_integer_value(x) < 0)
        return vram__err(err, VRAM_EINVAL, "%s:%ld: \"%s\" must be a non-negative integer", name, line, key);
    *v = (uint64_t)json_integer_value(x);
    return 0;
}

static int parse_line(const char *s, size_t len, const char *name, long line, vram_trace_event *e, vram_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) return vram__err(err, VRAM_EINVAL, "%s:%ld: %s", name, line, je.text);
    int rc = VRAM_OK;
    memset(e, 0, sizeof *e);
    e->line = line;
    e->time = -1;
    json_t *op = json_object_get(o, "op"), *tag = json_object_get(o, "tag"), *t = json_object_get(o, "time");
    if (!json_is_object(o)) {
        rc = vram__err(err, VRAM_EINVAL, "%s:%ld: a line must be a JSON object", name, line);
    } else if (!json_is_string(op) ||
               (strcmp(json_string_value(op), "alloc") != 0 && strcmp(json_string_value(op), "free") != 0)) {
        rc = vram__err(err, VRAM_EINVAL, "%s:%ld: \"op\" must be \"alloc\" or \"free\"", name, line);
    } else {
        e->op = strcmp(json_string_value(op), "alloc") == 0 ? VRAM_TRACE_ALLOC : VRAM_TRACE_FREE;
        if ((rc = get_uint(o, "id", 1, &e->id, name, line, err)) < 0) goto done;
        if ((rc = get_uint(o, "size", e->op == VRAM_TRACE_ALLOC, &e->size, name, line, err)) < 0) goto done;
        if ((rc = get_uint(o, "stream", 0, &e->stream, name, line, err)) < 0) goto done;
        if (tag && !json_is_string(tag)) {
            rc = vram__err(err, VRAM_EINVAL, "%s:%ld: \"tag\" must be a string", name, line);
            goto done;
        }
        if (tag) snprintf(e->tag, sizeof e->tag, "%s", json_string_value(tag));
        if (t && (!json_is_number(t) || json_number_value(t) < 0)) {
            rc = vram__err(err, VRAM_EINVAL, "%s:%ld: \"time\" must be a non-negative number", name, line);
            goto done;
        }
        if (t) e->time = json_number_value(t);
    }
done:
    json_decref(o);
    return rc;
}

int vram_trace_parse(const char *text, size_t len, const char *name, vram_trace_event **out, size_t *nout,
                     vram_error *err)
{
    if (!name) name = "trace";
    *out = NULL;
    *nout = 0;
    vram_trace_event *ev = NULL;
    size_t n = 0, cap = 0;
    const char *p = text, *end = text + len;
    for (long line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if (!eol) eol = end;
        const char *s = p;
        p = next;
        while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s == eol) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            vram_trace_event *ne = vram__realloc(ev, nc * sizeof *ne);
            if (!ne) {
                free(ev);
                return vram__err(err, VRAM_ENOMEM, "%s:%ld: out of host memory", name, line);
            }
            ev = ne;
            cap = nc;
        }
        int rc = parse_line(s, (size_t)(eol - s), name, line, &ev[n], err);
        if (rc < 0) {
            free(ev);
            return rc;
        }
        n++;
    }
    *out = ev;
    *nout = n;
    return VRAM_OK;
}

int vram_trace_load(const char *path, vram_trace_event **ev, size_t *n, vram_error *err)
{
    *ev = NULL;
    *n = 0;
    char *buf;
    size_t len;
    int rc = vram__read_file(path, &buf, &len, err);
    if (rc < 0) return rc;
    rc = vram_trace_parse(buf, len, path, ev, n, err);
    free(buf);
    return rc;
}
