/* Differential cases of the math family (ir/ops_math.h): every `fn` of the ops that have one,
 * float and integer dtypes, broadcasting, empty tensors and each attribute variant. */
#include "cg_cases.h"

/* Node op with attribute fn on ins, as a graph output; returns its output value. */
static int fn_op(CgtCase *c, IrOp op, const char *fn, const int *ins, int n_in) {
    int v = cgt_case_op(c, op, fn, ins, n_in);
    ir_attr_set_string(c->g, LAST, "fn", fn);
    OUT(v);
    return v;
}

static const IrDtype int_types[3] = {I8, I32, I64};

void cgt_case_unary_fn(CgtCase *c) {
    static const char *const fns[] = {
        "abs",          "sign",      "ceil",  "floor", "round", "reciprocal", "erf",
        "log",          "sin",       "cos",   "tan",   "asin",  "acos",       "atan",
        "sinh",         "cosh",      "asinh", "acosh", "atanh", "softplus",   "softsign",
        "mish",         "hardswish", "elu",   "selu",  "celu",  "leaky_relu", "thresholded_relu",
        "hard_sigmoid", "shrink"};
    for (int t = 0; t < 2; t++) {
        int a = t == 0 ? IN("a", F32, 2, 3, 4) : IN("a", F64, 7);
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
            fn_op(c, IR_OP_UNARY_FN, fns[i], &a, 1);
            ir_attr_set_float(c->g, LAST, "alpha", 0.3 + 0.1 * (double)(i % 3));
            ir_attr_set_float(c->g, LAST, "beta", 0.25);
            ir_attr_set_float(c->g, LAST, "gamma", 1.5);
        }
    }
    for (int t = 0; t < 3; t++) { /* abs and sign take any numeric dtype */
        int a = IN("i", int_types[t], 2, 3, 4);
        fn_op(c, IR_OP_UNARY_FN, "abs", &a, 1);
        fn_op(c, IR_OP_UNARY_FN, "sign", &a, 1);
    }
}

void cgt_case_clip(CgtCase *c) {
    for (int t = 0; t < 2; t++) {
        int a = t == 0 ? IN("a", F32, 2, 3, 4) : IN("a", F64, 7);
        /* both bounds, one bound, none */
        OUT(OP(CLIP, "both", a));
        ir_attr_set_float(c->g, LAST, "min", -0.5);
        ir_attr_set_float(c->g, LAST, "max", 0.25);
        OUT(OP(CLIP, "lo", a));
        ir_attr_set_float(c->g, LAST, "min", 0.0);
        OUT(OP(CLIP, "none", a));
    }
    for (int t = 0; t < 3; t++) {
        int a = IN("i", int_types[t], 2, 3, 4);
        OUT(OP(CLIP, "int", a));
        ir_attr_set_float(c->g, LAST, "min", -1);
        ir_attr_set_float(c->g, LAST, "max", 2);
    }
}

/* acosh is NaN below 1, so about half of acosh(a) is NaN. */
static int with_nans(CgtCase *c, int a) {
    int v = cgt_case_op(c, IR_OP_UNARY_FN, "acosh", &a, 1);
    ir_attr_set_string(c->g, LAST, "fn", "acosh");
    return v;
}

void cgt_case_isnan(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), d = IN("d", F64, 7);
    OUT(OP(ISNAN, "f32", with_nans(c, a)));
    OUT(OP(ISNAN, "f64", with_nans(c, d)));
}

void cgt_case_not(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), m = IN("m", BOOL, 3, 4);
    OUT(OP(NOT, "of_isnan", OP(ISNAN, "isnan", with_nans(c, a))));
    OUT(OP(NOT, "input", m));
}

void cgt_case_isinf(CgtCase *c) {
    for (int t = 0; t < 2; t++) {
        int a = t == 0 ? IN("a", F32, 2, 3, 4) : IN("a", F64, 7);
        /* 1 / round(a) is +-inf where a rounds to 0; only the IsInf results are outputs */
        int r = cgt_case_op(c, IR_OP_UNARY_FN, "round", &a, 1);
        ir_attr_set_string(c->g, LAST, "fn", "round");
        int inf = cgt_case_op(c, IR_OP_UNARY_FN, "reciprocal", &r, 1);
        ir_attr_set_string(c->g, LAST, "fn", "reciprocal");
        OUT(OP(ISINF, "both", inf));
        OUT(OP(ISINF, "pos", inf));
        ir_attr_set_int(c->g, LAST, "detect_negative", 0);
        OUT(OP(ISINF, "neg", inf));
        ir_attr_set_int(c->g, LAST, "detect_positive", 0);
    }
}

void cgt_case_binary_fn(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), b = IN("b", F32, 4);
    int cc = IN("c", F32, 3, 1), s = IN("s", F32, 1);
    int e = IN("e", I64, 3, 1);
    const char *fns[6] = {"min", "max", "mod", "fmod", "pow", "prelu"};
    for (int k = 0; k < 6; k++) {
        fn_op(c, IR_OP_BINARY_FN, fns[k], VALS(a, b));
        fn_op(c, IR_OP_BINARY_FN, fns[k], VALS(cc, a));
        fn_op(c, IR_OP_BINARY_FN, fns[k], VALS(a, s));
    }
    /* pow with an integer exponent tensor */
    fn_op(c, IR_OP_BINARY_FN, "pow", VALS(a, e));
    for (int t = 0; t < 3; t++) {
        int ia = IN("ia", int_types[t], 2, 3, 4), ib = IN("ib", int_types[t], 4);
        fn_op(c, IR_OP_BINARY_FN, "min", VALS(ia, ib));
        fn_op(c, IR_OP_BINARY_FN, "max", VALS(ia, ib));
    }
    /* integer mod and fmod with divisors that are never 0 (an interpreter error) */
    int am = IN("am", I32, 3, 4);
    const int32_t dv[4] = {3, -2, 5, -7};
    int dc = cgt_case_const_data(c, "divisors", I32, 1, D(4), dv);
    fn_op(c, IR_OP_BINARY_FN, "mod", VALS(am, dc));
    fn_op(c, IR_OP_BINARY_FN, "fmod", VALS(am, dc));
}

static const char *const compare_fns[5] = {"equal", "less", "greater", "less_equal",
                                           "greater_equal"};

void cgt_case_compare(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), cc = IN("c", F32, 3, 1);
    for (int k = 0; k < 5; k++) fn_op(c, IR_OP_COMPARE, compare_fns[k], VALS(a, cc));
    for (int t = 0; t < 3; t++) {
        int ia = IN("ia", int_types[t], 2, 3, 4), ib = IN("ib", int_types[t], 4);
        for (int k = 0; k < 5; k++) fn_op(c, IR_OP_COMPARE, compare_fns[k], VALS(ib, ia));
    }
}

void cgt_case_logic(CgtCase *c) {
    int m = IN("m", BOOL, 2, 3, 4), p = IN("p", BOOL, 4);
    const char *logic[3] = {"and", "or", "xor"};
    for (int k = 0; k < 3; k++) {
        fn_op(c, IR_OP_LOGIC, logic[k], VALS(m, p));
        fn_op(c, IR_OP_LOGIC, logic[k], VALS(p, m));
    }
}

void cgt_case_where(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), b = IN("b", F32, 4);
    int cc = IN("c", F32, 3, 1), s = IN("s", F32, 1);
    int p = IN("p", BOOL, 4);
    int cond = cgt_case_op(c, IR_OP_COMPARE, "less", VALS(a, cc));
    ir_attr_set_string(c->g, LAST, "fn", "less");
    OUT(OP(WHERE, "cmp", cond, a, b));
    OUT(OP(WHERE, "bcast", p, cc, s));
    int i = IN("i", I64, 3, 4);
    OUT(OP(WHERE, "i64", p, i, i));
}

void cgt_case_expand(CgtCase *c) {
    int cc = IN("c", F32, 3, 1), m = IN("m", BOOL, 2, 3, 4);
    OUT(OP(EXPAND, "f32", cc));
    ir_attr_set_ints(c->g, LAST, "shape", INTS(2, 1, 5));
    OUT(OP(EXPAND, "bool", m));
    ir_attr_set_ints(c->g, LAST, "shape", INTS(3, 1, 1, 1));
}

void cgt_case_tile(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), i = IN("i", I64, 3, 5);
    const int64_t reps[3][3] = {{1, 1, 1}, {2, 1, 3}, {1, 0, 2}};
    for (int k = 0; k < 3; k++) {
        OUT(OP(TILE, "f32", a));
        ir_attr_set_ints(c->g, LAST, "repeats", reps[k], 3);
    }
    OUT(OP(TILE, "i64", i));
    ir_attr_set_ints(c->g, LAST, "repeats", INTS(2, 2));
}

/* An f32 [3, 0]: ops along an axis must handle empty tensors. */
static int empty_input(CgtCase *c) {
    return IN("empty", F32, 3, 0);
}

void cgt_case_trilu(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), i = IN("i", I64, 3, 5);
    OUT(OP(TRILU, "empty", empty_input(c)));
    const int64_t ks[4] = {0, 1, -2, 100};
    for (int k = 0; k < 4; k++)
        for (int up = 0; up < 2; up++) {
            OUT(OP(TRILU, "k", k % 2 ? i : a));
            ir_attr_set_int(c->g, LAST, "k", ks[k]);
            ir_attr_set_int(c->g, LAST, "upper", up);
        }
}

void cgt_case_cumsum(CgtCase *c) {
    int a = IN("a", F32, 2, 3, 4), i = IN("i", I64, 3, 5);
    OUT(OP(CUMSUM, "empty", empty_input(c)));
    for (int axis = 0; axis < 3; axis++)
        for (int flags = 0; flags < 4; flags++) {
            OUT(OP(CUMSUM, "f32", a));
            ir_attr_set_int(c->g, LAST, "axis", axis);
            ir_attr_set_int(c->g, LAST, "exclusive", flags & 1);
            ir_attr_set_int(c->g, LAST, "reverse", flags >> 1);
        }
    OUT(OP(CUMSUM, "i64", i));
    ir_attr_set_int(c->g, LAST, "axis", 1);
    ir_attr_set_int(c->g, LAST, "reverse", 1);
}

static void along_axis_case(CgtCase *c, IrOp op) {
    int a = IN("a", F32, 2, 3, 4), d = IN("d", F64, 3, 5);
    OUT(cgt_case_op(c, op, "empty", VALS(empty_input(c))));
    for (int axis = -1; axis < 3; axis++) {
        OUT(cgt_case_op(c, op, "f32", &a, 1));
        ir_attr_set_int(c->g, LAST, "axis", axis);
    }
    OUT(cgt_case_op(c, op, "f64", &d, 1));
    ir_attr_set_int(c->g, LAST, "axis", 0);
}

void cgt_case_logsoftmax(CgtCase *c) {
    along_axis_case(c, IR_OP_LOGSOFTMAX);
}

void cgt_case_hardmax(CgtCase *c) {
    along_axis_case(c, IR_OP_HARDMAX);
}

void cgt_case_reduce(CgtCase *c) {
    static const char *const fns[] = {"sum", "mean", "max",         "min",       "prod",
                                      "l1",  "l2",   "log_sum_exp", "sum_square"};
    int a = IN("a", F32, 2, 3, 4), d = IN("d", F64, 5, 6);
    int i = IN("i", I32, 3, 4), l = IN("l", I64, 2, 5);
    /* axes variants: absent, {1}, {0, 2}, {-1} */
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        for (int v = 0; v < 4; v++) {
            fn_op(c, IR_OP_REDUCE, fns[k], &a, 1);
            if (v == 1) ir_attr_set_ints(c->g, LAST, "axes", INTS(1));
            if (v == 2) ir_attr_set_ints(c->g, LAST, "axes", INTS(0, 2));
            if (v == 3) ir_attr_set_ints(c->g, LAST, "axes", INTS(-1));
            ir_attr_set_int(c->g, LAST, "keepdims", v % 2);
        }
        fn_op(c, IR_OP_REDUCE, fns[k], &d, 1);
        ir_attr_set_ints(c->g, LAST, "axes", INTS(0));
    }
    /* log_sum of |x| (positive) */
    int pos = cgt_case_op(c, IR_OP_UNARY_FN, "abs", &a, 1);
    ir_attr_set_string(c->g, LAST, "fn", "abs");
    fn_op(c, IR_OP_REDUCE, "log_sum", &pos, 1);
    ir_attr_set_ints(c->g, LAST, "axes", INTS(2));
    const char *int_fns[5] = {"sum", "max", "min", "prod", "l1"};
    for (int k = 0; k < 5; k++) {
        fn_op(c, IR_OP_REDUCE, int_fns[k], &i, 1);
        ir_attr_set_ints(c->g, LAST, "axes", INTS(1));
        fn_op(c, IR_OP_REDUCE, int_fns[k], &l, 1);
    }
    int z = empty_input(c);
    fn_op(c, IR_OP_REDUCE, "sum", &z, 1);
    ir_attr_set_ints(c->g, LAST, "axes", INTS(1));
}

static void arg_case(CgtCase *c, IrOp op) {
    int a = IN("a", F32, 2, 3, 4), i = IN("i", I32, 3, 4), l = IN("l", I64, 2, 5);
    for (int axis = -1; axis < 3; axis++) {
        OUT(cgt_case_op(c, op, "f32", &a, 1));
        ir_attr_set_int(c->g, LAST, "axis", axis);
        ir_attr_set_int(c->g, LAST, "keepdims", axis & 1);
        ir_attr_set_int(c->g, LAST, "select_last_index", axis > 0);
    }
    /* integer inputs are full of ties, so select_last_index matters */
    OUT(cgt_case_op(c, op, "i32", &i, 1));
    ir_attr_set_int(c->g, LAST, "select_last_index", 1);
    OUT(cgt_case_op(c, op, "i64", &l, 1));
    ir_attr_set_int(c->g, LAST, "axis", 1);
}

void cgt_case_argmax(CgtCase *c) {
    arg_case(c, IR_OP_ARGMAX);
}

void cgt_case_argmin(CgtCase *c) {
    arg_case(c, IR_OP_ARGMIN);
}
