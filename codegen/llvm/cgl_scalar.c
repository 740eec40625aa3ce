/* A row of the scalar table (ir/scalar.h) as LLVM instructions: its C template, the one
 * definition of the formula, parsed by recursive descent and built as it is parsed. The
 * templates use a small C subset: $0 $1 (operands), $A $B $G (parameters), literals with the
 * '@' suffix, libm calls name@(...), unary -, * / + -, comparisons, || &&, ?: and the cast
 * ($T)NAN. A libm call becomes its llvm.* intrinsic where LLVM has one, else a call of the libm
 * function of the computing type (expf or exp, ...), which the library gets from libm.
 *
 * With e == NULL the parser only checks the template (cgl_scalar_ok). */
#include "cgl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct CglParse {
    CglEmitter *e; /* NULL: check only */
    const char *s;
    LLVMTypeRef t; /* f32 or f64 */
    const LLVMValueRef *ops;
    const double *params;
    bool ok;
} CglParse;

/* A parsed value: a float of type t, or a comparison's i1. */
typedef struct CglVal {
    LLVMValueRef v;
    bool is_bool;
} CglVal;

static void cgl_skip(CglParse *p) {
    while (*p->s == ' ') p->s++;
}

static bool cgl_eat(CglParse *p, const char *tok) {
    cgl_skip(p);
    size_t n = strlen(tok);
    if (strncmp(p->s, tok, n) != 0) return false;
    p->s += n;
    return true;
}

static CglVal cgl_fail(CglParse *p) {
    p->ok = false;
    return (CglVal){NULL, false};
}

static LLVMValueRef cgl_const(CglParse *p, double v) {
    return p->e ? LLVMConstReal(p->t, v) : NULL;
}

/* A bool used as a number (never in the templates, but a comparison is not a float). */
static CglVal cgl_as_float(CglParse *p, CglVal v) {
    if (!v.is_bool || !p->e) return (CglVal){v.v, false};
    return (CglVal){LLVMBuildUIToFP(p->e->b, v.v, p->t, ""), false};
}

static CglVal cgl_as_bool(CglParse *p, CglVal v) {
    if (v.is_bool || !p->e) return (CglVal){v.v, true};
    return (CglVal){LLVMBuildFCmp(p->e->b, LLVMRealUNE, v.v, cgl_const(p, 0.0), ""), true};
}

static CglVal cgl_expr(CglParse *p);

/* libm names: those with an llvm.* intrinsic of the same meaning, the rest called by name. */
static const char *const cgl_intrinsics[][2] = {
    {"exp", "llvm.exp"},   {"sqrt", "llvm.sqrt"},   {"fabs", "llvm.fabs"},
    {"ceil", "llvm.ceil"}, {"floor", "llvm.floor"}, {"nearbyint", "llvm.nearbyint"},
    {"log", "llvm.log"},   {"sin", "llvm.sin"},     {"cos", "llvm.cos"},
    {"pow", "llvm.pow"},   {"fmax", "llvm.maxnum"}, {"fmin", "llvm.minnum"},
};
static const char *const cgl_libm[] = {"tanh", "erf",   "tan",   "asin",  "acos",  "atan", "sinh",
                                       "cosh", "asinh", "acosh", "atanh", "log1p", "fmod"};

static CglVal cgl_call(CglParse *p, const char *name, CglVal *args, int n) {
    const char *intr = NULL;
    for (size_t i = 0; i < sizeof cgl_intrinsics / sizeof cgl_intrinsics[0]; i++)
        if (strcmp(cgl_intrinsics[i][0], name) == 0) intr = cgl_intrinsics[i][1];
    bool libm = false;
    for (size_t i = 0; i < sizeof cgl_libm / sizeof cgl_libm[0]; i++)
        libm |= !strcmp(cgl_libm[i], name);
    int arity = !strcmp(name, "pow") || !strcmp(name, "fmax") || !strcmp(name, "fmin") ||
                        !strcmp(name, "fmod")
                    ? 2
                    : 1;
    if ((!intr && !libm) || n != arity) return cgl_fail(p);
    if (!p->e) return (CglVal){NULL, false};
    CglEmitter *e = p->e;
    LLVMValueRef vals[2];
    for (int i = 0; i < n; i++) vals[i] = cgl_as_float(p, args[i]).v;
    if (!strcmp(name, "fmod")) return (CglVal){LLVMBuildFRem(e->b, vals[0], vals[1], ""), false};
    LLVMTypeRef params[2] = {p->t, p->t};
    LLVMTypeRef fty = LLVMFunctionType(p->t, params, (unsigned)n, 0);
    LLVMValueRef fn;
    if (intr) {
        unsigned id = LLVMLookupIntrinsicID(intr, strlen(intr));
        fn = LLVMGetIntrinsicDeclaration(e->mod, id, &p->t, 1);
    } else {
        char sym[32];
        snprintf(sym, sizeof sym, "%s%s", name, p->t == e->f32 ? "f" : "");
        fn = LLVMGetNamedFunction(e->mod, sym);
        if (!fn) fn = LLVMAddFunction(e->mod, sym, fty);
    }
    return (CglVal){LLVMBuildCall2(e->b, fty, fn, vals, (unsigned)n, ""), false};
}

static CglVal cgl_primary(CglParse *p) {
    cgl_skip(p);
    const char *s = p->s;
    if (*s == '$') {
        char c = s[1];
        p->s += 2;
        if (c == '0' || c == '1') return (CglVal){p->ops ? p->ops[c - '0'] : NULL, false};
        if (c == 'A' || c == 'B' || c == 'G') {
            int k = c == 'A' ? 0 : c == 'B' ? 1 : 2;
            return (CglVal){p->params ? cgl_const(p, p->params[k]) : NULL, false};
        }
        return cgl_fail(p);
    }
    if (isdigit((unsigned char)*s)) {
        char *end = NULL;
        double v = strtod(s, &end);
        p->s = end;
        if (*p->s == '@') p->s++;
        return (CglVal){cgl_const(p, v), false};
    }
    if (cgl_eat(p, "NAN")) return (CglVal){cgl_const(p, (double)NAN), false};
    if (isalpha((unsigned char)*s)) {
        char name[16];
        size_t n = 0;
        while (isalnum((unsigned char)s[n]) && n + 1 < sizeof name) n++;
        memcpy(name, s, n);
        name[n] = '\0';
        p->s = s + n;
        if (*p->s == '@') p->s++;
        if (!cgl_eat(p, "(")) return cgl_fail(p);
        CglVal args[2];
        int na = 0;
        do {
            if (na == 2) return cgl_fail(p);
            args[na++] = cgl_expr(p);
        } while (p->ok && cgl_eat(p, ","));
        if (!p->ok || !cgl_eat(p, ")")) return cgl_fail(p);
        return cgl_call(p, name, args, na);
    }
    if (cgl_eat(p, "(")) {
        if (cgl_eat(p, "$T")) { /* a cast to the computing type: the value already is one */
            if (!cgl_eat(p, ")")) return cgl_fail(p);
            return cgl_as_float(p, cgl_primary(p));
        }
        CglVal v = cgl_expr(p);
        if (!cgl_eat(p, ")")) return cgl_fail(p);
        return v;
    }
    return cgl_fail(p);
}

static CglVal cgl_unary(CglParse *p) {
    if (cgl_eat(p, "-")) {
        CglVal v = cgl_as_float(p, cgl_unary(p));
        return (CglVal){p->e && p->ok ? LLVMBuildFNeg(p->e->b, v.v, "") : NULL, false};
    }
    return cgl_primary(p);
}

static CglVal cgl_binary(CglParse *p, int level);

/* Operator levels, loosest first: || && comparisons + - * / */
static CglVal cgl_binary(CglParse *p, int level) {
    if (level == 5) return cgl_unary(p);
    CglVal l = cgl_binary(p, level + 1);
    for (;;) {
        if (!p->ok) return l;
        static const char *const ops[5][6] = {
            {"||"}, {"&&"}, {"<=", ">=", "==", "!=", "<", ">"}, {"+", "-"}, {"*", "/"}};
        int which = -1;
        for (int k = 0; k < 6 && ops[level][k]; k++) {
            cgl_skip(p);
            /* "<" must not take the first byte of "<=", nor "-" of a number's sign context */
            if (strncmp(p->s, ops[level][k], strlen(ops[level][k])) == 0) {
                which = k;
                p->s += strlen(ops[level][k]);
                break;
            }
        }
        if (which < 0) return l;
        CglVal r = cgl_binary(p, level + 1);
        if (!p->ok || !p->e) continue;
        LLVMBuilderRef b = p->e->b;
        if (level <= 1) {
            LLVMValueRef x = cgl_as_bool(p, l).v, y = cgl_as_bool(p, r).v;
            l = (CglVal){level == 0 ? LLVMBuildOr(b, x, y, "") : LLVMBuildAnd(b, x, y, ""), true};
        } else if (level == 2) {
            if (l.is_bool && r.is_bool) { /* (a < 0) != (b < 0) */
                LLVMIntPredicate ip = which == 2 ? LLVMIntEQ : LLVMIntNE;
                if (which != 2 && which != 3) return cgl_fail(p);
                l = (CglVal){LLVMBuildICmp(b, ip, l.v, r.v, ""), true};
                continue;
            }
            /* ordered predicates, as C's (false on NaN), but != is true on NaN */
            static const LLVMRealPredicate preds[6] = {LLVMRealOLE, LLVMRealOGE, LLVMRealOEQ,
                                                       LLVMRealUNE, LLVMRealOLT, LLVMRealOGT};
            l = (CglVal){
                LLVMBuildFCmp(b, preds[which], cgl_as_float(p, l).v, cgl_as_float(p, r).v, ""),
                true};
        } else {
            LLVMValueRef x = cgl_as_float(p, l).v, y = cgl_as_float(p, r).v;
            LLVMValueRef v =
                level == 3 ? (which == 0 ? LLVMBuildFAdd(b, x, y, "") : LLVMBuildFSub(b, x, y, ""))
                           : (which == 0 ? LLVMBuildFMul(b, x, y, "") : LLVMBuildFDiv(b, x, y, ""));
            l = (CglVal){v, false};
        }
    }
}

/* cond ? a : b, right-associative; both arms are evaluated (the templates have no effects). */
static CglVal cgl_expr(CglParse *p) {
    CglVal c = cgl_binary(p, 0);
    if (!p->ok || !cgl_eat(p, "?")) return c;
    CglVal a = cgl_expr(p);
    if (!p->ok || !cgl_eat(p, ":")) return cgl_fail(p);
    CglVal b = cgl_expr(p);
    if (!p->ok || !p->e) return (CglVal){NULL, false};
    LLVMValueRef cond = cgl_as_bool(p, c).v;
    return (CglVal){LLVMBuildSelect(p->e->b, cond, cgl_as_float(p, a).v, cgl_as_float(p, b).v, ""),
                    false};
}

bool cgl_scalar_ok(IrScalar fn) {
    CglParse p = {NULL, ir_scalar_info(fn)->tmpl, NULL, NULL, NULL, true};
    cgl_expr(&p);
    cgl_skip(&p);
    return p.ok && *p.s == '\0';
}

LLVMValueRef cgl_scalar_build(CglEmitter *e, IrScalar fn, LLVMTypeRef t, const LLVMValueRef *ops,
                              const double *params) {
    CglParse p = {e, ir_scalar_info(fn)->tmpl, t, ops, params, true};
    CglVal v = cgl_expr(&p);
    KILN_ASSERT(p.ok); /* supports() checked the template with cgl_scalar_ok */
    return cgl_as_float(&p, v).v;
}
