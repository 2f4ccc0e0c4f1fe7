/*
 * test_series_csv.c - the series CSV parser: header, comments, blank lines, CRLF, spaces, and the
 * errors (empty, NaN/inf, ragged rows, text, empty fields) naming the line and column.
 */
#include "check.h"
#include "pose.h"

static int parse(const char *text, double **x, size_t *n, size_t *nd, pose_error *err)
{
    return pose_series_csv_parse(text, strlen(text), "t.csv", x, n, nd, err);
}

int main(void)
{
    double *x;
    size_t n, nd;
    pose_error err = {0};
    CHECK_INT_EQ(parse("a,b\n1,2\n 3 , 4.5 \r\n\n# comment\n-1e2,0\n", &x, &n, &nd, &err), POSE_OK);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(nd, 2);
    if (x) {
        CHECK_NEAR(x[0], 1, 0);
        CHECK_NEAR(x[3], 4.5, 0);
        CHECK_NEAR(x[4], -100, 0);
    }
    free(x);
    CHECK_INT_EQ(parse("5", &x, &n, &nd, &err), POSE_OK); /* no trailing newline */
    CHECK(n == 1 && nd == 1 && x && x[0] == 5);
    free(x);
    /* many rows: growth */
    char *big = malloc(100000 * 4 + 1);
    size_t off = 0;
    for (int i = 0; i < 100000; i++) off += (size_t)sprintf(big + off, "%d\n", i % 10);
    CHECK_INT_EQ(pose_series_csv_parse(big, off, "big", &x, &n, &nd, &err), POSE_OK);
    CHECK_INT_EQ(n, 100000);
    CHECK(x && x[99999] == 9);
    free(x);
    free(big);

    struct { const char *text, *msg; } bad[] = {
        {"", "t.csv: no samples"},
        {"x,y\n", "t.csv: no samples"},
        {"# only a comment\n\n", "t.csv: no samples"},
        {"1\nnan\n", "t.csv:2: column 1: 'nan' is not a finite number"},
        {"1,inf\n", "t.csv:1: column 2: 'inf' is not a finite number"},
        {"1,2\n1e999,2\n", "t.csv:2: column 1: '1e999' is not a finite number"},
        {"1,2\n3\n", "t.csv:2: 1 columns, expected 2"},
        {"h\n1\nabc\n", "t.csv:3: column 1: 'abc' is not a number"},
        {"1,2,3\n1,,2\n", "t.csv:2: column 2 is empty"},
        {"1\n2x\n", "t.csv:2: column 1: '2x' is not a number"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memset(&err, 0, sizeof err);
        x = (double *)&err;
        int rc = parse(bad[k].text, &x, &n, &nd, &err);
        CHECK_MSG(rc == POSE_EINVAL && x == NULL && strstr(err.msg, bad[k].msg), "case %zu: rc %d msg '%s' want '%s'", k,
                  rc, err.msg, bad[k].msg);
    }
    /* a field longer than 127 characters, more than 4096 columns */
    char longf[300];
    memset(longf, '1', 200);
    strcpy(longf + 200, "\n");
    CHECK(parse(longf, &x, &n, &nd, &err) == POSE_EINVAL && strstr(err.msg, "longer than"));
    char *wide = malloc(5000 * 2 + 2);
    for (int i = 0; i < 5000; i++) memcpy(wide + 2 * i, "1,", 2);
    strcpy(wide + 2 * 4999 + 1, "\n");
    CHECK(parse(wide, &x, &n, &nd, &err) == POSE_EINVAL && strstr(err.msg, "at most 4096"));
    free(wide);
    /* a file on disk, with a header */
    char path[4200];
    snprintf(path, sizeof path, "%s/series.csv", check_tmp_dir());
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("x,y\n1,2\n3,4\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(pose_series_csv_read(path, &x, &n, &nd, &err), POSE_OK);
    CHECK(n == 2 && nd == 2 && x && x[3] == 4);
    free(x);
    /* embedded NUL and binary junk: an error, not a crash */
    const char junk[] = {'1', '\n', '1', '\0', '2', '\n', (char)0xff, '\n'};
    CHECK(pose_series_csv_parse(junk, sizeof junk, "j", &x, &n, &nd, &err) == POSE_EINVAL);
    CHECK(pose_series_csv_read("/nonexistent/dir/x.csv", &x, &n, &nd, &err) == POSE_EIO);
    CHECK(strstr(err.msg, "/nonexistent/dir/x.csv") != NULL);
    return check_report();
}
