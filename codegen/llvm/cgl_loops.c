/* The loop records of the module (CG_KERNEL_LOOP, codegen/module.h) as LLVM loop nests: dims of
 * 1 dropped and dims contiguous for every operand merged (as the C backend does), each operand
 * addressed at base + sum index_d x stride_d elements, the innermost loop unit-stride where the
 * strides allow, so the loop vectorizer sees a plain counted loop over noalias pointers. Bodies:
 * COPY (with Cast's conversions), OP (cgl_elem.c) and PROGRAM (a scalar program of ir/scalar.h
 * rows in f32 or f64). */
#include "cgl.h"

#include <stdlib.h>
#include <string.h>

LLVMValueRef cgl_operand_at(CglEmitter *e, const CglArgs *a, const CgOperand *o, IrDtype t,
                            LLVMValueRef idx) {
    LLVMValueRef base = o->output ? a->y[o->slot] : a->x[o->slot];
    KILN_ASSERT(base != NULL);
    LLVMTypeRef et = cgl_elem_type(e, t);
    LLVMValueRef p = LLVMBuildBitCast(e->b, base, LLVMPointerType(et, 0), "");
    return LLVMBuildInBoundsGEP2(e->b, et, p, &idx, 1, "");
}

LLVMValueRef cgl_for_begin(CglEmitter *e, CglFor *f, LLVMValueRef from, LLVMValueRef to,
                           LLVMValueRef step) {
    LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInsertBlock(e->b));
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(e->b);
    f->head = LLVMAppendBasicBlockInContext(e->cx, fn, "loop");
    f->body = LLVMAppendBasicBlockInContext(e->cx, fn, "body");
    f->exit = LLVMAppendBasicBlockInContext(e->cx, fn, "done");
    f->step = step;
    LLVMBuildBr(e->b, f->head);
    LLVMPositionBuilderAtEnd(e->b, f->head);
    f->i = LLVMBuildPhi(e->b, e->i64, "i");
    LLVMAddIncoming(f->i, &from, &pre, 1);
    LLVMValueRef more = LLVMBuildICmp(e->b, LLVMIntSLT, f->i, to, "");
    LLVMBuildCondBr(e->b, more, f->body, f->exit);
    LLVMPositionBuilderAtEnd(e->b, f->body);
    return f->i;
}

void cgl_for_end(CglEmitter *e, CglFor *f) {
    LLVMValueRef next = LLVMBuildNSWAdd(e->b, f->i, f->step, "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(e->b);
    LLVMAddIncoming(f->i, &next, &latch, 1);
    LLVMBuildBr(e->b, f->head);
    LLVMPositionBuilderAtEnd(e->b, f->exit);
}

/* A loop record's nest with dims of 1 dropped and contiguous neighbours merged. */
typedef struct CglNest {
    int rank;
    int64_t dims[IR_MAX_RANK];
    int64_t strides[CG_CALL_MAX_OPERANDS][IR_MAX_RANK];
} CglNest;

static void cgl_nest_of(const CgLoop *l, CglNest *n) {
    memset(n, 0, sizeof *n);
    KILN_ASSERT(l->n_operands <= CG_CALL_MAX_OPERANDS);
    for (int d = 0; d < l->rank; d++) {
        if (l->dims[d] == 1) continue;
        int r = n->rank;
        /* a reversed loop keeps its dims: reversal is per dim */
        bool merge = r > 0 && !l->reverse;
        for (int k = 0; k < l->n_operands && merge; k++)
            if (n->strides[k][r - 1] != l->operands[k].strides[d] * l->dims[d]) merge = false;
        if (merge) {
            n->dims[r - 1] *= l->dims[d];
            for (int k = 0; k < l->n_operands; k++)
                n->strides[k][r - 1] = l->operands[k].strides[d];
        } else {
            n->dims[r] = l->dims[d];
            for (int k = 0; k < l->n_operands; k++) n->strides[k][r] = l->operands[k].strides[d];
            n->rank++;
        }
    }
}

/* The body at one point: idx[k] is operand k's element index. */
static void cgl_body(CglEmitter *e, const IrNode *n, const CgLoop *l, const CglArgs *a,
                     LLVMValueRef *idx) {
    const IrGraph *g = e->g;
    IrDtype dt[CG_CALL_MAX_OPERANDS];
    for (int k = 0; k < l->n_operands; k++) {
        const CgOperand *o = &l->operands[k];
        int v = o->output ? n->outputs[o->slot] : n->inputs[o->slot];
        dt[k] = ir_value(g, v)->type.dtype;
    }
    LLVMValueRef out = cgl_operand_at(e, a, &l->operands[0], dt[0], idx[0]);
    LLVMTypeRef ot = cgl_elem_type(e, dt[0]);
    if (l->body == CG_BODY_COPY) {
        LLVMValueRef src = cgl_operand_at(e, a, &l->operands[1], dt[1], idx[1]);
        LLVMValueRef v = LLVMBuildLoad2(e->b, cgl_elem_type(e, dt[1]), src, "");
        LLVMBuildStore(e->b, cgl_convert(e, v, dt[1], dt[0]), out);
        return;
    }
    if (l->body == CG_BODY_OP) {
        LLVMValueRef r[CG_CALL_MAX_OPERANDS];
        for (int k = 1; k < l->n_operands; k++)
            r[k - 1] = LLVMBuildLoad2(e->b, cgl_elem_type(e, dt[k]),
                                      cgl_operand_at(e, a, &l->operands[k], dt[k], idx[k]), "");
        LLVMBuildStore(e->b, cgl_op_build(e, n, dt, r), out);
        return;
    }
    KILN_ASSERT(l->body == CG_BODY_PROGRAM);
    int n_loads = l->n_operands - 1;
    int n_regs = n_loads + l->n_instrs;
    LLVMValueRef *regs = calloc((size_t)n_regs, sizeof *regs);
    KILN_ASSERT(regs != NULL);
    for (int k = 1; k < l->n_operands; k++) {
        LLVMValueRef src = cgl_operand_at(e, a, &l->operands[k], dt[k], idx[k]);
        regs[k - 1] = LLVMBuildLoad2(e->b, ot, src, "");
    }
    for (int j = 0; j < l->n_instrs; j++) {
        const CgInstr *in = &l->program[j];
        LLVMValueRef ops[2] = {in->a >= 0 ? regs[in->a] : NULL, in->b >= 0 ? regs[in->b] : NULL};
        regs[n_loads + j] = cgl_scalar_build(e, in->fn, ot, ops, in->params);
    }
    LLVMBuildStore(e->b, regs[n_regs - 1], out);
    free(regs);
}

void cgl_emit_loop(CglEmitter *e, const IrNode *n, const CgLoop *l, const CglArgs *a) {
    for (int d = 0; d < l->rank; d++)
        if (l->dims[d] == 0) return;
    CglNest nest;
    cgl_nest_of(l, &nest);
    CglFor loops[IR_MAX_RANK];
    LLVMValueRef iv[IR_MAX_RANK];
    for (int d = 0; d < nest.rank; d++) {
        LLVMValueRef i = cgl_for_begin(e, &loops[d], LLVMConstInt(e->i64, 0, 0),
                                       LLVMConstInt(e->i64, (unsigned long long)nest.dims[d], 1),
                                       LLVMConstInt(e->i64, 1, 0));
        /* reverse: the points last to first, so an in-place widening never reads a written one */
        iv[d] =
            l->reverse
                ? LLVMBuildSub(e->b, LLVMConstInt(e->i64, (unsigned long long)nest.dims[d] - 1, 1),
                               i, "")
                : i;
    }
    LLVMValueRef idx[CG_CALL_MAX_OPERANDS];
    for (int k = 0; k < l->n_operands; k++) {
        LLVMValueRef at = LLVMConstInt(e->i64, (unsigned long long)l->operands[k].base, 1);
        for (int d = 0; d < nest.rank; d++) {
            if (nest.strides[k][d] == 0) continue;
            LLVMValueRef s = LLVMConstInt(e->i64, (unsigned long long)nest.strides[k][d], 1);
            at = LLVMBuildNSWAdd(e->b, at, LLVMBuildNSWMul(e->b, iv[d], s, ""), "");
        }
        idx[k] = at;
    }
    cgl_body(e, n, l, a, idx);
    for (int d = nest.rank - 1; d >= 0; d--) cgl_for_end(e, &loops[d]);
}
