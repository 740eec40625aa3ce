/* The "quant" op family (ir/ops_quant.h) in the C backend: each node becomes a call to a kernel
 * of runtime/krt_quant.h with its shapes as constants. */
#include "cgc.h"

/* "u8", "i8" or "i32" for the integer dtypes the kernels take; NULL otherwise. */
static const char *cgc_q_suffix(IrDtype t) {
    switch (t) {
    case IR_DTYPE_U8:
        return "u8";
    case IR_DTYPE_I8:
        return "i8";
    case IR_DTYPE_I32:
        return "i32";
    default:
        return NULL;
    }
}

/* outer, len, inner of input 0 along the node's axis when the scale (input 1) is per axis;
 * outer 1, len 1, inner numel when it is per tensor. */
static bool cgc_q_layout(CgcEmitter *e, const IrNode *n, int64_t *outer, int64_t *len,
                         int64_t *inner) {
    const IrType *x = cgc_in_type(e, n, 0), *s = cgc_in_type(e, n, 1);
    *outer = 1;
    *len = 1;
    *inner = cgc_numel(x);
    if (cgc_numel(s) == 1 || x->rank == 0) return true;
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    *len = x->dims[axis].size;
    *outer = 1;
    for (int d = 0; d < axis; d++) *outer *= x->dims[d].size;
    *inner = 1;
    for (int d = axis + 1; d < x->rank; d++) *inner *= x->dims[d].size;
    return true;
}

bool cgc_emit_quantizelinear(CgcEmitter *e, const IrNode *n) {
    IrDtype qt = cgc_out_type(e, n, 0)->dtype;
    const char *s = cgc_q_suffix(qt);
    if (!s || qt == IR_DTYPE_I32) return cgc_unsupported_dtype(e, n, qt);
    int64_t outer, len, inner;
    if (!cgc_q_layout(e, n, &outer, &len, &inner)) return false;
    fprintf(e->f, "    krt_quantize_%s(x0, x1, %s, y0, %lld, %lld, %lld);\n", s,
            cgc_has_input(n, 2) ? "x2" : "NULL", (long long)outer, (long long)len,
            (long long)inner);
    return true;
}

bool cgc_emit_dequantizelinear(CgcEmitter *e, const IrNode *n) {
    IrDtype xt = cgc_in_type(e, n, 0)->dtype;
    const char *s = cgc_q_suffix(xt);
    if (!s) return cgc_unsupported_dtype(e, n, xt);
    int64_t outer, len, inner;
    if (!cgc_q_layout(e, n, &outer, &len, &inner)) return false;
    fprintf(e->f, "    krt_dequantize_%s(x0, x1, %s, y0, %lld, %lld, %lld);\n", s,
            cgc_has_input(n, 2) ? "x2" : "NULL", (long long)outer, (long long)len,
            (long long)inner);
    return true;
}

bool cgc_emit_dynamicquantizelinear(CgcEmitter *e, const IrNode *n) {
    fprintf(e->f, "    krt_dynamic_quantize_f32(x0, %lld, y0, y1, y2);\n",
            (long long)cgc_numel(cgc_in_type(e, n, 0)));
    return true;
}

/* The batch loop of an integer matmul a[..., M, K] @ b[..., K, N] -> y[..., M, N]: a nest over
 * the output's batch dims with operands y (0), a (1), b (2), stepping whole matrices. *m, *k,
 * *nn get the matrix sizes. */
static void cgc_q_batch_nest(CgcEmitter *e, const IrNode *n, int ia, int ib, CgcNest *nest,
                             int64_t *m, int64_t *k, int64_t *nn) {
    const IrType *a = cgc_in_type(e, n, ia), *b = cgc_in_type(e, n, ib);
    const IrType *y = cgc_out_type(e, n, 0);
    *m = a->dims[a->rank - 2].size;
    *k = a->dims[a->rank - 1].size;
    *nn = b->dims[b->rank - 1].size;
    int r = y->rank - 2;
    nest->rank = r;
    nest->n_operands = 3;
    int64_t ys = *m * *nn, as = *m * *k, bs = *k * *nn;
    for (int d = r - 1; d >= 0; d--) {
        int da = d - (r - (a->rank - 2)), db = d - (r - (b->rank - 2));
        int64_t sa = da >= 0 ? a->dims[da].size : 1, sb = db >= 0 ? b->dims[db].size : 1;
        nest->dims[d] = y->dims[d].size;
        nest->base[0] = nest->base[1] = nest->base[2] = 0;
        nest->strides[0][d] = ys;
        nest->strides[1][d] = sa == 1 ? 0 : as;
        nest->strides[2][d] = sb == 1 ? 0 : bs;
        ys *= y->dims[d].size;
        as *= sa;
        bs *= sb;
    }
}

bool cgc_emit_matmulinteger(CgcEmitter *e, const IrNode *n) {
    const char *sa = cgc_q_suffix(cgc_in_type(e, n, 0)->dtype);
    const char *sb = cgc_q_suffix(cgc_in_type(e, n, 1)->dtype);
    if (!sa || !sb) return cgc_node_fail(e, n, "operands must be i8 or u8");
    CgcNest nest = {0};
    int64_t m, k, nn;
    cgc_q_batch_nest(e, n, 0, 1, &nest, &m, &k, &nn);
    if (cgc_numel(cgc_out_type(e, n, 0)) == 0) return true;
    char azp[64] = "NULL, 1", bzp[64] = "NULL, 1", stmt[256];
    if (cgc_has_input(n, 2))
        snprintf(azp, sizeof azp, "x2, %lld", (long long)cgc_numel(cgc_in_type(e, n, 2)));
    if (cgc_has_input(n, 3))
        snprintf(bzp, sizeof bzp, "x3, %lld", (long long)cgc_numel(cgc_in_type(e, n, 3)));
    snprintf(stmt, sizeof stmt,
             "krt_matmul_integer_%s%s(x0 + $1, x1 + $2, y0 + $0, %lld, %lld, %lld, %s, %s);", sa,
             sb, (long long)m, (long long)k, (long long)nn, azp, bzp);
    fprintf(e->f, "    /* (a [%lld, %lld] - a_zp) . (b [%lld, %lld] - b_zp) per batch entry */\n",
            (long long)m, (long long)k, (long long)k, (long long)nn);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}

bool cgc_emit_qlinearmatmul(CgcEmitter *e, const IrNode *n) {
    const char *sa = cgc_q_suffix(cgc_in_type(e, n, 0)->dtype);
    const char *sb = cgc_q_suffix(cgc_in_type(e, n, 3)->dtype);
    const char *sy = cgc_q_suffix(cgc_out_type(e, n, 0)->dtype);
    if (!sa || !sb || !sy) return cgc_node_fail(e, n, "operands must be i8 or u8");
    CgcNest nest = {0};
    int64_t m, k, nn;
    cgc_q_batch_nest(e, n, 0, 3, &nest, &m, &k, &nn);
    if (cgc_numel(cgc_out_type(e, n, 0)) == 0) return true;
    char stmt[320];
    snprintf(stmt, sizeof stmt,
             "krt_qlinear_matmul_%s%s%s(x0 + $1, x1, x2, x3 + $2, x4, %lld, x5, %lld, x6, x7, "
             "y0 + $0, %lld, %lld, %lld);",
             sa, sb, sy, (long long)cgc_numel(cgc_in_type(e, n, 4)),
             (long long)cgc_numel(cgc_in_type(e, n, 5)), (long long)m, (long long)k, (long long)nn);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}
