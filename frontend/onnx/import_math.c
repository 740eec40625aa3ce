/* ONNX import functions for the ops of IR family "math" (ir/ops_math.h); see onnx_import.h.
 * Opset-dependent forms (Clip's bounds as attributes before opset 11 and inputs after, reduce
 * axes as attributes or as an input, LogSoftmax/Hardmax coercion to 2-D before opset 13) are
 * resolved here, so the IR ops have one meaning each. */
#include "onnx_import.h"

#include <math.h>
#include <string.h>

/* Starts a one-output IR node; final says whether it computes ONNX output 0 of n. */
static int math_begin(OnnxImporter *im, const OnnxNode *n, IrOp op, const int *ins, int n_in,
                      bool final) {
    const char *names[1] = {final && n->n_outputs > 0 ? n->outputs[0] : NULL};
    return onnx_node_begin(im, n, op, ins, n_in, names, 1);
}

/* Finishes node; returns its output value or -1 after an error. */
static int math_end(OnnxImporter *im, const OnnxNode *n, int node) {
    int v;
    return onnx_node_end(im, n, node, &v) ? v : -1;
}

static bool math_need_inputs(OnnxImporter *im, const OnnxNode *n, int count) {
    for (int i = 0; i < count; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    return true;
}

static int math_fn_node(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *fn, int a, int b,
                        bool final);

/* ---- unary ---------------------------------------------------------------------------------- */

/* An ONNX unary op as a Unary fn, with the ONNX attribute names (NULL: none) and defaults of
 * its alpha, beta and gamma parameters. */
typedef struct MathUnaryMap {
    const char *op_type, *fn;
    const char *attr[3];
    double def[3];
} MathUnaryMap;

static const MathUnaryMap math_unary_maps[] = {
    {"Abs", "abs", {0}, {0}},
    {"Sign", "sign", {0}, {0}},
    {"Ceil", "ceil", {0}, {0}},
    {"Floor", "floor", {0}, {0}},
    {"Round", "round", {0}, {0}},
    {"Reciprocal", "reciprocal", {0}, {0}},
    {"Erf", "erf", {0}, {0}},
    {"Log", "log", {0}, {0}},
    {"Sin", "sin", {0}, {0}},
    {"Cos", "cos", {0}, {0}},
    {"Tan", "tan", {0}, {0}},
    {"Asin", "asin", {0}, {0}},
    {"Acos", "acos", {0}, {0}},
    {"Atan", "atan", {0}, {0}},
    {"Sinh", "sinh", {0}, {0}},
    {"Cosh", "cosh", {0}, {0}},
    {"Asinh", "asinh", {0}, {0}},
    {"Acosh", "acosh", {0}, {0}},
    {"Atanh", "atanh", {0}, {0}},
    {"Softplus", "softplus", {0}, {0}},
    {"Softsign", "softsign", {0}, {0}},
    {"Mish", "mish", {0}, {0}},
    {"HardSwish", "hardswish", {0}, {0}},
    {"Elu", "elu", {"alpha", NULL, NULL}, {1.0, 0, 0}},
    {"Selu",
     "selu",
     {"alpha", NULL, "gamma"},
     {1.67326319217681884765625, 0, 1.05070102214813232421875}},
    {"Celu", "celu", {"alpha", NULL, NULL}, {1.0, 0, 0}},
    {"LeakyRelu", "leaky_relu", {"alpha", NULL, NULL}, {0.01, 0, 0}},
    {"ThresholdedRelu", "thresholded_relu", {"alpha", NULL, NULL}, {1.0, 0, 0}},
    {"HardSigmoid", "hard_sigmoid", {"alpha", "beta", NULL}, {0.2, 0.5, 0}},
    {"Shrink", "shrink", {"lambd", "bias", NULL}, {0.5, 0.0, 0}},
};

static bool math_unary(OnnxImporter *im, const OnnxNode *n) {
    const MathUnaryMap *m = NULL;
    for (size_t i = 0; i < sizeof math_unary_maps / sizeof math_unary_maps[0]; i++)
        if (strcmp(math_unary_maps[i].op_type, n->op_type) == 0) m = &math_unary_maps[i];
    KILN_ASSERT(m != NULL);
    if (!math_need_inputs(im, n, 1)) return false;
    double p[3];
    for (int k = 0; k < 3; k++) {
        p[k] = m->def[k];
        if (m->attr[k] && !onnx_attr_float(im, n, m->attr[k], m->def[k], &p[k])) return false;
    }
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, IR_OP_UNARY_FN, &x, 1, true);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_string(g, node, "fn", m->fn);
    const char *names[3] = {"alpha", "beta", "gamma"};
    for (int k = 0; k < 3; k++)
        if (m->attr[k]) ir_attr_set_float(g, node, names[k], p[k]);
    return math_end(im, n, node) >= 0;
}

/* A scalar (or one-element) constant input as a double; absent gives false in *present. */
static bool math_const_scalar(OnnxImporter *im, const OnnxNode *n, int i, const char *why,
                              double *out, bool *present) {
    *present = false;
    if (onnx_input(im, n, i) < 0) return true;
    IrTensor t;
    if (!onnx_input_const(im, n, i, why, &t)) return false;
    if (ir_tensor_numel(&t) != 1)
        return onnx_error(im, n, "input %d (%s) must hold one value", i, why);
    *out = ir_tensor_get(&t, 0);
    *present = true;
    return true;
}

static bool math_clip(OnnxImporter *im, const OnnxNode *n) {
    if (!math_need_inputs(im, n, 1)) return false;
    double lo = -INFINITY, hi = INFINITY;
    bool has_lo = false, has_hi = false;
    if (onnx_opset(im, "") < 11) {
        has_lo = onnx_attr(n, "min") != NULL;
        has_hi = onnx_attr(n, "max") != NULL;
        if (!onnx_attr_float(im, n, "min", lo, &lo) || !onnx_attr_float(im, n, "max", hi, &hi))
            return false;
    } else if ((onnx_input(im, n, 1) >= 0 && !onnx_input_is_const(im, n, 1)) ||
               (onnx_input(im, n, 2) >= 0 && !onnx_input_is_const(im, n, 2))) {
        /* Bounds computed at run time: max with the lower bound, then min with the upper
         * (NaN in x stays NaN either way). */
        int v = onnx_input(im, n, 0), lo_v = onnx_input(im, n, 1), hi_v = onnx_input(im, n, 2);
        if (lo_v >= 0) v = math_fn_node(im, n, IR_OP_BINARY_FN, "max", v, lo_v, hi_v < 0);
        if (v >= 0 && hi_v >= 0) v = math_fn_node(im, n, IR_OP_BINARY_FN, "min", v, hi_v, true);
        return v >= 0;
    } else if (!math_const_scalar(im, n, 1, "the lower bound", &lo, &has_lo) ||
               !math_const_scalar(im, n, 2, "the upper bound", &hi, &has_hi)) {
        return false;
    }
    if (isnan(lo) || isnan(hi)) return onnx_error(im, n, "a NaN bound is not supported");
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, IR_OP_CLIP, &x, 1, true);
    if (has_lo) ir_attr_set_float(onnx_graph(im), node, "min", lo);
    if (has_hi) ir_attr_set_float(onnx_graph(im), node, "max", hi);
    return math_end(im, n, node) >= 0;
}

static bool math_simple(OnnxImporter *im, const OnnxNode *n, IrOp op, int n_in) {
    if (!math_need_inputs(im, n, n_in)) return false;
    int ins[3];
    for (int i = 0; i < n_in; i++) ins[i] = onnx_input(im, n, i);
    return math_end(im, n, math_begin(im, n, op, ins, n_in, true)) >= 0;
}

static bool math_isnan(OnnxImporter *im, const OnnxNode *n) {
    return math_simple(im, n, IR_OP_ISNAN, 1);
}
static bool math_not(OnnxImporter *im, const OnnxNode *n) {
    return math_simple(im, n, IR_OP_NOT, 1);
}
static bool math_where(OnnxImporter *im, const OnnxNode *n) {
    return math_simple(im, n, IR_OP_WHERE, 3);
}

static bool math_isinf(OnnxImporter *im, const OnnxNode *n) {
    int64_t pos, neg;
    if (!math_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "detect_positive", 1, &pos) ||
        !onnx_attr_int(im, n, "detect_negative", 1, &neg))
        return false;
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, IR_OP_ISINF, &x, 1, true);
    ir_attr_set_int(onnx_graph(im), node, "detect_positive", pos != 0);
    ir_attr_set_int(onnx_graph(im), node, "detect_negative", neg != 0);
    return math_end(im, n, node) >= 0;
}

/* ---- binary and variadic -------------------------------------------------------------------- */

/* A two-input node of op with string attribute fn; final: computes ONNX output 0. */
static int math_fn_node(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *fn, int a, int b,
                        bool final) {
    int node = math_begin(im, n, op, (int[]){a, b}, 2, final);
    if (fn) ir_attr_set_string(onnx_graph(im), node, "fn", fn);
    return math_end(im, n, node);
}

/* Folds the present inputs left to right with op (fn); Mean divides the sum by the count. */
static bool math_variadic(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *fn, bool mean) {
    int acc = -1, count = 0, last = -1;
    for (int i = 0; i < n->n_inputs; i++)
        if (onnx_input(im, n, i) >= 0) last = i;
    if (last < 0) return onnx_error(im, n, "needs at least one input");
    for (int i = 0; i <= last; i++) {
        int v = onnx_input(im, n, i);
        if (v < 0) continue;
        count++;
        if (acc < 0) {
            acc = v;
            continue;
        }
        acc = math_fn_node(im, n, op, fn, acc, v, i == last && !mean);
        if (acc < 0) return false;
    }
    if (mean && count > 1) {
        IrType t = onnx_input_type(im, n, 0);
        if (t.dtype != IR_DTYPE_F32 && t.dtype != IR_DTYPE_F64)
            return onnx_error(im, n, "Mean supports f32 and f64 inputs, got %s",
                              ir_dtype_name(t.dtype));
        unsigned char buf[8];
        float f = (float)count;
        double d = (double)count;
        if (t.dtype == IR_DTYPE_F32)
            memcpy(buf, &f, 4);
        else
            memcpy(buf, &d, 8);
        int k = onnx_const(im, n, NULL, t.dtype, 0, NULL, buf);
        return math_fn_node(im, n, IR_OP_DIV, NULL, acc, k, true) >= 0;
    }
    if (count == 1) onnx_bind_output(im, n, 0, acc);
    return true;
}

static bool math_min(OnnxImporter *im, const OnnxNode *n) {
    return math_variadic(im, n, IR_OP_BINARY_FN, "min", false);
}
static bool math_max(OnnxImporter *im, const OnnxNode *n) {
    return math_variadic(im, n, IR_OP_BINARY_FN, "max", false);
}
static bool math_sum(OnnxImporter *im, const OnnxNode *n) {
    return math_variadic(im, n, IR_OP_ADD, NULL, false);
}
static bool math_mean(OnnxImporter *im, const OnnxNode *n) {
    return math_variadic(im, n, IR_OP_ADD, NULL, true);
}

static bool math_binary(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *fn) {
    if (!math_need_inputs(im, n, 2)) return false;
    return math_fn_node(im, n, op, fn, onnx_input(im, n, 0), onnx_input(im, n, 1), true) >= 0;
}

static bool math_mod(OnnxImporter *im, const OnnxNode *n) {
    int64_t fmod_attr;
    if (!onnx_attr_int(im, n, "fmod", 0, &fmod_attr)) return false;
    return math_binary(im, n, IR_OP_BINARY_FN, fmod_attr ? "fmod" : "mod");
}

/* Pow: a constant scalar exponent on a float base is the core Pow op; anything else is the
 * tensor-exponent Binary pow. */
static bool math_pow(OnnxImporter *im, const OnnxNode *n) {
    if (!math_need_inputs(im, n, 2)) return false;
    IrType base = onnx_input_type(im, n, 0);
    if (ir_dtype_is_float(base.dtype) && onnx_input_is_const(im, n, 1)) {
        IrTensor t;
        if (!onnx_input_const(im, n, 1, "the exponent", &t)) return false;
        if (ir_tensor_numel(&t) == 1 && t.rank <= base.rank) {
            int x = onnx_input(im, n, 0);
            int node = math_begin(im, n, IR_OP_POW, &x, 1, true);
            ir_attr_set_float(onnx_graph(im), node, "exponent", ir_tensor_get(&t, 0));
            return math_end(im, n, node) >= 0;
        }
    }
    return math_binary(im, n, IR_OP_BINARY_FN, "pow");
}

#define MATH_BINARY(name, OP, FN)                                                                  \
    static bool name(OnnxImporter *im, const OnnxNode *n) {                                        \
        return math_binary(im, n, OP, FN);                                                         \
    }
MATH_BINARY(math_prelu, IR_OP_BINARY_FN, "prelu")
MATH_BINARY(math_equal, IR_OP_COMPARE, "equal")
MATH_BINARY(math_less, IR_OP_COMPARE, "less")
MATH_BINARY(math_greater, IR_OP_COMPARE, "greater")
MATH_BINARY(math_less_equal, IR_OP_COMPARE, "less_equal")
MATH_BINARY(math_greater_equal, IR_OP_COMPARE, "greater_equal")
MATH_BINARY(math_and, IR_OP_LOGIC, "and")
MATH_BINARY(math_or, IR_OP_LOGIC, "or")
MATH_BINARY(math_xor, IR_OP_LOGIC, "xor")

/* ---- shape-driven ops ----------------------------------------------------------------------- */

/* Emits op on input 0 with INTS attribute `attr` read from constant input 1. */
static bool math_ints_from_input(OnnxImporter *im, const OnnxNode *n, IrOp op, const char *attr,
                                 const char *why) {
    if (!math_need_inputs(im, n, 2)) return false;
    int64_t vals[IR_MAX_RANK];
    int count;
    if (!onnx_input_ints(im, n, 1, why, vals, IR_MAX_RANK, &count)) return false;
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, op, &x, 1, true);
    ir_attr_set_ints(onnx_graph(im), node, attr, vals, count);
    return math_end(im, n, node) >= 0;
}

static bool math_expand(OnnxImporter *im, const OnnxNode *n) {
    return math_ints_from_input(im, n, IR_OP_EXPAND, "shape", "the target shape");
}
static bool math_tile(OnnxImporter *im, const OnnxNode *n) {
    return math_ints_from_input(im, n, IR_OP_TILE, "repeats", "the repeats");
}

static bool math_trilu(OnnxImporter *im, const OnnxNode *n) {
    int64_t upper;
    double k = 0;
    bool has_k;
    if (!math_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "upper", 1, &upper) ||
        !math_const_scalar(im, n, 1, "k", &k, &has_k))
        return false;
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, IR_OP_TRILU, &x, 1, true);
    ir_attr_set_int(onnx_graph(im), node, "upper", upper != 0);
    ir_attr_set_int(onnx_graph(im), node, "k", (int64_t)k);
    return math_end(im, n, node) >= 0;
}

static bool math_cumsum(OnnxImporter *im, const OnnxNode *n) {
    int64_t exclusive, reverse;
    double axis = 0;
    bool has_axis;
    if (!math_need_inputs(im, n, 2) || !onnx_attr_int(im, n, "exclusive", 0, &exclusive) ||
        !onnx_attr_int(im, n, "reverse", 0, &reverse) ||
        !math_const_scalar(im, n, 1, "the axis", &axis, &has_axis))
        return false;
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, IR_OP_CUMSUM, &x, 1, true);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_int(g, node, "axis", (int64_t)axis);
    ir_attr_set_int(g, node, "exclusive", exclusive != 0);
    ir_attr_set_int(g, node, "reverse", reverse != 0);
    return math_end(im, n, node) >= 0;
}

/* LogSoftmax and Hardmax: one axis from opset 13; before it the input is coerced to 2-D
 * [prod(dims[:axis]), prod(dims[axis:])] and the op runs over the second dim. */
static bool math_softmax_like(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    if (!math_need_inputs(im, n, 1)) return false;
    IrType t = onnx_input_type(im, n, 0);
    bool v13 = onnx_opset(im, "") >= 13;
    int64_t axis;
    if (!onnx_attr_int(im, n, "axis", v13 ? -1 : 1, &axis)) return false;
    if (axis < -t.rank || axis >= t.rank)
        return onnx_error(im, n, "axis %lld is out of range for rank %d", (long long)axis, t.rank);
    if (axis < 0) axis += t.rank;
    int x = onnx_input(im, n, 0);
    if (v13 || axis == t.rank - 1) {
        int node = math_begin(im, n, op, &x, 1, true);
        ir_attr_set_int(onnx_graph(im), node, "axis", axis);
        return math_end(im, n, node) >= 0;
    }
    int64_t dims[IR_MAX_RANK], outer = 1;
    for (int i = 0; i < t.rank; i++) {
        if (!ir_dim_value(onnx_graph(im), t.dims[i], &dims[i]))
            return onnx_error(im, n, "opset %lld %s on a non-last axis needs static dims",
                              (long long)onnx_opset(im, ""), n->op_type);
        if (i < axis) outer *= dims[i];
    }
    IrGraph *g = onnx_graph(im);
    int node = math_begin(im, n, IR_OP_RESHAPE, &x, 1, false);
    ir_attr_set_ints(g, node, "shape", (const int64_t[]){outer, -1}, 2);
    int flat = math_end(im, n, node);
    if (flat < 0) return false;
    node = math_begin(im, n, op, &flat, 1, false);
    ir_attr_set_int(g, node, "axis", 1);
    int y = math_end(im, n, node);
    if (y < 0) return false;
    node = math_begin(im, n, IR_OP_RESHAPE, &y, 1, true);
    ir_attr_set_ints(g, node, "shape", dims, t.rank);
    return math_end(im, n, node) >= 0;
}

static bool math_logsoftmax(OnnxImporter *im, const OnnxNode *n) {
    return math_softmax_like(im, n, IR_OP_LOGSOFTMAX);
}
static bool math_hardmax(OnnxImporter *im, const OnnxNode *n) {
    return math_softmax_like(im, n, IR_OP_HARDMAX);
}

/* ---- reductions ----------------------------------------------------------------------------- */

static const struct {
    const char *op_type, *fn;
} math_reduce_maps[] = {
    {"ReduceSum", "sum"},
    {"ReduceMean", "mean"},
    {"ReduceMax", "max"},
    {"ReduceMin", "min"},
    {"ReduceProd", "prod"},
    {"ReduceL1", "l1"},
    {"ReduceL2", "l2"},
    {"ReduceLogSum", "log_sum"},
    {"ReduceLogSumExp", "log_sum_exp"},
    {"ReduceSumSquare", "sum_square"},
};

static bool math_reduce(OnnxImporter *im, const OnnxNode *n) {
    const char *fn = NULL;
    for (size_t i = 0; i < sizeof math_reduce_maps / sizeof math_reduce_maps[0]; i++)
        if (strcmp(math_reduce_maps[i].op_type, n->op_type) == 0) fn = math_reduce_maps[i].fn;
    KILN_ASSERT(fn != NULL);
    if (!math_need_inputs(im, n, 1)) return false;
    int64_t keepdims, noop;
    if (!onnx_attr_int(im, n, "keepdims", 1, &keepdims) ||
        !onnx_attr_int(im, n, "noop_with_empty_axes", 0, &noop))
        return false;
    /* axes became an input in opset 13 for ReduceSum and in opset 18 for the others */
    bool axes_input = onnx_opset(im, "") >= (strcmp(n->op_type, "ReduceSum") == 0 ? 13 : 18);
    int64_t axes[IR_MAX_RANK];
    const int64_t *attr_axes = NULL;
    int count = 0;
    if (axes_input) {
        if (onnx_input(im, n, 1) >= 0 &&
            !onnx_input_ints(im, n, 1, "the axes", axes, IR_MAX_RANK, &count))
            return false;
    } else {
        if (!onnx_attr_ints(im, n, "axes", &attr_axes, &count, NULL)) return false;
        if (count > IR_MAX_RANK) return onnx_error(im, n, "too many axes (%d)", count);
        if (count > 0) memcpy(axes, attr_axes, sizeof axes[0] * (size_t)count);
    }
    int x = onnx_input(im, n, 0);
    if (count == 0 && noop) {
        onnx_bind_output(im, n, 0, x);
        return true;
    }
    int node = math_begin(im, n, IR_OP_REDUCE, &x, 1, true);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_string(g, node, "fn", fn);
    if (count > 0) ir_attr_set_ints(g, node, "axes", axes, count);
    ir_attr_set_int(g, node, "keepdims", keepdims != 0);
    return math_end(im, n, node) >= 0;
}

static bool math_arg(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    int64_t axis, keepdims, last;
    if (!math_need_inputs(im, n, 1) || !onnx_attr_int(im, n, "axis", 0, &axis) ||
        !onnx_attr_int(im, n, "keepdims", 1, &keepdims) ||
        !onnx_attr_int(im, n, "select_last_index", 0, &last))
        return false;
    int x = onnx_input(im, n, 0);
    int node = math_begin(im, n, op, &x, 1, true);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_int(g, node, "axis", axis);
    ir_attr_set_int(g, node, "keepdims", keepdims != 0);
    ir_attr_set_int(g, node, "select_last_index", last != 0);
    return math_end(im, n, node) >= 0;
}

static bool math_argmax(OnnxImporter *im, const OnnxNode *n) {
    return math_arg(im, n, IR_OP_ARGMAX);
}
static bool math_argmin(OnnxImporter *im, const OnnxNode *n) {
    return math_arg(im, n, IR_OP_ARGMIN);
}

const OnnxOpImport onnx_import_math[] = {
    {"", "Abs", math_unary},
    {"", "Sign", math_unary},
    {"", "Ceil", math_unary},
    {"", "Floor", math_unary},
    {"", "Round", math_unary},
    {"", "Reciprocal", math_unary},
    {"", "Erf", math_unary},
    {"", "Log", math_unary},
    {"", "Sin", math_unary},
    {"", "Cos", math_unary},
    {"", "Tan", math_unary},
    {"", "Asin", math_unary},
    {"", "Acos", math_unary},
    {"", "Atan", math_unary},
    {"", "Sinh", math_unary},
    {"", "Cosh", math_unary},
    {"", "Asinh", math_unary},
    {"", "Acosh", math_unary},
    {"", "Atanh", math_unary},
    {"", "Softplus", math_unary},
    {"", "Softsign", math_unary},
    {"", "Mish", math_unary},
    {"", "HardSwish", math_unary},
    {"", "Elu", math_unary},
    {"", "Selu", math_unary},
    {"", "Celu", math_unary},
    {"", "LeakyRelu", math_unary},
    {"", "ThresholdedRelu", math_unary},
    {"", "HardSigmoid", math_unary},
    {"", "Shrink", math_unary},
    {"", "Clip", math_clip},
    {"", "IsNaN", math_isnan},
    {"", "IsInf", math_isinf},
    {"", "Not", math_not},
    {"", "Min", math_min},
    {"", "Max", math_max},
    {"", "Sum", math_sum},
    {"", "Mean", math_mean},
    {"", "Mod", math_mod},
    {"", "Pow", math_pow},
    {"", "PRelu", math_prelu},
    {"", "Equal", math_equal},
    {"", "Less", math_less},
    {"", "Greater", math_greater},
    {"", "LessOrEqual", math_less_equal},
    {"", "GreaterOrEqual", math_greater_equal},
    {"", "And", math_and},
    {"", "Or", math_or},
    {"", "Xor", math_xor},
    {"", "Where", math_where},
    {"", "Expand", math_expand},
    {"", "Tile", math_tile},
    {"", "Trilu", math_trilu},
    {"", "CumSum", math_cumsum},
    {"", "LogSoftmax", math_logsoftmax},
    {"", "Hardmax", math_hardmax},
    {"", "ReduceSum", math_reduce},
    {"", "ReduceMean", math_reduce},
    {"", "ReduceMax", math_reduce},
    {"", "ReduceMin", math_reduce},
    {"", "ReduceProd", math_reduce},
    {"", "ReduceL1", math_reduce},
    {"", "ReduceL2", math_reduce},
    {"", "ReduceLogSum", math_reduce},
    {"", "ReduceLogSumExp", math_reduce},
    {"", "ReduceSumSquare", math_reduce},
    {"", "ArgMax", math_argmax},
    {"", "ArgMin", math_argmin},
    {NULL, NULL, NULL},
};
