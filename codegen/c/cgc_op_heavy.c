/* The heavy ops: each becomes a call to an f32 kernel of the runtime (runtime/kiln_rt.h) with
 * its shapes as constants. Other dtypes are refused with a message naming the node. */
#include "cgc.h"

#include <math.h>

/* Every input present and the output must be f32. */
static bool cgc_require_f32(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i) && cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
        return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    return true;
}

static int64_t cgc_prod(const IrType *t, int from, int to) {
    int64_t p = 1;
    for (int d = from; d < to; d++) p *= t->dims[d].size;
    return p;
}

bool cgc_emit_matmul(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const IrType *a = cgc_in_type(e, n, 0), *b = cgc_in_type(e, n, 1);
    if (a->rank < 1 || b->rank < 1) return cgc_node_fail(e, n, "operands must have rank >= 1");
    /* A rank-1 operand is a single row (a) or column (b) with the same bytes. */
    int64_t m = a->rank == 1 ? 1 : a->dims[a->rank - 2].size;
    int64_t k = a->dims[a->rank - 1].size;
    int64_t nn = b->rank == 1 ? 1 : b->dims[b->rank - 1].size;
    int a_batch = a->rank > 2 ? a->rank - 2 : 0, b_batch = b->rank > 2 ? b->rank - 2 : 0;
    int rank = a_batch > b_batch ? a_batch : b_batch;
    /* The batch dims of the output, and how a and b step through them (0 when broadcast). */
    CgcNest nest = {.rank = rank, .n_operands = 3};
    int64_t y_step = m * nn, a_step = m * k, b_step = k * nn;
    for (int d = rank - 1; d >= 0; d--) {
        int da = d - (rank - a_batch), db = d - (rank - b_batch);
        int64_t sa = da >= 0 ? a->dims[da].size : 1, sb = db >= 0 ? b->dims[db].size : 1;
        nest.dims[d] = sa > sb ? sa : sb;
        nest.strides[0][d] = y_step;
        nest.strides[1][d] = sa == 1 ? 0 : a_step;
        nest.strides[2][d] = sb == 1 ? 0 : b_step;
        y_step *= nest.dims[d];
        if (sa != 1) a_step *= sa;
        if (sb != 1) b_step *= sb;
    }
    int64_t batch =
        cgc_prod(cgc_out_type(e, n, 0), 0, cgc_out_type(e, n, 0)->rank) / (m * nn > 0 ? m * nn : 1);
    if (m * nn == 0 || batch == 0) return true;
    char stmt[160];
    if (cgc_prod(b, 0, b_batch) == 1 && cgc_prod(a, 0, a_batch) == batch) {
        /* b is shared by every batch entry: the batches of a are just more rows */
        snprintf(stmt, sizeof stmt, "krt_matmul_f32(x0, x1, y0, %lld, %lld, %lld);",
                 (long long)(batch * m), (long long)k, (long long)nn);
        nest.rank = 0;
    } else {
        snprintf(stmt, sizeof stmt, "krt_matmul_f32(x0 + $1, x1 + $2, y0 + $0, %lld, %lld, %lld);",
                 (long long)m, (long long)k, (long long)nn);
    }
    fprintf(e->f, "    /* a [%lld, %lld] . b [%lld, %lld] per batch entry */\n", (long long)m,
            (long long)k, (long long)k, (long long)nn);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}

bool cgc_linear_shape(const CgcEmitter *e, const IrNode *n, CgcLinearShape *sh) {
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 1);
    if (x->rank < 1 || w->rank != 2) return false;
    sh->transpose_w = ir_attr_int(n, "transpose_w") != 0;
    sh->k = x->dims[x->rank - 1].size;
    sh->n = sh->transpose_w ? w->dims[0].size : w->dims[1].size;
    sh->m = cgc_prod(x, 0, x->rank - 1);
    return true;
}

bool cgc_emit_linear(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    CgcLinearShape sh;
    if (!cgc_linear_shape(e, n, &sh))
        return cgc_node_fail(e, n, "Linear needs x[..., K] and w of rank 2");
    const IrType *w = cgc_in_type(e, n, 1);
    fprintf(e->f, "    /* x [%lld, %lld], w [%lld, %lld]%s */\n", (long long)sh.m, (long long)sh.k,
            (long long)w->dims[0].size, (long long)w->dims[1].size,
            cgc_has_input(n, 2) ? ", bias [N]" : "");
    fprintf(e->f, "    krt_linear_f32_pool(pool, x0, x1, %s, y0, %lld, %lld, %lld, %d);\n",
            cgc_has_input(n, 2) ? "x2" : "NULL", (long long)sh.m, (long long)sh.k, (long long)sh.n,
            sh.transpose_w);
    return true;
}

bool cgc_emit_softmax(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const IrType *x = cgc_in_type(e, n, 0);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    fprintf(e->f, "    krt_softmax_f32(x0, y0, %lld, %lld, %lld);\n",
            (long long)cgc_prod(x, 0, axis), (long long)x->dims[axis].size,
            (long long)cgc_prod(x, axis + 1, x->rank));
    return true;
}

/* Rows and row length of a normalization over dims axis..rank-1. */
static bool cgc_norm_rows(CgcEmitter *e, const IrNode *n, int64_t *rows, int64_t *len) {
    const IrType *x = cgc_in_type(e, n, 0);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    *rows = cgc_prod(x, 0, axis);
    *len = cgc_prod(x, axis, x->rank);
    return true;
}

bool cgc_emit_layernorm(CgcEmitter *e, const IrNode *n) {
    int64_t rows, len;
    if (!cgc_require_f32(e, n) || !cgc_norm_rows(e, n, &rows, &len)) return false;
    char eps[64];
    if (!cgc_double_literal(ir_attr_float(n, "epsilon"), "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    fprintf(e->f, "    krt_layernorm_f32(x0, %s, %s, y0, %lld, %lld, %s);\n",
            cgc_has_input(n, 1) ? "x1" : "NULL", cgc_has_input(n, 2) ? "x2" : "NULL",
            (long long)rows, (long long)len, eps);
    return true;
}

bool cgc_emit_rmsnorm(CgcEmitter *e, const IrNode *n) {
    int64_t rows, len;
    if (!cgc_require_f32(e, n) || !cgc_norm_rows(e, n, &rows, &len)) return false;
    char eps[64];
    if (!cgc_double_literal(ir_attr_float(n, "epsilon"), "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    fprintf(e->f, "    krt_rmsnorm_f32(x0, %s, y0, %lld, %lld, %s);\n",
            cgc_has_input(n, 1) ? "x1" : "NULL", (long long)rows, (long long)len, eps);
    return true;
}

bool cgc_emit_rotary(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    if (x->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, x->dtype);
    if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
        return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    if (x->rank < 3) return cgc_node_fail(e, n, "Rotary needs x[..., S, H, D]");
    int64_t s = x->dims[x->rank - 3].size, h = x->dims[x->rank - 2].size;
    int64_t d = x->dims[x->rank - 1].size;
    int64_t rd = ir_attr_int(n, "rotary_dim");
    if (rd == 0) rd = d;
    if (rd < 0 || rd > d || rd % 2 != 0)
        return cgc_node_fail(e, n, "rotary_dim must be even and at most the head size");
    char theta[64];
    if (!cgc_double_literal(ir_attr_float(n, "theta"), "", theta, sizeof theta))
        return cgc_node_fail(e, n, "theta must be finite");
    char pos[64];
    snprintf(pos, sizeof pos, "{NULL, NULL, %lld}", (long long)ir_attr_int(n, "position_offset"));
    if (cgc_has_input(n, 1)) {
        IrDtype pt = cgc_in_type(e, n, 1)->dtype;
        if (pt != IR_DTYPE_I64 && pt != IR_DTYPE_I32) return cgc_unsupported_dtype(e, n, pt);
        snprintf(pos, sizeof pos, pt == IR_DTYPE_I64 ? "{x1, NULL, 0}" : "{NULL, x1, 0}");
    }
    fprintf(e->f, "    const KrtPositions pos = %s;\n", pos);
    fprintf(e->f, "    krt_rotary_f32(x0, y0, %lld, %lld, %lld, %lld, %lld, %d, %s, %s);\n",
            (long long)cgc_prod(x, 0, x->rank - 3), (long long)s, (long long)h, (long long)d,
            (long long)rd, ir_attr_int(n, "interleaved") != 0, theta, "pos");
    return true;
}

bool cgc_emit_attention(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const IrType *q = cgc_in_type(e, n, 0), *k = cgc_in_type(e, n, 1), *v = cgc_in_type(e, n, 2);
    if (q->rank < 3 || k->rank != q->rank || v->rank != q->rank)
        return cgc_node_fail(e, n, "Attention needs q, k and v of the same rank >= 3");
    int r = q->rank;
    int64_t batch = cgc_prod(q, 0, r - 3);
    if (cgc_prod(k, 0, r - 3) != batch || cgc_prod(v, 0, r - 3) != batch)
        return cgc_node_fail(e, n, "the C backend needs q, k and v with equal leading dims");
    int64_t sq = q->dims[r - 3].size, hq = q->dims[r - 2].size, d = q->dims[r - 1].size;
    int64_t skv = k->dims[r - 3].size, hkv = k->dims[r - 2].size, dv = v->dims[r - 1].size;
    if (hkv <= 0 || hq % hkv != 0)
        return cgc_node_fail(e, n, "query heads must be a multiple of kv heads");
    double scale = ir_attr_float(n, "scale");
    if (scale == 0.0) scale = 1.0 / sqrt((double)d);
    char lit[64];
    if (!cgc_double_literal(scale, "", lit, sizeof lit))
        return cgc_node_fail(e, n, "scale must be finite");
    fprintf(e->f,
            "    const KrtAttnShape shape = {%lld, %lld, %lld, %lld, %lld, %lld, %lld};\n"
            "    krt_attention_f32(x0, x1, x2, y0, shape, %s, %d);\n",
            (long long)batch, (long long)sq, (long long)skv, (long long)hq, (long long)hkv,
            (long long)d, (long long)dv, lit, ir_attr_int(n, "causal") != 0);
    return true;
}
