/* Shape rules of the "quant" op family (ir/ops_quant.h). */
#include "shape_internal.h"

#include <string.h>

static bool shp_q_is_int8(IrDtype t) {
    return t == IR_DTYPE_I8 || t == IR_DTYPE_U8;
}

/* Input i is i8 or u8 (or, when allow_i32, i32). */
static bool shp_q_int_input(const IrGraph *g, const IrNode *n, const IrType *in, int i,
                            bool allow_i32, Diag *d) {
    if (shp_q_is_int8(in[i].dtype) || (allow_i32 && in[i].dtype == IR_DTYPE_I32)) return true;
    ir_node_error(d, g, n, "input %d has dtype %s; expected i8 or u8%s", i,
                  ir_dtype_name(in[i].dtype), allow_i32 ? " or i32" : "");
    return false;
}

/* A quantization parameter (input i) of dtype dt: one element, or `len` elements along a rank-1
 * axis when len > 0 (per axis). */
static bool shp_q_param(const IrGraph *g, const IrNode *n, const IrType *in, int i, IrDtype dt,
                        IrDim len, bool allow_axis, Diag *d) {
    if (in[i].dtype != dt) {
        ir_node_error(d, g, n, "input %d has dtype %s, which is not supported here (expected %s)",
                      i, ir_dtype_name(in[i].dtype), ir_dtype_name(dt));
        return false;
    }
    const IrType *p = &in[i];
    bool one =
        p->rank == 0 || (p->rank == 1 && ir_dim_is_const(p->dims[0]) && p->dims[0].size == 1);
    if (one || (allow_axis && p->rank == 1 && ir_dim_equal(p->dims[0], len))) return true;
    char buf[SHP_TYPE_BUF];
    ir_node_error(d, g, n, "input %d %s must be one element%s", i, SHP_STR(g, p, buf),
                  allow_axis ? " or one per element of the quantized axis" : "");
    return false;
}

/* QuantizeLinear / DequantizeLinear: scale (and zero point) per tensor or along axis. */
static bool shp_q_linear(const IrGraph *g, const IrNode *n, const IrType *in, IrDtype zp_dtype,
                         Diag *d) {
    IrDim len = ir_dim_const(1);
    /* axis only matters (and is only checked) for a per-axis scale, as in ONNX */
    bool per_axis = in[1].rank == 1 && !(ir_dim_is_const(in[1].dims[0]) && in[1].dims[0].size == 1);
    if (per_axis && in[0].rank > 0) {
        int axis;
        if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
        len = in[0].dims[axis];
    }
    if (!shp_q_param(g, n, in, 1, IR_DTYPE_F32, len, true, d)) return false;
    if (shp_present(in, n, 2) && !shp_q_param(g, n, in, 2, zp_dtype, len, true, d)) return false;
    if (shp_present(in, n, 2) &&
        (in[1].rank != in[2].rank ||
         (in[1].rank == 1 && !ir_dim_equal(in[1].dims[0], in[2].dims[0])))) {
        ir_node_error(d, g, n, "scale and zero point must have the same shape");
        return false;
    }
    return true;
}

bool ir_shape_quantizelinear(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                             Diag *d) {
    if (in[0].dtype != IR_DTYPE_F32) {
        ir_node_error(d, g, n, "x must be f32, not %s", ir_dtype_name(in[0].dtype));
        return false;
    }
    IrDtype qt;
    if (shp_present(in, n, 2)) {
        qt = in[2].dtype;
    } else if (!ir_dtype_parse(ir_attr_string(n, "output_dtype"), &qt)) {
        qt = IR_DTYPE_COUNT;
    }
    if (!shp_q_is_int8(qt)) {
        ir_node_error(d, g, n, "the quantized dtype must be i8 or u8");
        return false;
    }
    if (!shp_q_linear(g, n, in, qt, d)) return false;
    out[0] = in[0];
    out[0].dtype = qt;
    return true;
}

bool ir_shape_dequantizelinear(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                               Diag *d) {
    if (!shp_q_int_input(g, n, in, 0, true, d)) return false;
    if (!shp_q_linear(g, n, in, in[0].dtype, d)) return false;
    out[0] = in[0];
    out[0].dtype = IR_DTYPE_F32;
    return true;
}

bool ir_shape_dynamicquantizelinear(const IrGraph *g, const IrNode *n, const IrType *in,
                                    IrType *out, Diag *d) {
    if (in[0].dtype != IR_DTYPE_F32) {
        ir_node_error(d, g, n, "x must be f32, not %s", ir_dtype_name(in[0].dtype));
        return false;
    }
    out[0] = in[0];
    out[0].dtype = IR_DTYPE_U8;
    memset(&out[1], 0, sizeof out[1]);
    out[1].dtype = IR_DTYPE_F32;
    memset(&out[2], 0, sizeof out[2]);
    out[2].dtype = IR_DTYPE_U8;
    return true;
}

/* a[..., M, K] @ b[..., K, N] with numpy batch broadcasting, both of rank >= 2; out gets
 * [..., M, N] (dtype left to the caller). */
static bool shp_q_matmul(const IrGraph *g, const IrNode *n, const IrType *a, const IrType *b,
                         IrType *out, Diag *d) {
    char ba[SHP_TYPE_BUF], bb[SHP_TYPE_BUF];
    if (a->rank < 2 || b->rank < 2) {
        ir_node_error(d, g, n, "operands %s and %s must have rank >= 2", SHP_STR(g, a, ba),
                      SHP_STR(g, b, bb));
        return false;
    }
    if (!shp_dims_match(g, n, a->dims[a->rank - 1], b->dims[b->rank - 2], "inner dims", d))
        return false;
    IrType ab = *a, bbt = *b;
    ab.rank -= 2;
    bbt.rank -= 2;
    if (!shp_broadcast(g, n, &ab, &bbt, out, d)) return false;
    out->dims[out->rank] = a->dims[a->rank - 2];
    out->dims[out->rank + 1] = b->dims[b->rank - 1];
    out->rank += 2;
    return true;
}

bool ir_shape_matmulinteger(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                            Diag *d) {
    if (!shp_q_int_input(g, n, in, 0, false, d) || !shp_q_int_input(g, n, in, 1, false, d))
        return false;
    if (!shp_q_matmul(g, n, &in[0], &in[1], &out[0], d)) return false;
    if (shp_present(in, n, 2) &&
        !shp_q_param(g, n, in, 2, in[0].dtype, in[0].dims[in[0].rank - 2], true, d))
        return false;
    if (shp_present(in, n, 3) &&
        !shp_q_param(g, n, in, 3, in[1].dtype, in[1].dims[in[1].rank - 1], true, d))
        return false;
    out[0].dtype = IR_DTYPE_I32;
    return true;
}

bool ir_shape_qlinearmatmul(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                            Diag *d) {
    if (!shp_q_int_input(g, n, in, 0, false, d) || !shp_q_int_input(g, n, in, 3, false, d) ||
        !shp_q_int_input(g, n, in, 7, false, d))
        return false;
    if (!shp_q_matmul(g, n, &in[0], &in[3], &out[0], d)) return false;
    IrDim cols = in[3].dims[in[3].rank - 1], none = ir_dim_const(1);
    if (!shp_q_param(g, n, in, 1, IR_DTYPE_F32, none, false, d) ||
        !shp_q_param(g, n, in, 2, in[0].dtype, none, false, d) ||
        !shp_q_param(g, n, in, 4, IR_DTYPE_F32, cols, true, d) ||
        !shp_q_param(g, n, in, 5, in[3].dtype, cols, true, d) ||
        !shp_q_param(g, n, in, 6, IR_DTYPE_F32, none, false, d) ||
        !shp_q_param(g, n, in, 7, in[7].dtype, none, false, d))
        return false;
    out[0].dtype = in[7].dtype;
    return true;
}

/* The geometry of an integer convolution of x[N, C, *S] with w[M, C/group, *K]: the same rules
 * as Conv (ir/shape_cnn.c). out gets [N, M, *O] (dtype left to the caller). */
static bool shp_q_conv(const IrGraph *g, const IrNode *n, const IrType *x, const IrType *w,
                       IrType *out, Diag *d) {
    char bx[SHP_TYPE_BUF], bw[SHP_TYPE_BUF];
    bool ok = x->rank >= 3 && x->rank <= 2 + IR_CNN_MAX_SPATIAL && w->rank == x->rank;
    for (int k = 0; ok && k < w->rank; k++) ok = ir_dim_is_const(w->dims[k]);
    for (int k = 1; ok && k < x->rank; k++) ok = ir_dim_is_const(x->dims[k]);
    if (!ok) {
        ir_node_error(d, g, n,
                      "x %s and weights %s must have the same rank with 1 to %d spatial dims, "
                      "constant except for the batch",
                      SHP_STR(g, x, bx), SHP_STR(g, w, bw), IR_CNN_MAX_SPATIAL);
        return false;
    }
    int64_t group = ir_attr_int(n, "group"), m = w->dims[0].size, cg = w->dims[1].size;
    if (group < 1 || m % group != 0 || x->dims[1].size != cg * group) {
        ir_node_error(d, g, n, "x %s and weights %s do not fit group %lld", SHP_STR(g, x, bx),
                      SHP_STR(g, w, bw), (long long)group);
        return false;
    }
    int64_t in[IR_CNN_MAX_SPATIAL], kernel[IR_CNN_MAX_SPATIAL];
    for (int k = 2; k < x->rank; k++) {
        in[k - 2] = x->dims[k].size;
        kernel[k - 2] = w->dims[k].size;
    }
    const IrAttr *ks = ir_attr_find(n, "kernel_shape");
    for (int k = 0; ks && k < x->rank - 2; k++)
        ok = ok && ks->count == x->rank - 2 && ks->ints[k] == kernel[k];
    if (!ok) {
        ir_node_error(d, g, n, "kernel_shape does not match weights %s", SHP_STR(g, w, bw));
        return false;
    }
    IrCnnWindow win;
    const char *why = ir_cnn_window(n, x->rank - 2, in, kernel, &win);
    if (why) {
        ir_node_error(d, g, n, "%s", why);
        return false;
    }
    *out = *x;
    out->dims[1] = w->dims[0];
    for (int k = 0; k < win.n_spatial; k++) out->dims[2 + k] = ir_dim_const(win.out[k]);
    return true;
}

bool ir_shape_convinteger(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                          Diag *d) {
    if (!shp_q_int_input(g, n, in, 0, false, d) || !shp_q_int_input(g, n, in, 1, false, d))
        return false;
    if (!shp_q_conv(g, n, &in[0], &in[1], &out[0], d)) return false;
    if (shp_present(in, n, 2) && !shp_q_param(g, n, in, 2, in[0].dtype, ir_dim_const(1), false, d))
        return false;
    if (shp_present(in, n, 3) && !shp_q_param(g, n, in, 3, in[1].dtype, in[1].dims[0], true, d))
        return false;
    out[0].dtype = IR_DTYPE_I32;
    return true;
}

bool ir_shape_qlinearconv(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                          Diag *d) {
    if (!shp_q_int_input(g, n, in, 0, false, d) || !shp_q_int_input(g, n, in, 3, false, d) ||
        !shp_q_int_input(g, n, in, 7, false, d))
        return false;
    if (!shp_q_conv(g, n, &in[0], &in[3], &out[0], d)) return false;
    IrDim m = in[3].dims[0], none = ir_dim_const(1);
    if (!shp_q_param(g, n, in, 1, IR_DTYPE_F32, none, false, d) ||
        !shp_q_param(g, n, in, 2, in[0].dtype, none, false, d) ||
        !shp_q_param(g, n, in, 4, IR_DTYPE_F32, m, true, d) ||
        !shp_q_param(g, n, in, 5, in[3].dtype, m, true, d) ||
        !shp_q_param(g, n, in, 6, IR_DTYPE_F32, none, false, d) ||
        !shp_q_param(g, n, in, 7, in[7].dtype, none, false, d))
        return false;
    if (shp_present(in, n, 8)) {
        if (in[8].dtype != IR_DTYPE_I32 || in[8].rank != 1 || !ir_dim_equal(in[8].dims[0], m)) {
            ir_node_error(d, g, n, "bias (input 8) must be i32 [M]");
            return false;
        }
    }
    out[0].dtype = in[7].dtype;
    return true;
}
