/* The heavy ops: each becomes a call to an f32 kernel of the runtime (runtime/kiln_rt.h) with
 * the sizes of its kernel record (codegen/module.h) as constants. Other dtypes are refused with
 * a message naming the node. */
#include "cgc.h"

/* Every input present and the output must be f32. */
static bool cgc_require_f32(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i) && cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
        return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    return true;
}

/* Shorthand: the name of call operand k. */
#define ARG(c, k, buf) cgc_operand_name(&(c)->operands[k], buf, sizeof buf)

bool cgc_emit_matmul(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* m k n m_entry */
    bool empty = p[0] == 0 || p[2] == 0;
    for (int d = 0; d < c->batch_rank; d++) empty |= c->batch_dims[d] == 0;
    if (empty) return true;
    char stmt[160];
    if (c->batch_rank == 0)
        snprintf(stmt, sizeof stmt, "%s(x0, x1, y0, %lld, %lld, %lld);", c->symbol, (long long)p[0],
                 (long long)p[1], (long long)p[2]);
    else
        snprintf(stmt, sizeof stmt, "%s(x0 + $0, x1 + $1, y0 + $2, %lld, %lld, %lld);", c->symbol,
                 (long long)p[0], (long long)p[1], (long long)p[2]);
    fprintf(e->f, "    /* a [%lld, %lld] . b [%lld, %lld] per batch entry */\n", (long long)p[3],
            (long long)p[1], (long long)p[1], (long long)p[2]);
    CgcNest nest;
    cgc_nest_of_call(c, &nest);
    cgc_emit_nest(e, &nest, stmt);
    return true;
}

bool cgc_emit_linear(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* m k n transpose_w w0 w1 */
    char bias[16];
    fprintf(e->f, "    /* x [%lld, %lld], w [%lld, %lld]%s%s%s */\n", (long long)p[0],
            (long long)p[1], (long long)p[4], (long long)p[5],
            c->id == CG_KRT_LINEAR_WF ? " stored as " : "",
            c->id == CG_KRT_LINEAR_WF ? ir_wformat_name((IrWFormat)p[3]) : "",
            c->operands[2].absent ? "" : ", bias [N]");
    /* the last argument: transpose_w (f32), or the weight's format (_wf) */
    fprintf(e->f, "    %s(pool, x0, x1, %s, y0, %lld, %lld, %lld, %d);\n", c->symbol,
            ARG(c, 2, bias), (long long)p[0], (long long)p[1], (long long)p[2], (int)p[3]);
    return true;
}

bool cgc_emit_softmax(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    fprintf(e->f, "    %s(x0, y0, %lld, %lld, %lld);\n", c->symbol, (long long)c->params[0],
            (long long)c->params[1], (long long)c->params[2]);
    return true;
}

/* LayerNorm and RMSNorm: x, the optional scale (and bias), y, rows, len, epsilon. */
static bool cgc_emit_norm(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    char eps[64], a1[16], a2[16];
    if (!cgc_double_literal(c->floats[0], "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    fprintf(e->f, "    %s(x0, %s, ", c->symbol, ARG(c, 1, a1));
    if (c->n_operands == 4) fprintf(e->f, "%s, ", ARG(c, 2, a2));
    fprintf(e->f, "y0, %lld, %lld, %s);\n", (long long)c->params[0], (long long)c->params[1], eps);
    return true;
}

bool cgc_emit_layernorm(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_norm(e, n);
}
bool cgc_emit_rmsnorm(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_norm(e, n);
}

bool cgc_emit_rotary(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    if (x->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, x->dtype);
    if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
        return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* batch s h d rotary_dim interleaved position_offset */
    char theta[64];
    if (!cgc_double_literal(c->floats[0], "", theta, sizeof theta))
        return cgc_node_fail(e, n, "theta must be finite");
    char pos[64];
    snprintf(pos, sizeof pos, "{NULL, NULL, %lld}", (long long)p[6]);
    if (!c->operands[1].absent) {
        IrDtype pt = cgc_in_type(e, n, 1)->dtype;
        if (pt != IR_DTYPE_I64 && pt != IR_DTYPE_I32) return cgc_unsupported_dtype(e, n, pt);
        snprintf(pos, sizeof pos, pt == IR_DTYPE_I64 ? "{x1, NULL, 0}" : "{NULL, x1, 0}");
    }
    fprintf(e->f, "    const KrtPositions pos = %s;\n", pos);
    fprintf(e->f, "    %s(x0, y0, %lld, %lld, %lld, %lld, %lld, %d, %s, %s);\n", c->symbol,
            (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3], (long long)p[4],
            (int)p[5], theta, "pos");
    return true;
}

bool cgc_emit_attention(CgcEmitter *e, const IrNode *n) {
    if (!cgc_require_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* batch sq skv hq hkv d dv causal */
    char lit[64];
    if (!cgc_double_literal(c->floats[0], "", lit, sizeof lit))
        return cgc_node_fail(e, n, "scale must be finite");
    fprintf(e->f,
            "    const KrtAttnShape shape = {%lld, %lld, %lld, %lld, %lld, %lld, %lld};\n"
            "    %s(x0, x1, x2, y0, shape, %s, %d);\n",
            (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3], (long long)p[4],
            (long long)p[5], (long long)p[6], c->symbol, lit, (int)p[7]);
    return true;
}
