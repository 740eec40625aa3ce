/* Differential cases of the fused family (ir/ops_fused.h). fuse-ops makes these nodes, but the
 * cases build them directly, so every opcode of the register program, broadcast epilogue
 * inputs, absent optional inputs and both norms are compared whatever the pass happens to
 * produce from today's patterns. */
#include "cg_cases.h"

#define P(op, a, b) IR_SCALAR_##op, a, b /* opcodes are the CORE rows of ir/scalar.h */

static void set_program(CgtCase *c, const int64_t *prog, int n_ints, const double *consts,
                        int n_consts) {
    ir_attr_set_ints(c->g, LAST, "program", prog, n_ints);
    if (n_consts) ir_attr_set_floats(c->g, LAST, "constants", consts, n_consts);
}

void cgt_case_fused_elementwise(CgtCase *c) {
    /* registers 0..2: x[2,3,4], b[4], c[3,1]; every opcode once, sqrt and rsqrt of x^2 + 0.5 */
    static const int64_t prog[] = {
        P(CONST, 0, 0),      /* 3: 0.5 */
        P(MUL, 0, 0),        /* 4 */
        P(ADD, 4, 3),        /* 5: x^2 + 0.5 */
        P(SQRT, 5, 0),       /* 6 */
        P(RSQRT, 5, 0),      /* 7 */
        P(DIV, 6, 7),        /* 8 */
        P(SUB, 8, 1),        /* 9 */
        P(MUL, 9, 2),        /* 10 */
        P(NEG, 10, 0),       /* 11 */
        P(EXP, 11, 0),       /* 12 */
        P(RELU, 10, 0),      /* 13 */
        P(SILU, 10, 0),      /* 14 */
        P(SIGMOID, 14, 0),   /* 15 */
        P(TANH, 13, 0),      /* 16 */
        P(GELU, 12, 0),      /* 17 */
        P(GELU_TANH, 16, 0), /* 18 */
        P(POW, 5, 1),        /* 19: (x^2 + 0.5)^1.5 */
        P(ADD, 17, 18),      /* 20 */
        P(ADD, 20, 19),      /* 21 */
        P(ADD, 21, 15),      /* 22 */
    };
    const double consts[2] = {0.5, 1.5};
    const IrDtype types[2] = {F32, F64};
    for (int t = 0; t < 2; t++) {
        int x = IN("x", types[t], 2, 3, 4), b = IN("b", types[t], 4);
        int cc = IN("c", types[t], 3, 1);
        OUT(OP(FUSED_ELEMENTWISE, "all", x, b, cc));
        set_program(c, prog, (int)(sizeof prog / sizeof prog[0]), consts, 2);
        ir_attr_set_string(c->g, LAST, "nodes", "a, b");
        /* the broadcast shape is larger than every input */
        OUT(OP(FUSED_ELEMENTWISE, "bcast", b, cc));
        set_program(c, (const int64_t[]){P(MUL, 0, 1), P(TANH, 2, 0)}, 6, NULL, 0);
    }
}

void cgt_case_fused_linear(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 8), x5 = IN("x5", F32, 5, 8);
    int wt = CONST("w_nk", F32, 6, 8), wn = CONST("w_kn", F32, 8, 6);
    int bias = CONST("bias", F32, 6), e1 = IN("e1", F32, 6), res = IN("res", F32, 2, 3, 6);
    /* bias, then + e1, silu, + residual */
    OUT(OP(FUSED_LINEAR, "bias_res", x, wt, bias, e1, res));
    set_program(c, (const int64_t[]){P(ADD, 0, 1), P(SILU, 3, 0), P(ADD, 4, 2)}, 9, NULL, 0);
    /* w [K, N] without bias; epilogue inputs of one element and of the whole output (the C
     * backend indexes the whole output, one row of N, or one element) */
    int one = IN("one", F32, 1), full = IN("full", F32, 5, 6);
    OUT(OP(FUSED_LINEAR, "kn_nobias", x5, wn, -1, one, full));
    ir_attr_set_int(c->g, LAST, "transpose_w", 0);
    set_program(c, (const int64_t[]){P(MUL, 0, 1), P(GELU, 3, 0), P(SUB, 4, 2)}, 9, NULL, 0);
    /* no epilogue inputs: a constant and an activation */
    OUT(OP(FUSED_LINEAR, "act", x5, wt, bias));
    set_program(c, (const int64_t[]){P(CONST, 0, 0), P(MUL, 0, 1), P(RELU, 2, 0)}, 9,
                (const double[]){-0.75}, 1);
}

void cgt_case_fused_norm(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 5), scale = CONST("scale", F32, 5), bias = CONST("bias", F32, 5);
    int e = IN("e", F32, 2, 3, 5), row = IN("row", F32, 5);
    /* RMSNorm then silu(y) * e, as fuse-ops makes it of a gated MLP's norm */
    OUT(OP(FUSED_NORM, "rms", x, scale, -1, e));
    ir_attr_set_string(c->g, LAST, "base", "RMSNorm");
    ir_attr_set_float(c->g, LAST, "epsilon", 1e-6);
    set_program(c, (const int64_t[]){P(SILU, 0, 0), P(MUL, 2, 1)}, 6, NULL, 0);
    OUT(OP(FUSED_NORM, "ln", x, scale, bias));
    ir_attr_set_string(c->g, LAST, "base", "LayerNorm");
    ir_attr_set_float(c->g, LAST, "epsilon", 1e-5);
    set_program(c, (const int64_t[]){P(TANH, 0, 0)}, 3, NULL, 0);
    /* over dims 1.. without scale or bias, an epilogue input broadcast over rows */
    OUT(OP(FUSED_NORM, "ln_axis1", x, -1, -1, row));
    ir_attr_set_string(c->g, LAST, "base", "LayerNorm");
    ir_attr_set_int(c->g, LAST, "axis", 1);
    ir_attr_set_float(c->g, LAST, "epsilon", 1e-3);
    set_program(c, (const int64_t[]){P(ADD, 0, 1)}, 3, NULL, 0);
}
