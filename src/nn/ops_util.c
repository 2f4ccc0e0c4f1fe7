/*
 * ops_util.c - helpers of the op shape functions (constant inputs, output setting, messages) and the
 * lookup in the op table. The table itself is split by family: nn__ops_conv (ops_conv.c),
 * nn__ops_elem (ops_elem.c), nn__ops_shape (ops_shape.c), nn__ops_data (ops_data.c); each entry is
 * {TF op name, inputs accepted, flags, variant, shape function, run function}.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

const nn__op_def *nn__op_find(const char *name)
{
    static const nn__op_def *const tables[] = {nn__ops_conv, nn__ops_elem, nn__ops_shape, nn__ops_data};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const nn__op_def *d = tables[t]; d->name; d++)
            if (!strcmp(d->name, name)) return d;
    return NULL;
}

int nn__node_err(const nn__exec *e, int code, const char *fmt, ...)
{
    if (!e->err) return code;
    const nn__node *n = nn__enode(e);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nn__err(e->err, code, "%s: node '%s' (%s): %s", e->g->path, n->name, n->op, msg);
}

void nn__shape_str(const nn__shape *s, char *buf, size_t cap)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n, "[");
    for (int i = 0; i < s->rank && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "", (long long)s->d[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

int nn__const_ints(const nn__exec *e, int i, int64_t *v, int cap, int *count)
{
    const nn__value *x = nn__ein(e, i);
    if (x->kind != NN__V_CONST)
        return nn__node_err(e, NN_EUNSUPPORTED, "input %d must be known at load time (a constant)", i);
    if (x->dtype != NN__I32) return nn__node_err(e, NN_EINVAL, "input %d must be int32", i);
    int64_t n = nn__shape_count(&x->shape);
    if (n > cap) return nn__node_err(e, NN_EINVAL, "input %d has too many values", i);
    const int32_t *d = x->data;
    for (int64_t k = 0; k < n; k++) v[k] = d[k];
    *count = (int)n;
    return 0;
}

int nn__const_int(const nn__exec *e, int i, int64_t *v)
{
    int64_t buf[1];
    int n;
    const nn__value *x = nn__ein(e, i);
    if (x->kind == NN__V_CONST && x->dtype == NN__I32 && nn__shape_count(&x->shape) == 1) {
        *v = *(const int32_t *)x->data;
        return 0;
    }
    int rc = nn__const_ints(e, i, buf, 1, &n);
    if (rc < 0) return rc;
    if (n != 1) return nn__node_err(e, NN_EINVAL, "input %d must be a single value", i);
    *v = buf[0];
    return 0;
}

int nn__want_dtype(const nn__exec *e, int i, nn__dtype dt)
{
    static const char *names[] = {"float32", "int32", "bool"};
    const nn__value *x = nn__ein(e, i);
    if (x->dtype != dt)
        return nn__node_err(e, NN_EINVAL, "input %d is %s, expected %s", i, names[x->dtype], names[dt]);
    return 0;
}

int nn__set_out(const nn__exec *e, int k, nn__dtype dt, const nn__shape *s)
{
    const nn__node *n = nn__enode(e);
    if (k >= n->nout) return 0;  /* an output nobody reads (only Unpack/Split/TopK have several) */
    nn__value *v = nn__eout(e, k);
    v->dtype = dt;
    v->shape = *s;
    int64_t c = 1, max = e->g->max_elems > 0 ? e->g->max_elems : (int64_t)1 << 34;
    if (s->rank < 0 || s->rank > NN__MAX_RANK) return nn__node_err(e, NN_EINVAL, "bad output rank");
    for (int i = 0; i < s->rank; i++) {
        if (s->d[i] < 0) return nn__node_err(e, NN_EINVAL, "negative output dimension");
        if (s->d[i] && c > max / s->d[i]) return nn__node_err(e, NN_EINVAL, "output too large");
        c *= s->d[i];
    }
    return 0;
}
