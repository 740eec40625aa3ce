/* Kernel records of the heavy ops (MatMul, Linear, Softmax, the norms, Rotary, Attention,
 * KvAttention) and of FusedLinear / FusedNorm, whose epilogue is a loop attached to the call:
 * each a call of a runtime kernel (codegen/kernels.h) with its sizes computed here once. */
#include "lower_kernels_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool cg_lk_matmul(CgLk *c) {
    const IrType *a = cg_lk_in(c, 0), *b = cg_lk_in(c, 1);
    if (a->rank < 1 || b->rank < 1) return cg_lk_fail(c, "operands must have rank >= 1");
    /* A rank-1 operand is a single row (a) or column (b) with the same bytes. */
    int64_t m = a->rank == 1 ? 1 : a->dims[a->rank - 2].size;
    int64_t k = a->dims[a->rank - 1].size;
    int64_t nn = b->rank == 1 ? 1 : b->dims[b->rank - 1].size;
    int a_batch = a->rank > 2 ? a->rank - 2 : 0, b_batch = b->rank > 2 ? b->rank - 2 : 0;
    int rank = a_batch > b_batch ? a_batch : b_batch;
    CgCall *call = cg_lk_call(c, CG_KRT_MATMUL_F32);
    CgOperand *oa = cg_lk_arg(c, 0, false), *ob = cg_lk_arg(c, 1, false);
    CgOperand *oy = cg_lk_arg(c, 0, true);
    /* The batch dims of the output, and how a and b step through them (0 when broadcast). */
    int64_t y_step = cg_lk_times(c, m, nn), a_step = cg_lk_times(c, m, k);
    int64_t b_step = cg_lk_times(c, k, nn);
    call->batch_rank = rank;
    for (int d = rank - 1; d >= 0; d--) {
        int da = d - (rank - a_batch), db = d - (rank - b_batch);
        int64_t sa = da >= 0 ? a->dims[da].size : 1, sb = db >= 0 ? b->dims[db].size : 1;
        call->batch_dims[d] = sa > sb ? sa : sb;
        oy->strides[d] = y_step;
        oa->strides[d] = sa == 1 ? 0 : a_step;
        ob->strides[d] = sb == 1 ? 0 : b_step;
        y_step = cg_lk_times(c, y_step, call->batch_dims[d]);
        if (sa != 1) a_step = cg_lk_times(c, a_step, sa);
        if (sb != 1) b_step = cg_lk_times(c, b_step, sb);
    }
    int64_t per = cg_lk_times(c, m, nn);
    int64_t batch = cg_lk_numel(c, cg_lk_out(c, 0)) / (per > 0 ? per : 1);
    int64_t rows = m;
    if (per > 0 && batch > 0 && cg_lk_prod(c, b, 0, b_batch) == 1 &&
        cg_lk_prod(c, a, 0, a_batch) == batch) {
        /* b is shared by every batch entry: the batches of a are just more rows */
        rows = cg_lk_times(c, batch, m);
        call->batch_rank = 0;
    }
    if (batch == 0) rows = 0; /* nothing to compute */
    cg_lk_param(c, rows);
    cg_lk_param(c, k);
    cg_lk_param(c, nn);
    cg_lk_param(c, m);
    return true;
}

/* x[M, K] . w (w [K, N], or [N, K] with transpose_w): params m k n transpose_w w0 w1; for a
 * weight stored in a format (LINEAR_WF, always [N, K]) the format instead of transpose_w. */
static bool cg_lk_linear_call(CgLk *c, const char *what) {
    const IrType *x = cg_lk_in(c, 0), *w = cg_lk_in(c, 1);
    if (x->rank < 1 || w->rank != 2) return cg_lk_fail(c, what);
    int tw = ir_attr_int(c->n, "transpose_w") != 0;
    IrWFormat wf = ir_value(c->g, c->n->inputs[1])->wformat;
    if (ir_wformat_is_packed(wf) && !tw)
        return cg_lk_fail(c, "a weight stored in a format must have transpose_w=1");
    cg_lk_call(c, ir_wformat_is_packed(wf) ? CG_KRT_LINEAR_WF : CG_KRT_LINEAR_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 1, false);
    cg_lk_arg(c, 2, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, cg_lk_prod(c, x, 0, x->rank - 1));
    cg_lk_param(c, x->dims[x->rank - 1].size);
    cg_lk_param(c, tw ? w->dims[0].size : w->dims[1].size);
    cg_lk_param(c, ir_wformat_is_packed(wf) ? (int64_t)wf : tw);
    cg_lk_param(c, w->dims[0].size);
    cg_lk_param(c, w->dims[1].size);
    return true;
}

bool cg_lk_linear(CgLk *c) {
    return cg_lk_linear_call(c, "Linear needs x[..., K] and w of rank 2");
}

bool cg_lk_softmax(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0);
    int axis;
    if (!cg_lk_axis(ir_attr_int(c->n, "axis"), x->rank, &axis))
        return cg_lk_fail(c, "axis is out of range");
    cg_lk_call(c, CG_KRT_SOFTMAX_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, cg_lk_prod(c, x, 0, axis));
    cg_lk_param(c, x->dims[axis].size);
    cg_lk_param(c, cg_lk_prod(c, x, axis + 1, x->rank));
    return true;
}

/* A norm over dims axis.. of x viewed as [rows, len]: kernel id, the scale and bias operands
 * it takes, params rows len, float epsilon. */
static bool cg_lk_norm_call(CgLk *c, bool rms) {
    const IrType *x = cg_lk_in(c, 0);
    int axis;
    if (x->rank < 1 || !cg_lk_axis(ir_attr_int(c->n, "axis"), x->rank, &axis))
        return cg_lk_fail(c, "axis is out of range");
    cg_lk_call(c, rms ? CG_KRT_RMSNORM_F32 : CG_KRT_LAYERNORM_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 1, false);
    if (!rms) cg_lk_arg(c, 2, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, cg_lk_prod(c, x, 0, axis));
    cg_lk_param(c, cg_lk_prod(c, x, axis, x->rank));
    cg_lk_float(c, ir_attr_float(c->n, "epsilon"));
    return true;
}

bool cg_lk_layernorm(CgLk *c) {
    return cg_lk_norm_call(c, false);
}
bool cg_lk_rmsnorm(CgLk *c) {
    return cg_lk_norm_call(c, true);
}

bool cg_lk_rotary(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0);
    if (x->rank < 3) return cg_lk_fail(c, "Rotary needs x[..., S, H, D]");
    int64_t d = x->dims[x->rank - 1].size;
    int64_t rd = ir_attr_int(c->n, "rotary_dim");
    if (rd == 0) rd = d;
    if (rd < 0 || rd > d || rd % 2 != 0)
        return cg_lk_fail(c, "rotary_dim must be even and at most the head size");
    cg_lk_call(c, CG_KRT_ROTARY_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 1, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, cg_lk_prod(c, x, 0, x->rank - 3));
    cg_lk_param(c, x->dims[x->rank - 3].size);
    cg_lk_param(c, x->dims[x->rank - 2].size);
    cg_lk_param(c, d);
    cg_lk_param(c, rd);
    cg_lk_param(c, ir_attr_int(c->n, "interleaved") != 0);
    cg_lk_param(c, ir_attr_int(c->n, "position_offset"));
    cg_lk_float(c, ir_attr_float(c->n, "theta"));
    return true;
}

/* The scale attribute, 0 standing for 1 / sqrt(head size). */
static double cg_lk_attn_scale(const CgLk *c, int64_t d) {
    double scale = ir_attr_float(c->n, "scale");
    return scale == 0.0 ? 1.0 / sqrt((double)d) : scale;
}

bool cg_lk_attention(CgLk *c) {
    const IrType *q = cg_lk_in(c, 0), *k = cg_lk_in(c, 1), *v = cg_lk_in(c, 2);
    if (q->rank < 3 || k->rank != q->rank || v->rank != q->rank)
        return cg_lk_fail(c, "Attention needs q, k and v of the same rank >= 3");
    int r = q->rank;
    int64_t batch = cg_lk_prod(c, q, 0, r - 3);
    if (cg_lk_prod(c, k, 0, r - 3) != batch || cg_lk_prod(c, v, 0, r - 3) != batch)
        return cg_lk_fail(c, "the C backend needs q, k and v with equal leading dims");
    int64_t hq = q->dims[r - 2].size, hkv = k->dims[r - 2].size, d = q->dims[r - 1].size;
    if (hkv <= 0 || hq % hkv != 0)
        return cg_lk_fail(c, "query heads must be a multiple of kv heads");
    cg_lk_call(c, CG_KRT_ATTENTION_F32);
    for (int i = 0; i < 3; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    const int64_t p[] = {batch,
                         q->dims[r - 3].size,
                         k->dims[r - 3].size,
                         hq,
                         hkv,
                         d,
                         v->dims[r - 1].size,
                         ir_attr_int(c->n, "causal") != 0};
    for (int i = 0; i < 8; i++) cg_lk_param(c, p[i]);
    cg_lk_float(c, cg_lk_attn_scale(c, d));
    return true;
}

bool cg_lk_kv_attention(CgLk *c) {
    const IrType *q = cg_lk_in(c, 0), *k = cg_lk_in(c, 1);
    if (q->rank != 3 || k->rank != 3) return cg_lk_fail(c, "KvAttention needs q and k of rank 3");
    int64_t hkv = k->dims[1].size, d = q->dims[2].size;
    int64_t layer = ir_attr_int(c->n, "layer"), cap = ir_attr_int(c->n, "max_context");
    /* this layer's keys, then its values, each [cap, hkv, d] (see codegen/module.h) */
    int64_t plane = cg_lk_times(c, cg_lk_times(c, cap, hkv), d);
    int64_t k_off = cg_lk_times(c, cg_lk_times(c, 2, layer), plane);
    if (layer < 0 || cap < 0 || k_off > INT64_MAX - plane)
        return cg_lk_fail(c, "the layer's KV cache offset overflows");
    /* offsets are in elements of the cache's dtype (f32, or f16/bf16 with --kv) */
    int st = ir_state_find(c->g, layer);
    IrDtype cdt = st >= 0 ? c->g->states[st].dtype : IR_DTYPE_F32;
    if (cdt != IR_DTYPE_F32 && cdt != IR_DTYPE_F16 && cdt != IR_DTYPE_BF16)
        return cg_lk_fail(c, "the KV cache must be f32, f16 or bf16");
    cg_lk_call(c, cdt == IR_DTYPE_F16    ? CG_KRT_KV_ATTENTION_F16KV
                  : cdt == IR_DTYPE_BF16 ? CG_KRT_KV_ATTENTION_BF16KV
                                         : CG_KRT_KV_ATTENTION_F32);
    for (int i = 0; i < 3; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    const int64_t p[] = {cap, k_off, k_off + plane, q->dims[0].size, q->dims[1].size, hkv, d};
    for (int i = 0; i < 7; i++) cg_lk_param(c, p[i]);
    cg_lk_float(c, cg_lk_attn_scale(c, d));
    return true;
}

/* The epilogue of FusedLinear/FusedNorm over its output viewed as [numel / N, N] (N: the
 * output's last dim): operands 0 and 1 the output, then each epilogue input (node inputs 3..)
 * read whole (strides N, 1), as one row of N repeated (0, 1) or as one element (0, 0); the
 * program is the node's, on registers r0 = the kernel's result, r1.. = the epilogue inputs. */
static bool cg_lk_epilogue(CgLk *c) {
    const IrType *out = cg_lk_out(c, 0);
    int64_t nfeat = out->rank ? out->dims[out->rank - 1].size : 1;
    int64_t numel = cg_lk_numel(c, out);
    CgLoop *l = calloc(1, sizeof *l);
    KILN_ASSERT(l != NULL);
    c->k->call.epilogue = l;
    l->rank = 2;
    l->dims[0] = nfeat ? numel / nfeat : 0;
    l->dims[1] = nfeat;
    l->n_operands = c->n->n_inputs - 1;
    l->operands = calloc((size_t)l->n_operands, sizeof *l->operands);
    KILN_ASSERT(l->operands != NULL);
    l->body = CG_BODY_PROGRAM;
    for (int k = 0; k < 2; k++) {
        l->operands[k].output = true;
        l->operands[k].strides[0] = nfeat;
        l->operands[k].strides[1] = 1;
    }
    for (int i = 3; i < c->n->n_inputs; i++) {
        CgOperand *o = &l->operands[i - 1];
        const IrType *in = cg_lk_in(c, i);
        int64_t count = cg_lk_numel(c, in);
        o->slot = i;
        if (count == numel) {
            o->strides[0] = nfeat;
            o->strides[1] = 1;
        } else if (count == 1) {
            /* one element: strides stay 0 */
        } else if (in->rank >= 1 && count == nfeat && in->dims[in->rank - 1].size == nfeat) {
            o->strides[1] = 1;
        } else {
            return cg_lk_fail(c, "an epilogue input broadcasts in an unsupported way");
        }
    }
    return cg_lk_program(c, l, l->n_operands - 1);
}

bool cg_lk_fused_linear(CgLk *c) {
    if (!cg_lk_linear_call(c, "FusedLinear needs x[..., K] and w of rank 2")) return false;
    /* Row blocks of about 256K output elements (1 MiB of f32, within L2): the epilogue runs on
     * a block right after the kernel wrote it, while it is still in cache; no intermediate
     * buffer is needed. At least 32 rows, a multiple of 32: the runtime's GEMM tiles take 16 or
     * 32 rows of x at a time (runtime/krt_isa.h), and every block streams all of w again, so
     * fewer, taller blocks read w fewer times. */
    int64_t m = c->k->call.params[0], nfeat = c->k->call.params[2];
    int64_t rb = nfeat > 0 ? 262144 / nfeat : m;
    if (rb < 32) rb = 32;
    rb -= rb % 32;
    if (rb > m) rb = m;
    c->k->call.row_block = rb;
    return cg_lk_epilogue(c);
}

/* FusedNorm: per block of rows, the runtime norm writes the rows into y0, then the epilogue
 * rewrites them while they are still in cache; no intermediate buffer. */
bool cg_lk_fused_norm(CgLk *c) {
    const char *base = ir_attr_string(c->n, "base");
    bool rms = strcmp(base, "RMSNorm") == 0;
    if (!rms && strcmp(base, "LayerNorm") != 0)
        return cg_lk_fail(c, "FusedNorm base must be RMSNorm or LayerNorm");
    if (!cg_lk_norm_call(c, rms)) return false;
    /* Row blocks of about 16K elements, as for FusedLinear. */
    int64_t rows = c->k->call.params[0], len = c->k->call.params[1];
    int64_t rb = len > 0 ? 16384 / len : rows;
    if (rb < 1) rb = 1;
    if (rb > rows) rb = rows;
    c->k->call.row_block = rb;
    return cg_lk_epilogue(c);
}
