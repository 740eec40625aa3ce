/* Row-wise normalizations: Softmax, LayerNorm, RMSNorm (f32 data, double statistics). All may
 * run in place: every element is read before the same element is written. */
#include "kiln_rt.h"

#include <math.h>

void krt_softmax_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            int64_t base = o * len * inner + in;
            float mx = -INFINITY;
            for (int64_t j = 0; j < len; j++)
                if (x[base + j * inner] > mx) mx = x[base + j * inner];
            double sum = 0.0;
            for (int64_t j = 0; j < len; j++) {
                float e = expf(x[base + j * inner] - mx);
                y[base + j * inner] = e;
                sum += e;
            }
            float inv = (float)(1.0 / sum);
            for (int64_t j = 0; j < len; j++) y[base + j * inner] *= inv;
        }
    }
}

void krt_layernorm_f32(const float *x, const float *scale, const float *bias, float *y,
                       int64_t rows, int64_t n, double eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double sum = 0.0;
        for (int64_t j = 0; j < n; j++) sum += xr[j];
        double mean = sum / (double)n;
        double var = 0.0;
        for (int64_t j = 0; j < n; j++) var += ((double)xr[j] - mean) * ((double)xr[j] - mean);
        double inv = 1.0 / sqrt(var / (double)n + eps);
        for (int64_t j = 0; j < n; j++) {
            double v = ((double)xr[j] - mean) * inv;
            if (scale) v *= scale[j];
            if (bias) v += bias[j];
            yr[j] = (float)v;
        }
    }
}

void krt_rmsnorm_f32(const float *x, const float *scale, float *y, int64_t rows, int64_t n,
                     double eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double sq = 0.0;
        for (int64_t j = 0; j < n; j++) sq += (double)xr[j] * xr[j];
        double inv = 1.0 / sqrt(sq / (double)n + eps);
        for (int64_t j = 0; j < n; j++) {
            double v = (double)xr[j] * inv;
            if (scale) v *= scale[j];
            yr[j] = (float)v;
        }
    }
}
