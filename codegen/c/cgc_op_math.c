/* The math family's elementwise-shaped ops, generated inline as loop nests (cgc_emit_nest):
 * Unary, Clip, IsNaN, IsInf, Not, Binary, Compare, Logic, Where, Expand, and the flat index
 * loops of Tile and Trilu. Floats compute in their own type (f32: float and the f-suffixed math
 * functions; f64: double); f16 and bf16 are not supported by these ops. Integer results are
 * computed without undefined behaviour (wrapping through unsigned types, guarded division). */
#include "cgc.h"

#include <math.h>
#include <string.h>

/* The math-function suffix of a float dtype: "f" for f32, "" for f64; NULL otherwise. */
static const char *cgc_math_suffix(IrDtype t) {
    return t == IR_DTYPE_F32 ? "f" : t == IR_DTYPE_F64 ? "" : NULL;
}

/* Signed integer dtypes (u8 is left out: its sign tests would be always-false comparisons,
 * which the generated code's warnings reject). */
static bool cgc_math_is_int(IrDtype t) {
    return t == IR_DTYPE_I8 || t == IR_DTYPE_I32 || t == IR_DTYPE_I64;
}

/* Copies template t into buf with every '@' replaced by suffix. */
static void cgc_math_expand(const char *t, const char *suffix, char *buf, size_t cap) {
    size_t len = 0;
    for (; *t && len + 8 < cap; t++) {
        if (*t == '@')
            for (const char *s = suffix; *s; s++) buf[len++] = *s;
        else
            buf[len++] = *t;
    }
    buf[len] = '\0';
}

/* Marks every parameter used, for a node whose output is empty (no loop reads them). Returns
 * true when it was empty. */
static bool cgc_math_empty(CgcEmitter *e, const IrNode *n) {
    if (cgc_numel(cgc_out_type(e, n, 0)) != 0) return false;
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i)) fprintf(e->f, "    (void)x%d;\n", i);
    fprintf(e->f, "    (void)y0;\n");
    return true;
}

/* One statement over y0 ($0) and the inputs x<i> ($i+1), each broadcast to the output. */
static void cgc_math_nest(CgcEmitter *e, const IrNode *n, int n_in, const char *stmt) {
    if (cgc_math_empty(e, n)) return;
    const IrType *out = cgc_out_type(e, n, 0);
    CgcNest nest = {.rank = out->rank, .n_operands = 1 + n_in};
    for (int d = 0; d < out->rank; d++) nest.dims[d] = out->dims[d].size;
    cgc_strides(out, nest.strides[0]);
    for (int i = 0; i < n_in; i++)
        cgc_broadcast_strides(cgc_in_type(e, n, i), out, nest.strides[1 + i]);
    cgc_emit_nest(e, &nest, stmt);
}

/* A float parameter as a literal of the computing type; false (with a message) if not finite. */
static bool cgc_math_param(CgcEmitter *e, const IrNode *n, const char *attr, const char *suffix,
                           char *buf, size_t cap) {
    if (cgc_double_literal(ir_attr_float(n, attr), suffix, buf, cap)) return true;
    char msg[96];
    snprintf(msg, sizeof msg, "attribute %s must be finite", attr);
    return cgc_node_fail(e, n, msg);
}

/* The float expression of a Unary fn in terms of `a`; '@' stands for the suffix, A/B/G for the
 * alpha/beta/gamma literals (written as %1$s.. is not C11 printf, so they are substituted). */
static const char *cgc_unary_template(IrMathUnary fn) {
    switch (fn) {
    case IR_MATH_UNARY_ABS:
        return "fabs@(a)";
    case IR_MATH_UNARY_SIGN:
        return "a > 0 ? 1.0@ : a < 0 ? -1.0@ : a";
    case IR_MATH_UNARY_CEIL:
        return "ceil@(a)";
    case IR_MATH_UNARY_FLOOR:
        return "floor@(a)";
    case IR_MATH_UNARY_ROUND:
        return "nearbyint@(a)";
    case IR_MATH_UNARY_RECIPROCAL:
        return "1.0@ / a";
    case IR_MATH_UNARY_ERF:
        return "erf@(a)";
    case IR_MATH_UNARY_LOG:
        return "log@(a)";
    case IR_MATH_UNARY_SIN:
        return "sin@(a)";
    case IR_MATH_UNARY_COS:
        return "cos@(a)";
    case IR_MATH_UNARY_TAN:
        return "tan@(a)";
    case IR_MATH_UNARY_ASIN:
        return "asin@(a)";
    case IR_MATH_UNARY_ACOS:
        return "acos@(a)";
    case IR_MATH_UNARY_ATAN:
        return "atan@(a)";
    case IR_MATH_UNARY_SINH:
        return "sinh@(a)";
    case IR_MATH_UNARY_COSH:
        return "cosh@(a)";
    case IR_MATH_UNARY_ASINH:
        return "asinh@(a)";
    case IR_MATH_UNARY_ACOSH:
        return "acosh@(a)";
    case IR_MATH_UNARY_ATANH:
        return "atanh@(a)";
    case IR_MATH_UNARY_SOFTPLUS:
        return "log1p@(exp@(a))";
    case IR_MATH_UNARY_SOFTSIGN:
        return "a / (1.0@ + fabs@(a))";
    case IR_MATH_UNARY_MISH:
        return "a * tanh@(log1p@(exp@(a)))";
    case IR_MATH_UNARY_HARDSWISH:
        return "a * fmax@(0.0@, fmin@(1.0@, a / 6.0@ + 0.5@))";
    case IR_MATH_UNARY_ELU:
        return "a < 0 ? A * (exp@(a) - 1.0@) : a";
    case IR_MATH_UNARY_SELU:
        return "G * (a <= 0 ? A * (exp@(a) - 1.0@) : a)";
    case IR_MATH_UNARY_CELU:
        return "fmax@(0.0@, a) + fmin@(0.0@, A * (exp@(a / A) - 1.0@))";
    case IR_MATH_UNARY_LEAKY_RELU:
        return "a < 0 ? A * a : a";
    case IR_MATH_UNARY_THRESHOLDED_RELU:
        return "a > A ? a : 0.0@";
    case IR_MATH_UNARY_HARD_SIGMOID:
        return "fmax@(0.0@, fmin@(1.0@, A * a + B))";
    case IR_MATH_UNARY_SHRINK:
        return "a < -A ? a + B : a > A ? a - B : 0.0@";
    case IR_MATH_UNARY_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown unary fn");
    return NULL;
}

bool cgc_emit_unary_fn(CgcEmitter *e, const IrNode *n) {
    IrMathUnary fn = (IrMathUnary)ir_math_unary_fn(ir_attr_string(n, "fn"));
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t), *suffix = cgc_math_suffix(t);
    char stmt[1024];
    if (cgc_math_is_int(t) && (fn == IR_MATH_UNARY_ABS || fn == IR_MATH_UNARY_SIGN)) {
        /* |INT_MIN| wraps to INT_MIN, as two's complement negation does. */
        if (fn == IR_MATH_UNARY_ABS)
            snprintf(stmt, sizeof stmt,
                     "{ const %s a = x0[$1]; y0[$0] = a < 0 ? (%s)(0u - (uint64_t)a) : a; }", T, T);
        else
            snprintf(stmt, sizeof stmt,
                     "{ const %s a = x0[$1]; y0[$0] = (%s)((a > 0) - (a < 0)); }", T, T);
        cgc_math_nest(e, n, 1, stmt);
        return true;
    }
    if (!suffix) return cgc_unsupported_dtype(e, n, t);
    char lits[3][64];
    const char *attrs[3] = {"alpha", "beta", "gamma"};
    for (int k = 0; k < 3; k++)
        if (!cgc_math_param(e, n, attrs[k], suffix, lits[k], sizeof lits[k])) return false;
    /* Substitute A, B, G, then the suffix. */
    char tmpl[512];
    size_t len = 0;
    for (const char *p = cgc_unary_template(fn); *p && len + 70 < sizeof tmpl; p++) {
        const char *lit = *p == 'A' ? lits[0] : *p == 'B' ? lits[1] : *p == 'G' ? lits[2] : NULL;
        if (lit) {
            len += (size_t)snprintf(tmpl + len, sizeof tmpl - len, "(%s)", lit);
        } else {
            tmpl[len++] = *p;
        }
    }
    tmpl[len] = '\0';
    char expr[768];
    cgc_math_expand(tmpl, suffix, expr, sizeof expr);
    snprintf(stmt, sizeof stmt, "{ const %s a = x0[$1]; y0[$0] = %s; }", T, expr);
    cgc_math_nest(e, n, 1, stmt);
    return true;
}

/* Clamps a bound to the range of integer dtype t, truncating toward zero as the interpreter
 * rounds its result. */
static double cgc_clip_int_bound(IrDtype t, double v) {
    double lo = t == IR_DTYPE_I8    ? -128.0
                : t == IR_DTYPE_I32 ? -2147483648.0
                                    : -9223372036854775808.0;
    double hi = t == IR_DTYPE_I8 ? 127.0 : t == IR_DTYPE_I32 ? 2147483647.0 : 9223372036854774784.0;
    return v < lo ? lo : v > hi ? hi : trunc(v);
}

bool cgc_emit_clip(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t), *suffix = cgc_math_suffix(t);
    bool is_int = cgc_math_is_int(t);
    if (!suffix && !is_int) return cgc_unsupported_dtype(e, n, t);
    char body[512] = "";
    size_t len = 0;
    const char *names[2] = {"min", "max"};
    for (int k = 0; k < 2; k++) {
        const IrAttr *b = ir_attr_find(n, names[k]);
        if (!b) continue;
        double v = is_int ? cgc_clip_int_bound(t, b->f) : b->f;
        char lit[64];
        if (isinf(v)) {
            if ((k == 0) == (v < 0)) continue; /* min = -inf or max = +inf: no bound */
            snprintf(lit, sizeof lit, "%sHUGE_VAL%s", v < 0 ? "-" : "",
                     t == IR_DTYPE_F32 ? "F" : "");
        } else if (is_int) {
            snprintf(lit, sizeof lit, "(%s)%.0fLL", T, v);
            if (v == -9223372036854775808.0) snprintf(lit, sizeof lit, "INT64_MIN");
        } else if (!cgc_double_literal(v, suffix, lit, sizeof lit)) {
            return cgc_node_fail(e, n, "clip bound must not be NaN");
        }
        len += (size_t)snprintf(body + len, sizeof body - len, " if (a %c %s) a = %s;",
                                k == 0 ? '<' : '>', lit, lit);
    }
    char stmt[768];
    snprintf(stmt, sizeof stmt, "{ %s a = x0[$1];%s y0[$0] = a; }", T, body);
    cgc_math_nest(e, n, 1, stmt);
    return true;
}

bool cgc_emit_isnan(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (!cgc_math_suffix(t)) return cgc_unsupported_dtype(e, n, t);
    cgc_math_nest(e, n, 1, "y0[$0] = (uint8_t)(x0[$1] != x0[$1]);");
    return true;
}

bool cgc_emit_isinf(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (!cgc_math_suffix(t)) return cgc_unsupported_dtype(e, n, t);
    bool pos = ir_attr_int(n, "detect_positive") != 0, neg = ir_attr_int(n, "detect_negative") != 0;
    char stmt[256];
    snprintf(stmt, sizeof stmt,
             "{ const %s a = x0[$1]; y0[$0] = (uint8_t)((%d && a == HUGE_VAL) || (%d && a == "
             "-HUGE_VAL)); }",
             cgc_ctype(t), pos, neg);
    cgc_math_nest(e, n, 1, stmt);
    return true;
}

bool cgc_emit_not(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, 1, "y0[$0] = (uint8_t)(x0[$1] == 0);");
    return true;
}

bool cgc_emit_binary_fn(CgcEmitter *e, const IrNode *n) {
    IrMathBinary fn = (IrMathBinary)ir_math_binary_fn(ir_attr_string(n, "fn"));
    IrDtype t = cgc_in_type(e, n, 0)->dtype, tb = cgc_in_type(e, n, 1)->dtype;
    const char *T = cgc_ctype(t), *s = cgc_math_suffix(t);
    bool is_int = cgc_math_is_int(t);
    if (!s && !is_int) return cgc_unsupported_dtype(e, n, t);
    if (!cgc_math_suffix(tb) && !cgc_math_is_int(tb)) return cgc_unsupported_dtype(e, n, tb);
    char body[512];
    switch (fn) {
    case IR_MATH_BINARY_MIN:
    case IR_MATH_BINARY_MAX: {
        char op = fn == IR_MATH_BINARY_MIN ? '<' : '>';
        if (is_int)
            snprintf(body, sizeof body, "y0[$0] = a %c b ? a : b;", op);
        else
            snprintf(body, sizeof body, "y0[$0] = a != a || b != b ? (%s)NAN : a %c b ? a : b;", T,
                     op);
        break;
    }
    case IR_MATH_BINARY_MOD:
    case IR_MATH_BINARY_FMOD: {
        const char *fix =
            fn == IR_MATH_BINARY_MOD ? "if (r != 0 && ((r < 0) != (b < 0))) r += b; " : "";
        if (is_int) {
            /* b == 0 (a run-time error in the interpreter) gives 0 here; b == -1 is special
             * cased because INT_MIN % -1 overflows. The sign fix-up cannot overflow: r and b
             * have opposite signs. */
            snprintf(
                body, sizeof body, "%s r = b == 0 || b == -1 ? 0 : (%s)(a %% b); %sy0[$0] = r;", T,
                T, fn == IR_MATH_BINARY_MOD ? "if (r != 0 && ((r < 0) != (b < 0))) r += b; " : "");
        } else {
            snprintf(body, sizeof body, "%s r = fmod%s(a, b); %sy0[$0] = r;", T, s, fix);
        }
        break;
    }
    case IR_MATH_BINARY_POW:
        /* An integer base computes in double and converts as Cast does (truncating, with
         * out-of-range values defined by the runtime, as in the interpreter). */
        if (is_int)
            snprintf(body, sizeof body, "y0[$0] = krt_cvt_%s(pow((double)a, (double)b));",
                     ir_dtype_name(t));
        else
            snprintf(body, sizeof body, "y0[$0] = pow%s(a, (%s)b);", s, T);
        break;
    case IR_MATH_BINARY_PRELU:
        if (is_int) return cgc_unsupported_dtype(e, n, t);
        snprintf(body, sizeof body, "y0[$0] = a < 0 ? a * b : a;");
        break;
    case IR_MATH_BINARY_COUNT:
        KILN_ASSERT(!"unknown binary fn");
    }
    char stmt[768];
    snprintf(stmt, sizeof stmt, "{ const %s a = x0[$1]; const %s b = x1[$2]; %s }", T,
             cgc_ctype(tb), body);
    cgc_math_nest(e, n, 2, stmt);
    return true;
}

bool cgc_emit_compare(CgcEmitter *e, const IrNode *n) {
    static const char *const ops[] = {"==", "<", ">", "<=", ">="};
    IrMathCompare fn = (IrMathCompare)ir_math_compare_fn(ir_attr_string(n, "fn"));
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (t == IR_DTYPE_F16 || t == IR_DTYPE_BF16) return cgc_unsupported_dtype(e, n, t);
    char stmt[256];
    snprintf(stmt, sizeof stmt, "y0[$0] = (uint8_t)(x0[$1] %s x1[$2]);", ops[fn]);
    cgc_math_nest(e, n, 2, stmt);
    return true;
}

bool cgc_emit_logic(CgcEmitter *e, const IrNode *n) {
    static const char *const ops[] = {"&&", "||", "!="};
    IrMathLogic fn = (IrMathLogic)ir_math_logic_fn(ir_attr_string(n, "fn"));
    char stmt[256];
    snprintf(stmt, sizeof stmt, "y0[$0] = (uint8_t)((x0[$1] != 0) %s (x1[$2] != 0));", ops[fn]);
    cgc_math_nest(e, n, 2, stmt);
    return true;
}

bool cgc_emit_where(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, 3, "y0[$0] = x0[$1] ? x1[$2] : x2[$3];");
    return true;
}

bool cgc_emit_expand(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, 1, "y0[$0] = x0[$1];");
    return true;
}

bool cgc_emit_tile(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *y = cgc_out_type(e, n, 0);
    int64_t count = cgc_numel(y), strides[IR_MAX_RANK];
    if (cgc_math_empty(e, n)) return true;
    cgc_strides(x, strides);
    /* Output element i: peel its index in each dim off i (last dim first) and read the input at
     * that index modulo the input's dim. */
    fprintf(e->f, "    for (ptrdiff_t i = 0; i < %lld; i++) {\n        ptrdiff_t r = i, o = 0;\n",
            (long long)count);
    for (int d = y->rank - 1; d >= 0; d--) {
        long long od = (long long)y->dims[d].size, id = (long long)x->dims[d].size;
        if (od == 1) continue;
        fprintf(e->f, "        o += (r %% %lld %% %lld) * %lld;\n        r /= %lld;\n", od, id,
                (long long)strides[d], od);
    }
    fprintf(e->f, "        y0[i] = x0[o];\n    }\n");
    return true;
}

bool cgc_emit_trilu(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    int64_t count = cgc_numel(x), k = ir_attr_int(n, "k");
    if (cgc_math_empty(e, n)) return true;
    long long rows = (long long)x->dims[x->rank - 2].size,
              cols = (long long)x->dims[x->rank - 1].size;
    /* Clamp k to +-(rows + cols): beyond that every element is kept or every one dropped, and
     * the literal stays far from overflow. */
    int64_t lim = (int64_t)rows + (int64_t)cols;
    if (k > lim) k = lim;
    if (k < -lim) k = -lim;
    fprintf(e->f,
            "    for (ptrdiff_t i = 0; i < %lld; i++) {\n"
            "        const ptrdiff_t col = i %% %lld, row = i / %lld %% %lld;\n"
            "        y0[i] = col - row %s %lld ? x0[i] : 0;\n    }\n",
            (long long)count, cols, cols, rows,
            ir_attr_int(n, "upper") ? ">=" : "<=", (long long)k);
    return true;
}
