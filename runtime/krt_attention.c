/* Scaled dot-product attention (f32) with grouped-query heads and bottom-right causal masking.
 * One pass over the keys per query with an online softmax: the output row itself accumulates
 * the weighted values, rescaled whenever a larger score appears, so no scratch memory is
 * needed. */
#include "kiln_rt.h"

#include <math.h>

void krt_attention_f32(const float *q, const float *k, const float *v, float *y, KrtAttnShape sh,
                       double scale, int causal) {
    int64_t group = sh.hq / sh.hkv;
    float fscale = (float)scale;
    for (int64_t b = 0; b < sh.batch; b++) {
        const float *qb = q + b * sh.sq * sh.hq * sh.d;   /* [Sq, Hq, D] */
        const float *kb = k + b * sh.skv * sh.hkv * sh.d; /* [Skv, Hkv, D] */
        const float *vb = v + b * sh.skv * sh.hkv * sh.dv;
        float *yb = y + b * sh.sq * sh.hq * sh.dv; /* [Sq, Hq, Dv] */
        for (int64_t i = 0; i < sh.sq; i++) {
            int64_t last = causal ? i + (sh.skv - sh.sq) : sh.skv - 1; /* last visible key */
            if (last > sh.skv - 1) last = sh.skv - 1;
            for (int64_t hh = 0; hh < sh.hq; hh++) {
                const float *qr = qb + (i * sh.hq + hh) * sh.d;
                float *yr = yb + (i * sh.hq + hh) * sh.dv;
                int64_t kvh = hh / group;
                for (int64_t c = 0; c < sh.dv; c++) yr[c] = 0.0f;
                float mx = -INFINITY;
                double denom = 0.0;
                for (int64_t j = 0; j <= last; j++) {
                    const float *kr = kb + (j * sh.hkv + kvh) * sh.d;
                    const float *vr = vb + (j * sh.hkv + kvh) * sh.dv;
                    float sc = 0.0f;
                    for (int64_t c = 0; c < sh.d; c++) sc += qr[c] * kr[c];
                    sc *= fscale;
                    if (sc > mx) {
                        float shrink = expf(mx - sc); /* 0 for the first key */
                        for (int64_t c = 0; c < sh.dv; c++) yr[c] *= shrink;
                        denom *= shrink;
                        mx = sc;
                    }
                    float wgt = expf(sc - mx);
                    denom += wgt;
                    for (int64_t c = 0; c < sh.dv; c++) yr[c] += wgt * vr[c];
                }
                if (denom > 0.0) {
                    float inv = (float)(1.0 / denom);
                    for (int64_t c = 0; c < sh.dv; c++) yr[c] *= inv;
                }
            }
        }
    }
}
