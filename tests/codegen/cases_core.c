/* Differential cases of the core ops (ir/ops.h): several shapes, broadcasting, every attribute
 * variant and the dtypes each op accepts. */
#include "cg_cases.h"

/* The elementwise inputs every binary case broadcasts against: a[2,3,4] with b[4], c[3,1],
 * d[2,1,4] and a scalar s, in the order (a, b), (a, c), (a, s), (a, d), (c, b), (d, c), (s, a). */
static void binary_case(CgtCase *c, IrOp op) {
    int a = IN("a", F32, 2, 3, 4), b = IN("b", F32, 4), cc = IN("c", F32, 3, 1);
    int d = IN("d", F32, 2, 1, 4), s = cgt_case_input(c, "s", F32, 0, NULL);
    const int pairs[7][2] = {{a, b}, {a, cc}, {a, s}, {a, d}, {cc, b}, {d, cc}, {s, a}};
    for (int i = 0; i < 7; i++) OUT(cgt_case_op(c, op, "f32", pairs[i], 2));
    int f = IN("f64", F64, 2, 3), fb = IN("f64b", F64, 3);
    OUT(cgt_case_op(c, op, "f64", (const int[]){f, fb}, 2));
    int h = IN("f16", F16, 2, 3), hb = IN("bf16", BF16, 2, 3);
    OUT(cgt_case_op(c, op, "f16", (const int[]){h, h}, 2));
    OUT(cgt_case_op(c, op, "bf16", (const int[]){hb, hb}, 2));
}

/* Binary ops on integers: every integer dtype, broadcast (Div has its own, without zeros). */
static void binary_int_case(CgtCase *c, IrOp op) {
    const IrDtype types[4] = {I8, U8, I32, I64};
    for (int t = 0; t < 4; t++) {
        int a = IN("ia", types[t], 2, 3), b = IN("ib", types[t], 3);
        OUT(cgt_case_op(c, op, "int", (const int[]){a, b}, 2));
        OUT(cgt_case_op(c, op, "int_same", (const int[]){a, a}, 2));
    }
}

void cgt_case_add(CgtCase *c) {
    binary_case(c, IR_OP_ADD);
    binary_int_case(c, IR_OP_ADD);
}

void cgt_case_sub(CgtCase *c) {
    binary_case(c, IR_OP_SUB);
    binary_int_case(c, IR_OP_SUB);
}

void cgt_case_mul(CgtCase *c) {
    binary_case(c, IR_OP_MUL);
    binary_int_case(c, IR_OP_MUL);
}

/* Integer Div: broadcast, negative operands, divisor -1 (INT_MIN / -1 wraps), for every integer
 * dtype. The divisors are constants without zero (zero is an interpreter error). */
void cgt_case_div(CgtCase *c) {
    binary_case(c, IR_OP_DIV);
    const IrDtype types[4] = {I8, U8, I32, I64};
    /* divisors 1, -1, 2, -3, 5, 7 (u8: 1, 255, 2, 253, 5, 7) */
    const int8_t div8[6] = {1, -1, 2, -3, 5, 7};
    const int32_t div32[6] = {1, -1, 2, -3, 5, 7};
    const int64_t div64[6] = {1, -1, 2, -3, 5, 7};
    for (int t = 0; t < 4; t++) {
        int a = IN("ia", types[t], 3, 6);
        const void *data = t < 2 ? (const void *)div8 : t == 2 ? (const void *)div32 : div64;
        int b = cgt_case_const_data(c, "divisors", types[t], 1, D(6), data);
        OUT(OP(DIV, "int", a, b));
    }
}

/* A unary op on f32 [2,3,4], f64, f16 and bf16; a chain through the workspace. */
static void unary_case(CgtCase *c, IrOp op, bool ints) {
    int a = IN("a", F32, 2, 3, 4);
    OUT(cgt_case_op(c, op, "f32", &a, 1));
    int f = IN("f64", F64, 2, 3), h = IN("f16", F16, 2, 3), hb = IN("bf16", BF16, 2, 3);
    OUT(cgt_case_op(c, op, "f64", &f, 1));
    OUT(cgt_case_op(c, op, "f16", &h, 1));
    OUT(cgt_case_op(c, op, "bf16", &hb, 1));
    /* intermediates that live in the workspace and may share bytes with their neighbours */
    int w = CONST("w", F32, 3, 4);
    int t = OP(MUL, "chain.mul", a, w);
    t = cgt_case_op(c, op, "chain", &t, 1);
    OUT(OP(ADD, "chain.add", t, a));
    if (ints) {
        int i = IN("i32", I32, 2, 3), l = IN("i64", I64, 5);
        OUT(cgt_case_op(c, op, "i32", &i, 1));
        OUT(cgt_case_op(c, op, "i64", &l, 1));
    }
}

void cgt_case_neg(CgtCase *c) {
    unary_case(c, IR_OP_NEG, true);
}
void cgt_case_exp(CgtCase *c) {
    unary_case(c, IR_OP_EXP, false);
}
void cgt_case_sqrt(CgtCase *c) {
    unary_case(c, IR_OP_SQRT, false);
}
void cgt_case_rsqrt(CgtCase *c) {
    unary_case(c, IR_OP_RSQRT, false);
}
void cgt_case_relu(CgtCase *c) {
    unary_case(c, IR_OP_RELU, true);
}
void cgt_case_silu(CgtCase *c) {
    unary_case(c, IR_OP_SILU, false);
}
void cgt_case_sigmoid(CgtCase *c) {
    unary_case(c, IR_OP_SIGMOID, false);
}
void cgt_case_tanh(CgtCase *c) {
    unary_case(c, IR_OP_TANH, false);
}

void cgt_case_gelu(CgtCase *c) {
    unary_case(c, IR_OP_GELU, false);
    int a = IN("a", F32, 2, 3, 4), f = IN("f64", F64, 7);
    OUT(OP(GELU, "tanh", a));
    ir_attr_set_string(c->g, LAST, "approximate", "tanh");
    OUT(OP(GELU, "tanh_f64", f));
    ir_attr_set_string(c->g, LAST, "approximate", "tanh");
}

void cgt_case_pow(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), f = IN("f64", F64, 2, 3);
    const double exps[] = {2.0, 3.0, 0.5, -1.5};
    for (int i = 0; i < 4; i++) {
        OUT(OP(POW, "f32", a));
        ir_attr_set_float(c->g, LAST, "exponent", exps[i]);
    }
    OUT(OP(POW, "f64", f));
    ir_attr_set_float(c->g, LAST, "exponent", 2.0);
}

void cgt_case_matmul(CgtCase *c) {
    int a2 = IN("a2", F32, 3, 4), a3 = IN("a3", F32, 2, 3, 4);
    int a4 = IN("a4", F32, 2, 1, 3, 4), v4 = IN("v4", F32, 4);
    int b2 = CONST("b2", F32, 4, 5), b3 = CONST("b3", F32, 2, 4, 5);
    int b3x = CONST("b3x", F32, 3, 4, 5);
    OUT(OP(MATMUL, "mm", a2, b2));
    OUT(OP(MATMUL, "batch", a3, b3));
    OUT(OP(MATMUL, "bcast", a4, b3x));
    OUT(OP(MATMUL, "fold", a3, b2));
    OUT(OP(MATMUL, "vec_a", v4, b3));
    OUT(OP(MATMUL, "vec_b", a3, v4));
    OUT(OP(MATMUL, "shared_a", a2, b3));
}

void cgt_case_linear(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 8), x5 = IN("x5", F32, 5, 8);
    int wt = CONST("w_nk", F32, 6, 8), wn = CONST("w_kn", F32, 8, 6);
    int bias = CONST("bias", F32, 6);
    OUT(OP(LINEAR, "t_bias", x, wt, bias));
    OUT(OP(LINEAR, "n", x, wn));
    ir_attr_set_int(c->g, LAST, "transpose_w", 0);
    OUT(OP(LINEAR, "n_bias", x5, wn, bias));
    ir_attr_set_int(c->g, LAST, "transpose_w", 0);
    OUT(OP(LINEAR, "t_tail", x5, wt));
}

void cgt_case_softmax(CgtCase *c) {
    int sm = IN("x", F32, 2, 3, 5);
    OUT(OP(SOFTMAX, "last", sm));
    OUT(OP(SOFTMAX, "mid", sm));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

void cgt_case_layernorm(CgtCase *c) {
    int sm = IN("x", F32, 2, 3, 5);
    int sc5 = CONST("scale", F32, 5), bi5 = CONST("bias", F32, 5);
    int sc35 = CONST("scale35", F32, 3, 5);
    OUT(OP(LAYERNORM, "ln", sm, sc5, bi5));
    OUT(OP(LAYERNORM, "axis1", sm, sc35));
    ir_attr_set_int(c->g, LAST, "axis", 1);
    ir_attr_set_float(c->g, LAST, "epsilon", 1e-3);
    OUT(OP(LAYERNORM, "plain", sm));
    OUT(OP(LAYERNORM, "bias_only", sm, -1, bi5));
}

void cgt_case_rmsnorm(CgtCase *c) {
    int sm = IN("x", F32, 2, 3, 5);
    int sc5 = CONST("scale", F32, 5);
    OUT(OP(RMSNORM, "rms", sm, sc5));
    OUT(OP(RMSNORM, "plain", sm));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

void cgt_case_reshape(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4);
    OUT(OP(RESHAPE, "flat", a));
    ir_attr_set_ints(c->g, LAST, "shape", INTS(6, 4));
    int t = OP(EXP, "exp", a);
    t = OP(RESHAPE, "infer", t);
    ir_attr_set_ints(c->g, LAST, "shape", INTS(0, -1));
    OUT(OP(NEG, "neg", t));
    int i = IN("i64", I64, 2, 3);
    OUT(OP(RESHAPE, "i64", i));
    ir_attr_set_ints(c->g, LAST, "shape", INTS(3, 1, 2));
}

void cgt_case_transpose(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), q = IN("q", F32, 2, 3, 4, 5);
    OUT(OP(TRANSPOSE, "rev", a));
    OUT(OP(TRANSPOSE, "102", a));
    ir_attr_set_ints(c->g, LAST, "perm", INTS(1, 0, 2));
    OUT(OP(TRANSPOSE, "021", a));
    ir_attr_set_ints(c->g, LAST, "perm", INTS(0, 2, 1));
    OUT(OP(TRANSPOSE, "4d", q));
    ir_attr_set_ints(c->g, LAST, "perm", INTS(2, 0, 3, 1));
    int i64 = IN("i64", I64, 2, 3);
    OUT(OP(TRANSPOSE, "i64", i64));
}

void cgt_case_concat(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), m = IN("m", F32, 2, 3), m1 = IN("m1", F32, 1, 3);
    OUT(OP(CONCAT, "axis0", m, m1));
    ir_attr_set_int(c->g, LAST, "axis", 0);
    OUT(OP(CONCAT, "last", a, a, a));
    ir_attr_set_int(c->g, LAST, "axis", -1);
    OUT(OP(CONCAT, "mid", a, a));
    ir_attr_set_int(c->g, LAST, "axis", 1);
    int bl = IN("bool", BOOL, 2, 3);
    OUT(OP(CONCAT, "bool", bl, bl));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

void cgt_case_split(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), q = IN("q", F32, 2, 3, 4, 5);
    int parts[3];
    cgt_case_node(c, IR_OP_SPLIT, "equal", (const int[]){q}, 1, parts, 2);
    ir_attr_set_int(c->g, LAST, "axis", 0);
    OUT(parts[0]);
    OUT(parts[1]);
    cgt_case_node(c, IR_OP_SPLIT, "sizes", (const int[]){a}, 1, parts, 3);
    ir_attr_set_int(c->g, LAST, "axis", -1);
    ir_attr_set_ints(c->g, LAST, "split", INTS(1, 2, 1));
    for (int i = 0; i < 3; i++) OUT(parts[i]);
}

void cgt_case_slice(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), q = IN("q", F32, 2, 3, 4, 5);
    OUT(OP(SLICE, "basic", a));
    ir_attr_set_ints(c->g, LAST, "starts", INTS(1));
    ir_attr_set_ints(c->g, LAST, "ends", INTS(3));
    ir_attr_set_ints(c->g, LAST, "axes", INTS(1));
    OUT(OP(SLICE, "rev", a));
    ir_attr_set_ints(c->g, LAST, "starts", INTS(-1));
    ir_attr_set_ints(c->g, LAST, "ends", INTS(INT64_MIN));
    ir_attr_set_ints(c->g, LAST, "axes", INTS(2));
    ir_attr_set_ints(c->g, LAST, "steps", INTS(-1));
    OUT(OP(SLICE, "multi", q));
    ir_attr_set_ints(c->g, LAST, "starts", INTS(0, 4, 1));
    ir_attr_set_ints(c->g, LAST, "ends", INTS(100, 0, -1));
    ir_attr_set_ints(c->g, LAST, "axes", INTS(-1, 1, 2));
    ir_attr_set_ints(c->g, LAST, "steps", INTS(2, -2, 1));
    OUT(OP(SLICE, "noaxes", a));
    ir_attr_set_ints(c->g, LAST, "starts", INTS(-1, 0));
    ir_attr_set_ints(c->g, LAST, "ends", INTS(2, -1));
    int u8 = IN("u8", U8, 4);
    OUT(OP(SLICE, "u8", u8));
    ir_attr_set_ints(c->g, LAST, "starts", INTS(3));
    ir_attr_set_ints(c->g, LAST, "ends", INTS(0));
    ir_attr_set_ints(c->g, LAST, "steps", INTS(-2));
}

void cgt_case_gather(CgtCase *c) {
    int q = IN("q", F32, 2, 3, 4, 5);
    int data = CONST("table", F32, 5, 3);
    int idx64 = IN("idx64", I64, 2, 2), idx32 = IN("idx32", I32, 4);
    OUT(OP(GATHER, "rows", data, idx64));
    OUT(OP(GATHER, "mid", q, idx32));
    ir_attr_set_int(c->g, LAST, "axis", 3);
    int idx = IN("idx", I64, 3), h4 = IN("h4", F16, 2, 4);
    OUT(OP(GATHER, "f16", h4, idx));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

/* Cast between every pair of dtypes, from a float source scaled so truncation matters. */
void cgt_case_cast(CgtCase *c) {
    int x = IN("x", F32, 2, 3);
    int five = CONST("five", F32, 1);
    int scaled = OP(MUL, "scaled", x, five);
    const IrDtype all[] = {F32, F16, BF16, F64, I8, U8, I32, I64, BOOL};
    for (int i = 0; i < 9; i++) {
        int mid = OP(CAST, ir_dtype_name(all[i]), scaled);
        ir_attr_set_string(c->g, LAST, "to", ir_dtype_name(all[i]));
        OUT(mid);
        for (int j = 0; j < 9; j++) {
            OUT(OP(CAST, ir_dtype_name(all[j]), mid));
            ir_attr_set_string(c->g, LAST, "to", ir_dtype_name(all[j]));
        }
    }
}

void cgt_case_rotary(CgtCase *c) {
    int rx = IN("x", F32, 2, 4, 3, 8);
    int p64 = IN("pos64", I64, 4), p32 = IN("pos32", I32, 4);
    OUT(OP(ROTARY, "half", rx));
    OUT(OP(ROTARY, "inter", rx));
    ir_attr_set_int(c->g, LAST, "interleaved", 1);
    OUT(OP(ROTARY, "partial", rx));
    ir_attr_set_int(c->g, LAST, "rotary_dim", 4);
    ir_attr_set_int(c->g, LAST, "position_offset", 5);
    ir_attr_set_float(c->g, LAST, "theta", 500.0);
    OUT(OP(ROTARY, "partial_inter", rx));
    ir_attr_set_int(c->g, LAST, "rotary_dim", 6);
    ir_attr_set_int(c->g, LAST, "interleaved", 1);
    OUT(OP(ROTARY, "pos64", rx, p64));
    OUT(OP(ROTARY, "pos32", rx, p32));
    ir_attr_set_int(c->g, LAST, "interleaved", 1);
}

void cgt_case_attention(CgtCase *c) {
    int q = IN("q", F32, 2, 4, 4, 8), k = IN("k", F32, 2, 4, 4, 8);
    int v = IN("v", F32, 2, 4, 4, 6);
    OUT(OP(ATTENTION, "attn", q, k, v));
    OUT(OP(ATTENTION, "causal", q, k, v));
    ir_attr_set_int(c->g, LAST, "causal", 1);
    int gq = IN("gq", F32, 3, 4, 8), gk = IN("gk", F32, 5, 2, 8);
    int gv = IN("gv", F32, 5, 2, 6);
    OUT(OP(ATTENTION, "gqa", gq, gk, gv));
    ir_attr_set_float(c->g, LAST, "scale", 0.3);
    OUT(OP(ATTENTION, "gqa_causal", gq, gk, gv));
    ir_attr_set_int(c->g, LAST, "causal", 1);
    int lq = IN("lq", F32, 6, 2, 8), lk = IN("lk", F32, 3, 1, 8);
    int lv = IN("lv", F32, 3, 1, 4);
    OUT(OP(ATTENTION, "sq_gt_skv", lq, lk, lv));
    ir_attr_set_int(c->g, LAST, "causal", 1);
}
