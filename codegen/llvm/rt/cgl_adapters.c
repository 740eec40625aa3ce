/* The call adapters of the llvm backend: one function per runtime kernel row of
 * codegen/kernels.h that the llvm backend calls, all with one signature, so the renderer
 * (codegen/llvm/cgl_calls.c) builds every call the same way: operand pointers, the record's
 * int64 params and float params as arrays, no struct passed by value (whose ABI differs per
 * target). Compiled to bitcode with the runtime and linked into each model, where the optimizer
 * inlines them: the arrays are constants at every call site, so nothing of this survives.
 *
 *   x     the call's operands in the kernel row's order, each already at its element base (and
 *         batch offset); NULL for an absent optional input
 *   p     CgCall.params, f CgCall.floats
 *   kv    the context's KV state (KvAttention), else NULL
 *   aux   what the record does not say: the byte size of Gather's elements, the dtype of
 *         Rotary's positions (64, 32, or 0 when absent)
 * Each returns KILN_OK or the node's failure status. */
#include "kiln_rt.h"
#include "kiln_model.h"
#include "krt_llm.h"
#include "krt_model.h"
#include "krt_threads.h"

#include <string.h>

/* The 21 window values of a convolution record as the runtime's KrtWindow. */
static KrtWindow cgl_window(const int64_t *w) {
    KrtWindow win;
    memcpy(win.in, w, 3 * sizeof *w);
    memcpy(win.out, w + 3, 3 * sizeof *w);
    memcpy(win.kernel, w + 6, 3 * sizeof *w);
    memcpy(win.stride, w + 9, 3 * sizeof *w);
    memcpy(win.dilation, w + 12, 3 * sizeof *w);
    memcpy(win.pad_begin, w + 15, 3 * sizeof *w);
    memcpy(win.pad_end, w + 18, 3 * sizeof *w);
    return win;
}

#define CGL_ADAPTER(name)                                                                          \
    int cgl_call_##name(KrtPool *pool, void *const *x, const int64_t *p, const double *f,          \
                        const KrtKvState *kv, int64_t aux)
#define CGL_UNUSED (void)pool, (void)x, (void)p, (void)f, (void)kv, (void)aux

CGL_ADAPTER(matmul_f32) {
    CGL_UNUSED;
    krt_matmul_f32(x[0], x[1], x[2], p[0], p[1], p[2]);
    return KILN_OK;
}

CGL_ADAPTER(linear_f32) {
    CGL_UNUSED;
    krt_linear_f32_pool(pool, x[0], x[1], x[2], x[3], p[0], p[1], p[2], (int)p[3]);
    return KILN_OK;
}

CGL_ADAPTER(softmax_f32) {
    CGL_UNUSED;
    krt_softmax_f32(x[0], x[1], p[0], p[1], p[2]);
    return KILN_OK;
}

CGL_ADAPTER(layernorm_f32) {
    CGL_UNUSED;
    krt_layernorm_f32(x[0], x[1], x[2], x[3], p[0], p[1], f[0]);
    return KILN_OK;
}

CGL_ADAPTER(rmsnorm_f32) {
    CGL_UNUSED;
    krt_rmsnorm_f32(x[0], x[1], x[2], p[0], p[1], f[0]);
    return KILN_OK;
}

/* p: batch s h d rotary_dim interleaved position_offset */
CGL_ADAPTER(rotary_f32) {
    CGL_UNUSED;
    KrtPositions pos = {NULL, NULL, p[6]};
    if (aux == 64) pos = (KrtPositions){x[1], NULL, 0};
    if (aux == 32) pos = (KrtPositions){NULL, x[1], 0};
    krt_rotary_f32(x[0], x[2], p[0], p[1], p[2], p[3], p[4], (int)p[5], f[0], pos);
    return KILN_OK;
}

/* p: batch sq skv hq hkv d dv causal */
CGL_ADAPTER(attention_f32) {
    CGL_UNUSED;
    KrtAttnShape shape = {p[0], p[1], p[2], p[3], p[4], p[5], p[6]};
    krt_attention_f32(x[0], x[1], x[2], x[3], shape, f[0], (int)p[7]);
    return KILN_OK;
}

/* p: capacity k_offset v_offset s hq hkv d; the cache must be the one the model was built for */
CGL_ADAPTER(kv_attention_f32) {
    CGL_UNUSED;
    if (!kv || kv->capacity != p[0]) return KILN_ERR_CONTEXT;
    bool ok = krt_kv_attention_f32(x[0], x[1], x[2], x[3], kv->cache + p[1], kv->cache + p[2], p[0],
                                   kv->pos, kv->rows, p[3], p[4], p[5], p[6], f[0]);
    return ok ? KILN_OK : KILN_ERR_CONTEXT;
}

/* p: n c m group win[21] */
CGL_ADAPTER(conv_f32) {
    CGL_UNUSED;
    KrtWindow win = cgl_window(p + 4);
    krt_conv_f32(x[0], x[1], x[2], x[3], p[0], p[1], p[2], p[3], &win);
    return KILN_OK;
}

/* p: planes is_max count_include_pad win[21] */
CGL_ADAPTER(pool_f32) {
    CGL_UNUSED;
    KrtWindow win = cgl_window(p + 3);
    krt_pool_f32(x[0], x[1], p[0], &win, (int)p[1], (int)p[2]);
    return KILN_OK;
}

CGL_ADAPTER(global_pool_f32) {
    CGL_UNUSED;
    krt_global_pool_f32(x[0], x[1], p[0], p[1], (int)p[2]);
    return KILN_OK;
}

CGL_ADAPTER(batchnorm_f32) {
    CGL_UNUSED;
    krt_batchnorm_f32(x[0], x[1], x[2], x[3], x[4], x[5], p[0], p[1], p[2], f[0]);
    return KILN_OK;
}

CGL_ADAPTER(instancenorm_f32) {
    CGL_UNUSED;
    krt_instancenorm_f32(x[0], x[1], x[2], x[3], p[0], p[1], p[2], f[0]);
    return KILN_OK;
}

/* p: rank mode x_dims[rank] pads[2 rank]; f: the constant */
CGL_ADAPTER(pad_f32) {
    CGL_UNUSED;
    int rank = (int)p[0];
    krt_pad_f32(x[0], x[1], rank, p + 2, p + 2 + rank, (KrtPadMode)p[1], (float)f[0]);
    return KILN_OK;
}

/* p: rank linear coord nearest x_dims[rank] y_dims[rank]; f: scales[rank]. The record numbers
 * the nearest modes prefer-floor, floor, ceil, prefer-ceil (the C backend's table). */
CGL_ADAPTER(resize_f32) {
    CGL_UNUSED;
    static const KrtResizeNearest nearest[] = {KRT_NEAREST_ROUND_PREFER_FLOOR, KRT_NEAREST_FLOOR,
                                               KRT_NEAREST_CEIL, KRT_NEAREST_ROUND_PREFER_CEIL};
    int rank = (int)p[0];
    krt_resize_f32(x[0], x[1], rank, p + 4, p + 4 + rank, f, (int)p[1], (KrtResizeCoord)p[2],
                   nearest[p[3]]);
    return KILN_OK;
}

/* p: outer axis_len n_indices row (elements of aux bytes) */
CGL_ADAPTER(gather_i64) {
    CGL_UNUSED;
    return krt_gather_i64(x[0], x[1], x[2], p[0], p[1], p[2], (size_t)(p[3] * aux))
               ? KILN_OK
               : KILN_ERR_INDEX;
}

CGL_ADAPTER(gather_i32) {
    CGL_UNUSED;
    return krt_gather_i32(x[0], x[1], x[2], p[0], p[1], p[2], (size_t)(p[3] * aux))
               ? KILN_OK
               : KILN_ERR_INDEX;
}

/* Names the descriptor's and the tables' struct types in the bitcode, so the renderer builds
 * kiln_model, KrtModelTable and KrtDecoderTable with the runtime's own layouts
 * (cgl_runtime_struct). Never called; internal and dropped once linked into a model. */
int64_t cgl_types(const KilnModel *m, const KilnTensorInfo *t, const KilnDecoder *d,
                  const KrtDecoderTable *dt, const KrtModelTable *mt, const KrtModelContext *c,
                  const KrtKvState *kv);
int64_t cgl_types(const KilnModel *m, const KilnTensorInfo *t, const KilnDecoder *d,
                  const KrtDecoderTable *dt, const KrtModelTable *mt, const KrtModelContext *c,
                  const KrtKvState *kv) {
    return m->n_inputs + t->rank + d->vocab_size + dt->vocab + mt->n_inputs + c->kv_pos + kv->pos;
}

/* Element conversions of Cast, the runtime's own (kiln_rt.h): what the renderer's COPY loops
 * call per element (codegen/llvm/cgl_elem.c); inlined once linked. */
int8_t cgl_cvt_i8(double v);
uint8_t cgl_cvt_u8(double v);
int32_t cgl_cvt_i32(double v);
int64_t cgl_cvt_i64(double v);
float cgl_f16_to_f32(uint16_t h);
uint16_t cgl_f32_to_f16(float f);
float cgl_bf16_to_f32(uint16_t h);
uint16_t cgl_f32_to_bf16(float f);
int8_t cgl_cvt_i8(double v) {
    return krt_cvt_i8(v);
}
uint8_t cgl_cvt_u8(double v) {
    return krt_cvt_u8(v);
}
int32_t cgl_cvt_i32(double v) {
    return krt_cvt_i32(v);
}
int64_t cgl_cvt_i64(double v) {
    return krt_cvt_i64(v);
}
float cgl_f16_to_f32(uint16_t h) {
    return krt_f16_to_f32(h);
}
uint16_t cgl_f32_to_f16(float f) {
    return krt_f32_to_f16(f);
}
float cgl_bf16_to_f32(uint16_t h) {
    return krt_bf16_to_f32(h);
}
uint16_t cgl_f32_to_bf16(float f) {
    return krt_f32_to_bf16(f);
}
