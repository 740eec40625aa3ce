/* Helpers the per-op kernel-record lowerers share (codegen/lower_kernels_internal.h): operand
 * types, checked sizes, strides, and building loops and calls. */
#include "lower_kernels_internal.h"

#include <stdlib.h>
#include <string.h>

static const CgKernelInfo cg_kernel_table[] = {
#define CG_KERNEL_ROW(E, sym, pool, ops, params) {sym, pool, ops, params},
    CG_KERNELS(CG_KERNEL_ROW)
#undef CG_KERNEL_ROW
};

const CgKernelInfo *cg_kernel_info(CgKernelId id) {
    KILN_ASSERT((unsigned)id < CG_KRT_COUNT);
    return &cg_kernel_table[id];
}

bool cg_lk_fail(CgLk *c, const char *msg) {
    snprintf(c->why, c->cap, "%s", msg);
    return false;
}

const IrType *cg_lk_in(const CgLk *c, int slot) {
    KILN_ASSERT(slot < c->n->n_inputs && c->n->inputs[slot] >= 0);
    return &ir_value(c->g, c->n->inputs[slot])->type;
}

const IrType *cg_lk_out(const CgLk *c, int slot) {
    KILN_ASSERT(slot < c->n->n_outputs);
    return &ir_value(c->g, c->n->outputs[slot])->type;
}

bool cg_lk_has(const CgLk *c, int slot) {
    return slot < c->n->n_inputs && c->n->inputs[slot] >= 0;
}

int64_t cg_lk_times(CgLk *c, int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        c->overflow = true;
        return 0;
    }
    return r;
}

int64_t cg_lk_prod(CgLk *c, const IrType *t, int from, int to) {
    int64_t p = 1;
    for (int d = from; d < to; d++) p = cg_lk_times(c, p, t->dims[d].size);
    return p;
}

int64_t cg_lk_numel(CgLk *c, const IrType *t) {
    return cg_lk_prod(c, t, 0, t->rank);
}

bool cg_lk_axis(int64_t axis, int rank, int *out) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    *out = (int)axis;
    return true;
}

void cg_lk_strides(const IrType *t, int64_t *strides) {
    int64_t s = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= t->dims[i].size; /* the node's sizes were checked to fit (cg_lower_kernel) */
    }
}

void cg_lk_broadcast_strides(const IrType *in, const IrType *out, int64_t *strides) {
    int64_t own[IR_MAX_RANK];
    cg_lk_strides(in, own);
    int lead = out->rank - in->rank;
    for (int d = 0; d < out->rank; d++) {
        int k = d - lead;
        strides[d] = (k < 0 || in->dims[k].size == 1) ? 0 : own[k];
    }
}

bool cg_lk_overlap(const IrGraph *g, int va, int vb) {
    const IrValue *a = ir_value(g, va), *b = ir_value(g, vb);
    if (a->arena_offset < 0 || b->arena_offset < 0) return false;
    size_t na = 0, nb = 0;
    KILN_ASSERT(ir_type_nbytes(&a->type, &na) && ir_type_nbytes(&b->type, &nb));
    int64_t a0 = a->arena_offset, a1 = a0 + (int64_t)na;
    int64_t b0 = b->arena_offset, b1 = b0 + (int64_t)nb;
    return a0 < b1 && b0 < a1;
}

CgLoop *cg_lk_loops(CgLk *c, int n) {
    c->k->kind = CG_KERNEL_LOOP;
    c->k->n_loops = n;
    c->k->loops = calloc((size_t)(n > 0 ? n : 1), sizeof *c->k->loops);
    KILN_ASSERT(c->k->loops != NULL);
    return c->k->loops;
}

void cg_lk_loop_init(CgLoop *l, const IrType *over, int n_operands, CgLoopBody body) {
    l->rank = over->rank;
    for (int d = 0; d < over->rank; d++) l->dims[d] = over->dims[d].size;
    l->n_operands = n_operands;
    l->operands = calloc((size_t)n_operands, sizeof *l->operands);
    KILN_ASSERT(l->operands != NULL);
    l->body = body;
}

void cg_lk_operand(CgLoop *l, int k, int slot, bool output, const IrType *t) {
    CgOperand *o = &l->operands[k];
    o->slot = slot;
    o->output = output;
    cg_lk_strides(t, o->strides);
}

void cg_lk_operand_bcast(const CgLk *c, CgLoop *l, int k, int slot, const IrType *out) {
    CgOperand *o = &l->operands[k];
    o->slot = slot;
    cg_lk_broadcast_strides(cg_lk_in(c, slot), out, o->strides);
}

CgLoop *cg_lk_elementwise(CgLk *c, int n_in, CgLoopBody body) {
    const IrType *out = cg_lk_out(c, 0);
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_loop_init(l, out, 1 + n_in, body);
    cg_lk_operand(l, 0, 0, true, out);
    for (int i = 0; i < n_in; i++) cg_lk_operand_bcast(c, l, 1 + i, i, out);
    return l;
}

CgCall *cg_lk_call(CgLk *c, CgKernelId id) {
    c->k->kind = CG_KERNEL_CALL;
    CgCall *call = &c->k->call;
    call->id = id;
    snprintf(call->symbol, sizeof call->symbol, "%s", cg_kernel_info(id)->symbol);
    return call;
}

CgOperand *cg_lk_arg(CgLk *c, int slot, bool output) {
    CgCall *call = &c->k->call;
    KILN_ASSERT(call->n_operands < CG_CALL_MAX_OPERANDS);
    CgOperand *o = &call->operands[call->n_operands++];
    o->slot = slot;
    o->output = output;
    o->absent = !output && !cg_lk_has(c, slot);
    return o;
}

void cg_lk_param(CgLk *c, int64_t v) {
    CgCall *call = &c->k->call;
    KILN_ASSERT(call->n_params < CG_CALL_MAX_PARAMS);
    call->params[call->n_params++] = v;
}

void cg_lk_float(CgLk *c, double v) {
    CgCall *call = &c->k->call;
    KILN_ASSERT(call->n_floats < CG_CALL_MAX_FLOATS);
    call->floats[call->n_floats++] = v;
}

bool cg_lk_window(CgLk *c, int ix, const int64_t *kernel) {
    const IrType *x = cg_lk_in(c, ix);
    if (x->rank < 3 || x->rank > 2 + IR_CNN_MAX_SPATIAL)
        return cg_lk_fail(c, "needs 1 to 3 spatial dims");
    int64_t in[IR_CNN_MAX_SPATIAL];
    for (int k = 2; k < x->rank; k++) in[k - 2] = x->dims[k].size;
    IrCnnWindow w;
    const char *why = ir_cnn_window(c->n, x->rank - 2, in, kernel, &w);
    if (why) return cg_lk_fail(c, why);
    for (int k = w.n_spatial; k < IR_CNN_MAX_SPATIAL; k++) {
        w.in[k] = w.out[k] = w.kernel[k] = w.stride[k] = w.dilation[k] = 1;
        w.pad_begin[k] = w.pad_end[k] = 0;
    }
    const int64_t *fields[] = {w.in, w.out, w.kernel, w.stride, w.dilation, w.pad_begin, w.pad_end};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < IR_CNN_MAX_SPATIAL; k++) cg_lk_param(c, fields[i][k]);
    return true;
}

void cg_lk_symbol(CgLk *c) {
    CgCall *call = &c->k->call;
    const char *ops = cg_kernel_info(call->id)->operands;
    size_t len = strlen(call->symbol);
    int k = 0; /* operand index of the name being read */
    for (const char *p = ops; *p; p++) {
        if (*p == ' ') k++;
        if (*p != '@') continue;
        const CgOperand *o = &call->operands[k];
        int v = o->output ? c->n->outputs[o->slot] : c->n->inputs[o->slot];
        len += (size_t)snprintf(call->symbol + len, sizeof call->symbol - len, "%s",
                                ir_dtype_name(ir_value(c->g, v)->type.dtype));
        KILN_ASSERT(len < sizeof call->symbol);
    }
}

bool cg_lk_program(CgLk *c, CgLoop *l, int n_loads) {
    const IrAttr *prog = ir_attr_find(c->n, "program");
    const IrAttr *consts = ir_attr_find(c->n, "constants");
    if (!prog || prog->count % 3 != 0 || prog->count == 0)
        return cg_lk_fail(c, "the fused program is malformed");
    l->body = CG_BODY_PROGRAM;
    l->n_instrs = prog->count / 3;
    l->program = calloc((size_t)l->n_instrs, sizeof *l->program);
    KILN_ASSERT(l->program != NULL);
    for (int j = 0; j < l->n_instrs; j++) {
        int64_t op = prog->ints[3 * j], slot[2] = {prog->ints[3 * j + 1], prog->ints[3 * j + 2]};
        if (op < 0 || op >= IR_FUSED_OPCODE_COUNT) return cg_lk_fail(c, "bad fused opcode");
        CgInstr *in = &l->program[j];
        in->fn = (IrScalar)op;
        int *reg[2] = {&in->a, &in->b};
        for (int i = 0; i < 2; i++) {
            *reg[i] = -1;
            if (ir_fused_slot_is_reg(op, i)) {
                if (slot[i] < 0 || slot[i] >= n_loads + j)
                    return cg_lk_fail(c, "a fused instruction reads a register not yet written");
                *reg[i] = (int)slot[i];
            }
            if (ir_fused_slot_is_param(op, i)) {
                if (!consts || slot[i] < 0 || slot[i] >= consts->count)
                    return cg_lk_fail(c, "a fused instruction names a missing constant");
                in->params[0] = consts->floats[slot[i]];
            }
        }
    }
    return true;
}

void cg_lk_one_instr(CgLk *c, CgLoop *l, IrScalar fn) {
    l->body = CG_BODY_PROGRAM;
    l->n_instrs = 1;
    l->program = calloc(1, sizeof *l->program);
    KILN_ASSERT(l->program != NULL);
    CgInstr *in = &l->program[0];
    in->fn = fn;
    in->a = 0;
    in->b = ir_scalar_info(fn)->arity == 2 ? 1 : -1;
    ir_scalar_node_params(c->n, in->params);
}
