/* krt_llm.h: KV-cache attention kernels for decoder LLMs (ir/ops_llm.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals). */
#ifndef KILN_KRT_LLM_H
#define KILN_KRT_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The KV cache state of one prefill or decode call, owned by the generated context.
 * cache: all layers, [n_layers][2 (k, v)][capacity][Hkv][D] f32, or f16/bf16 elements behind
 * the float pointer when the model was compiled with --kv f16|bf16 (the generated code knows
 * the sizes and casts); pos: tokens already cached; rows: real rows of this call. */
typedef struct KrtKvState {
    float *cache;
    int64_t capacity;
    int64_t pos;
    int64_t rows;
} KrtKvState;

/* One KvAttention call (ops_llm.h) on q[s, hq, d], k/v[s, hkv, d] into y[s, hq, d], with this
 * layer's caches kc/vc [capacity, hkv, d]: rows 0..rows-1 of k and v go to cache rows pos..,
 * then each real query row i attends causally over cache rows 0..pos+i; rows >= rows of y are
 * zeroed. Returns false, writing nothing, when rows is not in 1..s or pos + rows > capacity. */
bool krt_kv_attention_f32(const float *q, const float *k, const float *v, float *y, float *kc,
                          float *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                          int64_t hq, int64_t hkv, int64_t d, double scale);

#endif
