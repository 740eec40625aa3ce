/* Differential tests of the "index" family and integer Div in the C backend: each op compiled
 * to a shared library and compared with the interpreter on random inputs (floats within 1e-6 x
 * max(1, |ref|), integers exactly). Index tensors are random constants in [-3, 3] over dims of
 * size 4, so negative and positive indices are both exercised. */
#include "codegen/cg_harness.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define RANK(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define IN(name, t, ...) cgt_input(g, idx_value_name(name), t, RANK(__VA_ARGS__), D(__VA_ARGS__))
#define CONST(name, t, ...)                                                                        \
    cgt_const(g, &rng, idx_value_name(name), t, RANK(__VA_ARGS__), D(__VA_ARGS__))
#define LAST (g->n_nodes - 1)

/* "<base>#<counter>": unique value names for inputs and constants made in loops. */
static const char *idx_value_name(const char *base) {
    static char buf[96];
    static int counter;
    snprintf(buf, sizeof buf, "%s#%d", base, counter++);
    return buf;
}

/* "<base>.<node count>": unique node names. */
static const char *idx_name(const IrGraph *g, const char *base) {
    static char buf[96];
    snprintf(buf, sizeof buf, "%s.%d", base, g->n_nodes);
    return buf;
}

static int idx_op(IrGraph *g, IrOp op, const char *base, const int *ins, int n_in) {
    int v = cgt_op(g, op, idx_name(g, base), ins, n_in);
    ir_output_add(g, v);
    return v;
}

/* Plans g, runs it on every registered backend against the interpreter, then frees it. */
static void idx_run_graph(IrGraph *g, const char *prefix) {
    cgt_run_all(g, prefix, (const uint64_t[]){21, 22}, 2, 1e-6);
}

static void test_gathers(void) {
    TestRng rng = {7};
    IrGraph *g = ir_graph_new("gathers", "gathers.json", ".");
    int x = IN("x", IR_DTYPE_F32, 4, 4, 4), xi = IN("xi", IR_DTYPE_I64, 4, 4);
    for (int axis = -1; axis < 3; axis++) {
        int ind = CONST("ge_ind", axis == 1 ? IR_DTYPE_I32 : IR_DTYPE_I64, 3, 2, 4);
        idx_op(g, IR_OP_GATHER_ELEMENTS, "ge", (int[]){x, ind}, 2);
        ir_attr_set_int(g, LAST, "axis", axis);
    }
    int ind2 = CONST("ge_ind2", IR_DTYPE_I64, 4, 2);
    idx_op(g, IR_OP_GATHER_ELEMENTS, "ge_int", (int[]){xi, ind2}, 2);
    ir_attr_set_int(g, LAST, "axis", 1);
    /* GatherND: tuples of 1, 2 and 3; batch_dims 1 */
    idx_op(g, IR_OP_GATHER_ND, "gnd1", (int[]){x, CONST("gnd_i1", IR_DTYPE_I64, 3, 1)}, 2);
    idx_op(g, IR_OP_GATHER_ND, "gnd2", (int[]){x, CONST("gnd_i2", IR_DTYPE_I64, 2, 2, 2)}, 2);
    idx_op(g, IR_OP_GATHER_ND, "gnd3", (int[]){x, CONST("gnd_i3", IR_DTYPE_I32, 5, 3)}, 2);
    idx_op(g, IR_OP_GATHER_ND, "gndb", (int[]){x, CONST("gnd_ib", IR_DTYPE_I64, 4, 3, 2)}, 2);
    ir_attr_set_int(g, LAST, "batch_dims", 1);
    idx_run_graph(g, "gathers");
}

static void test_scatters(void) {
    static const char *const reds[] = {"none", "add", "mul", "max", "min"};
    TestRng rng = {9};
    IrGraph *g = ir_graph_new("scatters", "scatters.json", ".");
    int x = IN("x", IR_DTYPE_F32, 4, 4), xi = IN("xi", IR_DTYPE_I32, 4, 4);
    for (int r = 0; r < 5; r++) {
        int ind = CONST("se_ind", IR_DTYPE_I64, 3, 4);
        int upd = IN("se_upd", IR_DTYPE_F32, 3, 4);
        idx_op(g, IR_OP_SCATTER_ELEMENTS, "se", (int[]){x, ind, upd}, 3);
        ir_attr_set_int(g, LAST, "axis", r % 2 ? -1 : 0);
        ir_attr_set_string(g, LAST, "reduction", reds[r]);
        int updi = IN("se_updi", IR_DTYPE_I32, 3, 4);
        idx_op(g, IR_OP_SCATTER_ELEMENTS, "se_i", (int[]){xi, ind, updi}, 3);
        ir_attr_set_string(g, LAST, "reduction", reds[r]);
        int nd_ind = CONST("snd_ind", IR_DTYPE_I64, 3, 1);
        int nd_upd = IN("snd_upd", IR_DTYPE_F32, 3, 4);
        idx_op(g, IR_OP_SCATTER_ND, "snd", (int[]){x, nd_ind, nd_upd}, 3);
        ir_attr_set_string(g, LAST, "reduction", reds[r]);
        int nd_ind2 = CONST("snd_ind2", IR_DTYPE_I32, 5, 2);
        int nd_upd2 = IN("snd_upd2", IR_DTYPE_F32, 5);
        idx_op(g, IR_OP_SCATTER_ND, "snd2", (int[]){x, nd_ind2, nd_upd2}, 3);
        ir_attr_set_string(g, LAST, "reduction", reds[r]);
    }
    idx_run_graph(g, "scatters");
}

static void test_one_hot_topk(void) {
    TestRng rng = {5};
    IrGraph *g = ir_graph_new("onehot_topk", "onehot_topk.json", ".");
    int ind = CONST("oh_ind", IR_DTYPE_I64, 2, 5), vals = IN("oh_vals", IR_DTYPE_F32, 2);
    for (int axis = -1; axis < 3; axis++) {
        idx_op(g, IR_OP_ONE_HOT, "oh", (int[]){ind, vals}, 2);
        ir_attr_set_int(g, LAST, "depth", 3); /* indices 3 and -3.. some fall outside */
        ir_attr_set_int(g, LAST, "axis", axis);
    }
    int x = IN("x", IR_DTYPE_F32, 3, 6, 2), xi = CONST("xi", IR_DTYPE_I32, 2, 9);
    for (int largest = 0; largest < 2; largest++) {
        for (int axis = 0; axis < 3; axis++) {
            int outs[2];
            cgt_node(g, IR_OP_TOPK, idx_name(g, "topk"), &x, 1, outs, 2);
            ir_attr_set_int(g, LAST, "k", axis == 2 ? 2 : 3);
            ir_attr_set_int(g, LAST, "axis", axis);
            ir_attr_set_int(g, LAST, "largest", largest);
            ir_output_add(g, outs[0]);
            ir_output_add(g, outs[1]);
        }
        int outs[2]; /* an integer input full of ties */
        cgt_node(g, IR_OP_TOPK, idx_name(g, "topk_i"), &xi, 1, outs, 2);
        ir_attr_set_int(g, LAST, "k", 9);
        ir_attr_set_int(g, LAST, "largest", largest);
        ir_output_add(g, outs[0]);
        ir_output_add(g, outs[1]);
    }
    idx_run_graph(g, "onehot_topk");
}

/* Integer Div against the interpreter: broadcast, negative operands, divisor -1 (INT_MIN / -1
 * wraps), for every integer dtype. The divisors are constants without zero (zero is an
 * interpreter error). */
static void test_int_div(void) {
    static const IrDtype types[4] = {IR_DTYPE_I8, IR_DTYPE_U8, IR_DTYPE_I32, IR_DTYPE_I64};
    IrGraph *g = ir_graph_new("int_div", "int_div.json", ".");
    for (int t = 0; t < 4; t++) {
        char name[32];
        snprintf(name, sizeof name, "a%d", t);
        int a = cgt_input(g, name, types[t], 2, D(3, 6));
        /* divisors 1, -1, 2, -3, 5, 7 (u8: 1, 255, 2, 253, 5, 7) */
        int8_t div8[6] = {1, -1, 2, -3, 5, 7};
        int32_t div32[6] = {1, -1, 2, -3, 5, 7};
        int64_t div64[6] = {1, -1, 2, -3, 5, 7};
        const void *data = t < 2 ? (const void *)div8 : t == 2 ? (const void *)div32 : div64;
        IrType bt = {types[t], 1, {{6, -1}}};
        snprintf(name, sizeof name, "b%d", t);
        int b = ir_const_add(g, name, &bt, data, 6 * ir_dtype_size(types[t]), true);
        idx_op(g, IR_OP_DIV, "div", (int[]){a, b}, 2);
    }
    idx_run_graph(g, "int_div");
}

/* Index tensors given at run time: in range, the library matches the interpreter; one index out
 * of range in GatherElements or in ScatterND makes the descriptor's run return KILN_ERR_INDEX
 * and zeroes that node's output. On backend b. */
static void test_run_time_index_errors(const CgBackend *b) {
    IrGraph *g = ir_graph_new("bad_index", "bad_index.json", ".");
    int x = IN("x", IR_DTYPE_F32, 4, 4), ind = IN("ind", IR_DTYPE_I64, 3, 4);
    int nd_ind = IN("nd_ind", IR_DTYPE_I64, 3, 1), upd = IN("upd", IR_DTYPE_F32, 3, 4);
    idx_op(g, IR_OP_GATHER_ELEMENTS, "ge", (int[]){x, ind}, 2);
    ir_attr_set_int(g, LAST, "axis", 0);
    idx_op(g, IR_OP_SCATTER_ND, "snd", (int[]){x, nd_ind, upd}, 3);
    CgtLib lib = {0};
    if (cgt_plan(g) && cgt_build(b, g, "bad_index", false, &lib)) {
        CHECK(cgt_compare(g, &lib, 31, 1e-6));
        const KilnModel *m = lib.model;
        char wpath[4200];
        void *ctx = NULL;
        if (CHECK(m->create(&ctx, cgt_weights_path(&lib, wpath, sizeof wpath)) == KILN_OK)) {
            float xs[16], upds[12], ge[12], sn[16];
            int64_t inds[12], nds[3] = {0, -4, 3};
            for (int i = 0; i < 16; i++) xs[i] = (float)i + 1.0f;
            for (int i = 0; i < 12; i++) {
                upds[i] = -(float)i;
                inds[i] = i % 4 - 2;
            }
            const void *ins[4] = {xs, inds, nds, upds};
            void *outs[2] = {ge, sn};
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            CHECK(ge[0] == 9.0f && ge[1] == 14.0f); /* rows -2 and -1 of column 0 and 1 */
            inds[5] = 4;                            /* one past the end of axis 0 */
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            bool zero = true;
            for (int i = 0; i < 12; i++) zero &= ge[i] == 0.0f;
            CHECK(zero);
            inds[5] = -4; /* the lowest valid index again */
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            nds[1] = -5;
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            nds[1] = 4;
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            nds[1] = 1;
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            CHECK(sn[4] == -4.0f && sn[0] == -0.0f && sn[12] == -8.0f);
            m->destroy(ctx);
        }
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

int main(void) {
    test_gathers();
    test_scatters();
    test_one_hot_topk();
    test_int_div();
    for (int i = 0; i < cg_backend_count(); i++) test_run_time_index_errors(cg_backend_at(i));
    cgt_report();
    return test_finish();
}
