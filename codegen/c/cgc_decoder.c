/* The decoder-LLM parts of the generated model (docs/llm.md): the C backend's limits on the
 * module's decoder, the prefill and decode entries with their KrtDecoderTable, the wrappers of
 * the runtime's KV cache API (attach_kv, reset, prefill, decode, position) and the descriptor
 * with its KilnDecoder. The layout itself comes from the module (codegen/lower.c). */
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
    if (m->kv.dtype != IR_DTYPE_F32 && m->kv.dtype != IR_DTYPE_F16 && m->kv.dtype != IR_DTYPE_BF16)
        return cgc_decoder_fail(m->g, d, "its KV cache is not f32, f16 or bf16");
    return true;
}

/* The module's decoder figures under the names the templates below use. */
typedef struct CgcDec {
    int64_t max_prefill, vocab, max_context;
    int64_t bos, eos;            /* -1 when none */
    uint64_t kv_bytes_per_token; /* layers x 2 x Hkv x D x 4 */
} CgcDec;

static CgcDec cgc_dec(const CgModule *m) {
    KILN_ASSERT(m->is_decoder);
    CgcDec d = {m->decoder.max_prefill,  m->decoder.vocab,        m->kv.capacity,
                m->g->meta.bos_token_id, m->g->meta.eos_token_id, m->kv.bytes_per_token};
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
    const CgModule *m = e->m;
    for (int part = 0; part < 2; part++) {
        /* ir_decoder_layout: (ids, positions) -> logits, prefill then decode */
        KILN_ASSERT(m->entries[part].n_inputs == 2 && m->entries[part].n_outputs == 1);
        cgc_write_entry(e, part);
    }
    cgc_decoder_write_table(e);
}

void cgc_decoder_write_table(CgcEmitter *e) {
    const CgModule *m = e->m;
    const CgcDec dv = cgc_dec(m), *dec = &dv;
    FILE *f = e->f;
    const char *p = e->opt->prefix;
    fprintf(f,
            "/* The decoder's figures and entries for the runtime (KrtDecoderTable). */\n"
            "static const KrtDecoderTable %s_decoder_table = {\n"
            "    %" PRId64 ", /* vocab */\n    %" PRId64 ", /* max_context */\n"
            "    %" PRId64 ", /* max_prefill */\n"
            "    UINT64_C(%" PRIu64 "), /* kv_bytes_per_token */\n"
            "    UINT64_C(%" PRIu64 "), /* kv_bytes */\n"
            "    %" PRId64 ", /* bos_token_id */\n    %" PRId64 ", /* eos_token_id */\n"
            "    UINT64_C(%" PRId64 "), /* ids_offset: i64[max_prefill] in the workspace */\n"
            "    UINT64_C(%" PRId64 "), /* positions_offset: i64[max_prefill] */\n"
            "    UINT64_C(%" PRId64 "), /* logits_offset: f32[max_prefill, vocab] */\n"
            "    entry_0, /* prefill */\n    entry_1, /* decode */\n};\n\n",
            p, dec->vocab, dec->max_context, dec->max_prefill, dec->kv_bytes_per_token,
            dec->kv_bytes_per_token * (uint64_t)dec->max_context, dec->bos, dec->eos,
            m->prefill_ids_offset, m->prefill_positions_offset, m->scratch_offset);
}

void cgc_decoder_write_wrappers(CgcEmitter *e) {
    const char *p = e->opt->prefix;
    fprintf(e->f,
            "int %s_attach_kv(%s_context *ctx, void *kv, size_t kv_bytes) {\n"
            "    return krt_model_attach_kv(ctx, kv, kv_bytes);\n}\n\n"
            "int %s_reset(%s_context *ctx) {\n    return krt_model_reset(ctx);\n}\n\n"
            "int64_t %s_position(const %s_context *ctx) {\n"
            "    return krt_model_position(ctx);\n}\n\n"
            "int %s_prefill(%s_context *ctx, const int64_t *tokens, int64_t n, float *logits) {\n"
            "    return krt_model_prefill(ctx, tokens, n, logits);\n}\n\n"
            "int %s_decode(%s_context *ctx, int64_t token, float *logits) {\n"
            "    return krt_model_decode(ctx, token, logits);\n}\n\n",
            p, p, p, p, p, p, p, p, p, p);
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
    fprintf(f,
            "static const KilnDecoder %s_decoder = {\n    %lld,\n    %lld,\n    %lld,\n"
            "    %" PRIu64 "u,\n    %" PRIu64 "u,\n    %" PRId64 ",\n    %" PRId64 ",\n"
            "    krt_kiln_reset,\n    krt_kiln_prefill,\n    krt_kiln_decode,\n"
            "    krt_kiln_position,\n};\n\n",
            p, V, (long long)dec->max_context, P, dec->kv_bytes_per_token,
            dec->kv_bytes_per_token * (uint64_t)dec->max_context, dec->bos, dec->eos);
    cgc_put_model_descriptor(f, g, opt, p, 1, 1, true);
}
