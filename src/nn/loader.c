/*
 * loader.c - model.json (jansson) + weight files -> nn__graph: nodes, signature, and every weight
 * dequantized into one slab exactly as TF.js does (float16 bit-exact, uint8/uint16 affine in double
 * then float32, int32 and bool as stored). The weight files of a manifest group concatenate in
 * order; their byte count must equal what the group's weights need. Errors name the file and the
 * node or weight.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define MAX_NODES 1000000
#define MAX_ELEMS ((int64_t)1 << 36)

static int read_file(const char *path, uint8_t **buf, size_t *len, nn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return nn__err(err, NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    if (!b) {
        fclose(f);
        return nn__err(err, NN_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                fclose(f);
                return nn__err(err, NN_ENOMEM, "%s: out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        return nn__err(err, NN_EIO, "%s: read error", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Shape from a JSON array of non-negative ints (weights) or a tensorShape {"dim":[{"size":"-1"}]}. */
static int parse_dims(const json_t *arr, nn__shape *s, int allow_open)
{
    if (!json_is_array(arr) || json_array_size(arr) > NN__MAX_RANK) return -1;
    s->rank = (int)json_array_size(arr);
    for (int i = 0; i < s->rank; i++) {
        json_t *d = json_array_get(arr, (size_t)i);
        if (json_is_object(d)) d = json_object_get(d, "size");
        int64_t v;
        if (json_is_integer(d)) v = (int64_t)json_integer_value(d);
        else if (json_is_string(d)) {
            char *end;
            errno = 0;
            v = strtoll(json_string_value(d), &end, 10);
            if (errno || *end || end == json_string_value(d)) return -1;
        } else return -1;
        if (v < (allow_open ? -1 : 0) || v > MAX_ELEMS) return -1;
        s->d[i] = v;
    }
    return 0;
}

static int64_t dims_count(const nn__shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++) {
        if (s->d[i] < 0) return -1;
        if (s->d[i] > 0 && n > MAX_ELEMS / s->d[i]) return -1;  /* checked before multiplying */
        n *= s->d[i];
    }
    return n;
}

static int parse_nodes(nn__graph *g, nn_error *err)
{
    json_t *topo = json_object_get(g->json, "modelTopology");
    json_t *nodes = json_object_get(topo, "node");
    if (!json_is_array(nodes))
        return nn__err(err, NN_EINVAL, "%s: modelTopology.node is missing or not an array", g->path);
    size_t n = json_array_size(nodes);
    if (n == 0 || n > MAX_NODES) return nn__err(err, NN_EINVAL, "%s: %zu nodes", g->path, n);
    g->nodes = calloc(n, sizeof *g->nodes);
    if (!g->nodes) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
    g->nnodes = (int)n;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(nodes, i);
        nn__node *nd = &g->nodes[i];
        nd->weight = -1;
        json_t *name = json_object_get(o, "name"), *op = json_object_get(o, "op");
        if (!json_is_string(name) || !json_is_string(op) || !*json_string_value(name))
            return nn__err(err, NN_EINVAL, "%s: node #%zu has no name or op", g->path, i);
        nd->name = json_string_value(name);
        nd->op = json_string_value(op);
        json_t *attr = json_object_get(o, "attr");
        nd->attr = json_is_object(attr) ? attr : NULL;
        json_t *in = json_object_get(o, "input");
        if (in && !json_is_array(in))
            return nn__err(err, NN_EINVAL, "%s: node '%s': input is not an array", g->path, nd->name);
        for (size_t k = 0; in && k < json_array_size(in); k++)
            if (!json_is_string(json_array_get(in, k)))
                return nn__err(err, NN_EINVAL, "%s: node '%s': input %zu is not a string", g->path,
                               nd->name, k);
        nd->is_const = !strcmp(nd->op, "Const");
        nd->is_input = !strcmp(nd->op, "Placeholder");
        if (!nd->is_const && !nd->is_input) {
            nd->def = nn__op_find(nd->op);
            if (!nd->def)
                return nn__err(err, NN_EUNSUPPORTED, "%s: node '%s': unsupported op '%s'", g->path,
                               nd->name, nd->op);
        }
    }
    return 0;
}

/* Weights: manifest -> g->weights with dequantized data in one slab. data/len are all the weight
 * files of all groups concatenated; group_len[i] the bytes of group i's files (names for messages). */
static int parse_weights(nn__graph *g, const json_t *man, const uint8_t *data, size_t len,
                         const size_t *group_len, char **group_file, nn_error *err)
{
    size_t ngroups = json_array_size(man);
    size_t total = 0;
    for (size_t gi = 0; gi < ngroups; gi++)
        total += json_array_size(json_object_get(json_array_get(man, gi), "weights"));
    if (total > MAX_NODES) return nn__err(err, NN_EINVAL, "%s: too many weights", g->path);
    g->weights = calloc(total ? total : 1, sizeof *g->weights);
    size_t *src_bytes = calloc(total ? total : 1, sizeof *src_bytes);
    int *qkind = calloc(total ? total : 1, sizeof *qkind);  /* 0 none, 1 f16, 2 u8, 3 u16 */
    double *qscale = calloc(total ? total : 1, sizeof *qscale), *qmin = calloc(total ? total : 1, sizeof *qmin);
    int rc = 0;
    if (!g->weights || !src_bytes || !qkind || !qscale || !qmin) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        goto done;
    }
    size_t w = 0, slab = 0, off = 0;
    for (size_t gi = 0; gi < ngroups; gi++) {
        json_t *ws = json_object_get(json_array_get(man, gi), "weights");
        size_t need = 0;
        for (size_t k = 0; k < json_array_size(ws); k++, w++) {
            json_t *o = json_array_get(ws, k);
            nn__weight *wt = &g->weights[w];
            json_t *name = json_object_get(o, "name"), *dt = json_object_get(o, "dtype");
            if (!json_is_string(name) || !json_is_string(dt)) {
                rc = nn__err(err, NN_EINVAL, "%s: weightsManifest[%zu].weights[%zu]: no name or dtype",
                             g->path, gi, k);
                goto done;
            }
            wt->name = json_string_value(name);
            if (nn__dtype_parse(json_string_value(dt), &wt->dtype) < 0) {
                rc = nn__err(err, NN_EUNSUPPORTED, "%s: weight '%s': unsupported dtype '%s'", g->path,
                             wt->name, json_string_value(dt));
                goto done;
            }
            int64_t cnt;
            if (parse_dims(json_object_get(o, "shape"), &wt->shape, 0) < 0 ||
                (cnt = dims_count(&wt->shape)) < 0) {
                rc = nn__err(err, NN_EINVAL, "%s: weight '%s': bad shape", g->path, wt->name);
                goto done;
            }
            size_t esz = nn__dtype_size(wt->dtype);
            json_t *q = json_object_get(o, "quantization");
            if (q) {
                const char *qd = json_string_value(json_object_get(q, "dtype"));
                if (wt->dtype != NN__F32 || !qd) {
                    rc = nn__err(err, NN_EUNSUPPORTED, "%s: weight '%s': unsupported quantization",
                                 g->path, wt->name);
                    goto done;
                }
                if (!strcmp(qd, "float16")) qkind[w] = 1, esz = 2;
                else if (!strcmp(qd, "uint8") || !strcmp(qd, "uint16")) {
                    json_t *sc = json_object_get(q, "scale"), *mn = json_object_get(q, "min");
                    if (!json_is_number(sc) || !json_is_number(mn)) {
                        rc = nn__err(err, NN_EINVAL, "%s: weight '%s': quantization without scale/min",
                                     g->path, wt->name);
                        goto done;
                    }
                    qscale[w] = json_number_value(sc);
                    qmin[w] = json_number_value(mn);
                    qkind[w] = qd[4] == '8' ? 2 : 3;
                    esz = qkind[w] == 2 ? 1 : 2;
                } else {
                    rc = nn__err(err, NN_EUNSUPPORTED, "%s: weight '%s': unsupported quantization '%s'",
                                 g->path, wt->name, qd);
                    goto done;
                }
            }
            src_bytes[w] = (size_t)cnt * esz;
            need += src_bytes[w];
            slab += ((size_t)cnt * nn__dtype_size(wt->dtype) + 63) & ~(size_t)63;
        }
        if (need != group_len[gi]) {
            rc = nn__err(err, need > group_len[gi] ? NN_EIO : NN_EINVAL,
                         "%s: weight file %s: manifest group %zu needs %zu bytes, the files hold %zu%s",
                         g->path, group_file[gi], gi, need, group_len[gi],
                         need > group_len[gi] ? " (truncated)" : " (extra bytes)");
            goto done;
        }
    }
    (void)len;
    g->nweights = (int)w;
    g->slab_bytes = slab;
    g->slab = nn__huge_alloc(slab);
    if (!g->slab) {
        rc = nn__err(err, NN_ENOMEM, "%s: out of memory for %zu bytes of weights", g->path, slab);
        goto done;
    }
    uint8_t *dst = g->slab;
    for (size_t i = 0; i < w; i++) {
        nn__weight *wt = &g->weights[i];
        int64_t cnt = nn__shape_count(&wt->shape);
        const uint8_t *s = data + off;
        wt->data = dst;
        g->params += cnt;
        if (qkind[i] == 1) {
            float *f = (float *)(void *)dst;
            for (int64_t k = 0; k < cnt; k++) f[k] = nn__f16_to_f32((uint16_t)(s[2 * k] | s[2 * k + 1] << 8));
        } else if (qkind[i] == 2) {
            float *f = (float *)(void *)dst;
            for (int64_t k = 0; k < cnt; k++) f[k] = nn__dequant_u8(s[k], qscale[i], qmin[i]);
        } else if (qkind[i] == 3) {
            float *f = (float *)(void *)dst;
            for (int64_t k = 0; k < cnt; k++) {
                volatile double p = (double)(s[2 * k] | s[2 * k + 1] << 8) * qscale[i];
                f[k] = (float)(p + qmin[i]);
            }
        } else {
            memcpy(dst, s, src_bytes[i]);  /* little-endian host */
        }
        off += src_bytes[i];
        dst += ((size_t)cnt * nn__dtype_size(wt->dtype) + 63) & ~(size_t)63;
    }
done:
    free(src_bytes);
    free(qkind);
    free(qscale);
    free(qmin);
    return rc;
}

static int parse_sig_list(nn__graph *g, json_t *obj, nn__sig **out, int *count, const char *what,
                          nn_error *err)
{
    size_t n = json_object_size(obj);
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
    const char *key;
    json_t *v;
    int i = 0;
    json_object_foreach(obj, key, v) {
        nn__sig *s = &(*out)[i];
        json_t *name = json_object_get(v, "name");
        s->key = key;
        int k = 0;
        s->node = nn__graph_ref(g, json_is_string(name) ? json_string_value(name) : key, &k);
        if (s->node < 0 || k >= g->nodes[s->node].nout)
            return nn__err(err, NN_EINVAL, "%s: signature %s '%s' is not a node of the graph", g->path, what, key);
        s->value = g->nodes[s->node].out0 + k;
        json_t *dt = json_object_get(v, "dtype");
        s->dtype = NN__F32;
        if (json_is_string(dt) && nn__dtype_parse(json_string_value(dt), &s->dtype) < 0)
            return nn__err(err, NN_EUNSUPPORTED, "%s: signature %s '%s': unsupported dtype", g->path, what, key);
        json_t *ts = json_object_get(v, "tensorShape");
        s->shape.rank = -1;  /* unknown */
        json_t *dim = json_object_get(ts, "dim");
        if (json_is_object(ts) && !json_object_get(ts, "unknownRank")) {
            if (!dim) s->shape.rank = 0;
            else if (parse_dims(dim, &s->shape, 1) < 0)
                return nn__err(err, NN_EINVAL, "%s: signature %s '%s': bad shape", g->path, what, key);
        }
        i++;
    }
    *count = i;
    return 0;
}

static int cmp_out(const void *a, const void *b, void *gv)
{
    const nn__graph *g = gv;
    const nn__sig *x = a, *y = b;
    int c = strcmp(g->nodes[x->node].name, g->nodes[y->node].name);
    return c ? c : x->value - y->value;
}

static int parse_signature(nn__graph *g, nn_error *err)
{
    json_t *sig = json_object_get(g->json, "signature");
    json_t *ins = json_object_get(sig, "inputs"), *outs = json_object_get(sig, "outputs");
    int rc;
    if (json_is_object(ins) && json_object_size(ins) > 0) {
        if ((rc = parse_sig_list(g, ins, &g->inputs, &g->ninputs, "input", err)) < 0) return rc;
    } else {
        /* No signature: every Placeholder, in node order (what TF.js does). */
        g->inputs = calloc((size_t)g->nnodes, sizeof *g->inputs);
        if (!g->inputs) return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        for (int i = 0; i < g->nnodes; i++)
            if (g->nodes[i].is_input) {
                nn__sig *s = &g->inputs[g->ninputs++];
                s->key = g->nodes[i].name;
                s->node = i;
                s->value = g->nodes[i].out0;
                s->shape.rank = -1;
                s->dtype = NN__F32;
            }
    }
    for (int i = 0; i < g->ninputs; i++) {
        nn__sig *s = &g->inputs[i];
        nn__node *nd = &g->nodes[s->node];
        if (!nd->is_input)
            return nn__err(err, NN_EUNSUPPORTED, "%s: signature input '%s' is a %s, not a Placeholder",
                           g->path, s->key, nd->op);
        nn__dtype t;
        if (nn__attr_type(nd, "dtype", &t) == 1) s->dtype = t;
        if (s->shape.rank < 0) {
            json_t *a = nd->attr ? json_object_get(nd->attr, "shape") : NULL;
            json_t *dim = json_object_get(json_object_get(a, "shape"), "dim");
            if (!dim || parse_dims(dim, &s->shape, 1) < 0)
                return nn__err(err, NN_EINVAL, "%s: input '%s': no shape in the signature or the Placeholder",
                               g->path, s->key);
        }
    }
    if (json_is_object(outs) && json_object_size(outs) > 0) {
        if ((rc = parse_sig_list(g, outs, &g->outputs, &g->noutputs, "output", err)) < 0) return rc;
    } else {
        /* No signature: every non-constant node output nobody consumes. */
        char *used = calloc((size_t)g->nvalues, 1);
        g->outputs = calloc((size_t)g->nvalues, sizeof *g->outputs);
        if (!used || !g->outputs) {
            free(used);
            return nn__err(err, NN_ENOMEM, "%s: out of memory", g->path);
        }
        for (int i = 0; i < g->nnodes; i++)
            for (int k = 0; k < g->nodes[i].nin; k++) used[g->nodes[i].in[k]] = 1;
        for (int v = 0; v < g->nvalues; v++) {
            const nn__node *nd = &g->nodes[g->value_node[v]];
            if (used[v] || nd->is_const || nd->is_input) continue;
            nn__sig *s = &g->outputs[g->noutputs++];
            s->key = nd->name;
            s->node = g->value_node[v];
            s->value = v;
        }
        free(used);
    }
    if (g->ninputs == 0 || g->noutputs == 0)
        return nn__err(err, NN_EINVAL, "%s: the model has no %s", g->path, g->ninputs ? "outputs" : "inputs");
    qsort_r(g->outputs, (size_t)g->noutputs, sizeof *g->outputs, cmp_out, g);
    return 0;
}

static int link_consts(nn__graph *g, nn_error *err)
{
    for (int i = 0; i < g->nweights; i++) {
        int n = nn__graph_find(g, g->weights[i].name);
        if (n < 0 || !g->nodes[n].is_const) continue;  /* TF.js ignores weights no node uses */
        g->nodes[n].weight = i;
    }
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i].is_const && g->nodes[i].weight < 0)
            return nn__err(err, NN_EINVAL, "%s: node '%s': Const without a weight in the manifest", g->path,
                           g->nodes[i].name);
    return 0;
}

static int load_common(nn__graph *g, const char *path, const char *text, size_t len, nn_error *err)
{
    snprintf(g->path, sizeof g->path, "%s", path);
    json_error_t je;
    g->json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!g->json) return nn__err(err, NN_EINVAL, "%s: line %d: %s", path, je.line, je.text);
    if (!json_is_object(g->json)) return nn__err(err, NN_EINVAL, "%s: not a JSON object", path);
    int rc;
    if ((rc = parse_nodes(g, err)) < 0) return rc;
    if ((rc = nn__graph_link(g, err)) < 0) return rc;
    return 0;
}

static int finish(nn__graph *g, const json_t *man, const uint8_t *data, size_t len, const size_t *glen,
                  char **gfile, nn_error *err)
{
    int rc;
    if ((rc = parse_weights(g, man, data, len, glen, gfile, err)) < 0) return rc;
    if ((rc = link_consts(g, err)) < 0) return rc;
    return parse_signature(g, err);
}

static json_t *manifest(const nn__graph *g, nn_error *err)
{
    json_t *man = json_object_get(g->json, "weightsManifest");
    if (!man) return json_array();  /* new reference, empty */
    if (!json_is_array(man)) {
        nn__err(err, NN_EINVAL, "%s: weightsManifest is not an array", g->path);
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(man); i++) {
        json_t *grp = json_array_get(man, i);
        json_t *ws = json_object_get(grp, "weights"), *ps = json_object_get(grp, "paths");
        if (!json_is_array(ws) || !json_is_array(ps)) {
            nn__err(err, NN_EINVAL, "%s: weightsManifest[%zu] needs paths and weights arrays", g->path, i);
            return NULL;
        }
        for (size_t k = 0; k < json_array_size(ps); k++)
            if (!json_is_string(json_array_get(ps, k))) {
                nn__err(err, NN_EINVAL, "%s: weightsManifest[%zu].paths[%zu] is not a string", g->path, i, k);
                return NULL;
            }
    }
    return json_incref(man);
}

int nn__graph_load_mem(nn__graph *g, const char *path, const char *text, size_t len, const void *weights,
                       size_t weights_len, nn_error *err)
{
    int rc = load_common(g, path, text, len, err);
    if (rc < 0) return rc;
    json_t *man = manifest(g, err);
    if (!man) return err ? err->code : NN_EINVAL;
    size_t ng = json_array_size(man);
    size_t *glen = calloc(ng ? ng : 1, sizeof *glen);
    char **gfile = calloc(ng ? ng : 1, sizeof *gfile);
    if (!glen || !gfile) rc = nn__err(err, NN_ENOMEM, "%s: out of memory", path);
    /* In memory all bytes go to the groups in order: each gets what it needs, the last the rest. */
    size_t left = weights_len;
    for (size_t i = 0; rc == 0 && i < ng; i++) {
        size_t need = 0;
        json_t *ws = json_object_get(json_array_get(man, i), "weights");
        gfile[i] = "(memory)";
        for (size_t k = 0; k < json_array_size(ws); k++) {
            json_t *o = json_array_get(ws, k);
            nn__shape s;
            int64_t c;
            if (parse_dims(json_object_get(o, "shape"), &s, 0) < 0 || (c = dims_count(&s)) < 0) break;
            const char *q = json_string_value(json_object_get(json_object_get(o, "quantization"), "dtype"));
            const char *d = json_string_value(json_object_get(o, "dtype"));
            size_t e = q ? (!strcmp(q, "uint8") ? 1 : 2) : (d && !strcmp(d, "bool") ? 1 : 4);
            need += (size_t)c * e;
        }
        if (g->weights_prefix) glen[i] = need > left ? left : need;
        else glen[i] = (i + 1 == ng || need > left) ? left : need;
        left -= glen[i];
    }
    if (rc == 0) rc = finish(g, man, weights, weights_len, glen, gfile, err);
    free(glen);
    free(gfile);
    json_decref(man);
    return rc;
}

int nn__graph_load(nn__graph *g, const char *path, nn_error *err)
{
    uint8_t *text = NULL, *data = NULL;
    size_t len = 0, dlen = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc < 0) return rc;
    rc = load_common(g, path, (const char *)text, len, err);
    free(text);
    if (rc < 0) return rc;
    json_t *man = manifest(g, err);
    if (!man) return err ? err->code : NN_EINVAL;
    size_t ng = json_array_size(man);
    size_t *glen = calloc(ng ? ng : 1, sizeof *glen);
    char **gfile = calloc(ng ? ng : 1, sizeof *gfile);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = 0;
    else dir[0] = 0;
    if (!glen || !gfile) rc = nn__err(err, NN_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; rc == 0 && i < ng; i++) {
        json_t *ps = json_object_get(json_array_get(man, i), "paths");
        for (size_t k = 0; rc == 0 && k < json_array_size(ps); k++) {
            const char *p = json_string_value(json_array_get(ps, k));
            char full[768];
            snprintf(full, sizeof full, "%s%s", dir, p);
            if (strstr(p, "..") || p[0] == '/') {
                rc = nn__err(err, NN_EINVAL, "%s: weight path '%s' leaves the model folder", path, p);
                break;
            }
            uint8_t *b;
            size_t bl;
            if ((rc = read_file(full, &b, &bl, err)) < 0) break;
            uint8_t *nd = realloc(data, dlen + bl + 1);
            if (!nd) {
                free(b);
                rc = nn__err(err, NN_ENOMEM, "%s: out of memory", full);
                break;
            }
            data = nd;
            memcpy(data + dlen, b, bl);
            free(b);
            dlen += bl;
            glen[i] += bl;
            free(gfile[i]);  /* messages name the group's last file */
            gfile[i] = strdup(full);
        }
        if (!gfile[i] && rc == 0) gfile[i] = strdup("(no files)");
    }
    if (rc == 0) rc = finish(g, man, data, dlen, glen, gfile, err);
    for (size_t i = 0; gfile && i < ng; i++) free(gfile[i]);
    free(glen);
    free(gfile);
    free(data);
    json_decref(man);
    return rc;
}

void nn__graph_free(nn__graph *g)
{
    if (!g) return;
    if (g->nodes)
        for (int i = 0; i < g->nnodes; i++) free(g->nodes[i].in);
    free(g->nodes);
    free(g->value_node);
    free(g->order);
    free(g->weights);
    free(g->slab);
    free(g->inputs);
    free(g->outputs);
    free(g->sorted);
    json_decref(g->json);
    memset(g, 0, sizeof *g);
}
