/* Elementwise ops, generated inline: unary math, binary arithmetic with numpy broadcasting, and
 * Cast. Floats compute in float (f32, f16, bf16: the 16-bit formats are widened on load and
 * rounded on store) or double (f64). Integers support Add, Sub, Mul, Neg and Relu, computed in
 * the unsigned type of the same width so overflow wraps instead of being undefined; integer Div
 * truncates toward zero and gives 0 for a zero divisor (the interpreter reports it instead). */
#include "cgc.h"

#include <string.h>

/* How one dtype is loaded into a computing variable and stored back. */
typedef struct CgcArith {
    const char *compute;   /* C type of the computing variable */
    const char *suffix;    /* math function / literal suffix: "f" or "" */
    const char *load_fn;   /* conversion applied on load, or "" */
    const char *store_fn;  /* conversion applied on store, or "" */
    const char *wrap_type; /* integers: the unsigned type arithmetic runs in; NULL for floats */
} CgcArith;

static bool cgc_arith(IrDtype t, CgcArith *a) {
    memset(a, 0, sizeof *a);
    a->load_fn = a->store_fn = "";
    a->suffix = "";
    a->compute = cgc_ctype(t);
    switch (t) {
    case IR_DTYPE_F32:
        a->suffix = "f";
        return true;
    case IR_DTYPE_F64:
        return true;
    case IR_DTYPE_F16:
        *a = (CgcArith){"float", "f", "krt_f16_to_f32", "krt_f32_to_f16", NULL};
        return true;
    case IR_DTYPE_BF16:
        *a = (CgcArith){"float", "f", "krt_bf16_to_f32", "krt_f32_to_bf16", NULL};
        return true;
    case IR_DTYPE_I8:
    case IR_DTYPE_U8:
        a->wrap_type = "uint8_t";
        return true;
    case IR_DTYPE_I32:
        a->wrap_type = "uint32_t";
        return true;
    case IR_DTYPE_I64:
        a->wrap_type = "uint64_t";
        return true;
    case IR_DTYPE_BOOL:
    case IR_DTYPE_COUNT:
        break;
    }
    return false;
}

/* The loop of node n's record: y0 ($0) and the inputs x<i> ($i+1), and its one instruction. */
static const CgLoop *cgc_elementwise_loop(const CgcEmitter *e, const IrNode *n) {
    return &cgc_kernel(e, n)->loops[0];
}

static bool cgc_emit_unary(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    CgcArith a;
    if (!cgc_arith(t, &a)) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_elementwise_loop(e, n);
    const CgInstr *in = &l->program[0];
    char expr[256];
    if (a.wrap_type) {
        if (in->fn == IR_SCALAR_NEG)
            snprintf(expr, sizeof expr, "(%s)(%s)((%s)0 - (%s)a)", a.compute, a.wrap_type,
                     a.wrap_type, a.wrap_type);
        else if (in->fn == IR_SCALAR_RELU)
            snprintf(expr, sizeof expr, "(%s)(a < 0 ? 0 : a)", a.compute);
        else
            return cgc_unsupported_dtype(e, n, t);
    } else {
        const char *operand[1] = {"a"};
        if (!cgc_scalar_expr(e, n, in->fn, operand, in->params, a.compute, a.suffix, expr,
                             sizeof expr))
            return false;
    }
    char stmt[512];
    snprintf(stmt, sizeof stmt, "{ const %s a = %s(x0[$1]); y0[$0] = %s(%s); }", a.compute,
             a.load_fn, a.store_fn, expr);
    cgc_emit_loop(e, l, stmt);
    return true;
}

/* The C operator of an integer core binary row. */
static char cgc_int_operator(IrScalar fn) {
    return fn == IR_SCALAR_ADD ? '+' : fn == IR_SCALAR_SUB ? '-' : fn == IR_SCALAR_MUL ? '*' : '/';
}

static bool cgc_emit_binary(CgcEmitter *e, const IrNode *n) {
    IrDtype t = cgc_in_type(e, n, 0)->dtype;
    if (cgc_in_type(e, n, 1)->dtype != t) return cgc_node_fail(e, n, "operand dtypes differ");
    CgcArith a;
    if (!cgc_arith(t, &a)) return cgc_unsupported_dtype(e, n, t);
    const CgLoop *l = cgc_elementwise_loop(e, n);
    const CgInstr *in = &l->program[0];
    char op = cgc_int_operator(in->fn);
    char expr[256];
    if (a.wrap_type) {
        if (op == '/' && t == IR_DTYPE_U8) {
            /* Integer Div truncates toward zero, as C and the interpreter do. b == 0 (a run-time
             * error in the interpreter) gives 0, as integer Mod by zero does in the math family;
             * b == -1 negates with wrap-around, since INT_MIN / -1 overflows in C. */
            snprintf(expr, sizeof expr, "(%s)(b == 0 ? 0 : a / b)", a.compute);
        } else if (op == '/') {
            snprintf(expr, sizeof expr, "(%s)(b == 0 ? 0 : b == -1 ? (%s)((%s)0 - (%s)a) : a / b)",
                     a.compute, a.compute, a.wrap_type, a.wrap_type);
        } else {
            snprintf(expr, sizeof expr, "(%s)(%s)((%s)a %c (%s)b)", a.compute, a.wrap_type,
                     a.wrap_type, op, a.wrap_type);
        }
    } else {
        const char *operands[2] = {"a", "b"};
        if (!cgc_scalar_expr(e, n, in->fn, operands, in->params, a.compute, a.suffix, expr,
                             sizeof expr))
            return false;
    }
    char stmt[512];
    snprintf(stmt, sizeof stmt, "{ const %s a = %s(x0[$1]), b = %s(x1[$2]); y0[$0] = %s(%s); }",
             a.compute, a.load_fn, a.load_fn, a.store_fn, expr);
    cgc_emit_loop(e, l, stmt);
    return true;
}

bool cgc_emit_add(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_binary(e, n);
}
bool cgc_emit_sub(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_binary(e, n);
}
bool cgc_emit_mul(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_binary(e, n);
}
bool cgc_emit_div(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_binary(e, n);
}
bool cgc_emit_neg(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_exp(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_sqrt(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_rsqrt(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_pow(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_relu(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_gelu(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_silu(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_sigmoid(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}
bool cgc_emit_tanh(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_unary(e, n);
}

void cgc_cast_expr(IrDtype src, IrDtype dst, const char *rt, const char *(*ctype)(IrDtype),
                   char *buf, size_t cap) {
    switch (dst) {
    case IR_DTYPE_F32:
        snprintf(buf, cap, "(float)v");
        return;
    case IR_DTYPE_F64:
        snprintf(buf, cap, "(double)v");
        return;
    case IR_DTYPE_F16:
        snprintf(buf, cap, "%sf32_to_f16((float)v)", rt);
        return;
    case IR_DTYPE_BF16:
        snprintf(buf, cap, "%sf32_to_bf16((float)v)", rt);
        return;
    case IR_DTYPE_BOOL:
        snprintf(buf, cap, "(%s)(v != 0)", ctype(dst));
        return;
    case IR_DTYPE_I8:
    case IR_DTYPE_U8:
    case IR_DTYPE_I32:
    case IR_DTYPE_I64:
        if (ir_dtype_is_float(src))
            snprintf(buf, cap, "%scvt_%s((double)v)", rt, ir_dtype_name(dst));
        else
            snprintf(buf, cap, "(%s)v", ctype(dst));
        return;
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
}

bool cgc_emit_cast(CgcEmitter *e, const IrNode *n) {
    IrDtype src = cgc_in_type(e, n, 0)->dtype, dst = cgc_out_type(e, n, 0)->dtype;
    const CgLoop *l = &cgc_kernel(e, n)->loops[0]; /* flat, backwards when in place and wider */
    int64_t count = l->dims[0];
    const char *load = src == IR_DTYPE_F16    ? "krt_f16_to_f32"
                       : src == IR_DTYPE_BF16 ? "krt_bf16_to_f32"
                                              : "";
    const char *vtype = src == IR_DTYPE_F16 || src == IR_DTYPE_BF16 ? "float" : cgc_ctype(src);
    char expr[128];
    cgc_cast_expr(src, dst, "krt_", cgc_ctype, expr, sizeof expr);
    if (count == 0) return true;
    if (l->reverse)
        fprintf(e->f, "    for (ptrdiff_t i = %lld; i >= 0; i--) {\n", (long long)count - 1);
    else
        fprintf(e->f, "    for (ptrdiff_t i = 0; i < %lld; i++) {\n", (long long)count);
    fprintf(e->f, "        const %s v = %s(x0[i]);\n        y0[i] = %s;\n    }\n", vtype, load,
            expr);
    return true;
}
