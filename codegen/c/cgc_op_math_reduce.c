/* The math family's reductions and ops along one axis, generated inline: a loop nest over the
 * output (cgc_emit_nest) whose statement runs inner loops (j0, j1, ...) over the reduced dims
 * with the input's strides as constants. Floats accumulate sums in double; integers in
 * uint64_t so overflow wraps instead of being undefined. f16 and bf16 are not supported. */
#include "cgc.h"

#include <stdarg.h>
#include <string.h>

static const char *cgc_red_suffix(IrDtype t) {
    return t == IR_DTYPE_F32 ? "f" : t == IR_DTYPE_F64 ? "" : NULL;
}
static bool cgc_red_is_int(IrDtype t) {
    return t == IR_DTYPE_I8 || t == IR_DTYPE_I32 || t == IR_DTYPE_I64;
}
/* The smallest and largest value of an integer dtype, as C expressions. */
static const char *cgc_red_int_min(IrDtype t) {
    return t == IR_DTYPE_I8 ? "INT8_MIN" : t == IR_DTYPE_I32 ? "INT32_MIN" : "INT64_MIN";
}
static const char *cgc_red_int_max(IrDtype t) {
    return t == IR_DTYPE_I8 ? "INT8_MAX" : t == IR_DTYPE_I32 ? "INT32_MAX" : "INT64_MAX";
}

/* Appends formatted text to buf (len tracks its length; truncation is a bug: buffers are sized
 * for the longest statement). */
static void cgc_red_put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cgc_red_put(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    KILN_ASSERT(k >= 0 && (size_t)k < cap - *len);
    *len += (size_t)k;
}

/* Marks both parameters used when the output is empty (no loop reads them); true then. */
static bool cgc_red_empty(CgcEmitter *e, const IrNode *n) {
    if (cgc_numel(cgc_out_type(e, n, 0)) != 0) return false;
    fprintf(e->f, "    (void)x0;\n    (void)y0;\n");
    return true;
}

/* Opens loops j<i> over the reduced dims and sets `off` to the element offset they add. */
static void cgc_red_loops(char *buf, size_t cap, size_t *len, const IrType *x, const bool *mask,
                          const int64_t *strides) {
    int depth = 0;
    for (int d = 0; d < x->rank; d++) {
        if (!mask[d]) continue;
        cgc_red_put(buf, cap, len, "for (ptrdiff_t j%d = 0; j%d < %lld; j%d++) ", depth, depth,
                    (long long)x->dims[d].size, depth);
        depth++;
    }
    cgc_red_put(buf, cap, len, "{ const ptrdiff_t off = 0");
    depth = 0;
    for (int d = 0; d < x->rank; d++)
        if (mask[d]) cgc_red_put(buf, cap, len, " + j%d * %lld", depth++, (long long)strides[d]);
    cgc_red_put(buf, cap, len, "; ");
}

/* The nest over the output in its keepdims shape: y0 ($0) and the base of x0 ($1). */
static void cgc_red_nest(CgcEmitter *e, const IrType *x, const bool *mask, const char *stmt) {
    CgcNest nest = {.rank = x->rank, .n_operands = 2};
    int64_t xs[IR_MAX_RANK], s = 1;
    cgc_strides(x, xs);
    for (int d = x->rank - 1; d >= 0; d--) {
        nest.dims[d] = mask[d] ? 1 : x->dims[d].size;
        nest.strides[0][d] = mask[d] ? 0 : s;
        nest.strides[1][d] = mask[d] ? 0 : xs[d];
        if (!mask[d]) s *= x->dims[d].size;
    }
    cgc_emit_nest(e, &nest, stmt);
}

bool cgc_emit_reduce(CgcEmitter *e, const IrNode *n) {
    IrMathReduce fn = (IrMathReduce)ir_math_reduce_fn(ir_attr_string(n, "fn"));
    const IrType *x = cgc_in_type(e, n, 0);
    IrDtype t = x->dtype;
    const char *T = cgc_ctype(t), *s = cgc_red_suffix(t);
    bool is_int = cgc_red_is_int(t);
    if (!s && !is_int) return cgc_unsupported_dtype(e, n, t);
    bool mask[IR_MAX_RANK];
    const IrAttr *axes = ir_attr_find(n, "axes");
    for (int d = 0; d < x->rank; d++) mask[d] = axes == NULL;
    for (int i = 0; axes && i < axes->count; i++) {
        int a;
        if (!cgc_axis(axes->ints[i], x->rank, &a)) return cgc_node_fail(e, n, "axis out of range");
        mask[a] = true;
    }
    int64_t strides[IR_MAX_RANK], count = 1;
    cgc_strides(x, strides);
    for (int d = 0; d < x->rank; d++)
        if (mask[d]) count *= x->dims[d].size;
    if (cgc_red_empty(e, n)) return true;

    char stmt[4096];
    size_t len = 0;
    const size_t cap = sizeof stmt;
    const char *acc_t = is_int ? "uint64_t" : "double";
    const char *v = is_int ? "(uint64_t)x0[$1 + off]" : "(double)x0[$1 + off]";
    switch (fn) {
    case IR_MATH_REDUCE_MAX:
    case IR_MATH_REDUCE_MIN: {
        char op = fn == IR_MATH_REDUCE_MAX ? '>' : '<';
        if (is_int) {
            cgc_red_put(stmt, cap, &len, "{ %s acc = %s; ", T,
                        fn == IR_MATH_REDUCE_MAX ? cgc_red_int_min(t) : cgc_red_int_max(t));
            cgc_red_loops(stmt, cap, &len, x, mask, strides);
            cgc_red_put(stmt, cap, &len, "const %s v = x0[$1 + off]; if (v %c acc) acc = v; } ", T,
                        op);
        } else {
            /* NaN propagates: once acc is NaN it stays. */
            cgc_red_put(stmt, cap, &len, "{ %s acc = %sHUGE_VAL; ", T,
                        fn == IR_MATH_REDUCE_MAX ? "-" : "");
            cgc_red_loops(stmt, cap, &len, x, mask, strides);
            cgc_red_put(stmt, cap, &len,
                        "const %s v = x0[$1 + off]; if (acc == acc && (v != v || v %c acc)) acc "
                        "= v; } ",
                        T, op);
        }
        cgc_red_put(stmt, cap, &len, "y0[$0] = acc; }");
        break;
    }
    case IR_MATH_REDUCE_LOG_SUM_EXP:
        if (is_int) return cgc_unsupported_dtype(e, n, t);
        cgc_red_put(stmt, cap, &len, "{ double m = -HUGE_VAL, acc = 0.0; ");
        cgc_red_loops(stmt, cap, &len, x, mask, strides);
        cgc_red_put(stmt, cap, &len,
                    "const double v = x0[$1 + off]; if (m == m && (v != v || v > m)) m = v; } ");
        cgc_red_put(stmt, cap, &len, "if (m - m == 0.0) { ");
        cgc_red_loops(stmt, cap, &len, x, mask, strides);
        cgc_red_put(stmt, cap, &len, "acc += exp((double)x0[$1 + off] - m); } } ");
        cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(m - m == 0.0 ? m + log(acc) : m); }", T);
        break;
    default: {
        bool prod = fn == IR_MATH_REDUCE_PROD;
        const char *term = v;
        char buf[96];
        if (fn == IR_MATH_REDUCE_L1) {
            if (is_int) {
                snprintf(buf, sizeof buf, "(x0[$1 + off] < 0 ? 0u - %s : %s)", v, v);
            } else {
                snprintf(buf, sizeof buf, "fabs(%s)", v);
            }
            term = buf;
        } else if (fn == IR_MATH_REDUCE_L2 || fn == IR_MATH_REDUCE_SUM_SQUARE) {
            snprintf(buf, sizeof buf, "%s * %s", v, v);
            term = buf;
        }
        cgc_red_put(stmt, cap, &len, "{ %s acc = %s; ", acc_t, prod ? "1" : "0");
        cgc_red_loops(stmt, cap, &len, x, mask, strides);
        cgc_red_put(stmt, cap, &len, "acc %s= %s; } ", prod ? "*" : "+", term);
        const char *fin = "acc";
        char fbuf[96];
        if (fn == IR_MATH_REDUCE_MEAN) {
            snprintf(fbuf, sizeof fbuf, "acc / %lld.0", (long long)count);
            fin = fbuf;
        } else if (fn == IR_MATH_REDUCE_L2) {
            fin = "sqrt(acc)";
        } else if (fn == IR_MATH_REDUCE_LOG_SUM) {
            fin = "log(acc)";
        }
        if (is_int)
            cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(int64_t)%s; }", T, fin);
        else
            cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(%s); }", T, fin);
        break;
    }
    }
    cgc_red_nest(e, x, mask, stmt);
    return true;
}

/* The axis of an op along one axis, with the mask that selects it. */
static bool cgc_red_axis(CgcEmitter *e, const IrNode *n, int *axis, bool *mask) {
    const IrType *x = cgc_in_type(e, n, 0);
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, axis))
        return cgc_node_fail(e, n, "axis is out of range");
    for (int d = 0; d < x->rank; d++) mask[d] = d == *axis;
    return true;
}

static bool cgc_emit_arg(CgcEmitter *e, const IrNode *n, char op) {
    const IrType *x = cgc_in_type(e, n, 0);
    IrDtype t = x->dtype;
    bool is_float = cgc_red_suffix(t) != NULL;
    if (!is_float && !cgc_red_is_int(t)) return cgc_unsupported_dtype(e, n, t);
    int axis;
    bool mask[IR_MAX_RANK];
    if (!cgc_red_axis(e, n, &axis, mask)) return false;
    if (cgc_red_empty(e, n)) return true;
    int64_t len = x->dims[axis].size, strides[IR_MAX_RANK];
    if (len == 0) return cgc_node_fail(e, n, "the reduced axis is empty");
    cgc_strides(x, strides);
    bool last = ir_attr_int(n, "select_last_index") != 0;
    /* NaN beats everything (numpy): a NaN best is only replaced by a later NaN when last. */
    char better[160];
    if (is_float)
        snprintf(better, sizeof better, "bv == bv ? (v != v || v %c%s bv) : %s", op,
                 last ? "=" : "", last ? "v != v" : "0");
    else
        snprintf(better, sizeof better, "v %c%s bv", op, last ? "=" : "");
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "{ int64_t best = 0; %s bv = x0[$1]; for (ptrdiff_t k = 1; k < %lld; k++) { const "
             "%s v = x0[$1 + k * %lld]; if (%s) { best = k; bv = v; } } y0[$0] = best; }",
             cgc_ctype(t), (long long)len, cgc_ctype(t), (long long)strides[axis], better);
    cgc_red_nest(e, x, mask, stmt);
    return true;
}

bool cgc_emit_argmax(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_arg(e, n, '>');
}
bool cgc_emit_argmin(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_arg(e, n, '<');
}

/* Nest over every dim but the axis, for ops that write a whole row along it: y0 ($0) and x0
 * ($1) share the input's strides. */
static void cgc_row_nest(CgcEmitter *e, const IrType *x, int axis, const char *stmt) {
    CgcNest nest = {.rank = x->rank, .n_operands = 2};
    cgc_strides(x, nest.strides[0]);
    cgc_strides(x, nest.strides[1]);
    for (int d = 0; d < x->rank; d++) nest.dims[d] = d == axis ? 1 : x->dims[d].size;
    nest.strides[0][axis] = nest.strides[1][axis] = 0;
    cgc_emit_nest(e, &nest, stmt);
}

bool cgc_emit_cumsum(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    IrDtype t = x->dtype;
    const char *T = cgc_ctype(t);
    bool is_int = cgc_red_is_int(t);
    if (!cgc_red_suffix(t) && !is_int) return cgc_unsupported_dtype(e, n, t);
    int axis;
    bool mask[IR_MAX_RANK];
    if (!cgc_red_axis(e, n, &axis, mask)) return false;
    int64_t len = x->dims[axis].size, strides[IR_MAX_RANK];
    cgc_strides(x, strides);
    if (cgc_red_empty(e, n)) return true;
    bool excl = ir_attr_int(n, "exclusive") != 0, rev = ir_attr_int(n, "reverse") != 0;
    char pos[96], add[128], stmt[1024];
    if (rev)
        snprintf(pos, sizeof pos, "(%lld - k) * %lld", (long long)len - 1,
                 (long long)strides[axis]);
    else
        snprintf(pos, sizeof pos, "k * %lld", (long long)strides[axis]);
    /* The running sum is held in the element type (rounded at every step, as the interpreter
     * rounds); integers add through uint64_t so overflow wraps. */
    if (is_int)
        snprintf(add, sizeof add, "s = (%s)(int64_t)((uint64_t)s + (uint64_t)x0[$1 + o]);", T);
    else
        snprintf(add, sizeof add, "s = s + x0[$1 + o];");
    snprintf(
        stmt, sizeof stmt,
        "{ %s s = 0; for (ptrdiff_t k = 0; k < %lld; k++) { const ptrdiff_t o = %s; %s%s%s } }", T,
        (long long)len, pos, excl ? "y0[$0 + o] = s; " : "", add, excl ? "" : " y0[$0 + o] = s;");
    cgc_row_nest(e, x, axis, stmt);
    return true;
}

bool cgc_emit_logsoftmax(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    if (!cgc_red_suffix(x->dtype)) return cgc_unsupported_dtype(e, n, x->dtype);
    int axis;
    bool mask[IR_MAX_RANK];
    if (!cgc_red_axis(e, n, &axis, mask)) return false;
    int64_t len = x->dims[axis].size, strides[IR_MAX_RANK];
    if (cgc_red_empty(e, n)) return true;
    cgc_strides(x, strides);
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "{ double m = -HUGE_VAL, s = 0.0; for (ptrdiff_t k = 0; k < %lld; k++) { const double "
             "v = x0[$1 + k * %lld]; if (v > m) m = v; } for (ptrdiff_t k = 0; k < %lld; k++) s "
             "+= exp(x0[$1 + k * %lld] - m); const double z = m + log(s); for (ptrdiff_t k = 0; "
             "k < %lld; k++) y0[$0 + k * %lld] = (%s)(x0[$1 + k * %lld] - z); }",
             (long long)len, (long long)strides[axis], (long long)len, (long long)strides[axis],
             (long long)len, (long long)strides[axis], cgc_ctype(x->dtype),
             (long long)strides[axis]);
    cgc_row_nest(e, x, axis, stmt);
    return true;
}

bool cgc_emit_hardmax(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    const char *T = cgc_ctype(x->dtype);
    if (!cgc_red_suffix(x->dtype)) return cgc_unsupported_dtype(e, n, x->dtype);
    int axis;
    bool mask[IR_MAX_RANK];
    if (!cgc_red_axis(e, n, &axis, mask)) return false;
    int64_t len = x->dims[axis].size, strides[IR_MAX_RANK];
    if (cgc_red_empty(e, n)) return true;
    cgc_strides(x, strides);
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "{ ptrdiff_t best = 0; for (ptrdiff_t k = 1; k < %lld; k++) if (x0[$1 + k * %lld] > "
             "x0[$1 + best * %lld]) best = k; for (ptrdiff_t k = 0; k < %lld; k++) y0[$0 + k * "
             "%lld] = (%s)(k == best); }",
             (long long)len, (long long)strides[axis], (long long)strides[axis], (long long)len,
             (long long)strides[axis], T);
    cgc_row_nest(e, x, axis, stmt);
    return true;
}
