/* Differential case of the llm family (ir/ops_llm.h). KvAttention reads and writes a KV cache
 * that is run state, so it cannot share the driver's graph: a graph with KvAttention nodes must
 * be a decoder (KV cache states and prefill/decode entries, docs/llm.md), and plain interp_run
 * refuses it. The case builds a tiny two-layer decoder (GQA, rotary positions, a custom scale
 * on one layer) and drives the compiled library's prefill and decode against
 * interp_run_decoder, call by call, up to a full cache. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../ir/interp.h"
#include "cg_cases.h"

enum { VOCAB = 11, EMBED = 8, HQ = 2, HKV = 1, HEAD = 4, PREFILL = 4, CONTEXT = 8 };

/* One entry's nodes over ids/positions of `rows` rows; returns its logits value. */
static int decoder_entry(CgtCase *c, int ids, int pos, int64_t rows, const int *w) {
    IrGraph *g = c->g;
    int h = OP(GATHER, "embed", w[0], ids);
    for (int layer = 0; layer < 2; layer++) {
        const int *lw = w + 2 + 4 * layer;
        int q = OP(RESHAPE, "q", OP(LINEAR, "wq", h, lw[0]));
        ir_attr_set_ints(g, LAST, "shape", INTS(rows, HQ, HEAD));
        int k = OP(RESHAPE, "k", OP(LINEAR, "wk", h, lw[1]));
        ir_attr_set_ints(g, LAST, "shape", INTS(rows, HKV, HEAD));
        int v = OP(RESHAPE, "v", OP(LINEAR, "wv", h, lw[2]));
        ir_attr_set_ints(g, LAST, "shape", INTS(rows, HKV, HEAD));
        q = OP(ROTARY, "rq", q, pos);
        k = OP(ROTARY, "rk", k, pos);
        int a = OP(KV_ATTENTION, "attn", q, k, v);
        ir_attr_set_int(g, LAST, "layer", layer);
        ir_attr_set_int(g, LAST, "max_context", CONTEXT);
        if (layer == 1) ir_attr_set_float(g, LAST, "scale", 0.7);
        a = OP(RESHAPE, "merge", a);
        ir_attr_set_ints(g, LAST, "shape", INTS(rows, HQ * HEAD));
        h = OP(ADD, "residual", h, OP(LINEAR, "wo", a, lw[3]));
    }
    return OP(LINEAR, "lm_head", h, w[1]);
}

/* Tokens and positions per entry as the frontends make them (docs/llm.md): prefill i64[P] each,
 * decode i64[1] each, logits f32[rows, VOCAB]. */
static IrGraph *decoder_graph(CgtCase *c) {
    IrGraph *g = ir_graph_new("kv_decoder", "kv_decoder.json", ".");
    c->g = g;
    /* the inputs and outputs of the two entries, in the order interp_run_decoder numbers them */
    int ids = cgt_input(g, "input_ids", I64, 1, D(PREFILL));
    int pos = cgt_input(g, "positions", I64, 1, D(PREFILL));
    int ids1 = cgt_input(g, "decode.input_ids", I64, 1, D(1));
    int pos1 = cgt_input(g, "decode.positions", I64, 1, D(1));
    int w[10] = {CONST("embed", F32, VOCAB, EMBED), CONST("lm_head", F32, VOCAB, EMBED)};
    for (int layer = 0; layer < 2; layer++) {
        w[2 + 4 * layer] = CONST("wq", F32, HQ * HEAD, EMBED);
        w[3 + 4 * layer] = CONST("wk", F32, HKV * HEAD, EMBED);
        w[4 + 4 * layer] = CONST("wv", F32, HKV * HEAD, EMBED);
        w[5 + 4 * layer] = CONST("wo", F32, EMBED, HQ * HEAD);
    }
    int logits = decoder_entry(c, ids, pos, PREFILL, w);
    int logits1 = decoder_entry(c, ids1, pos1, 1, w);
    OUT(logits);
    OUT(logits1);
    /* the model facts a decoder states: one KV cache per layer, and the two entry points */
    for (int layer = 0; layer < 2; layer++) {
        IrState st = {IR_STATE_KV_CACHE, layer, F32, CONTEXT, HKV, HEAD};
        ir_state_add(g, &st);
    }
    ir_entry_add(g, "prefill", VALS(ids, pos), &logits, 1);
    ir_entry_add(g, "decode", VALS(ids1, pos1), &logits1, 1);
    return g;
}

/* The interpreter's call of entry 0 (prefill, n tokens) or 1 (decode, n == 1) at kv->pos, as
 * the compiled prefill does it: rows n..PREFILL-1 are token 0 at position pos. Writes n rows of
 * logits; false (with the message in d) when the interpreter fails, e.g. on a full cache. */
static bool interp_call(const IrGraph *g, int entry, const int64_t *tok, int64_t n,
                        InterpKvCache *kv, float *logits, Diag *d) {
    IrTensor in[4], out[2];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 4; i++)
        KILN_ASSERT(ir_tensor_alloc(&in[i], I64, 1, i < 2 ? D(PREFILL) : D(1)));
    int64_t *ids = in[entry ? 2 : 0].data, *pos = in[entry ? 3 : 1].data;
    for (int64_t i = 0; i < (entry ? 1 : PREFILL); i++) pos[i] = kv->pos;
    for (int64_t i = 0; i < n; i++) {
        ids[i] = tok[i];
        pos[i] = kv->pos + i;
    }
    kv->rows = n;
    bool ok = interp_run_decoder(g, in, out, entry, kv, d);
    if (ok) {
        memcpy(logits, out[entry].data, (size_t)(n * VOCAB) * sizeof *logits);
        ir_tensor_free(&out[entry]);
        kv->pos += n;
    }
    for (int i = 0; i < 4; i++) ir_tensor_free(&in[i]);
    return ok;
}

static bool close_enough(const float *got, const float *want, int64_t n, double tol,
                         const char *what) {
    for (int64_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]), scale = fabs(want[i]) > 1 ? fabs(want[i]) : 1;
        if (!(err <= tol * scale)) {
            fprintf(stderr, "  kv_decoder: %s: logits[%lld]: got %.9g want %.9g\n", what,
                    (long long)i, got[i], want[i]);
            return false;
        }
    }
    return true;
}

/* Calls of the script: prefill 3, decode, decode, prefill 2 (position 7), decode (position 8:
 * the cache is full), then a decode and a prefill that must both be refused. */
static bool drive(const IrGraph *g, const KilnDecoder *dec, void *ctx, const int64_t *tokens,
                  double tol) {
    static const int64_t calls[][2] = {{0, 3}, {1, 1}, {1, 1}, {0, 2}, {1, 1}, {1, 1}, {0, 1}};
    InterpKvCache kv;
    memset(&kv, 0, sizeof kv);
    bool ok = CHECK(dec->reset(ctx) == KILN_OK);
    int64_t used = 0;
    for (size_t i = 0; ok && i < sizeof calls / sizeof calls[0]; i++) {
        int entry = (int)calls[i][0];
        int64_t n = calls[i][1];
        bool fits = used + n <= CONTEXT;
        float got[PREFILL * VOCAB], want[PREFILL * VOCAB];
        int st =
            entry ? dec->decode(ctx, tokens[used], got) : dec->prefill(ctx, tokens + used, n, got);
        Diag d;
        diag_init(&d);
        bool ran = interp_call(g, entry, tokens + used, n, &kv, want, &d);
        if (fits && !ran) diag_print(&d, stderr);
        diag_free(&d);
        char what[64];
        snprintf(what, sizeof what, "call %zu (%s of %lld at %lld)", i,
                 entry ? "decode" : "prefill", (long long)n, (long long)used);
        if (fits) {
            ok =
                CHECK(st == KILN_OK && ran) && CHECK(close_enough(got, want, n * VOCAB, tol, what));
            used += n;
        } else { /* both refuse, and the position stays */
            ok = CHECK(st == KILN_ERR_CONTEXT && !ran);
        }
        ok = ok && CHECK(dec->position(ctx) == used && kv.pos == used);
    }
    interp_kv_free(&kv);
    return ok;
}

void cgt_case_kv_attention(CgtCase *c) {
    IrGraph *g = decoder_graph(c);
    int64_t tokens[CONTEXT + PREFILL];
    for (int i = 0; i < CONTEXT + PREFILL; i++)
        tokens[i] = (int64_t)(test_rng_next(&c->rng) % VOCAB);
    c->g = NULL; /* the driver's graph is untouched: this case reports its own results */
    if (!cgt_plan(g)) {
        for (int b = 0; b < cg_backend_count(); b++) cgt_case_result(c, b, CGT_FAILED);
        ir_graph_free(g);
        return;
    }
    for (int b = 0; b < cg_backend_count(); b++) {
        const CgBackend *be = cg_backend_at(b);
        CgtLib lib;
        if (!cgt_supported(be, g)) {
            cgt_case_result(c, b, CGT_SKIPPED);
            continue;
        }
        bool ok = cgt_build(be, g, "kv_decoder", false, &lib) && CHECK(lib.model->decoder);
        void *ctx = NULL;
        char wpath[4200];
        ok = ok &&
             CHECK(lib.model->create(&ctx, cgt_weights_path(&lib, wpath, sizeof wpath)) == KILN_OK);
        ok = ok && drive(g, lib.model->decoder, ctx, tokens, c->tol);
        if (ctx) lib.model->destroy(ctx);
        cgt_unload(&lib);
        cgt_case_result(c, b, lib.no_device ? CGT_SKIPPED : ok ? CGT_PASSED : CGT_FAILED);
    }
    ir_graph_free(g);
}
