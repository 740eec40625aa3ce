/* The scalar-function table (ir/scalar.h): its rows are well formed, the op table and the fused
 * opcodes point into it consistently, and every row's template agrees with its reference
 * function: each row is compiled by every registered backend (C today) through every encoding
 * that can name it (a core op, a one-instruction FusedElementwise program, a Unary or Binary fn)
 * and compared with the interpreter, which evaluates the reference, on random inputs in f32 and
 * f64. */
#include <string.h>

#include "codegen/cg_harness.h"

/* Placeholders in a template match the row's arity and parameter count. */
static void test_rows_well_formed(void) {
    for (int r = 0; r < IR_SCALAR_COUNT; r++) {
        const IrScalarInfo *s = ir_scalar_info((IrScalar)r);
        CHECK(s->arity == 1 || s->arity == 2 || (r == IR_SCALAR_CONST && s->arity == 0));
        CHECK(s->n_params >= 0 && s->n_params <= 3);
        CHECK(s->ref != NULL && s->tmpl != NULL && s->mnemonic != NULL);
        CHECK((s->kind == IR_SCALAR_KIND_CORE) == (r < IR_SCALAR_CORE_COUNT));
        CHECK(ir_scalar_find(s->kind, s->mnemonic) == r); /* unique within its kind */
        bool used[2] = {false, false};
        int max_param = -1;
        for (const char *t = s->tmpl; *t; t++) {
            if (*t != '$') continue;
            char c = *++t;
            if (c == '0' || c == '1') {
                CHECK(c - '0' < s->arity);
                used[c - '0'] = true;
            } else if (c == 'A' || c == 'B' || c == 'G') {
                int k = c == 'A' ? 0 : c == 'B' ? 1 : 2;
                max_param = k > max_param ? k : max_param;
            } else {
                CHECK(c == 'T');
            }
        }
        CHECK((s->arity == 0 || used[0]) && (s->arity < 2 || used[1]));
        if (s->kind != IR_SCALAR_KIND_UNARY) CHECK(max_param + 1 == s->n_params);
    }
    /* Fused programs stored in .kir files number the CORE rows this way. */
    CHECK(IR_SCALAR_CONST == 15 && IR_SCALAR_ADD == 0 && IR_SCALAR_DIV == 3 &&
          IR_SCALAR_GELU_TANH == 13 && IR_SCALAR_POW == 14);
}

/* A node of op (Gelu with `approximate`), fed by x (and x again for binary ops). */
static int add_op_node(IrGraph *g, IrOp op, int x, const char *approx) {
    char name[64];
    snprintf(name, sizeof name, "%s.%d", ir_op_info(op)->name, g->n_nodes);
    int ins[2] = {x, x};
    int v = cgt_op(g, op, name, ins, ir_op_info(op)->min_inputs);
    if (op == IR_OP_POW) ir_attr_set_float(g, g->n_nodes - 1, "exponent", 3.0);
    if (approx) ir_attr_set_string(g, g->n_nodes - 1, "approximate", approx);
    ir_output_add(g, v);
    return g->n_nodes - 1;
}

/* Every IR_OPF_EPILOGUE op names a CORE row, and every CORE row but CONST (fused programs'
 * immediates) is named by one. */
static void test_ops_cover_core_rows(void) {
    bool named[IR_SCALAR_CORE_COUNT] = {false};
    IrGraph *g = ir_graph_new("ops", "ops.json", ".");
    int64_t dims[1] = {4};
    int x = cgt_input(g, "x", IR_DTYPE_F32, 1, dims);
    for (int op = 0; op < IR_OP_COUNT; op++) {
        if (!ir_op_has((IrOp)op, IR_OPF_EPILOGUE)) continue;
        CHECK(ir_op_has((IrOp)op, IR_OPF_ELEMENTWISE));
        for (int v = 0; v < (op == IR_OP_GELU ? 2 : 1); v++) {
            int ni = add_op_node(g, (IrOp)op, x, op == IR_OP_GELU ? (v ? "tanh" : "none") : NULL);
            int row = ir_scalar_of_node(&g->nodes[ni]);
            CHECK(row >= 0 && row < IR_SCALAR_CORE_COUNT);
            if (row < 0 || row >= IR_SCALAR_CORE_COUNT) continue;
            CHECK(ir_scalar_info((IrScalar)row)->arity == ir_op_info((IrOp)op)->min_inputs);
            named[row] = true;
        }
    }
    for (int r = 0; r < IR_SCALAR_CORE_COUNT; r++) CHECK(named[r] == (r != IR_SCALAR_CONST));
    ir_graph_free(g);
}

/* Every row through every encoding, in dtype t, compared with the interpreter. */
static void test_templates_match_references(IrDtype t, double tol) {
    IrGraph *g = ir_graph_new("scalars", "scalars.json", ".");
    int64_t dims[2] = {3, 5};
    int x = cgt_input(g, "x", t, 2, dims), y = cgt_input(g, "y", t, 2, dims);
    for (int op = 0; op < IR_OP_COUNT; op++) {
        if (!ir_op_has((IrOp)op, IR_OPF_EPILOGUE)) continue;
        add_op_node(g, (IrOp)op, x, NULL);
        if (op == IR_OP_GELU) add_op_node(g, (IrOp)op, x, "tanh");
    }
    for (int r = 0; r < IR_SCALAR_COUNT; r++) {
        const IrScalarInfo *s = ir_scalar_info((IrScalar)r);
        char name[64];
        snprintf(name, sizeof name, "%s.%s", s->kind == IR_SCALAR_KIND_CORE ? "fused" : "fn",
                 s->mnemonic);
        int ins[2] = {x, y}, v;
        if (s->kind == IR_SCALAR_KIND_CORE) {
            /* one instruction: r of registers 0 and 1, or of register 0 and constants[0] */
            /* CONST reads no register: its value is added to x, so x is read */
            bool konst = r == IR_SCALAR_CONST;
            v = cgt_op(g, IR_OP_FUSED_ELEMENTWISE, name, ins, konst ? 1 : s->arity);
            int64_t prog[6] = {r, 0, s->arity == 2 ? 1 : 0, IR_SCALAR_ADD, 0, 1};
            double k[1] = {2.5};
            ir_attr_set_ints(g, g->n_nodes - 1, "program", prog, konst ? 6 : 3);
            if (s->n_params) ir_attr_set_floats(g, g->n_nodes - 1, "constants", k, 1);
            ir_attr_set_string(g, g->n_nodes - 1, "nodes", "");
        } else {
            bool unary = s->kind == IR_SCALAR_KIND_UNARY;
            v = cgt_op(g, unary ? IR_OP_UNARY_FN : IR_OP_BINARY_FN, name, ins, s->arity);
            ir_attr_set_string(g, g->n_nodes - 1, "fn", s->mnemonic);
            if (unary) {
                ir_attr_set_float(g, g->n_nodes - 1, "alpha", 0.4);
                ir_attr_set_float(g, g->n_nodes - 1, "beta", 0.25);
                ir_attr_set_float(g, g->n_nodes - 1, "gamma", 1.5);
            }
        }
        ir_output_add(g, v);
    }
    cgt_run_all(g, t == IR_DTYPE_F32 ? "scalars32" : "scalars64", (const uint64_t[]){21, 22}, 2,
                tol);
}

int main(void) {
    test_rows_well_formed();
    test_ops_cover_core_rows();
    test_templates_match_references(IR_DTYPE_F32, 1e-5);
    test_templates_match_references(IR_DTYPE_F64, 1e-12);
    cgt_report();
    return test_finish();
}
