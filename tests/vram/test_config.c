/* test_config.c - the profile config file: overrides that work, and bad inputs that fail with a clear
 * message naming the file and the line or field, leaving the rules unchanged. */
#include <stdlib.h>

#include "check.h"
#include "fake_gpu.h"
#include "vram.h"

static vram_machine m;

static void machine_with(const char *name, double gib)
{
    fake_gpus f = fake_one(name, gib);
    vram_gpu_source s = fake_source(&f);
    vram_error err = {0};
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_OK);
}

static void expect_error(const char *text, const char *needle)
{
    vram_rules_t *r = vram_rules_create();
    vram_error err = {0};
    int rc = vram_rules_parse(r, text, strlen(text), "bad.json", &err);
    CHECK_MSG(rc == VRAM_EINVAL, "'%s' gave %d, want VRAM_EINVAL", text, rc);
    CHECK_MSG(strstr(err.msg, "bad.json: ") == err.msg, "message does not start with the file: %s", err.msg);
    CHECK_MSG(strstr(err.msg, needle) != NULL, "'%s': message '%s' lacks '%s'", text, err.msg, needle);
    CHECK_INT_EQ(err.code, VRAM_EINVAL);
    /* the rules are unchanged: a 4070 Ti still gets the seed table's 128 */
    machine_with("NVIDIA GeForce RTX 4070 Ti", 12);
    vram_profile p;
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 128);
    CHECK_STR_EQ(p.source, "seed table");
    vram_rules_free(r);
}

static void test_bad_inputs(void)
{
    expect_error("{\"gpus\": [\n  {\"match\": \"x\",}\n]}", "line 2, column");
    expect_error("", "line 1");
    expect_error("[1, 2]", "top level must be a JSON object");
    expect_error("{\"gpu\": []}", "top level: unknown key 'gpu'");
    expect_error("{\"gpus\": {}}", "gpus: must be an array");
    expect_error("{\"gpus\": [3]}", "gpus[0]: must be an object");
    expect_error("{\"gpus\": [{\"max_batch\": 8}]}", "gpus[0]: missing 'match'");
    expect_error("{\"gpus\": [{\"match\": \"\", \"max_batch\": 8}]}", "gpus[0].match: must be a string");
    expect_error("{\"gpus\": [{\"match\": 4090, \"max_batch\": 8}]}", "gpus[0].match: must be a string");
    expect_error("{\"gpus\": [{\"match\": \"4090\"}]}", "gpus[0]: missing 'max_batch'");
    expect_error("{\"gpus\": [{\"match\": \"a\", \"max_batch\": 8}, {\"match\": \"4090\", \"max_batch\": 0}]}",
                 "gpus[1].max_batch: must be an integer 1..1048576");
    expect_error("{\"gpus\": [{\"match\": \"4090\", \"max_batch\": \"64\"}]}", "gpus[0].max_batch: must be an integer");
    expect_error("{\"gpus\": [{\"match\": \"4090\", \"max_batch\": 2.5}]}", "gpus[0].max_batch: must be an integer");
    expect_error("{\"gpus\": [{\"match\": \"4090\", \"max_batch\": 8, \"memory_gib\": -1}]}",
                 "gpus[0].memory_gib: must be an integer 0..4096");
    expect_error("{\"gpus\": [{\"match\": \"4090\", \"max_batch\": 8, \"gradient_checkpointing\": 1}]}",
                 "gpus[0].gradient_checkpointing: must be true or false");
    expect_error("{\"gpus\": [{\"match\": \"4090\", \"max_batch\": 8, \"batch\": 1}]}", "gpus[0]: unknown key 'batch'");
    expect_error("{\"tiers\": []}", "tiers: must hold 1..16 tiers");
    expect_error("{\"tiers\": 5}", "tiers: must be an array");
    expect_error("{\"tiers\": [\"a\"]}", "tiers[0]: must be an object");
    expect_error("{\"tiers\": [{\"min_gib\": 8, \"max_batch\": 8}]}", "tiers[0].min_gib: must be 0");
    expect_error("{\"tiers\": [{\"min_gib\": 0, \"max_batch\": 8}, {\"min_gib\": 0, \"max_batch\": 9}]}",
                 "tiers[1].min_gib: must be greater than tiers[0].min_gib (0)");
    expect_error("{\"tiers\": [{\"max_batch\": 8}]}", "tiers[0]: missing 'min_gib'");
    expect_error("{\"tiers\": [{\"min_gib\": 0, \"max_batch\": 8, \"x\": 1}]}", "tiers[0]: unknown key 'x'");
    expect_error("{\"cpu\": 4}", "cpu: must be an object");
    expect_error("{\"cpu\": {\"max_batch\": 0}}", "cpu.max_batch: must be an integer");
    expect_error("{\"cpu\": {\"threads\": 2}}", "cpu: unknown key 'threads'");
    expect_error("{\"profile\": []}", "profile: must be an object");
    expect_error("{\"profile\": {\"swap_threshold\": 1.5}}", "profile.swap_threshold: must be a number > 0 and <= 1");
    expect_error("{\"profile\": {\"swap_threshold\": \"0.8\"}}", "profile.swap_threshold: must be a number");
    expect_error("{\"profile\": {\"batch_budget\": 0}}", "profile.batch_budget: must be a number > 0");
    expect_error("{\"profile\": {\"inference_timeout_s\": -5}}", "profile.inference_timeout_s");
    expect_error("{\"profile\": {\"gradient_checkpointing\": \"yes\"}}", "profile.gradient_checkpointing");
    expect_error("{\"profile\": {\"swap\": 0.8}}", "profile: unknown key 'swap'");
    expect_error("{\"cpu\": {}, \"cpu\": {}}", "duplicate");
    char many[4096] = "{\"gpus\": [";
    for (int i = 0; i < 33; i++) strcat(many, i ? ",{\"match\":\"a\",\"max_batch\":1}" : "{\"match\":\"a\",\"max_batch\":1}");
    strcat(many, "]}");
    expect_error(many, "gpus: at most 32 entries");
    char long_match[200];
    snprintf(long_match, sizeof long_match, "{\"gpus\": [{\"match\": \"%070d\", \"max_batch\": 1}]}", 0);
    expect_error(long_match, "gpus[0].match: must be a string of 1..63 characters");
}

static void test_overrides(void)
{
    const char *cfg =
        "{\n"
        "  \"gpus\": [{\"match\": \"RTX 4090\", \"memory_gib\": 24, \"max_batch\": 384},\n"
        "           {\"match\": \"4070 Ti\", \"max_batch\": 200, \"gradient_checkpointing\": true}],\n"
        "  \"tiers\": [{\"min_gib\": 0, \"max_batch\": 4, \"gradient_checkpointing\": true},\n"
        "            {\"min_gib\": 20, \"max_batch\": 64}],\n"
        "  \"cpu\": {\"max_batch\": 3, \"gradient_checkpointing\": true},\n"
        "  \"profile\": {\"swap_threshold\": 0.8, \"batch_budget\": 0.75, \"inference_timeout_s\": 2.5}\n"
        "}\n";
    vram_rules_t *r = vram_rules_create();
    vram_error err = {0};
    CHECK_INT_EQ(vram_rules_parse(r, cfg, strlen(cfg), "site.json", &err), VRAM_OK);
    vram_profile p;
    machine_with("NVIDIA GeForce RTX 4090", 24);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 384);
    CHECK_STR_EQ(p.source, "config site.json (gpus[0])");
    CHECK_STR_EQ(p.name, "RTX 4090 24 GB");
    CHECK_NEAR(p.swap_threshold, 0.8, 1e-12);
    CHECK_NEAR(p.batch_budget, 0.75, 1e-12);
    CHECK_NEAR(p.inference_timeout_s, 2.5, 1e-12);
    /* config entries come before the seed table */
    machine_with("NVIDIA GeForce RTX 4070 Ti", 12);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 200);
    CHECK_INT_EQ(p.gradient_checkpointing, 1);
    /* the seed table still applies to cards the config does not name */
    machine_with("NVIDIA GeForce RTX 3070 Ti", 8);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 32);
    CHECK_STR_EQ(p.source, "seed table");
    /* the config's tiers replace the built-in ones */
    machine_with("NVIDIA A100-SXM4-40GB", 40);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 64);
    CHECK_STR_EQ(p.source, "config site.json (tiers[1])");
    CHECK_STR_EQ(p.name, ">= 20 GB tier");
    machine_with("NVIDIA T400", 4);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 4);
    CHECK_STR_EQ(p.name, "0-19 GB tier");
    /* the CPU */
    fake_gpus none = {0};
    none.absent = 1;
    vram_gpu_source s = fake_source(&none);
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_OK);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 3);
    CHECK_INT_EQ(p.gradient_checkpointing, 1);
    CHECK_STR_EQ(p.source, "config site.json (cpu)");
    vram_rules_free(r);

    /* profile.max_batch and gradient_checkpointing force the result whatever matched */
    r = vram_rules_create();
    const char *force = "{\"profile\": {\"max_batch\": 7, \"gradient_checkpointing\": true}}";
    CHECK_INT_EQ(vram_rules_parse(r, force, strlen(force), NULL, &err), VRAM_OK);
    machine_with("NVIDIA GeForce RTX 5070 Ti", 12);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 7);
    CHECK_INT_EQ(p.gradient_checkpointing, 1);
    /* an empty object changes nothing; a second parse adds to the first */
    CHECK_INT_EQ(vram_rules_parse(r, "{}", 2, "empty.json", &err), VRAM_OK);
    vram_rules_select(r, &m, &p);
    CHECK_INT_EQ(p.max_batch, 7);
    vram_rules_free(r);
    vram_rules_free(NULL);
}

static void test_files(void)
{
    vram_rules_t *r = vram_rules_create();
    vram_error err = {0};
    CHECK_INT_EQ(vram_rules_load(r, "/nonexistent/vram.json", &err), VRAM_EIO);
    CHECK(strstr(err.msg, "/nonexistent/vram.json: cannot open") != NULL);
    CHECK_INT_EQ(vram_rules_load(r, "/", &err), VRAM_EIO); /* a folder */
    char path[4200];
    snprintf(path, sizeof path, "%s/cfg.json", check_tmp_dir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\n  \"cpu\": {\"max_batch\": 2},\n  \"profile\": {\"batch_budget\": 2}\n}\n", f);
    fclose(f);
    CHECK_INT_EQ(vram_rules_load(r, path, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, path) == err.msg);
    CHECK(strstr(err.msg, "profile.batch_budget") != NULL);
    f = fopen(path, "w");
    fputs("{\"cpu\": {\"max_batch\": 2}}", f);
    fclose(f);
    CHECK_INT_EQ(vram_rules_load(r, path, &err), VRAM_OK);
    /* over 1 MiB: refused */
    f = fopen(path, "w");
    for (int i = 0; i < (1 << 20) / 8 + 2; i++) fputs("        ", f);
    fclose(f);
    CHECK_INT_EQ(vram_rules_load(r, path, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "larger than") != NULL);
    vram_rules_free(r);
}

int main(void)
{
    test_bad_inputs();
    test_overrides();
    test_files();
    return check_report();
}
