/*
 * ops_elem.c - shape and run functions of the elementwise ops: binary arithmetic, comparisons and
 * logical ops with broadcasting, unary math, Cast, Select/SelectV2, AddN. The variant (which binop or
 * unop) is the table entry's arg. Large ones split the flat output between pool threads.
 */
#include <string.h>

#include "cpu/cpu.h"
#include "nn_internal.h"

static int binary_shape(nn__exec *e)
{
    const nn__value *a = nn__ein(e, 0), *b = nn__ein(e, 1);
    int rc;
    if ((rc = nn__want_dtype(e, 1, a->dtype)) < 0) return rc;
    int dt = nn__binop_out_dtype((nn__binop)nn__enode(e)->def->arg, a->dtype);
    if (dt < 0) return nn__node_err(e, NN_EINVAL, "not defined on this dtype");
    nn__shape o;
    if (nn__broadcast_shape(&a->shape, &b->shape, &o) < 0) {
        char sa[96], sb[96];
        nn__shape_str(&a->shape, sa, sizeof sa);
        nn__shape_str(&b->shape, sb, sizeof sb);
        return nn__node_err(e, NN_EINVAL, "shapes %s and %s do not broadcast", sa, sb);
    }
    if ((rc = nn__set_out(e, 0, (nn__dtype)dt, &o)) < 0) return rc;
    return 1;
}

static int binary_run(const nn__exec *e, int ith, int nth)
{
    const nn__value *a = nn__ein(e, 0), *b = nn__ein(e, 1), *y = nn__eout(e, 0);
    /* float32 arithmetic with a trailing-dims broadcast: the SIMD table (bit-identical). */
    if (a->dtype == NN__F32 &&
        nn__cpu_kernels_get()->binary((nn__binop)nn__enode(e)->def->arg, a->data, &a->shape, b->data, &b->shape,
                                      y->data, &y->shape, ith, nth))
        return 0;
    nn__binary_ref((nn__binop)nn__enode(e)->def->arg, a->dtype, a->data, &a->shape, b->data, &b->shape, y->data,
                   &y->shape, ith, nth);
    return 0;
}

static int unary_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    if (!nn__unop_supports((nn__unop)nn__enode(e)->def->arg, x->dtype))
        return nn__node_err(e, NN_EINVAL, "not defined on this dtype");
    int rc = nn__set_out(e, 0, x->dtype, &x->shape);
    return rc < 0 ? rc : 1;
}

static int unary_run(const nn__exec *e, int ith, int nth)
{
    const nn__value *x = nn__ein(e, 0);
    if (x->dtype == NN__F32 &&
        nn__cpu_kernels_get()->unary((nn__unop)nn__enode(e)->def->arg, x->data, nn__eout(e, 0)->data,
                                     nn__shape_count(&x->shape), ith, nth))
        return 0;
    nn__unary_ref((nn__unop)nn__enode(e)->def->arg, x->dtype, x->data, nn__eout(e, 0)->data,
                  nn__shape_count(&x->shape), ith, nth);
    return 0;
}

static int cast_shape(nn__exec *e)
{
    nn__dtype to;
    if (nn__attr_type(nn__enode(e), "DstT", &to) != 1) return nn__node_err(e, NN_EUNSUPPORTED, "bad or missing DstT");
    nn__epar(e)->code.op = (int)to;
    int rc = nn__set_out(e, 0, to, &nn__ein(e, 0)->shape);
    return rc < 0 ? rc : 1;
}

static int cast_run(const nn__exec *e, int ith, int nth)
{
    const nn__value *x = nn__ein(e, 0), *y = nn__eout(e, 0);
    int64_t i0, i1; /* elementwise: each thread casts its own range */
    nn__split_range(nn__shape_count(&x->shape), ith, nth, &i0, &i1);
    nn__cast_ref((const char *)x->data + (size_t)i0 * nn__dtype_size(x->dtype), x->dtype,
                 (char *)y->data + (size_t)i0 * nn__dtype_size(y->dtype), y->dtype, i1 - i0);
    return 0;
}

/* Select (v1): a vector condition picks rows of a and b; view it as [d0,1,1,...] to broadcast. */
static nn__shape cond_shape(const nn__exec *e)
{
    nn__shape c = nn__ein(e, 0)->shape;
    const nn__shape *a = &nn__ein(e, 1)->shape;
    if (nn__enode(e)->def->arg == 1 && c.rank == 1 && a->rank > 1 && c.d[0] == a->d[0]) {
        c.rank = a->rank;
        for (int i = 1; i < a->rank; i++) c.d[i] = 1;
    }
    return c;
}

static int select_shape(nn__exec *e)
{
    int rc;
    if ((rc = nn__want_dtype(e, 0, NN__BOOL)) < 0) return rc;
    const nn__value *a = nn__ein(e, 1), *b = nn__ein(e, 2);
    if ((rc = nn__want_dtype(e, 2, a->dtype)) < 0) return rc;
    nn__shape c = cond_shape(e), ab, o;
    if (nn__broadcast_shape(&a->shape, &b->shape, &ab) < 0 || nn__broadcast_shape(&c, &ab, &o) < 0)
        return nn__node_err(e, NN_EINVAL, "condition and values do not broadcast");
    rc = nn__set_out(e, 0, a->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int select_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *c = nn__ein(e, 0), *a = nn__ein(e, 1), *b = nn__ein(e, 2), *y = nn__eout(e, 0);
    nn__shape cs = cond_shape(e);
    nn__select_ref(c->data, &cs, a->dtype, a->data, &a->shape, b->data, &b->shape, y->data, &y->shape);
    return 0;
}

static int addn_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    const nn__value *a = nn__ein(e, 0);
    if (a->dtype == NN__BOOL) return nn__node_err(e, NN_EINVAL, "not defined on bool");
    for (int i = 1; i < n->nin; i++) {
        const nn__value *b = nn__ein(e, i);
        if (b->dtype != a->dtype || b->shape.rank != a->shape.rank ||
            memcmp(b->shape.d, a->shape.d, sizeof(int64_t) * (size_t)a->shape.rank))
            return nn__node_err(e, NN_EINVAL, "input %d differs in dtype or shape from input 0", i);
    }
    int rc = nn__set_out(e, 0, a->dtype, &a->shape);
    return rc < 0 ? rc : 1;
}

static int addn_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__node *n = nn__enode(e);
    const void *xs[NN__MAX_OUTPUTS];
    for (int i = 0; i < n->nin; i++) xs[i] = nn__ein(e, i)->data;
    const nn__value *y = nn__eout(e, 0);
    nn__addn_ref(y->dtype, n->nin, xs, y->data, nn__shape_count(&y->shape));
    return 0;
}

#define BIN(name, op) {name, 2, 2, NN__OP_THREADED, op, binary_shape, binary_run}
#define UN(name, op) {name, 1, 1, NN__OP_THREADED, op, unary_shape, unary_run}

const nn__op_def nn__ops_elem[] = {
    BIN("Add", NN__BIN_ADD),
    BIN("AddV2", NN__BIN_ADD),
    BIN("BiasAdd", NN__BIN_ADD),
    BIN("Sub", NN__BIN_SUB),
    BIN("Mul", NN__BIN_MUL),
    BIN("RealDiv", NN__BIN_REALDIV),
    BIN("Div", NN__BIN_REALDIV),
    BIN("FloorDiv", NN__BIN_FLOORDIV),
    BIN("Maximum", NN__BIN_MAXIMUM),
    BIN("Minimum", NN__BIN_MINIMUM),
    BIN("SquaredDifference", NN__BIN_SQUARED_DIFFERENCE),
    BIN("Equal", NN__BIN_EQUAL),
    BIN("NotEqual", NN__BIN_NOT_EQUAL),
    BIN("Greater", NN__BIN_GREATER),
    BIN("GreaterEqual", NN__BIN_GREATER_EQUAL),
    BIN("Less", NN__BIN_LESS),
    BIN("LessEqual", NN__BIN_LESS_EQUAL),
    BIN("LogicalAnd", NN__BIN_LOGICAL_AND),
    BIN("LogicalOr", NN__BIN_LOGICAL_OR),
    UN("Sigmoid", NN__UN_SIGMOID),
    UN("Sqrt", NN__UN_SQRT),
    UN("Exp", NN__UN_EXP),
    UN("Abs", NN__UN_ABS),
    UN("Neg", NN__UN_NEG),
    UN("Reciprocal", NN__UN_RECIPROCAL),
    UN("Relu", NN__UN_RELU),
    UN("Relu6", NN__UN_RELU6),
    UN("LogicalNot", NN__UN_LOGICAL_NOT),
    {"Cast", 1, 1, NN__OP_THREADED, 0, cast_shape, cast_run},
    {"Select", 3, 3, 0, 1, select_shape, select_run},
    {"SelectV2", 3, 3, 0, 2, select_shape, select_run},
    {"AddN", 1, NN__MAX_OUTPUTS, 0, 0, addn_shape, addn_run},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
