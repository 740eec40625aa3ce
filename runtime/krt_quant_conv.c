/* Integer convolutions (krt_quant.h): ConvInteger and QLinearConv, a direct loop per output
 * element with an i32 accumulator in a register (no workspace needed). */
#include "kiln_rt.h"

#include <math.h>

/* saturate(round_half_even(v) + zp) into [lo, hi]; NaN gives lo. */
static inline float krt_qc_saturate(float v, float zp, float lo, float hi) {
    float q = nearbyintf(v) + zp;
    if (!(q >= lo)) return lo;
    return q > hi ? hi : q;
}

/* acc + v with i32 wrap-around instead of undefined overflow. */
static inline int32_t krt_qc_add(int32_t acc, int32_t v) {
    return (int32_t)((uint32_t)acc + (uint32_t)v);
}

/* acc of output position o: sum over the cg input channels of group plane xg (first channel of
 * the group) and the taps of wm (weights of one output channel) of (x - xz) * (w - wz). */
#define KRT_DEFINE_QCONV_ACC(SA, TA, SB, TB)                                                       \
    static int32_t krt_qconv_acc_##SA##SB(const TA *xg, const TB *wm, int64_t cg,                  \
                                          const KrtWindow *win, const int64_t *o, int32_t xz,      \
                                          int32_t wz) {                                            \
        int64_t in_plane = win->in[0] * win->in[1] * win->in[2];                                   \
        int64_t taps = win->kernel[0] * win->kernel[1] * win->kernel[2];                           \
        int32_t acc = 0;                                                                           \
        for (int64_t ic = 0; ic < cg; ic++) {                                                      \
            const TA *xp = xg + ic * in_plane;                                                     \
            const TB *wp = wm + ic * taps;                                                         \
            for (int64_t j0 = 0; j0 < win->kernel[0]; j0++) {                                      \
                int64_t p0 = o[0] * win->stride[0] - win->pad_begin[0] + j0 * win->dilation[0];    \
                if (p0 < 0 || p0 >= win->in[0]) continue;                                          \
                for (int64_t j1 = 0; j1 < win->kernel[1]; j1++) {                                  \
                    int64_t p1 =                                                                   \
                        o[1] * win->stride[1] - win->pad_begin[1] + j1 * win->dilation[1];         \
                    if (p1 < 0 || p1 >= win->in[1]) continue;                                      \
                    const TA *xr = xp + (p0 * win->in[1] + p1) * win->in[2];                       \
                    const TB *wr = wp + (j0 * win->kernel[1] + j1) * win->kernel[2];               \
                    for (int64_t j2 = 0; j2 < win->kernel[2]; j2++) {                              \
                        int64_t p2 =                                                               \
                            o[2] * win->stride[2] - win->pad_begin[2] + j2 * win->dilation[2];     \
                        if (p2 < 0 || p2 >= win->in[2]) continue;                                  \
                        acc = krt_qc_add(acc, ((int32_t)xr[p2] - xz) * ((int32_t)wr[j2] - wz));    \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        return acc;                                                                                \
    }

/* Walks every output element of a grouped convolution, binding b, om, grp, o[3] and the flat
 * output index `idx`, then runs BODY. */
#define KRT_QCONV_LOOP(BODY)                                                                       \
    int64_t cg = c / group, mg = m / group, idx = 0;                                               \
    int64_t in_plane = win->in[0] * win->in[1] * win->in[2];                                       \
    int64_t taps = win->kernel[0] * win->kernel[1] * win->kernel[2];                               \
    for (int64_t b = 0; b < n; b++)                                                                \
        for (int64_t om = 0; om < m; om++) {                                                       \
            int64_t grp = om / mg, o[3];                                                           \
            for (o[0] = 0; o[0] < win->out[0]; o[0]++)                                             \
                for (o[1] = 0; o[1] < win->out[1]; o[1]++)                                         \
                    for (o[2] = 0; o[2] < win->out[2]; o[2]++, idx++) {                            \
                        BODY                                                                       \
                    }                                                                              \
        }

#define KRT_DEFINE_CONV_INTEGER(SA, TA, SB, TB)                                                    \
    KRT_DEFINE_QCONV_ACC(SA, TA, SB, TB)                                                           \
    void krt_conv_integer_##SA##SB(const TA *x, const TB *w, int32_t *y, int64_t n, int64_t c,     \
                                   int64_t m, int64_t group, const struct KrtWindow *win,          \
                                   const TA *x_zp, const TB *w_zp, int64_t w_zp_len) {             \
        int32_t xz = x_zp ? (int32_t)*x_zp : 0;                                                    \
        KRT_QCONV_LOOP({                                                                           \
            int32_t wz = w_zp ? (int32_t)w_zp[w_zp_len == 1 ? 0 : om] : 0;                         \
            y[idx] = krt_qconv_acc_##SA##SB(x + (b * c + grp * cg) * in_plane, w + om * cg * taps, \
                                            cg, win, o, xz, wz);                                   \
        })                                                                                         \
    }
KRT_DEFINE_CONV_INTEGER(u8, uint8_t, u8, uint8_t)
KRT_DEFINE_CONV_INTEGER(u8, uint8_t, i8, int8_t)
KRT_DEFINE_CONV_INTEGER(i8, int8_t, u8, uint8_t)
KRT_DEFINE_CONV_INTEGER(i8, int8_t, i8, int8_t)
#undef KRT_DEFINE_CONV_INTEGER

#define KRT_DEFINE_QLINEAR_CONV(SA, TA, SB, TB, SY, TY)                                            \
    void krt_qlinear_conv_##SA##SB##SY(                                                            \
        const TA *x, const float *x_scale, const TA *x_zp, const TB *w, const float *w_scale,      \
        int64_t w_scale_len, const TB *w_zp, int64_t w_zp_len, const float *y_scale,               \
        const TY *y_zp, const int32_t *bias, TY *y, int64_t n, int64_t c, int64_t m,               \
        int64_t group, const struct KrtWindow *win) {                                              \
        const float lo = (TY)-1 < 0 ? -128.0f : 0.0f, hi = (TY)-1 < 0 ? 127.0f : 255.0f;           \
        int32_t xz = (int32_t)*x_zp;                                                               \
        float yz = (float)*y_zp;                                                                   \
        KRT_QCONV_LOOP({                                                                           \
            int32_t wz = (int32_t)w_zp[w_zp_len == 1 ? 0 : om];                                    \
            int32_t acc = krt_qconv_acc_##SA##SB(x + (b * c + grp * cg) * in_plane,                \
                                                 w + om * cg * taps, cg, win, o, xz, wz);          \
            if (bias) acc = krt_qc_add(acc, bias[om]);                                             \
            float mult = *x_scale * w_scale[w_scale_len == 1 ? 0 : om];                            \
            mult = mult / *y_scale;                                                                \
            y[idx] = (TY)krt_qc_saturate((float)acc * mult, yz, lo, hi);                           \
        })                                                                                         \
    }
KRT_QLINEAR_MATMUL_VARIANTS(KRT_DEFINE_QLINEAR_CONV)
#undef KRT_DEFINE_QLINEAR_CONV
