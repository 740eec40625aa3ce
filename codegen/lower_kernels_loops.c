/* Kernel records of the elementwise ops: one loop nest over the output with each input read
 * through its broadcast strides, computing a scalar program of ir/scalar.h (the core ops,
 * Unary, Binary, FusedElementwise) or the op's own function where the table has no row (Clip,
 * IsNaN, IsInf, Not, Compare, Logic, Where, and Trilu's diagonal mask), and Cast's flat
 * converting copy. */
#include "lower_kernels_internal.h"

/* A core elementwise op (IR_OPF_EPILOGUE): its row of the scalar table on its inputs. */
bool cg_lk_core(CgLk *c) {
    int n_in = ir_op_info(c->n->op)->min_inputs;
    int row = ir_scalar_of_node(c->n);
    if (row < 0) return cg_lk_fail(c, "the op names no scalar function");
    cg_lk_one_instr(c, cg_lk_elementwise(c, n_in, CG_BODY_PROGRAM), (IrScalar)row);
    return true;
}

bool cg_lk_unary_fn(CgLk *c) {
    int fn = ir_math_unary_fn(ir_attr_string(c->n, "fn"));
    if (fn < 0) return cg_lk_fail(c, "unknown Unary fn");
    cg_lk_one_instr(c, cg_lk_elementwise(c, 1, CG_BODY_PROGRAM), (IrScalar)fn);
    return true;
}

bool cg_lk_binary_fn(CgLk *c) {
    int fn = ir_math_binary_fn(ir_attr_string(c->n, "fn"));
    if (fn < 0) return cg_lk_fail(c, "unknown Binary fn");
    cg_lk_one_instr(c, cg_lk_elementwise(c, 2, CG_BODY_PROGRAM), (IrScalar)fn);
    return true;
}

bool cg_lk_fused_elementwise(CgLk *c) {
    CgLoop *l = cg_lk_elementwise(c, c->n->n_inputs, CG_BODY_PROGRAM);
    return cg_lk_program(c, l, c->n->n_inputs);
}

/* The ops without a scalar-table row: the loop, and the op's function for the renderer. */
static bool cg_lk_own(CgLk *c, int n_in) {
    cg_lk_elementwise(c, n_in, CG_BODY_OP);
    return true;
}

bool cg_lk_clip(CgLk *c) {
    return cg_lk_own(c, 1);
}
bool cg_lk_isnan(CgLk *c) {
    return cg_lk_own(c, 1);
}
bool cg_lk_isinf(CgLk *c) {
    return cg_lk_own(c, 1);
}
bool cg_lk_not(CgLk *c) {
    return cg_lk_own(c, 1);
}
bool cg_lk_compare(CgLk *c) {
    return cg_lk_own(c, 2);
}
bool cg_lk_logic(CgLk *c) {
    return cg_lk_own(c, 2);
}
bool cg_lk_where(CgLk *c) {
    return cg_lk_own(c, 3);
}

/* Trilu of x[..., rows, cols]: an OP loop over [batch, rows, cols] (both operands row-major)
 * that keeps x[b, i, j] where j - i >= k (upper) or j - i <= k, and zeroes the rest. k is
 * clamped to +-(rows + cols): beyond that every element is kept or every one dropped, and the
 * renderer's literal stays far from overflow. */
bool cg_lk_trilu(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0);
    if (x->rank < 2) return cg_lk_fail(c, "Trilu needs a rank of at least 2");
    int64_t rows = x->dims[x->rank - 2].size, cols = x->dims[x->rank - 1].size;
    IrType view = {x->dtype, 3, {{0}}};
    view.dims[0] = ir_dim_const(cg_lk_prod(c, x, 0, x->rank - 2));
    view.dims[1] = ir_dim_const(rows);
    view.dims[2] = ir_dim_const(cols);
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_loop_init(l, &view, 2, CG_BODY_OP);
    cg_lk_operand(l, 0, 0, true, &view);
    cg_lk_operand(l, 1, 0, false, &view);
    int64_t k = ir_attr_int(c->n, "k"), lim = rows + cols; /* both fit: the shape's size does */
    l->params[0] = k > lim ? lim : k < -lim ? -lim : k;
    l->params[1] = ir_attr_int(c->n, "upper") != 0;
    return true;
}

/* Cast: a flat converting copy. In place (the planner may give the output the input's bytes)
 * the loop must never write an element's bytes before reading every input element they cover:
 * forwards when the output starts no later and is no wider, backwards when it starts no
 * earlier and is no narrower. */
bool cg_lk_cast(CgLk *c) {
    const IrType *in = cg_lk_in(c, 0), *out = cg_lk_out(c, 0);
    bool backwards = false;
    if (cg_lk_overlap(c->g, c->n->inputs[0], c->n->outputs[0])) {
        int64_t in_at = ir_value(c->g, c->n->inputs[0])->arena_offset;
        int64_t out_at = ir_value(c->g, c->n->outputs[0])->arena_offset;
        size_t in_size = ir_dtype_size(in->dtype), out_size = ir_dtype_size(out->dtype);
        if (out_at <= in_at && out_size <= in_size)
            backwards = false;
        else if (out_at >= in_at && out_size >= in_size)
            backwards = true;
        else
            return cg_lk_fail(c, "the memory plan overlaps input and output in a way an "
                                 "in-place Cast cannot handle");
    }
    CgLoop *l = cg_lk_loops(c, 1);
    IrType flat = {out->dtype, 1, {{0}}};
    flat.dims[0] = ir_dim_const(cg_lk_numel(c, out));
    cg_lk_loop_init(l, &flat, 2, CG_BODY_COPY);
    cg_lk_operand(l, 0, 0, true, &flat);
    cg_lk_operand(l, 1, 0, false, &flat);
    l->reverse = backwards;
    return true;
}
