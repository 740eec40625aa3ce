/* The math family's reductions and ops along one axis, generated inline from their REDUCE and
 * SCAN loop records (codegen/module.h): the record's loop over the output (cgc_emit_loop) whose
 * statement runs inner loops (j0, j1, ...) over the reduced dims with the input's strides as
 * constants. Floats accumulate sums in double; integers in
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

/* The node's one REDUCE or SCAN loop (codegen/module.h). */
static const CgLoop *cgc_red_loop(const CgcEmitter *e, const IrNode *n) {
    return &cgc_kernel(e, n)->loops[0];
}

/* Marks both parameters used when the output is empty (no loop reads them); true then. A
 * SCAN's output is empty when its loop or its row is. */
static bool cgc_red_empty(CgcEmitter *e, const CgLoop *l) {
    bool empty = l->body == CG_BODY_SCAN && l->reduce.dims[0] == 0;
    for (int d = 0; d < l->rank; d++) empty = empty || l->dims[d] == 0;
    if (!empty) return false;
    fprintf(e->f, "    (void)x0;\n    (void)y0;\n");
    return true;
}

/* Opens loops j<i> over the reduced dims and sets `off` to the element offset they add. */
static void cgc_red_loops(char *buf, size_t cap, size_t *len, const CgReduce *r) {
    for (int i = 0; i < r->rank; i++)
        cgc_red_put(buf, cap, len, "for (ptrdiff_t j%d = 0; j%d < %lld; j%d++) ", i, i,
                    (long long)r->dims[i], i);
    cgc_red_put(buf, cap, len, "{ const ptrdiff_t off = 0");
    for (int i = 0; i < r->rank; i++)
        cgc_red_put(buf, cap, len, " + j%d * %lld", i, (long long)r->strides[i]);
    cgc_red_put(buf, cap, len, "; ");
}

bool cgc_emit_reduce(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t), *s = cgc_red_suffix(t);
    bool is_int = cgc_red_is_int(t);
    if (!s && !is_int) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_red_loop(e, n);
    const CgReduce *r = &l->reduce;
    CgReduceFn fn = r->fn;
    if (cgc_red_empty(e, l)) return true;

    char stmt[4096];
    size_t len = 0;
    const size_t cap = sizeof stmt;
    const char *acc_t = is_int ? "uint64_t" : "double";
    const char *v = is_int ? "(uint64_t)x0[$1 + off]" : "(double)x0[$1 + off]";
    switch (fn) {
    case CG_REDUCE_MAX:
    case CG_REDUCE_MIN: {
        char op = fn == CG_REDUCE_MAX ? '>' : '<';
        if (is_int) {
            cgc_red_put(stmt, cap, &len, "{ %s acc = %s; ", T,
                        fn == CG_REDUCE_MAX ? cgc_red_int_min(t) : cgc_red_int_max(t));
            cgc_red_loops(stmt, cap, &len, r);
            cgc_red_put(stmt, cap, &len, "const %s v = x0[$1 + off]; if (v %c acc) acc = v; } ", T,
                        op);
        } else {
            /* NaN propagates: once acc is NaN it stays. */
            cgc_red_put(stmt, cap, &len, "{ %s acc = %sHUGE_VAL; ", T,
                        fn == CG_REDUCE_MAX ? "-" : "");
            cgc_red_loops(stmt, cap, &len, r);
            cgc_red_put(stmt, cap, &len,
                        "const %s v = x0[$1 + off]; if (acc == acc && (v != v || v %c acc)) acc "
                        "= v; } ",
                        T, op);
        }
        cgc_red_put(stmt, cap, &len, "y0[$0] = acc; }");
        break;
    }
    case CG_REDUCE_LOG_SUM_EXP:
        if (is_int) return cgc_unsupported_dtype(e, n, t);
        cgc_red_put(stmt, cap, &len, "{ double m = -HUGE_VAL, acc = 0.0; ");
        cgc_red_loops(stmt, cap, &len, r);
        cgc_red_put(stmt, cap, &len,
                    "const double v = x0[$1 + off]; if (m == m && (v != v || v > m)) m = v; } ");
        cgc_red_put(stmt, cap, &len, "if (m - m == 0.0) { ");
        cgc_red_loops(stmt, cap, &len, r);
        cgc_red_put(stmt, cap, &len, "acc += exp((double)x0[$1 + off] - m); } } ");
        cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(m - m == 0.0 ? m + log(acc) : m); }", T);
        break;
    default: {
        bool prod = fn == CG_REDUCE_PROD;
        const char *term = v;
        char buf[96];
        if (fn == CG_REDUCE_L1) {
            if (is_int) {
                snprintf(buf, sizeof buf, "(x0[$1 + off] < 0 ? 0u - %s : %s)", v, v);
            } else {
                snprintf(buf, sizeof buf, "fabs(%s)", v);
            }
            term = buf;
        } else if (fn == CG_REDUCE_L2 || fn == CG_REDUCE_SUM_SQUARE) {
            snprintf(buf, sizeof buf, "%s * %s", v, v);
            term = buf;
        }
        cgc_red_put(stmt, cap, &len, "{ %s acc = %s; ", acc_t, prod ? "1" : "0");
        cgc_red_loops(stmt, cap, &len, r);
        cgc_red_put(stmt, cap, &len, "acc %s= %s; } ", prod ? "*" : "+", term);
        const char *fin = "acc";
        char fbuf[96];
        if (fn == CG_REDUCE_MEAN) {
            snprintf(fbuf, sizeof fbuf, "acc / %lld.0", (long long)r->count);
            fin = fbuf;
        } else if (fn == CG_REDUCE_L2) {
            fin = "sqrt(acc)";
        } else if (fn == CG_REDUCE_LOG_SUM) {
            fin = "log(acc)";
        }
        if (is_int)
            cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(int64_t)%s; }", T, fin);
        else
            cgc_red_put(stmt, cap, &len, "y0[$0] = (%s)(%s); }", T, fin);
        break;
    }
    }
    cgc_emit_loop(e, l, stmt);
    return true;
}

static bool cgc_emit_arg(CgcEmitter *e, const IrNode *n, char op) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    bool is_float = cgc_red_suffix(t) != NULL;
    if (!is_float && !cgc_red_is_int(t)) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_red_loop(e, n);
    const CgReduce *r = &l->reduce; /* the axis: dims[0] long at strides[0] */
    if (cgc_red_empty(e, l)) return true;
    bool last = r->last;
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
             cgc_ctype(t), (long long)r->dims[0], cgc_ctype(t), (long long)r->strides[0], better);
    cgc_emit_loop(e, l, stmt);
    return true;
}

bool cgc_emit_argmax(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_arg(e, n, '>');
}
bool cgc_emit_argmin(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_arg(e, n, '<');
}

/* The ops that write a whole row along the axis render their SCAN loop: y0 ($0) and x0 ($1)
 * share the input's strides, and the row is len = reduce.dims[0] long at st = reduce.strides[0]. */

bool cgc_emit_cumsum(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t);
    bool is_int = cgc_red_is_int(t);
    if (!cgc_red_suffix(t) && !is_int) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_red_loop(e, n);
    const CgReduce *r = &l->reduce;
    long long len = (long long)r->dims[0], st = (long long)r->strides[0];
    if (cgc_red_empty(e, l)) return true;
    char pos[96], add[128], stmt[1024];
    if (r->reverse)
        snprintf(pos, sizeof pos, "(%lld - k) * %lld", len - 1, st);
    else
        snprintf(pos, sizeof pos, "k * %lld", st);
    /* The running sum is held in the element type (rounded at every step, as the interpreter
     * rounds); integers add through uint64_t so overflow wraps. */
    if (is_int)
        snprintf(add, sizeof add, "s = (%s)(int64_t)((uint64_t)s + (uint64_t)x0[$1 + o]);", T);
    else
        snprintf(add, sizeof add, "s = s + x0[$1 + o];");
    bool excl = r->exclusive;
    snprintf(
        stmt, sizeof stmt,
        "{ %s s = 0; for (ptrdiff_t k = 0; k < %lld; k++) { const ptrdiff_t o = %s; %s%s%s } }", T,
        len, pos, excl ? "y0[$0 + o] = s; " : "", add, excl ? "" : " y0[$0 + o] = s;");
    cgc_emit_loop(e, l, stmt);
    return true;
}

bool cgc_emit_logsoftmax(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (!cgc_red_suffix(t)) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_red_loop(e, n);
    long long len = (long long)l->reduce.dims[0], st = (long long)l->reduce.strides[0];
    if (cgc_red_empty(e, l)) return true;
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "{ double m = -HUGE_VAL, s = 0.0; for (ptrdiff_t k = 0; k < %lld; k++) { const double "
             "v = x0[$1 + k * %lld]; if (v > m) m = v; } for (ptrdiff_t k = 0; k < %lld; k++) s "
             "+= exp(x0[$1 + k * %lld] - m); const double z = m + log(s); for (ptrdiff_t k = 0; "
             "k < %lld; k++) y0[$0 + k * %lld] = (%s)(x0[$1 + k * %lld] - z); }",
             len, st, len, st, len, st, cgc_ctype(t), st);
    cgc_emit_loop(e, l, stmt);
    return true;
}

bool cgc_emit_hardmax(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    const char *T = cgc_ctype(t);
    if (!cgc_red_suffix(t)) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_red_loop(e, n);
    long long len = (long long)l->reduce.dims[0], st = (long long)l->reduce.strides[0];
    if (cgc_red_empty(e, l)) return true;
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "{ ptrdiff_t best = 0; for (ptrdiff_t k = 1; k < %lld; k++) if (x0[$1 + k * %lld] > "
             "x0[$1 + best * %lld]) best = k; for (ptrdiff_t k = 0; k < %lld; k++) y0[$0 + k * "
             "%lld] = (%s)(k == best); }",
             len, st, st, len, st, T);
    cgc_emit_loop(e, l, stmt);
    return true;
}
