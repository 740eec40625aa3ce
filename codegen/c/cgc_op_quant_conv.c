/* ConvInteger and QLinearConv (ir/ops_quant.h) in the C backend: one call to an integer
 * convolution kernel of runtime/krt_quant.h, with the window resolved at compile time. */
#include "cgc.h"

static const char *cgc_qc_suffix(IrDtype t) {
    return t == IR_DTYPE_U8 ? "u8" : t == IR_DTYPE_I8 ? "i8" : NULL;
}

/* Writes "const KrtWindow win = ...;" for node n convolving input slot ix with weights slot iw,
 * padded to three spatial dims. */
static bool cgc_qc_window(CgcEmitter *e, const IrNode *n, int ix, int iw) {
    const IrType *x = cgc_in_type(e, n, ix), *w = cgc_in_type(e, n, iw);
    if (x->rank < 3 || x->rank > 2 + IR_CNN_MAX_SPATIAL)
        return cgc_node_fail(e, n, "needs 1 to 3 spatial dims");
    int64_t in[IR_CNN_MAX_SPATIAL], kernel[IR_CNN_MAX_SPATIAL];
    for (int k = 2; k < x->rank; k++) {
        in[k - 2] = x->dims[k].size;
        kernel[k - 2] = w->dims[k].size;
    }
    IrCnnWindow win;
    const char *why = ir_cnn_window(n, x->rank - 2, in, kernel, &win);
    if (why) return cgc_node_fail(e, n, why);
    for (int k = win.n_spatial; k < IR_CNN_MAX_SPATIAL; k++) {
        win.in[k] = win.out[k] = win.kernel[k] = win.stride[k] = win.dilation[k] = 1;
        win.pad_begin[k] = win.pad_end[k] = 0;
    }
    const int64_t *fields[] = {win.in,       win.out,       win.kernel, win.stride,
                               win.dilation, win.pad_begin, win.pad_end};
    fprintf(e->f, "    /* in, out, kernel, stride, dilation, pad begin, pad end */\n");
    fprintf(e->f, "    const KrtWindow win = {");
    for (int i = 0; i < 7; i++)
        fprintf(e->f, "%s{%lld, %lld, %lld}", i ? ", " : "", (long long)fields[i][0],
                (long long)fields[i][1], (long long)fields[i][2]);
    fprintf(e->f, "};\n");
    return true;
}

bool cgc_emit_convinteger(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 1);
    const char *sx = cgc_qc_suffix(x->dtype), *sw = cgc_qc_suffix(w->dtype);
    if (!sx || !sw) return cgc_node_fail(e, n, "operands must be i8 or u8");
    if (!cgc_qc_window(e, n, 0, 1)) return false;
    fprintf(e->f,
            "    krt_conv_integer_%s%s(x0, x1, y0, %lld, %lld, %lld, %lld, &win, %s, %s, %lld);\n",
            sx, sw, (long long)x->dims[0].size, (long long)x->dims[1].size,
            (long long)w->dims[0].size, (long long)ir_attr_int(n, "group"),
            cgc_has_input(n, 2) ? "x2" : "NULL", cgc_has_input(n, 3) ? "x3" : "NULL",
            (long long)(cgc_has_input(n, 3) ? cgc_numel(cgc_in_type(e, n, 3)) : 1));
    return true;
}

bool cgc_emit_qlinearconv(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 3);
    const char *sx = cgc_qc_suffix(x->dtype), *sw = cgc_qc_suffix(w->dtype);
    const char *sy = cgc_qc_suffix(cgc_out_type(e, n, 0)->dtype);
    if (!sx || !sw || !sy) return cgc_node_fail(e, n, "operands must be i8 or u8");
    if (!cgc_qc_window(e, n, 0, 3)) return false;
    fprintf(e->f,
            "    krt_qlinear_conv_%s%s%s(x0, x1, x2, x3, x4, %lld, x5, %lld, x6, x7, %s, y0, %lld, "
            "%lld, %lld, %lld, &win);\n",
            sx, sw, sy, (long long)cgc_numel(cgc_in_type(e, n, 4)),
            (long long)cgc_numel(cgc_in_type(e, n, 5)), cgc_has_input(n, 8) ? "x8" : "NULL",
            (long long)x->dims[0].size, (long long)x->dims[1].size, (long long)w->dims[0].size,
            (long long)ir_attr_int(n, "group"));
    return true;
}
