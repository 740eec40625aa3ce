/* The portable weight-format kernels (krt_wformat.h): per format, the dot product of one block
 * of x with one stored block of w, dequantizing each code in registers (decode's matvec), and
 * the dequantization of one block (at most 128 floats on the stack) shared by every row of x
 * (prefill's matmul). Dot products keep KRT_WF_LANES partial sums so plain `cc -O2`
 * vectorizes them; every sum is in f32. */
#include <string.h>

#include "kiln_rt.h"
#include "krt_wformat.h"

#define KRT_WF_LANES 8
#define KRT_WF_MAX_BLOCK 128 /* the largest group; i8's block is the row and is not staged */

static float krt_wf_get_f32(const unsigned char *p) {
    float v;
    memcpy(&v, p, sizeof v);
    return v;
}

static float krt_wf_lane_sum(const float s[KRT_WF_LANES]) {
    float t = 0.0f;
    for (int l = 0; l < KRT_WF_LANES; l++) t += s[l];
    return t;
}

/* ---- the dot product of x[0..n) with one block, per format -------------------------------- */

static float krt_wf_dot_f32(const float *x, const unsigned char *b, int64_t n) {
    float s[KRT_WF_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_WF_LANES <= n; p += KRT_WF_LANES)
        for (int l = 0; l < KRT_WF_LANES; l++) s[l] += x[p + l] * krt_wf_get_f32(b + 4 * (p + l));
    float t = krt_wf_lane_sum(s);
    for (; p < n; p++) t += x[p] * krt_wf_get_f32(b + 4 * p);
    return t;
}

static float krt_wf_h16(const unsigned char *b, int64_t i, bool bf) {
    uint16_t h;
    memcpy(&h, b + 2 * i, 2);
    return bf ? krt_bf16_to_f32(h) : krt_f16_to_f32(h);
}

static float krt_wf_dot_16(const float *x, const unsigned char *b, int64_t n, bool bf) {
    float s[KRT_WF_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_WF_LANES <= n; p += KRT_WF_LANES)
        for (int l = 0; l < KRT_WF_LANES; l++) s[l] += x[p + l] * krt_wf_h16(b, p + l, bf);
    float t = krt_wf_lane_sum(s);
    for (; p < n; p++) t += x[p] * krt_wf_h16(b, p, bf);
    return t;
}
static float krt_wf_dot_f16(const float *x, const unsigned char *b, int64_t n) {
    return krt_wf_dot_16(x, b, n, false);
}
static float krt_wf_dot_bf16(const float *x, const unsigned char *b, int64_t n) {
    return krt_wf_dot_16(x, b, n, true);
}

/* i8: scale x sum(x q). */
static float krt_wf_dot_i8(const float *x, const unsigned char *b, int64_t n) {
    const signed char *q = (const signed char *)(b + 4);
    float s[KRT_WF_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_WF_LANES <= n; p += KRT_WF_LANES)
        for (int l = 0; l < KRT_WF_LANES; l++) s[l] += x[p + l] * (float)q[p + l];
    float t = krt_wf_lane_sum(s);
    for (; p < n; p++) t += x[p] * (float)q[p];
    return t * krt_wf_get_f32(b);
}

/* i4, codes after `head` bytes, zero point z: scale x sum(x (c - z)); n is even. */
static float krt_wf_dot_i4(const float *x, const unsigned char *b, int64_t n, int head, int z) {
    const unsigned char *c = b + head;
    float s[KRT_WF_LANES] = {0};
    int64_t j = 0;
    for (; 2 * j + KRT_WF_LANES <= n; j += KRT_WF_LANES / 2)
        for (int l = 0; l < KRT_WF_LANES / 2; l++) {
            unsigned char v = c[j + l];
            s[2 * l] += x[2 * (j + l)] * (float)((v & 15) - z);
            s[2 * l + 1] += x[2 * (j + l) + 1] * (float)((v >> 4) - z);
        }
    float t = krt_wf_lane_sum(s);
    for (; 2 * j < n; j++)
        t += x[2 * j] * (float)((c[j] & 15) - z) + x[2 * j + 1] * (float)((c[j] >> 4) - z);
    return t * krt_wf_get_f32(b);
}
static float krt_wf_dot_i4s(const float *x, const unsigned char *b, int64_t n) {
    return krt_wf_dot_i4(x, b, n, 4, 8);
}
static float krt_wf_dot_i4a(const float *x, const unsigned char *b, int64_t n) {
    return krt_wf_dot_i4(x, b, n, 8, b[4]);
}

/* ---- one block dequantized into out[0..n) --------------------------------------------------- */

static void krt_wf_deq_f32(const unsigned char *b, int64_t n, float *out) {
    memcpy(out, b, (size_t)n * sizeof *out);
}
static void krt_wf_deq_f16(const unsigned char *b, int64_t n, float *out) {
    for (int64_t i = 0; i < n; i++) out[i] = krt_wf_h16(b, i, false);
}
static void krt_wf_deq_bf16(const unsigned char *b, int64_t n, float *out) {
    for (int64_t i = 0; i < n; i++) out[i] = krt_wf_h16(b, i, true);
}
static void krt_wf_deq_i8(const unsigned char *b, int64_t n, float *out) {
    float s = krt_wf_get_f32(b);
    for (int64_t i = 0; i < n; i++) out[i] = (float)(signed char)b[4 + i] * s;
}
static void krt_wf_deq_i4(const unsigned char *b, int64_t n, int head, int z, float *out) {
    float s = krt_wf_get_f32(b);
    for (int64_t j = 0; j < n / 2; j++) {
        out[2 * j] = (float)((b[head + j] & 15) - z) * s;
        out[2 * j + 1] = (float)((b[head + j] >> 4) - z) * s;
    }
}
static void krt_wf_deq_i4s(const unsigned char *b, int64_t n, float *out) {
    krt_wf_deq_i4(b, n, 4, 8, out);
}
static void krt_wf_deq_i4a(const unsigned char *b, int64_t n, float *out) {
    krt_wf_deq_i4(b, n, 8, b[4], out);
}

/* ---- the entry points ------------------------------------------------------------------------
 * BLOCK elements per block (0: the row), HEAD bytes before the codes, BITS per code. matvec sums
 * the blocks' dot products per column. matmul stages one block of one column (at most 128
 * floats; f32 and i8 read in place) and adds its dot product with every row of x: a block is
 * dequantized once per call, not once per row. */

static float krt_wf_dot_plain(const float *x, const float *w, int64_t n) {
    float s[KRT_WF_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_WF_LANES <= n; p += KRT_WF_LANES)
        for (int l = 0; l < KRT_WF_LANES; l++) s[l] += x[p + l] * w[p + l];
    float t = krt_wf_lane_sum(s);
    for (; p < n; p++) t += x[p] * w[p];
    return t;
}

/* Elementwise formats (block 1) are read a row at a time by matvec and staged 128 elements at a
 * time by matmul. */
#define KRT_WF_DEFINE(F, BLOCK, HEAD, BITS, DOT, DEQ)                                              \
    void krt_wf_matvec_##F(const float *x, const void *w, float *y, int64_t k, int64_t j0,         \
                           int64_t j1) {                                                           \
        int64_t b = (BLOCK) > 1 ? (BLOCK) : k;                                                     \
        size_t step = (size_t)(HEAD) + (size_t)b * (BITS) / 8, row = krt_wf_row_bytes(KRT_##F, k); \
        for (int64_t j = j0; j < j1; j++) {                                                        \
            const unsigned char *r = (const unsigned char *)w + (size_t)j * row;                   \
            float acc = 0.0f;                                                                      \
            for (int64_t p = 0; p < k; p += b, r += step) acc += DOT(x + p, r, b);                 \
            y[j] = acc;                                                                            \
        }                                                                                          \
    }                                                                                              \
    void krt_wf_matmul_##F(const float *x, const void *w, float *y, int64_t m, int64_t k,          \
                           int64_t n, int64_t j0, int64_t j1) {                                    \
        int64_t b = (BLOCK) > 1 ? (BLOCK) : (BLOCK) == 1 ? KRT_WF_MAX_BLOCK : k;                   \
        size_t row = krt_wf_row_bytes(KRT_##F, k);                                                 \
        float stage[KRT_WF_MAX_BLOCK];                                                             \
        for (int64_t j = j0; j < j1; j++) {                                                        \
            const unsigned char *r = (const unsigned char *)w + (size_t)j * row;                   \
            for (int64_t i = 0; i < m; i++) y[i * n + j] = 0.0f;                                   \
            for (int64_t p = 0; p < k; p += b) {                                                   \
                int64_t len = b < k - p ? b : k - p;                                               \
                if (len > KRT_WF_MAX_BLOCK) {                                                      \
                    for (int64_t i = 0; i < m; i++) y[i * n + j] += DOT(x + i * k + p, r, len);    \
                } else {                                                                           \
                    DEQ(r, len, stage);                                                            \
                    for (int64_t i = 0; i < m; i++)                                                \
                        y[i * n + j] += krt_wf_dot_plain(x + i * k + p, stage, len);               \
                }                                                                                  \
                r += (size_t)(HEAD) + (size_t)len * (BITS) / 8;                                    \
            }                                                                                      \
        }                                                                                          \
    }

#define KRT_f32 KRT_WF_F32
#define KRT_f16 KRT_WF_F16
#define KRT_bf16 KRT_WF_BF16
#define KRT_i8 KRT_WF_I8
#define KRT_i4g32 KRT_WF_I4G32
#define KRT_i4g64 KRT_WF_I4G64
#define KRT_i4g128 KRT_WF_I4G128
#define KRT_i4g32a KRT_WF_I4G32A
#define KRT_i4g64a KRT_WF_I4G64A
#define KRT_i4g128a KRT_WF_I4G128A

KRT_WF_DEFINE(f32, 1, 0, 32, krt_wf_dot_f32, krt_wf_deq_f32)
KRT_WF_DEFINE(f16, 1, 0, 16, krt_wf_dot_f16, krt_wf_deq_f16)
KRT_WF_DEFINE(bf16, 1, 0, 16, krt_wf_dot_bf16, krt_wf_deq_bf16)
KRT_WF_DEFINE(i8, 0, 4, 8, krt_wf_dot_i8, krt_wf_deq_i8)
KRT_WF_DEFINE(i4g32, 32, 4, 4, krt_wf_dot_i4s, krt_wf_deq_i4s)
KRT_WF_DEFINE(i4g64, 64, 4, 4, krt_wf_dot_i4s, krt_wf_deq_i4s)
KRT_WF_DEFINE(i4g128, 128, 4, 4, krt_wf_dot_i4s, krt_wf_deq_i4s)
KRT_WF_DEFINE(i4g32a, 32, 8, 4, krt_wf_dot_i4a, krt_wf_deq_i4a)
KRT_WF_DEFINE(i4g64a, 64, 8, 4, krt_wf_dot_i4a, krt_wf_deq_i4a)
KRT_WF_DEFINE(i4g128a, 128, 8, 4, krt_wf_dot_i4a, krt_wf_deq_i4a)

const KrtWfKernels krt_wf_portable[KRT_WF_COUNT] = {
#define KRT_WF_ROW(F) {krt_wf_matvec_##F, krt_wf_matmul_##F},
    KRT_WF_FORMATS(KRT_WF_ROW)
#undef KRT_WF_ROW
};

void krt_wf_dequant_row(int format, const void *row, int64_t k, float *out) {
    const unsigned char *r = row;
    int64_t g = format == KRT_WF_I4G32 || format == KRT_WF_I4G32A   ? 32
                : format == KRT_WF_I4G64 || format == KRT_WF_I4G64A ? 64
                                                                    : 128;
    switch (format) {
    case KRT_WF_F32:
        krt_wf_deq_f32(r, k, out);
        return;
    case KRT_WF_F16:
        krt_wf_deq_f16(r, k, out);
        return;
    case KRT_WF_BF16:
        krt_wf_deq_bf16(r, k, out);
        return;
    case KRT_WF_I8:
        krt_wf_deq_i8(r, k, out);
        return;
    case KRT_WF_I4G32:
    case KRT_WF_I4G64:
    case KRT_WF_I4G128:
        for (int64_t p = 0; p < k; p += g, r += 4 + g / 2) krt_wf_deq_i4s(r, g, out + p);
        return;
    default:
        for (int64_t p = 0; p < k; p += g, r += 8 + g / 2) krt_wf_deq_i4a(r, g, out + p);
        return;
    }
}
