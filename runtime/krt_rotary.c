/* Rotary position embedding (f32). */
#include "kiln_rt.h"

#include <math.h>

void krt_rotary_f32(const float *x, float *y, int64_t batch, int64_t s, int64_t h, int64_t d,
                    int64_t rotary_dim, int interleaved, double theta, KrtPositions pos) {
    int64_t half = rotary_dim / 2;
    for (int64_t b = 0; b < batch; b++) {
        for (int64_t t = 0; t < s; t++) {
            double p = pos.pos64   ? (double)pos.pos64[t]
                       : pos.pos32 ? (double)pos.pos32[t]
                                   : (double)(pos.offset + t);
            const float *xrow = x + (b * s + t) * h * d; /* [H, D] */
            float *yrow = y + (b * s + t) * h * d;
            /* The angle of pair i is the same for every head: compute it once per row. */
            for (int64_t i = 0; i < half; i++) {
                double angle = p * pow(theta, -2.0 * (double)i / (double)rotary_dim);
                float c = (float)cos(angle), sn = (float)sin(angle);
                int64_t i0 = interleaved ? 2 * i : i;
                int64_t i1 = interleaved ? 2 * i + 1 : i + half;
                for (int64_t hh = 0; hh < h; hh++) {
                    float a = xrow[hh * d + i0], bb = xrow[hh * d + i1];
                    yrow[hh * d + i0] = a * c - bb * sn;
                    yrow[hh * d + i1] = a * sn + bb * c;
                }
            }
            if (x != y)
                for (int64_t hh = 0; hh < h; hh++)
                    for (int64_t j = 2 * half; j < d; j++) yrow[hh * d + j] = xrow[hh * d + j];
        }
    }
}
