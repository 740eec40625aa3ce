/* Kernel records of the reductions and the ops along one axis: one loop over the output in its
 * keepdims shape with a REDUCE body over the reduced dims (Reduce, ArgMax, ArgMin), or one loop
 * over every dim but the axis with a SCAN body along it (CumSum, LogSoftmax, Hardmax). x is
 * row-major; so is the output, whose strides skip the reduced dims (keepdims or not, the
 * elements are in the same order). */
#include "lower_kernels_internal.h"

/* The one loop of body `body` over x's dims: operand 0 the output, operand 1 x, both with x's
 * row-major strides (the callers then reduce dims), and its reduction fn. */
static CgLoop *cg_lk_reduce_init(CgLk *c, CgLoopBody body, CgReduceFn fn) {
    const IrType *x = cg_lk_in(c, 0);
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_loop_init(l, x, 2, body);
    cg_lk_operand(l, 0, 0, true, x);
    cg_lk_operand(l, 1, 0, false, x);
    l->reduce.fn = fn;
    return l;
}

/* The loop over x[rank] with the dims of mask reduced: operand 0 the output (contiguous over
 * the kept dims), operand 1 x (its strides on the kept dims); reduce.dims and reduce.strides
 * list the masked dims outermost first. */
static CgReduce *cg_lk_reduce_loop(CgLk *c, const bool *mask, CgReduceFn fn) {
    const IrType *x = cg_lk_in(c, 0);
    CgLoop *l = cg_lk_reduce_init(c, CG_BODY_REDUCE, fn);
    CgReduce *r = &l->reduce;
    r->count = 1;
    int64_t xs[IR_MAX_RANK], s = 1;
    cg_lk_strides(x, xs);
    for (int d = x->rank - 1; d >= 0; d--) {
        l->dims[d] = mask[d] ? 1 : x->dims[d].size;
        l->operands[0].strides[d] = mask[d] ? 0 : s;
        l->operands[1].strides[d] = mask[d] ? 0 : xs[d];
        if (!mask[d]) s = cg_lk_times(c, s, x->dims[d].size);
    }
    for (int d = 0; d < x->rank; d++) {
        if (!mask[d]) continue;
        r->dims[r->rank] = x->dims[d].size;
        r->strides[r->rank++] = xs[d];
        r->count = cg_lk_times(c, r->count, x->dims[d].size);
    }
    return r;
}

bool cg_lk_reduce(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0);
    int fn = ir_math_reduce_fn(ir_attr_string(c->n, "fn"));
    if (fn < 0) return cg_lk_fail(c, "unknown Reduce fn");
    bool mask[IR_MAX_RANK];
    const IrAttr *axes = ir_attr_find(c->n, "axes");
    for (int d = 0; d < x->rank; d++) mask[d] = axes == NULL;
    for (int i = 0; axes && i < axes->count; i++) {
        int a;
        if (!cg_lk_axis(axes->ints[i], x->rank, &a)) return cg_lk_fail(c, "axis out of range");
        mask[a] = true;
    }
    cg_lk_reduce_loop(c, mask, (CgReduceFn)fn);
    return true;
}

/* The `axis` attribute of an op along one axis. */
static bool cg_lk_one_axis(CgLk *c, int *axis) {
    const IrType *x = cg_lk_in(c, 0);
    if (!cg_lk_axis(ir_attr_int(c->n, "axis"), x->rank, axis))
        return cg_lk_fail(c, "axis is out of range");
    return true;
}

/* ArgMax/ArgMin: a reduction over the axis; an empty axis has no index to give. */
static bool cg_lk_arg_reduce(CgLk *c, CgReduceFn fn) {
    int axis;
    if (!cg_lk_one_axis(c, &axis)) return false;
    if (cg_lk_in(c, 0)->dims[axis].size == 0 && cg_lk_numel(c, cg_lk_out(c, 0)) != 0)
        return cg_lk_fail(c, "the reduced axis is empty");
    bool mask[IR_MAX_RANK];
    for (int d = 0; d < cg_lk_in(c, 0)->rank; d++) mask[d] = d == axis;
    cg_lk_reduce_loop(c, mask, fn)->last = ir_attr_int(c->n, "select_last_index") != 0;
    return true;
}

bool cg_lk_argmax(CgLk *c) {
    return cg_lk_arg_reduce(c, CG_REDUCE_ARGMAX);
}
bool cg_lk_argmin(CgLk *c) {
    return cg_lk_arg_reduce(c, CG_REDUCE_ARGMIN);
}

/* A scan along the axis: the loop over x's dims with 1 on the axis, output and input both
 * row-major x (stride 0 on the axis); the row is reduce.dims[0] long at reduce.strides[0]. */
static CgReduce *cg_lk_scan(CgLk *c, CgReduceFn fn) {
    int axis;
    if (!cg_lk_one_axis(c, &axis)) return NULL;
    const IrType *x = cg_lk_in(c, 0);
    CgLoop *l = cg_lk_reduce_init(c, CG_BODY_SCAN, fn);
    CgReduce *r = &l->reduce;
    r->rank = 1;
    r->dims[0] = r->count = x->dims[axis].size;
    r->strides[0] = l->operands[0].strides[axis];
    l->dims[axis] = 1;
    l->operands[0].strides[axis] = l->operands[1].strides[axis] = 0;
    return r;
}

bool cg_lk_cumsum(CgLk *c) {
    CgReduce *r = cg_lk_scan(c, CG_REDUCE_CUMSUM);
    if (!r) return false;
    r->exclusive = ir_attr_int(c->n, "exclusive") != 0;
    r->reverse = ir_attr_int(c->n, "reverse") != 0;
    return true;
}
bool cg_lk_logsoftmax(CgLk *c) {
    return cg_lk_scan(c, CG_REDUCE_LOGSOFTMAX) != NULL;
}
bool cg_lk_hardmax(CgLk *c) {
    return cg_lk_scan(c, CG_REDUCE_HARDMAX) != NULL;
}
