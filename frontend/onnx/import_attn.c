/* ONNX import of opset-23 Attention, lowered to core IR ops: per head
 * softmax(softcap(Q K^T * scale + mask)) V, with grouped-query heads, a causal mask, an optional
 * boolean or additive attn_mask, and past_key/past_value concatenated into the present outputs.
 * See onnx_import.h for the importer contract. */
#include <math.h>
#include <string.h>

#include "onnx_import.h"

/* Emits op over ins; its one output is named out (NULL: an intermediate). Returns the node. */
static int attn_begin(OnnxImporter *im, const OnnxNode *n, IrOp op, const int *ins, int n_in,
                      const char *out) {
    const char *names[1] = {out};
    return onnx_node_begin(im, n, op, ins, n_in, names, 1);
}

/* Finishes node; returns its output value or -1 after an error. */
static int attn_end(OnnxImporter *im, const OnnxNode *n, int node) {
    int v;
    return onnx_node_end(im, n, node, &v) ? v : -1;
}

static int attn_binary(OnnxImporter *im, const OnnxNode *n, IrOp op, int a, int b) {
    if (a < 0 || b < 0) return -1;
    int ins[2] = {a, b};
    return attn_end(im, n, attn_begin(im, n, op, ins, 2, NULL));
}

static int attn_reshape(OnnxImporter *im, const OnnxNode *n, int x, const int64_t *dims, int rank,
                        const char *out) {
    if (x < 0) return -1;
    int node = attn_begin(im, n, IR_OP_RESHAPE, &x, 1, out);
    ir_attr_set_ints(onnx_graph(im), node, "shape", dims, rank);
    return attn_end(im, n, node);
}

static int attn_transpose(OnnxImporter *im, const OnnxNode *n, int x, const int64_t *perm,
                          int rank) {
    if (x < 0) return -1;
    int node = attn_begin(im, n, IR_OP_TRANSPOSE, &x, 1, NULL);
    ir_attr_set_ints(onnx_graph(im), node, "perm", perm, rank);
    return attn_end(im, n, node);
}

/* A scalar of dtype dt (a float type) holding x. */
static int attn_scalar(OnnxImporter *im, const OnnxNode *n, IrDtype dt, double x) {
    unsigned char buf[8] = {0};
    if (dt == IR_DTYPE_F64) {
        memcpy(buf, &x, 8);
    } else if (dt == IR_DTYPE_F16 || dt == IR_DTYPE_BF16) {
        uint16_t h = dt == IR_DTYPE_F16 ? ir_f32_to_f16((float)x) : ir_f32_to_bf16((float)x);
        memcpy(buf, &h, 2);
    } else {
        float f = (float)x;
        memcpy(buf, &f, 4);
    }
    return onnx_const(im, n, NULL, dt, 0, NULL, buf);
}

/* The static dims of input i (an error naming the input when one is symbolic). */
static bool attn_dims(OnnxImporter *im, const OnnxNode *n, int i, int rank, int64_t *dims) {
    IrType t = onnx_input_type(im, n, i);
    if (t.rank != rank)
        return onnx_error(im, n, "input %d must have rank %d, not %d", i, rank, t.rank);
    for (int k = 0; k < rank; k++)
        if (!ir_dim_value(onnx_graph(im), t.dims[k], &dims[k]))
            return onnx_error(im, n, "input %d needs static dims (bind its symbols with --bind)",
                              i);
    return true;
}

/* Q, K or V as [B, H, S, D]: a 3-D input [B, S, H*D] is split into heads and transposed. */
static int attn_heads(OnnxImporter *im, const OnnxNode *n, int i, int64_t heads, int64_t *dims4) {
    IrType t = onnx_input_type(im, n, i);
    int x = onnx_input(im, n, i);
    if (t.rank == 4) return attn_dims(im, n, i, 4, dims4) ? x : -1;
    int64_t d3[3];
    if (!attn_dims(im, n, i, 3, d3)) return -1;
    if (heads <= 0 || d3[2] % heads != 0) {
        onnx_error(im, n, "input %d: hidden size %lld is not a multiple of %lld heads", i,
                   (long long)d3[2], (long long)heads);
        return -1;
    }
    int64_t split[4] = {d3[0], d3[1], heads, d3[2] / heads}, perm[4] = {0, 2, 1, 3};
    dims4[0] = d3[0], dims4[1] = heads, dims4[2] = d3[1], dims4[3] = d3[2] / heads;
    return attn_transpose(im, n, attn_reshape(im, n, x, split, 4, NULL), perm, 4);
}

/* kv [B, Hkv, T, D] repeated to [B, Hkv*g, T, D]: query head h reads kv head h / g. */
static int attn_repeat_kv(OnnxImporter *im, const OnnxNode *n, int kv, const int64_t *d,
                          int64_t g) {
    if (g == 1 || kv < 0) return kv;
    int64_t d5[5] = {d[0], d[1], 1, d[2], d[3]}, d4[4] = {d[0], d[1] * g, d[2], d[3]};
    int x = attn_reshape(im, n, kv, d5, 5, NULL);
    if (x < 0) return -1;
    int ins[64];
    for (int64_t k = 0; k < g; k++) ins[k] = x;
    int node = attn_begin(im, n, IR_OP_CONCAT, ins, (int)g, NULL);
    ir_attr_set_int(onnx_graph(im), node, "axis", 2);
    return attn_reshape(im, n, attn_end(im, n, node), d4, 4, NULL);
}

/* past [B, H, P, D] ++ cur [B, H, S, D] along the sequence (the present output when named). */
static int attn_concat_past(OnnxImporter *im, const OnnxNode *n, int past_in, int cur, int64_t *d,
                            int out_k) {
    const char *out = n->n_outputs > out_k && n->outputs[out_k][0] ? n->outputs[out_k] : NULL;
    int past = onnx_input(im, n, past_in);
    if (past < 0) {
        if (out && cur >= 0) onnx_bind_output(im, n, out_k, cur);
        return cur;
    }
    int64_t pd[4];
    if (cur < 0 || !attn_dims(im, n, past_in, 4, pd)) return -1;
    if (pd[0] != d[0] || pd[1] != d[1] || pd[3] != d[3]) {
        onnx_error(im, n, "input %d (past) has dims that do not match the new keys/values",
                   past_in);
        return -1;
    }
    int ins[2] = {past, cur};
    int node = attn_begin(im, n, IR_OP_CONCAT, ins, 2, out);
    ir_attr_set_int(onnx_graph(im), node, "axis", 2);
    d[2] += pd[2];
    return attn_end(im, n, node);
}

/* The additive mask [Sq, T]: 0 where key j is visible to query i (j <= i, top-left aligned as
 * ONNX's reference), -inf elsewhere. */
static int attn_causal(OnnxImporter *im, const OnnxNode *n, IrDtype dt, int64_t sq, int64_t t) {
    int64_t dims[2] = {sq, t};
    float *m = ir_alloc(onnx_graph(im), sizeof *m * (size_t)(sq * t));
    for (int64_t i = 0; i < sq; i++)
        for (int64_t j = 0; j < t; j++) m[i * t + j] = j <= i ? 0.0f : -INFINITY;
    int c = onnx_const(im, n, NULL, IR_DTYPE_F32, 2, dims, m);
    if (dt == IR_DTYPE_F32) return c;
    int node = attn_begin(im, n, IR_OP_CAST, &c, 1, NULL);
    ir_attr_set_string(onnx_graph(im), node, "to", ir_dtype_name(dt));
    return attn_end(im, n, node);
}

static bool attn_import(OnnxImporter *im, const OnnxNode *n) {
    for (int i = 0; i < 3; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    if (onnx_input(im, n, 6) >= 0) return onnx_error(im, n, "nonpad_kv_seqlen is unsupported");
    int64_t causal, hq, hkv, mode;
    double scale, softcap;
    if (!onnx_attr_int(im, n, "is_causal", 0, &causal) ||
        !onnx_attr_int(im, n, "q_num_heads", 0, &hq) ||
        !onnx_attr_int(im, n, "kv_num_heads", 0, &hkv) ||
        !onnx_attr_int(im, n, "qk_matmul_output_mode", 0, &mode) ||
        !onnx_attr_float(im, n, "scale", 0.0, &scale) ||
        !onnx_attr_float(im, n, "softcap", 0.0, &softcap))
        return false;
    if (causal && onnx_input(im, n, 4) >= 0)
        return onnx_error(im, n, "is_causal with past_key is unsupported");
    if (mode < 0 || mode > 3)
        return onnx_error(im, n, "qk_matmul_output_mode %lld is unsupported", (long long)mode);
    IrDtype dt = onnx_input_type(im, n, 0).dtype;
    if (!ir_dtype_is_float(dt)) return onnx_error(im, n, "Q must be a float tensor");
    bool three_d = onnx_input_type(im, n, 0).rank == 3;
    int64_t qd[4], kd[4], vd[4];
    int q = attn_heads(im, n, 0, hq, qd);
    int k = q < 0 ? -1 : attn_heads(im, n, 1, hkv, kd);
    int v = k < 0 ? -1 : attn_heads(im, n, 2, hkv, vd);
    if (v < 0) return false;
    if (kd[1] != vd[1] || kd[2] != vd[2] || kd[0] != qd[0] || vd[0] != qd[0] || kd[3] != qd[3])
        return onnx_error(im, n, "Q, K and V have incompatible dims");
    /* a 4-D K may state 0 heads (its dim 1): no query head can read it */
    if (kd[1] <= 0 || qd[1] % kd[1] != 0 || qd[1] / kd[1] > 64)
        return onnx_error(im, n, "%lld query heads cannot share %lld kv heads", (long long)qd[1],
                          (long long)kd[1]);
    k = attn_concat_past(im, n, 4, k, kd, 1);
    v = attn_concat_past(im, n, 5, v, vd, 2);
    int64_t g = qd[1] / kd[1];
    k = attn_repeat_kv(im, n, k, kd, g);
    v = attn_repeat_kv(im, n, v, vd, g);
    int64_t perm_t[4] = {0, 1, 3, 2};
    int s = attn_binary(im, n, IR_OP_MATMUL, q, attn_transpose(im, n, k, perm_t, 4));
    if (scale == 0.0) scale = 1.0 / sqrt((double)qd[3]);
    s = attn_binary(im, n, IR_OP_MUL, s, attn_scalar(im, n, dt, scale));
    int stage[4] = {s, -1, -1, -1};
    /* softcap goes before the mask, so masked scores stay -inf */
    if (softcap > 0.0) {
        int c = attn_scalar(im, n, dt, softcap);
        s = attn_binary(im, n, IR_OP_DIV, s, c);
        if (s >= 0) s = attn_end(im, n, attn_begin(im, n, IR_OP_TANH, &s, 1, NULL));
        s = attn_binary(im, n, IR_OP_MUL, s, c);
    }
    stage[1] = s;
    int mask = onnx_input(im, n, 3);
    if (mask >= 0 && s >= 0) {
        if (onnx_input_type(im, n, 3).dtype == IR_DTYPE_BOOL) {
            int ins[3] = {mask, attn_scalar(im, n, dt, 0.0), attn_scalar(im, n, dt, -INFINITY)};
            mask = attn_end(im, n, attn_begin(im, n, IR_OP_WHERE, ins, 3, NULL));
        }
        s = attn_binary(im, n, IR_OP_ADD, s, mask);
    }
    if (causal) s = attn_binary(im, n, IR_OP_ADD, s, attn_causal(im, n, dt, qd[2], kd[2]));
    stage[2] = s;
    if (s >= 0) {
        int node = attn_begin(im, n, IR_OP_SOFTMAX, &s, 1, NULL);
        ir_attr_set_int(onnx_graph(im), node, "axis", -1);
        s = attn_end(im, n, node);
    }
    stage[3] = s;
    if (s < 0) return false;
    if (n->n_outputs > 3 && n->outputs[3][0]) onnx_bind_output(im, n, 3, stage[mode]);
    const char *y_name = n->n_outputs > 0 ? n->outputs[0] : NULL;
    if (!three_d) {
        int ins[2] = {s, v};
        return attn_end(im, n, attn_begin(im, n, IR_OP_MATMUL, ins, 2, y_name)) >= 0;
    }
    int64_t perm[4] = {0, 2, 1, 3}, d3[3] = {qd[0], qd[2], qd[1] * vd[3]};
    int y = attn_transpose(im, n, attn_binary(im, n, IR_OP_MATMUL, s, v), perm, 4);
    return attn_reshape(im, n, y, d3, 3, y_name) >= 0;
}

const OnnxOpImport onnx_import_attn[] = {
    {"", "Attention", attn_import},
    {NULL, NULL, NULL},
};
