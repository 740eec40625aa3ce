/* The decoder-LLM reading of a graph's model facts (docs/llm.md), shared by every backend and
 * the CLI's interpreter path so none of them guesses the layout from names or positions. */
#include "ir.h"

#include <inttypes.h>
#include <string.h>

static bool ird_vec_i64(const IrGraph *g, int v, int64_t n) {
    const IrType *t = &ir_value(g, v)->type;
    return t->dtype == IR_DTYPE_I64 && t->rank == 1 && ir_dim_is_const(t->dims[0]) &&
           (n < 0 || t->dims[0].size == n);
}

/* logits f32[rows, V] with rows = *rows (or any when *rows < 0, then set) and V >= 1. */
static bool ird_logits(const IrGraph *g, int v, int64_t *rows, int64_t *vocab) {
    const IrType *t = &ir_value(g, v)->type;
    if (t->dtype != IR_DTYPE_F32 || t->rank != 2 || !ir_type_is_static(t) || t->dims[1].size < 1)
        return false;
    if (*rows >= 0 && t->dims[0].size != *rows) return false;
    *rows = t->dims[0].size;
    *vocab = t->dims[1].size;
    return true;
}

static bool ird_fail(const IrGraph *g, Diag *d, const char *why) {
    diag_at(d, g->source_path, NULL, NULL, "not a decoder graph: %s", why);
    return false;
}

bool ir_decoder_layout(const IrGraph *g, IrDecoder *dec, Diag *d) {
    memset(dec, 0, sizeof *dec);
    int pi = ir_entry_find(g, "prefill"), di = ir_entry_find(g, "decode");
    if (g->n_states == 0) return ird_fail(g, d, "it declares no KV cache state");
    if (pi < 0 || di < 0) return ird_fail(g, d, "it lacks the entries 'prefill' and 'decode'");
    dec->prefill = &g->entries[pi];
    dec->decode = &g->entries[di];
    const IrEntry *p = dec->prefill, *q = dec->decode;
    int64_t rows = -1, one = 1, v2 = 0;
    if (p->n_inputs != 2 || p->n_outputs != 1 || q->n_inputs != 2 || q->n_outputs != 1 ||
        !ird_logits(g, p->outputs[0], &rows, &dec->vocab) ||
        !ird_logits(g, q->outputs[0], &one, &v2) || v2 != dec->vocab)
        return ird_fail(g, d,
                        "prefill and decode must each take (token ids, positions) and return "
                        "logits f32[rows, vocab] of one vocabulary, decode with one row");
    dec->max_prefill = rows;
    if (rows < 1 || !ird_vec_i64(g, p->inputs[0], rows) || !ird_vec_i64(g, p->inputs[1], rows) ||
        !ird_vec_i64(g, q->inputs[0], 1) || !ird_vec_i64(g, q->inputs[1], 1))
        return ird_fail(g, d,
                        "token ids and positions must be i64[rows] matching the logits' rows");
    const IrState *s0 = &g->states[0];
    dec->layers = g->n_states;
    dec->max_context = s0->capacity;
    dec->kv_heads = s0->kv_heads;
    dec->head_dim = s0->head_dim;
    dec->kv_dtype = s0->dtype;
    for (int i = 0; i < g->n_states; i++) {
        const IrState *s = &g->states[i];
        if (s->capacity != s0->capacity || s->kv_heads != s0->kv_heads ||
            s->head_dim != s0->head_dim || s->dtype != s0->dtype)
            return ird_fail(g, d, "its KV cache layers differ in shape or dtype");
        if (s->layer >= g->n_states || ir_state_find(g, s->layer) != i)
            return ird_fail(g, d, "its KV cache layers are not numbered 0..L-1");
    }
    int64_t per_token = 0, total = 0;
    if (__builtin_mul_overflow(dec->layers, (int64_t)(2 * ir_dtype_size(dec->kv_dtype)),
                               &per_token) ||
        __builtin_mul_overflow(per_token, dec->kv_heads, &per_token) ||
        __builtin_mul_overflow(per_token, dec->head_dim, &per_token) ||
        __builtin_mul_overflow(per_token, dec->max_context, &total)) {
        diag_at(d, g->source_path, NULL, NULL,
                "its KV cache (%" PRId64 " layers x 2 x %" PRId64 " heads x %" PRId64 " x %" PRId64
                " tokens of %s) does not fit in 2^63 bytes",
                dec->layers, dec->kv_heads, dec->head_dim, dec->max_context,
                ir_dtype_name(dec->kv_dtype));
        return false;
    }
    dec->kv_bytes_per_token = per_token;
    dec->kv_bytes = total;
    return true;
}
