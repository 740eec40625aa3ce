/* Differential tests of the math family in the C backend: every op, on several shapes, dtypes
 * and attribute variants, compiled to a shared library and compared with the interpreter on
 * random inputs (within 1e-5 x max(1, |ref|); integers and bools exactly). Many cases share
 * one graph so a single compiler run covers a group of ops. */
#include "codegen/cg_harness.h"

#define TOL 1e-5

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define IN(name, t, ...) cgt_input(g, name, t, (int)(sizeof D(__VA_ARGS__) / 8), D(__VA_ARGS__))
#define OP(op, name, ...)                                                                          \
    cgt_op(g, IR_OP_##op, math_name(g, name), (const int[]){__VA_ARGS__},                          \
           (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int)))
#define LAST (g->n_nodes - 1)
#define OUT(v) ir_output_add(g, v)

/* "<base>.<node count>": unique node names for repeated cases. */
static const char *math_name(const IrGraph *g, const char *base) {
    static char buf[96];
    snprintf(buf, sizeof buf, "%s.%d", base, g->n_nodes);
    return buf;
}

/* Plans g, runs it on every registered backend against the interpreter, then frees it. */
static void math_run_graph(IrGraph *g, const char *prefix) {
    cgt_run_all(g, prefix, (const uint64_t[]){11, 12}, 2, TOL);
}

/* Adds node op on ins with fn set, as a graph output. */
static int math_fn_op(IrGraph *g, IrOp op, const char *fn, const int *ins, int n_in) {
    char name[64];
    snprintf(name, sizeof name, "%s.%d", fn, g->n_nodes);
    int v = cgt_op(g, op, name, ins, n_in);
    ir_attr_set_string(g, LAST, "fn", fn);
    OUT(v);
    return v;
}

static void test_unary(void) {
    static const char *const fns[] = {
        "abs",          "sign",      "ceil",  "floor", "round", "reciprocal", "erf",
        "log",          "sin",       "cos",   "tan",   "asin",  "acos",       "atan",
        "sinh",         "cosh",      "asinh", "acosh", "atanh", "softplus",   "softsign",
        "mish",         "hardswish", "elu",   "selu",  "celu",  "leaky_relu", "thresholded_relu",
        "hard_sigmoid", "shrink"};
    IrDtype types[2] = {IR_DTYPE_F32, IR_DTYPE_F64};
    for (int t = 0; t < 2; t++) {
        IrGraph *g = ir_graph_new("unary", "unary.json", ".");
        int a = t == 0 ? IN("a", types[t], 2, 3, 4) : IN("a", types[t], 7);
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
            math_fn_op(g, IR_OP_UNARY_FN, fns[i], &a, 1);
            ir_attr_set_float(g, LAST, "alpha", 0.3 + 0.1 * (double)(i % 3));
            ir_attr_set_float(g, LAST, "beta", 0.25);
            ir_attr_set_float(g, LAST, "gamma", 1.5);
        }
        /* Clip: both bounds, one bound, none */
        OUT(OP(CLIP, "clip2", a));
        ir_attr_set_float(g, LAST, "min", -0.5);
        ir_attr_set_float(g, LAST, "max", 0.25);
        OUT(OP(CLIP, "clip_lo", a));
        ir_attr_set_float(g, LAST, "min", 0.0);
        OUT(OP(CLIP, "clip0", a));
        int nan = math_fn_op(g, IR_OP_UNARY_FN, "acosh", &a, 1); /* NaN below 1 */
        int isn = OP(ISNAN, "isnan", nan);
        OUT(isn);
        OUT(OP(NOT, "not", isn));
        /* 1 / round(a) is +-inf where a rounds to 0; only the IsInf results are outputs */
        int r = cgt_op(g, IR_OP_UNARY_FN, "round_for_inf", &a, 1);
        ir_attr_set_string(g, LAST, "fn", "round");
        int inf = cgt_op(g, IR_OP_UNARY_FN, "inf", &r, 1);
        ir_attr_set_string(g, LAST, "fn", "reciprocal");
        OUT(OP(ISINF, "isinf", inf));
        OUT(OP(ISINF, "isinf_pos", inf));
        ir_attr_set_int(g, LAST, "detect_negative", 0);
        OUT(OP(ISINF, "isinf_neg", inf));
        ir_attr_set_int(g, LAST, "detect_positive", 0);
        math_run_graph(g, t == 0 ? "un32" : "un64");
    }
}

static void test_int_elementwise(void) {
    IrGraph *g = ir_graph_new("ints", "ints.json", ".");
    IrDtype types[3] = {IR_DTYPE_I8, IR_DTYPE_I32, IR_DTYPE_I64};
    for (int t = 0; t < 3; t++) {
        char na[8], nb[8];
        snprintf(na, sizeof na, "a%d", t);
        snprintf(nb, sizeof nb, "b%d", t);
        int a = cgt_input(g, na, types[t], 3, D(2, 3, 4));
        int b = cgt_input(g, nb, types[t], 1, D(4));
        math_fn_op(g, IR_OP_UNARY_FN, "abs", &a, 1);
        math_fn_op(g, IR_OP_UNARY_FN, "sign", &a, 1);
        OUT(OP(CLIP, "clip", a));
        ir_attr_set_float(g, LAST, "min", -1);
        ir_attr_set_float(g, LAST, "max", 2);
        const char *bin[2] = {"min", "max"};
        for (int k = 0; k < 2; k++) math_fn_op(g, IR_OP_BINARY_FN, bin[k], (int[]){a, b}, 2);
        const char *cmp[5] = {"equal", "less", "greater", "less_equal", "greater_equal"};
        for (int k = 0; k < 5; k++) math_fn_op(g, IR_OP_COMPARE, cmp[k], (int[]){b, a}, 2);
    }
    /* Integer Mod with a divisor that is never 0 or -1 (the interpreter rejects 0). */
    int a = IN("am", IR_DTYPE_I32, 3, 4);
    IrType dt = {IR_DTYPE_I32, 1, {{4, -1}}};
    int32_t dv[4] = {3, -2, 5, -7};
    int dc = ir_const_add(g, "divs", &dt, dv, sizeof dv, true);
    math_fn_op(g, IR_OP_BINARY_FN, "mod", (int[]){a, dc}, 2);
    math_fn_op(g, IR_OP_BINARY_FN, "fmod", (int[]){a, dc}, 2);
    math_run_graph(g, "ints");
}

static void test_binary_float(void) {
    IrGraph *g = ir_graph_new("binary", "binary.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), b = IN("b", IR_DTYPE_F32, 4);
    int c = IN("c", IR_DTYPE_F32, 3, 1), s = IN("s", IR_DTYPE_F32, 1);
    int e = IN("e", IR_DTYPE_I64, 3, 1);
    const char *fns[6] = {"min", "max", "mod", "fmod", "pow", "prelu"};
    for (int k = 0; k < 6; k++) {
        math_fn_op(g, IR_OP_BINARY_FN, fns[k], (int[]){a, b}, 2);
        math_fn_op(g, IR_OP_BINARY_FN, fns[k], (int[]){c, a}, 2);
        math_fn_op(g, IR_OP_BINARY_FN, fns[k], (int[]){a, s}, 2);
    }
    /* pow with an integer exponent tensor */
    math_fn_op(g, IR_OP_BINARY_FN, "pow", (int[]){a, e}, 2);
    const char *cmp[5] = {"equal", "less", "greater", "less_equal", "greater_equal"};
    int cond = -1;
    for (int k = 0; k < 5; k++) cond = math_fn_op(g, IR_OP_COMPARE, cmp[k], (int[]){a, c}, 2);
    int m = IN("m", IR_DTYPE_BOOL, 2, 3, 4), p = IN("p", IR_DTYPE_BOOL, 4);
    const char *logic[3] = {"and", "or", "xor"};
    for (int k = 0; k < 3; k++) math_fn_op(g, IR_OP_LOGIC, logic[k], (int[]){m, p}, 2);
    OUT(OP(WHERE, "where", cond, a, b));
    OUT(OP(WHERE, "where_c", p, c, s));
    OUT(OP(EXPAND, "expand", c));
    ir_attr_set_ints(g, LAST, "shape", D(2, 1, 5), 3);
    OUT(OP(EXPAND, "expand_b", m));
    ir_attr_set_ints(g, LAST, "shape", D(3, 1, 1, 1), 4);
    math_run_graph(g, "bin");
}

static void test_movement(void) {
    IrGraph *g = ir_graph_new("movement", "movement.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), i = IN("i", IR_DTYPE_I64, 3, 5);
    int64_t reps[3][3] = {{1, 1, 1}, {2, 1, 3}, {1, 0, 2}};
    for (int k = 0; k < 3; k++) {
        OUT(OP(TILE, "tile", a));
        ir_attr_set_ints(g, LAST, "repeats", reps[k], 3);
    }
    int z = IN("z", IR_DTYPE_F32, 3, 0);
    OUT(OP(TRILU, "trilu_empty", z));
    OUT(OP(CUMSUM, "cumsum_empty", z));
    OUT(OP(LOGSOFTMAX, "logsoftmax_empty", z));
    OUT(OP(HARDMAX, "hardmax_empty", z));
    int zs = cgt_op(g, IR_OP_REDUCE, "sum_empty", &z, 1);
    ir_attr_set_string(g, LAST, "fn", "sum");
    ir_attr_set_ints(g, LAST, "axes", D(1), 1);
    OUT(zs);
    OUT(OP(TILE, "tile_i", i));
    ir_attr_set_ints(g, LAST, "repeats", D(2, 2), 2);
    int64_t ks[4] = {0, 1, -2, 100};
    for (int k = 0; k < 4; k++)
        for (int up = 0; up < 2; up++) {
            OUT(OP(TRILU, "trilu", k % 2 ? i : a));
            ir_attr_set_int(g, LAST, "k", ks[k]);
            ir_attr_set_int(g, LAST, "upper", up);
        }
    math_run_graph(g, "mov");
}

static void test_reduce(void) {
    static const char *const fns[] = {"sum", "mean", "max",         "min",       "prod",
                                      "l1",  "l2",   "log_sum_exp", "sum_square"};
    IrGraph *g = ir_graph_new("reduce", "reduce.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), d = IN("d", IR_DTYPE_F64, 5, 6);
    int i = IN("i", IR_DTYPE_I32, 3, 4), l = IN("l", IR_DTYPE_I64, 2, 5);
    /* axes variants: absent, {1}, {0, 2}, {-1} */
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        for (int v = 0; v < 4; v++) {
            math_fn_op(g, IR_OP_REDUCE, fns[k], &a, 1);
            if (v == 1) ir_attr_set_ints(g, LAST, "axes", D(1), 1);
            if (v == 2) ir_attr_set_ints(g, LAST, "axes", D(0, 2), 2);
            if (v == 3) ir_attr_set_ints(g, LAST, "axes", D(-1), 1);
            ir_attr_set_int(g, LAST, "keepdims", v % 2);
        }
        math_fn_op(g, IR_OP_REDUCE, fns[k], &d, 1);
        ir_attr_set_ints(g, LAST, "axes", D(0), 1);
    }
    /* log_sum of |x| + 1 (positive) */
    int pos = cgt_op(g, IR_OP_UNARY_FN, "absval", &a, 1);
    ir_attr_set_string(g, LAST, "fn", "abs");
    math_fn_op(g, IR_OP_REDUCE, "log_sum", &pos, 1);
    ir_attr_set_ints(g, LAST, "axes", D(2), 1);
    const char *int_fns[5] = {"sum", "max", "min", "prod", "l1"};
    for (int k = 0; k < 5; k++) {
        math_fn_op(g, IR_OP_REDUCE, int_fns[k], &i, 1);
        ir_attr_set_ints(g, LAST, "axes", D(1), 1);
        math_fn_op(g, IR_OP_REDUCE, int_fns[k], &l, 1);
    }
    for (int op = 0; op < 2; op++)
        for (int axis = -1; axis < 3; axis++) {
            OUT(OP(ARGMAX, "arg", a));
            if (op) g->nodes[LAST].op = IR_OP_ARGMIN;
            ir_attr_set_int(g, LAST, "axis", axis);
            ir_attr_set_int(g, LAST, "keepdims", axis & 1);
            ir_attr_set_int(g, LAST, "select_last_index", axis > 0);
        }
    OUT(OP(ARGMAX, "arg_i", i));
    ir_attr_set_int(g, LAST, "select_last_index", 1);
    OUT(OP(ARGMIN, "arg_l", l));
    ir_attr_set_int(g, LAST, "axis", 1);
    math_run_graph(g, "red");
}

static void test_axis_ops(void) {
    IrGraph *g = ir_graph_new("axis", "axis.json", ".");
    int a = IN("a", IR_DTYPE_F32, 2, 3, 4), i = IN("i", IR_DTYPE_I64, 3, 5);
    for (int axis = 0; axis < 3; axis++)
        for (int flags = 0; flags < 4; flags++) {
            OUT(OP(CUMSUM, "cumsum", a));
            ir_attr_set_int(g, LAST, "axis", axis);
            ir_attr_set_int(g, LAST, "exclusive", flags & 1);
            ir_attr_set_int(g, LAST, "reverse", flags >> 1);
        }
    OUT(OP(CUMSUM, "cumsum_i", i));
    ir_attr_set_int(g, LAST, "axis", 1);
    ir_attr_set_int(g, LAST, "reverse", 1);
    for (int axis = -1; axis < 3; axis++) {
        OUT(OP(LOGSOFTMAX, "logsoftmax", a));
        ir_attr_set_int(g, LAST, "axis", axis);
        OUT(OP(HARDMAX, "hardmax", a));
        ir_attr_set_int(g, LAST, "axis", axis);
    }
    math_run_graph(g, "axis");
}

int main(void) {
    test_unary();
    test_int_elementwise();
    test_binary_float();
    test_movement();
    test_reduce();
    test_axis_ops();
    cgt_report();
    return test_finish();
}
