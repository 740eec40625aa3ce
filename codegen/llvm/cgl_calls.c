/* Call records (CG_KERNEL_CALL, codegen/module.h) as calls of the call adapters
 * (codegen/llvm/rt/cgl_adapters.c): the operand pointers, params and floats stored into arrays
 * on the stack, which the optimizer turns back into constants once the adapter is inlined. A
 * batch (MatMul's batch dims) is a loop nest around the call; a FusedLinear / FusedNorm
 * epilogue runs on each block of row_block rows right after the kernel wrote it. A failing
 * status returns from the node function at once. */
#include "cgl.h"

#include <stdlib.h>
#include <string.h>

/* The adapter of record c ("cgl_call_<name>"), or NULL when the llvm backend has none. */
static const char *cgl_adapter_name(CgKernelId id) {
    switch (id) {
    case CG_KRT_MATMUL_F32:
        return "matmul_f32";
    case CG_KRT_LINEAR_F32:
        return "linear_f32";
    case CG_KRT_SOFTMAX_F32:
        return "softmax_f32";
    case CG_KRT_LAYERNORM_F32:
        return "layernorm_f32";
    case CG_KRT_RMSNORM_F32:
        return "rmsnorm_f32";
    case CG_KRT_ROTARY_F32:
        return "rotary_f32";
    case CG_KRT_ATTENTION_F32:
        return "attention_f32";
    case CG_KRT_KV_ATTENTION_F32:
        return "kv_attention_f32";
    case CG_KRT_CONV_F32:
        return "conv_f32";
    case CG_KRT_POOL_F32:
        return "pool_f32";
    case CG_KRT_GLOBAL_POOL_F32:
        return "global_pool_f32";
    case CG_KRT_BATCHNORM_F32:
        return "batchnorm_f32";
    case CG_KRT_INSTANCENORM_F32:
        return "instancenorm_f32";
    case CG_KRT_PAD_F32:
        return "pad_f32";
    case CG_KRT_RESIZE_F32:
        return "resize_f32";
    case CG_KRT_GATHER:
        return "gather_"; /* completed by the index dtype */
    default:
        return NULL;
    }
}

static IrDtype cgl_operand_dtype(const CglEmitter *e, const IrNode *n, const CgOperand *o) {
    return ir_value(e->g, o->output ? n->outputs[o->slot] : n->inputs[o->slot])->type.dtype;
}

/* An alloca of count elements of t at the top of the function (where SROA finds it). */
static LLVMValueRef cgl_entry_alloca(CglEmitter *e, LLVMTypeRef t, int count) {
    LLVMBasicBlockRef here = LLVMGetInsertBlock(e->b);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(LLVMGetBasicBlockParent(here));
    LLVMBuilderRef b = LLVMCreateBuilderInContext(e->cx);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first)
        LLVMPositionBuilderBefore(b, first);
    else
        LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef a = LLVMBuildAlloca(b, LLVMArrayType(t, (unsigned)(count > 0 ? count : 1)), "");
    LLVMDisposeBuilder(b);
    return a;
}

static void cgl_store_at(CglEmitter *e, LLVMTypeRef t, LLVMValueRef arr, int count, int i,
                         LLVMValueRef v) {
    LLVMValueRef idx[2] = {LLVMConstInt(e->i64, 0, 0), LLVMConstInt(e->i64, (unsigned)i, 0)};
    LLVMValueRef p =
        LLVMBuildInBoundsGEP2(e->b, LLVMArrayType(t, (unsigned)count), arr, idx, 2, "");
    LLVMBuildStore(e->b, v, p);
}

/* Returns from the node function with st unless it is KILN_OK. */
static void cgl_check_status(CglEmitter *e, LLVMValueRef st) {
    LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInsertBlock(e->b));
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(e->cx, fn, "fail");
    LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(e->cx, fn, "ok");
    LLVMValueRef bad = LLVMBuildICmp(e->b, LLVMIntNE, st, LLVMConstInt(e->i32, 0, 0), "");
    LLVMBuildCondBr(e->b, bad, fail, next);
    LLVMPositionBuilderAtEnd(e->b, fail);
    LLVMBuildRet(e->b, st);
    LLVMPositionBuilderAtEnd(e->b, next);
}

/* The adapter call with the operand pointers in x (operand k at element offset off[k], i64),
 * the params array p (i64[n_params]) and the floats. */
static void cgl_call_once(CglEmitter *e, const IrNode *n, const CgCall *c, const CglArgs *a,
                          LLVMValueRef fn, LLVMValueRef *off, LLVMValueRef p, LLVMValueRef fl) {
    LLVMTypeRef fty = LLVMGlobalGetValueType(fn);
    LLVMTypeRef pt[6];
    LLVMGetParamTypes(fty, pt);
    LLVMValueRef x = cgl_entry_alloca(e, e->vp, c->n_operands);
    for (int k = 0; k < c->n_operands; k++) {
        const CgOperand *o = &c->operands[k];
        LLVMValueRef v = LLVMConstNull(e->vp);
        if (!o->absent)
            v = LLVMBuildBitCast(e->b, cgl_operand_at(e, a, o, cgl_operand_dtype(e, n, o), off[k]),
                                 e->vp, "");
        cgl_store_at(e, e->vp, x, c->n_operands, k, v);
    }
    int64_t aux = 0;
    if (c->id == CG_KRT_GATHER)
        aux = (int64_t)ir_dtype_size(cgl_operand_dtype(e, n, &c->operands[0]));
    if (c->id == CG_KRT_ROTARY_F32 && !c->operands[1].absent)
        aux = cgl_operand_dtype(e, n, &c->operands[1]) == IR_DTYPE_I64 ? 64 : 32;
    LLVMValueRef zero[2] = {LLVMConstInt(e->i64, 0, 0), LLVMConstInt(e->i64, 0, 0)};
    LLVMValueRef args[6] = {
        LLVMBuildBitCast(e->b, a->pool, pt[0], ""),
        LLVMBuildBitCast(
            e->b,
            LLVMBuildInBoundsGEP2(
                e->b, LLVMArrayType(e->vp, (unsigned)(c->n_operands > 0 ? c->n_operands : 1)), x,
                zero, 2, ""),
            pt[1], ""),
        LLVMBuildBitCast(e->b, p, pt[2], ""),
        LLVMBuildBitCast(e->b, fl, pt[3], ""),
        LLVMBuildBitCast(e->b, a->kv, pt[4], ""),
        LLVMConstInt(e->i64, (unsigned long long)aux, 1),
    };
    cgl_check_status(e, LLVMBuildCall2(e->b, fty, fn, args, 6, ""));
}

/* An i64 array of the record's params (and a double array of its floats), as i8*-typed stack
 * arrays; the first stays writable for the epilogue's row count. */
static LLVMValueRef cgl_params(CglEmitter *e, const CgCall *c) {
    LLVMValueRef p = cgl_entry_alloca(e, e->i64, c->n_params);
    for (int i = 0; i < c->n_params; i++)
        cgl_store_at(e, e->i64, p, c->n_params, i,
                     LLVMConstInt(e->i64, (unsigned long long)c->params[i], 1));
    return p;
}

static LLVMValueRef cgl_floats(CglEmitter *e, const CgCall *c) {
    LLVMValueRef f = cgl_entry_alloca(e, e->f64, c->n_floats);
    for (int i = 0; i < c->n_floats; i++)
        cgl_store_at(e, e->f64, f, c->n_floats, i, LLVMConstReal(e->f64, c->floats[i]));
    return f;
}

static LLVMValueRef cgl_i64(const CglEmitter *e, int64_t v) {
    return LLVMConstInt(e->i64, (unsigned long long)v, 1);
}

/* FusedLinear / FusedNorm: per block of rows the kernel on those rows, then the epilogue
 * program over their elements (r0 the kernel's result, r1.. the epilogue inputs read whole, per
 * feature (index % N) or as one element). */
static void cgl_call_epilogue(CglEmitter *e, const IrNode *n, const CgCall *c, const CglArgs *a,
                              LLVMValueRef fn, LLVMValueRef p, LLVMValueRef fl) {
    const CgLoop *l = c->epilogue;
    bool linear = c->id == CG_KRT_LINEAR_F32;
    int64_t rows = c->params[0], in_len = c->params[1], len = linear ? c->params[2] : c->params[1];
    if (rows == 0 || len == 0) return;
    CglFor rf;
    LLVMValueRef row =
        cgl_for_begin(e, &rf, cgl_i64(e, 0), cgl_i64(e, rows), cgl_i64(e, c->row_block));
    LLVMValueRef left = LLVMBuildSub(e->b, cgl_i64(e, rows), row, "");
    LLVMValueRef short_block = LLVMBuildICmp(e->b, LLVMIntSLT, left, cgl_i64(e, c->row_block), "");
    LLVMValueRef count = LLVMBuildSelect(e->b, short_block, left, cgl_i64(e, c->row_block), "");
    LLVMValueRef idx0[2] = {LLVMConstInt(e->i64, 0, 0), LLVMConstInt(e->i64, 0, 0)};
    LLVMBuildStore(
        e->b, count,
        LLVMBuildInBoundsGEP2(e->b, LLVMArrayType(e->i64, (unsigned)c->n_params), p, idx0, 2, ""));
    LLVMValueRef off[CG_CALL_MAX_OPERANDS];
    for (int k = 0; k < c->n_operands; k++) {
        int64_t per_row = k == 0 ? in_len : c->operands[k].output ? len : 0;
        off[k] = LLVMBuildNSWAdd(e->b, cgl_i64(e, c->operands[k].base),
                                 LLVMBuildNSWMul(e->b, row, cgl_i64(e, per_row), ""), "");
    }
    cgl_call_once(e, n, c, a, fn, off, p, fl);
    /* the epilogue over flat elements [row * len, (row + count) * len) */
    LLVMValueRef from = LLVMBuildNSWMul(e->b, row, cgl_i64(e, len), "");
    LLVMValueRef to =
        LLVMBuildNSWMul(e->b, LLVMBuildNSWAdd(e->b, row, count, ""), cgl_i64(e, len), "");
    CglFor ef;
    LLVMValueRef i = cgl_for_begin(e, &ef, from, to, cgl_i64(e, 1));
    int n_loads = l->n_operands - 1, n_regs = n_loads + l->n_instrs;
    LLVMValueRef regs[CG_CALL_MAX_OPERANDS + 64];
    LLVMValueRef *rp =
        n_regs <= (int)(sizeof regs / sizeof regs[0]) ? regs : calloc((size_t)n_regs, sizeof *rp);
    KILN_ASSERT(rp != NULL);
    LLVMValueRef out = cgl_operand_at(e, a, &l->operands[0], IR_DTYPE_F32, i);
    rp[0] = LLVMBuildLoad2(e->b, e->f32, out, "");
    for (int k = 2; k < l->n_operands; k++) {
        const CgOperand *o = &l->operands[k];
        LLVMValueRef at = o->strides[1] == 0   ? cgl_i64(e, 0)
                          : o->strides[0] == 0 ? LLVMBuildSRem(e->b, i, cgl_i64(e, l->dims[1]), "")
                                               : i;
        CgOperand plain = *o;
        plain.base = 0;
        rp[k - 1] =
            LLVMBuildLoad2(e->b, e->f32, cgl_operand_at(e, a, &plain, IR_DTYPE_F32, at), "");
    }
    for (int j = 0; j < l->n_instrs; j++) {
        const CgInstr *in = &l->program[j];
        LLVMValueRef ops[2] = {in->a >= 0 ? rp[in->a] : NULL, in->b >= 0 ? rp[in->b] : NULL};
        rp[n_loads + j] = cgl_scalar_build(e, in->fn, e->f32, ops, in->params);
    }
    LLVMBuildStore(e->b, rp[n_regs - 1], out);
    if (rp != regs) free(rp);
    cgl_for_end(e, &ef);
    cgl_for_end(e, &rf);
}

LLVMValueRef cgl_emit_call(CglEmitter *e, const IrNode *n, const CgCall *c, const CglArgs *a) {
    char sym[64];
    const char *name = cgl_adapter_name(c->id);
    KILN_ASSERT(name != NULL); /* supports() refused the others */
    if (c->id == CG_KRT_GATHER)
        snprintf(sym, sizeof sym, "cgl_call_gather_%s",
                 ir_dtype_name(cgl_operand_dtype(e, n, &c->operands[1])));
    else
        snprintf(sym, sizeof sym, "cgl_call_%s", name);
    LLVMValueRef fn = cgl_runtime_fn(e, sym);
    LLVMValueRef p = cgl_params(e, c), fl = cgl_floats(e, c);
    if (c->epilogue) {
        cgl_call_epilogue(e, n, c, a, fn, p, fl);
        return LLVMConstInt(e->i32, 0, 0);
    }
    for (int d = 0; d < c->batch_rank; d++)
        if (c->batch_dims[d] == 0) return LLVMConstInt(e->i32, 0, 0);
    /* MatMul with an empty product writes nothing (the C backend skips the call too) */
    if (c->id == CG_KRT_MATMUL_F32 && (c->params[0] == 0 || c->params[2] == 0))
        return LLVMConstInt(e->i32, 0, 0);
    CglFor loops[IR_MAX_RANK];
    LLVMValueRef iv[IR_MAX_RANK];
    for (int d = 0; d < c->batch_rank; d++)
        iv[d] =
            cgl_for_begin(e, &loops[d], cgl_i64(e, 0), cgl_i64(e, c->batch_dims[d]), cgl_i64(e, 1));
    LLVMValueRef off[CG_CALL_MAX_OPERANDS];
    for (int k = 0; k < c->n_operands; k++) {
        off[k] = cgl_i64(e, c->operands[k].base);
        for (int d = 0; d < c->batch_rank; d++)
            if (c->operands[k].strides[d] != 0)
                off[k] = LLVMBuildNSWAdd(
                    e->b, off[k],
                    LLVMBuildNSWMul(e->b, iv[d], cgl_i64(e, c->operands[k].strides[d]), ""), "");
    }
    cgl_call_once(e, n, c, a, fn, off, p, fl);
    for (int d = c->batch_rank - 1; d >= 0; d--) cgl_for_end(e, &loops[d]);
    return LLVMConstInt(e->i32, 0, 0);
}
