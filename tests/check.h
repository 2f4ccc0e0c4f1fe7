/*
 * check.h - the one small assert header of our tests (STYLE.md #13).
 *
 *   #include "check.h"
 *   int main(void) {
 *       CHECK(1 + 1 == 2);
 *       CHECK_INT_EQ(vram_round_size(1), 512);
 *       CHECK_NEAR(sqrt(2.0), 1.41421356, 1e-6);
 *       const char *shared = check_shared_dir();   // exits 77 (CTest "skipped") when absent
 *       return check_report();                     // 0 when every check passed
 *   }
 *
 * A failed check prints file, line, the expression and the values, and the test goes on, so one run
 * shows every failure. check_report() prints "N passed, M failed" and returns non-zero on failure.
 */
#ifndef AIMP_TESTS_CHECK_H
#define AIMP_TESTS_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_passed_;
static int check_failed_;

#define CHECK_SKIP_CODE 77

#define CHECK_FAIL_(...)                                                                  \
    do {                                                                                  \
        check_failed_++;                                                                  \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                             \
        fprintf(stderr, __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                              \
    } while (0)

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (cond) check_passed_++;                                                        \
        else CHECK_FAIL_("%s", #cond);                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                              \
    do {                                                                                  \
        if (cond) check_passed_++;                                                        \
        else CHECK_FAIL_(__VA_ARGS__);                                                    \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                \
    do {                                                                                  \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                   \
        if (check_a_ == check_b_) check_passed_++;                                        \
        else CHECK_FAIL_("%s == %s (%lld vs %lld)", #a, #b, check_a_, check_b_);          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                             \
    do {                                                                                  \
        double check_a_ = (double)(a), check_b_ = (double)(b);                            \
        if (fabs(check_a_ - check_b_) <= (double)(tol)) check_passed_++;                  \
        else CHECK_FAIL_("%s ~ %s (%.17g vs %.17g, tol %g)", #a, #b, check_a_, check_b_,  \
                         (double)(tol));                                                  \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                \
    do {                                                                                  \
        const char *check_a_ = (a), *check_b_ = (b);                                      \
        if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) check_passed_++;     \
        else CHECK_FAIL_("%s == %s (\"%s\" vs \"%s\")", #a, #b,                           \
                         check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
    } while (0)

/* Skip the whole test (CTest shows it as skipped) with a message saying why. */
static inline void check_skip(const char *why)
{
    fprintf(stdout, "SKIP: %s\n", why);
    exit(CHECK_SKIP_CODE);
}

static inline int check_dir_exists_(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ../shared (from $AIMP_SHARED_DIR), or skip the test when it is absent. */
static inline const char *check_shared_dir(void)
{
    const char *d = getenv("AIMP_SHARED_DIR");
    if (!check_dir_exists_(d)) check_skip("../shared is absent: test data not available here");
    return d;
}

/* models/ (from $AIMP_MODELS_DIR), or skip when scripts/setup has not fetched the models. */
static inline const char *check_models_dir(void)
{
    const char *d = getenv("AIMP_MODELS_DIR");
    if (!check_dir_exists_(d)) check_skip("models/ is absent: run scripts/setup");
    return d;
}

/* A scratch folder for this test ($AIMP_TMP, created), or /tmp. */
static inline const char *check_tmp_dir(void)
{
    const char *d = getenv("AIMP_TMP");
    if (!d || !*d) return "/tmp";
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
    if (system(cmd) != 0) return "/tmp";
    return d;
}

static inline int check_report(void)
{
    printf("%d passed, %d failed\n", check_passed_, check_failed_);
    return check_failed_ ? 1 : 0;
}

#endif
