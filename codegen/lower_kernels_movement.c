/* Kernel records of data movement: copy loops over operand strides (Reshape, Transpose,
 * Concat, Split, Slice, Expand). Every dtype works: a copy moves elements of the value's type. */
#include "lower_kernels_internal.h"

#include <string.h>

/* Loop l copying over `over`: operand 0 output out_slot, operand 1 input in_slot, both
 * contiguous until the caller changes their strides or bases. */
static void cg_lk_copy(CgLoop *l, const IrType *over, int out_slot, int in_slot) {
    cg_lk_loop_init(l, over, 2, CG_BODY_COPY);
    cg_lk_operand(l, 0, out_slot, true, over);
    cg_lk_operand(l, 1, in_slot, false, over);
}

/* No loop when the memory plan gave the output the input's bytes (nothing to move); else one
 * flat copy of every element. */
bool cg_lk_reshape(CgLk *c) {
    const IrValue *in = ir_value(c->g, c->n->inputs[0]), *out = ir_value(c->g, c->n->outputs[0]);
    if (in->arena_offset >= 0 && in->arena_offset == out->arena_offset) {
        cg_lk_loops(c, 0);
        return true;
    }
    IrType flat = {out->type.dtype, 1, {{0}}};
    flat.dims[0] = ir_dim_const(cg_lk_numel(c, &out->type));
    cg_lk_copy(cg_lk_loops(c, 1), &flat, 0, 0);
    return true;
}

bool cg_lk_transpose(CgLk *c) {
    const IrType *in = cg_lk_in(c, 0), *out = cg_lk_out(c, 0);
    const IrAttr *perm = ir_attr_find(c->n, "perm");
    if (perm && perm->count != out->rank) return cg_lk_fail(c, "perm does not match the rank");
    if (in->rank != out->rank) return cg_lk_fail(c, "perm does not match the rank");
    int64_t in_strides[IR_MAX_RANK];
    cg_lk_strides(in, in_strides);
    int src[IR_MAX_RANK];
    for (int d = 0; d < out->rank; d++)
        if (!cg_lk_axis(perm ? perm->ints[d] : out->rank - 1 - d, out->rank, &src[d]))
            return cg_lk_fail(c, "perm names an axis out of range");
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_copy(l, out, 0, 0);
    for (int d = 0; d < out->rank; d++) l->operands[1].strides[d] = in_strides[src[d]];
    return true;
}

/* Concat and Split: one copy loop per piece along axis, into (or out of) the whole. */
static bool cg_lk_pieces(CgLk *c, bool split) {
    const IrType *whole = split ? cg_lk_in(c, 0) : cg_lk_out(c, 0);
    int axis;
    if (!cg_lk_axis(ir_attr_int(c->n, "axis"), whole->rank, &axis))
        return cg_lk_fail(c, "axis is out of range");
    int count = split ? c->n->n_outputs : c->n->n_inputs;
    for (int i = 0; i < count; i++)
        if ((split ? cg_lk_out(c, i) : cg_lk_in(c, i))->rank != whole->rank)
            return cg_lk_fail(c, "the pieces differ in rank");
    int64_t strides[IR_MAX_RANK];
    cg_lk_strides(whole, strides);
    CgLoop *loops = cg_lk_loops(c, count);
    int64_t at = 0; /* where along axis the current piece starts */
    for (int i = 0; i < count; i++) {
        const IrType *piece = split ? cg_lk_out(c, i) : cg_lk_in(c, i);
        CgLoop *l = &loops[i];
        cg_lk_copy(l, piece, split ? i : 0, split ? 0 : i);
        CgOperand *w = &l->operands[split ? 1 : 0];
        memcpy(w->strides, strides, sizeof strides);
        w->base = cg_lk_times(c, at, strides[axis]);
        at += piece->dims[axis].size;
    }
    return true;
}

bool cg_lk_concat(CgLk *c) {
    return cg_lk_pieces(c, false);
}
bool cg_lk_split(CgLk *c) {
    return cg_lk_pieces(c, true);
}

bool cg_lk_slice(CgLk *c) {
    const IrType *in = cg_lk_in(c, 0), *out = cg_lk_out(c, 0);
    const IrAttr *starts = ir_attr_find(c->n, "starts"), *ends = ir_attr_find(c->n, "ends");
    const IrAttr *axes = ir_attr_find(c->n, "axes"), *steps = ir_attr_find(c->n, "steps");
    if (!starts || !ends) return cg_lk_fail(c, "starts and ends are required");
    int count = starts->count;
    if (ends->count != count || (axes && axes->count != count) || (steps && steps->count != count))
        return cg_lk_fail(c, "starts, ends, axes and steps differ in length");
    if (in->rank != out->rank) return cg_lk_fail(c, "the output rank differs from the input's");
    int64_t in_strides[IR_MAX_RANK];
    cg_lk_strides(in, in_strides);
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_copy(l, out, 0, 0);
    CgOperand *src = &l->operands[1];
    memcpy(src->strides, in_strides, sizeof in_strides); /* untouched axes read everything */
    for (int i = 0; i < count; i++) {
        int axis;
        if (!cg_lk_axis(axes ? axes->ints[i] : i, in->rank, &axis))
            return cg_lk_fail(c, "a slice axis is out of range");
        int64_t step = steps ? steps->ints[i] : 1;
        if (step == 0 || step == INT64_MIN) return cg_lk_fail(c, "a slice step is 0");
        int64_t first = 0;
        int64_t taken =
            ir_slice_axis(in->dims[axis].size, starts->ints[i], ends->ints[i], step, &first);
        if (taken != out->dims[axis].size)
            return cg_lk_fail(c, "the output shape does not match the slice");
        src->base += cg_lk_times(c, first, in_strides[axis]);
        src->strides[axis] = cg_lk_times(c, in_strides[axis], step);
    }
    return true;
}

bool cg_lk_expand(CgLk *c) {
    cg_lk_elementwise(c, 1, CG_BODY_COPY);
    return true;
}
