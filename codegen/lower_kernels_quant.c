/* Kernel records of the "quant" family (ir/ops_quant.h) and of Gather: calls of the kernels of
 * runtime/krt_quant.h and krt_gather_*, whose symbols name the operand dtypes they take. */
#include "lower_kernels_internal.h"

/* outer, len, inner of input 0 along the node's axis when the scale (input 1) is per axis;
 * outer 1, len 1, inner numel when it is per tensor. */
static bool cg_lk_q_layout(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0), *s = cg_lk_in(c, 1);
    int64_t outer = 1, len = 1, inner = cg_lk_numel(c, x);
    if (cg_lk_numel(c, s) != 1 && x->rank != 0) {
        int axis;
        if (!cg_lk_axis(ir_attr_int(c->n, "axis"), x->rank, &axis))
            return cg_lk_fail(c, "axis is out of range");
        len = x->dims[axis].size;
        outer = cg_lk_prod(c, x, 0, axis);
        inner = cg_lk_prod(c, x, axis + 1, x->rank);
    }
    cg_lk_param(c, outer);
    cg_lk_param(c, len);
    cg_lk_param(c, inner);
    return true;
}

static bool cg_lk_q_linear(CgLk *c, CgKernelId id) {
    cg_lk_call(c, id);
    for (int i = 0; i < 3; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    return cg_lk_q_layout(c);
}

bool cg_lk_quantizelinear(CgLk *c) {
    return cg_lk_q_linear(c, CG_KRT_QUANTIZE);
}
bool cg_lk_dequantizelinear(CgLk *c) {
    return cg_lk_q_linear(c, CG_KRT_DEQUANTIZE);
}

bool cg_lk_dynamicquantizelinear(CgLk *c) {
    cg_lk_call(c, CG_KRT_DYNAMIC_QUANTIZE_F32);
    cg_lk_arg(c, 0, false);
    for (int i = 0; i < 3; i++) cg_lk_arg(c, i, true);
    cg_lk_param(c, cg_lk_numel(c, cg_lk_in(c, 0)));
    return true;
}

/* The batch of an integer matmul a[..., M, K] @ b[..., K, N] -> y[..., M, N] (a, b: input
 * slots; the call's operands oa, ob, oy): the output's batch dims, stepping whole matrices;
 * params m k n appended. */
static bool cg_lk_q_batch(CgLk *c, int ia, int ib, CgOperand *oa, CgOperand *ob, CgOperand *oy) {
    const IrType *a = cg_lk_in(c, ia), *b = cg_lk_in(c, ib), *y = cg_lk_out(c, 0);
    if (a->rank < 2 || b->rank < 2 || y->rank < 2)
        return cg_lk_fail(c, "operands must have rank >= 2");
    int64_t m = a->dims[a->rank - 2].size, k = a->dims[a->rank - 1].size;
    int64_t nn = b->dims[b->rank - 1].size;
    CgCall *call = &c->k->call;
    int r = y->rank - 2;
    call->batch_rank = r;
    int64_t ys = cg_lk_times(c, m, nn), as = cg_lk_times(c, m, k), bs = cg_lk_times(c, k, nn);
    for (int d = r - 1; d >= 0; d--) {
        int da = d - (r - (a->rank - 2)), db = d - (r - (b->rank - 2));
        int64_t sa = da >= 0 ? a->dims[da].size : 1, sb = db >= 0 ? b->dims[db].size : 1;
        call->batch_dims[d] = y->dims[d].size;
        oy->strides[d] = ys;
        oa->strides[d] = sa == 1 ? 0 : as;
        ob->strides[d] = sb == 1 ? 0 : bs;
        ys = cg_lk_times(c, ys, y->dims[d].size);
        as = cg_lk_times(c, as, sa);
        bs = cg_lk_times(c, bs, sb);
    }
    cg_lk_param(c, m);
    cg_lk_param(c, k);
    cg_lk_param(c, nn);
    return true;
}

/* The element count of optional input slot (a zero point), 1 when it is absent. */
static int64_t cg_lk_count_or_1(CgLk *c, int slot) {
    return cg_lk_has(c, slot) ? cg_lk_numel(c, cg_lk_in(c, slot)) : 1;
}

bool cg_lk_matmulinteger(CgLk *c) {
    cg_lk_call(c, CG_KRT_MATMUL_INTEGER);
    CgOperand *oa = cg_lk_arg(c, 0, false), *ob = cg_lk_arg(c, 1, false);
    cg_lk_arg(c, 2, false);
    cg_lk_arg(c, 3, false);
    CgOperand *oy = cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    if (!cg_lk_q_batch(c, 0, 1, oa, ob, oy)) return false;
    cg_lk_param(c, cg_lk_count_or_1(c, 2));
    cg_lk_param(c, cg_lk_count_or_1(c, 3));
    return true;
}

bool cg_lk_qlinearmatmul(CgLk *c) {
    cg_lk_call(c, CG_KRT_QLINEAR_MATMUL);
    CgOperand *ops[8];
    for (int i = 0; i < 8; i++) ops[i] = cg_lk_arg(c, i, false);
    CgOperand *oy = cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    cg_lk_param(c, cg_lk_numel(c, cg_lk_in(c, 4)));
    cg_lk_param(c, cg_lk_numel(c, cg_lk_in(c, 5)));
    return cg_lk_q_batch(c, 0, 3, ops[0], ops[3], oy);
}

/* The kernel of integer convolution weights slot iw over x (input 0). */
static bool cg_lk_qc_kernel(CgLk *c, int iw, int64_t *kernel) {
    const IrType *x = cg_lk_in(c, 0), *w = cg_lk_in(c, iw);
    if (w->rank != x->rank || x->rank < 3 || x->rank > 2 + IR_CNN_MAX_SPATIAL)
        return cg_lk_fail(c, "needs 1 to 3 spatial dims");
    for (int k = 2; k < x->rank; k++) kernel[k - 2] = w->dims[k].size;
    return true;
}

bool cg_lk_convinteger(CgLk *c) {
    int64_t kernel[IR_CNN_MAX_SPATIAL];
    if (!cg_lk_qc_kernel(c, 1, kernel)) return false;
    const IrType *x = cg_lk_in(c, 0), *w = cg_lk_in(c, 1);
    cg_lk_call(c, CG_KRT_CONV_INTEGER);
    for (int i = 0; i < 4; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    const int64_t p[] = {x->dims[0].size, x->dims[1].size, w->dims[0].size,
                         ir_attr_int(c->n, "group"), cg_lk_count_or_1(c, 3)};
    for (int i = 0; i < 5; i++) cg_lk_param(c, p[i]);
    return cg_lk_window(c, 0, kernel);
}

bool cg_lk_qlinearconv(CgLk *c) {
    int64_t kernel[IR_CNN_MAX_SPATIAL];
    if (!cg_lk_qc_kernel(c, 3, kernel)) return false;
    const IrType *x = cg_lk_in(c, 0), *w = cg_lk_in(c, 3);
    cg_lk_call(c, CG_KRT_QLINEAR_CONV);
    for (int i = 0; i < 9; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    const int64_t p[] = {cg_lk_numel(c, cg_lk_in(c, 4)),
                         cg_lk_numel(c, cg_lk_in(c, 5)),
                         x->dims[0].size,
                         x->dims[1].size,
                         w->dims[0].size,
                         ir_attr_int(c->n, "group")};
    for (int i = 0; i < 6; i++) cg_lk_param(c, p[i]);
    return cg_lk_window(c, 0, kernel);
}

bool cg_lk_gather(CgLk *c) {
    const IrType *data = cg_lk_in(c, 0), *idx = cg_lk_in(c, 1);
    int axis;
    if (!cg_lk_axis(ir_attr_int(c->n, "axis"), data->rank, &axis))
        return cg_lk_fail(c, "axis is out of range");
    IrWFormat wf = ir_value(c->g, c->n->inputs[0])->wformat;
    if (ir_wformat_is_packed(wf)) {
        /* a table [V, H] stored in a format: only the rows read are dequantized */
        if (axis != 0 || data->rank != 2)
            return cg_lk_fail(c, "a table stored in a format is gathered along axis 0 only");
        cg_lk_call(c, CG_KRT_GATHER_WF);
        cg_lk_arg(c, 0, false);
        cg_lk_arg(c, 1, false);
        cg_lk_arg(c, 0, true);
        cg_lk_symbol(c);
        cg_lk_param(c, data->dims[0].size);
        cg_lk_param(c, cg_lk_numel(c, idx));
        cg_lk_param(c, data->dims[1].size);
        cg_lk_param(c, (int64_t)wf);
        return true;
    }
    cg_lk_call(c, CG_KRT_GATHER);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 1, false);
    cg_lk_arg(c, 0, true);
    cg_lk_symbol(c);
    cg_lk_param(c, cg_lk_prod(c, data, 0, axis));
    cg_lk_param(c, data->dims[axis].size);
    cg_lk_param(c, cg_lk_numel(c, idx));
    cg_lk_param(c, cg_lk_prod(c, data, axis + 1, data->rank));
    return true;
}
