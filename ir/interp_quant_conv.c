/* Interpreter: ConvInteger and QLinearConv (ir/ops_quant.h). The window comes from the shared
 * ir_cnn_window, so geometry agrees with Conv; spatial dims are handled as three. */
#include "interp_internal.h"

#include <math.h>

/* Which inputs hold what: ConvInteger (x 0, w 1, zero points 2 and 3) or QLinearConv (x 0,
 * w 3, zero points 2 and 5). */
typedef struct InterpQConv {
    const InterpValue *x, *w, *x_zp, *w_zp;
} InterpQConv;

/* Calls emit(a, out_index, acc, m) with acc = sum (x - x_zp) * (w - w_zp[m]) over the window of
 * every output element; positions outside x contribute 0. */
static void interp_qconv(const InterpArgs *a, const InterpQConv *q,
                         void (*emit)(const InterpArgs *, int64_t, double, int64_t)) {
    const IrType *tx = &q->x->type, *tw = &q->w->type;
    int64_t in[IR_CNN_MAX_SPATIAL], kernel[IR_CNN_MAX_SPATIAL];
    int ns = tx->rank - 2;
    for (int k = 0; k < ns; k++) {
        in[k] = interp_dim(tx, k + 2);
        kernel[k] = interp_dim(tw, k + 2);
    }
    IrCnnWindow w;
    const char *why = ir_cnn_window(a->n, ns, in, kernel, &w);
    KILN_ASSERT(why == NULL);
    for (int k = ns; k < IR_CNN_MAX_SPATIAL; k++) {
        w.in[k] = w.out[k] = w.kernel[k] = w.stride[k] = w.dilation[k] = 1;
        w.pad_begin[k] = w.pad_end[k] = 0;
    }
    int64_t n = interp_dim(tx, 0), c = interp_dim(tx, 1);
    int64_t m = interp_dim(tw, 0), cg = interp_dim(tw, 1), mg = m / (c / cg);
    int64_t in_plane = w.in[0] * w.in[1] * w.in[2], out_plane = w.out[0] * w.out[1] * w.out[2];
    int64_t taps = w.kernel[0] * w.kernel[1] * w.kernel[2];
    double xz = q->x_zp ? q->x_zp->data[0] : 0.0;
    for (int64_t b = 0; b < n; b++)
        for (int64_t om = 0; om < m; om++) {
            double wz = q->w_zp ? q->w_zp->data[q->w_zp->numel == 1 ? 0 : om] : 0.0;
            int64_t grp = om / mg, o[3];
            for (o[0] = 0; o[0] < w.out[0]; o[0]++)
                for (o[1] = 0; o[1] < w.out[1]; o[1]++)
                    for (o[2] = 0; o[2] < w.out[2]; o[2]++) {
                        double acc = 0.0;
                        for (int64_t ic = 0; ic < cg; ic++) {
                            const double *xp = q->x->data + (b * c + grp * cg + ic) * in_plane;
                            const double *wp = q->w->data + (om * cg + ic) * taps;
                            for (int64_t t = 0; t < taps; t++) {
                                int64_t j[3] = {t / (w.kernel[1] * w.kernel[2]),
                                                t / w.kernel[2] % w.kernel[1], t % w.kernel[2]};
                                int64_t p[3], inside = 1;
                                for (int k = 0; k < 3; k++) {
                                    p[k] =
                                        o[k] * w.stride[k] - w.pad_begin[k] + j[k] * w.dilation[k];
                                    inside &= p[k] >= 0 && p[k] < w.in[k];
                                }
                                if (!inside) continue;
                                acc += (xp[(p[0] * w.in[1] + p[1]) * w.in[2] + p[2]] - xz) *
                                       (wp[t] - wz);
                            }
                        }
                        emit(a,
                             (b * m + om) * out_plane + (o[0] * w.out[1] + o[1]) * w.out[2] + o[2],
                             acc, om);
                    }
        }
}

static void interp_qconv_store(const InterpArgs *a, int64_t out_index, double acc, int64_t m) {
    (void)m;
    a->out[0]->data[out_index] = acc;
}

bool interp_convinteger(const InterpArgs *a) {
    InterpQConv q = {a->in[0], a->in[1], a->n_in > 2 ? a->in[2] : NULL,
                     a->n_in > 3 ? a->in[3] : NULL};
    interp_qconv(a, &q, interp_qconv_store);
    return true;
}

/* QLinearConv's requantization of one accumulator of output channel m (float steps in float,
 * as ir/ops_quant.h defines them). */
static void interp_qconv_requant(const InterpArgs *a, int64_t out_index, double acc, int64_t m) {
    const InterpValue *ws = a->in[4];
    if (a->n_in > 8 && a->in[8]) acc += a->in[8]->data[m];
    float mult = (float)a->in[1]->data[0] * (float)ws->data[ws->numel == 1 ? 0 : m];
    mult = mult / (float)a->in[6]->data[0];
    double lo = a->out[0]->type.dtype == IR_DTYPE_I8 ? -128.0 : 0.0;
    double hi = a->out[0]->type.dtype == IR_DTYPE_I8 ? 127.0 : 255.0;
    double v = rint((double)((float)acc * mult)) + a->in[7]->data[0];
    a->out[0]->data[out_index] = !(v >= lo) ? lo : v > hi ? hi : v;
}

bool interp_qlinearconv(const InterpArgs *a) {
    InterpQConv q = {a->in[0], a->in[3], a->in[2], a->in[5]};
    interp_qconv(a, &q, interp_qconv_requant);
    return true;
}
