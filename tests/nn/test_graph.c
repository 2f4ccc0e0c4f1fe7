/*
 * test_graph.c - the graph passes on small in-memory models: topological order (nodes listed
 * consumers first), "name:k" references and control inputs, cycle detection naming a node on the
 * cycle, shape inference with the batch taken from the input, folding of a shape-only subgraph
 * (Shape -> StridedSlice -> Pack feeding a Reshape) into constants, copy-only ops as aliases of
 * their input's bytes (also an Unpack, Split, Pack and ConcatV2 of one piece, run and compared
 * with the same graph's values; not a Pack of two), dead nodes dropped, dtype
 * inference (float32 -> int32 by Cast -> bool by Equal), and the activation plan's figures.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nn_internal.h"

#define SIG_IN "\"signature\":{\"inputs\":{\"x:0\":{\"name\":\"x:0\",\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":" \
               "[{\"size\":\"-1\"},{\"size\":\"4\"},{\"size\":\"2\"},{\"size\":\"2\"}]}}},"

/* Listed consumers first on purpose. Outputs: "out" (float32 [N,16,1]) and "eq" (bool [N,16]). */
static const char *fold_json =
    "{\"modelTopology\":{\"node\":["
    "{\"name\":\"out\",\"op\":\"Identity\",\"input\":[\"e\"]},"
    "{\"name\":\"eq\",\"op\":\"Equal\",\"input\":[\"ci:0\",\"ci\"]},"
    "{\"name\":\"ci\",\"op\":\"Cast\",\"input\":[\"r\"],\"attr\":{\"DstT\":{\"type\":\"DT_INT32\"}}},"
    "{\"name\":\"e\",\"op\":\"ExpandDims\",\"input\":[\"r\",\"dim\",\"^s\"]},"
    "{\"name\":\"r\",\"op\":\"Reshape\",\"input\":[\"x\",\"p\"]},"
    "{\"name\":\"p\",\"op\":\"Pack\",\"input\":[\"b\",\"c16\"],\"attr\":{\"axis\":{\"i\":\"0\"},\"N\":{\"i\":\"2\"}}},"
    "{\"name\":\"b\",\"op\":\"StridedSlice\",\"input\":[\"s\",\"begin\",\"end\",\"strides\"],"
    "\"attr\":{\"shrink_axis_mask\":{\"i\":\"1\"},\"begin_mask\":{\"i\":\"0\"}}},"
    "{\"name\":\"s\",\"op\":\"Shape\",\"input\":[\"x\"]},"
    "{\"name\":\"dead\",\"op\":\"Sqrt\",\"input\":[\"x\"]},"
    "{\"name\":\"x\",\"op\":\"Placeholder\"},"
    "{\"name\":\"c16\",\"op\":\"Const\"},{\"name\":\"begin\",\"op\":\"Const\"},{\"name\":\"end\",\"op\":\"Const\"},"
    "{\"name\":\"strides\",\"op\":\"Const\"},{\"name\":\"dim\",\"op\":\"Const\"}]},"
    SIG_IN
    "\"outputs\":{\"o1\":{\"name\":\"out:0\"},\"o2\":{\"name\":\"eq:0\"}}},"
    "\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":["
    "{\"name\":\"c16\",\"shape\":[],\"dtype\":\"int32\"},{\"name\":\"begin\",\"shape\":[1],\"dtype\":\"int32\"},"
    "{\"name\":\"end\",\"shape\":[1],\"dtype\":\"int32\"},{\"name\":\"strides\",\"shape\":[1],\"dtype\":\"int32\"},"
    "{\"name\":\"dim\",\"shape\":[],\"dtype\":\"int32\"}]}]}";

static const int32_t fold_w[5] = {16, 0, 1, 1, -1};

static int pos(const nn__graph *g, const char *name)
{
    int n = nn__graph_find(g, name);
    for (int i = 0; i < g->nnodes; i++)
        if (g->order[i] == n) return i;
    return -1;
}

static void test_order_and_folding(void)
{
    nn__graph g = {0};
    nn_error err = {0};
    int rc = nn__graph_load_mem(&g, "fold.json", fold_json, strlen(fold_json), fold_w, sizeof fold_w, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc) {
        nn__graph_free(&g);
        return;
    }
    /* Every node comes after each of its inputs. */
    int bad = 0;
    for (int i = 0; i < g.nnodes; i++)
        for (int k = 0; k < g.nodes[i].nin; k++)
            if (pos(&g, g.nodes[g.value_node[g.nodes[i].in[k]]].name) >= pos(&g, g.nodes[i].name)) bad++;
    CHECK_INT_EQ(bad, 0);
    CHECK(pos(&g, "x") < pos(&g, "s") && pos(&g, "s") < pos(&g, "b") && pos(&g, "r") < pos(&g, "out"));
    CHECK_INT_EQ(g.nodes[nn__graph_find(&g, "e")].nin, 2);  /* "^s" is a control input: dropped */
    int k = -1;
    CHECK_INT_EQ(nn__graph_ref(&g, "ci:0", &k), nn__graph_find(&g, "ci"));
    CHECK_INT_EQ(k, 0);
    CHECK_INT_EQ(nn__graph_ref(&g, "nope:0", &k), -1);
    /* Outputs sorted by node name: "eq" before "out". */
    CHECK_STR_EQ(g.nodes[g.outputs[0].node].name, "eq");
    CHECK_STR_EQ(g.nodes[g.outputs[1].node].name, "out");

    for (int64_t batch = 1; batch <= 3; batch += 2) {
        nn__shape in = {4, {batch, 4, 2, 2}};
        nn__plan p;
        rc = nn__plan_build(&g, &in, NULL, &p, &err);
        CHECK_MSG(rc == 0, "%s", err.msg);
        if (rc) continue;
        CHECK_INT_EQ(p.folded, 3);  /* Shape, StridedSlice, Pack */
        CHECK_INT_EQ(p.nsteps, 3);  /* Reshape, Cast, Equal; not the dead Sqrt */
        /* ExpandDims and Identity only rename r's bytes: aliases of r, which then lives to the end. */
        int r = g.nodes[nn__graph_find(&g, "r")].out0;
        const nn__value *ev = &p.vals[g.nodes[nn__graph_find(&g, "e")].out0];
        CHECK_INT_EQ(ev->kind, NN__V_ALIAS);
        CHECK_INT_EQ(ev->alias, r);
        CHECK_INT_EQ(p.vals[g.outputs[1].value].kind, NN__V_ALIAS);
        CHECK_INT_EQ(p.vals[g.outputs[1].value].alias, r);
        CHECK(p.vals[g.outputs[1].value].data == p.vals[r].data);
        CHECK_INT_EQ(p.vals[r].last, p.nsteps - 1);
        CHECK_INT_EQ(p.vals[r].kind, NN__V_ARENA);  /* Reshape of the input itself is a copy */
        const nn__value *pv = &p.vals[g.nodes[nn__graph_find(&g, "p")].out0];
        CHECK_INT_EQ(pv->kind, NN__V_CONST);
        CHECK_INT_EQ(((const int32_t *)pv->data)[0], batch);  /* the batch comes from the input */
        CHECK_INT_EQ(((const int32_t *)pv->data)[1], 16);
        const nn__value *o = &p.vals[g.outputs[1].value], *eq = &p.vals[g.outputs[0].value];
        CHECK_INT_EQ(o->shape.rank, 3);
        CHECK_INT_EQ(o->shape.d[0], batch);
        CHECK_INT_EQ(o->shape.d[1], 16);
        CHECK_INT_EQ(o->shape.d[2], 1);
        CHECK_INT_EQ(o->dtype, NN__F32);
        CHECK_INT_EQ(eq->dtype, NN__BOOL);
        CHECK_INT_EQ(p.vals[g.nodes[nn__graph_find(&g, "ci")].out0].dtype, NN__I32);
        CHECK_INT_EQ(p.vals[g.nodes[nn__graph_find(&g, "dead")].out0].kind, NN__V_NONE);
        /* Arena: the planner never beats the lower bound, reuse never costs more than no reuse. */
        CHECK(p.arena_bytes >= p.lower_bound && p.arena_bytes <= p.no_reuse && p.lower_bound > 0);
        nn__plan_free(&p);
    }
    nn__graph_free(&g);
}

static void expect_graph_fail(const char *json, const char *a, const char *b)
{
    nn__graph g = {0};
    nn_error err = {0};
    int rc = nn__graph_load_mem(&g, "g.json", json, strlen(json), fold_w, sizeof fold_w, &err);
    if (rc == 0) {
        nn__shape in = {4, {1, 4, 2, 2}};
        nn__plan p;
        rc = nn__plan_build(&g, &in, NULL, &p, &err);
        if (rc == 0) nn__plan_free(&p);
    }
    CHECK_MSG(rc < 0, "expected failure with '%s'", a);
    CHECK_MSG(strstr(err.msg, a) && (!b || strstr(err.msg, b)), "message '%s' lacks '%s' / '%s'", err.msg, a, b ? b : "");
    nn__graph_free(&g);
}

static void test_errors(void)
{
    /* Three-node cycle a -> b -> c -> a behind the output: names one of them. */
    expect_graph_fail("{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"},"
                      "{\"name\":\"a\",\"op\":\"AddV2\",\"input\":[\"x\",\"c\"]},"
                      "{\"name\":\"b\",\"op\":\"Relu\",\"input\":[\"a\"]},"
                      "{\"name\":\"c\",\"op\":\"Sigmoid\",\"input\":[\"b\"]},"
                      "{\"name\":\"y\",\"op\":\"Identity\",\"input\":[\"b\"]}]}," SIG_IN
                      "\"outputs\":{\"y\":{\"name\":\"y:0\"}}}}",
                      "is on a cycle", "g.json: node '");
    /* Reshape target that does not divide (c16 = 5): shape error naming the node and both shapes. */
    static const int32_t w5[5] = {5, 0, 1, 1, -1};
    nn__graph g = {0};
    nn_error err = {0};
    int rc = nn__graph_load_mem(&g, "r.json", fold_json, strlen(fold_json), w5, sizeof w5, &err);
    CHECK(rc == 0);
    nn__shape in = {4, {1, 4, 2, 2}};
    nn__plan p;
    rc = nn__plan_build(&g, &in, NULL, &p, &err);
    CHECK(rc < 0);
    CHECK_MSG(strstr(err.msg, "node 'r' (Reshape)") && strstr(err.msg, "cannot reshape [1,4,2,2] into [1,5]"), "msg: %s",
              err.msg);
    nn__graph_free(&g);
    /* Binary op on mismatched shapes. */
    expect_graph_fail("{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"},"
                      "{\"name\":\"c\",\"op\":\"Const\"},"
                      "{\"name\":\"y\",\"op\":\"AddV2\",\"input\":[\"x\",\"c\"]}]}," SIG_IN
                      "\"outputs\":{\"y\":{\"name\":\"y:0\"}}},\"weightsManifest\":[{\"paths\":[\"w\"],\"weights\":"
                      "[{\"name\":\"c\",\"shape\":[3],\"dtype\":\"float32\"},{\"name\":\"pad\",\"shape\":[2],\"dtype\":\"int32\"}]}]}",
                      "node 'y' (AddV2)", "[1,4,2,2] and [3] do not broadcast");
    /* Reading output 1 of a one-output op. */
    expect_graph_fail("{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"},"
                      "{\"name\":\"y\",\"op\":\"Relu\",\"input\":[\"x\"]},"
                      "{\"name\":\"z\",\"op\":\"Identity\",\"input\":[\"y:1\"]}]}," SIG_IN
                      "\"outputs\":{\"z\":{\"name\":\"z:0\"}}}}",
                      "node 'y' (Relu)", "reads output 1");
    /* dtype mismatch between binary inputs. */
    expect_graph_fail("{\"modelTopology\":{\"node\":[{\"name\":\"x\",\"op\":\"Placeholder\"},"
                      "{\"name\":\"i\",\"op\":\"Cast\",\"input\":[\"x\"],\"attr\":{\"DstT\":{\"type\":\"DT_INT32\"}}},"
                      "{\"name\":\"y\",\"op\":\"Mul\",\"input\":[\"x\",\"i\"]}]}," SIG_IN
                      "\"outputs\":{\"y\":{\"name\":\"y:0\"}}}}",
                      "node 'y' (Mul)", "input 1 is int32, expected float32");
}

/* x -> Relu r -> Unpack (axis 0, one piece) -> Pack (one tensor) -> ConcatV2 (one tensor, axis 3)
 * -> Split (axis 3, one piece) -> Sigmoid "out"; and "two", a Pack of r and r. */
static const char *whole_json =
    "{\"modelTopology\":{\"node\":["
    "{\"name\":\"x\",\"op\":\"Placeholder\"},"
    "{\"name\":\"r\",\"op\":\"Relu\",\"input\":[\"x\"]},"
    "{\"name\":\"u\",\"op\":\"Unpack\",\"input\":[\"r\"],\"attr\":{\"axis\":{\"i\":\"0\"},\"num\":{\"i\":\"1\"}}},"
    "{\"name\":\"p\",\"op\":\"Pack\",\"input\":[\"u\"],\"attr\":{\"axis\":{\"i\":\"0\"}}},"
    "{\"name\":\"c\",\"op\":\"ConcatV2\",\"input\":[\"p\",\"three\"]},"
    "{\"name\":\"s\",\"op\":\"Split\",\"input\":[\"three\",\"c\"],\"attr\":{\"num_split\":{\"i\":\"1\"}}},"
    "{\"name\":\"out\",\"op\":\"Sigmoid\",\"input\":[\"s\"]},"
    "{\"name\":\"two\",\"op\":\"Pack\",\"input\":[\"r\",\"r\"],\"attr\":{\"axis\":{\"i\":\"0\"}}},"
    "{\"name\":\"three\",\"op\":\"Const\"}]}," SIG_IN
    "\"outputs\":{\"o1\":{\"name\":\"out:0\"},\"o2\":{\"name\":\"two:0\"}}},"
    "\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":"
    "[{\"name\":\"three\",\"shape\":[],\"dtype\":\"int32\"}]}]}";

static void test_whole_aliases(void)
{
    nn__graph g = {0};
    nn_error err = {0};
    static const int32_t three = 3;
    int rc = nn__graph_load_mem(&g, "whole.json", whole_json, strlen(whole_json), &three, sizeof three, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    nn__shape in = {4, {1, 4, 2, 2}};
    nn__plan p;
    if (rc == 0 && (rc = nn__plan_build(&g, &in, NULL, &p, &err)) < 0) CHECK_MSG(0, "%s", err.msg);
    if (rc) {
        nn__graph_free(&g);
        return;
    }
    CHECK_INT_EQ(p.nsteps, 3); /* Relu, Sigmoid, the Pack of two */
    int r = g.nodes[nn__graph_find(&g, "r")].out0;
    static const char *const whole[] = {"u", "p", "c", "s"};
    for (int i = 0; i < 4; i++) {
        const nn__value *v = &p.vals[g.nodes[nn__graph_find(&g, whole[i])].out0];
        CHECK_MSG(v->kind == NN__V_ALIAS && v->alias == r, "%s: kind %d alias %d", whole[i], v->kind, v->alias);
    }
    CHECK_INT_EQ(p.vals[g.nodes[nn__graph_find(&g, "s")].out0].shape.rank, 4);
    CHECK_INT_EQ(p.vals[g.nodes[nn__graph_find(&g, "u")].out0].shape.rank, 3);
    CHECK_INT_EQ(p.vals[g.nodes[nn__graph_find(&g, "two")].out0].kind, NN__V_ARENA);
    /* Run the steps: out = sigmoid(relu(x)), two = [relu(x), relu(x)]. */
    float x[16], *xv = x;
    for (int i = 0; i < 16; i++) x[i] = (float)(i - 8) * 0.5f;
    p.vals[g.nodes[nn__graph_find(&g, "x")].out0].data = xv;
    for (int k = 0; k < p.nsteps; k++) {
        nn__exec e = {&g, &p, p.steps[k], &err};
        CHECK_INT_EQ(g.nodes[p.steps[k]].def->run(&e, 0, 1), 0);
    }
    const float *out = p.vals[g.outputs[0].value].data, *two = p.vals[g.outputs[1].value].data;
    int bad = 0;
    for (int i = 0; i < 16; i++) {
        float rl = x[i] > 0 ? x[i] : 0.0f;
        if (fabsf(out[i] - 1.0f / (1.0f + expf(-rl))) > 1e-6f || two[i] != rl || two[16 + i] != rl) bad++;
    }
    CHECK_INT_EQ(bad, 0);
    nn__plan_free(&p);
    nn__graph_free(&g);
}

int main(void)
{
    test_order_and_folding();
    test_whole_aliases();
    test_errors();
    return check_report();
}
