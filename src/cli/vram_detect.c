/*
 * vram_detect.c - `vram detect`: CPU and GPUs (NVML), the chosen resource profile, and the machine
 * profile JSON written to ~/.config/ai-ml-pipeline/machine.json (or --out). docs/MACHINE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vram.h"
#include "vram_cmds.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram detect [--out FILE] [--json] [--config FILE]\n\n"
            "Detect the CPU and the NVIDIA GPUs (NVML), choose the resource profile and write the machine\n"
            "profile JSON (docs/MACHINE.md).\n\n"
            "  --out FILE      where to write it (default $XDG_CONFIG_HOME or ~/.config/ai-ml-pipeline/machine.json)\n"
            "  --json          print the profile JSON instead of the summary\n"
            "  --config FILE   profile rules overriding the built-in ones (docs/MACHINE.md, \"Config file\")\n"
            "  --help          this text\n");
}

static void print_summary(const vram_machine *m, FILE *f)
{
    const vram_cpu_info *c = &m->cpu;
    fprintf(f, "CPU: %s, %d cores, %.1f GiB memory (%.1f GiB available), SIMD %s\n", c->model, c->cores,
            (double)c->memory_total_bytes / GIB, (double)c->memory_available_bytes / GIB, vram_simd_name(c->simd));
    if (!m->nvml_available) {
        fprintf(f, "no GPU found (NVML not available: %s)\n", m->nvml_error);
    } else {
        fprintf(f, "NVML: driver %s, CUDA %d.%d\n", m->system.driver_version[0] ? m->system.driver_version : "?",
                m->system.cuda_driver_version / 1000, m->system.cuda_driver_version % 1000 / 10);
        if (m->gpu_count == 0) fprintf(f, "no GPU found (NVML reports 0 devices)\n");
    }
    for (int i = 0; i < m->gpu_count; i++) {
        const vram_gpu_info *g = &m->gpus[i];
        fprintf(f, "GPU %d: %s, %s, %.2f GiB (%.2f free, %.2f used)", g->index, g->name, g->uuid[0] ? g->uuid : "no UUID",
                (double)g->memory_total_bytes / GIB, (double)g->memory_free_bytes / GIB,
                (double)g->memory_used_bytes / GIB);
        if (g->cc_major >= 0) fprintf(f, ", compute %d.%d", g->cc_major, g->cc_minor);
        if (g->power_watts >= 0) fprintf(f, ", %.0f W", g->power_watts);
        if (g->power_limit_watts >= 0) fprintf(f, " of %.0f W", g->power_limit_watts);
        if (g->temperature_celsius >= 0) fprintf(f, ", %.0f C", g->temperature_celsius);
        fputc('\n', f);
    }
    const vram_profile *p = &m->profile;
    fprintf(f,
            "profile: %s (%s; %s): max batch %d, gradient checkpointing %s, swap threshold %.2f, batch budget "
            "%.2f, inference timeout %g s\n",
            p->device, p->name, p->source, p->max_batch, p->gradient_checkpointing ? "on" : "off",
            p->swap_threshold, p->batch_budget, p->inference_timeout_s);
}

int cmd_detect(int argc, char **argv)
{
    const char *out = NULL, *config = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else {
            fprintf(stderr, "vram detect: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    vram_error err = {0};
    char path[4096];
    if (!out) {
        if (vram_machine_default_path(path, sizeof path, &err) < 0) {
            fprintf(stderr, "vram detect: %s\n", err.msg);
            return 1;
        }
        out = path;
    }
    vram_machine *m = calloc(1, sizeof *m);
    vram_rules_t *rules = vram_rules_create();
    char *text = NULL;
    int status = 1;
    if (!m || !rules) {
        fprintf(stderr, "vram detect: out of memory\n");
        goto done;
    }
    if (config && vram_rules_load(rules, config, &err) < 0) {
        fprintf(stderr, "vram detect: %s\n", err.msg);
        goto done;
    }
    if (vram_machine_detect(m, NULL, &err) < 0) {
        fprintf(stderr, "vram detect: %s\n", err.msg);
        goto done;
    }
    vram_rules_select(rules, m, &m->profile);
    if (vram_machine_write(m, out, &err) < 0) {
        fprintf(stderr, "vram detect: %s\n", err.msg);
        goto done;
    }
    if (json) {
        if (vram_machine_to_json(m, &text, &err) < 0) {
            fprintf(stderr, "vram detect: %s\n", err.msg);
            goto done;
        }
        printf("%s\n", text);
    } else {
        print_summary(m, stdout);
        printf("wrote %s\n", out);
    }
    status = 0;
done:
    free(text);
    vram_rules_free(rules);
    free(m);
    return status;
}
