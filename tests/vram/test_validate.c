/* test_validate.c - libvram's environment checks as data: statuses, required vs optional, fixes,
 * with a fake GPU source (present, absent, failing) and thresholds that force failures. */
#include "check.h"
#include "fake_gpu.h"
#include "vram.h"

static const vram_check *find(const vram_check *c, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) return &c[i];
    CHECK_FAIL_("no check named '%s'", name);
    return NULL;
}

static void test_here(void)
{
    fake_gpus none = {0};
    none.absent = 1;
    vram_gpu_source s = fake_source(&none);
    vram_validate_options o = vram_validate_defaults();
    CHECK_STR_EQ(o.disk_path, ".");
    o.gpus = &s;
    vram_check c[32];
    int n = vram_validate_run(&o, c, 32);
    CHECK_INT_EQ(n, 11);
    static const char *const names[] = {"compiler", "C runtime", "jansson", "libwebsockets", "CUDA driver",
                                        "CUDA runtime", "NVML", "GPU memory", "system memory", "free disk",
                                        "SIMD"};
    for (int i = 0; i < 11 && i < n; i++) CHECK_STR_EQ(c[i].name, names[i]);
    CHECK(vram_checks_ok(c, n)); /* this machine passes */
    const vram_check *x = find(c, n, "NVML");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_SKIP);
        CHECK_INT_EQ(x->required, 0);
        CHECK(strstr(x->detail, "fake says absent") != NULL);
        CHECK(x->fix[0] != '\0');
    }
    x = find(c, n, "GPU memory");
    if (x) CHECK_INT_EQ(x->status, VRAM_CHECK_SKIP);
    x = find(c, n, "compiler");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_PASS);
        CHECK_STR_EQ(x->fix, ""); /* no fix on a pass */
    }
    /* cap limits what is written */
    CHECK_INT_EQ(vram_validate_run(&o, c, 3), 3);
}

static void test_gpu(void)
{
    fake_gpus f = fake_one("NVIDIA GeForce RTX 4070 Ti", 12);
    vram_gpu_source s = fake_source(&f);
    vram_validate_options o = vram_validate_defaults();
    o.gpus = &s;
    vram_check c[32];
    int n = vram_validate_run(&o, c, 32);
    const vram_check *x = find(c, n, "NVML");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_PASS);
        CHECK(strstr(x->detail, "550.54.14") && strstr(x->detail, "CUDA 12.4") && strstr(x->detail, "1 GPU"));
    }
    x = find(c, n, "GPU memory");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_PASS);
        CHECK(strstr(x->detail, "RTX 4070 Ti") != NULL);
    }
    /* almost full: a warning with a fix, still ok overall */
    f.free_[0] = f.total[0] / 20;
    n = vram_validate_run(&o, c, 32);
    x = find(c, n, "GPU memory");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_WARN);
        CHECK(strstr(x->fix, "nvidia-smi") != NULL);
    }
    CHECK(vram_checks_ok(c, n));
    /* a failing query: NVML reported as not available, not a crash */
    f.fail_query = 1;
    n = vram_validate_run(&o, c, 32);
    x = find(c, n, "NVML");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_SKIP);
        CHECK(strstr(x->detail, "fake query failure") != NULL);
    }
}

static void test_failures(void)
{
    fake_gpus none = {0};
    none.absent = 1;
    vram_gpu_source s = fake_source(&none);
    vram_validate_options o = vram_validate_defaults();
    o.gpus = &s;
    o.min_memory_bytes = UINT64_MAX / 2;
    o.min_disk_bytes = UINT64_MAX / 8;
    vram_check c[32];
    int n = vram_validate_run(&o, c, 32);
    CHECK(!vram_checks_ok(c, n));
    const vram_check *x = find(c, n, "system memory");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_FAIL);
        CHECK(strstr(x->fix, "GiB") != NULL);
    }
    x = find(c, n, "free disk");
    if (x) CHECK_INT_EQ(x->status, VRAM_CHECK_FAIL);
    o = vram_validate_defaults();
    o.gpus = &s;
    o.disk_path = "/nonexistent/folder";
    n = vram_validate_run(&o, c, 32);
    x = find(c, n, "free disk");
    if (x) {
        CHECK_INT_EQ(x->status, VRAM_CHECK_FAIL);
        CHECK(strstr(x->detail, "/nonexistent/folder") != NULL);
    }
    CHECK(!vram_checks_ok(c, n));
    /* disk between 1x and 4x the minimum: a warning */
    o.disk_path = ".";
    o.min_disk_bytes = 1;
    n = vram_validate_run(&o, c, 32);
    CHECK(vram_checks_ok(c, n));
    /* NULL options: the defaults with NVML */
    n = vram_validate_run(NULL, c, 32);
    CHECK_INT_EQ(n, 11);
}

static void test_data(void)
{
    CHECK_STR_EQ(vram_check_status_name(VRAM_CHECK_PASS), "pass");
    CHECK_STR_EQ(vram_check_status_name(VRAM_CHECK_WARN), "warn");
    CHECK_STR_EQ(vram_check_status_name(VRAM_CHECK_SKIP), "skip");
    CHECK_STR_EQ(vram_check_status_name(VRAM_CHECK_FAIL), "FAIL");
    vram_check c[2];
    vram_check_set(&c[0], "a very long check name that does not fit", 1, VRAM_CHECK_FAIL, "do %s", "x %d", 5);
    CHECK_INT_EQ(strlen(c[0].name), sizeof c[0].name - 1);
    CHECK_STR_EQ(c[0].detail, "x 5");
    CHECK_STR_EQ(c[0].fix, "do %s"); /* the fix is text, not a format */
    vram_check_set(&c[1], "opt", 0, VRAM_CHECK_FAIL, "install it", "absent");
    CHECK(!vram_checks_ok(c, 1));
    CHECK(vram_checks_ok(c + 1, 1)); /* an optional failure does not fail validation */
    CHECK(vram_checks_ok(c, 0));
}

int main(void)
{
    test_here();
    test_gpu();
    test_failures();
    test_data();
    return check_report();
}
