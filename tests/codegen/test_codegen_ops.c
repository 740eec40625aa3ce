/* Differential tests of the C backend: for every op, several shapes and every attribute
 * variant, the compiled shared library must agree with the float64 interpreter within
 * 1e-5 x max(1, |ref|). Many independent cases share one graph (each with its own inputs and
 * outputs) so one compiler run covers a whole family of ops. */
#include <stdlib.h>

#include "cg_harness.h"

#define TOL 1e-5

static TestRng cgt_rng = {20240611};

/* Shorthands: D(...) is an int64_t dims array literal. */
#define D(...) ((const int64_t[]){__VA_ARGS__})
#define IN(name, t, ...) cgt_input(g, name, t, (int)(sizeof D(__VA_ARGS__) / 8), D(__VA_ARGS__))
#define CONST(name, t, ...)                                                                        \
    cgt_const(g, &cgt_rng, name, t, (int)(sizeof D(__VA_ARGS__) / 8), D(__VA_ARGS__))
#define OP(op, name, ...)                                                                          \
    cgt_op(g, IR_OP_##op, name, (const int[]){__VA_ARGS__},                                        \
           (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int)))
#define LAST (g->n_nodes - 1)
#define OUT(v) ir_output_add(g, v)

/* Plans g, runs it on every registered backend against the interpreter, then frees it. */
static void cgt_run_graph(IrGraph *g, const char *prefix) {
    cgt_run_all(g, prefix, (const uint64_t[]){7, 8}, 2, TOL);
}

static void test_elementwise(void) {
    IrGraph *g = ir_graph_new("elementwise", "elementwise.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), b = IN("b", IR_DTYPE_F32, 4);
    int c = IN("c", IR_DTYPE_F32, 3, 1), d = IN("d", IR_DTYPE_F32, 2, 1, 4);
    int s = cgt_input(g, "s", IR_DTYPE_F32, 0, NULL);
    IrOp unary[] = {IR_OP_NEG,  IR_OP_EXP,  IR_OP_SQRT,    IR_OP_RSQRT, IR_OP_RELU,
                    IR_OP_SILU, IR_OP_GELU, IR_OP_SIGMOID, IR_OP_TANH};
    for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "u%zu", i);
        OUT(cgt_op(g, unary[i], name, &a, 1));
    }
    OUT(OP(GELU, "gelu_tanh", a));
    ir_attr_set_string(g, LAST, "approximate", "tanh");
    double exps[] = {2.0, 3.0, 0.5, -1.5};
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "pow%d", i);
        OUT(OP(POW, name, a));
        ir_attr_set_float(g, LAST, "exponent", exps[i]);
    }
    OUT(OP(ADD, "add_b", a, b));
    OUT(OP(SUB, "sub_c", a, c));
    OUT(OP(MUL, "mul_s", a, s));
    OUT(OP(DIV, "div_d", a, d));
    OUT(OP(ADD, "add_cb", c, b));
    OUT(OP(MUL, "mul_dc", d, c));
    OUT(OP(SUB, "sub_sa", s, a));
    /* A chain whose intermediates live in the workspace and may share bytes. */
    int w = CONST("w", IR_DTYPE_F32, 3, 4);
    int t = OP(EXP, "chain.exp", a);
    t = OP(MUL, "chain.mul", t, w);
    t = OP(RELU, "chain.relu", t);
    t = OP(ADD, "chain.add", t, a);
    t = OP(TANH, "chain.tanh", t);
    OUT(OP(SUB, "chain.sub", t, b));
    cgt_run_graph(g, "ew");
}

static void test_movement(void) {
    IrGraph *g = ir_graph_new("movement", "movement.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), q = IN("q", IR_DTYPE_F32, 2, 3, 4, 5);
    int m = IN("m", IR_DTYPE_F32, 2, 3), m1 = IN("m1", IR_DTYPE_F32, 1, 3);
    OUT(OP(RESHAPE, "reshape", a));
    ir_attr_set_ints(g, LAST, "shape", D(6, 4), 2);
    int t = OP(EXP, "r.exp", a);
    t = OP(RESHAPE, "r.reshape", t);
    ir_attr_set_ints(g, LAST, "shape", D(0, -1), 2);
    OUT(OP(NEG, "r.neg", t));
    OUT(OP(TRANSPOSE, "tr_rev", a));
    OUT(OP(TRANSPOSE, "tr_102", a));
    ir_attr_set_ints(g, LAST, "perm", D(1, 0, 2), 3);
    OUT(OP(TRANSPOSE, "tr_021", a));
    ir_attr_set_ints(g, LAST, "perm", D(0, 2, 1), 3);
    OUT(OP(TRANSPOSE, "tr_4d", q));
    ir_attr_set_ints(g, LAST, "perm", D(2, 0, 3, 1), 4);
    OUT(OP(CONCAT, "cat0", m, m1));
    ir_attr_set_int(g, LAST, "axis", 0);
    OUT(OP(CONCAT, "cat_last", a, a, a));
    ir_attr_set_int(g, LAST, "axis", -1);
    OUT(OP(CONCAT, "cat_mid", a, a));
    ir_attr_set_int(g, LAST, "axis", 1);
    int parts[3];
    cgt_node(g, IR_OP_SPLIT, "split_eq", (const int[]){q}, 1, parts, 2);
    ir_attr_set_int(g, LAST, "axis", 0);
    OUT(parts[0]);
    OUT(parts[1]);
    cgt_node(g, IR_OP_SPLIT, "split_sizes", (const int[]){a}, 1, parts, 3);
    ir_attr_set_int(g, LAST, "axis", -1);
    ir_attr_set_ints(g, LAST, "split", D(1, 2, 1), 3);
    for (int i = 0; i < 3; i++) OUT(parts[i]);
    OUT(OP(SLICE, "sl_basic", a));
    ir_attr_set_ints(g, LAST, "starts", D(1), 1);
    ir_attr_set_ints(g, LAST, "ends", D(3), 1);
    ir_attr_set_ints(g, LAST, "axes", D(1), 1);
    OUT(OP(SLICE, "sl_rev", a));
    ir_attr_set_ints(g, LAST, "starts", D(-1), 1);
    ir_attr_set_ints(g, LAST, "ends", D(INT64_MIN), 1);
    ir_attr_set_ints(g, LAST, "axes", D(2), 1);
    ir_attr_set_ints(g, LAST, "steps", D(-1), 1);
    OUT(OP(SLICE, "sl_multi", q));
    ir_attr_set_ints(g, LAST, "starts", D(0, 4, 1), 3);
    ir_attr_set_ints(g, LAST, "ends", D(100, 0, -1), 3);
    ir_attr_set_ints(g, LAST, "axes", D(-1, 1, 2), 3);
    ir_attr_set_ints(g, LAST, "steps", D(2, -2, 1), 3);
    OUT(OP(SLICE, "sl_noaxes", a));
    ir_attr_set_ints(g, LAST, "starts", D(-1, 0), 2);
    ir_attr_set_ints(g, LAST, "ends", D(2, -1), 2);
    int data = CONST("table", IR_DTYPE_F32, 5, 3);
    int idx64 = IN("idx64", IR_DTYPE_I64, 2, 2), idx32 = IN("idx32", IR_DTYPE_I32, 4);
    OUT(OP(GATHER, "gather_rows", data, idx64));
    OUT(OP(GATHER, "gather_mid", q, idx32));
    ir_attr_set_int(g, LAST, "axis", 3);
    cgt_run_graph(g, "mv");
}

static void test_heavy(void) {
    IrGraph *g = ir_graph_new("heavy", "heavy.json", ".");
    int a2 = IN("a2", IR_DTYPE_F32, 3, 4), a3 = IN("a3", IR_DTYPE_F32, 2, 3, 4);
    int a4 = IN("a4", IR_DTYPE_F32, 2, 1, 3, 4), v4 = IN("v4", IR_DTYPE_F32, 4);
    int b2 = CONST("b2", IR_DTYPE_F32, 4, 5), b3 = CONST("b3", IR_DTYPE_F32, 2, 4, 5);
    int b3x = CONST("b3x", IR_DTYPE_F32, 3, 4, 5);
    OUT(OP(MATMUL, "mm", a2, b2));
    OUT(OP(MATMUL, "mm_batch", a3, b3));
    OUT(OP(MATMUL, "mm_bcast", a4, b3x));
    OUT(OP(MATMUL, "mm_fold", a3, b2));
    OUT(OP(MATMUL, "mm_vec_a", v4, b3));
    OUT(OP(MATMUL, "mm_vec_b", a3, v4));
    OUT(OP(MATMUL, "mm_shared_a", a2, b3));
    int x = IN("x", IR_DTYPE_F32, 2, 3, 8), x5 = IN("x5", IR_DTYPE_F32, 5, 8);
    int wt = CONST("w_nk", IR_DTYPE_F32, 6, 8), wn = CONST("w_kn", IR_DTYPE_F32, 8, 6);
    int bias = CONST("bias", IR_DTYPE_F32, 6);
    OUT(OP(LINEAR, "lin_t_bias", x, wt, bias));
    OUT(OP(LINEAR, "lin_n", x, wn));
    ir_attr_set_int(g, LAST, "transpose_w", 0);
    OUT(OP(LINEAR, "lin_n_bias", x5, wn, bias));
    ir_attr_set_int(g, LAST, "transpose_w", 0);
    OUT(OP(LINEAR, "lin_t_tail", x5, wt));
    int sm = IN("sm", IR_DTYPE_F32, 2, 3, 5);
    OUT(OP(SOFTMAX, "softmax_last", sm));
    OUT(OP(SOFTMAX, "softmax_mid", sm));
    ir_attr_set_int(g, LAST, "axis", 1);
    int sc5 = CONST("ln_scale", IR_DTYPE_F32, 5), bi5 = CONST("ln_bias", IR_DTYPE_F32, 5);
    int sc35 = CONST("ln_scale35", IR_DTYPE_F32, 3, 5);
    OUT(OP(LAYERNORM, "ln", sm, sc5, bi5));
    OUT(OP(LAYERNORM, "ln_axis1", sm, sc35));
    ir_attr_set_int(g, LAST, "axis", 1);
    ir_attr_set_float(g, LAST, "epsilon", 1e-3);
    OUT(OP(LAYERNORM, "ln_plain", sm));
    OUT(OP(LAYERNORM, "ln_bias_only", sm, -1, bi5));
    OUT(OP(RMSNORM, "rms", sm, sc5));
    OUT(OP(RMSNORM, "rms_plain", sm));
    ir_attr_set_int(g, LAST, "axis", 1);
    int rx = IN("rx", IR_DTYPE_F32, 2, 4, 3, 8);
    int p64 = IN("pos64", IR_DTYPE_I64, 4), p32 = IN("pos32", IR_DTYPE_I32, 4);
    OUT(OP(ROTARY, "rot_half", rx));
    OUT(OP(ROTARY, "rot_inter", rx));
    ir_attr_set_int(g, LAST, "interleaved", 1);
    OUT(OP(ROTARY, "rot_partial", rx));
    ir_attr_set_int(g, LAST, "rotary_dim", 4);
    ir_attr_set_int(g, LAST, "position_offset", 5);
    ir_attr_set_float(g, LAST, "theta", 500.0);
    OUT(OP(ROTARY, "rot_partial_inter", rx));
    ir_attr_set_int(g, LAST, "rotary_dim", 6);
    ir_attr_set_int(g, LAST, "interleaved", 1);
    OUT(OP(ROTARY, "rot_pos64", rx, p64));
    OUT(OP(ROTARY, "rot_pos32", rx, p32));
    ir_attr_set_int(g, LAST, "interleaved", 1);
    int q = IN("q", IR_DTYPE_F32, 2, 4, 4, 8), k = IN("k", IR_DTYPE_F32, 2, 4, 4, 8);
    int v = IN("v", IR_DTYPE_F32, 2, 4, 4, 6);
    OUT(OP(ATTENTION, "attn", q, k, v));
    OUT(OP(ATTENTION, "attn_causal", q, k, v));
    ir_attr_set_int(g, LAST, "causal", 1);
    int gq = IN("gq", IR_DTYPE_F32, 3, 4, 8), gk = IN("gk", IR_DTYPE_F32, 5, 2, 8);
    int gv = IN("gv", IR_DTYPE_F32, 5, 2, 6);
    OUT(OP(ATTENTION, "gqa", gq, gk, gv));
    ir_attr_set_float(g, LAST, "scale", 0.3);
    OUT(OP(ATTENTION, "gqa_causal", gq, gk, gv));
    ir_attr_set_int(g, LAST, "causal", 1);
    int lq = IN("lq", IR_DTYPE_F32, 6, 2, 8), lk = IN("lk", IR_DTYPE_F32, 3, 1, 8);
    int lv = IN("lv", IR_DTYPE_F32, 3, 1, 4);
    OUT(OP(ATTENTION, "attn_sq_gt_skv", lq, lk, lv));
    ir_attr_set_int(g, LAST, "causal", 1);
    cgt_run_graph(g, "hv");
}

static void test_dtypes(void) {
    IrGraph *g = ir_graph_new("dtypes", "dtypes.json", ".");
    int f64 = IN("f64", IR_DTYPE_F64, 2, 3), f64b = IN("f64b", IR_DTYPE_F64, 3);
    OUT(OP(EXP, "f64.exp", f64));
    OUT(OP(GELU, "f64.gelu", f64));
    OUT(OP(ADD, "f64.add", f64, f64b));
    OUT(OP(POW, "f64.pow", f64));
    ir_attr_set_float(g, LAST, "exponent", 2.0);
    int h = IN("h", IR_DTYPE_F16, 2, 3), hb = IN("hb", IR_DTYPE_BF16, 2, 3);
    OUT(OP(ADD, "f16.add", h, h));
    OUT(OP(SILU, "f16.silu", h));
    OUT(OP(MUL, "bf16.mul", hb, hb));
    OUT(OP(SIGMOID, "bf16.sigmoid", hb));
    int i32 = IN("i32", IR_DTYPE_I32, 2, 3), i32b = IN("i32b", IR_DTYPE_I32, 3);
    OUT(OP(ADD, "i32.add", i32, i32b));
    OUT(OP(SUB, "i32.sub", i32, i32b));
    OUT(OP(MUL, "i32.mul", i32, i32));
    OUT(OP(NEG, "i32.neg", i32));
    OUT(OP(RELU, "i32.relu", i32));
    int i64 = IN("i64", IR_DTYPE_I64, 2, 3), i8 = IN("i8", IR_DTYPE_I8, 4);
    int u8 = IN("u8", IR_DTYPE_U8, 4), bl = IN("bool", IR_DTYPE_BOOL, 2, 3);
    OUT(OP(ADD, "i64.add", i64, i64));
    OUT(OP(MUL, "i8.mul", i8, i8));
    OUT(OP(SUB, "u8.sub", u8, u8));
    OUT(OP(TRANSPOSE, "i64.transpose", i64));
    OUT(OP(CONCAT, "bool.concat", bl, bl));
    ir_attr_set_int(g, LAST, "axis", 1);
    OUT(OP(SLICE, "u8.slice", u8));
    ir_attr_set_ints(g, LAST, "starts", D(3), 1);
    ir_attr_set_ints(g, LAST, "ends", D(0), 1);
    ir_attr_set_ints(g, LAST, "steps", D(-2), 1);
    int idx = IN("idx", IR_DTYPE_I64, 3), h4 = IN("h4", IR_DTYPE_F16, 2, 4);
    OUT(OP(GATHER, "f16.gather", h4, idx));
    ir_attr_set_int(g, LAST, "axis", 1);
    /* Cast between every pair of dtypes, from a float source scaled so truncation matters. */
    int x = IN("x", IR_DTYPE_F32, 2, 3);
    int five = CONST("five", IR_DTYPE_F32, 1);
    int scaled = OP(MUL, "scaled", x, five);
    const IrDtype all[] = {IR_DTYPE_F32, IR_DTYPE_F16, IR_DTYPE_BF16, IR_DTYPE_F64, IR_DTYPE_I8,
                           IR_DTYPE_U8,  IR_DTYPE_I32, IR_DTYPE_I64,  IR_DTYPE_BOOL};
    for (int i = 0; i < 9; i++) {
        char name[64];
        snprintf(name, sizeof name, "cast.%s", ir_dtype_name(all[i]));
        int mid = OP(CAST, name, scaled);
        ir_attr_set_string(g, LAST, "to", ir_dtype_name(all[i]));
        OUT(mid);
        for (int j = 0; j < 9; j++) {
            snprintf(name, sizeof name, "cast.%s.%s", ir_dtype_name(all[i]), ir_dtype_name(all[j]));
            OUT(OP(CAST, name, mid));
            ir_attr_set_string(g, LAST, "to", ir_dtype_name(all[j]));
        }
    }
    cgt_run_graph(g, "dt");
}

int main(void) {
    test_elementwise();
    test_movement();
    test_heavy();
    test_dtypes();
    cgt_report();
    return test_finish();
}
