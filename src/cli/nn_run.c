/*
 * nn_run.c - `nn run MODEL.json --input FILE.bin [--input FILE2.bin ...] --outdir DIR [--threads N]`:
 * feeds raw little-endian tensors (signature input order; dtype and shape from the model, the batch
 * from the file size when the model allows it), writes DIR/out<k>.bin as raw float32 per output
 * (k = outputs sorted by graph node name, as ../shared/reference) atomically, and prints one line per
 * output: name, shape, min/max/mean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn.h"
#include "nn_cmds.h"

#define MAX_INPUTS 16

static void usage(FILE *f)
{
    fprintf(f, "usage: nn run MODEL.json --input FILE.bin [--input FILE2.bin ...] --outdir DIR [--threads N]\n"
               "  Runs the model on raw little-endian input tensors (signature input order) and writes\n"
               "  DIR/out<k>.bin (raw float32; k = outputs sorted by graph node name).\n"
               "  --threads N   kernel threads (default: number of cores)\n");
}

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
        fclose(f);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    void *b = malloc(n ? n : 1);
    if (b && fread(b, 1, n, f) != n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = n;
    return b;
}

/* Writes count floats converted from t to path atomically (temp + rename). */
static int write_f32(const char *path, const nn_tensor *t)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return -1;
    int64_t n = nn_tensor_count(t);
    int ok = 1;
    for (int64_t i = 0; i < n && ok; i++) {
        float v;
        if (t->dtype == NN_FLOAT32) v = ((const float *)t->data)[i];
        else if (t->dtype == NN_INT32) v = (float)((const int32_t *)t->data)[i];
        else v = (float)((const uint8_t *)t->data)[i];
        ok = fwrite(&v, sizeof v, 1, f) == 1;
    }
    if (fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *outdir = NULL, *inputs[MAX_INPUTS];
    int nin = 0;
    nn_options o = nn_options_defaults();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--input") && i + 1 < argc) {
            if (nin == MAX_INPUTS) {
                fprintf(stderr, "nn run: too many --input\n");
                return 2;
            }
            inputs[nin++] = argv[++i];
        } else if (!strcmp(argv[i], "--outdir") && i + 1 < argc) {
            outdir = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            long t;
            if (nn_cli_long(argv[++i], 1, 256, &t) < 0) {
                fprintf(stderr, "nn run: --threads wants 1..256\n");
                return 2;
            }
            o.threads = (int)t;
        } else if (argv[i][0] != '-' && !model) {
            model = argv[i];
        } else {
            fprintf(stderr, "nn run: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!model || !outdir || nin == 0) {
        usage(stderr);
        return 2;
    }
    nn_error err = {0};
    nn_model_t *m = nn_model_load(model, &o, &err);
    if (!m) {
        fprintf(stderr, "nn run: %s\n", err.msg);
        return 1;
    }
    int rc = 1;
    nn_tensor x[MAX_INPUTS];
    void *bufs[MAX_INPUTS] = {0};
    if (nin != nn_model_input_count(m)) {
        fprintf(stderr, "nn run: %s: the model has %d inputs, %d given\n", model, nn_model_input_count(m), nin);
        goto done;
    }
    for (int i = 0; i < nin; i++) {
        nn_tensor_info info;
        nn_model_input_info(m, i, &info);
        size_t len = 0;
        bufs[i] = read_all(inputs[i], &len);
        if (!bufs[i]) {
            fprintf(stderr, "nn run: %s: cannot read: %s\n", inputs[i], strerror(errno));
            goto done;
        }
        memset(&x[i], 0, sizeof x[i]);
        x[i].dtype = info.dtype;
        x[i].rank = info.rank;
        memcpy(x[i].shape, info.shape, sizeof x[i].shape);
        x[i].data = bufs[i];
        /* The batch follows from the file size when it is a whole number of items. */
        size_t item = nn_dtype_size(info.dtype);
        for (int d = 1; d < info.rank; d++) item *= (size_t)info.shape[d];
        if (info.rank > 0 && item && len % item == 0 && len / item >= 1) x[i].shape[0] = (int64_t)(len / item);
        if ((size_t)nn_tensor_count(&x[i]) * nn_dtype_size(info.dtype) != len) {
            fprintf(stderr, "nn run: %s: %zu bytes, input '%s' wants a multiple of %zu (%s)\n", inputs[i], len,
                    info.name, item, nn_dtype_name(info.dtype));
            goto done;
        }
    }
    if (nn_model_run(m, x, &err) < 0) {
        fprintf(stderr, "nn run: %s\n", err.msg);
        goto done;
    }
    if (mkdir(outdir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "nn run: %s: cannot create: %s\n", outdir, strerror(errno));
        goto done;
    }
    for (int k = 0; k < nn_model_output_count(m); k++) {
        const nn_tensor *t = nn_model_output(m, k);
        nn_tensor_info info;
        nn_model_output_info(m, k, &info);
        char path[1024];
        snprintf(path, sizeof path, "%s/out%d.bin", outdir, k);
        if (write_f32(path, t) < 0) {
            fprintf(stderr, "nn run: %s: cannot write: %s\n", path, strerror(errno));
            goto done;
        }
        double mn = 0, mx = 0, sum = 0;
        int64_t n = nn_tensor_count(t);
        for (int64_t i = 0; i < n; i++) {
            double v = t->dtype == NN_FLOAT32 ? (double)((const float *)t->data)[i]
                       : t->dtype == NN_INT32 ? (double)((const int32_t *)t->data)[i]
                                              : (double)((const uint8_t *)t->data)[i];
            if (i == 0 || v < mn) mn = v;
            if (i == 0 || v > mx) mx = v;
            sum += v;
        }
        printf("out%d %s [", k, info.name);
        for (int d = 0; d < t->rank; d++) printf("%s%lld", d ? "," : "", (long long)t->shape[d]);
        printf("] %s min %.6g max %.6g mean %.6g\n", nn_dtype_name(t->dtype), mn, mx, n ? sum / (double)n : 0.0);
    }
    rc = 0;
done:
    for (int i = 0; i < nin; i++) free(bufs[i]);
    nn_model_free(m);
    return rc;
}
