/* test_machine.c - profile selection with a fake GPU source (8, 12, 24, 80 GB cards and none), the
 * machine profile JSON (parses back with the documented fields), atomic writing and default paths. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fake_gpu.h"
#include "vram.h"

static vram_machine m; /* 16 KB: keep it off the stack */

static void detect_with(fake_gpus *f)
{
    vram_gpu_source s = fake_source(f);
    vram_error err = {0};
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_OK);
}

static void expect_profile(const char *name, double gib, int max_batch, int ckpt, const char *source)
{
    fake_gpus f = fake_one(name, gib);
    detect_with(&f);
    CHECK_INT_EQ(m.gpu_count, 1);
    CHECK_STR_EQ(m.profile.device, "gpu");
    CHECK_INT_EQ(m.profile.gpu_index, 0);
    CHECK_MSG(m.profile.max_batch == max_batch, "%s %g GB: max batch %d, want %d", name, gib, m.profile.max_batch,
              max_batch);
    CHECK_MSG(m.profile.gradient_checkpointing == ckpt, "%s: checkpointing %d, want %d", name,
              m.profile.gradient_checkpointing, ckpt);
    CHECK_STR_EQ(m.profile.source, source);
    CHECK_NEAR(m.profile.swap_threshold, 0.85, 1e-12);
    CHECK_NEAR(m.profile.batch_budget, 0.90, 1e-12);
    CHECK_NEAR(m.profile.inference_timeout_s, 5.0, 1e-12);
    CHECK_INT_EQ(f.opens, 1);
    CHECK_INT_EQ(f.closes, 1);
}

static void test_selection(void)
{
    /* the seed table */
    expect_profile("NVIDIA GeForce RTX 5070 Ti", 12, 256, 0, "seed table");
    CHECK_STR_EQ(m.profile.name, "RTX 5070 Ti 12 GB");
    expect_profile("NVIDIA GeForce RTX 4070 Ti", 12, 128, 0, "seed table");
    expect_profile("NVIDIA GeForce RTX 3070 Ti", 8, 32, 1, "seed table");
    /* unknown cards: the memory rule */
    expect_profile("NVIDIA GeForce RTX 3060 Ti", 8, 32, 1, "memory rule");
    CHECK_STR_EQ(m.profile.name, "8-11 GB tier");
    expect_profile("NVIDIA GeForce RTX 3080 Ti", 12, 128, 0, "memory rule");
    CHECK_STR_EQ(m.profile.name, "12-15 GB tier");
    expect_profile("NVIDIA GeForce RTX 4070 Ti SUPER", 16, 256, 0, "memory rule"); /* name matches, size not */
    expect_profile("NVIDIA GeForce RTX 4090", 24, 256, 0, "memory rule");
    expect_profile("NVIDIA A100-SXM4-40GB", 40, 512, 0, "memory rule");
    expect_profile("NVIDIA H100 80GB HBM3", 80, 1024, 0, "memory rule");
    CHECK_STR_EQ(m.profile.name, ">= 80 GB tier");
    expect_profile("NVIDIA T400", 4, 16, 1, "memory rule");
    expect_profile("nvidia geforce rtx 5070 ti", 12, 256, 0, "seed table"); /* case-insensitive */

    /* several GPUs: the profile is for the first */
    fake_gpus two = fake_one("NVIDIA GeForce RTX 3070 Ti", 8);
    two.n = 2;
    two.names[1] = "NVIDIA H100 80GB HBM3";
    two.total[1] = 80 * FAKE_GIB;
    detect_with(&two);
    CHECK_INT_EQ(m.gpu_count, 2);
    CHECK_INT_EQ(m.profile.max_batch, 32);
    CHECK_STR_EQ(m.gpus[1].name, "NVIDIA H100 80GB HBM3");

    /* no GPU: the CPU profile, and NVML's reason kept */
    fake_gpus none = {0};
    none.absent = 1;
    detect_with(&none);
    CHECK_INT_EQ(m.gpu_count, 0);
    CHECK_INT_EQ(m.nvml_available, 0);
    CHECK(strstr(m.nvml_error, "fake says absent") != NULL);
    CHECK_STR_EQ(m.profile.device, "cpu");
    CHECK_INT_EQ(m.profile.gpu_index, -1);
    CHECK_STR_EQ(m.profile.source, "cpu rule");
    int want = m.cpu.cores * 2 > 64 ? 64 : m.cpu.cores * 2;
    CHECK_INT_EQ(m.profile.max_batch, want);
    CHECK(m.cpu.cores >= 1);
    CHECK(m.cpu.memory_total_bytes > 0);
    CHECK(m.cpu.memory_available_bytes <= m.cpu.memory_total_bytes);

    /* NVML present with zero devices: also the CPU profile */
    fake_gpus zero = {0};
    detect_with(&zero);
    CHECK_INT_EQ(m.nvml_available, 1);
    CHECK_INT_EQ(m.gpu_count, 0);
    CHECK_STR_EQ(m.profile.device, "cpu");

    /* a query failure is an error naming the GPU, and the source is closed */
    fake_gpus bad = fake_one("NVIDIA GeForce RTX 4090", 24);
    bad.fail_query = 1;
    vram_gpu_source s = fake_source(&bad);
    vram_error err = {0};
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "GPU 0") != NULL);
    CHECK_INT_EQ(bad.closes, 1);
}

static void test_simd_names(void)
{
    CHECK_STR_EQ(vram_simd_name(VRAM_SIMD_NONE), "none");
    CHECK_STR_EQ(vram_simd_name(VRAM_SIMD_SSE42), "sse4.2");
    CHECK_STR_EQ(vram_simd_name(VRAM_SIMD_AVX2), "avx2+fma");
    CHECK_STR_EQ(vram_simd_name(VRAM_SIMD_AVX512), "avx512f");
    CHECK_STR_EQ(vram_simd_name((vram_simd)42), "none");
    vram_cpu_info c;
    vram_cpu_detect(&c);
    CHECK(c.model[0] != '\0');
#if defined(__AVX2__)
    CHECK(c.simd >= VRAM_SIMD_AVX2); /* built for AVX2: the CPU has it */
#endif
}

/* The JSON has the documented fields with the documented types (docs/MACHINE.md). */
static void test_json(void)
{
    fake_gpus f = fake_one("NVIDIA GeForce RTX 4070 Ti", 12);
    detect_with(&f);
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/machine_json/a/b", check_tmp_dir());
    snprintf(path, sizeof path, "%s/machine.json", dir);
    unlink(path);
    vram_error err = {0};
    CHECK_INT_EQ(vram_machine_write(&m, path, &err), VRAM_OK); /* creates a/b */
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    CHECK_MSG(root != NULL, "%s: %s", path, je.text);
    if (!root) return;
    CHECK_STR_EQ(json_string_value(json_object_get(root, "schema")), "ai-ml-pipeline/machine/1");
    CHECK(json_is_string(json_object_get(root, "created")));
    CHECK(json_is_string(json_object_get(root, "vram_version")));
    json_t *cpu = json_object_get(root, "cpu");
    CHECK(json_is_integer(json_object_get(cpu, "cores")));
    CHECK(json_is_integer(json_object_get(cpu, "memory_total_bytes")));
    CHECK(json_is_string(json_object_get(cpu, "simd")));
    json_t *nvml = json_object_get(root, "nvml");
    CHECK(json_is_true(json_object_get(nvml, "available")));
    CHECK_STR_EQ(json_string_value(json_object_get(nvml, "driver_version")), "550.54.14");
    CHECK_INT_EQ(json_integer_value(json_object_get(nvml, "cuda_driver_version")), 12040);
    json_t *gpus = json_object_get(root, "gpus");
    CHECK_INT_EQ(json_array_size(gpus), 1);
    json_t *g = json_array_get(gpus, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(g, "name")), "NVIDIA GeForce RTX 4070 Ti");
    CHECK_STR_EQ(json_string_value(json_object_get(g, "uuid")), "GPU-fake-0");
    CHECK_INT_EQ(json_integer_value(json_object_get(g, "memory_total_bytes")), (json_int_t)m.gpus[0].memory_total_bytes);
    CHECK(json_is_integer(json_object_get(g, "memory_free_bytes")));
    CHECK(json_is_integer(json_object_get(g, "memory_used_bytes")));
    CHECK_STR_EQ(json_string_value(json_object_get(g, "compute_capability")), "8.9");
    CHECK_NEAR(json_number_value(json_object_get(g, "power_watts")), 42.5, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(g, "temperature_celsius")), 51, 1e-9);
    CHECK(json_is_null(json_object_get(g, "utilization_memory_ratio"))); /* unknown -> null */
    CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(json_object_get(g, "processes"), 0), "pid")), 1234);
    json_t *p = json_object_get(root, "profile");
    CHECK_STR_EQ(json_string_value(json_object_get(p, "device")), "gpu");
    CHECK_INT_EQ(json_integer_value(json_object_get(p, "gpu_index")), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(p, "max_batch")), 128);
    CHECK(json_is_false(json_object_get(p, "gradient_checkpointing")));
    CHECK_NEAR(json_number_value(json_object_get(p, "swap_threshold")), 0.85, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(p, "batch_budget")), 0.90, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(p, "inference_timeout_s")), 5.0, 1e-9);
    CHECK_STR_EQ(json_string_value(json_object_get(p, "source")), "seed table");
    json_decref(root);

    /* the CPU profile: gpus empty, nvml.error set, gpu_index null */
    fake_gpus none = {0};
    none.absent = 1;
    detect_with(&none);
    char *text = NULL;
    CHECK_INT_EQ(vram_machine_to_json(&m, &text, &err), VRAM_OK);
    root = json_loads(text ? text : "", 0, &je);
    CHECK(root != NULL);
    CHECK_INT_EQ(json_array_size(json_object_get(root, "gpus")), 0);
    CHECK(json_is_string(json_object_get(json_object_get(root, "nvml"), "error")));
    CHECK(json_is_null(json_object_get(json_object_get(root, "profile"), "gpu_index")));
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(root, "profile"), "device")), "cpu");
    json_decref(root);
    free(text);

    /* no temp file is left behind */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", dir);
    CHECK(system(cmd) != 0);
}

static void test_write_errors(void)
{
    vram_error err = {0};
    /* a folder that cannot be created */
    CHECK_INT_EQ(vram_machine_write(&m, "/proc/vram-test/x/machine.json", &err), VRAM_EIO);
    CHECK(strstr(err.msg, "/proc/vram-test") != NULL);
    /* a path whose parent is a file */
    char path[4200];
    snprintf(path, sizeof path, "%s/plainfile", check_tmp_dir());
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/plainfile/machine.json", check_tmp_dir());
    memset(&err, 0, sizeof err);
    CHECK_INT_EQ(vram_machine_write(&m, path, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "plainfile") != NULL);
    /* a path too long */
    char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    CHECK_INT_EQ(vram_machine_write(&m, longp, &err), VRAM_EINVAL);
    /* a relative name without folders works */
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && chdir(check_tmp_dir()) == 0) {
        CHECK_INT_EQ(vram_machine_write(&m, "flat.json", &err), VRAM_OK);
        CHECK(chdir(cwd) == 0);
    }
}

static void test_default_path(void)
{
    char buf[4096];
    vram_error err = {0};
    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    CHECK_INT_EQ(vram_machine_default_path(buf, sizeof buf, &err), VRAM_OK);
    CHECK_STR_EQ(buf, "/x/cfg/ai-ml-pipeline/machine.json");
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/u", 1);
    CHECK_INT_EQ(vram_machine_default_path(buf, sizeof buf, &err), VRAM_OK);
    CHECK_STR_EQ(buf, "/home/u/.config/ai-ml-pipeline/machine.json");
    CHECK_INT_EQ(vram_machine_default_path(buf, 8, &err), VRAM_EINVAL);
    unsetenv("HOME");
    CHECK_INT_EQ(vram_machine_default_path(buf, sizeof buf, &err), VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "--out") != NULL);
}

int main(void)
{
    test_selection();
    test_simd_names();
    test_json();
    test_write_errors();
    test_default_path();
    return check_report();
}
