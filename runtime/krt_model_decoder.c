/* The decoder part of the host API (krt_model.h): the KV cache, its position, and prefill and
 * decode over the table's entries. */
#include <string.h>

#include "krt_model.h"

/* The decoder table of a usable context, or NULL. */
static const KrtDecoderTable *krt_model_decoder(const KrtModelContext *ctx) {
    return ctx && ctx->table ? ctx->table->decoder : NULL;
}

int krt_model_attach_kv(KrtModelContext *ctx, void *kv, size_t kv_bytes) {
    const KrtDecoderTable *dt = krt_model_decoder(ctx);
    if (!dt || !kv || (uintptr_t)kv % 8 != 0 || kv_bytes < dt->kv_bytes) return KILN_ERR_ARGUMENT;
    ctx->kv_cache = kv;
    ctx->kv_pos = 0;
    return KILN_OK;
}

int krt_model_reset(KrtModelContext *ctx) {
    if (!krt_model_decoder(ctx)) return KILN_ERR_ARGUMENT;
    ctx->kv_pos = 0;
    return KILN_OK;
}

int64_t krt_model_position(const KrtModelContext *ctx) {
    return ctx ? ctx->kv_pos : 0;
}

/* The checks prefill and decode share; tokens are checked by the caller. */
static int krt_model_ready(const KrtModelContext *ctx, const KrtDecoderTable *dt, int64_t n,
                           const float *logits) {
    if (!dt || !ctx->weights || !ctx->kv_cache || !logits) return KILN_ERR_ARGUMENT;
    if (ctx->kv_pos > dt->max_context - n) return KILN_ERR_CONTEXT;
    return KILN_OK;
}

int krt_model_prefill(KrtModelContext *ctx, const int64_t *tokens, int64_t n, float *logits) {
    const KrtDecoderTable *dt = krt_model_decoder(ctx);
    if (!dt || !tokens || n < 1 || n > dt->max_prefill) return KILN_ERR_ARGUMENT;
    int status = krt_model_ready(ctx, dt, n, logits);
    if (status != KILN_OK) return status;
    for (int64_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= dt->vocab) return KILN_ERR_INDEX;
    /* The entry always runs max_prefill rows. Rows n.. are padding: token 0 at the first new
     * position; their K/V never reach the cache (kv.rows = n) and their logits are dropped. */
    int64_t *ids = (int64_t *)(void *)(ctx->workspace + dt->ids_offset);
    int64_t *pos = (int64_t *)(void *)(ctx->workspace + dt->positions_offset);
    for (int64_t i = 0; i < dt->max_prefill; i++) {
        ids[i] = i < n ? tokens[i] : 0;
        pos[i] = ctx->kv_pos + (i < n ? i : 0);
    }
    float *full = (float *)(void *)(ctx->workspace + dt->logits_offset);
    const KrtKvState kv = {ctx->kv_cache, dt->max_context, ctx->kv_pos, n};
    const void *inputs[2] = {ids, pos};
    void *outputs[1] = {full};
    status = dt->prefill(ctx, inputs, outputs, &kv);
    if (status != KILN_OK) return status;
    memcpy(logits, full, (size_t)n * (size_t)dt->vocab * sizeof(float));
    ctx->kv_pos += n;
    return KILN_OK;
}

int krt_model_decode(KrtModelContext *ctx, int64_t token, float *logits) {
    const KrtDecoderTable *dt = krt_model_decoder(ctx);
    int status = krt_model_ready(ctx, dt, 1, logits);
    if (status != KILN_OK) return status;
    if (token < 0 || token >= dt->vocab) return KILN_ERR_INDEX;
    const int64_t ids[1] = {token}, pos[1] = {ctx->kv_pos};
    const KrtKvState kv = {ctx->kv_cache, dt->max_context, ctx->kv_pos, 1};
    const void *inputs[2] = {ids, pos};
    void *outputs[1] = {logits};
    status = dt->decode(ctx, inputs, outputs, &kv);
    if (status != KILN_OK) return status;
    ctx->kv_pos += 1;
    return KILN_OK;
}

int krt_kiln_reset(void *ctx) {
    return krt_model_reset(ctx);
}

int krt_kiln_prefill(void *ctx, const int64_t *tokens, int64_t n, float *logits) {
    return krt_model_prefill(ctx, tokens, n, logits);
}

int krt_kiln_decode(void *ctx, int64_t token, float *logits) {
    return krt_model_decode(ctx, token, logits);
}

int64_t krt_kiln_position(const void *ctx) {
    return krt_model_position(ctx);
}
