/* ConvInteger and QLinearConv (ir/ops_quant.h) in the C backend: one call to an integer
 * convolution kernel of runtime/krt_quant.h, with the window of its kernel record. */
#include "cgc.h"

static const char *cgc_qc_suffix(IrDtype t) {
    return t == IR_DTYPE_U8 ? "u8" : t == IR_DTYPE_I8 ? "i8" : NULL;
}

bool cgc_emit_convinteger(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 1);
    const char *sx = cgc_qc_suffix(x->dtype), *sw = cgc_qc_suffix(w->dtype);
    if (!sx || !sw) return cgc_node_fail(e, n, "operands must be i8 or u8");
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* n c m group w_zp_count win[21] */
    cgc_put_window(e->f, p + 5);
    char xzp[16], wzp[16];
    fprintf(e->f, "    %s(x0, x1, y0, %lld, %lld, %lld, %lld, &win, %s, %s, %lld);\n", c->symbol,
            (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3],
            cgc_operand_name(&c->operands[2], xzp, sizeof xzp),
            cgc_operand_name(&c->operands[3], wzp, sizeof wzp), (long long)p[4]);
    return true;
}

bool cgc_emit_qlinearconv(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 3);
    const char *sx = cgc_qc_suffix(x->dtype), *sw = cgc_qc_suffix(w->dtype);
    const char *sy = cgc_qc_suffix(cgc_out_type(e, n, 0)->dtype);
    if (!sx || !sw || !sy) return cgc_node_fail(e, n, "operands must be i8 or u8");
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* w_scale_count w_zp_count n c m group win[21] */
    cgc_put_window(e->f, p + 6);
    char bias[16];
    fprintf(e->f,
            "    %s(x0, x1, x2, x3, x4, %lld, x5, %lld, x6, x7, %s, y0, %lld, "
            "%lld, %lld, %lld, &win);\n",
            c->symbol, (long long)p[0], (long long)p[1],
            cgc_operand_name(&c->operands[8], bias, sizeof bias), (long long)p[2], (long long)p[3],
            (long long)p[4], (long long)p[5]);
    return true;
}
