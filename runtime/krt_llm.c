/* KV-cache attention (krt_llm.h): a cache write followed by the ordinary causal attention
 * kernel over the cache, bottom-right aligned so that query i sees cache rows 0..pos+i. */
#include "kiln_rt.h"

#include <string.h>

bool krt_kv_attention_f32(const float *q, const float *k, const float *v, float *y, float *kc,
                          float *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                          int64_t hq, int64_t hkv, int64_t d, double scale) {
    if (rows < 1 || rows > s || pos < 0 || pos > capacity - rows) return false;
    size_t row_bytes = (size_t)(hkv * d) * sizeof(float);
    memcpy(kc + pos * hkv * d, k, (size_t)rows * row_bytes);
    memcpy(vc + pos * hkv * d, v, (size_t)rows * row_bytes);
    KrtAttnShape sh = {1, rows, pos + rows, hq, hkv, d, d};
    krt_attention_f32(q, kc, vc, y, sh, scale, 1);
    memset(y + rows * hq * d, 0, (size_t)((s - rows) * hq * d) * sizeof(float));
    return true;
}
