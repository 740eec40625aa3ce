/* Element functions of the loop bodies that are not scalar-table rows: Cast's conversions (a COPY
 * between dtypes, with the runtime's own saturating float-to-integer and f16/bf16 conversions,
 * called through the adapters of rt/cgl_adapters.c) and the CG_BODY_OP functions Where, Compare,
 * Logic, Not, IsNaN, IsInf and float Clip, with the C backend's semantics (codegen/c/
 * cgc_op_math.c): C's comparisons (false on NaN but for !=), bools as 0/1 bytes. */
#include "cgl.h"

#include <math.h>
#include <string.h>

LLVMTypeRef cgl_elem_type(const CglEmitter *e, IrDtype t) {
    switch (t) {
    case IR_DTYPE_F32:
        return e->f32;
    case IR_DTYPE_F64:
        return e->f64;
    default:
        return LLVMIntTypeInContext(e->cx, (unsigned)(8 * ir_dtype_size(t)));
    }
}

static bool cgl_is_float(IrDtype t) {
    return t == IR_DTYPE_F32 || t == IR_DTYPE_F64;
}
static bool cgl_is_unsigned(IrDtype t) {
    return t == IR_DTYPE_U8 || t == IR_DTYPE_BOOL;
}

/* A call of adapter `name` on v. */
static LLVMValueRef cgl_call1(CglEmitter *e, const char *name, LLVMValueRef v) {
    LLVMValueRef fn = cgl_runtime_fn(e, name);
    LLVMTypeRef fty = LLVMGlobalGetValueType(fn);
    return LLVMBuildCall2(e->b, fty, fn, &v, 1, "");
}

static LLVMValueRef cgl_bool_byte(CglEmitter *e, LLVMValueRef bit) {
    return LLVMBuildZExt(e->b, bit, e->i8, "");
}

LLVMValueRef cgl_convert(CglEmitter *e, LLVMValueRef v, IrDtype src, IrDtype dst) {
    if (src == dst) return v;
    LLVMBuilderRef b = e->b;
    /* f16 and bf16 compute as f32 */
    if (src == IR_DTYPE_F16 || src == IR_DTYPE_BF16) {
        v = cgl_call1(e, src == IR_DTYPE_F16 ? "cgl_f16_to_f32" : "cgl_bf16_to_f32", v);
        src = IR_DTYPE_F32;
        if (src == dst) return v;
    }
    switch (dst) {
    case IR_DTYPE_F32:
    case IR_DTYPE_F64: {
        LLVMTypeRef t = cgl_elem_type(e, dst);
        if (cgl_is_float(src))
            return dst == IR_DTYPE_F64 ? LLVMBuildFPExt(b, v, t, "")
                                       : LLVMBuildFPTrunc(b, v, t, "");
        return cgl_is_unsigned(src) ? LLVMBuildUIToFP(b, v, t, "") : LLVMBuildSIToFP(b, v, t, "");
    }
    case IR_DTYPE_F16:
    case IR_DTYPE_BF16:
        return cgl_call1(e, dst == IR_DTYPE_F16 ? "cgl_f32_to_f16" : "cgl_f32_to_bf16",
                         cgl_convert(e, v, src, IR_DTYPE_F32));
    case IR_DTYPE_BOOL:
        if (cgl_is_float(src))
            return cgl_bool_byte(
                e, LLVMBuildFCmp(b, LLVMRealUNE, v, LLVMConstNull(LLVMTypeOf(v)), ""));
        return cgl_bool_byte(e, LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), ""));
    default: {
        if (cgl_is_float(src)) {
            char name[32];
            snprintf(name, sizeof name, "cgl_cvt_%s", ir_dtype_name(dst));
            return cgl_call1(e, name, cgl_convert(e, v, src, IR_DTYPE_F64));
        }
        /* integer to integer: C's conversion (truncation, or extension by the source's sign) */
        LLVMTypeRef t = cgl_elem_type(e, dst);
        size_t from = ir_dtype_size(src), to = ir_dtype_size(dst);
        if (to < from) return LLVMBuildTrunc(b, v, t, "");
        if (to == from) return v;
        return cgl_is_unsigned(src) ? LLVMBuildZExt(b, v, t, "") : LLVMBuildSExt(b, v, t, "");
    }
    }
}

bool cgl_op_supported(const IrGraph *g, const IrNode *n, const IrDtype *dt, char *reason,
                      size_t cap) {
    (void)g;
    switch (n->op) {
    case IR_OP_WHERE:
    case IR_OP_LOGIC:
    case IR_OP_NOT:
        return true;
    case IR_OP_COMPARE:
        if (dt[1] != IR_DTYPE_F16 && dt[1] != IR_DTYPE_BF16) return true;
        break;
    case IR_OP_ISNAN:
    case IR_OP_ISINF:
        if (cgl_is_float(dt[1])) return true;
        break;
    case IR_OP_CLIP:
        if (!cgl_is_float(dt[1])) {
            snprintf(reason, cap, "Clip of %s (only f32 and f64 yet)", ir_dtype_name(dt[1]));
            return false;
        }
        for (int k = 0; k < 2; k++) {
            const IrAttr *a = ir_attr_find(n, k ? "max" : "min");
            if (a && isnan(a->f)) {
                snprintf(reason, cap, "clip bound must not be NaN");
                return false;
            }
        }
        return true;
    default:
        snprintf(reason, cap, "the element function of %s is not yet rendered",
                 ir_op_info(n->op)->name);
        return false;
    }
    snprintf(reason, cap, "dtype %s", ir_dtype_name(dt[1]));
    return false;
}

LLVMValueRef cgl_op_build(CglEmitter *e, const IrNode *n, const IrDtype *dt,
                          const LLVMValueRef *r) {
    LLVMBuilderRef b = e->b;
    IrDtype t = dt[1];
    switch (n->op) {
    case IR_OP_WHERE:
        return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntNE, r[0], LLVMConstNull(e->i8), ""), r[1],
                               r[2], "");
    case IR_OP_NOT:
        return cgl_bool_byte(
            e, LLVMBuildICmp(b, LLVMIntEQ, r[0], LLVMConstNull(LLVMTypeOf(r[0])), ""));
    case IR_OP_LOGIC: {
        LLVMValueRef x = LLVMBuildICmp(b, LLVMIntNE, r[0], LLVMConstNull(LLVMTypeOf(r[0])), "");
        LLVMValueRef y = LLVMBuildICmp(b, LLVMIntNE, r[1], LLVMConstNull(LLVMTypeOf(r[1])), "");
        int fn = ir_math_logic_fn(ir_attr_string(n, "fn")); /* and, or, xor */
        LLVMValueRef v = fn == 0   ? LLVMBuildAnd(b, x, y, "")
                         : fn == 1 ? LLVMBuildOr(b, x, y, "")
                                   : LLVMBuildXor(b, x, y, "");
        return cgl_bool_byte(e, v);
    }
    case IR_OP_COMPARE: {
        int fn = ir_math_compare_fn(ir_attr_string(n, "fn")); /* == < > <= >= */
        static const LLVMRealPredicate fp[5] = {LLVMRealOEQ, LLVMRealOLT, LLVMRealOGT, LLVMRealOLE,
                                                LLVMRealOGE};
        static const LLVMIntPredicate sp[5] = {LLVMIntEQ, LLVMIntSLT, LLVMIntSGT, LLVMIntSLE,
                                               LLVMIntSGE};
        static const LLVMIntPredicate up[5] = {LLVMIntEQ, LLVMIntULT, LLVMIntUGT, LLVMIntULE,
                                               LLVMIntUGE};
        KILN_ASSERT(fn >= 0 && fn < 5);
        LLVMValueRef v = cgl_is_float(t)      ? LLVMBuildFCmp(b, fp[fn], r[0], r[1], "")
                         : cgl_is_unsigned(t) ? LLVMBuildICmp(b, up[fn], r[0], r[1], "")
                                              : LLVMBuildICmp(b, sp[fn], r[0], r[1], "");
        return cgl_bool_byte(e, v);
    }
    case IR_OP_ISNAN:
        return cgl_bool_byte(e, LLVMBuildFCmp(b, LLVMRealUNO, r[0], r[0], ""));
    case IR_OP_ISINF: {
        LLVMTypeRef ft = LLVMTypeOf(r[0]);
        LLVMValueRef pos = LLVMBuildFCmp(b, LLVMRealOEQ, r[0], LLVMConstReal(ft, INFINITY), "");
        LLVMValueRef neg = LLVMBuildFCmp(b, LLVMRealOEQ, r[0], LLVMConstReal(ft, -INFINITY), "");
        LLVMValueRef no = LLVMConstInt(e->i1, 0, 0);
        if (ir_attr_int(n, "detect_positive") == 0) pos = no;
        if (ir_attr_int(n, "detect_negative") == 0) neg = no;
        return cgl_bool_byte(e, LLVMBuildOr(b, pos, neg, ""));
    }
    case IR_OP_CLIP: {
        /* if (a < lo) a = lo; if (a > hi) a = hi; NaN passes through */
        LLVMValueRef a = r[0];
        LLVMTypeRef ft = LLVMTypeOf(a);
        for (int k = 0; k < 2; k++) {
            const IrAttr *at = ir_attr_find(n, k ? "max" : "min");
            if (!at) continue;
            LLVMValueRef bound = LLVMConstReal(ft, at->f);
            LLVMValueRef past = LLVMBuildFCmp(b, k ? LLVMRealOGT : LLVMRealOLT, a, bound, "");
            a = LLVMBuildSelect(b, past, bound, a, "");
        }
        return a;
    }
    default:
        KILN_ASSERT(!"refused by cgl_op_supported");
        return NULL;
    }
}
