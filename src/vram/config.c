/*
 * config.c - the profile rules: the seed table, the memory tiers, the CPU rule and the defaults,
 * and the JSON config file that overrides them (schema in docs/MACHINE.md, "Config file").
 * Parsing is strict: unknown keys, wrong types and out-of-range numbers are errors that name the
 * file and the field; a syntax error names the line and column. On error the rules are unchanged.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"
#include "vram.h"

#define MAX_ENTRIES 32
#define MAX_TIERS 16
#define MAX_BATCH_LIMIT 1048576
#define MAX_GIB 4096
#define MAX_CONFIG_BYTES (1 << 20)

typedef struct gpu_entry {
    char match[64];      /* case-insensitive substring of the NVML name */
    int memory_gib;      /* nominal size that must match too, 0 = any */
    char name[96];
    int max_batch;
    int ckpt;
    int from_config;     /* index in the config's "gpus", -1 for the seed table */
} gpu_entry;

typedef struct tier {
    int min_gib;
    int max_batch;
    int ckpt;
} tier;

struct vram_rules {
    gpu_entry entries[MAX_ENTRIES + 3]; /* config entries first, then the seed table */
    int n_entries;
    tier tiers[MAX_TIERS];
    int n_tiers;
    int tiers_from_config;
    int cpu_max_batch;   /* 0: the per-core rule */
    int cpu_ckpt;
    double swap_threshold, batch_budget, timeout_s;
    int force_max_batch; /* 0: none */
    int force_ckpt;      /* -1: none */
    char config_name[96];
};

static const gpu_entry seed_table[] = {
    {"5070 Ti", 12, "RTX 5070 Ti 12 GB", 256, 0, -1},
    {"4070 Ti", 12, "RTX 4070 Ti 12 GB", 128, 0, -1},
    {"3070 Ti", 8, "RTX 3070 Ti 8 GB", 32, 1, -1},
};

static const tier builtin_tiers[] = {
    {0, 16, 1},   /* < 8 GB */
    {8, 32, 1},   /* 8-11 GB, like the 3070 Ti */
    {12, 128, 0}, /* 12-15 GB: the lower of the two 12 GB seed cards */
    {16, 256, 0}, /* 16-39 GB */
    {40, 512, 0}, /* 40-79 GB */
    {80, 1024, 0},/* 80 GB and more */
};

vram_rules_t *vram_rules_create(void)
{
    vram_rules_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->n_entries = (int)(sizeof seed_table / sizeof seed_table[0]);
    memcpy(r->entries, seed_table, sizeof seed_table);
    r->n_tiers = (int)(sizeof builtin_tiers / sizeof builtin_tiers[0]);
    memcpy(r->tiers, builtin_tiers, sizeof builtin_tiers);
    r->swap_threshold = 0.85;
    r->batch_budget = 0.90;
    r->timeout_s = 5.0;
    r->force_ckpt = -1;
    return r;
}

void vram_rules_free(vram_rules_t *r) { free(r); }

/* ---- parsing ----------------------------------------------------------------------------- */

static int check_keys(json_t *obj, const char *const *allowed, const char *file, const char *where,
                      vram_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) ok |= strcmp(key, *a) == 0;
        if (!ok) return vram__err(err, VRAM_EINVAL, "%s: %s: unknown key '%s'", file, where, key);
    }
    return VRAM_OK;
}

static int get_int(json_t *obj, const char *key, int lo, int hi, int required, int *out, const char *file,
                   const char *where, vram_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required) return vram__err(err, VRAM_EINVAL, "%s: %s: missing '%s'", file, where, key);
        return VRAM_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return vram__err(err, VRAM_EINVAL, "%s: %s.%s: must be an integer %d..%d", file, where, key,
                         lo, hi);
    *out = (int)json_integer_value(v);
    return VRAM_OK;
}

static int get_bool(json_t *obj, const char *key, int *out, const char *file, const char *where,
                    vram_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return VRAM_OK;
    if (!json_is_boolean(v))
        return vram__err(err, VRAM_EINVAL, "%s: %s.%s: must be true or false", file, where, key);
    *out = json_is_true(v);
    return VRAM_OK;
}

/* A number in (lo, hi]. */
static int get_fraction(json_t *obj, const char *key, double lo, double hi, double *out, const char *file,
                        const char *where, vram_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return VRAM_OK;
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(x > lo && x <= hi))
        return vram__err(err, VRAM_EINVAL, "%s: %s.%s: must be a number > %g and <= %g", file,
                         where, key, lo, hi);
    *out = x;
    return VRAM_OK;
}

static int parse_gpus(vram_rules_t *r, json_t *arr, const char *file, vram_error *err)
{
    static const char *const keys[] = {"match", "memory_gib", "max_batch", "gradient_checkpointing", NULL};
    if (!json_is_array(arr)) return vram__err(err, VRAM_EINVAL, "%s: gpus: must be an array", file);
    size_t n = json_array_size(arr);
    if (n > MAX_ENTRIES)
        return vram__err(err, VRAM_EINVAL, "%s: gpus: at most %d entries", file, MAX_ENTRIES);
    gpu_entry entries[MAX_ENTRIES];
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        char where[32];
        snprintf(where, sizeof where, "gpus[%zu]", i);
        if (!json_is_object(e))
            return vram__err(err, VRAM_EINVAL, "%s: %s: must be an object", file, where);
        int rc = check_keys(e, keys, file, where, err);
        if (rc < 0) return rc;
        gpu_entry *g = &entries[i];
        memset(g, 0, sizeof *g);
        g->from_config = (int)i;
        json_t *m = json_object_get(e, "match");
        if (!m) return vram__err(err, VRAM_EINVAL, "%s: %s: missing 'match'", file, where);
        if (!json_is_string(m) || json_string_length(m) == 0 || json_string_length(m) >= sizeof g->match)
            return vram__err(err, VRAM_EINVAL,
                             "%s: %s.match: must be a string of 1..%zu characters", file, where,
                             sizeof g->match - 1);
        snprintf(g->match, sizeof g->match, "%s", json_string_value(m));
        if ((rc = get_int(e, "memory_gib", 0, MAX_GIB, 0, &g->memory_gib, file, where, err)) < 0) return rc;
        if ((rc = get_int(e, "max_batch", 1, MAX_BATCH_LIMIT, 1, &g->max_batch, file, where, err)) < 0) return rc;
        if ((rc = get_bool(e, "gradient_checkpointing", &g->ckpt, file, where, err)) < 0) return rc;
        if (g->memory_gib) snprintf(g->name, sizeof g->name, "%s %d GB", g->match, g->memory_gib);
        else snprintf(g->name, sizeof g->name, "%s", g->match);
    }
    /* config entries go first; the seed table stays behind them */
    int seeds = (int)(sizeof seed_table / sizeof seed_table[0]);
    memcpy(r->entries, entries, n * sizeof entries[0]);
    memcpy(r->entries + n, seed_table, sizeof seed_table);
    r->n_entries = (int)n + seeds;
    return VRAM_OK;
}

static int parse_tiers(vram_rules_t *r, json_t *arr, const char *file, vram_error *err)
{
    static const char *const keys[] = {"min_gib", "max_batch", "gradient_checkpointing", NULL};
    if (!json_is_array(arr))
        return vram__err(err, VRAM_EINVAL, "%s: tiers: must be an array", file);
    size_t n = json_array_size(arr);
    if (n == 0 || n > MAX_TIERS)
        return vram__err(err, VRAM_EINVAL, "%s: tiers: must hold 1..%d tiers", file, MAX_TIERS);
    tier tiers[MAX_TIERS];
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        char where[32];
        snprintf(where, sizeof where, "tiers[%zu]", i);
        if (!json_is_object(e))
            return vram__err(err, VRAM_EINVAL, "%s: %s: must be an object", file, where);
        int rc = check_keys(e, keys, file, where, err);
        if (rc < 0) return rc;
        tier *t = &tiers[i];
        memset(t, 0, sizeof *t);
        if ((rc = get_int(e, "min_gib", 0, MAX_GIB, 1, &t->min_gib, file, where, err)) < 0) return rc;
        if ((rc = get_int(e, "max_batch", 1, MAX_BATCH_LIMIT, 1, &t->max_batch, file, where, err)) < 0) return rc;
        if ((rc = get_bool(e, "gradient_checkpointing", &t->ckpt, file, where, err)) < 0) return rc;
        if (i == 0 && t->min_gib != 0)
            return vram__err(err, VRAM_EINVAL,
                             "%s: tiers[0].min_gib: must be 0 so that every card has a tier", file);
        if (i > 0 && t->min_gib <= tiers[i - 1].min_gib)
            return vram__err(err, VRAM_EINVAL,
                             "%s: %s.min_gib: must be greater than tiers[%zu].min_gib (%d)", file,
                             where, i - 1, tiers[i - 1].min_gib);
    }
    memcpy(r->tiers, tiers, n * sizeof tiers[0]);
    r->n_tiers = (int)n;
    r->tiers_from_config = 1;
    return VRAM_OK;
}

int vram_rules_parse(vram_rules_t *r, const char *text, size_t len, const char *name, vram_error *err)
{
    static const char *const top_keys[] = {"gpus", "tiers", "cpu", "profile", NULL};
    static const char *const cpu_keys[] = {"max_batch", "gradient_checkpointing", NULL};
    static const char *const profile_keys[] = {"max_batch", "gradient_checkpointing", "swap_threshold",
                                               "batch_budget", "inference_timeout_s", NULL};
    if (!name) name = "config";
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vram__err(err, VRAM_EINVAL, "%s: line %d, column %d: %s", name, je.line, je.column,
                         je.text);
    vram_rules_t *tmp = malloc(sizeof *tmp); /* parse into a copy: the rules change only on success */
    int rc = VRAM_ENOMEM;
    if (!tmp) {
        vram__err(err, rc, "%s: out of memory", name);
        goto done;
    }
    *tmp = *r;
    if (!json_is_object(root)) {
        rc = vram__err(err, VRAM_EINVAL, "%s: the top level must be a JSON object", name);
        goto done;
    }
    if ((rc = check_keys(root, top_keys, name, "top level", err)) < 0) goto done;
    json_t *v;
    if ((v = json_object_get(root, "gpus")) && (rc = parse_gpus(tmp, v, name, err)) < 0) goto done;
    if ((v = json_object_get(root, "tiers")) && (rc = parse_tiers(tmp, v, name, err)) < 0) goto done;
    if ((v = json_object_get(root, "cpu"))) {
        if (!json_is_object(v)) {
            rc = vram__err(err, VRAM_EINVAL, "%s: cpu: must be an object", name);
            goto done;
        }
        if ((rc = check_keys(v, cpu_keys, name, "cpu", err)) < 0) goto done;
        if ((rc = get_int(v, "max_batch", 1, MAX_BATCH_LIMIT, 0, &tmp->cpu_max_batch, name, "cpu", err)) < 0)
            goto done;
        if ((rc = get_bool(v, "gradient_checkpointing", &tmp->cpu_ckpt, name, "cpu", err)) < 0) goto done;
    }
    if ((v = json_object_get(root, "profile"))) {
        if (!json_is_object(v)) {
            rc = vram__err(err, VRAM_EINVAL, "%s: profile: must be an object", name);
            goto done;
        }
        if ((rc = check_keys(v, profile_keys, name, "profile", err)) < 0) goto done;
        if ((rc = get_int(v, "max_batch", 1, MAX_BATCH_LIMIT, 0, &tmp->force_max_batch, name, "profile", err)) < 0)
            goto done;
        if ((rc = get_bool(v, "gradient_checkpointing", &tmp->force_ckpt, name, "profile", err)) < 0) goto done;
        if ((rc = get_fraction(v, "swap_threshold", 0, 1, &tmp->swap_threshold, name, "profile", err)) < 0)
            goto done;
        if ((rc = get_fraction(v, "batch_budget", 0, 1, &tmp->batch_budget, name, "profile", err)) < 0) goto done;
        if ((rc = get_fraction(v, "inference_timeout_s", 0, 3600, &tmp->timeout_s, name, "profile", err)) < 0)
            goto done;
    }
    snprintf(tmp->config_name, sizeof tmp->config_name, "%s", name);
    *r = *tmp;
    rc = VRAM_OK;
done:
    free(tmp);
    json_decref(root);
    return rc;
}

int vram_rules_load(vram_rules_t *r, const char *path, vram_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return vram__err(err, VRAM_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(MAX_CONFIG_BYTES + 1);
    if (!buf) {
        fclose(f);
        return vram__err(err, VRAM_ENOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, MAX_CONFIG_BYTES + 1, f);
    int rerr = ferror(f);
    fclose(f);
    int rc;
    if (rerr)
        rc = vram__err(err, VRAM_EIO, "%s: read error", path);
    else if (n > MAX_CONFIG_BYTES)
        rc = vram__err(err, VRAM_EINVAL, "%s: larger than %d bytes", path, MAX_CONFIG_BYTES);
    else rc = vram_rules_parse(r, buf, n, path, err);
    free(buf);
    return rc;
}

/* ---- selection --------------------------------------------------------------------------- */

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
    }
    return n == 0;
}

/* Cards report a little less than their nominal size (a "12 GB" card: 11.99 GiB): round. */
static int nominal_gib(uint64_t bytes) { return (int)llround((double)bytes / (double)(1ull << 30)); }

void vram_rules_select(const vram_rules_t *r, const vram_machine *m, vram_profile *p)
{
    memset(p, 0, sizeof *p);
    p->swap_threshold = r->swap_threshold;
    p->batch_budget = r->batch_budget;
    p->inference_timeout_s = r->timeout_s;
    const char *cfg = r->config_name[0] ? r->config_name : "config";
    if (m->gpu_count <= 0) {
        snprintf(p->device, sizeof p->device, "cpu");
        p->gpu_index = -1;
        int cores = m->cpu.cores > 0 ? m->cpu.cores : 1;
        snprintf(p->name, sizeof p->name, "CPU, %d cores, %s", cores, vram_simd_name(m->cpu.simd));
        if (r->cpu_max_batch) {
            p->max_batch = r->cpu_max_batch;
            snprintf(p->source, sizeof p->source, "config %s (cpu)", cfg);
        } else {
            p->max_batch = cores * 2 > 64 ? 64 : cores * 2;
            snprintf(p->source, sizeof p->source, "cpu rule");
        }
        p->gradient_checkpointing = r->cpu_ckpt;
    } else {
        const vram_gpu_info *g = &m->gpus[0];
        int gib = nominal_gib(g->memory_total_bytes);
        snprintf(p->device, sizeof p->device, "gpu");
        p->gpu_index = g->index;
        int found = 0;
        for (int i = 0; i < r->n_entries && !found; i++) {
            const gpu_entry *e = &r->entries[i];
            if (!contains_nocase(g->name, e->match) || (e->memory_gib && e->memory_gib != gib)) continue;
            found = 1;
            snprintf(p->name, sizeof p->name, "%s", e->name);
            if (e->from_config >= 0) snprintf(p->source, sizeof p->source, "config %s (gpus[%d])", cfg, e->from_config);
            else snprintf(p->source, sizeof p->source, "seed table");
            p->max_batch = e->max_batch;
            p->gradient_checkpointing = e->ckpt;
        }
        if (!found) {
            int t = 0;
            for (int i = 0; i < r->n_tiers; i++)
                if (gib >= r->tiers[i].min_gib) t = i;
            if (t + 1 < r->n_tiers)
                snprintf(p->name, sizeof p->name, "%d-%d GB tier", r->tiers[t].min_gib, r->tiers[t + 1].min_gib - 1);
            else snprintf(p->name, sizeof p->name, ">= %d GB tier", r->tiers[t].min_gib);
            if (r->tiers_from_config) snprintf(p->source, sizeof p->source, "config %s (tiers[%d])", cfg, t);
            else snprintf(p->source, sizeof p->source, "memory rule");
            p->max_batch = r->tiers[t].max_batch;
            p->gradient_checkpointing = r->tiers[t].ckpt;
        }
    }
    if (r->force_max_batch) p->max_batch = r->force_max_batch;
    if (r->force_ckpt >= 0) p->gradient_checkpointing = r->force_ckpt;
}
