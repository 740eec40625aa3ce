/* KV-cache attention over a 16-bit cache (kiln compile --kv f16|bf16, krt_wformat.h): the
 * call's keys and values are rounded to f16 or bf16 (nearest even) as they enter the cache, and
 * every cached row is converted back to f32 in registers as it is read; the arithmetic is that
 * of krt_attention_f32 (f32 dot products, an online softmax with a double denominator), so an
 * f16/bf16 cache differs from an f32 one only by the rounding of what it stores. */
#include <math.h>

#include "kiln_rt.h"

typedef float (*KrtKvLoad)(uint16_t);
typedef uint16_t (*KrtKvStore)(float);

static bool krt_kv16_attention(const float *q, const float *k, const float *v, float *y,
                               uint16_t *kc, uint16_t *vc, int64_t capacity, int64_t pos,
                               int64_t rows, int64_t s, int64_t hq, int64_t hkv, int64_t d,
                               double scale, KrtKvLoad load, KrtKvStore store) {
    if (rows < 1 || rows > s || pos < 0 || pos > capacity - rows) return false;
    int64_t row = hkv * d;
    for (int64_t i = 0; i < rows * row; i++) {
        kc[pos * row + i] = store(k[i]);
        vc[pos * row + i] = store(v[i]);
    }
    int64_t group = hq / hkv;
    float fscale = (float)scale;
    for (int64_t i = 0; i < rows; i++) {
        int64_t last = pos + i; /* the last visible cache row */
        for (int64_t hh = 0; hh < hq; hh++) {
            const float *qr = q + (i * hq + hh) * d;
            float *yr = y + (i * hq + hh) * d;
            int64_t kvh = hh / group;
            for (int64_t c = 0; c < d; c++) yr[c] = 0.0f;
            float mx = -INFINITY;
            double denom = 0.0;
            for (int64_t j = 0; j <= last; j++) {
                const uint16_t *kr = kc + (j * hkv + kvh) * d;
                const uint16_t *vr = vc + (j * hkv + kvh) * d;
                float sc = 0.0f;
                for (int64_t c = 0; c < d; c++) sc += qr[c] * load(kr[c]);
                sc *= fscale;
                if (sc > mx) {
                    float shrink = expf(mx - sc); /* 0 for the first key */
                    for (int64_t c = 0; c < d; c++) yr[c] *= shrink;
                    denom *= shrink;
                    mx = sc;
                }
                float wgt = expf(sc - mx);
                denom += wgt;
                for (int64_t c = 0; c < d; c++) yr[c] += wgt * load(vr[c]);
            }
            if (denom > 0.0) {
                float inv = (float)(1.0 / denom);
                for (int64_t c = 0; c < d; c++) yr[c] *= inv;
            }
        }
    }
    for (int64_t i = rows * hq * d; i < s * hq * d; i++) y[i] = 0.0f;
    return true;
}

bool krt_kv_attention_f16kv(const float *q, const float *k, const float *v, float *y, uint16_t *kc,
                            uint16_t *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                            int64_t hq, int64_t hkv, int64_t d, double scale) {
    return krt_kv16_attention(q, k, v, y, kc, vc, capacity, pos, rows, s, hq, hkv, d, scale,
                              krt_f16_to_f32, krt_f32_to_f16);
}

bool krt_kv_attention_bf16kv(const float *q, const float *k, const float *v, float *y, uint16_t *kc,
                             uint16_t *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                             int64_t hq, int64_t hkv, int64_t d, double scale) {
    return krt_kv16_attention(q, k, v, y, kc, vc, capacity, pos, rows, s, hq, hkv, d, scale,
                              krt_bf16_to_f32, krt_f32_to_bf16);
}
