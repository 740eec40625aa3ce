/* Interpreter: the "quant" op family (ir/ops_quant.h). Float steps are done in float, exactly as
 * the ops define them (and as the runtime kernels do), so integer results match bit for bit. */
#include "interp_internal.h"

#include <math.h>

/* The range of a quantized dtype. */
static void interp_q_range(IrDtype t, double *lo, double *hi) {
    *lo = t == IR_DTYPE_I8 ? -128.0 : 0.0;
    *hi = t == IR_DTYPE_I8 ? 127.0 : 255.0;
}

/* saturate(round_half_even(v) + zp) into [lo, hi]; NaN gives lo. v is a float value. */
static double interp_q_saturate(float v, double zp, double lo, double hi) {
    double q = rint((double)v) + zp;
    if (!(q >= lo)) return lo;
    return q > hi ? hi : q;
}

/* Element i of a per-tensor or per-axis parameter p, for x element e viewed as
 * [outer, len, inner] along the quantization axis. */
static double interp_q_param(const InterpValue *p, int64_t e, int64_t len, int64_t inner) {
    if (!p) return 0.0;
    return p->numel == 1 ? p->data[0] : p->data[(e / inner) % len];
}

/* len and inner of x along attribute axis (1 and 1 for a per-tensor scale). */
static void interp_q_axis(const InterpArgs *a, int64_t *len, int64_t *inner) {
    const IrType *t = &a->in[0]->type;
    *len = 1;
    *inner = 1;
    if (t->rank == 0 || a->in[1]->numel == 1) return; /* per tensor: axis is ignored */
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    *len = interp_dim(t, axis);
    *inner = interp_dims_product(t, axis + 1, t->rank);
}

bool interp_quantizelinear(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *scale = a->in[1], *zp = a->n_in > 2 ? a->in[2] : NULL;
    double lo, hi;
    interp_q_range(a->out[0]->type.dtype, &lo, &hi);
    int64_t len, inner;
    interp_q_axis(a, &len, &inner);
    for (int64_t e = 0; e < x->numel; e++) {
        float v = (float)x->data[e] / (float)interp_q_param(scale, e, len, inner);
        a->out[0]->data[e] = interp_q_saturate(v, interp_q_param(zp, e, len, inner), lo, hi);
    }
    return true;
}

bool interp_dequantizelinear(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *scale = a->in[1], *zp = a->n_in > 2 ? a->in[2] : NULL;
    int64_t len, inner;
    interp_q_axis(a, &len, &inner);
    for (int64_t e = 0; e < x->numel; e++) {
        float diff = (float)(x->data[e] - interp_q_param(zp, e, len, inner));
        a->out[0]->data[e] = (double)(diff * (float)interp_q_param(scale, e, len, inner));
    }
    return true;
}

bool interp_dynamicquantizelinear(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    float lo = 0.0f, hi = 0.0f;
    for (int64_t e = 0; e < x->numel; e++) {
        float v = (float)x->data[e];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    float scale = (hi - lo) / 255.0f;
    double zp = 0.0;
    if (scale != 0.0f) zp = interp_q_saturate(-lo / scale, 0.0, 0.0, 255.0);
    for (int64_t e = 0; e < x->numel; e++)
        a->out[0]->data[e] =
            scale == 0.0f ? 0.0 : interp_q_saturate((float)x->data[e] / scale, zp, 0.0, 255.0);
    a->out[1]->data[0] = (double)scale;
    a->out[2]->data[0] = zp;
    return true;
}

/* acc[batch entry][M, N] = (a - a_zp) @ (b - b_zp) for every batch entry of the output, with
 * numpy batch broadcasting; a_zp per tensor or per row, b_zp per tensor or per column. Calls
 * emit(ctx, out_index, acc, column) for every output element. */
typedef void (*InterpQEmit)(const InterpArgs *a, int64_t out_index, double acc, int64_t col);

static void interp_q_matmul(const InterpArgs *a, const InterpValue *av, const InterpValue *azp,
                            const InterpValue *bv, const InterpValue *bzp, InterpQEmit emit) {
    const IrType *ta = &av->type, *tb = &bv->type, *ty = &a->out[0]->type;
    int r = ty->rank, ra = ta->rank, rb = tb->rank;
    int64_t m = interp_dim(ta, ra - 2), k = interp_dim(ta, ra - 1), n = interp_dim(tb, rb - 1);
    int64_t ad[IR_MAX_RANK], bd[IR_MAX_RANK], yd[IR_MAX_RANK];
    int64_t as[IR_MAX_RANK], bs[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(ta, ad);
    interp_type_dims(tb, bd);
    interp_type_dims(ty, yd);
    /* batch strides in units of whole matrices */
    interp_broadcast_strides(ad, ra - 2, r - 2, as);
    interp_broadcast_strides(bd, rb - 2, r - 2, bs);
    int64_t batches = interp_dims_product(ty, 0, r - 2);
    for (int64_t bi = 0; bi < batches; bi++) {
        int64_t aoff = 0, boff = 0;
        for (int d = 0; d < r - 2; d++) {
            aoff += idx[d] * as[d];
            boff += idx[d] * bs[d];
        }
        const double *ap = av->data + aoff * m * k, *bp = bv->data + boff * k * n;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double azv = azp ? azp->data[azp->numel == 1 ? 0 : i] : 0.0;
                double bzv = bzp ? bzp->data[bzp->numel == 1 ? 0 : j] : 0.0;
                double acc = 0.0;
                for (int64_t t = 0; t < k; t++)
                    acc += (ap[i * k + t] - azv) * (bp[t * n + j] - bzv);
                emit(a, (bi * m + i) * n + j, acc, j);
            }
        for (int d = r - 3; d >= 0; d--) {
            if (++idx[d] < yd[d]) break;
            idx[d] = 0;
        }
    }
}

static void interp_q_store_acc(const InterpArgs *a, int64_t out_index, double acc, int64_t col) {
    (void)col;
    a->out[0]->data[out_index] = acc;
}

bool interp_matmulinteger(const InterpArgs *a) {
    interp_q_matmul(a, a->in[0], a->n_in > 2 ? a->in[2] : NULL, a->in[1],
                    a->n_in > 3 ? a->in[3] : NULL, interp_q_store_acc);
    return true;
}

/* QLinearMatMul's requantization of one accumulator in column col. */
static void interp_q_requant(const InterpArgs *a, int64_t out_index, double acc, int64_t col) {
    const InterpValue *bs = a->in[4];
    float mult = (float)a->in[1]->data[0] * (float)bs->data[bs->numel == 1 ? 0 : col];
    mult = mult / (float)a->in[6]->data[0];
    double lo, hi;
    interp_q_range(a->out[0]->type.dtype, &lo, &hi);
    a->out[0]->data[out_index] = interp_q_saturate((float)acc * mult, a->in[7]->data[0], lo, hi);
}

bool interp_qlinearmatmul(const InterpArgs *a) {
    interp_q_matmul(a, a->in[0], a->in[2], a->in[3], a->in[5], interp_q_requant);
    return true;
}
