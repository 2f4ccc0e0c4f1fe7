/* fuzz_vram_config.c - libFuzzer over the two JSON parsers of the machine/exporter code: the profile
 * config file (vram_rules_parse) and the allocator metrics file (vram_alloc_metrics_parse). Whatever
 * the input: no crash, no leak, a message on failure, and on success a profile within its ranges. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vram_machine m;
    vram_rules_t *r = vram_rules_create();
    if (!r) return 0;
    vram_error err = {0};
    int rc = vram_rules_parse(r, (const char *)data, size, "fuzz.json", &err);
    if (rc < 0) assert(err.msg[0] != '\0');
    /* select on a CPU machine and on a few cards: the result must stay in range */
    static const char *const names[] = {"NVIDIA GeForce RTX 4070 Ti", "NVIDIA H100 80GB HBM3", "x"};
    static const uint64_t sizes[] = {12ull << 30, 80ull << 30, 1ull << 20};
    for (int i = -1; i < 3; i++) {
        memset(&m, 0, sizeof m);
        m.cpu.cores = 4;
        if (i >= 0) {
            m.gpu_count = 1;
            snprintf(m.gpus[0].name, sizeof m.gpus[0].name, "%s", names[i]);
            m.gpus[0].memory_total_bytes = sizes[i];
        }
        vram_profile p;
        vram_rules_select(r, &m, &p);
        assert(p.max_batch >= 1 && p.max_batch <= 1048576);
        assert(p.swap_threshold > 0 && p.swap_threshold <= 1);
        assert(p.batch_budget > 0 && p.batch_budget <= 1);
    }
    vram_rules_free(r);

    vram_alloc_metrics a[4];
    rc = vram_alloc_metrics_parse((const char *)data, size, "fuzz.json", a, 4, &err);
    assert(rc <= 4);
    if (rc < 0) assert(err.msg[0] != '\0');
    if (rc > 0) {
        char *text = NULL;
        if (vram_metrics_render(&m, a, rc, &text, &err) == VRAM_OK) free(text);
    }
    return 0;
}
