/* Interpreter: Conv, the pools, BatchNormalization and InstanceNormalization (ir/ops_cnn.h).
 * Spatial dims are handled as three (missing ones have size 1), sums accumulate in double. */
#include "interp_internal.h"

#include <math.h>

/* A window padded to three spatial dims: dims beyond n_spatial have size, kernel, stride and
 * dilation 1 and no padding. */
static void interp_cnn_pad3(IrCnnWindow *w) {
    for (int k = w->n_spatial; k < IR_CNN_MAX_SPATIAL; k++) {
        w->in[k] = w->out[k] = w->kernel[k] = w->stride[k] = w->dilation[k] = 1;
        w->pad_begin[k] = w->pad_end[k] = 0;
    }
}

/* Resolves node n's window over x with the given kernel; the shape rule has accepted it. */
static void interp_cnn_window(const InterpArgs *a, const int64_t *kernel, IrCnnWindow *w) {
    const IrType *t = &a->in[0]->type;
    int64_t in[IR_CNN_MAX_SPATIAL];
    for (int k = 2; k < t->rank; k++) in[k - 2] = interp_dim(t, k);
    const char *why = ir_cnn_window(a->n, t->rank - 2, in, kernel, w);
    KILN_ASSERT(why == NULL);
    interp_cnn_pad3(w);
}

/* Input position of output position o, kernel tap j along spatial dim k. */
static inline int64_t interp_cnn_pos(const IrCnnWindow *w, int k, int64_t o, int64_t j) {
    return o * w->stride[k] - w->pad_begin[k] + j * w->dilation[k];
}

/* Conv: x[N, C, S...], w[M, C/group, K...], optional b[M]. */
bool interp_conv(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *wt = a->in[1];
    const InterpValue *b = a->n_in > 2 ? a->in[2] : NULL;
    int64_t kernel[IR_CNN_MAX_SPATIAL];
    for (int k = 2; k < wt->type.rank; k++) kernel[k - 2] = interp_dim(&wt->type, k);
    IrCnnWindow w;
    interp_cnn_window(a, kernel, &w);
    int64_t n = interp_dim(&x->type, 0), c = interp_dim(&x->type, 1);
    int64_t m = interp_dim(&wt->type, 0), cg = interp_dim(&wt->type, 1);
    int64_t mg = m / (c / cg); /* output channels per group */
    int64_t in_plane = w.in[0] * w.in[1] * w.in[2], out_plane = w.out[0] * w.out[1] * w.out[2];
    int64_t taps = w.kernel[0] * w.kernel[1] * w.kernel[2];
    double *y = a->out[0]->data;
    for (int64_t in_ = 0; in_ < n; in_++) {
        for (int64_t om = 0; om < m; om++) {
            int64_t grp = om / mg;
            for (int64_t o0 = 0; o0 < w.out[0]; o0++)
                for (int64_t o1 = 0; o1 < w.out[1]; o1++)
                    for (int64_t o2 = 0; o2 < w.out[2]; o2++) {
                        double sum = b ? b->data[om] : 0.0;
                        for (int64_t ic = 0; ic < cg; ic++) {
                            const double *xp = x->data + (in_ * c + grp * cg + ic) * in_plane;
                            const double *wp = wt->data + (om * cg + ic) * taps;
                            for (int64_t j0 = 0; j0 < w.kernel[0]; j0++) {
                                int64_t p0 = interp_cnn_pos(&w, 0, o0, j0);
                                if (p0 < 0 || p0 >= w.in[0]) continue;
                                for (int64_t j1 = 0; j1 < w.kernel[1]; j1++) {
                                    int64_t p1 = interp_cnn_pos(&w, 1, o1, j1);
                                    if (p1 < 0 || p1 >= w.in[1]) continue;
                                    for (int64_t j2 = 0; j2 < w.kernel[2]; j2++) {
                                        int64_t p2 = interp_cnn_pos(&w, 2, o2, j2);
                                        if (p2 < 0 || p2 >= w.in[2]) continue;
                                        sum += wp[(j0 * w.kernel[1] + j1) * w.kernel[2] + j2] *
                                               xp[(p0 * w.in[1] + p1) * w.in[2] + p2];
                                    }
                                }
                            }
                        }
                        y[(in_ * m + om) * out_plane + (o0 * w.out[1] + o1) * w.out[2] + o2] = sum;
                    }
        }
    }
    return true;
}

/* MaxPool / AveragePool over every (n, c) plane. */
static bool interp_pool(const InterpArgs *a, bool is_max) {
    const IrAttr *ks = ir_attr_find(a->n, "kernel_shape");
    IrCnnWindow w;
    interp_cnn_window(a, ks->ints, &w);
    bool include_pad = !is_max && ir_attr_int(a->n, "count_include_pad") != 0;
    const IrType *t = &a->in[0]->type;
    int64_t planes = interp_dims_product(t, 0, 2);
    int64_t in_plane = w.in[0] * w.in[1] * w.in[2], out_plane = w.out[0] * w.out[1] * w.out[2];
    for (int64_t pl = 0; pl < planes; pl++) {
        const double *xp = a->in[0]->data + pl * in_plane;
        double *yp = a->out[0]->data + pl * out_plane;
        for (int64_t o0 = 0; o0 < w.out[0]; o0++)
            for (int64_t o1 = 0; o1 < w.out[1]; o1++)
                for (int64_t o2 = 0; o2 < w.out[2]; o2++) {
                    double acc = is_max ? -INFINITY : 0.0, count = 0.0, padded = 1.0;
                    int64_t o[3] = {o0, o1, o2};
                    /* positions inside x plus its explicit pads, per dim, for the divisor */
                    for (int k = 0; k < 3; k++) {
                        int64_t inside = 0;
                        for (int64_t j = 0; j < w.kernel[k]; j++) {
                            int64_t p = interp_cnn_pos(&w, k, o[k], j);
                            inside += p >= -w.pad_begin[k] && p < w.in[k] + w.pad_end[k];
                        }
                        padded *= (double)inside;
                    }
                    for (int64_t j0 = 0; j0 < w.kernel[0]; j0++) {
                        int64_t p0 = interp_cnn_pos(&w, 0, o0, j0);
                        if (p0 < 0 || p0 >= w.in[0]) continue;
                        for (int64_t j1 = 0; j1 < w.kernel[1]; j1++) {
                            int64_t p1 = interp_cnn_pos(&w, 1, o1, j1);
                            if (p1 < 0 || p1 >= w.in[1]) continue;
                            for (int64_t j2 = 0; j2 < w.kernel[2]; j2++) {
                                int64_t p2 = interp_cnn_pos(&w, 2, o2, j2);
                                if (p2 < 0 || p2 >= w.in[2]) continue;
                                double v = xp[(p0 * w.in[1] + p1) * w.in[2] + p2];
                                if (is_max) {
                                    if (v > acc || isnan(v)) acc = v;
                                } else {
                                    acc += v;
                                }
                                count += 1.0;
                            }
                        }
                    }
                    if (!is_max) acc = count > 0 ? acc / (include_pad ? padded : count) : 0.0;
                    yp[(o0 * w.out[1] + o1) * w.out[2] + o2] = acc;
                }
    }
    return true;
}

bool interp_maxpool(const InterpArgs *a) {
    return interp_pool(a, true);
}
bool interp_averagepool(const InterpArgs *a) {
    return interp_pool(a, false);
}

/* Global pools: each (n, c) plane of x reduces to one value. */
static bool interp_global_pool(const InterpArgs *a, bool is_max) {
    const IrType *t = &a->in[0]->type;
    int64_t planes = interp_dims_product(t, 0, 2), len = interp_dims_product(t, 2, t->rank);
    for (int64_t pl = 0; pl < planes; pl++) {
        const double *xp = a->in[0]->data + pl * len;
        double acc = is_max ? -INFINITY : 0.0;
        for (int64_t i = 0; i < len; i++) {
            if (is_max) {
                if (xp[i] > acc || isnan(xp[i])) acc = xp[i];
            } else {
                acc += xp[i];
            }
        }
        a->out[0]->data[pl] = is_max ? acc : (len > 0 ? acc / (double)len : 0.0);
    }
    return true;
}
bool interp_globalaveragepool(const InterpArgs *a) {
    return interp_global_pool(a, false);
}
bool interp_globalmaxpool(const InterpArgs *a) {
    return interp_global_pool(a, true);
}

/* BatchNormalization (inference): per channel c, y = (x - mean[c]) / sqrt(var[c] + eps) *
 * scale[c] + bias[c]; x viewed as [N, C, inner]. */
bool interp_batchnorm(const InterpArgs *a) {
    const IrType *t = &a->in[0]->type;
    int64_t n = interp_dim(t, 0), c = interp_dim(t, 1), inner = interp_dims_product(t, 2, t->rank);
    double eps = ir_attr_float(a->n, "epsilon");
    const double *scale = a->in[1]->data, *bias = a->in[2]->data;
    const double *mean = a->in[3]->data, *var = a->in[4]->data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++) {
            double k = scale[ch] / sqrt(var[ch] + eps);
            const double *xp = a->in[0]->data + (i * c + ch) * inner;
            double *yp = a->out[0]->data + (i * c + ch) * inner;
            for (int64_t e = 0; e < inner; e++) yp[e] = (xp[e] - mean[ch]) * k + bias[ch];
        }
    return true;
}

/* InstanceNormalization: every (n, c) plane normalized by its own mean and biased variance. */
bool interp_instancenorm(const InterpArgs *a) {
    const IrType *t = &a->in[0]->type;
    int64_t c = interp_dim(t, 1), planes = interp_dims_product(t, 0, 2);
    int64_t len = interp_dims_product(t, 2, t->rank);
    double eps = ir_attr_float(a->n, "epsilon");
    for (int64_t pl = 0; pl < planes; pl++) {
        const double *xp = a->in[0]->data + pl * len;
        double *yp = a->out[0]->data + pl * len;
        double sum = 0.0, sq = 0.0;
        for (int64_t e = 0; e < len; e++) sum += xp[e];
        double mean = len > 0 ? sum / (double)len : 0.0;
        for (int64_t e = 0; e < len; e++) sq += (xp[e] - mean) * (xp[e] - mean);
        double inv = 1.0 / sqrt((len > 0 ? sq / (double)len : 0.0) + eps);
        double scale = a->in[1]->data[pl % c], bias = a->in[2]->data[pl % c];
        for (int64_t e = 0; e < len; e++) yp[e] = (xp[e] - mean) * inv * scale + bias;
    }
    return true;
}
