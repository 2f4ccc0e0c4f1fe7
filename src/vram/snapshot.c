/* snapshot.c - a pool as JSON (segments, blocks, tags, stats) and its event trace as JSONL, the
 * format `vram sim` replays and `vram snapshot-plot` draws. Written atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "machine_internal.h"
#include "mem_internal.h"
#include "pool_internal.h"

static json_t *stat_json(const vram_stat *s) { return json_pack("{s:I,s:I}", "current", (json_int_t)s->current, "peak", (json_int_t)s->peak); }

static json_t *stats_json(const vram_pool_stats *st)
{
    json_t *o = json_object();
    if (!o) return NULL;
    struct { const char *k; const vram_stat *v; } s[] = {
        {"allocated_bytes", &st->allocated_bytes}, {"requested_bytes", &st->requested_bytes},
        {"reserved_bytes", &st->reserved_bytes},   {"active_bytes", &st->active_bytes},
        {"inactive_split_bytes", &st->inactive_split_bytes}, {"allocation", &st->allocation},
        {"segment", &st->segment}, {"active", &st->active}, {"inactive_split", &st->inactive_split}};
    int bad = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) bad |= json_object_set_new(o, s[i].k, stat_json(s[i].v));
    struct { const char *k; uint64_t v; } c[] = {
        {"alloc_count", st->alloc_count}, {"free_count", st->free_count}, {"retry_count", st->retry_count},
        {"oom_count", st->oom_count}, {"segment_alloc_count", st->segment_alloc_count},
        {"segment_free_count", st->segment_free_count}, {"gc_release_count", st->gc_release_count},
        {"cached_free_bytes", st->cached_free_bytes}, {"largest_free_block", st->largest_free_block}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) bad |= json_object_set_new(o, c[i].k, json_integer((json_int_t)c[i].v));
    bad |= json_object_set_new(o, "fragmentation_ratio", json_real(st->fragmentation_ratio));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *tag_name(const vram_pool_t *p, uint16_t t) { return t ? p->tags[t] : ""; }

int vram_pool_snapshot(const vram_pool_t *p, char **out, vram_error *err)
{
    *out = NULL;
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    json_t *root = json_pack("{s:s,s:I,s:o,s:[],s:[]}", "name", p->name, "limit_bytes", (json_int_t)p->limit, "stats",
                             stats_json(&st), "tags", "segments");
    int bad = root == NULL;
    json_t *tags = json_object_get(root, "tags"), *segs = json_object_get(root, "segments");
    for (int i = 1; !bad && i < p->ntags; i++) bad |= json_array_append_new(tags, json_string(p->tags[i]));
    for (const pool_seg *s = p->segs; !bad && s; s = s->next) {
        json_t *blocks = json_array();
        json_t *so = json_pack("{s:I,s:I,s:s,s:I,s:o}", "address", (json_int_t)s->addr, "size", (json_int_t)s->size,
                               "pool", s->large ? "large" : "small", "stream", (json_int_t)(uintptr_t)s->stream,
                               "blocks", blocks);
        bad |= so == NULL || json_array_append_new(segs, so);
        for (const pool_block *b = s->head; !bad && b; b = b->next) {
            const char *state = b->allocated ? "allocated" : b->in_index ? "free" : "pending";
            json_t *bo = json_pack("{s:I,s:I,s:I,s:s,s:s}", "address", (json_int_t)b->addr, "size", (json_int_t)b->size,
                                   "requested", (json_int_t)(b->allocated ? b->requested : 0), "state", state, "tag",
                                   b->allocated ? tag_name(p, b->tag) : "");
            bad |= bo == NULL || json_array_append_new(blocks, bo);
        }
    }
    char *text = bad ? NULL : json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!text) return vram__err(err, VRAM_ENOMEM, "%s: out of host memory for the snapshot", p->name);
    *out = text;
    return VRAM_OK;
}

int vram_pool_snapshot_write(const vram_pool_t *p, const char *path, vram_error *err)
{
    char *text;
    int rc = vram_pool_snapshot(p, &text, err);
    if (rc < 0) return rc;
    rc = vram__write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

int vram_pool_trace_write(const vram_pool_t *p, const char *path, vram_error *err)
{
    if (!p->opt.trace) return vram__err(err, VRAM_EINVAL, "%s: the pool was created without trace = 1", p->name);
    size_t cap = 256 + p->ntrace * 160, len = 0;
    char *buf = vram__malloc(cap);
    if (!buf) return vram__err(err, VRAM_ENOMEM, "%s: out of host memory for the trace", p->name);
    for (size_t i = 0; i < p->ntrace; i++) {
        const pool_trace_event *e = &p->trace[i];
        json_t *o = e->op == 'a'
                        ? json_pack("{s:s,s:I,s:I,s:I,s:s,s:f}", "op", "alloc", "id", (json_int_t)e->addr, "size",
                                    (json_int_t)e->requested, "stream", (json_int_t)(uintptr_t)e->stream, "tag",
                                    tag_name(p, e->tag), "time", e->time)
                        : json_pack("{s:s,s:I,s:f}", "op", "free", "id", (json_int_t)e->addr, "time", e->time);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
        json_decref(o);
        if (!line || len + strlen(line) + 2 > cap) {
            free(line);
            free(buf);
            return vram__err(err, VRAM_ENOMEM, "%s: out of host memory for the trace", p->name);
        }
        len += (size_t)snprintf(buf + len, cap - len, "%s\n", line);
        free(line);
    }
    int rc = vram__write_atomic(path, buf, len, err);
    free(buf);
    return rc;
}
