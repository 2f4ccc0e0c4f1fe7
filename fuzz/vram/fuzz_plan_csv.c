/* fuzz_plan_csv.c - libFuzzer target for the lifetimes CSV of `vram plan` (vram_plan_csv_parse) and
 * the planner on what it accepts: a clean error or a valid plan, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "vram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vram_error err = {0};
    vram_plan_tensor *t = NULL;
    size_t n = 0;
    if (vram_plan_csv_parse((const char *)data, size, "fuzz.csv", &t, &n, &err) != VRAM_OK) {
        if (t || !err.msg[0]) abort();
        return 0;
    }
    if (n <= 64) { /* keep each run fast */
        vram_plan_result r;
        if (vram_plan_offsets(t, n, 256, &r, &err) == VRAM_OK) {
            if (r.peak < r.lower_bound || r.peak > r.no_reuse) abort();
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                    if (t[i].size && t[j].size && t[i].first <= t[j].last && t[j].first <= t[i].last &&
                        t[i].offset < t[j].offset + t[j].size && t[j].offset < t[i].offset + t[i].size)
                        abort();
        }
    }
    free(t);
    return 0;
}
