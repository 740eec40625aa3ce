/* Builds the decoder graph of a Hugging Face folder (docs/llm.md). The graph has two entry
 * points over shared weights: prefill (inputs 'input_ids' and 'positions', i64[P], output
 * 'logits' f32[P, vocab]) and decode (inputs 'decode.input_ids' and 'decode.positions', i64[1],
 * output 'decode.logits' f32[1, vocab]). Each entry is the set of nodes its output depends on;
 * KvAttention nodes of both share the cache slots by layer number. The graph states all of this
 * as model facts (ir.h): the two entries, one KV cache state per layer, and the metadata
 * (model type, bos/eos/pad ids). */
#include "hf_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../path.h"

/* Per-layer weights (value ids; -1 where the architecture has none). Shapes use H = hidden,
 * Q = heads x head_dim, K = kv_heads x head_dim, I = intermediate. */
typedef struct HfLayer {
    int norm1, norm1_b;     /* [H] (gpt2: LayerNorm scale and bias) */
    int wq, wk, wv, wqkv;   /* [Q, H], [K, H], [K, H]; gpt2 c_attn [H, 3H] */
    int bq, bk, bv, bqkv;   /* [Q], [K], [K]; gpt2 [3H] */
    int wo, bo;             /* [H, Q]; gpt2 c_proj [H, H] and bias [H] */
    int post_attn;          /* glm4 post_self_attn_layernorm [H] */
    int norm2, norm2_b;     /* [H] */
    int w_gate, w_up, w_gu; /* [I, H], [I, H]; glm gate_up_proj [2I, H] */
    int b_gate, b_up;       /* llama mlp_bias [I] */
    int w_down, b_down;     /* [H, I]; gpt2 c_proj [I, H] and bias [H] */
    int w_fc, b_fc;         /* gpt2 c_fc [H, I], [I] */
    int post_mlp;           /* glm4 post_mlp_layernorm [H] */
} HfLayer;

typedef struct HfBuild {
    IrGraph *g;
    const HfConfig *c;
    HfWeights w;
    Diag *d;
    int64_t max_context, max_prefill;
    int embed, pos_embed, norm_f, norm_f_b, lm_head;
    HfLayer *layers;
    const char *prefix; /* "" for prefill, "decode." for decode */
    int64_t s;          /* rows of the entry being built */
    /* whether 2-D weights loaded now keep a 16-bit stored type (a packed constant that only
     * Linear with transpose_w=1 and Gather read); GPT-2's Conv1D weights [K, N] do not */
    bool keep_stored;
    IrDtype kv_dtype; /* of the KV cache states (FeOptions.kv_dtype) */
} HfBuild;

static int hf_w(HfBuild *b, const char *fmt, int64_t layer, int rank, int64_t d0, int64_t d1) {
    char name[256];
    snprintf(name, sizeof name, fmt, layer);
    int64_t dims[2] = {d0, d1};
    return hf_weight(&b->w, b->g, name, rank, dims, rank == 2 && b->keep_stored, b->d);
}

static bool hf_exists(HfBuild *b, const char *fmt, int64_t layer) {
    char name[256];
    snprintf(name, sizeof name, fmt, layer);
    return hf_weight_exists(&b->w, name);
}

static bool hf_load_gpt2_layer(HfBuild *b, int64_t i, HfLayer *L) {
    const HfConfig *c = b->c;
    int64_t H = c->hidden, I = c->intermediate;
    L->norm1 = hf_w(b, "transformer.h.%" PRId64 ".ln_1.weight", i, 1, H, 0);
    L->norm1_b = hf_w(b, "transformer.h.%" PRId64 ".ln_1.bias", i, 1, H, 0);
    L->wqkv = hf_w(b, "transformer.h.%" PRId64 ".attn.c_attn.weight", i, 2, H, 3 * H);
    L->bqkv = hf_w(b, "transformer.h.%" PRId64 ".attn.c_attn.bias", i, 1, 3 * H, 0);
    L->wo = hf_w(b, "transformer.h.%" PRId64 ".attn.c_proj.weight", i, 2, H, H);
    L->bo = hf_w(b, "transformer.h.%" PRId64 ".attn.c_proj.bias", i, 1, H, 0);
    L->norm2 = hf_w(b, "transformer.h.%" PRId64 ".ln_2.weight", i, 1, H, 0);
    L->norm2_b = hf_w(b, "transformer.h.%" PRId64 ".ln_2.bias", i, 1, H, 0);
    L->w_fc = hf_w(b, "transformer.h.%" PRId64 ".mlp.c_fc.weight", i, 2, H, I);
    L->b_fc = hf_w(b, "transformer.h.%" PRId64 ".mlp.c_fc.bias", i, 1, I, 0);
    L->w_down = hf_w(b, "transformer.h.%" PRId64 ".mlp.c_proj.weight", i, 2, I, H);
    L->b_down = hf_w(b, "transformer.h.%" PRId64 ".mlp.c_proj.bias", i, 1, H, 0);
    return diag_ok(b->d);
}

static bool hf_load_layer(HfBuild *b, int64_t i, HfLayer *L) {
    const HfConfig *c = b->c;
    int64_t H = c->hidden, I = c->intermediate, Q = c->heads * c->head_dim;
    int64_t K = c->kv_heads * c->head_dim;
    char p[96]; /* "<prefix>layers.%" PRId64, a format hf_w completes with the layer */
    snprintf(p, sizeof p, "%slayers.%%" PRId64, c->weights_prefix);
    char f[192];
#define HF_W(field, suffix, rank, d0, d1)                                                          \
    (snprintf(f, sizeof f, "%s.%s", p, suffix), L->field = hf_w(b, f, i, rank, d0, d1))
    HF_W(norm1, "input_layernorm.weight", 1, H, 0);
    HF_W(wq, "self_attn.q_proj.weight", 2, Q, H);
    HF_W(wk, "self_attn.k_proj.weight", 2, K, H);
    HF_W(wv, "self_attn.v_proj.weight", 2, K, H);
    if (c->attn_bias) {
        HF_W(bq, "self_attn.q_proj.bias", 1, Q, 0);
        HF_W(bk, "self_attn.k_proj.bias", 1, K, 0);
        HF_W(bv, "self_attn.v_proj.bias", 1, K, 0);
    }
    HF_W(wo, "self_attn.o_proj.weight", 2, H, Q);
    snprintf(f, sizeof f, "%s.self_attn.o_proj.bias", p);
    if (c->arch == HF_ARCH_LLAMA && c->attn_bias && hf_exists(b, f, i))
        HF_W(bo, "self_attn.o_proj.bias", 1, H, 0);
    HF_W(norm2, "post_attention_layernorm.weight", 1, H, 0);
    if (c->arch == HF_ARCH_GLM4) {
        HF_W(post_attn, "post_self_attn_layernorm.weight", 1, H, 0);
        HF_W(post_mlp, "post_mlp_layernorm.weight", 1, H, 0);
    }
    if (c->arch == HF_ARCH_GLM || c->arch == HF_ARCH_GLM4) {
        HF_W(w_gu, "mlp.gate_up_proj.weight", 2, 2 * I, H);
    } else {
        HF_W(w_gate, "mlp.gate_proj.weight", 2, I, H);
        HF_W(w_up, "mlp.up_proj.weight", 2, I, H);
        if (c->mlp_bias) {
            HF_W(b_gate, "mlp.gate_proj.bias", 1, I, 0);
            HF_W(b_up, "mlp.up_proj.bias", 1, I, 0);
            HF_W(b_down, "mlp.down_proj.bias", 1, H, 0);
        }
    }
    HF_W(w_down, "mlp.down_proj.weight", 2, H, I);
#undef HF_W
    return diag_ok(b->d);
}

static bool hf_load_weights(HfBuild *b) {
    const HfConfig *c = b->c;
    bool gpt2 = c->arch == HF_ARCH_GPT2;
    int64_t H = c->hidden;
    b->layers = calloc((size_t)c->layers, sizeof *b->layers);
    KILN_ASSERT(b->layers != NULL);
    for (int64_t i = 0; i < c->layers; i++) {
        HfLayer *L = &b->layers[i];
        memset(L, 0xff, sizeof *L); /* every id -1 */
        b->keep_stored = !gpt2;
        if (!(gpt2 ? hf_load_gpt2_layer(b, i, L) : hf_load_layer(b, i, L))) return false;
    }
    b->keep_stored = true; /* embeddings (Gather) and lm_head (Linear, transpose_w=1) */
    b->norm_f_b = b->pos_embed = -1;
    if (gpt2) {
        b->embed = hf_w(b, "transformer.wte.weight", 0, 2, c->vocab, H);
        b->pos_embed = hf_w(b, "transformer.wpe.weight", 0, 2, c->max_positions, H);
        b->norm_f = hf_w(b, "transformer.ln_f.weight", 0, 1, H, 0);
        b->norm_f_b = hf_w(b, "transformer.ln_f.bias", 0, 1, H, 0);
    } else {
        char name[128];
        snprintf(name, sizeof name, "%sembed_tokens.weight", c->weights_prefix);
        b->embed = hf_w(b, name, 0, 2, c->vocab, H);
        snprintf(name, sizeof name, "%snorm.weight", c->weights_prefix);
        b->norm_f = hf_w(b, name, 0, 1, H, 0);
    }
    if (!diag_ok(b->d)) return false;
    if (c->tie_embeddings)
        b->lm_head = b->embed;
    else
        b->lm_head = hf_w(b, "lm_head.weight", 0, 2, c->vocab, H);
    return diag_ok(b->d);
}

/* ---- graph building ----------------------------------------------------------------------- */

/* Adds node `op` named prefix+name with one output of the same name; returns the output. */
static int hf_op(HfBuild *b, IrOp op, const char *name, const int *in, int n_in) {
    char full[256];
    snprintf(full, sizeof full, "%s%s", b->prefix, name);
    IrType t;
    memset(&t, 0, sizeof t); /* a placeholder: ir_infer_shapes sets every output type */
    int out = ir_value_add(b->g, full, &t);
    int node = ir_node_add(b->g, op, full, in, n_in, &out, 1);
    ir_node(b->g, node)->loc.file = b->g->source_path;
    ir_node(b->g, node)->loc.name = ir_value(b->g, out)->name;
    return out;
}

static int hf_last_node(HfBuild *b) {
    return b->g->n_nodes - 1;
}

static int hf_linear(HfBuild *b, const char *name, int x, int w, int bias, bool transposed) {
    int in[3] = {x, w, bias};
    int y = hf_op(b, IR_OP_LINEAR, name, in, bias >= 0 ? 3 : 2);
    if (!transposed) ir_attr_set_int(b->g, hf_last_node(b), "transpose_w", 0);
    return y;
}

static int hf_norm(HfBuild *b, const char *name, int x, int scale, int bias) {
    const HfConfig *c = b->c;
    int in[3] = {x, scale, bias};
    bool ln = c->arch == HF_ARCH_GPT2;
    int y = hf_op(b, ln ? IR_OP_LAYERNORM : IR_OP_RMSNORM, name, in, ln ? 3 : 2);
    ir_attr_set_float(b->g, hf_last_node(b), "epsilon", c->norm_eps);
    return y;
}

static int hf_binary(HfBuild *b, IrOp op, const char *name, int x, int y) {
    int in[2] = {x, y};
    return hf_op(b, op, name, in, 2);
}

static int hf_reshape(HfBuild *b, const char *name, int x, int64_t d0, int64_t d1, int64_t d2,
                      int rank) {
    int64_t shape[3] = {d0, d1, d2};
    int y = hf_op(b, IR_OP_RESHAPE, name, &x, 1);
    ir_attr_set_ints(b->g, hf_last_node(b), "shape", shape, rank);
    return y;
}

/* Splits x[S, sum(sizes)] along axis 1 into n outputs named name.0, name.1, ... */
static void hf_split(HfBuild *b, const char *name, int x, const int64_t *sizes, int n, int *outs) {
    char full[256];
    IrType t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < n; i++) {
        snprintf(full, sizeof full, "%s%s.%d", b->prefix, name, i);
        outs[i] = ir_value_add(b->g, full, &t);
    }
    snprintf(full, sizeof full, "%s%s", b->prefix, name);
    int node = ir_node_add(b->g, IR_OP_SPLIT, full, &x, 1, outs, n);
    ir_node(b->g, node)->loc.file = b->g->source_path;
    ir_node(b->g, node)->loc.name = ir_node(b->g, node)->name;
    ir_attr_set_int(b->g, node, "axis", 1);
    ir_attr_set_ints(b->g, node, "split", sizes, n);
}

/* Self-attention of layer i on the normed input h[S, H]; returns [S, H]. */
static int hf_attention(HfBuild *b, int64_t i, const HfLayer *L, int h, int positions) {
    const HfConfig *c = b->c;
    char n[128];
    int64_t D = c->head_dim, Q = c->heads * D, K = c->kv_heads * D;
    int q, k, v;
#define HF_NAME(s) (snprintf(n, sizeof n, "layers.%" PRId64 ".%s", i, s), n)
    if (c->arch == HF_ARCH_GPT2) {
        int qkv = hf_linear(b, HF_NAME("attn.c_attn"), h, L->wqkv, L->bqkv, false);
        int parts[3];
        int64_t sizes[3] = {Q, K, K};
        hf_split(b, HF_NAME("attn.split"), qkv, sizes, 3, parts);
        q = parts[0], k = parts[1], v = parts[2];
    } else {
        q = hf_linear(b, HF_NAME("self_attn.q_proj"), h, L->wq, L->bq, true);
        k = hf_linear(b, HF_NAME("self_attn.k_proj"), h, L->wk, L->bk, true);
        v = hf_linear(b, HF_NAME("self_attn.v_proj"), h, L->wv, L->bv, true);
    }
    q = hf_reshape(b, HF_NAME("attn.q_heads"), q, b->s, c->heads, D, 3);
    k = hf_reshape(b, HF_NAME("attn.k_heads"), k, b->s, c->kv_heads, D, 3);
    v = hf_reshape(b, HF_NAME("attn.v_heads"), v, b->s, c->kv_heads, D, 3);
    if (c->arch != HF_ARCH_GPT2) {
        for (int which = 0; which < 2; which++) {
            int in[2] = {which ? k : q, positions};
            int r =
                hf_op(b, IR_OP_ROTARY, HF_NAME(which ? "attn.k_rotary" : "attn.q_rotary"), in, 2);
            int node = hf_last_node(b);
            ir_attr_set_float(b->g, node, "theta", c->rope_theta);
            ir_attr_set_int(b->g, node, "interleaved", c->interleaved);
            ir_attr_set_int(b->g, node, "rotary_dim", c->rotary_dim);
            if (which)
                k = r;
            else
                q = r;
        }
    }
    int in[3] = {q, k, v};
    int a = hf_op(b, IR_OP_KV_ATTENTION, HF_NAME("attn.kv_attention"), in, 3);
    ir_attr_set_int(b->g, hf_last_node(b), "layer", i);
    ir_attr_set_int(b->g, hf_last_node(b), "max_context", b->max_context);
    a = hf_reshape(b, HF_NAME("attn.merge_heads"), a, b->s, Q, 0, 2);
    if (c->arch == HF_ARCH_GPT2)
        return hf_linear(b, HF_NAME("attn.c_proj"), a, L->wo, L->bo, false);
    return hf_linear(b, HF_NAME("self_attn.o_proj"), a, L->wo, L->bo, true);
}

/* The MLP of layer i on h[S, H]; returns [S, H]. */
static int hf_mlp(HfBuild *b, int64_t i, const HfLayer *L, int h) {
    const HfConfig *c = b->c;
    char n[128];
    if (c->arch == HF_ARCH_GPT2) {
        int u = hf_linear(b, HF_NAME("mlp.c_fc"), h, L->w_fc, L->b_fc, false);
        u = hf_op(b, IR_OP_GELU, HF_NAME("mlp.act"), &u, 1);
        ir_attr_set_string(b->g, hf_last_node(b), "approximate", "tanh");
        return hf_linear(b, HF_NAME("mlp.c_proj"), u, L->w_down, L->b_down, false);
    }
    int gate, up;
    if (L->w_gu >= 0) {
        int gu = hf_linear(b, HF_NAME("mlp.gate_up_proj"), h, L->w_gu, -1, true);
        int parts[2];
        int64_t sizes[2] = {c->intermediate, c->intermediate};
        hf_split(b, HF_NAME("mlp.gate_up_split"), gu, sizes, 2, parts);
        gate = parts[0], up = parts[1];
    } else {
        gate = hf_linear(b, HF_NAME("mlp.gate_proj"), h, L->w_gate, L->b_gate, true);
        up = hf_linear(b, HF_NAME("mlp.up_proj"), h, L->w_up, L->b_up, true);
    }
    gate = hf_op(b, IR_OP_SILU, HF_NAME("mlp.act"), &gate, 1);
    int m = hf_binary(b, IR_OP_MUL, HF_NAME("mlp.gated"), gate, up);
    return hf_linear(b, HF_NAME("mlp.down_proj"), m, L->w_down, L->b_down, true);
}

/* One entry point over ids[S] and positions[S]: returns logits [S, vocab]. */
static int hf_entry(HfBuild *b, int ids, int positions) {
    const HfConfig *c = b->c;
    char n[128];
    int in[2] = {b->embed, ids};
    int x = hf_op(b, IR_OP_GATHER, "embed", in, 2);
    if (b->pos_embed >= 0) {
        int pin[2] = {b->pos_embed, positions};
        int p = hf_op(b, IR_OP_GATHER, "position_embed", pin, 2);
        x = hf_binary(b, IR_OP_ADD, "embed_sum", x, p);
    }
    for (int64_t i = 0; i < c->layers; i++) {
        const HfLayer *L = &b->layers[i];
        int h = hf_norm(b, HF_NAME("input_norm"), x, L->norm1, L->norm1_b);
        int a = hf_attention(b, i, L, h, positions);
        if (L->post_attn >= 0) a = hf_norm(b, HF_NAME("post_self_attn_norm"), a, L->post_attn, -1);
        x = hf_binary(b, IR_OP_ADD, HF_NAME("attn_residual"), x, a);
        h = hf_norm(b, HF_NAME("post_attention_norm"), x, L->norm2, L->norm2_b);
        int m = hf_mlp(b, i, L, h);
        if (L->post_mlp >= 0) m = hf_norm(b, HF_NAME("post_mlp_norm"), m, L->post_mlp, -1);
        x = hf_binary(b, IR_OP_ADD, HF_NAME("mlp_residual"), x, m);
    }
#undef HF_NAME
    x = hf_norm(b, "final_norm", x, b->norm_f, b->norm_f_b);
    return hf_linear(b, "logits", x, b->lm_head, -1, true);
}

/* The model facts of the decoder: metadata, one KV cache state per layer, and the two entries
 * (value ids: prefill inputs ids/pos and output logits, decode likewise). */
static void hf_facts(const HfBuild *b, const int *prefill, const int *decode) {
    IrGraph *g = b->g;
    const HfConfig *c = b->c;
    g->meta.model_type = ir_strdup(g, c->model_type);
    g->meta.source = "huggingface";
    g->meta.bos_token_id = c->bos;
    g->meta.eos_token_id = c->eos;
    g->meta.pad_token_id = c->pad;
    for (int64_t l = 0; l < c->layers; l++) {
        IrState st = {IR_STATE_KV_CACHE, l, b->kv_dtype, b->max_context, c->kv_heads, c->head_dim};
        ir_state_add(g, &st);
    }
    ir_entry_add(g, "prefill", prefill, 2, prefill + 2, 1);
    ir_entry_add(g, "decode", decode, 2, decode + 2, 1);
}

/* Decoder limits from the options, checked against the model. */
static bool hf_limits(HfBuild *b, const char *path, const FeOptions *opt) {
    const HfConfig *c = b->c;
    int64_t ctx = opt && opt->max_context ? opt->max_context : HF_DEFAULT_MAX_CONTEXT;
    if (c->arch == HF_ARCH_GPT2 && ctx > c->max_positions) {
        if (opt && opt->max_context) {
            diag_at(b->d, path, NULL, NULL,
                    "--max-context %" PRId64 " exceeds n_positions %" PRId64
                    " (gpt2's learned position table)",
                    ctx, c->max_positions);
            return false;
        }
        ctx = c->max_positions;
    }
    int64_t pre = opt && opt->max_prefill
                      ? opt->max_prefill
                      : (ctx < HF_DEFAULT_MAX_PREFILL ? ctx : HF_DEFAULT_MAX_PREFILL);
    if (pre > ctx || pre > HF_MAX_PREFILL_LIMIT) {
        diag_at(b->d, path, NULL, NULL,
                "--max-prefill %" PRId64 " must be at most --max-context (%" PRId64 ") and %d", pre,
                ctx, HF_MAX_PREFILL_LIMIT);
        return false;
    }
    /* the cache must be addressable: layers x 2 x ctx x K floats */
    if (ctx > (INT64_C(1) << 40) / (c->layers * 2 * c->kv_heads * c->head_dim)) {
        diag_at(b->d, path, NULL, NULL, "--max-context %" PRId64 " makes the KV cache too large",
                ctx);
        return false;
    }
    b->max_context = ctx;
    b->max_prefill = pre;
    b->kv_dtype = opt ? opt->kv_dtype : IR_DTYPE_F32;
    if (b->kv_dtype != IR_DTYPE_F32 && b->kv_dtype != IR_DTYPE_F16 &&
        b->kv_dtype != IR_DTYPE_BF16) {
        diag_at(b->d, path, NULL, NULL, "--kv must be f32, f16 or bf16, not %s",
                ir_dtype_name(b->kv_dtype));
        return false;
    }
    return true;
}

static int hf_vec_input(IrGraph *g, const char *name, int64_t n) {
    IrType t;
    memset(&t, 0, sizeof t);
    t.dtype = IR_DTYPE_I64;
    t.rank = 1;
    t.dims[0] = ir_dim_const(n);
    return ir_input_add(g, name, &t);
}

IrGraph *fe_hf_load(const char *dir, const FeOptions *opt, Diag *d) {
    char *path = fe_path_join(dir, "config.json");
    HfConfig c;
    if (!hf_config_read(path, dir, &c, d)) {
        free(path);
        return NULL;
    }
    char name[64];
    snprintf(name, sizeof name, "%s", c.model_type);
    IrGraph *g = ir_graph_new(name, path, dir);
    HfBuild b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.c = &c;
    b.d = d;
    bool ok = hf_limits(&b, path, opt) && hf_weights_open(&b.w, dir, g, d) && hf_load_weights(&b);
    if (ok) {
        int ids = hf_vec_input(g, "input_ids", b.max_prefill);
        int pos = hf_vec_input(g, "positions", b.max_prefill);
        int dids = hf_vec_input(g, "decode.input_ids", 1);
        int dpos = hf_vec_input(g, "decode.positions", 1);
        b.prefix = "";
        b.s = b.max_prefill;
        int prefill[3] = {ids, pos, hf_entry(&b, ids, pos)};
        b.prefix = "decode.";
        b.s = 1;
        int decode[3] = {dids, dpos, hf_entry(&b, dids, dpos)};
        ir_output_add(g, prefill[2]);
        ir_output_add(g, decode[2]);
        hf_facts(&b, prefill, decode);
        ok = ir_infer_shapes(g, d) && ir_verify(g, d);
    }
    if (ok && c.vision_language)
        diag_warn_at(d, path, NULL, NULL,
                     "%s: kiln compiles the text decoder only, not yet the vision encoder "
                     "(model.visual.*): prompts must hold no image or video tokens (ids %" PRId64
                     " and %" PRId64 ")",
                     c.model_type, c.image_token, c.video_token);
    hf_weights_close(&b.w);
    free(b.layers);
    free(path);
    if (!ok) {
        ir_graph_free(g);
        return NULL;
    }
    return g;
}
