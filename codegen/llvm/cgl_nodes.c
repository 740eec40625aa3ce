/* Node functions of the llvm backend: what it supports, and one internal function per node,
 * rendered from the node's kernel record. A node function takes its operands as i8* (present
 * inputs, then outputs), the KV state and the pool, and returns KILN_OK or the failing status.
 * A pointer parameter is noalias when its buffer provably overlaps no other operand of the node
 * (both in the workspace at disjoint ranges, or one in the read-only weights): what lets the
 * vectorizer work without runtime checks; the caller's buffers get no such promise. */
#include "cgl.h"
#include "../module_query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static IrDtype cgl_dt(const IrGraph *g, const IrNode *n, const CgOperand *o) {
    return ir_value(g, o->output ? n->outputs[o->slot] : n->inputs[o->slot])->type.dtype;
}

static bool cgl_refuse(char *reason, size_t cap, const char *why, IrDtype t) {
    snprintf(reason, cap, why, ir_dtype_name(t));
    return false;
}

/* A scalar program the parser renders, with finite parameters. */
static bool cgl_program_ok(const CgInstr *prog, int n, char *reason, size_t cap) {
    for (int j = 0; j < n; j++) {
        const IrScalarInfo *s = ir_scalar_info(prog[j].fn);
        if (!cgl_scalar_ok(prog[j].fn)) {
            snprintf(reason, cap, "the scalar function '%s' does not parse", s->mnemonic);
            return false;
        }
        for (int k = 0; k < s->n_params; k++)
            if (!isfinite(prog[j].params[k])) {
                snprintf(reason, cap, "the parameters of %s must be finite", s->mnemonic);
                return false;
            }
    }
    return true;
}

static bool cgl_loop_ok(const IrGraph *g, const IrNode *n, const CgLoop *l, char *reason,
                        size_t cap) {
    IrDtype out = cgl_dt(g, n, &l->operands[0]);
    switch (l->body) {
    case CG_BODY_COPY: /* every conversion of Cast (cgl_convert) */
        return true;
    case CG_BODY_OP: {
        IrDtype dt[CG_CALL_MAX_OPERANDS];
        for (int k = 0; k < l->n_operands; k++) dt[k] = cgl_dt(g, n, &l->operands[k]);
        return cgl_op_supported(g, n, dt, reason, cap);
    }
    case CG_BODY_PROGRAM:
        if (out != IR_DTYPE_F32 && out != IR_DTYPE_F64)
            return cgl_refuse(reason, cap, "elementwise arithmetic in %s (only f32 and f64 yet)",
                              out);
        for (int k = 1; k < l->n_operands; k++)
            if (cgl_dt(g, n, &l->operands[k]) != out)
                return cgl_refuse(reason, cap, "an operand of dtype %s unlike the output's",
                                  cgl_dt(g, n, &l->operands[k]));
        return cgl_program_ok(l->program, l->n_instrs, reason, cap);
    default:
        snprintf(reason, cap, "loop bodies of kind %s are not yet rendered",
                 l->body == CG_BODY_REDUCE ? "reduce" : "scan");
        return false;
    }
}

static bool cgl_call_ok(const IrGraph *g, const IrNode *n, const CgCall *c, char *reason,
                        size_t cap) {
    switch (c->id) {
    case CG_KRT_QUANTIZE:
    case CG_KRT_DEQUANTIZE:
    case CG_KRT_DYNAMIC_QUANTIZE_F32:
    case CG_KRT_MATMUL_INTEGER:
    case CG_KRT_QLINEAR_MATMUL:
    case CG_KRT_CONV_INTEGER:
    case CG_KRT_QLINEAR_CONV:
        snprintf(reason, cap, "the quantized kernel %s (not yet)", c->symbol);
        return false;
    case CG_KRT_LINEAR_WF:
    case CG_KRT_GATHER_WF:
    case CG_KRT_KV_ATTENTION_F16KV:
    case CG_KRT_KV_ATTENTION_BF16KV:
        snprintf(reason, cap,
                 "weights or a KV cache stored as f16/bf16/int (%s): f32 only yet (--weights f32)",
                 c->symbol);
        return false;
    default:
        break;
    }
    for (int k = 0; k < c->n_operands; k++) {
        const CgOperand *o = &c->operands[k];
        if (o->absent) continue;
        IrDtype t = cgl_dt(g, n, o);
        bool index = (c->id == CG_KRT_GATHER && k == 1) || (c->id == CG_KRT_ROTARY_F32 && k == 1);
        if (c->id == CG_KRT_GATHER && k != 1) continue; /* rows move as bytes */
        if (index && t != IR_DTYPE_I64 && t != IR_DTYPE_I32)
            return cgl_refuse(reason, cap, "index dtype %s (i32 and i64 only)", t);
        if (!index && t != IR_DTYPE_F32) return cgl_refuse(reason, cap, "dtype %s (f32 only)", t);
    }
    for (int i = 0; i < c->n_floats; i++)
        if (!isfinite(c->floats[i]) && c->id != CG_KRT_PAD_F32) {
            snprintf(reason, cap, "a kernel parameter that is not finite");
            return false;
        }
    if (c->epilogue)
        return cgl_program_ok(c->epilogue->program, c->epilogue->n_instrs, reason, cap);
    return true;
}

bool cgl_node_supported(const IrGraph *g, const IrNode *n, const CgKernel *k, char *reason,
                        size_t cap) {
    for (int io = 0; io < 2; io++) {
        int count = io ? n->n_outputs : n->n_inputs;
        for (int j = 0; j < count; j++) {
            int v = io ? n->outputs[j] : n->inputs[j];
            if (v >= 0 && !cg_value_has_home(g, v, reason, cap)) return false;
        }
    }
    if (k->kind == CG_KERNEL_NONE) {
        snprintf(reason, cap,
                 "the op has no kernel record (docs/architecture.md), which is all "
                 "the llvm backend renders");
        return false;
    }
    if (k->kind == CG_KERNEL_CALL) return cgl_call_ok(g, n, &k->call, reason, cap);
    for (int i = 0; i < k->n_loops; i++)
        if (!cgl_loop_ok(g, n, &k->loops[i], reason, cap)) return false;
    return true;
}

/* Where value v lives, for the noalias decision: 0 caller's buffer, 1 weights, 2 workspace. */
static int cgl_home(const CglEmitter *e, int v, int64_t *from, int64_t *to) {
    const IrGraph *g = e->g;
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) return 0;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return 0;
    if (e->m->weights.offsets[v] >= 0) return 1;
    size_t bytes = 0;
    KILN_ASSERT(ir_type_nbytes(&ir_value(g, v)->type, &bytes));
    *from = ir_value(g, v)->arena_offset;
    *to = *from + (int64_t)bytes;
    return 2;
}

static bool cgl_disjoint(const CglEmitter *e, int a, int b) {
    int64_t af = 0, at = 0, bf = 0, bt = 0;
    int ha = cgl_home(e, a, &af, &at), hb = cgl_home(e, b, &bf, &bt);
    if (ha == 0 || hb == 0) return false;
    if (ha == 1 || hb == 1) return ha != hb || a == b; /* weights are never written */
    return at <= bf || bt <= af;
}

bool cgl_node_define(CglEmitter *e, int i) {
    const IrGraph *g = e->g;
    const IrNode *n = &g->nodes[i];
    int *vals = malloc((size_t)(n->n_inputs + n->n_outputs) * sizeof *vals);
    KILN_ASSERT(vals != NULL);
    int np = 0;
    for (int j = 0; j < n->n_inputs; j++)
        if (n->inputs[j] >= 0) vals[np++] = n->inputs[j];
    for (int j = 0; j < n->n_outputs; j++) vals[np++] = n->outputs[j];
    LLVMTypeRef *pt = malloc((size_t)(np + 2) * sizeof *pt);
    KILN_ASSERT(pt != NULL);
    for (int j = 0; j < np + 2; j++) pt[j] = e->vp;
    LLVMTypeRef fty = LLVMFunctionType(e->i32, pt, (unsigned)(np + 2), 0);
    free(pt);
    char name[32];
    snprintf(name, sizeof name, "node_%d", i);
    LLVMValueRef fn = LLVMAddFunction(e->mod, name, fty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    e->node_fns[i] = fn;
    /* the origin as metadata: node 'NAME' (OP) from FILE */
    char origin[1024];
    const char *file = n->loc.file && *n->loc.file ? n->loc.file : g->source_path;
    snprintf(origin, sizeof origin, "node '%s' (%s)%s%s", n->loc.name ? n->loc.name : n->name,
             ir_op_info(n->op)->name, file && *file ? " from " : "", file && *file ? file : "");
    LLVMMetadataRef md = LLVMMDStringInContext2(e->cx, origin, strlen(origin));
    LLVMGlobalSetMetadata(fn, e->md_node, LLVMMDNodeInContext2(e->cx, &md, 1));
    unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    unsigned nocapture = LLVMGetEnumAttributeKindForName("nocapture", 9);
    for (int j = 0; j < np; j++) {
        bool alone = true;
        for (int k = 0; k < np && alone; k++)
            if (k != j && !cgl_disjoint(e, vals[j], vals[k])) alone = false;
        if (alone)
            LLVMAddAttributeAtIndex(fn, (unsigned)j + 1,
                                    LLVMCreateEnumAttribute(e->cx, noalias, 0));
        LLVMAddAttributeAtIndex(fn, (unsigned)j + 1, LLVMCreateEnumAttribute(e->cx, nocapture, 0));
    }
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->cx, fn, "entry");
    LLVMPositionBuilderAtEnd(e->b, entry);
    LLVMValueRef xs[64], ys[64];
    LLVMValueRef *x = n->n_inputs <= 64 ? xs : calloc((size_t)n->n_inputs, sizeof *x);
    LLVMValueRef *y = n->n_outputs <= 64 ? ys : calloc((size_t)n->n_outputs, sizeof *y);
    KILN_ASSERT(x && y);
    unsigned at = 0;
    for (int j = 0; j < n->n_inputs; j++) x[j] = n->inputs[j] >= 0 ? LLVMGetParam(fn, at++) : NULL;
    for (int j = 0; j < n->n_outputs; j++) y[j] = LLVMGetParam(fn, at++);
    CglArgs a = {x, y, LLVMGetParam(fn, at), LLVMGetParam(fn, at + 1)};
    const CgKernel *k = &e->m->kernels[i];
    if (k->kind == CG_KERNEL_CALL) {
        cgl_emit_call(e, n, &k->call, &a);
    } else {
        for (int l = 0; l < k->n_loops; l++) cgl_emit_loop(e, n, &k->loops[l], &a);
    }
    LLVMBuildRet(e->b, LLVMConstInt(e->i32, 0, 0));
    free(vals);
    if (x != xs) free(x);
    if (y != ys) free(y);
    return true;
}
