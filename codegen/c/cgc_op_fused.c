/* The fused op family (semantics in ir/ops_fused.h), generated inline.
 *
 * FusedElementwise becomes one loop nest over the output with no intermediate buffers: per
 * element, each input is loaded into a register (with broadcasting), the program runs as a
 * sequence of `const` locals, and the last one is stored. Every load happens before the store,
 * so the planner may place the output over a same-shaped input (in place). */
#include <string.h>

#include "cgc.h"

/* Writes the C expression of instruction (op, a, b) into buf: its row of the scalar table
 * (ir/scalar.h) on registers and constants k; sfx is "f" (f32) or "". */
static bool cgc_fused_expr(const CgcEmitter *e, const IrNode *n, int64_t op, int64_t a, int64_t b,
                           const double *k, const char *sfx, char *buf, size_t cap) {
    if (op < 0 || op >= IR_FUSED_OPCODE_COUNT) return cgc_node_fail(e, n, "bad fused opcode");
    int64_t slot[2] = {a, b};
    char regs[2][32] = {"", ""};
    const char *operands[2] = {regs[0], regs[1]};
    const double *params = NULL;
    for (int i = 0; i < 2; i++) {
        if (ir_fused_slot_is_reg(op, i))
            snprintf(regs[i], sizeof regs[i], "r%lld", (long long)slot[i]);
        if (ir_fused_slot_is_param(op, i)) params = k + slot[i];
    }
    return cgc_scalar_expr(e, n, (IrScalar)op, operands, params, *sfx ? "float" : "double", sfx,
                           buf, cap);
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

bool cgc_emit_fused_elementwise(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    const char *ctype = cgc_ctype(out->dtype);
    const char *sfx = out->dtype == IR_DTYPE_F32 ? "f" : "";
    if (out->dtype != IR_DTYPE_F32 && out->dtype != IR_DTYPE_F64)
        return cgc_unsupported_dtype(e, n, out->dtype);
    const IrAttr *prog = ir_attr_find(n, "program");
    const IrAttr *consts = ir_attr_find(n, "constants");
    const double *k = consts ? consts->floats : NULL;
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused elementwise chain of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fputs(" */\n", e->f);
    if (cgc_numel(out) == 0) return true;
    int rank = out->rank;
    int64_t ostr[IR_MAX_RANK];
    cgc_strides(out, ostr);
    /* One flat loop when every input has the output's shape; else one loop per dim. */
    bool flat = true;
    for (int i = 0; i < n->n_inputs; i++) flat = flat && ir_type_equal(cgc_in_type(e, n, i), out);
    int loops = flat ? 1 : rank;
    if (flat) {
        fprintf(e->f, "    for (int64_t i0 = 0; i0 < %lld; i0++) {\n", (long long)cgc_numel(out));
    } else {
        for (int d = 0; d < rank; d++)
            fprintf(e->f, "%*sfor (int64_t i%d = 0; i%d < %lld; i%d++) {\n", 4 + 4 * d, "", d, d,
                    (long long)out->dims[d].size, d);
    }
    int indent = 4 + 4 * (loops > 0 ? loops : 0);
    if (rank == 0 && !flat) fprintf(e->f, "    {\n");
    if (rank == 0 && !flat) indent = 8;
    for (int i = 0; i < n->n_inputs; i++) {
        fprintf(e->f, "%*sconst %s r%d = x%d[", indent, "", ctype, i, i);
        if (flat) {
            fputs("i0", e->f);
        } else {
            int64_t s[IR_MAX_RANK];
            cgc_broadcast_strides(cgc_in_type(e, n, i), out, s);
            cgc_fused_index(e->f, s, rank);
        }
        fputs("];\n", e->f);
    }
    int reg = n->n_inputs;
    for (int j = 0; j < prog->count; j += 3, reg++) {
        char expr[512];
        if (!cgc_fused_expr(e, n, prog->ints[j], prog->ints[j + 1], prog->ints[j + 2], k, sfx, expr,
                            sizeof expr))
            return false;
        fprintf(e->f, "%*sconst %s r%d = %s;\n", indent, "", ctype, reg, expr);
    }
    fprintf(e->f, "%*sy0[", indent, "");
    if (flat)
        fputs("i0", e->f);
    else
        cgc_fused_index(e->f, ostr, rank);
    fprintf(e->f, "] = r%d;\n", reg - 1);
    int closes = flat ? 1 : (rank == 0 ? 1 : rank);
    for (int d = closes - 1; d >= 0; d--) fprintf(e->f, "%*s}\n", 4 + 4 * d, "");
    return true;
}

/* How an epilogue input of FusedLinear is indexed from the flat output index e: the whole
 * output (e), one row of N features repeated (e % N), or one element (0). NULL otherwise. */
static const char *cgc_fused_epilogue_index(const IrType *in, const IrType *out, int64_t nfeat) {
    if (cgc_numel(in) == cgc_numel(out)) return "e";
    if (cgc_numel(in) == 1) return "0";
    if (in->rank >= 1 && cgc_numel(in) == nfeat && in->dims[in->rank - 1].size == nfeat)
        return "e % N";
    return NULL;
}

/* Writes the loop applying the epilogue of FusedLinear/FusedNorm n (inputs 3.. are e1..em) to
 * y0[from..to), C expressions of the flat index; `N` (nfeat, out's last dim) must be in scope. */
static bool cgc_fused_epilogue(CgcEmitter *e, const IrNode *n, const IrType *out, int64_t nfeat,
                               const char *from, const char *to) {
    const IrAttr *prog = ir_attr_find(n, "program");
    const IrAttr *consts = ir_attr_find(n, "constants");
    const double *kc = consts ? consts->floats : NULL;
    fprintf(e->f, "        for (int64_t e = %s; e < %s; e++) {\n", from, to);
    fputs("            const float r0 = y0[e];\n", e->f);
    for (int i = 3; i < n->n_inputs; i++) {
        const char *ix = cgc_fused_epilogue_index(cgc_in_type(e, n, i), out, nfeat);
        if (!ix) return cgc_node_fail(e, n, "an epilogue input broadcasts in an unsupported way");
        fprintf(e->f, "            const float r%d = x%d[%s];\n", i - 2, i, ix);
    }
    int reg = n->n_inputs - 2;
    for (int j = 0; j < prog->count; j += 3, reg++) {
        char expr[512];
        if (!cgc_fused_expr(e, n, prog->ints[j], prog->ints[j + 1], prog->ints[j + 2], kc, "f",
                            expr, sizeof expr))
            return false;
        fprintf(e->f, "            const float r%d = %s;\n", reg, expr);
    }
    fprintf(e->f, "            y0[e] = r%d;\n        }\n", reg - 1);
    return true;
}

bool cgc_emit_fused_linear(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0), *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 1);
    if (out->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, out->dtype);
    if (x->rank < 1 || w->rank != 2)
        return cgc_node_fail(e, n, "FusedLinear needs x[..., K] and w of rank 2");
    int tw = ir_attr_int(n, "transpose_w") != 0;
    int64_t k = x->dims[x->rank - 1].size;
    int64_t nfeat = tw ? w->dims[0].size : w->dims[1].size;
    int64_t m = 1;
    for (int dd = 0; dd < x->rank - 1; dd++) m *= x->dims[dd].size;
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused Linear with epilogue, of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fprintf(e->f, " */\n    /* x [%lld, %lld], w [%lld, %lld]%s */\n", (long long)m, (long long)k,
            (long long)w->dims[0].size, (long long)w->dims[1].size,
            cgc_has_input(n, 2) ? ", bias [N]" : "");
    if (m * nfeat == 0) return true;
    /* Row blocks of about 16K output elements: the epilogue runs on a block right after the
     * kernel wrote it, while it is still in cache; no intermediate buffer is needed. */
    int64_t rb = 16384 / nfeat;
    if (rb < 8) rb = 8;
    rb -= rb % 8;
    if (rb > m) rb = m;
    fprintf(e->f, "    {\n    const int64_t N = %lld;\n", (long long)nfeat);
    fprintf(e->f, "    for (int64_t row = 0; row < %lld; row += %lld) {\n", (long long)m,
            (long long)rb);
    fprintf(e->f, "        const int64_t rows = %lld - row < %lld ? %lld - row : %lld;\n",
            (long long)m, (long long)rb, (long long)m, (long long)rb);
    fprintf(
        e->f,
        "        krt_linear_f32_pool(pool, x0 + row * %lld, x1, %s, y0 + row * N, rows, %lld, N, "
        "%d);\n",
        (long long)k, cgc_has_input(n, 2) ? "x2" : "NULL", (long long)k, tw);
    if (!cgc_fused_epilogue(e, n, out, nfeat, "row * N", "(row + rows) * N")) return false;
    fputs("    }\n    }\n", e->f);
    return true;
}

/* FusedNorm: per block of rows, the runtime norm writes the rows into y0, then the epilogue
 * rewrites them while they are still in cache; no intermediate buffer. */
bool cgc_emit_fused_norm(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0), *x = cgc_in_type(e, n, 0);
    if (out->dtype != IR_DTYPE_F32) return cgc_unsupported_dtype(e, n, out->dtype);
    const char *base = ir_attr_string(n, "base");
    bool rms = strcmp(base, "RMSNorm") == 0;
    if (!rms && strcmp(base, "LayerNorm") != 0)
        return cgc_node_fail(e, n, "FusedNorm base must be RMSNorm or LayerNorm");
    int axis;
    if (x->rank < 1 || !cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    int64_t rows = 1, len = 1; /* x viewed as [rows, len], len covering dims axis.. */
    for (int d = 0; d < x->rank; d++) *(d < axis ? &rows : &len) *= x->dims[d].size;
    char eps[64];
    if (!cgc_double_literal(ir_attr_float(n, "epsilon"), "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    const char *names = ir_attr_string(n, "nodes");
    fputs("    /* fused norm with epilogue, of: ", e->f);
    cgc_put_comment_text(e->f, *names ? names : n->name);
    fprintf(e->f, " */\n    /* x [%lld, %lld] (rows, normalized length)%s%s */\n", (long long)rows,
            (long long)len, cgc_has_input(n, 1) ? ", scale [len]" : "",
            cgc_has_input(n, 2) ? ", bias [len]" : "");
    if (rows * len == 0) return true;
    /* Row blocks of about 16K elements, as for FusedLinear. */
    int64_t rb = 16384 / len;
    if (rb < 1) rb = 1;
    if (rb > rows) rb = rows;
    int64_t nfeat = out->dims[out->rank - 1].size;
    fprintf(e->f, "    {\n    const int64_t N = %lld, L = %lld;\n    (void)N;\n", (long long)nfeat,
            (long long)len);
    fprintf(e->f, "    for (int64_t row = 0; row < %lld; row += %lld) {\n", (long long)rows,
            (long long)rb);
    fprintf(e->f, "        const int64_t rows = %lld - row < %lld ? %lld - row : %lld;\n",
            (long long)rows, (long long)rb, (long long)rows, (long long)rb);
    const char *scale = cgc_has_input(n, 1) ? "x1" : "NULL";
    if (rms)
        fprintf(e->f, "        krt_rmsnorm_f32(x0 + row * L, %s, y0 + row * L, rows, L, %s);\n",
                scale, eps);
    else
        fprintf(e->f,
                "        krt_layernorm_f32(x0 + row * L, %s, %s, y0 + row * L, rows, L, %s);\n",
                scale, cgc_has_input(n, 2) ? "x2" : "NULL", eps);
    if (!cgc_fused_epilogue(e, n, out, nfeat, "row * L", "(row + rows) * L")) return false;
    fputs("    }\n    }\n", e->f);
    return true;
}
