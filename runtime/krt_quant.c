/* Quantization kernels (krt_quant.h). */
#include "kiln_rt.h"

#include <math.h>

/* acc + v with i32 wrap-around instead of undefined overflow (ONNX leaves an overflowing
 * accumulator undefined; kiln wraps modulo 2^32). */
static inline int32_t krt_q_add(int32_t acc, int32_t v) {
    return (int32_t)((uint32_t)acc + (uint32_t)v);
}

/* saturate(round_half_even(v) + zp) into [lo, hi]; NaN gives lo. */
static inline float krt_q_saturate(float v, float zp, float lo, float hi) {
    float q = nearbyintf(v) + zp;
    if (!(q >= lo)) return lo;
    return q > hi ? hi : q;
}

#define KRT_DEFINE_QUANTIZE(S, T, LO, HI)                                                          \
    void krt_quantize_##S(const float *x, const float *scale, const T *zp, T *y, int64_t outer,    \
                          int64_t len, int64_t inner) {                                            \
        for (int64_t o = 0; o < outer; o++)                                                        \
            for (int64_t c = 0; c < len; c++) {                                                    \
                float s = scale[c], z = zp ? (float)zp[c] : 0.0f;                                  \
                const float *xp = x + (o * len + c) * inner;                                       \
                T *yp = y + (o * len + c) * inner;                                                 \
                for (int64_t i = 0; i < inner; i++)                                                \
                    yp[i] = (T)krt_q_saturate(xp[i] / s, z, (LO), (HI));                           \
            }                                                                                      \
    }
KRT_DEFINE_QUANTIZE(u8, uint8_t, 0.0f, 255.0f)
KRT_DEFINE_QUANTIZE(i8, int8_t, -128.0f, 127.0f)
#undef KRT_DEFINE_QUANTIZE

#define KRT_DEFINE_DEQUANTIZE(S, T)                                                                \
    void krt_dequantize_##S(const T *x, const float *scale, const T *zp, float *y, int64_t outer,  \
                            int64_t len, int64_t inner) {                                          \
        for (int64_t o = 0; o < outer; o++)                                                        \
            for (int64_t c = 0; c < len; c++) {                                                    \
                float s = scale[c];                                                                \
                int64_t z = zp ? (int64_t)zp[c] : 0;                                               \
                const T *xp = x + (o * len + c) * inner;                                           \
                float *yp = y + (o * len + c) * inner;                                             \
                for (int64_t i = 0; i < inner; i++) yp[i] = (float)((int64_t)xp[i] - z) * s;       \
            }                                                                                      \
    }
KRT_DEFINE_DEQUANTIZE(u8, uint8_t)
KRT_DEFINE_DEQUANTIZE(i8, int8_t)
KRT_DEFINE_DEQUANTIZE(i32, int32_t)
#undef KRT_DEFINE_DEQUANTIZE

void krt_dynamic_quantize_f32(const float *x, int64_t n, uint8_t *y, float *scale, uint8_t *zp) {
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    float s = (hi - lo) / 255.0f;
    *scale = s;
    if (s == 0.0f) {
        *zp = 0;
        for (int64_t i = 0; i < n; i++) y[i] = 0;
        return;
    }
    float z = krt_q_saturate(-lo / s, 0.0f, 0.0f, 255.0f);
    *zp = (uint8_t)z;
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)krt_q_saturate(x[i] / s, z, 0.0f, 255.0f);
}

/* Rows of the accumulator are built a row of a at a time: acc[j] += (a[i,t] - az) *
 * (b[t,j] - bz[j]), which streams rows of b (contiguous inner loop). */
#define KRT_DEFINE_MATMUL_INTEGER(SA, TA, SB, TB)                                                  \
    void krt_matmul_integer_##SA##SB(const TA *a, const TB *b, int32_t *y, int64_t m, int64_t k,   \
                                     int64_t n, const TA *a_zp, int64_t a_zp_len, const TB *b_zp,  \
                                     int64_t b_zp_len) {                                           \
        for (int64_t i = 0; i < m; i++) {                                                          \
            int32_t *yr = y + i * n;                                                               \
            int32_t az = a_zp ? (int32_t)a_zp[a_zp_len == 1 ? 0 : i] : 0;                          \
            for (int64_t j = 0; j < n; j++) yr[j] = 0;                                             \
            for (int64_t t = 0; t < k; t++) {                                                      \
                int32_t av = (int32_t)a[i * k + t] - az;                                           \
                const TB *br = b + t * n;                                                          \
                if (!b_zp) {                                                                       \
                    for (int64_t j = 0; j < n; j++) yr[j] = krt_q_add(yr[j], av * (int32_t)br[j]); \
                } else {                                                                           \
                    for (int64_t j = 0; j < n; j++)                                                \
                        yr[j] = krt_q_add(                                                         \
                            yr[j], av * ((int32_t)br[j] - (int32_t)b_zp[b_zp_len == 1 ? 0 : j]));  \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }
KRT_DEFINE_MATMUL_INTEGER(u8, uint8_t, u8, uint8_t)
KRT_DEFINE_MATMUL_INTEGER(u8, uint8_t, i8, int8_t)
KRT_DEFINE_MATMUL_INTEGER(i8, int8_t, u8, uint8_t)
KRT_DEFINE_MATMUL_INTEGER(i8, int8_t, i8, int8_t)
#undef KRT_DEFINE_MATMUL_INTEGER

/* Accumulator chunk of QLinearMatMul: a fixed number of columns kept on the stack. */
#define KRT_QMM_CHUNK 256

#define KRT_DEFINE_QLINEAR_MATMUL(SA, TA, SB, TB, SY, TY)                                          \
    void krt_qlinear_matmul_##SA##SB##SY(const TA *a, const float *a_scale, const TA *a_zp,        \
                                         const TB *b, const float *b_scale, int64_t b_scale_len,   \
                                         const TB *b_zp, int64_t b_zp_len, const float *y_scale,   \
                                         const TY *y_zp, TY *y, int64_t m, int64_t k, int64_t n) { \
        int32_t acc[KRT_QMM_CHUNK];                                                                \
        const float lo = (TY)-1 < 0 ? -128.0f : 0.0f, hi = (TY)-1 < 0 ? 127.0f : 255.0f;           \
        float yz = (float)*y_zp;                                                                   \
        for (int64_t i = 0; i < m; i++) {                                                          \
            int32_t az = (int32_t)*a_zp;                                                           \
            for (int64_t j0 = 0; j0 < n; j0 += KRT_QMM_CHUNK) {                                    \
                int64_t cols = n - j0 < KRT_QMM_CHUNK ? n - j0 : KRT_QMM_CHUNK;                    \
                for (int64_t j = 0; j < cols; j++) acc[j] = 0;                                     \
                for (int64_t t = 0; t < k; t++) {                                                  \
                    int32_t av = (int32_t)a[i * k + t] - az;                                       \
                    const TB *br = b + t * n + j0;                                                 \
                    for (int64_t j = 0; j < cols; j++) {                                           \
                        int32_t bz = (int32_t)b_zp[b_zp_len == 1 ? 0 : j0 + j];                    \
                        acc[j] = krt_q_add(acc[j], av * ((int32_t)br[j] - bz));                    \
                    }                                                                              \
                }                                                                                  \
                for (int64_t j = 0; j < cols; j++) {                                               \
                    float mult = *a_scale * b_scale[b_scale_len == 1 ? 0 : j0 + j];                \
                    mult = mult / *y_scale;                                                        \
                    y[i * n + j0 + j] = (TY)krt_q_saturate((float)acc[j] * mult, yz, lo, hi);      \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }
KRT_QLINEAR_MATMUL_VARIANTS(KRT_DEFINE_QLINEAR_MATMUL)
#undef KRT_DEFINE_QLINEAR_MATMUL
