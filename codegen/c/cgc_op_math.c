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

/* Marks every parameter used, for a node whose output is empty (no loop reads them). Returns
 * true when it was empty. */
static bool cgc_math_empty(CgcEmitter *e, const IrNode *n) {
    if (cgc_numel(cgc_out_type(e, n, 0)) != 0) return false;
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i)) fprintf(e->f, "    (void)x%d;\n", i);
    fprintf(e->f, "    (void)y0;\n");
    return true;
}

/* One statement over y0 ($0) and the inputs x<i> ($i+1), each broadcast to the output: the
 * loop of the node's kernel record. */
static void cgc_math_nest(CgcEmitter *e, const IrNode *n, const char *stmt) {
    if (cgc_math_empty(e, n)) return;
    cgc_emit_loop(e, &cgc_kernel(e, n)->loops[0], stmt);
}

/* The scalar row and parameters of a Unary or Binary node: its record's one instruction. */
static const CgInstr *cgc_math_instr(const CgcEmitter *e, const IrNode *n) {
    return &cgc_kernel(e, n)->loops[0].program[0];
}

bool cgc_emit_unary_fn(CgcEmitter *e, const IrNode *n) {
    const CgInstr *in = cgc_math_instr(e, n);
    IrScalar fn = in->fn;
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t), *suffix = cgc_math_suffix(t);
    char stmt[1024];
    if (cgc_math_is_int(t) && (fn == IR_SCALAR_ABS || fn == IR_SCALAR_SIGN)) {
        /* |INT_MIN| wraps to INT_MIN, as two's complement negation does. */
        if (fn == IR_SCALAR_ABS)
            snprintf(stmt, sizeof stmt,
                     "{ const %s a = x0[$1]; y0[$0] = a < 0 ? (%s)(0u - (uint64_t)a) : a; }", T, T);
        else
            snprintf(stmt, sizeof stmt,
                     "{ const %s a = x0[$1]; y0[$0] = (%s)((a > 0) - (a < 0)); }", T, T);
        cgc_math_nest(e, n, stmt);
        return true;
    }
    if (!suffix) return cgc_unsupported_dtype(e, n, t);
    const char *operand[1] = {"a"};
    char expr[768];
    if (!cgc_scalar_expr(e, n, fn, operand, in->params, T, suffix, expr, sizeof expr)) return false;
    snprintf(stmt, sizeof stmt, "{ const %s a = x0[$1]; y0[$0] = %s; }", T, expr);
    cgc_math_nest(e, n, stmt);
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
    cgc_math_nest(e, n, stmt);
    return true;
}

bool cgc_emit_isnan(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (!cgc_math_suffix(t)) return cgc_unsupported_dtype(e, n, t);
    cgc_math_nest(e, n, "y0[$0] = (uint8_t)(x0[$1] != x0[$1]);");
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
    cgc_math_nest(e, n, stmt);
    return true;
}

bool cgc_emit_not(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, "y0[$0] = (uint8_t)(x0[$1] == 0);");
    return true;
}

/* Binary: float operands render the scalar table's row; integer ones are integer arithmetic
 * without undefined behaviour, written here. */
bool cgc_emit_binary_fn(CgcEmitter *e, const IrNode *n) {
    IrScalar fn = cgc_math_instr(e, n)->fn;
    IrDtype t = cgc_in_type(e, n, 0)->dtype, tb = cgc_in_type(e, n, 1)->dtype;
    const char *T = cgc_ctype(t), *s = cgc_math_suffix(t);
    bool is_int = cgc_math_is_int(t);
    if (!s && !is_int) return cgc_unsupported_dtype(e, n, t);
    if (!cgc_math_suffix(tb) && !cgc_math_is_int(tb)) return cgc_unsupported_dtype(e, n, tb);
    char body[512];
    if (!is_int) {
        /* b may have another dtype than a (pow): it computes in a's type */
        char b_as_t[32];
        snprintf(b_as_t, sizeof b_as_t, "(%s)b", T);
        const char *operands[2] = {"a", tb == t ? "b" : b_as_t};
        char expr[448];
        if (!cgc_scalar_expr(e, n, fn, operands, NULL, T, s, expr, sizeof expr)) return false;
        snprintf(body, sizeof body, "y0[$0] = %s;", expr);
    } else if (fn == IR_SCALAR_MIN || fn == IR_SCALAR_MAX) {
        snprintf(body, sizeof body, "y0[$0] = a %c b ? a : b;", fn == IR_SCALAR_MIN ? '<' : '>');
    } else if (fn == IR_SCALAR_MOD || fn == IR_SCALAR_FMOD) {
        /* b == 0 (a run-time error in the interpreter) gives 0 here; b == -1 is special cased
         * because INT_MIN % -1 overflows. The sign fix-up cannot overflow: r and b have
         * opposite signs. */
        snprintf(body, sizeof body, "%s r = b == 0 || b == -1 ? 0 : (%s)(a %% b); %sy0[$0] = r;", T,
                 T, fn == IR_SCALAR_MOD ? "if (r != 0 && ((r < 0) != (b < 0))) r += b; " : "");
    } else if (fn == IR_SCALAR_POW_BINARY) {
        /* An integer base computes in double and converts as Cast does (truncating, with
         * out-of-range values defined by the runtime, as in the interpreter). */
        snprintf(body, sizeof body, "y0[$0] = krt_cvt_%s(pow((double)a, (double)b));",
                 ir_dtype_name(t));
    } else {
        return cgc_unsupported_dtype(e, n, t); /* prelu */
    }
    char stmt[768];
    snprintf(stmt, sizeof stmt, "{ const %s a = x0[$1]; const %s b = x1[$2]; %s }", T,
             cgc_ctype(tb), body);
    cgc_math_nest(e, n, stmt);
    return true;
}

bool cgc_emit_compare(CgcEmitter *e, const IrNode *n) {
    static const char *const ops[] = {"==", "<", ">", "<=", ">="};
    IrMathCompare fn = (IrMathCompare)ir_math_compare_fn(ir_attr_string(n, "fn"));
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (t == IR_DTYPE_F16 || t == IR_DTYPE_BF16) return cgc_unsupported_dtype(e, n, t);
    char stmt[256];
    snprintf(stmt, sizeof stmt, "y0[$0] = (uint8_t)(x0[$1] %s x1[$2]);", ops[fn]);
    cgc_math_nest(e, n, stmt);
    return true;
}

bool cgc_emit_logic(CgcEmitter *e, const IrNode *n) {
    static const char *const ops[] = {"&&", "||", "!="};
    IrMathLogic fn = (IrMathLogic)ir_math_logic_fn(ir_attr_string(n, "fn"));
    char stmt[256];
    snprintf(stmt, sizeof stmt, "y0[$0] = (uint8_t)((x0[$1] != 0) %s (x1[$2] != 0));", ops[fn]);
    cgc_math_nest(e, n, stmt);
    return true;
}

bool cgc_emit_where(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, "y0[$0] = x0[$1] ? x1[$2] : x2[$3];");
    return true;
}

bool cgc_emit_expand(CgcEmitter *e, const IrNode *n) {
    cgc_math_nest(e, n, "y0[$0] = x0[$1];");
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

/* Trilu's OP loop over [batch, rows, cols] (contiguous), rendered as one flat loop. */
bool cgc_emit_trilu(CgcEmitter *e, const IrNode *n) {
    if (cgc_math_empty(e, n)) return true;
    const CgLoop *l = &cgc_kernel(e, n)->loops[0];
    long long rows = (long long)l->dims[1], cols = (long long)l->dims[2];
    long long count = (long long)l->dims[0] * rows * cols, k = (long long)l->params[0];
    fprintf(e->f,
            "    for (ptrdiff_t i = 0; i < %lld; i++) {\n"
            "        const ptrdiff_t col = i %% %lld, row = i / %lld %% %lld;\n"
            "        y0[i] = col - row %s %lld ? x0[i] : 0;\n    }\n",
            count, cols, cols, rows, l->params[1] ? ">=" : "<=", k);
    return true;
}
