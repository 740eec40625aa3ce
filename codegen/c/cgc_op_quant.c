/* The "quant" op family (ir/ops_quant.h) in the C backend: each node becomes a call to a kernel
 * of runtime/krt_quant.h with the sizes of its kernel record as constants. */
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

/* Quantize and Dequantize: x, scale, the optional zero point, y, outer len inner. */
static void cgc_q_linear(CgcEmitter *e, const CgCall *c) {
    char zp[16];
    fprintf(e->f, "    %s(x0, x1, %s, y0, %lld, %lld, %lld);\n", c->symbol,
            cgc_operand_name(&c->operands[2], zp, sizeof zp), (long long)c->params[0],
            (long long)c->params[1], (long long)c->params[2]);
}

bool cgc_emit_quantizelinear(CgcEmitter *e, const IrNode *n) {
    IrDtype qt = cgc_out_type(e, n, 0)->dtype;
    const char *s = cgc_q_suffix(qt);
    if (!s || qt == IR_DTYPE_I32) return cgc_unsupported_dtype(e, n, qt);
    cgc_q_linear(e, &cgc_kernel(e, n)->call);
    return true;
}

bool cgc_emit_dequantizelinear(CgcEmitter *e, const IrNode *n) {
    IrDtype xt = cgc_in_type(e, n, 0)->dtype;
    if (!cgc_q_suffix(xt)) return cgc_unsupported_dtype(e, n, xt);
    cgc_q_linear(e, &cgc_kernel(e, n)->call);
    return true;
}

bool cgc_emit_dynamicquantizelinear(CgcEmitter *e, const IrNode *n) {
    const CgCall *c = &cgc_kernel(e, n)->call;
    fprintf(e->f, "    %s(x0, %lld, y0, y1, y2);\n", c->symbol, (long long)c->params[0]);
    return true;
}

/* Whether a call's batch covers no element (m k n at params[at..]). */
static bool cgc_q_empty(const CgCall *c, int at) {
    bool empty = c->params[at] == 0 || c->params[at + 2] == 0;
    for (int d = 0; d < c->batch_rank; d++) empty |= c->batch_dims[d] == 0;
    return empty;
}

bool cgc_emit_matmulinteger(CgcEmitter *e, const IrNode *n) {
    const char *sa = cgc_q_suffix(cgc_in_type(e, n, 0)->dtype);
    const char *sb = cgc_q_suffix(cgc_in_type(e, n, 1)->dtype);
    if (!sa || !sb) return cgc_node_fail(e, n, "operands must be i8 or u8");
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* m k n a_zp_count b_zp_count */
    if (cgc_q_empty(c, 0)) return true;
    char azp[64] = "NULL, 1", bzp[64] = "NULL, 1", stmt[256];
    if (!c->operands[2].absent) snprintf(azp, sizeof azp, "x2, %lld", (long long)p[3]);
    if (!c->operands[3].absent) snprintf(bzp, sizeof bzp, "x3, %lld", (long long)p[4]);
    snprintf(stmt, sizeof stmt, "%s(x0 + $0, x1 + $1, y0 + $4, %lld, %lld, %lld, %s, %s);",
             c->symbol, (long long)p[0], (long long)p[1], (long long)p[2], azp, bzp);
    fprintf(e->f, "    /* (a [%lld, %lld] - a_zp) . (b [%lld, %lld] - b_zp) per batch entry */\n",
            (long long)p[0], (long long)p[1], (long long)p[1], (long long)p[2]);
    CgcNest nest;
    cgc_nest_of_call(c, &nest);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}

bool cgc_emit_qlinearmatmul(CgcEmitter *e, const IrNode *n) {
    const char *sa = cgc_q_suffix(cgc_in_type(e, n, 0)->dtype);
    const char *sb = cgc_q_suffix(cgc_in_type(e, n, 3)->dtype);
    const char *sy = cgc_q_suffix(cgc_out_type(e, n, 0)->dtype);
    if (!sa || !sb || !sy) return cgc_node_fail(e, n, "operands must be i8 or u8");
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* b_scale_count b_zp_count m k n */
    if (cgc_q_empty(c, 2)) return true;
    char stmt[320];
    snprintf(stmt, sizeof stmt,
             "%s(x0 + $0, x1, x2, x3 + $3, x4, %lld, x5, %lld, x6, x7, "
             "y0 + $8, %lld, %lld, %lld);",
             c->symbol, (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3],
             (long long)p[4]);
    CgcNest nest;
    cgc_nest_of_call(c, &nest);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}
