/* krt_wformat.h: kernels that read weights stored in a weight format (docs/quantization.md)
 * and dequantize them in registers, accumulating in f32. Nothing is dequantized into a buffer
 * larger than one block of one row.
 *
 * A weight w is f32[N, K] in the model and stored as N packed rows, each K/B blocks of B
 * elements (B = K for i8). The format numbers are kiln's IrWFormat (ir/wformat.h) and are fixed.
 * Block layouts, little-endian:
 *   f32     4-byte floats                       f16, bf16   2-byte floats
 *   i8      per row: f32 scale, K x int8 q      value = q x scale
 *   i4gG    per block of G: f32 scale, G/2 bytes; byte j holds element 2j in its low nibble
 *           and 2j+1 in its high nibble, code c: value = (c - 8) x scale
 *   i4gGa   per block of G: f32 scale, u8 zero point z, 3 zero bytes, G/2 bytes as above:
 *           value = (c - z) x scale
 *
 * Entry points, one per format and shape class, so that a per-ISA kernel table can replace any
 * of them: matvec (one row of x: decode) and matmul (m rows: prefill), each computing the output
 * columns j0..j1-1 without bias. */
#ifndef KRT_WFORMAT_H
#define KRT_WFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "krt_threads.h"

typedef enum KrtWFormat {
    KRT_WF_F32 = 0,
    KRT_WF_F16 = 1,
    KRT_WF_BF16 = 2,
    KRT_WF_I8 = 3,
    KRT_WF_I4G32 = 4,
    KRT_WF_I4G64 = 5,
    KRT_WF_I4G128 = 6,
    KRT_WF_I4G32A = 7,
    KRT_WF_I4G64A = 8,
    KRT_WF_I4G128A = 9,
    KRT_WF_COUNT
} KrtWFormat;

/* y[j] = x[0..k) . w_j for j in [j0, j1). */
typedef void (*KrtWfMatvecFn)(const float *x, const void *w, float *y, int64_t k, int64_t j0,
                              int64_t j1);
/* y[i * n + j] = x_i . w_j for rows i < m of x[m, k] and j in [j0, j1). */
typedef void (*KrtWfMatmulFn)(const float *x, const void *w, float *y, int64_t m, int64_t k,
                              int64_t n, int64_t j0, int64_t j1);

typedef struct KrtWfKernels {
    KrtWfMatvecFn matvec;
    KrtWfMatmulFn matmul;
} KrtWfKernels;

/* The portable kernels, indexed by KrtWFormat. */
extern const KrtWfKernels krt_wf_portable[KRT_WF_COUNT];

/* Bytes of one stored row of k elements (k a multiple of the format's block, which kiln
 * checked when it compiled the model). */
size_t krt_wf_row_bytes(int format, int64_t k);

/* out[0..k) = the stored row `row` of k elements, dequantized. */
void krt_wf_dequant_row(int format, const void *row, int64_t k, float *out);

/* y[m, n] = x[m, k] . w^T (+ bias[n]) for w stored in `format`, the columns split across the
 * pool's threads (NULL: one thread). Each column is computed by one thread in a fixed order, so
 * the result does not depend on the thread count. */
void krt_linear_wf_pool(KrtPool *pool, const float *x, const void *w, const float *bias, float *y,
                        int64_t m, int64_t k, int64_t n, int format);

/* out[t, :] = row idx[t] of the table [axis_len, row] stored in `format`, dequantized (only the
 * rows read). Negative indices count from the end; false when one is out of range. */
bool krt_gather_wf_i64(const void *data, const int64_t *idx, float *out, int64_t axis_len,
                       int64_t n_idx, int64_t row, int format);
bool krt_gather_wf_i32(const void *data, const int32_t *idx, float *out, int64_t axis_len,
                       int64_t n_idx, int64_t row, int format);

/* krt_kv_attention_f32 (krt_llm.h) over a cache of f16 / bf16 elements (kiln compile --kv):
 * the rows written are rounded to nearest even, the rows read converted back to f32. */
bool krt_kv_attention_f16kv(const float *q, const float *k, const float *v, float *y, uint16_t *kc,
                            uint16_t *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                            int64_t hq, int64_t hkv, int64_t d, double scale);
bool krt_kv_attention_bf16kv(const float *q, const float *k, const float *v, float *y, uint16_t *kc,
                             uint16_t *vc, int64_t capacity, int64_t pos, int64_t rows, int64_t s,
                             int64_t hq, int64_t hkv, int64_t d, double scale);

/* The portable entry points (krt_wf_portable's rows). */
#define KRT_WF_FORMATS(X)                                                                          \
    X(f32) X(f16) X(bf16) X(i8) X(i4g32) X(i4g64) X(i4g128) X(i4g32a) X(i4g64a) X(i4g128a)
#define KRT_WF_DECLARE(F)                                                                          \
    void krt_wf_matvec_##F(const float *x, const void *w, float *y, int64_t k, int64_t j0,         \
                           int64_t j1);                                                            \
    void krt_wf_matmul_##F(const float *x, const void *w, float *y, int64_t m, int64_t k,          \
                           int64_t n, int64_t j0, int64_t j1);
KRT_WF_FORMATS(KRT_WF_DECLARE)
#undef KRT_WF_DECLARE

#endif
