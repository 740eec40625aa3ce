/* The fused op family (semantics in ir/ops_fused.h), generated inline from the kernel records.
 *
 * FusedElementwise becomes one loop nest over the output with no intermediate buffers: per
 * element, each input is loaded into a register (with broadcasting), the program runs as a
 * sequence of `const` locals, and the last one is stored. Every load happens before the store,
 * so the planner may place the output over a same-shaped input (in place). */
#include "cgc.h"

/* Writes the C expression of instruction in into buf: its row of the scalar table
 * (ir/scalar.h) on registers r<a>, r<b>; sfx is "f" (f32) or "". */
static bool cgc_fused_expr(const CgcEmitter *e, const IrNode *n, const CgInstr *in, const char *sfx,
                           char *buf, size_t cap) {
    char regs[2][32] = {"", ""};
    const char *operands[2] = {regs[0], regs[1]};
    if (in->a >= 0) snprintf(regs[0], sizeof regs[0], "r%d", in->a);
    if (in->b >= 0) snprintf(regs[1], sizeof regs[1], "r%d", in->b);
    return cgc_scalar_expr(e, n, in->fn, operands, in->params, *sfx ? "float" : "double", sfx, buf,
                           cap);
}

/* Writes "base + i0 * s0 + ..." for strides s over the output's rank. */
static void cgc_fused_index(FILE *f, const int64_t *strides, int rank) {
    bool any = false;
    for (int d = 0; d < rank; d++) {
        if (strides[d] == 0) continue;
        fprintf(f, "%si%d * %lld", any ? " + " : "", d, (long long)strides[d]);
        any = true;
    }
    if (!any) fputs("0", f);
}

/* Whether every loaded operand of l is read like the output: each input has the output's
 * shape, so one flat loop covers them all. */
static bool cgc_fused_flat(const CgLoop *l) {
    for (int k = 1; k < l->n_operands; k++)
        for (int d = 0; d < l->rank; d++)
            if (l->dims[d] != 1 && l->operands[k].strides[d] != l->operands[0].strides[d])
                return false;
    return true;
}

bool cgc_emit_fused_elementwise(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    const char *ctype = cgc_ctype(out->dtype);
    const char *sfx = out->dtype == IR_DTYPE_F32 ? "f" : "";
    if (out->dtype != IR_DTYPE_F32 && out->dtype != IR_DTYPE_F64)
        return cgc_unsupported_dtype(e, n, out->dtype);
    const CgLoop *l = &cgc_kernel(e, n)->loops[0];
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused elementwise chain of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fputs(" */\n", e->f);
    int64_t count = 1;
    for (int d = 0; d < l->rank; d++) count *= l->dims[d];
    if (count == 0) return true;
    int rank = l->rank;
    /* One flat loop when every input has the output's shape; else one loop per dim. */
    bool flat = cgc_fused_flat(l);
    int loops = flat ? 1 : rank;
    if (flat) {
        fprintf(e->f, "    for (int64_t i0 = 0; i0 < %lld; i0++) {\n", (long long)count);
    } else {
        for (int d = 0; d < rank; d++)
            fprintf(e->f, "%*sfor (int64_t i%d = 0; i%d < %lld; i%d++) {\n", 4 + 4 * d, "", d, d,
                    (long long)l->dims[d], d);
    }
    int indent = 4 + 4 * (loops > 0 ? loops : 0);
    if (rank == 0 && !flat) fprintf(e->f, "    {\n");
    if (rank == 0 && !flat) indent = 8;
    for (int k = 1; k < l->n_operands; k++) {
        fprintf(e->f, "%*sconst %s r%d = x%d[", indent, "", ctype, k - 1, l->operands[k].slot);
        if (flat)
            fputs("i0", e->f);
        else
            cgc_fused_index(e->f, l->operands[k].strides, rank);
        fputs("];\n", e->f);
    }
    int reg = l->n_operands - 1;
    for (int j = 0; j < l->n_instrs; j++, reg++) {
        char expr[512];
        if (!cgc_fused_expr(e, n, &l->program[j], sfx, expr, sizeof expr)) return false;
        fprintf(e->f, "%*sconst %s r%d = %s;\n", indent, "", ctype, reg, expr);
    }
    fprintf(e->f, "%*sy0[", indent, "");
    if (flat)
        fputs("i0", e->f);
    else
        cgc_fused_index(e->f, l->operands[0].strides, rank);
    fprintf(e->f, "] = r%d;\n", reg - 1);
    int closes = flat ? 1 : (rank == 0 ? 1 : rank);
    for (int d = closes - 1; d >= 0; d--) fprintf(e->f, "%*s}\n", 4 + 4 * d, "");
    return true;
}

/* How epilogue operand o (strides over [rows, N]) is indexed from the flat output index e: the
 * whole output (e), one row of N features repeated (e % N), or one element (0). */
static const char *cgc_fused_epilogue_index(const CgOperand *o) {
    if (o->strides[1] == 0) return "0";
    return o->strides[0] == 0 ? "e % N" : "e";
}

/* Writes the loop applying epilogue l of FusedLinear/FusedNorm n to y0[from..to), C
 * expressions of the flat index; `N` (the output's last dim) must be in scope. */
static bool cgc_fused_epilogue(CgcEmitter *e, const IrNode *n, const CgLoop *l, const char *from,
                               const char *to) {
    fprintf(e->f, "        for (int64_t e = %s; e < %s; e++) {\n", from, to);
    fputs("            const float r0 = y0[e];\n", e->f);
    for (int k = 2; k < l->n_operands; k++)
        fprintf(e->f, "            const float r%d = x%d[%s];\n", k - 1, l->operands[k].slot,
                cgc_fused_epilogue_index(&l->operands[k]));
    int reg = l->n_operands - 1;
    for (int j = 0; j < l->n_instrs; j++, reg++) {
        char expr[512];
        if (!cgc_fused_expr(e, n, &l->program[j], "f", expr, sizeof expr)) return false;
        fprintf(e->f, "            const float r%d = %s;\n", reg, expr);
    }
    fprintf(e->f, "            y0[e] = r%d;\n        }\n", reg - 1);
    return true;
}

bool cgc_emit_fused_linear(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    if (out->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, out->dtype);
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* m k n transpose_w w0 w1 */
    long long m = (long long)p[0], k = (long long)p[1], rb = (long long)c->row_block;
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused Linear with epilogue, of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fprintf(e->f, " */\n    /* x [%lld, %lld], w [%lld, %lld]%s */\n", m, k, (long long)p[4],
            (long long)p[5], c->operands[2].absent ? "" : ", bias [N]");
    if (p[0] * p[2] == 0) return true;
    /* the kernel writes a block of rows, the epilogue rewrites it while it is in cache */
    fprintf(e->f, "    {\n    const int64_t N = %lld;\n", (long long)p[2]);
    fprintf(e->f, "    for (int64_t row = 0; row < %lld; row += %lld) {\n", m, rb);
    fprintf(e->f, "        const int64_t rows = %lld - row < %lld ? %lld - row : %lld;\n", m, rb, m,
            rb);
    char bias[16];
    fprintf(e->f,
            "        %s(pool, x0 + row * %lld, x1, %s, y0 + row * N, rows, %lld, N, "
            "%d);\n",
            c->symbol, k, cgc_operand_name(&c->operands[2], bias, sizeof bias), k, (int)p[3]);
    if (!cgc_fused_epilogue(e, n, c->epilogue, "row * N", "(row + rows) * N")) return false;
    fputs("    }\n    }\n", e->f);
    return true;
}

/* FusedNorm: per block of rows, the runtime norm writes the rows into y0, then the epilogue
 * rewrites them while they are still in cache; no intermediate buffer. */
bool cgc_emit_fused_norm(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    if (out->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, out->dtype);
    const CgCall *c = &cgc_kernel(e, n)->call;
    long long rows = (long long)c->params[0], len = (long long)c->params[1];
    long long rb = (long long)c->row_block;
    bool rms = c->id == CG_KRT_RMSNORM_F32;
    char eps[64];
    if (!cgc_double_literal(c->floats[0], "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused norm with epilogue, of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fprintf(e->f, " */\n    /* x [%lld, %lld] (rows, normalized length)%s%s */\n", rows, len,
            cgc_has_input(n, 1) ? ", scale [len]" : "", cgc_has_input(n, 2) ? ", bias [len]" : "");
    if (rows * len == 0) return true;
    fprintf(e->f, "    {\n    const int64_t N = %lld, L = %lld;\n    (void)N;\n",
            (long long)c->epilogue->dims[1], len);
    fprintf(e->f, "    for (int64_t row = 0; row < %lld; row += %lld) {\n", rows, rb);
    fprintf(e->f, "        const int64_t rows = %lld - row < %lld ? %lld - row : %lld;\n", rows, rb,
            rows, rb);
    char scale[16], bias[16];
    cgc_operand_name(&c->operands[1], scale, sizeof scale);
    if (rms)
        fprintf(e->f, "        %s(x0 + row * L, %s, y0 + row * L, rows, L, %s);\n", c->symbol,
                scale, eps);
    else
        fprintf(e->f, "        %s(x0 + row * L, %s, %s, y0 + row * L, rows, L, %s);\n", c->symbol,
                scale, cgc_operand_name(&c->operands[2], bias, sizeof bias), eps);
    if (!cgc_fused_epilogue(e, n, c->epilogue, "row * L", "(row + rows) * L")) return false;
    fputs("    }\n    }\n", e->f);
    return true;
}
