/*
 * machine.c - detection of the whole machine (CPU + GPUs through a vram_gpu_source), the built-in
 * profile choice, and the machine profile JSON (schema "ai-ml-pipeline/machine/1", docs/MACHINE.md),
 * written atomically: a temp file in the same folder, fsync, rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "machine_internal.h"
#include "mem_internal.h"
#include "vram.h"

int vram_machine_detect(vram_machine *m, const vram_gpu_source *src, vram_error *err)
{
    memset(m, 0, sizeof *m);
    vram_cpu_detect(&m->cpu);
    if (!src) src = vram_gpu_source_nvml();
    vram_error e = {0};
    int rc = src->open(src->ctx, &m->system, &e);
    if (rc < 0) {
        m->nvml_available = 0;
        snprintf(m->nvml_error, sizeof m->nvml_error, "%s", e.msg[0] ? e.msg : vram_status_str(rc));
        m->gpu_count = 0;
    } else {
        m->nvml_available = 1;
        int n = m->system.gpu_count > VRAM_MAX_GPUS ? VRAM_MAX_GPUS : m->system.gpu_count;
        for (int i = 0; i < n; i++) {
            rc = src->query(src->ctx, i, &m->gpus[i], err);
            if (rc < 0) {
                src->close(src->ctx);
                m->gpu_count = 0;
                return rc;
            }
        }
        m->gpu_count = n;
        src->close(src->ctx);
    }
    vram_rules_t *r = vram_rules_create();
    if (!r) return vram__err(err, VRAM_ENOMEM, "out of memory choosing the profile");
    vram_rules_select(r, m, &m->profile);
    vram_rules_free(r);
    return VRAM_OK;
}

/* ---- JSON ------------------------------------------------------------------------------- */

static json_t *num_or_null(double x) { return x < 0 ? json_null() : json_real(x); }
static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

json_t *vram__gpu_json(const vram_gpu_info *g)
{
    json_t *o = json_object();
    if (!o) return NULL;
    char cc[32];
    snprintf(cc, sizeof cc, "%d.%d", g->cc_major, g->cc_minor);
    json_t *procs = json_array();
    for (int i = 0; procs && i < g->process_count; i++)
        json_array_append_new(procs, json_pack("{s:I,s:I}", "pid", (json_int_t)g->processes[i].pid,
                                               "used_bytes", (json_int_t)g->processes[i].used_bytes));
    json_object_set_new(o, "index", json_integer(g->index));
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "uuid", str_or_null(g->uuid));
    json_object_set_new(o, "memory_total_bytes", json_integer((json_int_t)g->memory_total_bytes));
    json_object_set_new(o, "memory_free_bytes", json_integer((json_int_t)g->memory_free_bytes));
    json_object_set_new(o, "memory_used_bytes", json_integer((json_int_t)g->memory_used_bytes));
    json_object_set_new(o, "memory_reserved_bytes", json_integer((json_int_t)g->memory_reserved_bytes));
    json_object_set_new(o, "compute_capability", g->cc_major >= 0 ? json_string(cc) : json_null());
    json_object_set_new(o, "power_watts", num_or_null(g->power_watts));
    json_object_set_new(o, "power_limit_watts", num_or_null(g->power_limit_watts));
    json_object_set_new(o, "temperature_celsius", num_or_null(g->temperature_celsius));
    json_object_set_new(o, "utilization_gpu_ratio", num_or_null(g->utilization_gpu));
    json_object_set_new(o, "utilization_memory_ratio", num_or_null(g->utilization_memory));
    json_object_set_new(o, "processes", procs ? procs : json_null());
    return o;
}

json_t *vram__profile_json(const vram_profile *p)
{
    return json_pack("{s:s,s:o,s:s,s:s,s:i,s:b,s:f,s:f,s:f}", "device", p->device, "gpu_index",
                     p->gpu_index >= 0 ? json_integer(p->gpu_index) : json_null(), "name", p->name, "source",
                     p->source, "max_batch", p->max_batch, "gradient_checkpointing", p->gradient_checkpointing,
                     "swap_threshold", p->swap_threshold, "batch_budget", p->batch_budget,
                     "inference_timeout_s", p->inference_timeout_s);
}

int vram_machine_to_json(const vram_machine *m, char **out, vram_error *err)
{
    *out = NULL;
    char when[32], host[256] = "";
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';

    json_t *gpus = json_array();
    for (int i = 0; gpus && i < m->gpu_count; i++) json_array_append_new(gpus, vram__gpu_json(&m->gpus[i]));
    json_t *cpu = json_pack("{s:s,s:i,s:I,s:I,s:s}", "model", m->cpu.model, "cores", m->cpu.cores,
                            "memory_total_bytes", (json_int_t)m->cpu.memory_total_bytes,
                            "memory_available_bytes", (json_int_t)m->cpu.memory_available_bytes, "simd",
                            vram_simd_name(m->cpu.simd));
    json_t *nvml = json_pack("{s:b,s:o,s:o,s:o}", "available", m->nvml_available, "error",
                             m->nvml_available ? json_null() : json_string(m->nvml_error), "driver_version",
                             str_or_null(m->system.driver_version), "cuda_driver_version",
                             m->system.cuda_driver_version ? json_integer(m->system.cuda_driver_version)
                                                           : json_null());
    json_t *root = json_pack("{s:s,s:s,s:s,s:s,s:o*,s:o*,s:o*,s:o*}", "schema", VRAM_MACHINE_SCHEMA, "created",
                             when, "host", host, "vram_version", vram_version(), "cpu", cpu, "nvml", nvml, "gpus",
                             gpus, "profile", vram__profile_json(&m->profile));
    if (!root || !cpu || !nvml || !gpus) {
        json_decref(root);
        return vram__err(err, VRAM_ENOMEM, "out of memory writing the machine profile");
    }
    *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!*out) return vram__err(err, VRAM_ENOMEM, "out of memory writing the machine profile");
    return VRAM_OK;
}

/* mkdir -p of path's parent folder. */
static int make_parents(const char *path, vram_error *err)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return vram__err(err, VRAM_EINVAL, "%s: path too long", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return VRAM_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return vram__err(err, VRAM_EIO, "%s: cannot create: %s", dir, strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return vram__err(err, VRAM_EIO, "%s: cannot create: %s", dir, strerror(errno));
    return VRAM_OK;
}

int vram__write_atomic(const char *path, const char *data, size_t len, vram_error *err)
{
    int rc = make_parents(path, err);
    if (rc < 0) return rc;
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return vram__err(err, VRAM_EINVAL, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return vram__err(err, VRAM_EIO, "%s: cannot create a temporary file: %s", path,
                         strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            rc = vram__err(err, VRAM_EIO, "%s: write failed: %s", path, strerror(errno));
            goto fail_unlink;
        }
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        rc = vram__err(err, VRAM_EIO, "%s: cannot sync: %s", path, strerror(errno));
        goto fail_unlink;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = vram__err(err, VRAM_EIO, "%s: close failed: %s", path, strerror(errno));
        goto fail_unlink;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = vram__err(err, VRAM_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        goto fail_unlink;
    }
    return VRAM_OK;
fail_unlink:
    if (fd >= 0) close(fd);
    unlink(tmp);
    return rc;
}

int vram_machine_write(const vram_machine *m, const char *path, vram_error *err)
{
    char *json = NULL;
    int rc = vram_machine_to_json(m, &json, err);
    if (rc < 0) return rc;
    size_t len = strlen(json);
    char *with_nl = realloc(json, len + 2);
    if (!with_nl) {
        free(json);
        return vram__err(err, VRAM_ENOMEM, "out of memory writing %s", path);
    }
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    rc = vram__write_atomic(path, with_nl, len + 1, err);
    free(with_nl);
    return rc;
}

int vram_machine_default_path(char *buf, size_t size, vram_error *err)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && *xdg) n = snprintf(buf, size, "%s/ai-ml-pipeline/machine.json", xdg);
    else if (home && *home) n = snprintf(buf, size, "%s/.config/ai-ml-pipeline/machine.json", home);
    else
        return vram__err(err, VRAM_ENOTFOUND,
                         "neither XDG_CONFIG_HOME nor HOME is set: give --out FILE");
    if (n < 0 || (size_t)n >= size) return vram__err(err, VRAM_EINVAL, "profile path too long");
    return VRAM_OK;
}
