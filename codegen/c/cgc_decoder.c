/* The decoder-LLM parts of the generated model (docs/llm.md): the C backend's limits on the
 * module's decoder, the KV cache API (attach_kv, reset, prefill, decode, position) and the
 * descriptor with its KilnDecoder. The layout itself comes from the module (codegen/lower.c). */
#include "cgc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool cgc_decoder_fail(const IrGraph *g, Diag *d, const char *why) {
    diag_at(d, g->source_path, NULL, NULL, "the C backend cannot compile this decoder: %s", why);
    return false;
}

bool cgc_decoder_check(const CgModule *m, Diag *d) {
    if (!m->is_decoder) return true;
    if (m->kv.dtype != IR_DTYPE_F32) return cgc_decoder_fail(m->g, d, "its KV cache is not f32");
    if (m->decoder.max_prefill > CGC_MAX_PREFILL)
        return cgc_decoder_fail(m->g, d,
                                "prefill buffers of more than 4096 tokens do not fit the "
                                "stack of the generated prefill");
    return true;
}

/* The module's decoder figures under the names the templates below use. */
typedef struct CgcDec {
    int64_t max_prefill, vocab, max_context;
    int64_t bos, eos;            /* -1 when none */
    uint64_t kv_bytes_per_token; /* layers x 2 x Hkv x D x 4 */
    int64_t scratch_offset;      /* workspace offset of the prefill logits [P, V] */
} CgcDec;

static CgcDec cgc_dec(const CgModule *m) {
    KILN_ASSERT(m->is_decoder);
    CgcDec d = {m->decoder.max_prefill,  m->decoder.vocab,        m->kv.capacity,
                m->g->meta.bos_token_id, m->g->meta.eos_token_id, m->kv.bytes_per_token,
                m->scratch_offset};
    return d;
}

static void cgc_put_define(FILE *f, const char *p, const char *name, const char *fmt_value,
                           int64_t v, const char *doc) {
    fputs("#define ", f);
    cgc_put_upper(f, p);
    fprintf(f, "_%s ", name);
    fprintf(f, fmt_value, v);
    fprintf(f, " /* %s */\n", doc);
}

void cgc_decoder_write_header(FILE *f, const CgModule *m, const CgOptions *opt) {
    const CgcDec dv = cgc_dec(m), *dec = &dv;
    const char *p = opt->prefix;
    fputs("\n/* Decoder LLM: prefill/decode over a KV cache of static capacity. */\n", f);
    cgc_put_define(f, p, "VOCAB_SIZE", "%" PRId64, dec->vocab, "logits per token");
    cgc_put_define(f, p, "MAX_CONTEXT", "%" PRId64, dec->max_context, "KV cache capacity, tokens");
    cgc_put_define(f, p, "MAX_PREFILL", "%" PRId64, dec->max_prefill, "most tokens per prefill");
    cgc_put_define(f, p, "KV_BYTES_PER_TOKEN", "((size_t)%" PRId64 ")",
                   (int64_t)dec->kv_bytes_per_token, "KV cache bytes per token, all layers");
    cgc_put_define(f, p, "KV_BYTES", "((size_t)%" PRId64 ")",
                   (int64_t)dec->kv_bytes_per_token * dec->max_context,
                   "KV_BYTES_PER_TOKEN x MAX_CONTEXT");
    cgc_put_define(f, p, "BOS_TOKEN_ID", "%" PRId64, dec->bos, "-1: none");
    cgc_put_define(f, p, "EOS_TOKEN_ID", "%" PRId64, dec->eos, "-1: none");
    fprintf(f,
            "/* Gives ctx a KV cache: kv_bytes >= _KV_BYTES, 8-byte aligned, valid while ctx is\n"
            " * used (_create attaches its own). Empties the cache. */\n"
            "int %s_attach_kv(%s_context *ctx, void *kv, size_t kv_bytes);\n"
            "int %s_reset(%s_context *ctx); /* empties the KV cache */\n"
            "/* Appends tokens[0..n-1] (1 <= n <= _MAX_PREFILL) and writes logits f32[n, vocab].\n"
            " * KILN_ERR_CONTEXT (nothing written) when the cache would pass _MAX_CONTEXT. */\n"
            "int %s_prefill(%s_context *ctx, const int64_t *tokens, int64_t n, float *logits);\n"
            "/* Appends one token and writes its logits f32[vocab]. */\n"
            "int %s_decode(%s_context *ctx, int64_t token, float *logits);\n"
            "int64_t %s_position(const %s_context *ctx); /* tokens in the cache */\n",
            p, p, p, p, p, p, p, p, p, p);
}

void cgc_decoder_write_entries(CgcEmitter *e) {
    const CgcDec dv = cgc_dec(e->m), *dec = &dv;
    FILE *f = e->f;
    const char *p = e->opt->prefix;
    for (int part = 0; part < 2; part++) {
        const CgEntry *en = &e->m->entries[part];
        KILN_ASSERT(en->n_inputs == 2 && en->n_outputs == 1); /* ir_decoder_layout */
        /* parameters are named by graph slot, as cgc_write_node_calls refers to them */
        fprintf(f,
                "/* The %s entry: the nodes its output depends on. */\n"
                "static int run_%s(%s_context *ctx, const int64_t *in%d, const int64_t *in%d, "
                "float *out%d, const KrtKvState *kv) {\n",
                en->name, en->name, p, en->input_slots[0], en->input_slots[1], en->output_slots[0]);
        cgc_write_node_calls(e, en);
        fputs("    return KILN_OK;\n}\n\n", f);
    }
    long long P = (long long)dec->max_prefill, V = (long long)dec->vocab;
    long long C = (long long)dec->max_context;
    fprintf(
        f,
        "int %s_attach_kv(%s_context *ctx, void *kv, size_t kv_bytes) {\n"
        "    if (!ctx || !kv || (uintptr_t)kv %% 8 != 0 || kv_bytes < (size_t)%" PRIu64 ")\n"
        "        return KILN_ERR_ARGUMENT;\n"
        "    ctx->kv_cache = kv;\n    ctx->kv_pos = 0;\n    return KILN_OK;\n}\n\n"
        "int %s_reset(%s_context *ctx) {\n    if (!ctx) return KILN_ERR_ARGUMENT;\n"
        "    ctx->kv_pos = 0;\n    return KILN_OK;\n}\n\n"
        "int64_t %s_position(const %s_context *ctx) {\n    return ctx ? ctx->kv_pos : 0;\n}\n\n",
        p, p, dec->kv_bytes_per_token * (uint64_t)dec->max_context, p, p, p, p);
    fprintf(f,
            "int %s_prefill(%s_context *ctx, const int64_t *tokens, int64_t n, float *logits) {\n"
            "    if (!ctx || !ctx->weights || !ctx->kv_cache || !tokens || !logits || n < 1 ||\n"
            "        n > %lld)\n        return KILN_ERR_ARGUMENT;\n"
            "    if (ctx->kv_pos > %lld - n) return KILN_ERR_CONTEXT;\n"
            "    for (int64_t i = 0; i < n; i++)\n"
            "        if (tokens[i] < 0 || tokens[i] >= %lld) return KILN_ERR_INDEX;\n"
            "    /* rows n.. are padding: token 0 at the first position; their K/V are never\n"
            "     * written and their logits are dropped */\n"
            "    int64_t ids[%lld], pos[%lld];\n"
            "    for (int64_t i = 0; i < %lld; i++) {\n"
            "        ids[i] = i < n ? tokens[i] : 0;\n"
            "        pos[i] = ctx->kv_pos + (i < n ? i : 0);\n    }\n"
            "    const KrtKvState kv = {ctx->kv_cache, %lld, ctx->kv_pos, n};\n"
            "    float *full = (float *)(ctx->workspace + %lld);\n"
            "    int status = run_prefill(ctx, ids, pos, full, &kv);\n"
            "    if (status != KILN_OK) return status;\n"
            "    memcpy(logits, full, (size_t)n * %lld * sizeof(float));\n"
            "    ctx->kv_pos += n;\n    return KILN_OK;\n}\n\n",
            p, p, P, C, V, P, P, P, C, (long long)dec->scratch_offset, V);
    fprintf(
        f,
        "int %s_decode(%s_context *ctx, int64_t token, float *logits) {\n"
        "    if (!ctx || !ctx->weights || !ctx->kv_cache || !logits) return KILN_ERR_ARGUMENT;\n"
        "    if (ctx->kv_pos >= %lld) return KILN_ERR_CONTEXT;\n"
        "    if (token < 0 || token >= %lld) return KILN_ERR_INDEX;\n"
        "    const int64_t ids[1] = {token}, pos[1] = {ctx->kv_pos};\n"
        "    const KrtKvState kv = {ctx->kv_cache, %lld, ctx->kv_pos, 1};\n"
        "    int status = run_decode(ctx, ids, pos, logits, &kv);\n"
        "    if (status != KILN_OK) return status;\n"
        "    ctx->kv_pos += 1;\n    return KILN_OK;\n}\n\n",
        p, p, C, V, C);
}

void cgc_decoder_write_descriptor(FILE *f, const CgModule *m, const CgOptions *opt) {
    const IrGraph *g = m->g;
    const CgcDec dv = cgc_dec(m), *dec = &dv;
    const char *p = opt->prefix;
    long long P = (long long)dec->max_prefill, V = (long long)dec->vocab;
    fprintf(f, "/* %s_model.c: the generic descriptor `kiln_model` (kiln_model.h) of decoder '", p);
    cgc_put_comment_text(f, g->name);
    fprintf(f,
            "'.\n * Generated by kiln. run() is reset + a prefill of all MAX_PREFILL tokens; use "
            "the decoder\n * entry points for anything else. */\n#include \"%s.h\"\n\n",
            p);
    fprintf(f,
            "static const int64_t %s_in0_dims[1] = {%lld};\n"
            "static const int64_t %s_out0_dims[2] = {%lld, %lld};\n"
            "static const KilnTensorInfo %s_inputs[1] = {{\"input_ids\", %d, 1, %s_in0_dims, "
            "%lld}};\n"
            "static const KilnTensorInfo %s_outputs[1] = {{\"logits\", %d, 2, %s_out0_dims, "
            "%lld}};\n\n",
            p, P, p, P, V, p, (int)IR_DTYPE_I64, p, P * 8, p, (int)IR_DTYPE_F32, p, P * V * 4);
    fprintf(
        f,
        "static int %s_model_create(void **ctx, const char *weights_path) {\n"
        "    if (!ctx) return KILN_ERR_ARGUMENT;\n    %s_context *c = NULL;\n"
        "    int status = %s_create(&c, weights_path);\n    *ctx = c;\n    return status;\n}\n\n"
        "static void %s_model_destroy(void *ctx) {\n    %s_destroy((%s_context *)ctx);\n}\n\n"
        "static int %s_model_reset(void *ctx) {\n    return %s_reset((%s_context *)ctx);\n}\n\n"
        "static int %s_model_prefill(void *ctx, const int64_t *tokens, int64_t n, float "
        "*logits) {\n    return %s_prefill((%s_context *)ctx, tokens, n, logits);\n}\n\n"
        "static int %s_model_decode(void *ctx, int64_t token, float *logits) {\n"
        "    return %s_decode((%s_context *)ctx, token, logits);\n}\n\n"
        "static int64_t %s_model_position(const void *ctx) {\n"
        "    return %s_position((const %s_context *)ctx);\n}\n\n"
        "static int %s_model_run(void *ctx, const void *const *inputs, void *const *outputs) "
        "{\n    if (!inputs || !outputs) return KILN_ERR_ARGUMENT;\n"
        "    int status = %s_reset((%s_context *)ctx);\n"
        "    if (status != KILN_OK) return status;\n"
        "    return %s_prefill((%s_context *)ctx, (const int64_t *)inputs[0], %lld, (float "
        "*)outputs[0]);\n}\n\n",
        p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, p, P);
    fprintf(f,
            "static const KilnDecoder %s_decoder = {\n    %lld,\n    %lld,\n    %lld,\n"
            "    %" PRIu64 "u,\n    %" PRIu64 "u,\n    %" PRId64 ",\n    %" PRId64 ",\n"
            "    %s_model_reset,\n    %s_model_prefill,\n    %s_model_decode,\n"
            "    %s_model_position,\n};\n\n",
            p, V, (long long)dec->max_context, P, dec->kv_bytes_per_token,
            dec->kv_bytes_per_token * (uint64_t)dec->max_context, dec->bos, dec->eos, p, p, p, p);
    cgc_put_model_descriptor(f, g, opt, p, 1, 1, true);
}
