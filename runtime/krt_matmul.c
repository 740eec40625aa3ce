/* Matrix products: MatMul and Linear, f32, accumulating in float. */
#include "kiln_rt.h"

/* Block sizes: a KRT_MM_KB x KRT_MM_NB panel of b (64 KiB) stays in L2 while every row of a
 * streams over it; the inner loop runs over contiguous columns so compilers vectorize it. */
#define KRT_MM_KB 64
#define KRT_MM_NB 256

void krt_matmul_f32(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m * n; i++) c[i] = 0.0f;
    for (int64_t j0 = 0; j0 < n; j0 += KRT_MM_NB) {
        int64_t j1 = j0 + KRT_MM_NB < n ? j0 + KRT_MM_NB : n;
        for (int64_t p0 = 0; p0 < k; p0 += KRT_MM_KB) {
            int64_t p1 = p0 + KRT_MM_KB < k ? p0 + KRT_MM_KB : k;
            for (int64_t i = 0; i < m; i++) {
                float *restrict crow = c + i * n;
                const float *restrict arow = a + i * k;
                for (int64_t p = p0; p < p1; p++) {
                    float av = arow[p];
                    const float *restrict brow = b + p * n;
                    for (int64_t j = j0; j < j1; j++) crow[j] += av * brow[j];
                }
            }
        }
    }
}

/* Four dot products of x rows against one w row at once, so each w row is read once per four
 * rows of x. */
static void krt_dot4(const float *x0, const float *x1, const float *x2, const float *x3,
                     const float *w, int64_t k, float out[4]) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int64_t p = 0; p < k; p++) {
        float wv = w[p];
        s0 += x0[p] * wv;
        s1 += x1[p] * wv;
        s2 += x2[p] * wv;
        s3 += x3[p] * wv;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

static float krt_dot(const float *x, const float *w, int64_t k) {
    float s = 0.0f;
    for (int64_t p = 0; p < k; p++) s += x[p] * w[p];
    return s;
}

void krt_linear_f32(const float *x, const float *w, const float *bias, float *y, int64_t m,
                    int64_t k, int64_t n, int transpose_w) {
    if (!transpose_w) {
        krt_matmul_f32(x, w, y, m, k, n);
    } else {
        int64_t i = 0;
        for (; i + 4 <= m; i += 4) {
            const float *xr = x + i * k;
            for (int64_t j = 0; j < n; j++) {
                float s[4];
                krt_dot4(xr, xr + k, xr + 2 * k, xr + 3 * k, w + j * k, k, s);
                for (int r = 0; r < 4; r++) y[(i + r) * n + j] = s[r];
            }
        }
        for (; i < m; i++)
            for (int64_t j = 0; j < n; j++) y[i * n + j] = krt_dot(x + i * k, w + j * k, k);
    }
    if (bias)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) y[i * n + j] += bias[j];
}
