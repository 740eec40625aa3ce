/* ONNX import of opset-23 RotaryEmbedding, lowered to core IR ops (Gather, Slice, Mul, Sub, Add,
 * Concat, Reshape) rather than IR Rotary, because ONNX hands over arbitrary cos/sin caches instead
 * of a frequency base.
 *
 * Inputs: X [B, H, S, D] or [B, S, H*D] (num_heads gives H), cos_cache and sin_cache
 * [max_pos, R/2] indexed by position_ids [B, S] when present, else [B, S, R/2] (a 2-D cache
 * without position_ids is read as positions 0..S-1). R = rotary_embedding_dim (0: D). The first
 * R channels of each head rotate, the rest pass through; the pairs are (2i, 2i+1) when
 * interleaved, else (i, i + R/2):
 *   y1 = x1 * cos - x2 * sin,  y2 = x2 * cos + x1 * sin.
 * A 3-D X is viewed as [B, S, H, D], so cos/sin broadcast as [B, S, 1, R/2]; a 4-D X keeps its
 * layout and cos/sin broadcast as [B, 1, S, R/2]. See onnx_import.h for the importer contract. */
#include "onnx_import.h"

/* Finishes node; returns its output value or -1 after an error. */
static int rope_end(OnnxImporter *im, const OnnxNode *n, int node) {
    int v;
    return node >= 0 && onnx_node_end(im, n, node, &v) ? v : -1;
}

/* Emits op over ins with one output named out (NULL: an intermediate); returns the node or -1
 * when an input is missing after an earlier error. */
static int rope_begin(OnnxImporter *im, const OnnxNode *n, IrOp op, const int *ins, int n_in,
                      const char *out) {
    for (int i = 0; i < n_in; i++)
        if (ins[i] < 0) return -1;
    const char *names[1] = {out};
    return onnx_node_begin(im, n, op, ins, n_in, names, 1);
}

static int rope_binary(OnnxImporter *im, const OnnxNode *n, IrOp op, int a, int b) {
    int ins[2] = {a, b};
    return rope_end(im, n, rope_begin(im, n, op, ins, 2, NULL));
}

static int rope_reshape(OnnxImporter *im, const OnnxNode *n, int x, const int64_t *dims, int rank,
                        const char *out) {
    int node = rope_begin(im, n, IR_OP_RESHAPE, &x, 1, out);
    if (node >= 0) ir_attr_set_ints(onnx_graph(im), node, "shape", dims, rank);
    return rope_end(im, n, node);
}

/* x[..., start:end:step] along axis. */
static int rope_slice(OnnxImporter *im, const OnnxNode *n, int x, int64_t axis, int64_t start,
                      int64_t end, int64_t step) {
    int node = rope_begin(im, n, IR_OP_SLICE, &x, 1, NULL);
    if (node < 0) return -1;
    IrGraph *g = onnx_graph(im);
    ir_attr_set_ints(g, node, "starts", &start, 1);
    ir_attr_set_ints(g, node, "ends", &end, 1);
    ir_attr_set_ints(g, node, "axes", &axis, 1);
    ir_attr_set_ints(g, node, "steps", &step, 1);
    return rope_end(im, n, node);
}

static int rope_concat(OnnxImporter *im, const OnnxNode *n, int a, int b, int64_t axis,
                       const char *out) {
    int ins[2] = {a, b};
    int node = rope_begin(im, n, IR_OP_CONCAT, ins, 2, out);
    if (node >= 0) ir_attr_set_int(onnx_graph(im), node, "axis", axis);
    return rope_end(im, n, node);
}

/* The static dims of input i, which must have rank rank (an error naming the input otherwise). */
static bool rope_dims(OnnxImporter *im, const OnnxNode *n, int i, int rank, int64_t *dims) {
    IrType t = onnx_input_type(im, n, i);
    if (t.rank != rank)
        return onnx_error(im, n, "input %d must have rank %d, not %d", i, rank, t.rank);
    for (int k = 0; k < rank; k++)
        if (!ir_dim_value(onnx_graph(im), t.dims[k], &dims[k]))
            return onnx_error(im, n, "input %d needs static dims (bind its symbols with --bind)",
                              i);
    return true;
}

/* cos_cache or sin_cache (input i) as [B, S, R/2] rows for each token's position, then viewed
 * with the broadcast layout bdims (rank 4) of the rotated halves. */
static int rope_cache(OnnxImporter *im, const OnnxNode *n, int i, int64_t b, int64_t s,
                      int64_t half, const int64_t *bdims) {
    int cache = onnx_input(im, n, i);
    if (cache < 0) {
        onnx_error(im, n, "input %d (%s) is required", i, i == 1 ? "cos_cache" : "sin_cache");
        return -1;
    }
    if (onnx_input_type(im, n, i).dtype != onnx_input_type(im, n, 0).dtype) {
        onnx_error(im, n, "input %d must have the dtype of X", i);
        return -1;
    }
    bool has_pos = onnx_input(im, n, 3) >= 0;
    int rank = onnx_input_type(im, n, i).rank;
    int64_t cd[3];
    int rows = cache;
    if (rank == 2 && rope_dims(im, n, i, 2, cd)) {
        if (has_pos) {
            int ins[2] = {cache, onnx_input(im, n, 3)};
            int node = rope_begin(im, n, IR_OP_GATHER, ins, 2, NULL);
            if (node >= 0) ir_attr_set_int(onnx_graph(im), node, "axis", 0);
            rows = rope_end(im, n, node); /* [B, S, cd[1]] */
        } else if (cd[0] < s) {
            onnx_error(im, n, "input %d has %lld rows, fewer than the sequence length %lld", i,
                       (long long)cd[0], (long long)s);
            return -1;
        } else {
            rows = rope_slice(im, n, cache, 0, 0, s, 1); /* [S, cd[1]], shared by the batch */
        }
        if (cd[1] < half) {
            onnx_error(im, n, "input %d has %lld columns, fewer than rotary_embedding_dim/2 = %lld",
                       i, (long long)cd[1], (long long)half);
            return -1;
        }
        if (cd[1] != half) rows = rope_slice(im, n, rows, -1, 0, half, 1);
        if (!has_pos) {
            int64_t d4[4] = {1, bdims[1], bdims[2], bdims[3]};
            return rope_reshape(im, n, rows, d4, 4, NULL);
        }
        return rope_reshape(im, n, rows, bdims, 4, NULL);
    }
    if (rank == 3 && !has_pos && rope_dims(im, n, i, 3, cd)) {
        if (cd[0] != b || cd[1] != s || cd[2] < half) {
            onnx_error(im, n,
                       "input %d must be [%lld, %lld, >= %lld] without position_ids, not "
                       "[%lld, %lld, %lld]",
                       i, (long long)b, (long long)s, (long long)half, (long long)cd[0],
                       (long long)cd[1], (long long)cd[2]);
            return -1;
        }
        if (cd[2] != half) rows = rope_slice(im, n, rows, 2, 0, half, 1);
        return rope_reshape(im, n, rows, bdims, 4, NULL);
    }
    if (rank == 2 || rank == 3) {
        if (rank == 3) onnx_error(im, n, "input %d must be 2-D when position_ids is given", i);
        return -1; /* rope_dims reported the 2-D case */
    }
    onnx_error(im, n, "input %d must have rank 2 or 3, not %d", i, rank);
    return -1;
}

static bool rope_import(OnnxImporter *im, const OnnxNode *n) {
    int x = onnx_input(im, n, 0);
    if (x < 0) return onnx_error(im, n, "input 0 (X) is required");
    int64_t interleaved, heads, rdim;
    if (!onnx_attr_int(im, n, "interleaved", 0, &interleaved) ||
        !onnx_attr_int(im, n, "num_heads", 0, &heads) ||
        !onnx_attr_int(im, n, "rotary_embedding_dim", 0, &rdim))
        return false;
    IrType xt = onnx_input_type(im, n, 0);
    if (!ir_dtype_is_float(xt.dtype)) return onnx_error(im, n, "X must be a float tensor");
    if (onnx_input(im, n, 3) >= 0) {
        IrType pt = onnx_input_type(im, n, 3);
        if (pt.dtype != IR_DTYPE_I64 && pt.dtype != IR_DTYPE_I32)
            return onnx_error(im, n, "position_ids must be an integer tensor");
    }
    /* x4: X as a rank-4 view [B, S, H, D] (3-D input) or [B, H, S, D] (4-D input) */
    int64_t xd[4], x4d[4], b, s;
    int x4 = x;
    if (xt.rank == 3) {
        if (!rope_dims(im, n, 0, 3, xd)) return false;
        if (heads <= 0 || xd[2] % heads != 0)
            return onnx_error(im, n, "hidden size %lld is not a multiple of num_heads %lld",
                              (long long)xd[2], (long long)heads);
        b = xd[0], s = xd[1];
        x4d[0] = b, x4d[1] = s, x4d[2] = heads, x4d[3] = xd[2] / heads;
        x4 = rope_reshape(im, n, x, x4d, 4, NULL);
    } else if (xt.rank == 4) {
        if (!rope_dims(im, n, 0, 4, x4d)) return false;
        if (heads != 0 && heads != x4d[1])
            return onnx_error(im, n, "num_heads %lld differs from X's %lld heads", (long long)heads,
                              (long long)x4d[1]);
        b = x4d[0], s = x4d[2];
    } else {
        return onnx_error(im, n, "X must have rank 3 or 4, not %d", xt.rank);
    }
    int64_t d = x4d[3];
    if (rdim == 0) rdim = d;
    if (rdim < 0 || rdim > d || rdim % 2 != 0)
        return onnx_error(im, n,
                          "rotary_embedding_dim %lld must be even and at most the head size %lld",
                          (long long)rdim, (long long)d);
    int64_t half = rdim / 2;
    int64_t bdims[4] = {b, xt.rank == 3 ? s : 1, xt.rank == 3 ? 1 : s, half};
    int cos = rope_cache(im, n, 1, b, s, half, bdims);
    int sin = cos < 0 ? -1 : rope_cache(im, n, 2, b, s, half, bdims);
    if (sin < 0) return false;

    int rot = rdim == d ? x4 : rope_slice(im, n, x4, 3, 0, rdim, 1);
    int x1 =
        interleaved ? rope_slice(im, n, rot, 3, 0, rdim, 2) : rope_slice(im, n, rot, 3, 0, half, 1);
    int x2 = interleaved ? rope_slice(im, n, rot, 3, 1, rdim, 2)
                         : rope_slice(im, n, rot, 3, half, rdim, 1);
    int y1 = rope_binary(im, n, IR_OP_SUB, rope_binary(im, n, IR_OP_MUL, x1, cos),
                         rope_binary(im, n, IR_OP_MUL, x2, sin));
    int y2 = rope_binary(im, n, IR_OP_ADD, rope_binary(im, n, IR_OP_MUL, x2, cos),
                         rope_binary(im, n, IR_OP_MUL, x1, sin));
    int y;
    if (interleaved) {
        /* [.., R/2] pairs -> [.., R/2, 2] -> [.., R]: y1 and y2 alternate */
        int64_t p5[5] = {x4d[0], x4d[1], x4d[2], half, 1}, r4[4] = {x4d[0], x4d[1], x4d[2], rdim};
        y = rope_concat(im, n, rope_reshape(im, n, y1, p5, 5, NULL),
                        rope_reshape(im, n, y2, p5, 5, NULL), 4, NULL);
        y = rope_reshape(im, n, y, r4, 4, NULL);
    } else {
        y = rope_concat(im, n, y1, y2, 3, NULL);
    }
    const char *out = n->n_outputs > 0 && n->outputs[0][0] ? n->outputs[0] : NULL;
    if (!out) return y >= 0;
    bool last = xt.rank == 4;
    if (rdim != d)
        y = rope_concat(im, n, y, rope_slice(im, n, x4, 3, rdim, d, 1), 3, last ? out : NULL);
    else if (last && y >= 0)
        onnx_bind_output(im, n, 0, y);
    if (!last) y = rope_reshape(im, n, y, xd, 3, out);
    return y >= 0;
}

/* RotaryEmbedding (ai.onnx opset 23); see the comment at the top of this file. */
bool onnx_import_rotary_embedding(OnnxImporter *im, const OnnxNode *n) {
    return rope_import(im, n);
}
