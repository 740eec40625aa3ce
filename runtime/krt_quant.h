/* krt_quant.h: integer kernels for the quantization op family (ir/ops_quant.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals).
 *
 * Float steps are done in float and rounding is half to even (nearbyintf in the default
 * rounding mode), exactly as ir/ops_quant.h defines the ops, so results match kiln's
 * interpreter bit for bit. Zero-point pointers may be NULL (zero). Names end in the element types
 * of the integer operands: u8 (uint8_t), i8 (int8_t), i32 (int32_t). */
#ifndef KILN_KRT_QUANT_H
#define KILN_KRT_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* y = saturate(round(x / scale[c]) + zp[c]) for x viewed as [outer, len, inner], c the middle
 * index (per-tensor parameters: len 1). NaN gives the type's minimum. */
void krt_quantize_u8(const float *x, const float *scale, const uint8_t *zp, uint8_t *y,
                     int64_t outer, int64_t len, int64_t inner);
void krt_quantize_i8(const float *x, const float *scale, const int8_t *zp, int8_t *y, int64_t outer,
                     int64_t len, int64_t inner);

/* y = (float)(x - zp[c]) * scale[c], same layout as krt_quantize_*. */
void krt_dequantize_u8(const uint8_t *x, const float *scale, const uint8_t *zp, float *y,
                       int64_t outer, int64_t len, int64_t inner);
void krt_dequantize_i8(const int8_t *x, const float *scale, const int8_t *zp, float *y,
                       int64_t outer, int64_t len, int64_t inner);
void krt_dequantize_i32(const int32_t *x, const float *scale, const int32_t *zp, float *y,
                        int64_t outer, int64_t len, int64_t inner);

/* DynamicQuantizeLinear of x[n]: *scale = (max(0, max x) - min(0, min x)) / 255,
 * *zp = saturate(round(-min / scale)), y = saturate(round(x / scale) + zp); all zero when the
 * scale is 0. */
void krt_dynamic_quantize_f32(const float *x, int64_t n, uint8_t *y, float *scale, uint8_t *zp);

/* y[M, N] (i32) = (a[M, K] - a_zp) @ (b[K, N] - b_zp); a_zp has a_zp_len elements (1: per
 * tensor, M: per row), b_zp b_zp_len (1 or N: per column). Accumulates in i32. */
#define KRT_DECLARE_MATMUL_INTEGER(SA, TA, SB, TB)                                                 \
    void krt_matmul_integer_##SA##SB(const TA *a, const TB *b, int32_t *y, int64_t m, int64_t k,   \
                                     int64_t n, const TA *a_zp, int64_t a_zp_len, const TB *b_zp,  \
                                     int64_t b_zp_len);
KRT_DECLARE_MATMUL_INTEGER(u8, uint8_t, u8, uint8_t)
KRT_DECLARE_MATMUL_INTEGER(u8, uint8_t, i8, int8_t)
KRT_DECLARE_MATMUL_INTEGER(i8, int8_t, u8, uint8_t)
KRT_DECLARE_MATMUL_INTEGER(i8, int8_t, i8, int8_t)
#undef KRT_DECLARE_MATMUL_INTEGER

/* QLinearMatMul: acc = (a[M, K] - *a_zp) @ (b[K, N] - b_zp) in i32, then
 * y = saturate(round((float)acc * (*a_scale * b_scale[j] / *y_scale)) + *y_zp). b_scale has
 * b_scale_len elements and b_zp b_zp_len (1, or N per column). */
#define KRT_DECLARE_QLINEAR_MATMUL(SA, TA, SB, TB, SY, TY)                                         \
    void krt_qlinear_matmul_##SA##SB##SY(const TA *a, const float *a_scale, const TA *a_zp,        \
                                         const TB *b, const float *b_scale, int64_t b_scale_len,   \
                                         const TB *b_zp, int64_t b_zp_len, const float *y_scale,   \
                                         const TY *y_zp, TY *y, int64_t m, int64_t k, int64_t n);
#define KRT_QLINEAR_MATMUL_FOR_Y(X, SA, TA, SB, TB)                                                \
    X(SA, TA, SB, TB, u8, uint8_t) X(SA, TA, SB, TB, i8, int8_t)
#define KRT_QLINEAR_MATMUL_VARIANTS(X)                                                             \
    KRT_QLINEAR_MATMUL_FOR_Y(X, u8, uint8_t, u8, uint8_t)                                          \
    KRT_QLINEAR_MATMUL_FOR_Y(X, u8, uint8_t, i8, int8_t)                                           \
    KRT_QLINEAR_MATMUL_FOR_Y(X, i8, int8_t, u8, uint8_t)                                           \
    KRT_QLINEAR_MATMUL_FOR_Y(X, i8, int8_t, i8, int8_t)
KRT_QLINEAR_MATMUL_VARIANTS(KRT_DECLARE_QLINEAR_MATMUL)
#undef KRT_DECLARE_QLINEAR_MATMUL

/* ConvInteger: y[N, M, out...] (i32) = conv of (x[N, C, in...] - *x_zp) with
 * (w[M, C/group, kernel...] - w_zp[m]) over the window win (krt_cnn.h); positions outside x
 * contribute 0. x_zp may be NULL; w_zp has w_zp_len elements (1, or M per output channel). */
struct KrtWindow;
#define KRT_DECLARE_CONV_INTEGER(SA, TA, SB, TB)                                                   \
    void krt_conv_integer_##SA##SB(const TA *x, const TB *w, int32_t *y, int64_t n, int64_t c,     \
                                   int64_t m, int64_t group, const struct KrtWindow *win,          \
                                   const TA *x_zp, const TB *w_zp, int64_t w_zp_len);
KRT_DECLARE_CONV_INTEGER(u8, uint8_t, u8, uint8_t)
KRT_DECLARE_CONV_INTEGER(u8, uint8_t, i8, int8_t)
KRT_DECLARE_CONV_INTEGER(i8, int8_t, u8, uint8_t)
KRT_DECLARE_CONV_INTEGER(i8, int8_t, i8, int8_t)
#undef KRT_DECLARE_CONV_INTEGER

/* QLinearConv: acc = ConvInteger(x, w, *x_zp, w_zp) + bias[m] (bias may be NULL), then
 * y = saturate(round((float)acc * (*x_scale * w_scale[m] / *y_scale)) + *y_zp). w_scale has
 * w_scale_len elements and w_zp w_zp_len (1, or M per output channel). */
#define KRT_DECLARE_QLINEAR_CONV(SA, TA, SB, TB, SY, TY)                                           \
    void krt_qlinear_conv_##SA##SB##SY(                                                            \
        const TA *x, const float *x_scale, const TA *x_zp, const TB *w, const float *w_scale,      \
        int64_t w_scale_len, const TB *w_zp, int64_t w_zp_len, const float *y_scale,               \
        const TY *y_zp, const int32_t *bias, TY *y, int64_t n, int64_t c, int64_t m,               \
        int64_t group, const struct KrtWindow *win);
KRT_QLINEAR_MATMUL_VARIANTS(KRT_DECLARE_QLINEAR_CONV)
#undef KRT_DECLARE_QLINEAR_CONV

#endif
